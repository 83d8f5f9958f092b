"""Fleets: one environment's stack per plant, over accounts and regions, rolled out by a CloudFormation stack set.

- ``settings``: the fleet file's schema (stack set, rollout, sites).
- ``load``: reading and validating ``fleets/<name>.toml``.
"""

from generator.fleet.load import load_fleet, parse_fleet
from generator.fleet.settings import Fleet, Site

__all__ = ["Fleet", "Site", "load_fleet", "parse_fleet"]
