"""The checks a setting may carry: small pure functions, each returning a :class:`Check`.

A check's test returns what is allowed when a value is not (``"must be 24..8760"``), else None;
the loader prefixes it with the file, the key and the value. Maintenance windows are parsed here
too, into minutes of the week, so that the settings can tell whether two windows overlap.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from generator.config.fields import Check


def between(low: float, high: float) -> Check:
    """A number from ``low`` to ``high``, both included."""
    return Check(f"{low}..{high}", lambda v: None if low <= v <= high else f"must be {low}..{high}")


def multiple_of(step: float) -> Check:
    """A number that is a whole multiple of ``step``."""
    return Check(
        f"a multiple of {step}", lambda v: None if (v / step).is_integer() else f"must be a multiple of {step}"
    )


def one_of(*allowed: Any) -> Check:
    """One of the ``allowed`` values."""
    shown = ", ".join(str(a) for a in allowed)
    return Check(f"one of {shown}", lambda v: None if v in allowed else f"must be one of {shown}")


def each_one_of(*allowed: str) -> Check:
    """A list of distinct values, each one of ``allowed``."""
    shown = ", ".join(allowed)

    def test(values: tuple[str, ...]) -> str | None:
        if len(set(values)) != len(values):
            return "must not repeat a value"
        bad = [v for v in values if v not in allowed]
        return f"{', '.join(bad)} not allowed; each must be one of {shown}" if bad else None

    return Check(f"any of {shown}", test)


def aws_region() -> Check:
    """A region of :data:`~generator.config.regions.REGIONS`; a near miss gets a suggestion."""
    from generator.config.regions import REGIONS

    def check(value: str) -> str | None:
        if value in REGIONS:
            return None
        from difflib import get_close_matches  # only for a wrong region

        area = [r for r in REGIONS if r.rsplit("-", 1)[0] == value.rsplit("-", 1)[0]]  # sa-east-2: sa-east-*
        near = area or get_close_matches(value, REGIONS, n=1)
        hint = f" (did you mean {' or '.join(near)}?)" if near else ""
        return f"must be an AWS region such as sa-east-1{hint}; generator/config/regions.py lists all {len(REGIONS)}"

    return Check("an AWS region such as sa-east-1 (generator/config/regions.py lists them)", check)


def matches(pattern: str, allowed: str) -> Check:
    """A string matching ``pattern`` as a whole; ``allowed`` says so in words. (``re`` caches the
    compiled pattern at its first use: compiling every pattern at import would cost the fast path.)"""
    return Check(allowed, lambda v: None if re.fullmatch(pattern, v) else f"must be {allowed}")


def each_matches(pattern: str, allowed: str, most: int) -> Check:
    """A list of at most ``most`` distinct strings, each matching ``pattern``."""

    def check(values: tuple[str, ...]) -> str | None:
        if len(values) > most:
            return f"must list at most {most}"
        if len(set(values)) != len(values):
            return "must not repeat a value"
        bad = [v for v in values if not re.fullmatch(pattern, v)]
        return f"{', '.join(bad)}: each must be {allowed}" if bad else None

    return Check(f"at most {most} of: {allowed}", check)


# A practical address: what mail systems accept, not all that RFC 5322 allows; at most 128 characters so
# that a subscription's logical id, which is made from it, stays well under CloudFormation's 255.
EMAIL = r"(?=.{6,128}$)[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"


def email_addresses(most: int) -> Check:
    """A list of at most ``most`` email addresses that differ in more than case and punctuation (each
    names the logical ids of its subscriptions, made of its letters and digits)."""
    regex = re.compile(EMAIL)

    def test(values: tuple[str, ...]) -> str | None:
        if len(values) > most:
            return f"must list at most {most}"
        bad = [v for v in values if not regex.fullmatch(v)]
        if bad:
            return f"{', '.join(bad)}: each must be an email address such as ops@example.com"
        seen: dict[str, str] = {}
        for value in values:
            key = re.sub(r"[^a-z0-9]", "", value.lower())
            if key in seen:
                first = seen[key]
                return (f"{value} is listed twice" if first == value else
                        f"{first} and {value}: must differ in more than case and punctuation")  # fmt: skip
            seen[key] = value
        return None

    return Check(f"at most {most} email addresses such as ops@example.com", test)


def cidr_block(shortest: int, longest: int) -> Check:
    """An IPv4 network in canonical form with a prefix length AWS accepts for the resource."""

    def test(value: str) -> str | None:
        try:
            net = ipaddress.IPv4Network(value)
        except ValueError:
            return f"must be an IPv4 network such as 10.0.0.0/16, /{shortest} to /{longest}"
        if not shortest <= net.prefixlen <= longest:
            return f"must have a prefix length of /{shortest} to /{longest}"
        return None

    return Check(f"an IPv4 network, /{shortest} to /{longest}", test)


def private_networks() -> Check:
    """A list of private (RFC 1918) IPv4 networks: what may be named as a source besides a security group."""
    blocks = [ipaddress.IPv4Network(b) for b in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]

    def test(values: tuple[str, ...]) -> str | None:
        if len(set(values)) != len(values):
            return "must not repeat a value"
        for v in values:
            try:
                net = ipaddress.IPv4Network(v)
            except ValueError:
                return f"{v}: must be an IPv4 network such as 10.20.0.0/16"
            if not any(net.subnet_of(b) for b in blocks):
                return f"{v}: must lie inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (a private network)"
        return None

    return Check("private IPv4 networks (inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)", test)


def count(n: int, each: Check) -> Check:
    """A list of exactly ``n`` values (one per availability zone), each passing ``each``."""

    def test(values: tuple[str, ...]) -> str | None:
        if len(values) != n:
            return f"must list exactly {n} values (one per availability zone)"
        for v in values:
            if problem := each(v):
                return f"{v}: {problem}"
        return None

    return Check(f"{n} of: {each.allowed}", test)


def daily_window(minimum_minutes: int) -> Check:
    """A daily UTC window ``hh24:mi-hh24:mi`` lasting ``minimum_minutes`` to 24 hours."""
    return Check(
        f"hh24:mi-hh24:mi, {minimum_minutes} min..24 h",
        lambda v: _window_problem(v, daily=True, minimum=minimum_minutes),
    )


def weekly_window(minimum_minutes: int) -> Check:
    """A weekly UTC window ``ddd:hh24:mi-ddd:hh24:mi`` lasting ``minimum_minutes`` to 24 hours."""
    return Check(
        f"ddd:hh24:mi-ddd:hh24:mi, {minimum_minutes} min..24 h",
        lambda v: _window_problem(v, daily=False, minimum=minimum_minutes),
    )


# iotstack sets these tags itself, on every resource.
RESERVED_TAGS = ("Environment", "Project", "ManagedBy", "Name", "Service", "Type")


def _tag_problem(tags: Mapping[str, str]) -> str | None:
    for key, value in tags.items():
        if key in RESERVED_TAGS or key.lower().startswith("aws:"):
            return f"tag {key!r} is set by iotstack or AWS; choose another key"
        # AWS tag limits: keys of 1..128 characters, values of up to 256.
        if not 1 <= len(key) <= 128 or len(value) > 256:
            return f"tag {key!r}: keys must be 1..128 characters and values at most 256"
    return None


tag_map = Check(
    "keys of 1..128 characters, values of up to 256; not Environment, Project, ManagedBy, Name, Service, Type, aws:*",
    _tag_problem,
)


# --- maintenance windows ------------------------------------------------------------------------

DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
WEEK = 7 * 24 * 60
_HHMM = r"([01]\d|2[0-3]):([0-5]\d)"
_DAILY = re.compile(rf"{_HHMM}-{_HHMM}")
_WEEKLY = re.compile(rf"({'|'.join(DAYS)}):{_HHMM}-({'|'.join(DAYS)}):{_HHMM}")


def window_intervals(window: str) -> list[tuple[int, int]]:
    """Minutes-of-the-week intervals ``[start, end)`` covered by a daily or weekly window (UTC)."""
    if m := _DAILY.fullmatch(window):
        start, end = int(m[1]) * 60 + int(m[2]), int(m[3]) * 60 + int(m[4])
        starts = [day * 1440 + start for day in range(7)]
    elif m := _WEEKLY.fullmatch(window):
        start = DAYS.index(m[1]) * 1440 + int(m[2]) * 60 + int(m[3])
        end = DAYS.index(m[4]) * 1440 + int(m[5]) * 60 + int(m[6])
        starts = [start]
    else:
        raise ValueError(window)
    length = (end - start) % (1440 if len(starts) == 7 else WEEK)
    intervals = []
    for s in starts:  # a window may run past midnight or past Saturday: split at the wrap
        e = s + length
        intervals += [(s, e)] if e <= WEEK else [(s, WEEK), (0, e - WEEK)]
    return intervals


def _window_problem(window: str, daily: bool, minimum: int) -> str | None:
    shape = "hh24:mi-hh24:mi" if daily else "ddd:hh24:mi-ddd:hh24:mi (ddd = sun..sat)"
    if not (_DAILY if daily else _WEEKLY).fullmatch(window):
        return f"must be a UTC window {shape}"
    length = sum(e - s for s, e in window_intervals(window)) // (7 if daily else 1)
    if not minimum <= length <= 24 * 60:
        return f"must last {minimum} minutes to 24 hours"
    return None


def windows_overlap(a: str, b: str) -> bool:
    """Whether two valid windows share a minute of the week."""
    return any(s1 < e2 and s2 < e1 for s1, e1 in window_intervals(a) for s2, e2 in window_intervals(b))
