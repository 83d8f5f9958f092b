"""Templates as data, and deterministic JSON.

Same code and configuration give the same bytes: keys sorted, two-space indentation, a trailing
newline, nothing that depends on time or the machine. (Writing them is :mod:`generator.files`'s.)
"""

from __future__ import annotations

import json

from troposphere import BaseAWSObject, Template

_quote = json.encoder.encode_basestring_ascii  # json's own string writer, in C


# Template.to_dict()'s sections: (key in the template, attribute of troposphere's Template).
_SECTIONS = (("Description", "description"), ("Metadata", "metadata"), ("Conditions", "conditions"),
             ("Mappings", "mappings"), ("Outputs", "outputs"), ("Parameters", "parameters"),
             ("AWSTemplateFormatVersion", "version"), ("Transform", "transform"), ("Rules", "rules"),
             ("Globals", "globals"))  # fmt: skip


def plain(template: Template) -> dict:
    """``template.to_dict()``, the same data and validation in one pass: troposphere encodes each
    object's dictionary again at every level above it (a property of a property of a resource is
    walked three times), which is half the time of turning our templates into data."""
    data = {key: getattr(template, attribute) for key, attribute in _SECTIONS if getattr(template, attribute)}
    data["Resources"] = template.resources
    return _plain(data)


_LEAVES = (str, int, float, bool, type(None))  # most values of a template: checked first, by exact type


def _plain(value: object) -> object:
    if type(value) in _LEAVES:
        return value
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(inner) for inner in value]
    if isinstance(value, BaseAWSObject):  # what BaseAWSObject.to_dict() does, without encoding twice
        if value.do_validation:
            value._validate_props()
            value.validate()
        if value.properties:
            return _plain(value.resource)
        if hasattr(value, "resource_type"):
            return {key: _plain(inner) for key, inner in value.resource.items() if key != "Properties"}
        return {}
    if hasattr(value, "to_dict"):  # Ref, Sub, Tags and the other helper functions
        return _plain(value.to_dict())
    if hasattr(value, "JSONrepr"):  # awacs policies
        return _plain(value.JSONrepr())
    return value


def render(template: Template | dict) -> str:
    """The template (or its data, ``Template.to_dict()``) as canonical JSON text: the bytes of
    ``json.dumps(data, indent=2, sort_keys=True, ensure_ascii=True)``, written by :func:`_pretty`,
    which takes half the time (the json module writes indented text in pure Python, a generator per
    value). Anything but JSON's own types falls back to ``json.dumps`` itself."""
    data = template if isinstance(template, dict) else plain(template)
    out: list[str] = []
    try:
        _pretty(data, "\n", out)
    except TypeError:
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=True) + "\n"
    out.append("\n")
    return "".join(out)


def _pretty(value: object, newline: str, out: list[str]) -> None:
    """Append ``value`` as ``json.dumps(..., indent=2, sort_keys=True)`` writes it; ``newline`` is the
    line break and indentation of the value's own level."""
    if isinstance(value, str):
        out.append(_quote(value))
    elif value is True or value is False or value is None:
        out.append("true" if value is True else "false" if value is False else "null")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float) and value == value and value not in (float("inf"), float("-inf")):
        out.append(float.__repr__(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key in sorted(value):
            if not isinstance(key, str):
                raise TypeError(key)
            out.append(separator + _quote(key) + ": ")
            _pretty(value[key], inner, out)
            separator = "," + inner
        out.append(newline + "}")
    elif isinstance(value, list):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            out.append(separator)
            _pretty(item, inner, out)
            separator = "," + inner
        out.append(newline + "]")
    else:
        raise TypeError(type(value).__name__)
