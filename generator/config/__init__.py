"""Environments as validated data.

One TOML file per environment lives in ``environments/`` at the project root (the caller passes
the folder: :class:`generator.workspace.Workspace` knows it): ``dev.toml`` describes the
environment ``dev``, and adding a file adds an environment. :func:`load_environment` reads a file
with the standard library's ``tomllib`` into frozen dataclasses. Every setting has a documented
default and an allowed range; unknown keys, wrong types and values AWS would refuse are all
reported at once, each naming the file, the key, the value and what is allowed, before anything is
built::

    dev.toml: kinesis.retention_hours = 10: must be 24..8760

Defaults are the architecture document's values, except where safety is concerned: deletion
protection and the removal policy default to the safe choice, and an environment loosens them
only by saying so (``dev.toml`` does).

The package, each module importing only those above it:

- ``fields``: :func:`setting`, :func:`section` and :class:`Check`, the schema's building blocks;
- ``checks``: the checks a setting may carry (ranges, patterns, networks, maintenance windows);
- ``alerts``: :class:`AlertSettings`, the ``[alerts]`` section (thresholds of every alarm);
- ``usage``: :class:`UsageSettings`, the ``[usage]`` section (the cost estimate's assumptions);
- ``settings``: :class:`Environment` and its other sections, with their defaults and cross-field rules;
- ``load``: environment files in, settings or every problem out;
- ``reference``: docs/configuration.md's table of every setting, made from the schema.

It imports neither troposphere, boto3 nor cfn-lint: ``iotstack template`` loads it first.
"""

from generator.config.alerts import AlertSettings
from generator.config.checks import window_intervals, windows_overlap
from generator.config.load import environment_names, load_environment, load_environments, parse_environment
from generator.config.reference import reference_markdown
from generator.config.settings import (
    AuroraSettings,
    DeploySettings,
    Environment,
    KeySettings,
    KinesisSettings,
    LogSettings,
    NetworkSettings,
    RedisSettings,
)
from generator.config.usage import UsageSettings

__all__ = [
    "AlertSettings",
    "AuroraSettings",
    "DeploySettings",
    "Environment",
    "KeySettings",
    "KinesisSettings",
    "LogSettings",
    "NetworkSettings",
    "RedisSettings",
    "UsageSettings",
    "environment_names",
    "load_environment",
    "load_environments",
    "parse_environment",
    "reference_markdown",
    "window_intervals",
    "windows_overlap",
]
