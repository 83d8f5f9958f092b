"""Fleets: one environment's stack per plant, over accounts and regions, rolled out by a CloudFormation stack set.

- ``settings``: the fleet file's schema (stack set, rollout, sites).
- ``load``: reading and validating ``fleets/<name>.toml``.
- ``template``: the fleet's one template, ``templates/fleet-<name>.json``, with a parameter for each thing a
  site sets, and what each site passes.
- ``review``: the fleet's plan: the template's once, then each site's.
"""

from generator.fleet.load import load_fleet, load_fleets, parse_fleet
from generator.fleet.settings import Fleet, Site

__all__ = ["Fleet", "Site", "load_fleet", "load_fleets", "parse_fleet"]
