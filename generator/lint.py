"""cfn-lint, in process, in parallel, with a cache of clean results.

cfn-lint is the slow part of ``make template``: importing it and loading its rules takes 0.4 to
0.8 s, and validating one of our templates about 0.5 s of CPU, against a few milliseconds to
generate it. So the rules are loaded once, in this process, and the templates that need linting
are validated in workers forked from it, one per core: a worker inherits the loaded rules and
only decodes and validates. (One worker per template was measured too: on two cores it is no
faster for three templates when the machine is idle, and slower when it is busy, as three
processes then take turns on the cores.) Python's garbage collector is kept out of the way of
cfn-lint's many long-lived objects (:func:`collector_paused`, :func:`_runner`); that saves about
a third of the CPU the lint costs.

A template whose bytes, region, cfn-lint version and settings are those of an earlier clean lint
is not linted again: the cache (``.cache/iotstack/lint``, git-ignored; ``$IOTSTACK_CACHE_DIR/lint``
when that is set) holds one empty file per clean result. Only clean results are cached, so a
finding is always shown again. A cache that cannot be written (a read-only checkout) is skipped.

A template that cannot be read (not JSON or YAML, e.g. with merge-conflict markers, or with bytes
that are not UTF-8) comes back as a finding of cfn-lint's parse rule (E0000) with its line, not as
an exception. A region cfn-lint does not know is a :class:`~generator.errors.UsageError`.

With ``policy=True`` the project's own rules (:mod:`generator.rules`) run in the same cfn-lint
pass; ``iotstack check`` and ``iotstack lint`` use them, ``iotstack template`` does not.

cfn-lint, ``multiprocessing`` and ``concurrent.futures`` are imported only when something is
linted: ``iotstack template --no-lint`` does without them.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.errors import UsageError, leave_signals_to_parent, signals_held
from generator.files import WriteFailed, write_all

if TYPE_CHECKING:
    from cfnlint.rules import Match
    from cfnlint.runner import Runner

# Informational checks too: they include I3011, stateful resources without explicit policies.
INCLUDE_CHECKS = ("I",)
# A finding two rules report, kept once: the rule on the left is dropped for a resource the rule on
# the right reports (E9004, the policy rule, says the same as I3011, with the reason and as an error).
DUPLICATES = {"I3011": "E9004"}

# How a byte that is not UTF-8 arrives in a str: decoded with errors="surrogateescape" it becomes
# U+DC80..U+DCFF; any other lone surrogate cannot be encoded either.
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Finding:
    """One cfn-lint match, as plain data that crosses process boundaries."""

    rule: str
    level: str
    message: str
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.rule} [{self.level}] {self.path} (line {self.line}): {self.message}"


def lint_templates(
    templates: dict[str, tuple[str, str]], cache_dir: Path | None, policy: bool = False
) -> dict[str, list[Finding]]:
    """Lint ``{name: (template_text, region)}``; return ``{name: findings}`` in the same order.

    Each text is taken as :func:`lint_text` takes it; ``cache_dir`` None lints every one (no cache).
    Raises :class:`UsageError` for a region cfn-lint does not know.
    """
    markers = {name: cache_dir / cache_key(text, region, policy) for name, (text, region) in templates.items()
               } if cache_dir else {}  # fmt: skip
    pending = {name: job for name, job in templates.items() if name not in markers or not markers[name].exists()}
    with collector_paused():
        if len(pending) > 1 and _cores() > 1 and _fork_available():
            found = _lint_in_workers(pending, policy)
        else:
            found = {name: lint_text(text, region, policy) for name, (text, region) in pending.items()}
    with suppress(WriteFailed):  # a cache that cannot be written (a read-only checkout) is skipped
        write_all({markers[name]: "" for name, findings in found.items() if not findings and name in markers})
    return {name: found.get(name, []) for name in templates}


def lint_text(text: str, region: str, policy: bool = False) -> list[Finding]:
    """Run cfn-lint (and the project's policy rules if ``policy``) over one template's text for one region.

    ``text`` is the template as ``str`` (JSON or YAML), as generated or as read from a file. Read a
    file with ``errors="surrogateescape"``: a byte that is not UTF-8 then arrives as a lone
    surrogate, and is reported as an E0000 finding at its line instead of failing the read. Text
    that is not a template at all (merge-conflict markers, a truncated file) gives cfn-lint's own
    E0000 finding with its message and line. Raises :class:`UsageError` for a region cfn-lint does
    not know.
    """
    undecodable = _SURROGATE.search(text)
    if undecodable:
        return [_undecodable_finding(text, undecodable)]
    with collector_paused():
        runner = _runner(region, policy)  # imports cfn-lint and loads its rules, once per process
        from cfnlint.decode.decode import decode_str

        template, errors = decode_str(text)
        if errors:
            return _findings(errors)
        if template is None:  # an empty document: nothing to check, as in cfnlint.api.lint
            return []
        return _findings(_validate(template, runner))


def once(matches: list) -> list:
    """cfn-lint matches without the ones another rule reports for the same resource (:data:`DUPLICATES`)."""

    def resource(m) -> tuple:
        return (getattr(m, "filename", None), tuple(str(p) for p in (getattr(m, "path", None) or [])[:2]))

    reported = {(m.rule.id, resource(m)) for m in matches}
    return [m for m in matches if (DUPLICATES.get(m.rule.id), resource(m)) not in reported]


def lint_settings(region: str, policy: bool = False) -> dict:
    """cfn-lint's settings (``ManualArgs``): the region, informational checks, and our rules if asked."""
    from generator.rules import MODULE

    settings = {"regions": [region], "include_checks": list(INCLUDE_CHECKS)}
    return {**settings, "append_rules": [MODULE]} if policy else settings


def cache_key(text: str, region: str, policy: bool = False) -> str:
    """What a clean lint depends on: the bytes, the region, cfn-lint's version, our settings and rules."""
    inputs = {
        # surrogatepass: the UTF-8 bytes of any str, even one carrying undecodable bytes (never clean).
        "template": hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        "region": region,
        "cfn-lint": version("cfn-lint"),
        "include_checks": INCLUDE_CHECKS,
        "policy": _policy_fingerprint() if policy else None,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


# What the policy rules import of the package besides themselves: editing it changes their verdicts too.
RULES_IMPORT = ("cfn.py", "masking.py")


def _policy_fingerprint() -> str:
    """A hash of the policy rules' source and of what they import: editing either invalidates the clean
    results they gave."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in [*sorted((package / "rules").glob("*.py")), *(package / name for name in RULES_IMPORT)]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _lint_in_workers(pending: dict[str, tuple[str, str]], policy: bool) -> dict[str, list[Finding]]:
    """:func:`lint_text` over the templates in workers forked once the rules are loaded, one per core.

    Largest template first: the worker that finishes first takes the next, smaller one.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    for _, region in pending.values():
        _runner(region, policy)  # loaded here, once per settings; the forked workers inherit them
    workers = min(len(pending), _cores())
    largest_first = sorted(pending.items(), key=lambda item: len(item[1][0]), reverse=True)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=leave_signals_to_parent) as pool:
        # The workers are forked by the first submit: signals wait meanwhile, so that none lands inside a
        # fork (in a worker not yet set up, or in a fork hook of the parent, which would swallow it).
        with signals_held():
            futures = {name: pool.submit(lint_text, text, region, policy) for name, (text, region) in largest_first}
        found = {name: future.result() for name, future in futures.items()}
    return {name: found[name] for name in pending}


def _cores() -> int:
    """The cores this process may run on (its affinity, where the system tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # Linux only
        return os.cpu_count() or 1


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while cfn-lint loads and validates; as it was after.

    Loading cfn-lint's rules and schemas creates hundreds of thousands of objects that live as
    long as the process; the collector scans them again and again as they pile up, which costs
    about a third of the load (0.25 s) and a tenth of a validation. Without it a validation keeps
    its cyclic leftovers (about 10 MB per template) until the collector is back on, or the worker
    that made them exits. Workers are forked while it is off, and stay so.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _fork_available() -> bool:
    """Workers are forked (they inherit the loaded rules); where fork does not exist, lint serially."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


@cache
def _runner(region: str, policy: bool) -> Runner:
    """cfn-lint's runner, holding its loaded rules, for one region and setting: built once per process.

    What it loads lives as long as the process, so it is frozen (:func:`gc.freeze`): the collector
    never scans it again. That is Python's advice before forking (a collection in a worker would
    scan, and so copy, the pages it shares with this process), and it also spares the final
    collection when the process exits, which otherwise takes 0.3 s with cfn-lint loaded. The price:
    whatever else is alive, or cyclic garbage not yet collected, when it is frozen stays for good.
    """
    with collector_paused():
        from cfnlint.config import ConfigMixIn
        from cfnlint.runner import Runner

        runner = Runner(ConfigMixIn(**lint_settings(region, policy)))
    gc.freeze()
    return runner


def _validate(template: dict[str, Any], runner: Runner) -> list[Match]:
    from cfnlint.exceptions import InvalidRegionException
    from cfnlint.helpers import REGIONS
    from cfnlint.runner import run_template_by_data

    try:
        return list(run_template_by_data(template, runner.config, runner.rules))
    except InvalidRegionException as error:
        unknown = ", ".join(r for r in runner.config.regions if r not in REGIONS)
        message = f"unknown region {unknown}: it must be an AWS region that cfn-lint {version('cfn-lint')} knows"
        raise UsageError(message) from error


def _findings(matches: list[Match]) -> list[Finding]:
    """The matches as plain findings, sorted, each reported once (:func:`once`); the message of one about a
    credential's value (its path names one) is cfn-lint's rule, not the message that may quote it."""
    matches = once(matches)
    return sorted(
        (
            Finding(
                rule=m.rule.id,
                level=m.rule.severity,
                message=said(m),
                # A decode error (E0000) is not about a place in the template: it has no path.
                path="/".join(str(p) for p in getattr(m, "path", None) or ()),
                line=m.linenumber,
            )
            for m in matches
        ),
        key=lambda f: (f.line, f.rule, f.path, f.message),
    )


def said(match: Match) -> str:
    """What a finding says: cfn-lint's message, unless it is about a credential's value, which it may quote."""
    from generator.masking import is_secret_key

    if any(isinstance(p, str) and is_secret_key(p) for p in getattr(match, "path", None) or ()):
        return f"{match.rule.shortdesc} (a credential's value: cfn-lint's message, which may quote it, is not shown)"
    return match.message


def _undecodable_finding(text: str, surrogate: re.Match) -> Finding:
    """cfn-lint's parse error (E0000) for text carrying a byte that is not UTF-8, at that byte's line."""
    from cfnlint.rules.errors import ParseError

    code = ord(surrogate.group())
    what = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"lone surrogate U+{code:04X}"
    line = text.count("\n", 0, surrogate.start()) + 1
    column = surrogate.start() - (text.rfind("\n", 0, surrogate.start()) + 1) + 1
    rule = ParseError()
    return Finding(rule.id, rule.severity, f"not UTF-8: {what} at column {column}", "", line)
