"""The shell's AWS settings iotstack reads besides botocore's own: how many attempts a call gets, and
where the credentials come from (an environment's ``deploy.profile`` only when the shell brings none)."""

from __future__ import annotations

import os

from generator.errors import UsageError

# Attempts per call, throttling included (botocore's own default is 3). AWS_MAX_ATTEMPTS overrides.
MAX_ATTEMPTS = 10


def max_attempts() -> int:
    """``AWS_MAX_ATTEMPTS`` (every attempt, the first included), checked; else :data:`MAX_ATTEMPTS`."""
    given = os.environ.get("AWS_MAX_ATTEMPTS", "").strip()
    if not given:
        return MAX_ATTEMPTS
    if not given.isdigit() or not 1 <= int(given) <= 100:
        raise UsageError(f"AWS_MAX_ATTEMPTS={given!r}: must be a whole number of 1..100 (attempts per AWS call, the "
                         "first included); unset it for iotstack's 10")  # fmt: skip
    return int(given)


# The shell's own credentials, in the order botocore looks (a profile named by the shell first).
_SHELL_CREDENTIALS = (
    ("AWS_PROFILE", "AWS_PROFILE={value}"),
    ("AWS_DEFAULT_PROFILE", "AWS_DEFAULT_PROFILE={value}"),
    ("AWS_ACCESS_KEY_ID", "the access keys in AWS_ACCESS_KEY_ID"),
    ("AWS_WEB_IDENTITY_TOKEN_FILE", "the web-identity token of AWS_WEB_IDENTITY_TOKEN_FILE"),
    ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "the container's credentials (ECS, CodeBuild)"),
    ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "the container's credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI)"),
)


def credential_source(profile: str = "") -> tuple[str | None, str]:
    """The profile to use (None: the shell's own credentials) and where the credentials come from, in
    words. An environment's ``deploy.profile`` applies only when the shell brings no credentials of
    its own, so that an operator's ``AWS_PROFILE`` or a pipeline's web-identity token always wins."""
    for variable, words in _SHELL_CREDENTIALS:
        if os.environ.get(variable):
            return None, words.format(value=os.environ[variable])
    if profile:
        return profile, f"profile {profile} (deploy.profile)"
    return None, "the default credential chain"
