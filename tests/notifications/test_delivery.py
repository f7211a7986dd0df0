"""Delivery: real webhook receiver and Django's locmem mail, retries, dead letters, leases."""

from __future__ import annotations

import socket
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from straz.accounts.models import AuditEntry
from straz.notifications import delivery, outbox
from straz.notifications.models import AttemptOutcome, DeliveryAttempt, MessageState, OutboxMessage
from tests.notifications.receiver import running_receiver

pytestmark = pytest.mark.django_db

BASE_S = 30.0


@pytest.fixture(autouse=True)
def outbox_settings(settings: Any) -> None:
    """Locmem mail, short timeouts, known backoff."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STRAZ = {
        **settings.STRAZ,
        "OUTBOX_MAX_ATTEMPTS": 3,
        "OUTBOX_BACKOFF_BASE_SECONDS": BASE_S,
        "OUTBOX_BACKOFF_CAP_SECONDS": 3600,
        "OUTBOX_SEND_TIMEOUT_SECONDS": 0.5,
        "OUTBOX_LEASE_SECONDS": 60,
    }


def enqueue(key: str, *, channel: str = "webhook", address: str) -> OutboxMessage:
    """Enqueue one notification inside its own transaction."""
    with transaction.atomic():
        return outbox.enqueue(
            channel=channel,
            address=address,
            subject=f"Stupeň III ({key})",
            body="Vyrozumění hejtmana.",
            payload={"key": key},
            rule="§23(2)",
            source_type="incident",
            source_id="42",
            dedupe_key=key,
        )


def closed_port() -> int:
    """A port on 127.0.0.1 where nobody listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def refreshed(message: OutboxMessage) -> OutboxMessage:
    message.refresh_from_db()
    return message


def test_webhook_is_posted_with_its_message_id_and_marked_delivered() -> None:
    with running_receiver() as rx:
        message = enqueue("a", address=rx.url())
        assert delivery.deliver_due() == 1
    assert len(rx.received) == 1
    got = rx.received[0]
    assert got.body["message_id"] == str(message.message_id)
    assert got.idempotency_key == str(message.message_id)
    assert got.content_type and got.content_type.startswith("application/json")
    assert got.body["rule"] == "§23(2)" and got.body["payload"] == {"key": "a"}
    message = refreshed(message)
    assert message.state == MessageState.DELIVERED
    assert message.delivered_at is not None and message.attempts == 1
    assert message.lease_owner == "" and message.lease_until is None
    attempt = DeliveryAttempt.objects.get(message=message)
    assert attempt.outcome == AttemptOutcome.DELIVERED and attempt.number == 1
    assert AuditEntry.objects.filter(
        action="outbox.delivered", object_id=str(message.message_id)
    ).count() == 1
    # Delivered is final: nothing is sent again.
    assert delivery.deliver_due(now=timezone.now() + timedelta(days=1)) == 0


def test_email_carries_a_message_id_derived_from_the_row() -> None:
    message = enqueue("mail", channel="email", address="hejtman@kraj.example")
    assert delivery.deliver_due() == 1
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["hejtman@kraj.example"]
    assert sent.subject == "Stupeň III (mail)"
    header = sent.message()["Message-ID"]
    assert str(message.message_id) in header
    assert refreshed(message).state == MessageState.DELIVERED


def test_failure_is_retried_with_exponential_backoff_and_jitter() -> None:
    with running_receiver(status={"/hook": 503}) as rx:
        message = enqueue("retry", address=rx.url())
        now = timezone.now()
        assert delivery.deliver_due(now=now) == 0
        message = refreshed(message)
        assert message.state == MessageState.PENDING and message.attempts == 1
        assert "503" in message.last_error
        first_wait = (message.next_attempt_at - now).total_seconds()
        assert BASE_S / 2 <= first_wait <= BASE_S
        # Not due before its time.
        assert delivery.deliver_due(now=now + timedelta(seconds=BASE_S / 2 - 1)) == 0
        assert len(rx.received) == 1
        # Second failure waits about twice as long.
        second = message.next_attempt_at
        assert delivery.deliver_due(now=second) == 0
        message = refreshed(message)
        assert message.attempts == 2
        second_wait = (message.next_attempt_at - second).total_seconds()
        assert BASE_S <= second_wait <= 2 * BASE_S
        # The receiver recovers: the third attempt delivers, same message_id every time.
        rx.status.clear()
        assert delivery.deliver_due(now=message.next_attempt_at) == 1
    assert rx.ids() == [str(message.message_id)] * 3
    assert refreshed(message).state == MessageState.DELIVERED
    outcomes = list(
        DeliveryAttempt.objects.filter(message=message).values_list("number", "outcome")
    )
    assert outcomes == [(1, "failed"), (2, "failed"), (3, "delivered")]


def test_backoff_is_capped_and_jittered() -> None:
    import random

    rng = random.Random(1)
    delays = [delivery.backoff_delay(n, rng=rng).total_seconds() for n in range(1, 20)]
    assert all(BASE_S / 2 <= d for d in delays)
    assert max(delays) <= 3600
    assert len({round(d, 3) for d in delays}) > 10  # jitter: not one fixed schedule


