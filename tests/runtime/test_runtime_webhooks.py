"""Outgoing webhooks: signatures a stock receiver verifies, the retry schedule on a frozen clock,
status mapping against a stub receiver, destination (SSRF) checks, secret rotation."""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from specfoundry.runtime import webhooks as wh

NOW = dt.datetime(2026, 5, 1, 12, 0, 0, tzinfo=dt.UTC)


class Receiver:
    """A local HTTP receiver answering the queued status codes (then 204), recording requests."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, str]]] = []
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status, headers = receiver.answers.pop(0) if receiver.answers else (204, {})
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def _send(receiver: Receiver, secrets_: list[str], when: dt.datetime) -> wh.Attempt:
    body = wh.envelope("project.created", NOW, {"project_id": "p1", "n": 2})
    headers = wh.sign("evt_1", when, body, secrets_)
    with httpx.Client() as client:
        return wh.attempt(client, receiver.url, body, headers, allow_private=True)


def test_secret_format_and_uniqueness() -> None:
    a, b = wh.new_secret(), wh.new_secret()
    assert a != b and a.startswith("whsec_")
    assert len(base64.b64decode(a.removeprefix("whsec_"))) == 32


def test_stock_receiver_verifies_the_bytes_sent_and_retries_keep_the_id(
    receiver: Receiver,
) -> None:
    secret = wh.new_secret()
    receiver.answers = [(500, {})]
    first = _send(receiver, [secret], NOW)
    later = dt.datetime.now(dt.UTC)
    second = _send(receiver, [secret], later)
    assert (first.status_code, second.status_code) == (500, 204)
    (h1, body1), (h2, body2) = receiver.requests
    assert h1["webhook-id"] == h2["webhook-id"] == "evt_1"
    assert h1["webhook-timestamp"] != h2["webhook-timestamp"]
    # Standard Webhooks' own verifier (5-minute tolerance): the fresh attempt verifies.
    payload = Webhook(secret).verify(body2, h2)
    assert payload == {
        "type": "project.created",
        "timestamp": NOW.isoformat(),
        "data": {"project_id": "p1", "n": 2},
    }
    with pytest.raises(WebhookVerificationError):  # W-08: a stale timestamp is refused
        Webhook(secret).verify(body1, h1)
    with pytest.raises(WebhookVerificationError):
        Webhook(wh.new_secret()).verify(body2, h2)


def test_rotation_signs_with_both_secrets_during_the_overlap(receiver: Receiver) -> None:
    old, new = wh.new_secret(), wh.new_secret()
    ends = NOW + dt.timedelta(hours=24)
    assert wh.signing_secrets(new, old, ends, NOW) == [new, old]
    assert wh.signing_secrets(new, old, ends, ends) == [new]
    now = dt.datetime.now(dt.UTC)
    _send(receiver, wh.signing_secrets(new, old, now + dt.timedelta(hours=1), now), now)
    headers, body = receiver.requests[0]
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):  # receivers on either secret accept it
        Webhook(secret).verify(body, headers)


@pytest.mark.parametrize(
    ("status", "headers", "action"),
    [
        (200, {}, "delivered"),
        (204, {}, "delivered"),
        (301, {"location": "https://elsewhere.example/"}, "retry"),
        (400, {}, "retry"),
        (410, {}, "disable"),
        (500, {}, "retry"),
        (429, {"retry-after": "120"}, "retry"),
    ],
)
def test_each_status_maps_to_its_next_step(
    receiver: Receiver, status: int, headers: dict[str, str], action: str
) -> None:
    receiver.answers = [(status, headers)]
    outcome = _send(receiver, [wh.new_secret()], dt.datetime.now(dt.UTC))
    assert outcome.status_code == status
    decision = wh.decide(outcome, 1, NOW, rng=random.Random(1))
    assert decision.action == action
    assert len(receiver.requests) == 1  # redirects are not followed
    if status == 429:
        assert decision.next_attempt_at is not None
        assert decision.next_attempt_at >= NOW + dt.timedelta(seconds=120)


def test_unreachable_receiver_is_retried() -> None:
    body = wh.envelope("a.b", NOW, {})
    with httpx.Client() as client:
        outcome = wh.attempt(
            client, "http://127.0.0.1:9/x", body, {}, allow_private=True, timeout=2
        )
    assert outcome.status_code is None and outcome.error
    assert wh.decide(outcome, 1, NOW).action == "retry"


def test_retry_times_follow_the_schedule_then_fail() -> None:
    """Frozen clock: each retry is the schedule's delay after the previous attempt, +-10 %."""
    rng = random.Random(7)
    now = NOW
    failure = wh.Attempt(500, 10, "HTTP 500")
    times = [now]
    for made in range(1, len(wh.SCHEDULE)):
        decision = wh.decide(failure, made, now, rng=rng)
        assert decision.action == "retry" and decision.next_attempt_at is not None
        delay = (decision.next_attempt_at - now).total_seconds()
        assert wh.SCHEDULE[made] * 0.9 <= delay <= wh.SCHEDULE[made] * 1.1
        now = decision.next_attempt_at
        times.append(now)
    assert wh.decide(failure, len(wh.SCHEDULE), now).action == "failed"
    hours = (times[-1] - times[0]).total_seconds() / 3600
    assert 68 < hours < 83  # about 75.5 h from the first try to the last


@pytest.mark.parametrize(
    ("url", "addresses", "refused"),
    [
        ("https://hooks.example.com/x", ["93.184.216.34"], None),
        ("http://hooks.example.com/x", ["93.184.216.34"], "https"),
        ("https://127.0.0.1/x", [], "loopback"),
        ("https://169.254.169.254/latest/meta-data", [], "link-local"),
        ("https://10.0.0.8/x", [], "private"),
        ("https://[::1]/x", [], "loopback"),
        ("https://[::ffff:127.0.0.1]/x", [], "loopback"),
        ("https://rebind.example.com/x", ["93.184.216.34", "192.168.1.1"], "private"),
        ("file:///etc/passwd", [], "https://"),
        ("javascript:alert(1)", [], "https://"),
        ("https://user:pw@hooks.example.com/x", ["93.184.216.34"], "credentials"),
    ],
)
def test_destination_checks(url: str, addresses: list[str], refused: str | None) -> None:
    why = wh.check_destination(url, resolver=lambda host, port: addresses)
    if refused is None:
        assert why is None
    else:
        assert why is not None and refused in why


def test_development_allows_local_targets_and_send_time_check_blocks() -> None:
    assert wh.check_destination("http://127.0.0.1:8000/x", allow_private=True) is None
    with httpx.Client() as client:
        outcome = wh.attempt(client, "https://127.0.0.1/x", b"{}", {})  # production rules
    assert outcome.status_code is None and "loopback" in (outcome.error or "")


def test_envelope_is_compact_json_of_the_event() -> None:
    body = wh.envelope("subscription.canceled", NOW, {"canceled_at": NOW})
    assert json.loads(body) == {
        "type": "subscription.canceled",
        "timestamp": "2026-05-01T12:00:00+00:00",
        "data": {"canceled_at": "2026-05-01T12:00:00+00:00"},
    }
