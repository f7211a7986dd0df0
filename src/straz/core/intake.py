"""Generic intake protections for anything the public may post: plain texts, uploads
sniffed by content, the client's address behind trusted proxies, per-address limits and
idempotency keys. Knows no domain; a wing's intake (e.g. reports.intake) builds on it.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import ipaddress
import json
import re
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.utils.translation import gettext as _

from straz.core.config import straz_settings
from straz.core.errors import Forbidden, PayloadTooLarge, UnsupportedMediaType, ValidationFailed

# Anything that looks like the start of an HTML/XML tag, a comment or a processing
# instruction. Reports are plain text; markup is refused rather than escaped so that
# nothing a browser might execute is ever stored.
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!?]|&#|javascript\s*:", re.IGNORECASE)
_KEEP_CONTROLS = {"\n", "\t"}


# ---------------------------------------------------------------- texts


def clean_text(value: str | None) -> str:
    """Normalise line ends, drop control characters and unpaired surrogates, trim."""
    if not value:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        # Cc: NUL and friends (PostgreSQL rejects NUL); Cs: lone surrogates cannot be stored.
        if (cat == "Cc" and ch not in _KEEP_CONTROLS) or cat == "Cs":
            continue
        kept.append(ch)
    return "".join(kept).strip()


def contains_markup(text: str) -> bool:
    """True when a text carries HTML/script markup."""
    return bool(_MARKUP.search(text))


def check_text(value: str | None, *, label: str, max_chars: int, field: str | None = None) -> str:
    """A cleaned plain text, or ValidationFailed with a message naming the field."""
    text = clean_text(value)
    if len(text) > max_chars:
        raise ValidationFailed(
            _("The %(field)s may have at most %(max)d characters (it has %(len)d).")
            % {"field": label, "max": max_chars, "len": len(text)},
            field=field,
        )
    if contains_markup(text):
        raise ValidationFailed(
            _("The %(field)s must be plain text; HTML tags and scripts are not allowed.")
            % {"field": label},
            field=field,
        )
    return text


def check_coordinates(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    """Both coordinates within WGS84 range, or None when neither was given."""
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        raise ValidationFailed(
            _("Give both latitude and longitude, or mark the place on the map."), field="location"
        )
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError):
        raise ValidationFailed(_("The coordinates must be numbers."), field="location") from None
    if not (-90.0 <= lat_f <= 90.0) or lat_f != lat_f:
        raise ValidationFailed(
            _("The latitude must be between -90 and 90 degrees."), field="location"
        )
    if not (-180.0 <= lon_f <= 180.0) or lon_f != lon_f:
        raise ValidationFailed(
            _("The longitude must be between -180 and 180 degrees."), field="location"
        )
    return lat_f, lon_f


# ---------------------------------------------------------------- attachments


class UploadLike(Protocol):
    """What we need from an uploaded file (Django's UploadedFile fits)."""

    name: str | None

    def read(self, size: int = ...) -> bytes: ...


@dataclass(frozen=True)
class IncomingAttachment:
    """A file as received: its claimed name and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class SniffedAttachment:
    """A file whose claimed type was read from its first bytes (not decoded yet)."""

    content_type: str
    data: bytes
    # Hash of the bytes as received: tells a retried request from a different one.
    received_sha256: str


@dataclass(frozen=True)
class CheckedAttachment:
    """A file fit to store: images re-encoded without metadata, PDFs without active content.

    It carries no name: the sender's file name is never kept (ADR 0022).
    """

    content_type: str
    extension: str
    data: bytes
    sha256: str
    received_sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def max_attachment_bytes() -> int:
    """The configured attachment size limit."""
    return int(straz_settings().max_attachment_bytes)


def max_image_pixels() -> int:
    """The largest picture (width x height) we agree to decode; bigger ones are bombs."""
    return int(straz_settings().max_image_pixels)


def _too_large() -> PayloadTooLarge:
    limit = max_attachment_bytes()
    return PayloadTooLarge(
        _("The attachment is too large (%(size)s MB at most).")
        % {"size": f"{limit / (1024 * 1024):g}"},
        field="attachment",
    )


def read_upload(upload: UploadLike | IncomingAttachment | None) -> IncomingAttachment | None:
    """Read an upload into memory, refusing it as soon as it passes the size limit."""
    if upload is None:
        return None
    if isinstance(upload, IncomingAttachment):
        if len(upload.data) > max_attachment_bytes():
            raise _too_large()
        return upload
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > max_attachment_bytes():
        raise _too_large()
    data = upload.read(max_attachment_bytes() + 1)
    if len(data) > max_attachment_bytes():
        raise _too_large()
    return IncomingAttachment(name=str(getattr(upload, "name", "") or ""), data=data)


def sniff_type(data: bytes) -> str | None:
    """The type the first bytes claim (still to be verified by decoding)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


_PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "application/pdf": "pdf",
}