def test_message_is_dead_after_max_attempts_and_retry_now_revives_it(admin_user: Any) -> None:
    with running_receiver(status={"/hook": 500}) as rx:
        message = enqueue("dead", address=rx.url())
        now = timezone.now()
        for _ in range(3):
            delivery.deliver_due(now=now)
            now = refreshed(message).next_attempt_at
        message = refreshed(message)
        assert message.state == MessageState.FAILED and message.attempts == 3
        assert delivery.deliver_due(now=now + timedelta(days=30)) == 0
        assert len(rx.received) == 3
        assert AuditEntry.objects.filter(action="outbox.failed").count() == 1

        rx.status.clear()
        assert delivery.retry_now(message_ids=[message.pk], actor=admin_user) == 1
        entry = AuditEntry.objects.get(action="outbox.retry_now")
        assert entry.actor == admin_user
        assert entry.before["state"] == "failed" and entry.after["state"] == "pending"
        assert delivery.deliver_due() == 1
    assert refreshed(message).state == MessageState.DELIVERED
    assert len(set(rx.ids())) == 1 and len(rx.ids()) == 4


def test_a_dead_channel_does_not_stop_the_others() -> None:
    with running_receiver() as good, running_receiver(delay_s=3.0) as slow:
        refused = enqueue("refused", address=f"http://127.0.0.1:{closed_port()}/hook")
        hanging = enqueue("hanging", address=slow.url())
        ok_hook = enqueue("ok-hook", address=good.url())
        ok_mail = enqueue("ok-mail", channel="email", address="opis@hzs.example")
        delivered = delivery.deliver_due()
    assert delivered == 2
    assert refreshed(ok_hook).state == MessageState.DELIVERED
    assert refreshed(ok_mail).state == MessageState.DELIVERED
    for failed in (refused, hanging):
        failed = refreshed(failed)
        assert failed.state == MessageState.PENDING and failed.attempts == 1
        assert failed.last_error
    # The hanging receiver cost at most its timeout (0.5 s), not its 3 s.
    hang = DeliveryAttempt.objects.get(message=hanging)
    assert hang.duration_ms < 2500
    assert "timed out" in hang.detail.lower() or "timeout" in hang.detail.lower()


def test_a_hanging_receiver_costs_one_timeout_per_round() -> None:
    with running_receiver() as good, running_receiver(delay_s=3.0) as slow:
        stuck = [enqueue(f"stuck-{i}", address=slow.url()) for i in range(4)]
        ok = enqueue("ok", address=good.url())
        assert delivery.deliver_due() == 1
    assert refreshed(ok).state == MessageState.DELIVERED
    assert len(slow.received) == 1  # tried once this round, the rest wait for the next
    assert sorted(refreshed(m).attempts for m in stuck) == [0, 0, 0, 1]
    assert all(refreshed(m).state == MessageState.PENDING for m in stuck)


def test_an_unreachable_mail_server_is_a_failed_attempt_with_its_reason(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port()
    message = enqueue("smtp-down", channel="email", address="hejtman@kraj.example")
    assert delivery.deliver_due() == 0
    message = refreshed(message)
    assert message.state == MessageState.PENDING and message.attempts == 1
    assert "refused" in message.last_error.lower()


def test_redirects_and_non_http_addresses_are_failures() -> None:
    with running_receiver(status={"/moved": 302}) as rx:
        moved = enqueue("moved", address=rx.url("/moved"))
        sneaky = enqueue("sneaky", address=rx.url())
        OutboxMessage.objects.filter(pk=sneaky.pk).update(address="file:///etc/passwd")
        assert delivery.deliver_due() == 0
    assert [r.path for r in rx.received] == ["/moved"]  # the redirect was not followed
    assert "302" in refreshed(moved).last_error
    assert "http" in refreshed(sneaky).last_error


def test_an_abandoned_lease_makes_the_message_due_again() -> None:
    with running_receiver() as rx:
        message = enqueue("lease", address=rx.url())
        now = timezone.now()
        # A worker claims the row and dies before sending (or before recording).
        claimed = delivery.claim_next(now=now, owner="dead-worker", lease_seconds=60)
        assert claimed is not None and claimed.pk == message.pk
        assert refreshed(message).state == MessageState.SENDING
        # While the lease holds, nobody else sends it.
        assert delivery.deliver_due(now=now + timedelta(seconds=30)) == 0
        assert rx.received == []
        # Once it expires, the next worker takes over.
        assert delivery.deliver_due(now=now + timedelta(seconds=61)) == 1
        # The dead worker comes back and reports late: it must not undo the takeover.
        from straz.notifications.channels import SendResult

        late = delivery.record_outcome(
            claimed, SendResult(False, "HTTP 500"), now=now + timedelta(seconds=62),
            duration_ms=1,
        )
        assert late is False
    message = refreshed(message)
    assert message.state == MessageState.DELIVERED and message.attempts == 2
    assert rx.ids() == [str(message.message_id)]
    outcomes = [a.outcome for a in DeliveryAttempt.objects.filter(message=message).order_by("pk")]
    assert outcomes == ["lost", "delivered", "failed"]
    assert "lease lost" in DeliveryAttempt.objects.filter(message=message).last().detail


def test_a_lost_last_attempt_marks_the_message_failed() -> None:
    message = enqueue("lost-last", address="http://127.0.0.1:9/hook")
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=2)
    assert delivery.claim_next(now=now, owner="w1", lease_seconds=10) is not None
    assert delivery.claim_next(now=now + timedelta(seconds=11), owner="w2", lease_seconds=10) is None
    message = refreshed(message)
    assert message.state == MessageState.FAILED and message.attempts == 3
    assert "worker lost" in message.last_error
    assert AuditEntry.objects.filter(action="outbox.failed").count() == 1


def test_the_worker_runs_the_delivery_job() -> None:
    from straz.core.jobs import registered_jobs, run_worker

    (job,) = [job for job in registered_jobs() if job.name == "deliver-outbox"]
    message = enqueue("worker", channel="email", address="opis@hzs.example")
    run_worker(quiet=True, once=True, jobs=[job])
    assert refreshed(message).state == MessageState.DELIVERED
    assert len(mail.outbox) == 1
