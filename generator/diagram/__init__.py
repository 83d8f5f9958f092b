"""Pictures of a stack: ``templates/<env>.md`` (:func:`diagram`) and the picture of a change in the
pull-request comment (:func:`change_picture`), both Mermaid, both built from template data alone.

:mod:`.architecture` derives what to draw (:mod:`.traffic` the network's edges, :mod:`.access` IAM's),
:mod:`.labels` what each node says, :mod:`.layout` where Mermaid puts it, :mod:`.mermaid` writes the
flowchart with its :mod:`.legend`, :mod:`.page` the Markdown file around it, :mod:`.change` the
picture of a change.
"""

from __future__ import annotations

from generator.diagram.architecture import architecture
from generator.diagram.mermaid import mermaid
from generator.diagram.page import diagram

__all__ = ["architecture", "change_picture", "diagram", "mermaid"]


def __getattr__(name: str):
    """``change_picture`` on first use: only ``diff`` draws a change, and ``template`` should not pay for it."""
    if name == "change_picture":
        from generator.diagram.change import change_picture

        return change_picture
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
