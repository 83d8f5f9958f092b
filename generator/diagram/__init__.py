"""Pictures of a stack: ``templates/<env>.md`` (:func:`diagram`) and the picture of a change in the
pull-request comment (:func:`change_picture`), both Mermaid, both built from template data alone.

:mod:`.architecture` derives what to draw, :mod:`.labels` what each node says, :mod:`.mermaid`
writes the flowchart, :mod:`.page` the Markdown file around it.
"""

from __future__ import annotations

from generator.diagram.architecture import architecture
from generator.diagram.mermaid import mermaid
from generator.diagram.page import diagram

__all__ = ["architecture", "change_picture", "diagram", "mermaid"]


def change_picture(before: dict | None, after: dict, region: str, changed: dict[str, str]) -> str:
    """The architecture of ``after`` with the removed resources of ``before`` drawn too, and each
    resource in ``changed`` (logical id -> ``add``, ``modify``, ``may_replace``, ``replace``,
    ``remove``) marked: the Mermaid source of the picture in the diff comment."""
    resources = {**(before or {}).get("Resources", {}), **after.get("Resources", {})}
    return "\n".join(mermaid(architecture({"Resources": resources}, region), changed)) + "\n"
