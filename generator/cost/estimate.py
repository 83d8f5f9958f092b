"""A month of a template, priced: :func:`estimate` joins what it bills (:mod:`generator.cost.bill`) with a
Region's snapshot of AWS's prices (:mod:`generator.cost.snapshot`); :class:`CostChange` compares two estimates,
as ``diff`` shows them.

Tiers are applied as the price list file gives them, to this stack's quantity alone (as if nothing else in the
account used the same tier). Amounts keep every digit until they are shown (cents, rounded half up), so a total
is the sum of the exact rows. Without a snapshot, or where it lacks a rate, a row keeps its quantity and has no
amount: never a price of our own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from generator.config.usage import UsageSettings
from generator.cost.bill import LEFT_OUT, Item, items
from generator.cost.offers import CURRENCY, Price
from generator.cost.snapshot import STALE_DAYS, Snapshot

GET_PRICES = "`make prices` writes prices/{region}.json from AWS's price list files"


def money(amount: Decimal) -> str:
    """``1,234.57``: an amount in cents, rounded half up."""
    return f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def amount(value: Decimal, places: int | None = None) -> str:
    """A unit price with every digit it has and no exponent (``0.0000003``), or a quantity to ``places``
    decimals (``1,460``, ``1.867``)."""
    if places is not None and value != value.quantize(Decimal(10) ** -places, rounding=ROUND_HALF_UP):
        value = value.quantize(Decimal(10) ** -places, rounding=ROUND_HALF_UP)
    return f"{value.normalize():,f}"


@dataclass(frozen=True)
class Row:
    """An item and what it costs: the prices applied (its tiers, lowest first) and the month's amount; without
    them, why (``unpriced``)."""

    item: Item
    tiers: tuple[Price, ...] = ()
    monthly: Decimal | None = None
    unpriced: str = ""

    def charge(self, quantity: Decimal) -> Decimal | None:
        """What ``quantity`` costs at this row's prices, tier by tier."""
        if not self.tiers:
            return None
        return sum((p.per_unit * max(Decimal(0), (quantity if p.end is None else min(quantity, p.end)) - p.begin)
                    for p in self.tiers), Decimal(0))  # fmt: skip

    @property
    def unit_price(self) -> str:
        """``0.02 USD per ShardHour``, or its tiers: ``0 USD per Requests to 20,000, then 0.000004``; "" when
        unpriced."""
        if not self.tiers:
            return ""
        first = f"{amount(self.tiers[0].per_unit)} {CURRENCY} per {self.tiers[0].unit}"
        return first + "".join(f" to {amount(p.begin)}, then {amount(p.per_unit)}" for p in self.tiers[1:])

    def to_dict(self) -> dict:
        i = self.item
        return {"resource": i.resource, "billed": i.billed, "rate": i.rate, "quantity": _plain(i.quantity),
                "unit": i.unit, "assumption": i.assumption or None,
                "prices": [{"sku": p.sku, "usage_type": p.usage_type, "unit": p.unit, "per_unit": _plain(p.per_unit),
                            "begin": _plain(p.begin), "end": _plain(p.end),
                            "effective": p.effective} for p in self.tiers],
                "monthly": _plain(self.monthly), "unpriced": self.unpriced or None,
                "floor": _plain(self.charge(i.bounds[0])) if i.bounds else None,
                "ceiling": _plain(self.charge(i.bounds[1])) if i.bounds else None}  # fmt: skip


def _plain(value: Decimal | None) -> str | None:
    """An exact amount for machines: every digit, no exponent, no trailing zeros (``29.2``, ``0``)."""
    return None if value is None else f"{value.normalize():f}"


@dataclass(frozen=True)
class Estimate:
    """The month of one environment (or one site of a fleet) in one Region."""

    name: str
    region: str
    rows: tuple[Row, ...]
    snapshot: Snapshot | None
    problem: str = ""  # why the Region's snapshot could not be read (a broken file): said instead of its prices

    @property
    def priced(self) -> bool:
        return self.snapshot is not None

    @property
    def total(self) -> Decimal | None:
        """The sum of the priced rows; None without a snapshot."""
        if not self.priced:
            return None
        return sum((r.monthly for r in self.rows if r.monthly is not None), Decimal(0))

    @property
    def unpriced(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.monthly is None)

    def bound(self, which: int) -> Decimal | None:
        """The total with every row that has bounds at its floor (0) or ceiling (1): Aurora's capacity."""
        if not self.priced:
            return None
        return sum((r.charge(r.item.bounds[which]) if r.item.bounds and r.tiers else r.monthly or Decimal(0)
                    for r in self.rows), Decimal(0))  # fmt: skip

    @property
    def bounded(self) -> bool:
        return any(r.item.bounds and r.tiers for r in self.rows)

    def prices_said(self, today: date) -> str:
        """Where the prices come from, or how to get them: what every format prints under the total."""
        if self.problem:
            return f"no prices: {self.problem}"
        if not self.snapshot:
            return f"no prices for {self.region}: " + GET_PRICES.format(region=self.region)
        age, published = self.snapshot.age_days(today), self.snapshot.published or "on no date"
        stale = "" if not self.snapshot.stale(today) else f", {age} days old: older than {STALE_DAYS} days" \
            if age is not None else ": a date that cannot be read"  # fmt: skip
        refresh = ", refresh with `make prices`" if stale else ""
        return f"prices/{self.region}.json, price list published {published}{stale}{refresh}"

    def headline(self) -> str:
        """``about 123.45 USD a month (Aurora's capacity from 80.00 to 300.00)``, or what stands instead."""
        if not self.priced:
            return "not priced"
        if len(self.unpriced) == len(self.rows):
            return f"not priced: prices/{self.region}.json has none of its prices"
        said = f"about {money(self.total)} {CURRENCY} a month"
        if self.bounded:
            said += f" (Aurora's capacity at its floor {money(self.bound(0))}, at its ceiling {money(self.bound(1))})"
        if self.unpriced:
            said += f"; {len(self.unpriced)} item(s) not priced, not in the sum"
        return said

    def to_dict(self, today: date) -> dict:
        return {"name": self.name, "region": self.region, "currency": CURRENCY,
                "total": _plain(self.total), "floor": _plain(self.bound(0)) if self.bounded else None,
                "ceiling": _plain(self.bound(1)) if self.bounded else None,
                "prices": self.prices_said(today),
                "published": self.snapshot.published if self.snapshot else None,
                "stale": self.snapshot.stale(today) if self.snapshot else None,
                "rows": [r.to_dict() for r in self.rows], "left_out": list(LEFT_OUT)}  # fmt: skip