def _allowed_types() -> str:
    return _("Attach a photo (JPEG, PNG, WebP) or a PDF document.")


def _damaged() -> ValidationFailed:
    return ValidationFailed(
        _("The attachment is damaged or is not what it claims to be.") + " " + _allowed_types(),
        field="attachment",
    )


def sniff_attachment(incoming: IncomingAttachment | None) -> SniffedAttachment | None:
    """The cheap checks (size, emptiness, magic bytes) that run before any rate limit."""
    if incoming is None:
        return None
    data = incoming.data
    if len(data) > max_attachment_bytes():
        raise _too_large()
    if not data:
        raise ValidationFailed(_("The attachment is empty."), field="attachment")
    claimed = sniff_type(data)
    if claimed is None:
        raise ValidationFailed(
            _("This file type is not accepted.") + " " + _allowed_types(), field="attachment"
        )
    return SniffedAttachment(
        content_type=claimed, data=data, received_sha256=hashlib.sha256(data).hexdigest()
    )


def reencode_image(data: bytes, content_type: str) -> tuple[str, bytes]:
    """Decode a picture and write it afresh: pixels only, turned upright, no metadata.

    Whatever rode along in the file (EXIF with GPS and camera, XMP, ICC profiles,
    comments, PNG text chunks, bytes after the end of the image, HTML of a polyglot) is
    not copied, because only the decoded pixels are written. Returns (type, bytes).
    """
    from PIL import Image, ImageFile, ImageOps  # heavy third-party: loaded on first upload

    # A process-wide Pillow switch that some libraries flip on import (WeasyPrint, which
    # renders the incident report, sets it to True): with it, truncated files decode
    # without error. Uploads must be whole, so it is switched back before every decode.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    limit = max_image_pixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[content_type]]) as im:
                width, height = im.size
                if width <= 0 or height <= 0:
                    raise _damaged()
                # Checked from the header, before a single pixel is decoded.
                if width * height > limit:
                    raise ValidationFailed(
                        _(
                            "The picture has too many pixels (%(pixels)s megapixels at most). "
                            "Please send a smaller photo."
                        )
                        % {"pixels": f"{limit / 1_000_000:g}"},
                        field="attachment",
                    )
                im.load()
                try:
                    upright = ImageOps.exif_transpose(im)
                except Exception:  # unreadable orientation tag: keep the picture as it is
                    upright = im.copy()
    except ValidationFailed:
        raise
    except Exception:  # Pillow raises many types for bad input; any of them means "not an image"
        raise _damaged() from None
    try:
        has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
            upright.mode == "P" and "transparency" in upright.info
        )
        # JPEG stays JPEG; PNG and WebP become PNG when they are transparent, JPEG otherwise.
        target = "image/png" if content_type == "image/png" or has_alpha else "image/jpeg"
        grey = upright.mode in ("1", "L")
        pixels = upright.convert("RGBA" if has_alpha else "L" if grey else "RGB")
        # A fresh image of the same pixels: no info dictionary (exif, icc_profile, comment,
        # text chunks, dpi) can be picked up by the encoder.
        fresh = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
        out = io.BytesIO()
        if target == "image/jpeg":
            fresh.save(out, format="JPEG", quality=90, optimize=True)
        else:
            fresh.save(out, format="PNG", optimize=True)
    except Exception:  # a pixel format Pillow cannot convert: refused like a damaged file
        raise _damaged() from None
    return target, out.getvalue()


# Dictionary keys and action types that make a PDF do something when it is opened or
# clicked: scripts, launching programs, embedded files, rich media, XFA forms (scripts),
# actions on events (/AA). /URI links are allowed.
_PDF_ACTIVE_KEYS = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/AA",
        "/Launch",
        "/EmbeddedFiles",
        "/EmbeddedFile",
        "/EF",
        "/RichMedia",
        "/XFA",
    }
)
_PDF_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/GoToE", "/ImportData", "/Rendition"})
# A document with more objects than this is not a citizen's attachment; walking it is a DoS.
_PDF_MAX_OBJECTS = 200_000


