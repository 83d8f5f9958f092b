"""``iotstack lint``: cfn-lint and the policy rules over committed template files, in cfn-lint's own
formats (text, json, and SARIF for code-scanning pages), serial and uncached. :mod:`generator.lint`
is the fast, cached lint the other commands use; this is for pipelines that want the formats.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

from generator.errors import UsageError
from generator.lint import collector_paused, lint_settings, once, said

FORMATS = ("text", "json", "sarif")


def lint_files(
    files: dict[Path, str], fmt: str = "text", sources: dict[Path, dict[str, list]] | None = None
) -> tuple[str, int]:
    """cfn-lint and the policy rules over template files ``{path: region}``, in one of cfn-lint's own
    output formats (``text``, ``json``, ``sarif`` for code-scanning pages); returns the report and
    the number of findings. Serial and uncached: it is for pipelines that want cfn-lint's formats.

    SARIF has one run per template, its category (``automationDetails.id``) the file's name, so a
    code-scanning page keeps each environment's findings apart; each result names, as related
    locations, the stack modules that build the resource (``sources``: path -> logical id ->
    ``[(module, line), ...]``, from :func:`generator.sources.sources`).
    """
    from cfnlint.config import ConfigMixIn
    from cfnlint.exceptions import InvalidRegionException
    from cfnlint.formatters import Formatter, JsonFormatter, SARIFFormatter
    from cfnlint.runner import Runner

    found, rules, config = [], None, None
    for path, region in files.items():
        config = ConfigMixIn(templates=[str(path)], **lint_settings(region, policy=True))
        with collector_paused():
            runner = Runner(config)
            try:
                matches = sorted(once(list(runner.run())), key=lambda m: (m.linenumber, m.rule.id))
                for match in matches:  # no credential's value quoted, in any format (a frozen Match, as
                    object.__setattr__(match, "message", said(match))  # cfn-lint sets its own id)
            except InvalidRegionException as error:
                known = f"it must be an AWS region that cfn-lint {version('cfn-lint')} knows"
                raise UsageError(f"{path}: unknown region {region}: {known}") from error
        found.append((path, matches))
        rules = runner.rules
    count = sum(len(matches) for _, matches in found)
    if fmt != "sarif":
        every = sorted(
            (m for _, matches in found for m in matches), key=lambda m: (m.filename, m.linenumber, m.rule.id)
        )
        formatter = {"text": Formatter, "json": JsonFormatter}[fmt]()
        return formatter.print_matches(every, rules, config) or "", count
    runs = []
    for path, matches in found:
        (run,) = json.loads(SARIFFormatter().print_matches(matches, rules, config))["runs"]
        run["automationDetails"] = {"id": f"iotstack-lint/{path.stem}/"}
        for match, result in zip(matches, run.get("results", []), strict=True):
            built = (sources or {}).get(path, {}).get(_logical_id(match.path), [])
            if built:
                result["relatedLocations"] = [
                    {"id": i, "message": {"text": f"built here ({module})"},
                     "physicalLocation": {"artifactLocation": {"uri": module}, "region": {"startLine": line}}}
                    for i, (module, line) in enumerate(built)
                ]  # fmt: skip
        runs.append(run)
    log = {"version": SARIFFormatter.version, "$schema": SARIFFormatter.schema, "runs": runs}
    return json.dumps(log, indent=2), count


def _logical_id(path) -> str:
    """The resource or output a match's path is in (``Resources/AuroraCluster/...``), "" otherwise."""
    parts = [str(p) for p in (path or [])]
    return parts[1] if len(parts) > 1 and parts[0] in ("Resources", "Outputs") else ""
