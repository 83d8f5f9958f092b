"""Shared test helpers: environments built from defaults, and templates as plain dicts."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from generator.config import Environment
from generator.render import render
from generator.stack import build_template

ROOT = Path(__file__).resolve().parent.parent


def environment(name: str = "test", **changes) -> Environment:
    """An environment with every default, changed where asked: ``environment(aurora={"instances": 2})``."""
    env = Environment(name=name)
    top = {}
    for key, value in changes.items():
        current = getattr(env, key)
        top[key] = dataclasses.replace(current, **value) if dataclasses.is_dataclass(current) else value
    return dataclasses.replace(env, **top)


def build(env: Environment | None = None) -> dict:
    """The template of ``env`` as the JSON a reviewer reads."""
    return json.loads(render(build_template(env or environment())))


def resources_of(template: dict, resource_type: str) -> dict[str, dict]:
    """``{logical_id: resource}`` for every resource of one type."""
    return {k: r for k, r in template["Resources"].items() if r["Type"] == resource_type}


def only(template: dict, resource_type: str) -> dict:
    """The one resource of a type (fails when there are none or several)."""
    (resource,) = resources_of(template, resource_type).values()
    return resource


@pytest.fixture(autouse=True)
def _no_lint_cache_in_the_tree(tmp_path, monkeypatch):
    """Tests that lint write their cache under tmp, never into the working tree."""
    monkeypatch.setenv("IOTSTACK_CACHE_DIR", str(tmp_path / "cache"))
