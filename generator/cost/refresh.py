"""``iotstack prices refresh``: the snapshots of some Regions made again from AWS's price list files and written
together, ``prices/<region>.json`` each (:mod:`generator.cost.snapshot`).

Every file is read before any snapshot is written, and all of them are written through
:func:`generator.files.write_all`: a refresh writes every Region's snapshot or none, so a failure, Ctrl-C or
SIGTERM halfway through a download leaves the previous snapshots as they were. The files that several Regions
share (the index, each service's Region index) are read once per refresh.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.cost.offers import Reader, indexes_kept
from generator.cost.rates import RATES
from generator.cost.snapshot import path_of, snapshot_of, text
from generator.errors import IotstackError, UsageError
from generator.files import write_all


@dataclass(frozen=True)
class Refreshed:
    """One Region's snapshot as the refresh left it."""

    region: str
    path: Path
    prices: int
    offers: int
    published: str  # the oldest offer's publication date
    written: bool  # false: the file already held these bytes
    unpriced: tuple[str, ...]  # the rates (keys of RATES) the price list has no price for here


class NotRefreshed(IotstackError):
    """A price list file could not be read, or lacks what a snapshot needs: no snapshot was written. The exit
    code is the cause's: 2 for bad input (a Region AWS does not price, a broken local copy), 1 for the network."""

    def __init__(self, cause: IotstackError):
        super().__init__(f"{cause}; no snapshot was written")
        self.exit_code = cause.exit_code


def checked_regions(regions: Iterable[str]) -> list[str]:
    """The Regions named (``--region``), each once, sorted; :class:`UsageError` naming each that is not one, as an
    environment file's ``region`` is checked."""
    from generator.config.checks import aws_region

    check = aws_region()
    problems = [f"--region {r}: {problem}" for r in dict.fromkeys(regions) if (problem := check(r))]
    if problems:
        raise UsageError("\n".join(problems))
    return sorted(set(regions))


def project_regions(environments: Sequence, fleets: Sequence) -> list[str]:
    """Every Region an environment or a fleet's site is in, sorted: what the project's estimates need."""
    regions = {env.region for env in environments} | {region for fleet in fleets for region in fleet.regions}
    if not regions:
        raise UsageError("no environment or fleet names a region: give --region REGION")
    return sorted(regions)


def refresh(read: Reader, regions: Sequence[str], folder: Path, shown: Callable[[Path], str] = str,
            reading: Callable[[str], None] = lambda region: None) -> list[Refreshed]:  # fmt: skip
    """Make the snapshot of each Region from the files ``read`` serves and write them all into ``folder``, or
    none; ``reading(region)`` is called before each Region's files are read (they may take a while)."""
    read = indexes_kept(read)
    snapshots = []
    try:
        for region in regions:
            reading(region)
            snapshots.append(snapshot_of(read, region))
    except IotstackError as cause:
        raise NotRefreshed(cause) from cause
    files = {path_of(folder, s.region): text(s) for s in snapshots}
    changed = write_all(files, shown=shown)
    return [Refreshed(s.region, path, len(s.prices), len(s.offers), s.published, changed[path],
                      tuple(rate for rate in RATES if not s.find(rate)))
            for s, path in zip(snapshots, files, strict=True)]  # fmt: skip
