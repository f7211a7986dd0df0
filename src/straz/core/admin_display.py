"""How the back office shows stored codes and JSON: as they are stored, marked not to translate.

A code (`flood`, `incident.created`) or a JSON document (an audit entry's before/after) is
data, not a word of the interface: it is shown as stored, in a <code>/<pre> element with
`translate="no"` (the HTML standard's mark for content that must not be translated, which
browsers' page translators and the language scan honour).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.http import HttpRequest
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


# Suffix of the read-only stand-in that shows a JSON field as stored (StoredJsonMixin).
AS_STORED = "_as_stored"


class StoredJsonMixin:
    """A ModelAdmin whose JSON fields are read-only and shown as stored, with json_html.

    Each JSON field `facts` is replaced on the page by a read-only `facts_as_stored`, labelled
    with the field's own name; the mixin provides those display functions itself.
    """

    model: Any

    def _json_fields(self) -> dict[str, Any]:
        return {f.name: f for f in self.model._meta.fields if isinstance(f, models.JSONField)}

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        names = self._json_fields()
        fields = super().get_fields(request, obj)  # type: ignore[misc]
        return list(dict.fromkeys(f + AS_STORED if f in names else f for f in fields))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        shown = tuple(name + AS_STORED for name in self._json_fields())
        return (*super().get_readonly_fields(request, obj), *shown)  # type: ignore[misc]

    def __getattr__(self, name: str) -> Any:
        if not name.endswith(AS_STORED):
            raise AttributeError(name)
        field = self._json_fields().get(name.removesuffix(AS_STORED))
        if field is None:
            raise AttributeError(name)

        def shown(obj: Any) -> SafeString | str:
            return json_html(getattr(obj, field.name))

        shown.short_description = field.verbose_name  # type: ignore[attr-defined]
        return shown
