"""Outgoing webhooks per Standard Webhooks: secrets, signing, the envelope, destination checks,
one delivery attempt and what follows from its outcome.

* Secrets are ``whsec_`` + base64 of 32 random bytes (W-02); during a rotation the previous
  secret keeps signing until its overlap ends, so the ``webhook-signature`` header carries both
  signatures (space-delimited) and receivers can switch at their pace (W-01).
* The body is serialized once (:func:`envelope`) and those exact bytes are signed and sent, with
  ``webhook-id`` (the event id: stable across retries, the receiver's dedupe key) and a fresh
  ``webhook-timestamp`` per attempt; signatures come from the ``standardwebhooks`` library.
* :func:`check_destination` refuses non-https URLs and hosts that resolve to loopback, private,
  link-local (cloud metadata), multicast, reserved or unspecified addresses (W-07); it runs when
  an endpoint is saved and again before each attempt (DNS can change in between).
  ``allow_private=True`` (development, tests) lifts both rules.
* :func:`decide` maps an attempt's outcome to the next step (W-04): 2xx delivered; 410 disables
  the endpoint; anything else (3xx included: redirects are not followed) is retried on the
  :data:`SCHEDULE` (W-05), ``Retry-After`` honoured for 429/502/503/504, until the attempts run out
  (``failed``).
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import ipaddress
import json
import random
import secrets
import socket
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from standardwebhooks.webhooks import Webhook

from .events import jsonable

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
# Delay before each try after the previous one (Standard Webhooks' example schedule: the first
# at once, the last about 75.5 h after it).
SCHEDULE: tuple[int, ...] = (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
JITTER = 0.1  # each delay varies by up to +-10 %
TIMEOUT_SECONDS = 15.0
THROTTLING = frozenset({429, 502, 503, 504})
MAX_RETRY_AFTER = 86400


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def envelope(event_type: str, occurred_at: dt.datetime, data: Mapping[str, Any]) -> bytes:
    """``{"type", "timestamp", "data"}`` as the bytes that are signed and sent (W-03)."""
    document = {
        "type": event_type,
        "timestamp": jsonable(occurred_at),
        "data": {key: jsonable(value) for key, value in data.items()},
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def sign(
    message_id: str, timestamp: dt.datetime, body: bytes, secrets_: Sequence[str]
) -> dict[str, str]:
    """The three Standard Webhooks headers; one ``v1,`` signature per secret (rotation)."""
    signatures = [Webhook(secret).sign(message_id, timestamp, body) for secret in secrets_]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": " ".join(signatures),
        "content-type": "application/json",
    }


def signing_secrets(
    secret: str,
    previous: str | None,
    previous_expires_at: dt.datetime | None,
    now: dt.datetime,
) -> list[str]:
    """The secrets that sign now: the current one, plus the previous one during its overlap."""
    out = [secret]
    if previous and previous_expires_at is not None and now < previous_expires_at:
        out.append(previous)
    return out


# -- destinations ------------------------------------------------------------------------------
Resolver = Callable[[str, int], Sequence[str]]


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _forbidden(address: str) -> str | None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for label, flag in (
        ("loopback", ip.is_loopback),
        ("link-local (cloud metadata)", ip.is_link_local),
        ("private", ip.is_private),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("unspecified", ip.is_unspecified),
    ):
        if flag:
            return label
    if not ip.is_global:
        return "not a public"
    return None


def check_destination(
    url: str, *, allow_private: bool = False, resolver: Resolver = resolve
) -> str | None:
    """Why ``url`` may not receive webhooks, or None when it may."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return "not a valid URL"
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "the URL must be https://host/..."
    if parts.username or parts.password:
        return "the URL must not carry credentials"
    if allow_private:
        return None
    if parts.scheme != "https":
        return "the URL must use https"
    host = parts.hostname
    try:
        addresses = [host] if _is_ip(host) else list(resolver(host, port or 443))
    except (OSError, ValueError):  # ValueError: NUL bytes, a label too long for IDNA
        return f"the host {host!r} does not resolve"
    if not addresses:
        return f"the host {host!r} does not resolve"
    for address in addresses:
        why = _forbidden(address)
        if why is not None:
            return f"the host {host} resolves to a {why} address ({address})"
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


# -- one attempt and what follows --------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Attempt:
    status_code: int | None  # None: no HTTP answer (refused, timed out, blocked destination)
    duration_ms: int
    error: str | None = None
    retry_after: float | None = None  # seconds, from the Retry-After header


def attempt(
    client: httpx.Client,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    allow_private: bool = False,
    resolver: Resolver = resolve,
    timeout: float = TIMEOUT_SECONDS,
    clock: Callable[[], dt.datetime] | None = None,
) -> Attempt:
    """POST ``body`` once; redirects are not followed; the destination is checked first."""
    refused = check_destination(url, allow_private=allow_private, resolver=resolver)
    if refused is not None:
        return Attempt(None, 0, f"destination refused: {refused}")
    started = time.monotonic()
    try:
        response = client.post(
            url, content=body, headers=dict(headers), timeout=timeout, follow_redirects=False
        )
    except httpx.HTTPError as exc:
        elapsed = int((time.monotonic() - started) * 1000)
        return Attempt(None, elapsed, f"{type(exc).__name__}: {exc}")
    elapsed = int((time.monotonic() - started) * 1000)
    now = clock() if clock is not None else dt.datetime.now(dt.UTC)
    return Attempt(
        response.status_code,
        elapsed,
        None if response.is_success else f"HTTP {response.status_code}",
        _retry_after(response.headers.get("retry-after"), now),
    )


def _retry_after(value: str | None, now: dt.datetime) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(min(int(value), MAX_RETRY_AFTER))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return float(min(max((when - now).total_seconds(), 0.0), MAX_RETRY_AFTER))


Action = Literal["delivered", "retry", "failed", "disable"]


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    next_attempt_at: dt.datetime | None = None


def decide(
    outcome: Attempt,
    attempts_made: int,
    now: dt.datetime,
    *,
    schedule: Sequence[int] = SCHEDULE,
    rng: random.Random | None = None,
) -> Decision:
    """What follows the attempt made at ``now``; ``attempts_made`` counts it (1 after the
    first try)."""
    code = outcome.status_code
    if code is not None and 200 <= code < 300:
        return Decision("delivered")
    if code == 410:
        return Decision("disable")
    if attempts_made >= len(schedule):
        return Decision("failed")
    planned = now + dt.timedelta(seconds=_jittered(schedule[attempts_made], rng))
    if code in THROTTLING and outcome.retry_after is not None:
        planned = max(planned, now + dt.timedelta(seconds=outcome.retry_after))
    return Decision("retry", planned)


def _jittered(seconds: int, rng: random.Random | None) -> float:
    if seconds == 0:
        return 0.0
    spread = (rng or random).uniform(-JITTER, JITTER)
    return seconds * (1 + spread)
