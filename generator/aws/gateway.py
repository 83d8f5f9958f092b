"""Every AWS call iotstack makes, in one place that tests point at an emulator or a Stubber.

:func:`connect` builds the clients the usual way (credentials, profile and ``AWS_ENDPOINT_URL``
from the environment, as the AWS CLI does) with botocore's ``adaptive`` retry mode, so throttling
is retried with backoff instead of surfacing as a failure. :class:`Cloud` wraps the calls the
deploy commands need, turns botocore's exceptions into :mod:`generator.errors` types with a
message that says what to do, and returns the answers as :mod:`generator.aws.views`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)
from botocore.parsers import ResponseParserError

from generator import __version__
from generator.aws.views import ChangeSet, Stack, StackEvent
from generator.errors import IotstackError, UsageError

# Attempts per call, throttling included (botocore's own default is 3). AWS_MAX_ATTEMPTS overrides.
MAX_ATTEMPTS = 10


def connect(region: str) -> Cloud:
    """Clients for ``region``, configured from the environment like the AWS CLI."""
    attempts = int(os.environ.get("AWS_MAX_ATTEMPTS") or MAX_ATTEMPTS)
    config = Config(
        region_name=region,
        retries={"mode": "adaptive", "total_max_attempts": attempts},  # the first call included
        connect_timeout=10,  # a black-holed endpoint: seconds per attempt, not botocore's 60
        user_agent_extra=f"iotstack/{__version__}",
    )
    session = boto3.session.Session(region_name=region)
    return Cloud(session.client("cloudformation", config=config), session.client("s3", config=config))


class AwsError(IotstackError):
    """AWS refused a call; ``code`` is its error code (e.g. ``ChangeSetNotFound``)."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.code = code


class StackNotFound(AwsError):
    """The stack does not exist (or has been deleted)."""


# Error codes that mean the credentials, not the request, are wrong: bad input (exit 2).
_CREDENTIAL_CODES = {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
                     "SignatureDoesNotMatch", "InvalidAccessKeyId"}  # fmt: skip
_CREDENTIALS_HELP = ("Set AWS_PROFILE (after `aws sso login`) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; for "
                     "the local emulator, any dummy values and AWS_ENDPOINT_URL")  # fmt: skip


