"""The picture of a change in the pull-request comment: the architecture of the template after it, with
what it removes drawn from the template before, each changed resource marked on the node that shows it
(the strongest change there). The keys, logs and alerting listed under a stack's picture are drawn
here only when they change."""

from __future__ import annotations

from generator.diagram.architecture import architecture
from generator.diagram.mermaid import Marks, mermaid

RANK = ("modify", "add", "may_replace", "replace", "remove")  # the strongest change a node shows


def change_picture(before: dict | None, after: dict, region: str, changed: dict[str, str]) -> str:
    """The Mermaid source of the picture of a change: ``changed`` maps logical ids to ``add``, ``modify``,
    ``may_replace``, ``replace`` or ``remove``."""
    resources = {**(before or {}).get("Resources", {}), **after.get("Resources", {})}
    arch = architecture({"Resources": resources}, region)
    actions: dict[str, str] = {}
    for logical, action in sorted(changed.items()):
        shown = arch.owner.get(logical, logical)
        if shown not in actions or RANK.index(action) > RANK.index(actions[shown]):
            actions[shown] = action
    return "\n".join(mermaid(arch, Marks(actions))) + "\n"
