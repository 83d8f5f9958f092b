"""``iotstack prices refresh``: the price snapshots ``prices/<region>.json`` made again from AWS's price list
files, read from AWS's public endpoint or a local copy; :mod:`generator.cost.refresh` does the work."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.base import find_workspace, load_all
from generator.console import echo


@click.group(name="prices")
def prices_group() -> None:
    """The price snapshots prices/<region>.json that cost estimates read."""


@prices_group.command()
@click.option("--region", "regions", multiple=True, metavar="REGION",
              help="Refresh this Region's snapshot (repeatable; default: every Region an environment or a fleet's "
                   "site is in).")  # fmt: skip
@click.option("--from", "copy", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="DIR",
              help="Read a local copy of the price list files, laid out as AWS serves them (DIR/offers/v1.0/aws/"
                   "index.json and the paths it names), instead of AWS's endpoint.")  # fmt: skip
def refresh(regions: tuple[str, ...], copy: Path | None) -> None:
    """Read AWS's public price list files (no credentials) and write prices/<region>.json for each Region:
    the prices this stack can be billed at, with their SKUs, units, tiers and dates.

    \b
    From https://pricing.us-east-1.amazonaws.com, or $IOTSTACK_PRICES_URL
    (a mirror), or --from DIR. Every snapshot or none is written: a failure,
    Ctrl-C or SIGTERM leaves the previous ones as they were. The same files
    give the same bytes.
    \b
    Exit codes: 0 written or unchanged, 1 a file could not be fetched (the
    network, the server) or written, 2 bad usage or input (an unknown Region,
    one the price list does not have, a copy that is not one).
    """
    from generator.cost import offers
    from generator.cost.refresh import checked_regions, project_regions
    from generator.cost.refresh import refresh as run_refresh

    workspace = find_workspace()
    if regions:
        wanted = checked_regions(regions)
    else:
        environments, fleets = load_all(workspace, (), ())
        wanted = project_regions(environments, fleets)
    if copy is not None:
        read, source = offers.local(copy), str(copy)
    else:
        source = offers.base_url()
        read = offers.remote(source)
    echo(f"Reading AWS's price list files from {source} for {', '.join(wanted)}", err=True)
    refreshed = run_refresh(read, wanted, workspace.prices, shown=workspace.show,
                            reading=lambda region: echo(f"  reading {region}'s offers", err=True))  # fmt: skip
    for r in refreshed:
        echo(f"{workspace.show(r.path)}: {r.prices} prices from {r.offers} offers, the oldest published "
             f"{r.published or 'on no date given'}; {'written' if r.written else 'unchanged'}")  # fmt: skip
        if r.unpriced:
            echo(f"note: {r.region}: no price for {', '.join(r.unpriced)} (estimates show these unpriced)")