class Cloud:
    """The CloudFormation and S3 calls of iotstack; each returns plain data."""

    def __init__(self, cloudformation: Any, s3: Any):
        self.cloudformation = cloudformation
        self.s3 = s3

    @property
    def endpoint(self) -> str:
        return self.cloudformation.meta.endpoint_url

    def _call(self, client: Any, operation: str, **kwargs: Any) -> dict:
        """Call ``operation``; raise the project's errors with a message naming what went wrong."""
        try:
            return getattr(client, operation)(**kwargs)
        except (NoCredentialsError, PartialCredentialsError) as exc:
            raise UsageError(f"no AWS credentials: {exc}. {_CREDENTIALS_HELP}") from None
        except (TokenRetrievalError, UnauthorizedSSOTokenError, SSOTokenLoadError) as exc:
            raise UsageError(f"AWS credentials expired or unusable: {exc}. {_CREDENTIALS_HELP}") from None
        except NoRegionError:
            raise UsageError("no AWS region: set region in the environment file") from None
        except EndpointConnectionError as exc:
            raise IotstackError(f"cannot reach AWS at {exc.kwargs.get('endpoint_url', self.endpoint)}: "
                                "check the network, or AWS_ENDPOINT_URL if it is set") from None  # fmt: skip
        except ClientError as exc:
            error = exc.response.get("Error", {})
            message = error.get("Message", "")
            code = error.get("Code", "")
            if code == "ValidationError" and "does not exist" in message:
                raise StackNotFound(message, code) from None
            if code in _CREDENTIAL_CODES:
                raise UsageError(f"AWS refused the credentials: {code}: {message}. {_CREDENTIALS_HELP}") from None
            raise AwsError(f"{client.meta.service_model.service_name} {exc.operation_name} failed: {code}: {message}",
                           code) from None  # fmt: skip
        except (BotoCoreError, ResponseParserError) as exc:
            raise IotstackError(f"AWS call {operation} failed: {exc}") from None

    # --- stacks ---------------------------------------------------------------------------

    def stack(self, name: str) -> Stack | None:
        """The stack (by name or id), or None when there is no such stack."""
        try:
            return Stack.of(self._call(self.cloudformation, "describe_stacks", StackName=name)["Stacks"][0])
        except StackNotFound:
            return None

    def events(self, stack: str) -> Iterator[StackEvent]:
        """The stack's events, newest first, fetched a page at a time as the caller reads on."""
        token: dict = {}
        while True:
            page = self._call(self.cloudformation, "describe_stack_events", StackName=stack, **token)
            yield from map(StackEvent.of, page["StackEvents"])
            if not page.get("NextToken"):
                return
            token = {"NextToken": page["NextToken"]}

    def template(self, stack: str) -> dict:
        """The template the stack runs, as data ({} for a YAML body, which iotstack never writes)."""
        body = self._call(self.cloudformation, "get_template", StackName=stack)["TemplateBody"]
        if isinstance(body, dict):  # botocore decodes a JSON body
            return body
        try:
            decoded = json.loads(body)
        except (TypeError, ValueError):
            return {}
        return decoded if isinstance(decoded, dict) else {}

    def delete_stack(self, stack: str) -> None:
        self._call(self.cloudformation, "delete_stack", StackName=stack)

    def continue_update_rollback(self, stack: str, skip: tuple[str, ...] = ()) -> None:
        self._call(self.cloudformation, "continue_update_rollback", StackName=stack, ResourcesToSkip=list(skip))

    def set_termination_protection(self, stack: str, enabled: bool) -> None:
        self._call(self.cloudformation, "update_termination_protection", StackName=stack,
                   EnableTerminationProtection=enabled)  # fmt: skip

    def stack_policy(self, stack: str) -> str | None:
        return self._call(self.cloudformation, "get_stack_policy", StackName=stack).get("StackPolicyBody")

    def set_stack_policy(self, stack: str, body: str) -> None:
        self._call(self.cloudformation, "set_stack_policy", StackName=stack, StackPolicyBody=body)

    # --- change sets ----------------------------------------------------------------------

    def create_change_set(self, **kwargs: Any) -> str:
        """Create a change set (``kwargs`` as CreateChangeSet takes them); return its ARN."""
        return self._call(self.cloudformation, "create_change_set", **kwargs)["Id"]

    def change_set(self, stack: str, name: str) -> ChangeSet:
        """The change set, every page of its changes merged."""
        answer: dict = {}
        token: dict = {}
        while True:
            page = self._call(self.cloudformation, "describe_change_set", StackName=stack, ChangeSetName=name, **token)
            answer = {**page, "Changes": answer.get("Changes", []) + page.get("Changes", [])}
            if not page.get("NextToken"):
                return ChangeSet.of(answer)
            token = {"NextToken": page["NextToken"]}

    def execute_change_set(self, stack: str, name: str) -> None:
        self._call(self.cloudformation, "execute_change_set", StackName=stack, ChangeSetName=name)

    def delete_change_set(self, stack: str, name: str) -> None:
        self._call(self.cloudformation, "delete_change_set", StackName=stack, ChangeSetName=name)

    # --- S3 -------------------------------------------------------------------------------

    def upload_template(self, bucket: str, key: str, body: bytes, region: str) -> str:
        """Put a template into ``bucket``; return the URL CloudFormation reads it from."""
        self._call(self.s3, "put_object", Bucket=bucket, Key=key, Body=body, ContentType="application/json")
        return f"https://{bucket}.s3.{region}.amazonaws.com/{key}"

    # --- exports ----------------------------------------------------------------------------

    def importers(self, export_name: str) -> list[str]:
        """The stacks that import ``export_name`` (ListImports, every page); [] when none does, which
        CloudFormation answers with an error ("... is not imported by any stack")."""
        stacks: list[str] = []
        token: dict = {}
        while True:
            try:
                page = self._call(self.cloudformation, "list_imports", ExportName=export_name, **token)
            except AwsError as error:
                if "is not imported by any stack" in str(error):
                    return []
                raise
            stacks += page.get("Imports", [])
            if not page.get("NextToken"):
                return sorted(stacks)
            token = {"NextToken": page["NextToken"]}
