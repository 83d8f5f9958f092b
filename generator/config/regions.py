"""The AWS regions an environment may name: a committed list, checked when the file loads.

A region cfn-lint does not know makes it raise (``InvalidRegionException``) instead of linting, and
one botocore does not know has no endpoint; checking the name here is cheap (no cfn-lint import on
the fast path) and gives one clear line. The list is cfn-lint 1.58's (the pinned version), which
equals botocore's partitions for CloudFormation today; tests/test_config.py compares the three, so
a cfn-lint upgrade that adds a region fails loudly until the list follows.
"""

REGIONS = (
    "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
    "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "cn-north-1", "cn-northwest-1", "eu-central-1",
    "eu-central-2", "eu-isoe-west-1", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
    "eusc-de-east-1", "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1",
    "us-east-2", "us-gov-east-1", "us-gov-west-1", "us-iso-east-1", "us-iso-west-1", "us-isob-east-1",
    "us-isob-west-1", "us-isof-east-1", "us-isof-south-1", "us-west-1", "us-west-2",
)  # fmt: skip
