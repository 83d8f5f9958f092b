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
    HTTPClientError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)
from botocore.exceptions import ConnectionError as NoConnection
from botocore.parsers import ResponseParserError

from generator.errors import IotstackError, Unreachable, UsageError


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
    if isinstance(exc, IotstackError):  # already ours: a check before a retry (did it take effect?) failed
        return exc
    if (usage := settings_error(exc)) is not None:
        return usage
    if isinstance(exc, EndpointConnectionError):
        return Unreachable(f"cannot reach AWS at {exc.kwargs.get('endpoint_url', endpoint)}{tried}: check the "
                           "network, or AWS_ENDPOINT_URL if it is set")  # fmt: skip
    if isinstance(exc, (NoConnection, HTTPClientError)):  # the connection dropped or timed out: no answer
        return Unreachable(f"no answer from AWS at {endpoint} to {operation} ({type(exc).__name__}){tried}: check "
                           "the network, or AWS_ENDPOINT_URL if it is set")  # fmt: skip
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        message, code = _readable(error.get("Message", ""), endpoint), error.get("Code", "")
        if code == "ValidationError" and "does not exist" in message:
            return StackNotFound(message, code)
        if code in _CREDENTIAL_CODES:
            return UsageError(f"AWS refused the credentials: {code}: {message}. {CREDENTIALS_HELP}")
        if not (code or message):  # an answer with no AWS error in it: a proxy's page, an empty body
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
            return AwsError(f"{service} {exc.operation_name} failed: HTTP {status} with no AWS error in the answer"
                            f"{tried}: is {endpoint} an AWS endpoint? (AWS_ENDPOINT_URL, a proxy or a firewall in the "
                            "way)", str(status))  # fmt: skip
        return AwsError(f"{service} {exc.operation_name} failed: {code}: {message}{tried}", code)
    if isinstance(exc, (BotoCoreError, ResponseParserError)):
        return IotstackError(f"AWS call {operation} failed{tried}: {_readable(str(exc), endpoint)}")
    # botocore could not read the answer at all (its parser met something no AWS service sends)
    return IotstackError(f"AWS call {operation} failed{tried}: the answer of {endpoint} is not one AWS gives "
                         f"({type(exc).__name__}: {_readable(str(exc), endpoint)}): is it an AWS endpoint? "
                         "(AWS_ENDPOINT_URL, a proxy or a firewall in the way)")  # fmt: skip


# How much of an answer a message quotes: an AWS message is a sentence; more is a page from something else.
_QUOTED = 300


def _readable(message: str, endpoint: str) -> str:
    """AWS's message as it may be quoted: an HTML page (a proxy's, a captive portal's, a web server's at
    a wrong AWS_ENDPOINT_URL) is named, not printed; anything else is cut at :data:`_QUOTED` characters."""
    head = message.lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html")) or "<html" in head or "<body" in head:
        return (f"the answer is an HTML page, not AWS's: is {endpoint} an AWS endpoint? (AWS_ENDPOINT_URL, a proxy "
                "or a firewall in the way)")  # fmt: skip
    message = " ".join(message.split())
    return message if len(message) <= _QUOTED else message[: _QUOTED - 3] + "..."
