"""The Content-Security-Policy every page is sent with (django-csp; ADR 0021).

Pure functions: settings.py calls :func:`directives` with the configured tile URL, so the
map may load tiles from that one host and nothing else from outside.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from csp.constants import NONE, SELF, UNSAFE_INLINE

_PLACEHOLDER_LABEL = re.compile(r"^\{[^}]*\}$")
_HOST_LABEL = re.compile(r"^(\*|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)$")


def tile_source(tile_url: str) -> str | None:
    """The CSP source (scheme://host[:port]) of a Leaflet tile URL template, or None.

    A first host label that is a placeholder (``{s}.tile.example.org``, Leaflet's
    subdomains) becomes a ``*`` wildcard; anything that is not an absolute http(s) URL with
    a plain host name (empty, relative, another scheme, a placeholder deeper in the host)
    allows no outside host at all.
    """
    parts = urlsplit(tile_url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    netloc = parts.netloc.rsplit("@", 1)[-1]  # never user:password@
    host, _, port = netloc.partition(":")
    labels = host.split(".")
    if _PLACEHOLDER_LABEL.match(labels[0]):
        labels[0] = "*"
    if not all(_HOST_LABEL.match(label) for label in labels) or "*" in labels[1:]:
        return None
    if port and not port.isdigit():
        return None
    return f"{parts.scheme}://{'.'.join(labels)}" + (f":{port}" if port else "")


def directives(tile_url: str) -> dict[str, list[str]]:
    """The policy: only this origin, no plugins, no framing, tiles from the tile host.

    Style *attributes* are allowed (server-side colour swatches, Leaflet's positioning);
    style *elements* and stylesheets come only from this origin.
    """
    tiles = tile_source(tile_url)
    return {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *([tiles] if tiles else [])],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
