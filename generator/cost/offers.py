"""AWS's price list files, read: the files of the AWS Price List Bulk API, in their documented shape (AWS
Billing User Guide, "Reading the price list files": the service index, per service a Region index, per Region a
price list file), from a local copy laid out as AWS serves them (``<root>/offers/v1.0/aws/index.json``, and the
paths each file names) with :func:`local`, or over HTTPS from AWS's public endpoint with :func:`remote`. No
credentials and no prices of our own: every price comes from such a file.

An offer file holds ``products`` (by SKU: ``productFamily`` and ``attributes``, such as ``usagetype``,
``regionCode``, ``group``) and ``terms`` (``OnDemand``, by SKU, by offer term: ``effectiveDate`` and
``priceDimensions``, each a rate with ``unit``, ``pricePerUnit`` by currency and a ``beginRange`` /
``endRange`` tier). :func:`prices` turns the on-demand terms into one :class:`Price` per price dimension:
a tiered product has a price per tier, a product with several dimensions a price per dimension.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from generator.errors import IotstackError, UsageError

INDEX = "/offers/v1.0/aws/index.json"
CURRENCY = "USD"
# AWS's public endpoint of the price list files: plain HTTPS, no credentials, no signing. IOTSTACK_PRICES_URL
# points elsewhere (a mirror, a proxy; the tests' server on 127.0.0.1).
PUBLIC = "https://pricing.us-east-1.amazonaws.com"
URL_VARIABLE = "IOTSTACK_PRICES_URL"
# How long a connection, or a read of the next bytes, may wait; a large file takes as long as it keeps streaming.
TIMEOUT = 60.0
SPOOLED = 32 << 20  # a file larger than this is kept on disk while it downloads (AmazonRDS's is tens of MB)


class PriceListUnavailable(IotstackError):
    """A price list file could not be fetched or was not JSON (exit 1: the network or the server, not the
    user's input)."""


@dataclass(frozen=True)
class Price:
    """One on-demand price dimension of one product: what is billed, per which unit, at which price, in which
    tier (``end`` None: no upper bound), since when."""

    service: str  # the offer code, e.g. AmazonKinesis
    sku: str
    family: str  # productFamily
    usage_type: str  # attributes.usagetype, e.g. SAE1-Storage-ShardHour
    unit: str  # e.g. ShardHour, GB-Mo, Hrs
    per_unit: Decimal
    begin: Decimal
    end: Decimal | None
    effective: str  # the term's effectiveDate
    description: str
    attributes: tuple[tuple[str, str], ...]  # the product's attributes, sorted

    def attribute(self, name: str) -> str:
        return dict(self.attributes).get(name, "")


@dataclass(frozen=True)
class Offer:
    """A service's offer file for one region: its publication date and version, and its prices."""

    service: str
    region: str
    published: str
    version: str
    prices: tuple[Price, ...]


Reader = Callable[[str], dict]  # an offer path, as the files name them (/offers/v1.0/aws/...) -> its JSON


def local(root: Path) -> Reader:
    """Read the files of a local copy at ``root``; a missing or unreadable one is bad input, named."""

    def read(path: str) -> dict:
        file = root / str(path).lstrip("/")
        if ".." in Path(str(path)).parts:
            raise UsageError(f"{root}: a price list file names {path!r}, outside the copy; refused")
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UsageError(f"{file}: no such price list file (the copy must be laid out as AWS serves it: "
                             f"{root}{INDEX} and the paths it names)") from None  # fmt: skip
        except (OSError, ValueError, RecursionError) as exc:
            raise UsageError(f"{file}: not a price list file: {exc}") from None
        if not isinstance(data, dict):
            raise UsageError(f"{file}: not a price list file: JSON {type(data).__name__}, not an object")
        return data

    return read


def base_url() -> str:
    """Where :func:`remote` fetches the files: ``$IOTSTACK_PRICES_URL``, else AWS's public endpoint."""
    given = os.environ.get(URL_VARIABLE, "").strip()
    if not given:
        return PUBLIC
    if not re.fullmatch(r"https?://[^/\s@]+(/\S*)?", given):  # urllib sends no user or password of a URL
        raise UsageError(f"{URL_VARIABLE}={given}: must be an http:// or https:// URL, without user or password "
                         f"(unset: {PUBLIC})")  # fmt: skip
    return given.rstrip("/")


def remote(base: str, timeout: float | None = None) -> Reader:
    """Fetch the files from ``base`` (:func:`base_url`) over HTTP(S): each one streamed to memory (or, when
    large, a temporary file) and parsed. Every failure (no name, no connection, an HTTP error, no answer
    within ``timeout`` seconds, a body that is not JSON) is one :class:`PriceListUnavailable` naming the URL."""
    from generator.cost.fetch import fetch_json  # urllib, ssl: only for a refresh from the network

    def read(path: str) -> dict:
        return fetch_json(f"{base}/{path.lstrip('/')}", TIMEOUT if timeout is None else timeout)

    return read


def indexes_kept(read: Reader) -> Reader:
    """``read``, keeping the files that several Regions share (the index and each service's Region index,
    ``.../region_index.json`` as AWS names them) for the reader's life: one refresh reads each file once. Offer
    files (one per service and Region) are read as asked and not kept: they are large, and no Region reads
    another's."""
    kept: dict[str, dict] = {}

    def cached(path: str) -> dict:
        if path != INDEX and not path.endswith("/region_index.json"):
            return read(path)
        if path not in kept:
            kept[path] = read(path)
        return kept[path]

    return cached


def offer(read: Reader, service: str, region: str) -> Offer:
    """The offer of ``service`` (an offer code) in ``region``: the index names the service's region index, which
    names the region's offer file. A file not in AWS's shape (a list where an object goes, a field missing or of
    another type) is bad input, named."""
    try:
        return _offer(read, service, region)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise UsageError(
            f"the price list of {service} in {region} is not in AWS's shape ({type(exc).__name__}: "
            f"{exc}); a price list file names its index, products and terms as AWS documents"
        ) from None


def _offer(read: Reader, service: str, region: str) -> Offer:
    offers = read(INDEX).get("offers", {})
    if service not in offers:
        raise UsageError(f"the price list index has no offer {service!r} (it has {len(offers)})")
    regions = read(offers[service]["currentRegionIndexUrl"]).get("regions", {})
    if region not in regions:
        raise UsageError(f"the price list of {service} has no region {region!r}")
    data = read(regions[region]["currentVersionUrl"])
    published, version = data.get("publicationDate"), data.get("version", "")
    if not isinstance(published, str) or not isinstance(version, str):
        raise UsageError(f"the price list of {service} in {region} has no publicationDate and version as text")
    return Offer(service, region, published, version, tuple(prices(data, service)))


def prices(data: dict, service: str) -> Iterator[Price]:
    """Every on-demand price dimension of an offer file, in the order of its SKUs, terms and dimensions."""
    products = data.get("products", {})
    for sku, terms in sorted(data.get("terms", {}).get("OnDemand", {}).items()):
        product = products.get(sku)
        if product is None:
            raise UsageError(f"{service}: an on-demand term names SKU {sku}, which the offer's products do not have")
        attributes = tuple(sorted((k, str(v)) for k, v in product.get("attributes", {}).items()))
        for term in terms.values():
            for dimension in term.get("priceDimensions", {}).values():
                yield Price(service, sku, product.get("productFamily", ""), dict(attributes).get("usagetype", ""),
                            dimension.get("unit", ""), _amount(dimension.get("pricePerUnit", {}), sku),
                            number(dimension.get("beginRange", "0"), sku),
                            None if dimension.get("endRange", "Inf") == "Inf" else number(dimension["endRange"], sku),
                            term.get("effectiveDate", ""), dimension.get("description", ""), attributes)  # fmt: skip


def _amount(per_unit: dict, sku: str) -> Decimal:
    if CURRENCY not in per_unit:
        raise UsageError(f"SKU {sku}: no price in {CURRENCY} (has {', '.join(per_unit) or 'none'})")
    return number(per_unit[CURRENCY], sku)


def number(text: object, sku: str) -> Decimal:
    """A price or a tier's bound: a finite number, not negative (AWS writes them as decimal strings)."""
    try:
        number = Decimal(str(text))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0:
        raise UsageError(f'SKU {sku}: {text!r} is not a price or a range (a number from 0 up, such as "0.02")')
    return number
