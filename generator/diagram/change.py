"""The picture of a change in the pull-request comment: the architecture of the template after it, with
what it removes drawn from the template before, each node whose own resource changes marked.

A node is marked (added, modified, replaced, removed) only for its own resource: what is folded into
it (a topic's alarms, a secret's attachment) is a note in it ("folded in: 6 alarms modified"), never
a mark. A changed node says what changes, before → after: a label line that changes in place
("Kinesis stream · 2 → 4 shards"), a property its label does not show ("DBClusterIdentifier
aurora-cluster-dev → aurora-db-dev"), or, when its own properties stay as they are, what it follows
("refers to AuroraCluster, replaced"). The keys, logs and alerting listed under a stack's picture
are drawn here only when they or what is folded into them change.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from difflib import SequenceMatcher

from generator.cfn import references, short_type
from generator.diagram.architecture import architecture
from generator.diagram.labels import LINE
from generator.diagram.mermaid import SAYS, Marks, mermaid

ORDER = ("add", "modify", "may_replace", "replace", "remove")
SCALAR = (str, int, float, bool)


def change_picture(before: dict | None, after: dict, region: str, changed: dict[str, str]) -> str:
    """The Mermaid source of the picture of a change: ``changed`` maps logical ids to ``add``, ``modify``,
    ``may_replace``, ``replace`` or ``remove``."""
    resources = {**(before or {}).get("Resources", {}), **after.get("Resources", {})}
    arch = architecture({"Resources": resources}, region)
    actions = {k: a for k, a in changed.items() if arch.owner.get(k, k) == k}
    folded: dict[str, Counter] = defaultdict(Counter)
    for k, action in changed.items():
        if (shown := arch.owner.get(k, k)) != k:
            folded[shown][(action, short_type(resources[k]["Type"]) if k in resources else k)] += 1
    lines = {}
    if before:
        old, new = architecture(before, region), architecture(after, region)
        for k, action in actions.items():
            if action in ("modify", "may_replace", "replace") and k in old.nodes and k in new.nodes:
                lines[k] = _said(k, before, after, old.nodes[k].lines, new.nodes[k].lines, changed, region)
    notes = {shown: _note(counts) for shown, counts in folded.items()}
    return "\n".join(mermaid(arch, Marks(actions, lines, notes))) + "\n"


def before_after(old: list[str], new: list[str]) -> list[str]:
    """Label lines ``old`` -> ``new``: a line that changes in place says so ("2 → 4 shards"), one that goes
    says ``was: ...``, a new one ``now: ...``."""
    said = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            said += new[j1:j2]
            continue
        pairs = min(i2 - i1, j2 - j1)
        said += [_changed(a, b) for a, b in zip(old[i1 : i1 + pairs], new[j1 : j1 + pairs], strict=True)]
        said += [f"was: {a}" for a in old[i1 + pairs : i2]] + [f"now: {b}" for b in new[j1 + pairs : j2]]
    return said


def _changed(old: str, new: str) -> str:
    """One line before -> after, the words both share said once: ``Kinesis stream · 2 → 4 shards``."""
    a, b = old.split(" "), new.split(" ")
    start = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    end = next((i for i, (x, y) in enumerate(zip(reversed(a[start:]), reversed(b[start:]), strict=False)) if x != y),
               min(len(a), len(b)) - start)  # fmt: skip
    was, now = " ".join(a[start : len(a) - end]), " ".join(b[start : len(b) - end])
    if not was or not now:
        return f"{old} → {new}"
    return " ".join([*a[:start], was, "→", now, *a[len(a) - end :]])


def _said(k: str, before: dict, after: dict, old: list[str], new: list[str], changed: dict, region: str) -> list[str]:
    """What node ``k`` says in a picture of a change: its lines before -> after, then what else changes."""
    was, now = before["Resources"][k].get("Properties", {}), after["Resources"][k].get("Properties", {})
    unseen = []
    for name in sorted(set(was) | set(now)):
        if was.get(name) == now.get(name):
            continue
        variant = json.loads(json.dumps(after))  # the after template with only this property as it was
        variant["Resources"][k].setdefault("Properties", {})[name] = was.get(name)
        if name not in was:
            del variant["Resources"][k]["Properties"][name]
        if architecture(variant, region).nodes[k].lines == new:  # its label does not show it
            unseen.append(name)
    said = before_after(old, new)
    scalars = [n for n in unseen if isinstance(was.get(n), SCALAR) and isinstance(now.get(n), SCALAR)]
    for name in scalars:
        a, b = _ends_cut(str(was[name]), str(now[name]))
        value = f"{a} → {b}"
        if len(name) + len(value) < LINE:
            said.append(f"{name} {value}")
        else:
            said += [f"{name}:", value] if len(value) <= LINE else [f"{name}:", f"{a} →", b]
    if others := [n for n in unseen if n not in scalars]:
        said.append("changes " + ", ".join(others))
    if was == now:  # it changes because something it refers to is replaced
        replaced = sorted({t for _, t in references(now) if changed.get(t) in ("replace", "may_replace")})
        if replaced:
            more = f" +{len(replaced) - 1}" if len(replaced) > 1 else ""
            said += [f"as {replaced[0]}{more}", "is replaced" if not more else "are replaced"]
    return said


def _ends_cut(old: str, new: str) -> tuple[str, str]:
    """Two long values with what they share at either end, up to a ``/`` or ``:``, left out (``…``):
    ``…/aurora-cluster-prod/…`` and ``…/aurora-db-prod/…``."""
    if max(len(old), len(new)) <= LINE // 2:
        return old, new
    head = max(old[: _shared(old, new)].rfind(c) for c in "/:")
    tail = max(old[::-1][: _shared(old[::-1], new[::-1])].rfind(c) for c in "/:")
    start = head if head > 0 else 0
    a, b = old[start : len(old) - tail if tail > 0 else None], new[start : len(new) - tail if tail > 0 else None]
    return ("…" if start else "") + a + ("…" if tail > 0 else ""), ("…" if start else "") + b + (
        "…" if tail > 0 else ""
    )


def _shared(a: str, b: str) -> int:
    """How many characters ``a`` and ``b`` share at their start."""
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def _note(counts: Counter) -> str:
    """``folded in: 6 alarms modified; 1 secret attachment replaced``."""
    parts = []
    for action in ORDER:
        kinds = sorted((kind, n) for (a, kind), n in counts.items() if a == action)
        if kinds:
            parts.append(", ".join(f"{n} {_plural(kind, n)}" for kind, n in kinds) + f" {SAYS[action]}")
    return "folded in: " + "; ".join(parts)


def _plural(kind: str, n: int) -> str:
    return kind if n == 1 else kind + ("es" if kind.endswith("s") else "s")
