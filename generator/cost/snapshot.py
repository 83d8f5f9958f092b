"""A Region's price snapshot, ``prices/<region>.json``: the prices of AWS's price list files this stack can be
billed at (:mod:`generator.cost.rates`), kept so that review in CI is offline and reproducible.

Each price keeps its SKU, usage type, unit, price per unit, tier range and effective date, and each offer its
publication date and version. The file is made only from the price list files (no clock, no host), its keys and
prices sorted: the same files give the same bytes. ``iotstack prices refresh`` writes it; every estimate reads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from generator.cost.offers import CURRENCY, Offer, Price, Reader, number, offer
from generator.cost.rates import RATES, SERVICES, billable
from generator.errors import UsageError

SCHEMA = "iotstack-prices/1"
SOURCE = "AWS Price List Bulk API (https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/index.json)"
STALE_DAYS = 90  # a snapshot whose oldest offer was published longer ago is named as such


@dataclass(frozen=True)
class Published:
    """An offer file's publication date and version."""

    published: str
    version: str


@dataclass(frozen=True)
class Snapshot:
    region: str
    offers: dict[str, Published]  # by offer code
    prices: tuple[Price, ...]

    @property
    def published(self) -> str:
        """The oldest offer's publication date (``2026-11-01``): how old the snapshot's prices are."""
        return min((p.published[:10] for p in self.offers.values()), default="")

    def age_days(self, today: date) -> int | None:
        """Days since :attr:`published`; None when the files gave no date that can be read."""
        try:
            return (today - date.fromisoformat(self.published)).days
        except ValueError:
            return None

    def stale(self, today: date) -> bool:
        """Older than :data:`STALE_DAYS`, or of no known date."""
        age = self.age_days(today)
        return age is None or age > STALE_DAYS

    def find(self, rate: str, usage_type: str | None = None) -> tuple[Price, ...]:
        """The prices of ``rate`` (a key of :data:`~generator.cost.rates.RATES`), of one usage type if given."""
        return tuple(p for p in self.prices if RATES[rate].matches(p, usage_type))


def snapshot_of(read: Reader, region: str) -> Snapshot:
    """The snapshot of ``region`` from the price list files ``read`` serves: each offer this stack uses."""
    offers: list[Offer] = [offer(read, service, region) for service in SERVICES]
    kept = sorted((p for o in offers for p in o.prices if billable(p)), key=_order)
    return Snapshot(region, {o.service: Published(o.published, o.version) for o in offers}, tuple(kept))


def _order(p: Price) -> tuple:
    return p.service, p.usage_type, p.sku, p.begin, p.unit


def text(snapshot: Snapshot) -> str:
    """The snapshot file's text: sorted, one price per entry, amounts as AWS wrote them (decimal strings)."""
    prices = sorted(snapshot.prices, key=_order)
    data = {
        "schema": SCHEMA, "source": SOURCE, "region": snapshot.region, "currency": CURRENCY,
        "offers": {k: vars(v) for k, v in sorted(snapshot.offers.items())},
        "prices": [{"service": p.service, "sku": p.sku, "family": p.family, "usage_type": p.usage_type,
                    "unit": p.unit, "per_unit": f"{p.per_unit:f}", "begin": f"{p.begin:f}",
                    "end": None if p.end is None else f"{p.end:f}", "effective": p.effective,
                    "description": p.description, "attributes": dict(p.attributes)} for p in prices],
    }  # fmt: skip
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not text")
    return value


def path_of(folder: Path, region: str) -> Path:
    return folder / f"{region}.json"


def load(folder: Path, region: str) -> Snapshot | None:
    """The snapshot of ``region`` in ``folder``; None when there is none. A file that is not one is bad input."""
    file = path_of(folder, region)
    shown = f"{folder.name}/{file.name}"  # prices/<region>.json, as every message names it
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as exc:
        raise UsageError(f"{shown}: not a price snapshot ({exc}); `make prices` writes it anew") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or data.get("region") != region:
        raise UsageError(f"{shown}: not a {SCHEMA} snapshot of {region}; `make prices` writes it anew")
    try:
        offers = {k: Published(_text(v["published"]), _text(v["version"])) for k, v in data["offers"].items()}
        prices = tuple(Price(_text(p["service"]), _text(p["sku"]), _text(p["family"]), _text(p["usage_type"]),
                             _text(p["unit"]), number(p["per_unit"], p["sku"]), number(p["begin"], p["sku"]),
                             None if p["end"] is None else number(p["end"], p["sku"]), _text(p["effective"]),
                             _text(p["description"]), tuple(sorted((_text(k), _text(v))
                                                                   for k, v in p["attributes"].items())))
                       for p in data["prices"])  # fmt: skip
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise UsageError(f"{shown}: a price or offer is malformed ({type(exc).__name__}: {exc}); `make prices` "
                         "writes it anew") from None  # fmt: skip
    except UsageError as exc:
        raise UsageError(f"{shown}: {exc}; `make prices` writes it anew") from None
    return Snapshot(region, offers, prices)


class Snapshots:
    """Each Region's snapshot in ``folder``, read once, as ``(snapshot or None, problem)``: a broken file is its
    problem's words, so that ``diff`` can say it on the cost line (cost never decides a review) and ``cost``,
    asked for prices, can stop on it."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.read = folder, {}

    def __call__(self, region: str) -> tuple[Snapshot | None, str]:
        if region not in self.read:
            try:
                self.read[region] = (load(self.folder, region), "")
            except UsageError as exc:
                self.read[region] = (None, str(exc))
        return self.read[region]
