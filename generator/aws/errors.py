"""AWS's exceptions as the project's errors: one message that says what went wrong and what to do.

Bad credentials, profiles, config files and endpoints are the user's input (:class:`UsageError`,
exit 2); a refused or failed call is a failed operation (:class:`AwsError`, exit 1), with AWS's
error code kept for the callers that tell cases apart (``ChangeSetNotFound``, ...).
"""

from __future__ import annotations

import os

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConfigParseError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)
from botocore.parsers import ResponseParserError

from generator.errors import IotstackError, UsageError


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
CREDENTIALS_HELP = ("Set AWS_PROFILE (after `aws sso login`) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; for "
                    "the local emulator, any dummy values and AWS_ENDPOINT_URL")  # fmt: skip


def settings_error(exc: Exception, source: str = "") -> UsageError | None:
    """The shell's AWS settings (profile, config file, endpoint) as bad input; None if it is not that.
    ``source`` says where the credentials were to come from (``AWS_PROFILE=x``, ``profile x
    (deploy.profile)``)."""
    if isinstance(exc, ProfileNotFound):
        where = source or f"AWS_PROFILE={os.environ.get('AWS_PROFILE', '')!r}"
        return UsageError(f"{exc} ({where}): name a profile of your AWS config file (`aws configure list-profiles`)")
    if isinstance(exc, ConfigParseError):
        return UsageError(f"{exc}: the AWS config file (AWS_CONFIG_FILE, else ~/.aws/config) is not valid; fix it, or "
                          "point AWS_CONFIG_FILE elsewhere")  # fmt: skip
    if isinstance(exc, ValueError) and "endpoint" in str(exc).lower():
        bad = str(exc).rsplit(": ", 1)[-1]
        named = [k for k, v in sorted(os.environ.items()) if k.startswith("AWS_ENDPOINT_URL") and v == bad]
        return UsageError(f"{' and '.join(named) or 'an AWS endpoint setting'}={bad!r} is not a URL ({exc}): give one "
                          "such as http://127.0.0.1:5000, or unset it to reach AWS")  # fmt: skip
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return UsageError(f"no AWS credentials: {exc}. {CREDENTIALS_HELP}")
    if isinstance(exc, (TokenRetrievalError, UnauthorizedSSOTokenError, SSOTokenLoadError)):
        return UsageError(f"AWS credentials expired or unusable: {exc}. {CREDENTIALS_HELP}")
    if isinstance(exc, NoRegionError):
        return UsageError("no AWS region: set region in the environment file")
    return None


def translate(exc: Exception, service: str, operation: str, endpoint: str, tried: str = "") -> IotstackError:
    """The project's error for what a call of ``operation`` raised; ``tried`` says how long it tried."""
    if (usage := settings_error(exc)) is not None:
        return usage
    if isinstance(exc, EndpointConnectionError):
        return IotstackError(f"cannot reach AWS at {exc.kwargs.get('endpoint_url', endpoint)}{tried}: check the "
                             "network, or AWS_ENDPOINT_URL if it is set")  # fmt: skip
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        message, code = error.get("Message", ""), error.get("Code", "")
        if code == "ValidationError" and "does not exist" in message:
            return StackNotFound(message, code)
        if code in _CREDENTIAL_CODES:
            return UsageError(f"AWS refused the credentials: {code}: {message}. {CREDENTIALS_HELP}")
        return AwsError(f"{service} {exc.operation_name} failed: {code}: {message}{tried}", code)
    if isinstance(exc, (BotoCoreError, ResponseParserError)):
        return IotstackError(f"AWS call {operation} failed{tried}: {exc}")
    raise exc