def _pdf_active_content(data: bytes) -> str | None:
    """The first active element a PDF carries (a key such as /JS), '' if none; None if unreadable.

    pypdf parses the file (names written as /J#53 decode to /JS) and every object reachable
    from the trailer, and every object in the cross-reference table, is visited.
    """
    from pypdf import PdfReader  # third-party: loaded on the first PDF only
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return None
        roots: list[Any] = [reader.trailer]
        for generation, entries in reader.xref.items():
            roots.extend(IndirectObject(num, generation, reader) for num in entries)
        roots.extend(IndirectObject(num, 0, reader) for num in reader.xref_objStm)
        seen: set[tuple[int, int]] = set()
        stack = roots
        visited = 0
        while stack:
            item = stack.pop()
            if isinstance(item, IndirectObject):
                ref = (item.idnum, item.generation)
                if ref in seen:
                    continue
                seen.add(ref)
                item = item.get_object()
            visited += 1
            if visited > _PDF_MAX_OBJECTS:
                return None
            if isinstance(item, DictionaryObject):
                for key, value in item.items():
                    if key in _PDF_ACTIVE_KEYS:
                        return str(key)
                    if (
                        key == "/S"
                        and isinstance(value, NameObject)
                        and value in _PDF_ACTIVE_ACTIONS
                    ):
                        return str(value)
                    stack.append(value)
            elif isinstance(item, ArrayObject):
                stack.extend(item)
    except Exception:  # pypdf raises many types for broken files; any means "unreadable"
        return None
    return ""


def check_pdf(data: bytes) -> bytes:
    """The PDF as received, when pypdf reads it and it carries no active content."""
    found = _pdf_active_content(data)
    if found is None:
        raise ValidationFailed(
            _("The PDF could not be read (it is damaged or encrypted).") + " " + _allowed_types(),
            field="attachment",
        )
    if found:
        raise ValidationFailed(
            _(
                "PDF documents with scripts, embedded files or automatic actions are not "
                "accepted. Please print it to a new PDF or send a photo of it."
            ),
            field="attachment",
        )
    return data


def sanitise_attachment(sniffed: SniffedAttachment | None) -> CheckedAttachment | None:
    """Decode and rewrite a sniffed file (run only after the rate limit admitted the request)."""
    if sniffed is None:
        return None
    if sniffed.content_type == "application/pdf":
        content_type, data = "application/pdf", check_pdf(sniffed.data)
    else:
        content_type, data = reencode_image(sniffed.data, sniffed.content_type)
    return CheckedAttachment(
        content_type=content_type,
        extension=_EXTENSIONS[content_type],
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        received_sha256=sniffed.received_sha256,
    )


def check_attachment(incoming: IncomingAttachment | None) -> CheckedAttachment | None:
    """Sniff, then decode and rewrite a file in one go (for callers with no rate limit)."""
    return sanitise_attachment(sniff_attachment(incoming))


# ---------------------------------------------------------------- who sends the request


def is_json_media_type(content_type: str) -> bool:
    """True for application/json and the application/*+json family."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def require_json(request: HttpRequest) -> None:
    """Refuse a body that is not declared as JSON (415).

    A page of another site can send `text/plain` (or a form) from a visitor's browser
    without asking the browser's permission; `application/json` needs a CORS preflight,
    which this site does not grant, so requiring it stops cross-site submissions.
    """
    if not is_json_media_type(str(request.META.get("CONTENT_TYPE") or "")):
        raise UnsupportedMediaType(
            _("Send the request body as JSON with the header Content-Type: application/json.")
        )


def require_multipart(request: HttpRequest) -> None:
    """Refuse a form that is not multipart/form-data (415)."""
    media = str(request.META.get("CONTENT_TYPE") or "").split(";", 1)[0].strip().lower()
    if media != "multipart/form-data":
        raise UnsupportedMediaType(
            _("Send the form with the header Content-Type: multipart/form-data.")
        )


def _origin_of(url: str) -> tuple[str, str] | None:
    """(scheme, host[:port]) of an absolute URL, lower-cased; None when it has none."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return parts.scheme.lower(), parts.netloc.lower()


def check_browser_origin(request: HttpRequest) -> None:
    """Refuse (403) a browser request sent from another site's page.

    Browsers name the page that sent a request in `Origin` (or at least `Referer`). It
    must be this site's own host, one of STRAZ_ALLOWED_ORIGINS or CSRF_TRUSTED_ORIGINS.
    Requests naming no page at all come from programs, not from a visitor's browser.
    """
    origin = str(request.META.get("HTTP_ORIGIN") or "").strip()
    sender = origin or str(request.META.get("HTTP_REFERER") or "").strip()
    if not sender:
        return
    parsed = _origin_of(sender)
    if parsed is not None:
        scheme, host = parsed
        # Scheme aside: behind a TLS proxy the app may see http for an https page.
        if host == request.get_host().lower():
            return
        allowed = {
            _origin_of(o)
            for o in (*straz_settings().allowed_origins, *getattr(settings, "CSRF_TRUSTED_ORIGINS", []))
        }
        if (scheme, host) in allowed:
            return
    raise Forbidden(
        _("Reports can only be sent from this site's own pages or an allowed application.")
    )


