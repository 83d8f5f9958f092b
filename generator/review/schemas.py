"""What the CloudFormation resource schemas that cfn-lint ships say about replacement.

A changed ``createOnlyProperties`` value replaces a resource (:data:`YES`), a changed
``conditionalCreateOnlyProperties`` value may (:data:`MAYBE`). A schema is loaded only for the
type of a resource that changed, so a plan without changes never imports cfn-lint.
"""

from __future__ import annotations

YES, MAYBE, NO = "yes", "maybe", "no"
RANK = {NO: 0, MAYBE: 1, YES: 2}


class Schema:
    """What the CloudFormation schema of one type says about replacement."""

    def __init__(self, schema: dict):
        self.always = [self._segments(p) for p in schema.get("createOnlyProperties", [])]
        self.maybe = [self._segments(p) for p in schema.get("conditionalCreateOnlyProperties", [])]
        identifiers = [self._segments(p) for p in schema.get("primaryIdentifier", [])]
        # The resource's own name: its primary identifier when that is a create-only property, else
        # a create-only Name or GroupName (a secret's and a security group's identifier is an id).
        self.names = [p for p in identifiers if p in self.always and len(p) == 1] or [
            p for p in self.always if p in (["Name"], ["GroupName"])
        ]

    @staticmethod
    def _segments(pointer: str) -> list[str]:
        return pointer.removeprefix("/properties/").split("/")

    def replacement(self, path: list) -> str:
        """Whether a change at ``path`` (property keys and list indices) replaces the resource."""
        if any(covers(p, path) for p in self.always):
            return YES
        if any(covers(p, path) for p in self.maybe):
            return MAYBE
        return NO

    def unchanged_names(self, old: dict, new: dict) -> list[tuple[str, str]]:
        """The custom names (create-only name properties) that stay the same from ``old`` to ``new``."""
        return [(p[0], new[p[0]]) for p in self.names
                if isinstance(new.get(p[0]), str) and old.get(p[0]) == new.get(p[0])]  # fmt: skip


def covers(pointer: list[str], path: list) -> bool:
    """Whether a change at ``path`` touches the value at ``pointer`` ("*" is any list item): the
    path runs through the pointer, or replaces a whole value that contains it."""
    for want, have in zip(pointer, path, strict=False):
        key = have.split("[", 1)[0] if isinstance(have, str) else have  # Tags[Team] is inside Tags
        if want != "*" and want != key:
            return False
    return True


class Schemas:
    """The schemas of one region, loaded on first use per type."""

    def __init__(self, region: str):
        self.region = region
        self.cache: dict[str, Schema | None] = {}

    def get(self, resource_type: str) -> Schema | None:
        if resource_type not in self.cache:
            from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError

            try:
                schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(self.region, resource_type).schema
            except ResourceNotFoundError:
                schema = None
            self.cache[resource_type] = Schema(schema) if schema is not None else None
        return self.cache[resource_type]
