"""Open311 GeoReport v2 wire format: the same objects as JSON or as XML in GeoReport element names."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from lxml import etree

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
FORMATS = ("xml", "json")

# XML names of list items: <attributes><attribute/>…, <values><value/>…, etc.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 cannot carry at all; dropped rather than failing the whole answer.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class Open311Error(Exception):
    """An error answered as a GeoReport error list; `description` is already translated."""

    def __init__(
        self, status: int, description: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = str(description)
        self.headers = dict(headers or {})


def iso_datetime(value: datetime | None) -> str | None:
    """An aware timestamp as ISO 8601 with the local offset (as GeoReport examples show)."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _xml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _XML_ILLEGAL.sub("", str(value))


def _xml_fill(parent: etree._Element, value: Any, tag: str) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _xml_fill(etree.SubElement(parent, key), child, key)
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        item_tag = ITEM_TAGS.get(tag, "item")
        for child in value:
            _xml_fill(etree.SubElement(parent, item_tag), child, item_tag)
    elif value is not None:
        parent.text = _xml_text(value)


def to_xml(root: str, items: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> bytes:
    """A GeoReport XML document: `<root><item>…</item></root>` (or a single object as root)."""
    element = etree.Element(root)
    _xml_fill(element, items, root)
    return bytes(etree.tostring(element, xml_declaration=True, encoding="utf-8"))


def render(
    fmt: str,
    root: str,
    payload: Sequence[Mapping[str, Any]] | Mapping[str, Any],
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    """Answer in the requested format; JSON carries the list (or object) itself."""
    if fmt == "xml":
        response = HttpResponse(to_xml(root, payload), content_type=XML_TYPE, status=status)
    else:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        response = HttpResponse(body.encode("utf-8"), content_type=JSON_TYPE, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    # Other systems call Open311 from browsers too (read-only data is public anyway).
    response["Access-Control-Allow-Origin"] = "*"
    return response


def render_error(fmt: str, error: Open311Error) -> HttpResponse:
    """A GeoReport error list: `[{code, description}]` / `<errors><error>…`."""
    payload = [{"code": error.status, "description": error.description}]
    return render(fmt, "errors", payload, status=error.status, headers=error.headers)