# ---------------------------------------------------------------- client identity


def _parse_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(value.strip().split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _networks(items: tuple[str, ...]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The parseable networks of a configured list (a single address is a /32 or /128)."""
    networks = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(str(item).strip(), strict=False))
        except ValueError:
            continue
    return networks


def _in_networks(address: str, items: tuple[str, ...]) -> bool:
    parsed = _parse_ip(address)
    return parsed is not None and any(
        parsed.version == net.version and parsed in net for net in _networks(items)
    )


def is_trusted_proxy(address: str) -> bool:
    """True when `address` is one of the configured reverse proxies (STRAZ_TRUSTED_PROXIES)."""
    return _in_networks(address, straz_settings().trusted_proxies)


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For as written by trusted proxies.

    X-Forwarded-For is believed only when the request comes from a configured proxy
    address (STRAZ_TRUSTED_PROXIES) and STRAZ_TRUSTED_PROXY_COUNT > 0; a client reaching
    the application port directly is taken at its REMOTE_ADDR whatever it writes (ADR 0027).
    Walking the header from the right, entries added by further trusted proxies are
    skipped up to the configured count; the first other entry is the client.
    """
    remote = str(request.META.get("REMOTE_ADDR") or "")
    parsed_remote = _parse_ip(remote)
    fallback = str(parsed_remote) if parsed_remote is not None else "0.0.0.0"  # noqa: S104 - a placeholder, never bound
    hops = int(straz_settings().trusted_proxy_count)
    if hops <= 0 or not is_trusted_proxy(remote):
        return fallback
    forwarded = [
        p.strip() for p in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if p.strip()
    ]
    # Each trusted proxy appends the address it saw; entries left of those are
    # written by the client and cannot be trusted.
    if len(forwarded) < hops:
        return fallback
    for seen in range(1, hops + 1):
        candidate = _parse_ip(forwarded[-seen])
        if candidate is None:
            return fallback
        if seen < hops and is_trusted_proxy(str(candidate)):
            continue  # another of our proxies: the client is further left
        return str(candidate)
    return fallback


@dataclass(frozen=True)
class ClientKey:
    """A keyed hash of the client's rate-limit prefix and the limit that applies to it."""

    key: str
    shared: bool
    limit: int


def rate_limit_prefix(ip: str) -> str:
    """The unit limits apply to: the IPv4 address or the IPv6 /64 network."""
    parsed = _parse_ip(ip)
    if parsed is None:
        return "invalid"
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


def client_key(ip: str, *, limit: int, shared_limit: int) -> ClientKey:
    """Keyed HMAC of the prefix (so stored keys reveal no address) with the limit that applies."""
    prefix = rate_limit_prefix(ip)
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"rate-limit:{prefix}".encode(), hashlib.sha256
    ).hexdigest()
    shared = _in_networks(ip, straz_settings().shared_ip_ranges)
    return ClientKey(key=digest, shared=shared, limit=shared_limit if shared else limit)


def lock_client(key: str) -> None:
    """Serialise submissions of one client inside the current transaction.

    SQLite transactions here begin IMMEDIATE and so already hold the database write lock;
    on PostgreSQL a transaction-scoped advisory lock on the key does the same per client,
    so two concurrent posts cannot both pass the count below.
    """
    if connection.vendor == "postgresql":
        lock_id = int.from_bytes(bytes.fromhex(key[:16]), "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


def seconds_until_admitted(
    newest: list[datetime], *, limit: int, window: timedelta, now: datetime
) -> int | None:
    """None when one more request fits the per-client limit, else seconds until one does.

    `newest` are the client's counted requests inside the window, newest first (the first
    `limit` of them suffice): one more fits once the limit-th newest has left the window.
    """
    if len(newest) < limit:
        return None
    if limit <= 0:
        return int(window.total_seconds())
    return max(1, int((newest[limit - 1] + window - now).total_seconds()) + 1)


def request_fingerprint(payload: dict[str, Any], attachment_sha256: str | None = None) -> str:
    """A hash of what a request asked for, to tell a retry from a different request."""
    body = json.dumps(
        {**payload, "_attachment": attachment_sha256},
        sort_keys=True,
        default=str,
        ensure_ascii=True,
    )
    return hashlib.sha256(body.encode()).hexdigest()


_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


def check_idempotency_key(value: str | None) -> str | None:
    """A usable Idempotency-Key (printable ASCII, ≤ 200 chars) or None when absent."""
    if value is None or value == "":
        return None
    if not _IDEMPOTENCY_KEY.match(value):
        raise ValidationFailed(
            _("The Idempotency-Key header must be 1 to 200 printable ASCII characters.")
        )
    return value
