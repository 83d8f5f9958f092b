"""Retries that a person can see, and that never repeat an operation AWS already did.

botocore retries a call that failed on the way (a dropped connection, a 5xx, throttling) with the
same parameters, so a token in them (``ClientToken``, ``ClientRequestToken``) lets AWS recognise
the repeat. Because an emulator or a flaky network may not honour tokens, :class:`Watch` also asks,
before botocore retries a call that is not idempotent, whether the first attempt took effect (the
change set exists, the execution started, the stack is going): if it did, the call ends there with
that answer (:class:`TookEffect`) instead of being sent again.

A retry that keeps a person waiting more than a few seconds is said on one line (what, which
attempt, why), and the final error says how many attempts took how long.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SLOW_SECONDS = 3.0  # a retry later than this after the first attempt is worth a line
_RETRYABLE_CODES = {"Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded",
                    "TooManyRequestsException", "RequestThrottled", "SlowDown", "InternalFailure",
                    "InternalError", "ServiceUnavailable", "RequestTimeout", "RequestTimeoutException"}  # fmt: skip


def token() -> str:
    """A fresh idempotency token for one call of this run (``[a-zA-Z0-9-]``, well under 128 characters)."""
    return f"iotstack-{secrets.token_hex(16)}"


class TookEffect(Exception):  # not an error: a shortcut out of botocore's retry loop
    """The first attempt of a call did what was asked: ``answer`` is what the call returns."""

    def __init__(self, answer: Any):
        super().__init__("the first attempt took effect")
        self.answer = answer


@dataclass
class _Call:
    operation: str
    took_effect: Callable[[], Any] | None  # None: the call is idempotent; else returns the answer, or None
    started: float
    attempts: int = 1
    reason: str = ""


@dataclass
class Watch:
    """botocore's ``needs-retry`` listener for one client; :meth:`call` brackets each call."""

    max_attempts: int
    notify: Callable[[str], None]
    clock: Callable[[], float] = time.monotonic
    _calls: list[_Call] = field(default_factory=list)  # a check may call AWS itself: a stack

    def attach(self, client: Any) -> None:
        client.meta.events.register_first(f"needs-retry.{client.meta.service_model.service_id.hyphenize()}", self)

    def begin(self, operation: str, took_effect: Callable[[], Any] | None = None) -> None:
        self._calls.append(_Call(operation, took_effect, self.clock()))

    def end(self) -> str:
        """Close the current call; how long it tried, for an error message ("" after one attempt)."""
        call = self._calls.pop()
        if call.attempts <= 1:
            return ""
        return f" (after {call.attempts} attempts over {self.clock() - call.started:.0f} s)"

    def __call__(
        self, attempts: int, response: Any = None, caught_exception: Any = None, operation: Any = None, **_: Any
    ) -> None:
        reason = _failure(response, caught_exception)
        if reason is None or not self._calls:
            return None  # an answer: nothing to retry
        call = self._calls[-1]
        call.operation = getattr(operation, "name", call.operation)  # AWS's name: DescribeStacks
        call.attempts, call.reason = attempts, reason
        if call.took_effect is not None:
            check, call.took_effect = call.took_effect, None  # its own calls must not check again
            try:
                answer = check()
            finally:
                call.took_effect = check
            if answer is not None:
                raise TookEffect(answer)
        waited = self.clock() - call.started
        if attempts < self.max_attempts and waited >= SLOW_SECONDS:
            self.notify(f"AWS: {call.operation} attempt {attempts} of {self.max_attempts} failed after {waited:.0f} s "
                        f"({reason}); retrying")  # fmt: skip
        return None  # botocore's own retry handler decides, and waits


def _failure(response: Any, caught_exception: Any) -> str | None:
    """Why an attempt failed in a way botocore retries, or None for an answer."""
    if caught_exception is not None:
        return f"{type(caught_exception).__name__}: {caught_exception}"
    if not response:
        return None
    http, parsed = response
    code = (parsed or {}).get("Error", {}).get("Code", "")
    if code in _RETRYABLE_CODES:
        return f"{code}: {(parsed or {}).get('Error', {}).get('Message', '')}".rstrip(": ")
    if http is not None and http.status_code >= 500:
        return f"HTTP {http.status_code}"
    return None
