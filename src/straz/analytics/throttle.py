"""The per-address limit on anonymous downloads (ADR 0023); staff are not limited.

It is the citizen-intake mechanism of straz.core.intake: a keyed hash of the address
prefix, a lock per client, the requests counted in a sliding window.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from straz.analytics.models import DownloadHit
from straz.core import intake
from straz.core.config import straz_settings
from straz.core.errors import RateLimited

DOWNLOAD_WINDOW = timedelta(hours=1)


def download_client(ip: str) -> intake.ClientKey:
    """The client's key with the hourly download limit of its network."""
    return intake.client_key(
        ip,
        limit=int(straz_settings().downloads_per_ip_per_hour),
        shared_limit=int(straz_settings().downloads_per_shared_ip_per_hour),
    )


def admit_download(*, ip: str, now: datetime | None = None) -> None:
    """Count one anonymous download, or refuse with 429 when the client used up its hour."""
    now = now or timezone.now()
    client = download_client(ip)
    with transaction.atomic():
        intake.lock_client(client.key)
        newest = list(
            DownloadHit.objects.filter(client_key=client.key, at__gt=now - DOWNLOAD_WINDOW)
            .order_by("-at")
            .values_list("at", flat=True)[: max(client.limit, 0)]
        )
        retry = intake.seconds_until_admitted(
            newest, limit=client.limit, window=DOWNLOAD_WINDOW, now=now
        )
        if retry is not None:
            raise RateLimited(
                ngettext(
                    "You can download at most %(limit)d file an hour from this network. "
                    "Please try again later.",
                    "You can download at most %(limit)d files an hour from this network. "
                    "Please try again later.",
                    client.limit,
                )
                % {"limit": client.limit},
                retry_after=retry,
            )
        DownloadHit.objects.create(client_key=client.key, at=now)


def prune_download_hits(now: datetime | None = None) -> int:
    """Forget downloads that left the window (a periodic job)."""
    now = now or timezone.now()
    deleted, _ = DownloadHit.objects.filter(at__lte=now - DOWNLOAD_WINDOW).delete()
    return deleted
