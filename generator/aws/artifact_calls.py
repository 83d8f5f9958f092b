"""The S3 calls of the AWS gateway (:class:`generator.aws.gateway.Cloud` inherits them): the bootstrap
bucket's template objects, read by checksum and written with one, always in the expected owner's
bucket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from generator.aws.errors import AwsError


class ArtifactCalls:
    """HeadObject and PutObject of a template; every call goes through the gateway's ``_call``."""

    s3: Any

    def _call(self, client: Any, operation: str, took_effect: Any = None, **kwargs: Any) -> Any:
        raise NotImplementedError  # the gateway's

    def object_checksum(self, bucket: str, key: str, owner: str) -> tuple[str, datetime] | None:
        """The object's SHA-256 checksum as S3 keeps it (base64; "" when it has none) and when it was
        written; None when there is none. ``owner``: the account the bucket must belong to."""
        try:
            head = self._call(self.s3, "head_object", Bucket=bucket, Key=key, ChecksumMode="ENABLED",
                              ExpectedBucketOwner=owner)  # fmt: skip
        except AwsError as exc:
            if exc.code in ("404", "NoSuchKey", "NotFound"):
                return None
            if exc.code in ("403", "AccessDenied", "Forbidden"):  # HeadObject's errors have no body: a bare 403
                raise AwsError(f"S3 refused HeadObject of s3://{bucket}/{key} (403 Forbidden): the credentials need "
                               f"s3:GetObject on {bucket}/* and s3:ListBucket on {bucket} (without it S3 answers 403 "
                               f"for a key that is not there), and the bucket must belong to account {owner}",
                               exc.code) from None  # fmt: skip
            raise
        return head.get("ChecksumSHA256", ""), head["LastModified"]

    def put_object(self, bucket: str, key: str, body: bytes, checksum: str, owner: str) -> None:
        """Write an object; S3 refuses it unless the bytes it receives have ``checksum`` (SHA-256, base64)
        and the bucket belongs to ``owner``. (A PUT of the same key and bytes again changes nothing.)"""
        self._call(self.s3, "put_object", Bucket=bucket, Key=key, Body=body, ContentType="application/json",
                   ChecksumSHA256=checksum, ExpectedBucketOwner=owner)  # fmt: skip
