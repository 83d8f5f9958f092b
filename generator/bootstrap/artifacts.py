"""Deploy's side of the bootstrap stack: where a template over the inline limit goes.

A template over 51,200 bytes is uploaded to the bootstrap stack's bucket (or ``deploy.template_bucket``
when the environment names one) under a content-addressed key, ``<stack>/<sha256>.json``, and passed
by ``TemplateURL``. An object that is already there is not uploaded again, unless the bucket's
lifecycle would expire it within :data:`EXPIRY_MARGIN_DAYS`. No bootstrap stack, or one older than
this iotstack needs, is said plainly, with the command that fixes it; nothing is created silently.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from generator import cfn
from generator.aws.gateway import Cloud
from generator.bootstrap.template import STACK, VERSION
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
    if not stack.status.running or "BucketName" not in outputs:
        raise UsageError(f"the bootstrap stack {STACK} in {region} is {stack.status} and has no bucket to use: "
                         f"`iotstack bootstrap --env {env_name}` creates or repairs it")  # fmt: skip
    version = int(outputs.get("BootstrapVersion", "0") or 0)
    if version < VERSION:
        raise UsageError(f"the bootstrap stack {STACK} in {region} is version {version}; this iotstack needs version "
                         f"{VERSION}: `iotstack bootstrap --env {env_name}` updates it")  # fmt: skip
    days = outputs.get("TemplateRetentionDays", "")
    return Store(outputs["BucketName"], int(days) if days.isdigit() else None)


def upload(cloud: Cloud, store: Store, stack: str, text: str, region: str, now: datetime | None = None) -> str:
    """Put the template into the store under ``<stack>/<sha256>.json`` (once), return its TemplateURL."""
    body = text.encode("utf-8")
    key = f"{stack}/{hashlib.sha256(body).hexdigest()}.json"
    uploaded = cloud.object_time(store.bucket, key)
    if uploaded is None or _expires_soon(uploaded, store.retention_days, now or datetime.now(UTC)):
        cloud.put_object(store.bucket, key, body)
    return cfn.s3_url(store.bucket, key, region)


def _expires_soon(uploaded: datetime, retention_days: int | None, now: datetime) -> bool:
    if retention_days is None:
        return False
    return (now - uploaded).days >= retention_days - EXPIRY_MARGIN_DAYS