def estimate(name: str, region: str, template: dict, usage: UsageSettings, snapshot: Snapshot | None,
             problem: str = "") -> Estimate:  # fmt: skip
    """The month of ``template`` (resolved) in ``region`` under ``usage``, at ``snapshot``'s prices (None: none;
    ``problem``: why, when the Region's snapshot is broken)."""
    rows = tuple(_priced(item, snapshot) for item in items(template, usage))
    return Estimate(name, region, rows, snapshot, problem)


def _priced(item: Item, snapshot: Snapshot | None) -> Row:
    if not item.rate:
        return Row(item, unpriced=item.billed)
    if snapshot is None:
        return Row(item)
    found = snapshot.find(item.rate, item.usage_type)
    tiers = sorted({(p.begin, p.end or Decimal("Infinity"), p.per_unit, p.unit): p for p in found}.values(),
                   key=lambda p: p.begin)  # fmt: skip
    if not tiers:
        what = item.usage_type or item.rate
        return Row(item, unpriced=f"prices/{snapshot.region}.json has no price for {what}")
    if len({p.begin for p in tiers}) < len(tiers):
        skus = ", ".join(sorted({p.sku for p in tiers}))
        return Row(item, unpriced=f"several products of {item.rate} at different prices ({skus})")
    row = Row(item, tuple(tiers))
    return Row(item, row.tiers, row.charge(item.quantity))


@dataclass(frozen=True)
class CostChange:
    """An environment's month before and after a change (``before`` None: nothing deployed before), as of
    ``today`` (how old its prices are)."""

    before: Estimate | None
    after: Estimate
    today: date = field(default_factory=date.today)

    @property
    def delta(self) -> Decimal | None:
        """After minus before; None when either side is not priced, or an item that changes has no price on a
        side that has it (a difference without it would be a guess: a node type missing from the snapshot would
        read as a saving)."""
        if self.after.total is None or (self.before and self.before.total is None) or self.unpriced_changes():
            return None
        return self.after.total - (self.before.total if self.before else Decimal(0))

    def unpriced_changes(self) -> list[Row]:
        """The rows that change and have no price, on either side."""
        return [r for pair in self.changed() for r in pair if r is not None and r.monthly is None]

    def changed(self) -> list[tuple[Row | None, Row | None]]:
        """The rows whose quantity or price changes, as (before, after); a row only one side has, with None."""
        old = {r.item.key: r for r in (self.before.rows if self.before else ())}
        new = {r.item.key: r for r in self.after.rows}
        pairs = [(old.get(k), new.get(k)) for k in [*new, *(k for k in old if k not in new)]]
        return [(b, a) for b, a in pairs if not (b and a and (b.item, b.monthly) == (a.item, a.monthly))]

    def headline(self) -> str:
        """``110.00 -> 139.20 USD a month (+29.20)``; ``unchanged (110.00 USD a month)``; unpriced: how many
        billed quantities change (what "cost" precedes in every format)."""
        if self.delta is None:
            if self.after.priced and self.unpriced_changes():
                missing = sorted({r.item.usage_type or r.item.rate for r in self.unpriced_changes()})
                return f"not priced: no price for {', '.join(missing)}, which the change bills"
            changed = len(self.changed())
            return f"not priced ({changed} billed item(s) change)" if changed else "not priced (unchanged)"
        if not self.changed():
            return f"unchanged ({money(self.after.total)} {CURRENCY} a month)"
        before = money(self.before.total) if self.before else "0.00"
        sign = "+" if self.delta >= 0 else "-"
        return f"{before} -> {money(self.after.total)} {CURRENCY} a month ({sign}{money(abs(self.delta))})"

    def to_dict(self) -> dict:
        before = self.before.total if self.before else Decimal(0) if self.after.priced else None
        snapshot = self.after.snapshot
        return {"currency": CURRENCY, "region": self.after.region, "before": _plain(before),
                "after": _plain(self.after.total), "delta": _plain(self.delta),
                "prices": self.after.prices_said(self.today),
                "published": snapshot.published if snapshot else None,
                "stale": snapshot.stale(self.today) if snapshot else None,
                "changed": [{"before": b.to_dict() if b else None, "after": a.to_dict() if a else None}
                            for b, a in self.changed()]}  # fmt: skip
