"""Deploy's side of the bootstrap stack: where a template over the inline limit goes.

A template over 51,200 bytes is uploaded to the bootstrap stack's bucket (or ``deploy.template_bucket``
when the environment names one) under a content-addressed key, ``<stack>/<sha256>.json``, and passed
by ``TemplateURL``. An object that is already there, with the SHA-256 checksum S3 verified when it
was written, is not uploaded again, unless the bucket's lifecycle would expire it within
:data:`EXPIRY_MARGIN_DAYS`; anything else under that key (written without the checksum, or other
bytes) is replaced. Every request names the account the bucket must belong to
(``ExpectedBucketOwner``), so a bucket of that name in another account is never used. (Deploy then
reads the template back from the change set and refuses one that is not the committed file.) No
bootstrap stack, or one older than this iotstack needs, is said plainly, with the command that
fixes it; nothing is created silently.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from generator import cfn
from generator.aws.gateway import Cloud
from generator.bootstrap import STACK
from generator.bootstrap.template import VERSION
from generator.errors import UsageError

# Upload again when the object would expire this soon: a change set may run days after it is made.
EXPIRY_MARGIN_DAYS = 2


@dataclass(frozen=True)
class Store:
    """A bucket templates go to, and how long it keeps them (None: no lifecycle iotstack knows of)."""

    bucket: str
    retention_days: int | None = None


def bootstrap_store(cloud: Cloud, region: str, env_name: str) -> Store | None:
    """The bootstrap stack's bucket in this account and region; None when there is no bootstrap stack.
    Refuses a bootstrap stack that is older than this iotstack needs, or not usable."""
    stack = cloud.stack(STACK)
    if stack is None or stack.status.in_review:
        return None
    outputs = stack.outputs
    if stack.status.busy:
        raise UsageError(f"the bootstrap stack {STACK} in {region} is busy ({stack.status}): try again when it ends, "
                         f"or `iotstack bootstrap --env {env_name} --wait`")  # fmt: skip
    if not stack.status.running or "BucketName" not in outputs:
        raise UsageError(f"the bootstrap stack {STACK} in {region} is {stack.status} and has no bucket to use: "
                         f"`iotstack bootstrap --env {env_name}` creates or repairs it")  # fmt: skip
    given = outputs.get("BootstrapVersion", "0") or "0"
    version = int(given) if given.isdigit() else 0
    if version < VERSION:
        raise UsageError(f"the bootstrap stack {STACK} in {region} is version {version}; this iotstack needs version "
                         f"{VERSION}: `iotstack bootstrap --env {env_name}` updates it")  # fmt: skip
    days = outputs.get("TemplateRetentionDays", "")
    return Store(outputs["BucketName"], int(days) if days.isdigit() else None)


def upload(
    cloud: Cloud, store: Store, stack: str, text: str, region: str, owner: str, now: datetime | None = None
) -> str:
    """Put the template into the store under ``<stack>/<sha256>.json`` (once), return its TemplateURL.
    ``owner`` is the account the bucket must belong to."""
    body = text.encode("utf-8")
    digest = hashlib.sha256(body)
    key, checksum = f"{stack}/{digest.hexdigest()}.json", base64.b64encode(digest.digest()).decode()
    there = cloud.object_checksum(store.bucket, key, owner)
    if there is None or there[0] != checksum or _expires_soon(there[1], store.retention_days, now or datetime.now(UTC)):
        cloud.put_object(store.bucket, key, body, checksum, owner)
    return cfn.s3_url(store.bucket, key, region)


def _expires_soon(uploaded: datetime, retention_days: int | None, now: datetime) -> bool:
    if retention_days is None:
        return False
    return (now - uploaded).days >= retention_days - EXPIRY_MARGIN_DAYS
