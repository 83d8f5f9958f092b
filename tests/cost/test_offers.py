"""cost.offers: AWS's bulk price list files, read from a local copy in their documented shape (an index, a region
index per service, an offer file per region). Every price here is chosen by the test and written into such
files; none is AWS's."""

import json
from decimal import Decimal

import pytest

from generator.cost.offers import INDEX, local, offer
from generator.errors import UsageError

REGION = "sa-east-1"
KINESIS = {
    "formatVersion": "v1.0", "offerCode": "AmazonKinesis", "version": "20261101000000",
    "publicationDate": "2026-11-01T00:00:00Z",
    "products": {
        "SHARD": {"sku": "SHARD", "productFamily": "Kinesis Streams",
                  "attributes": {"usagetype": "SAE1-Storage-ShardHour", "regionCode": REGION,
                                 "group": "Provisioned shard hour"}},
        "PUT": {"sku": "PUT", "productFamily": "Kinesis Streams",
                "attributes": {"usagetype": "SAE1-PutRequestPayloadUnits", "regionCode": REGION}},
    },
    "terms": {"OnDemand": {
        "SHARD": {"SHARD.T1": {"offerTermCode": "T1", "sku": "SHARD", "effectiveDate": "2026-11-01T00:00:00Z",
                               "priceDimensions": {"SHARD.T1.R1": {
                                   "rateCode": "SHARD.T1.R1", "description": "per shard hour", "beginRange": "0",
                                   "endRange": "Inf", "unit": "ShardHour", "pricePerUnit": {"USD": "0.0300000000"},
                                   "appliesTo": []}}, "termAttributes": {}}},
        # a tiered product: two dimensions, one per range
        "PUT": {"PUT.T1": {"offerTermCode": "T1", "sku": "PUT", "effectiveDate": "2026-10-01T00:00:00Z",
                           "priceDimensions": {
                               "PUT.T1.R1": {"rateCode": "PUT.T1.R1", "description": "first 1M", "beginRange": "0",
                                             "endRange": "1000000", "unit": "PutRequestPayloadUnit",
                                             "pricePerUnit": {"USD": "0.0000002"}, "appliesTo": []},
                               "PUT.T1.R2": {"rateCode": "PUT.T1.R2", "description": "beyond", "beginRange": "1000000",
                                             "endRange": "Inf", "unit": "PutRequestPayloadUnit",
                                             "pricePerUnit": {"USD": "0.0000001"}, "appliesTo": []}},
                           "termAttributes": {}}},
    }},
}  # fmt: skip


def price_list(root, offer_file=KINESIS, service="AmazonKinesis"):
    """A local copy laid out as AWS serves it: the index, the service's region index, the region's offer file."""
    files = {
        INDEX: {"formatVersion": "v1.0", "offers": {service: {
            "offerCode": service, "currentRegionIndexUrl": f"/offers/v1.0/aws/{service}/current/region_index.json"}}},
        f"/offers/v1.0/aws/{service}/current/region_index.json": {"regions": {REGION: {
            "regionCode": REGION, "currentVersionUrl": f"/offers/v1.0/aws/{service}/2026/{REGION}/index.json"}}},
        f"/offers/v1.0/aws/{service}/2026/{REGION}/index.json": offer_file,
    }  # fmt: skip
    for path, data in files.items():
        (root / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (root / path.lstrip("/")).write_text(json.dumps(data))
    return local(root)


def test_an_offer_file_gives_one_price_per_dimension_with_its_tier_and_dates(tmp_path):
    found = offer(price_list(tmp_path), "AmazonKinesis", REGION)
    assert (found.service, found.region, found.published, found.version) == (
        "AmazonKinesis", REGION, "2026-11-01T00:00:00Z", "20261101000000")  # fmt: skip
    *puts, shard = found.prices  # by SKU: PUT's two tiers, then SHARD
    assert (shard.sku, shard.usage_type, shard.unit, shard.per_unit, shard.begin, shard.end) == (
        "SHARD", "SAE1-Storage-ShardHour", "ShardHour", Decimal("0.03"), Decimal(0), None)  # fmt: skip
    assert shard.attribute("group") == "Provisioned shard hour" and shard.effective == "2026-11-01T00:00:00Z"
    assert [(p.begin, p.end, p.per_unit) for p in puts] == [
        (Decimal(0), Decimal(1000000), Decimal("0.0000002")),
        (Decimal(1000000), None, Decimal("0.0000001")),
    ]


@pytest.mark.parametrize("change, problem", [
    (lambda o: o["products"].pop("PUT"), "an on-demand term names SKU PUT, which the offer's products do not have"),
    (lambda o: o["terms"]["OnDemand"]["SHARD"]["SHARD.T1"]["priceDimensions"]["SHARD.T1.R1"].update(
        pricePerUnit={"CNY": "1"}), r"SKU SHARD: no price in USD \(has CNY\)"),
    (lambda o: o["terms"]["OnDemand"]["SHARD"]["SHARD.T1"]["priceDimensions"]["SHARD.T1.R1"].update(
        beginRange="zero"), "SKU SHARD: 'zero' is not a price or a range"),
    *((lambda o, bad=bad: o["terms"]["OnDemand"]["SHARD"]["SHARD.T1"]["priceDimensions"]["SHARD.T1.R1"].update(
        pricePerUnit={"USD": bad}), f"SKU SHARD: '{bad}' is not a price or a range") for bad in ("NaN", "-1", "Inf")),
    (lambda o: o["products"].update(SHARD=None), "an on-demand term names SKU SHARD, which the offer's"),
    (lambda o: o["terms"]["OnDemand"].update(SHARD=[]), "not in AWS's shape"),
    (lambda o: o["products"]["SHARD"].update(attributes=None), "not in AWS's shape"),
    (lambda o: o.update(publicationDate=None), "has no publicationDate and version as text"),
])  # fmt: skip
def test_an_offer_file_that_is_not_in_awss_shape_is_named(tmp_path, change, problem):
    broken = json.loads(json.dumps(KINESIS))
    change(broken)
    with pytest.raises(UsageError, match=problem):
        offer(price_list(tmp_path, broken), "AmazonKinesis", REGION)


@pytest.mark.parametrize("service, region, problem", [
    ("AmazonRDS", REGION, "the price list index has no offer 'AmazonRDS'"),
    ("AmazonKinesis", "us-east-1", "the price list of AmazonKinesis has no region 'us-east-1'"),
])  # fmt: skip
def test_what_the_copy_lacks_is_named(tmp_path, service, region, problem):
    with pytest.raises(UsageError, match=problem):
        offer(price_list(tmp_path), service, region)


def test_a_copy_without_the_index_says_how_it_must_be_laid_out(tmp_path):
    with pytest.raises(UsageError, match=r"no such price list file .*laid out as AWS serves it"):
        offer(local(tmp_path), "AmazonKinesis", REGION)
