"""How the back office shows stored codes and JSON: as they are stored, marked not to translate.

A code (`flood`, `incident.created`) or a JSON document (an audit entry's before/after) is
data, not a word of the interface: it is shown as stored, in a <code>/<pre> element with
`translate="no"` (the HTML standard's mark for content that must not be translated, which
browsers' page translators and the language scan honour).
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString


def code_html(value: Any) -> SafeString | str:
    """A stored code as code, or an empty string for none."""
    if value in (None, ""):
        return ""
    return format_html('<code translate="no">{}</code>', value)


def json_html(value: Any) -> SafeString | str:
    """A stored JSON value, pretty-printed, or an empty string for none."""
    if value is None:
        return ""
    text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)
    return format_html('<pre translate="no">{}</pre>', text)
