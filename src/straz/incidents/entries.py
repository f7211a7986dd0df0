"""The one home of the automatic timeline texts: message codes, their parameters, rendering.

Services store an automatic timeline entry as a message code with JSON parameters
(`TimelineEntry.code` / `params`), never as text in the acting user's language; pages, the
API, the §16(4) report and its PDF render it through `entry_text` in the language active
when it is read (ADR 0031). Text typed by a person stays in `TimelineEntry.text`, as typed.

A parameter is a plain value (a name, a number), or one of:
- `label(kind, value)`: a choice value shown by its translated label (state, component ...);
- `at(datetime)`: a local time;
- `message(code, ...)`: a nested message (e.g. one change among several);
- `joined([...], sep)`: several parameters joined.
The message code `"sentences"` is several messages one after another.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from straz.incidents.choices import (
    ComponentKind,
    CoordinationLevel,
    IncidentState,
    SiteFeatureKind,
)
from straz.notifications.models import ContactRole

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
SHORT_TIME_FORMAT = "%H:%M"
SENTENCES = "sentences"

# ---------------------------------------------------------------- the catalogue

# Plain (untranslated) templates: shapes that only arrange other parameters.
_PLAIN: dict[str, str] = {
    "site.feature_named": "%(kind)s “%(name)s”",
    "site.feature": "%(kind)s",
}

MESSAGES: dict[str, Promise | str] = {
    **_PLAIN,
    # incident record
    "incident.recorded": _("Incident recorded."),
    "incident.facts_updated": _("Facts of the incident updated."),
    "incident.state_changed": _("State: %(state)s."),
    "area.cleared": _("Affected area cleared."),
    "area.drawn": _("Affected area drawn."),
    "area.redrawn": _("Affected area redrawn."),
    "coordination.changed": _("Coordination level: %(before)s → %(after)s."),
    # alarm levels (§20–§24) and notices (§23(2))
    "alarm.proposed_now": _("The proposed alarm level is now %(level)s."),
    "alarm.declared": _("Alarm level %(level)s declared (proposed %(proposed)s)."),
    "alarm.declared_territory": _("Alarm level %(level)s declared for the territory “%(name)s”."),
    "alarm.no_contact": _("No notification contact is set up for: %(whom)s. Notify them by other means."),
    "alarm.other_means": _(
        "Whom to notify could not be determined from the location (%(whom)s); "
        "the dispatcher confirmed notifying them by other means."
    ),
    "notice.proposed": _(
        "Notices proposed under §23(2), awaiting the decision of the duty officer "
        "(or the commander's request for the ORP mayor): %(whom)s."
    ),
    "notice.requested": _("The incident commander %(name)s requested at %(at)s that %(whom)s be notified (§23(2))."),
    "notice.decided_send": _("The duty officer %(name)s decided at %(at)s that %(whom)s be notified (§23(2))."),
    "notice.decided_not": _("The duty officer %(name)s decided at %(at)s that %(whom)s not be notified (§23(2))."),
    "notice.handed_over": _("Notice to %(whom)s handed to the outbox for delivery (messages: %(count)s)."),
    "notice.unreachable": _("No notification contact could be reached for %(whom)s. Notify them by other means."),
    # events (§20(3))
    "event.grouped": _("Grouped into the event “%(name)s”."),
    "event.priorities_set": _("Priorities between the sites set."),
    "event.priority": _("Priority within the event “%(name)s”: %(rank)s."),
    # calls (§12)
    "call.received": _("Emergency call received by %(centre)s."),
    "call.forwarded": _("Call forwarded to %(centre)s%(opis)s."),
    "call.not_competent": _("Not the competent centre for this call (%(competent)s)."),
    # command (§3)
    "command.assigned": _("%(name)s commands the intervention."),
    "command.successor": _("Successor named: %(name)s."),
    "command.taken_over": _("%(new)s: “%(words)s” (took over from %(old)s at %(at)s)."),
    # components (§4)
    "component.called": _("Component called: %(kind)s %(unit)s."),
    "component.checked_in": _("%(kind)s checked in: leader %(leader)s, %(people)s people, %(vehicles)s vehicles."),
    "component.left": _("%(kind)s left the site (leader %(leader)s)."),
    "component.left_at_close": _("%(kind)s left the site (leader %(leader)s): the intervention ended."),
    # §16(2) report reminders
    "report.reminder_overdue": _("Incident report overdue: %(title)s"),
    "report.reminder_due": _("Incident report due soon: %(title)s"),
    # site division (§5)
    "site.drawn": _("%(kind)s drawn%(name)s."),
    "site.changed": _("%(feature)s changed: %(changes)s."),
    "site.removed": _("%(feature)s removed from the site."),
    "site.change_kind": _("kind %(before)s → %(after)s"),
    "site.change_name": _("name “%(before)s” → “%(after)s”"),
    "site.change_sector": _("sector %(before)s → %(after)s"),
    "site.moved": _("moved"),
    "site.redrawn": _("redrawn"),
}

# Older wordings kept only to read rows written before the codes (the data migration).
LEGACY: dict[str, Sequence[Promise | str]] = {
    "incident.state_changed": ["%(state)s"],
}


def _choice_labels(choices: Any) -> Callable[[str], str]:
    def label_of(value: str) -> str:
        return str(dict(choices.choices).get(value, value))

    return label_of


LABELS: dict[str, Callable[[str], str]] = {
    "state": _choice_labels(IncidentState),
    "component": _choice_labels(ComponentKind),
    "feature": _choice_labels(SiteFeatureKind),
    "coordination": _choice_labels(CoordinationLevel),
    "role": _choice_labels(ContactRole),
}

# ---------------------------------------------------------------- building


def message(code: str, **params: Any) -> dict[str, Any]:
    """An automatic text: a catalogue code with its parameters (plain JSON)."""
    if code not in MESSAGES and code != SENTENCES:
        raise KeyError(f"unknown timeline message code {code!r}")
    return {"code": code, "params": params}


def sentences(*parts: dict[str, Any] | None) -> dict[str, Any]:
    """Several messages read one after another; a single one stays itself."""
    kept = [p for p in parts if p]
    return kept[0] if len(kept) == 1 else {"code": SENTENCES, "params": {"parts": kept}}


def label(kind: str, value: str) -> dict[str, str]:
    """A choice value shown by its label in the reader's language."""
    if kind not in LABELS:
        raise KeyError(f"unknown label kind {kind!r}")
    return {"label": kind, "value": str(value)}


def labels(kind: str, values: Iterable[str]) -> dict[str, Any]:
    """Several distinct choice values, each by its label, joined with commas."""
    return joined([label(kind, v) for v in dict.fromkeys(values)])


def at(value: datetime, *, short: bool = False) -> dict[str, str]:
    """A time shown in the site's zone when read."""
    return {"time": value.isoformat(), "format": "short" if short else "full"}


def joined(items: Sequence[Any], sep: str = ", ") -> dict[str, Any]:
    return {"join": list(items), "sep": sep}


# ---------------------------------------------------------------- rendering


def _value(value: Any) -> str:
    if isinstance(value, dict):
        if "code" in value:
            return render(str(value["code"]), value.get("params") or {})
        if "label" in value:
            kind = LABELS.get(str(value["label"]))
            return kind(str(value.get("value", ""))) if kind else str(value.get("value", ""))
        if "time" in value:
            when = parse_datetime(str(value["time"]))
            if when is None:
                return str(value["time"])
            fmt = SHORT_TIME_FORMAT if value.get("format") == "short" else TIME_FORMAT
            return timezone.localtime(when).strftime(fmt)
        if "join" in value:
            return str(value.get("sep", ", ")).join(_value(v) for v in value["join"])
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    return "" if value is None else str(value)


def render(code: str, params: Mapping[str, Any]) -> str:
    """A message in the active language; an unknown code shows the code itself."""
    if code == SENTENCES:
        return " ".join(filter(None, (_value(p) for p in params.get("parts", []))))
    template = MESSAGES.get(code)
    if template is None:
        return code
    values = {key: _value(v) for key, v in params.items()}
    text = str(template)
    if not values:
        return text
    try:
        return text % values
    except (KeyError, ValueError, TypeError):
        # A translation that lost a placeholder must not hide the entry.
        return text


class _Entry(Protocol):
    code: str
    params: Any
    text: str


def entry_text(entry: _Entry, *, language: str | None = None) -> str:
    """What a timeline entry says: its automatic message in the reader's language, then
    the words a person typed, as typed."""
    if language is not None:
        with translation.override(language):
            return entry_text(entry)
    auto = render(entry.code, entry.params or {}) if entry.code else ""
    return " ".join(part for part in (auto, entry.text) if part)


# ---------------------------------------------------------------- reading old rows


def _pattern(template: str, choices: Mapping[str, Sequence[str]]) -> re.Pattern[str]:
    """A regular expression matching the template; choice parameters match only their labels."""
    parts = re.split(r"%\((\w+)\)s", template)
    regex = ""
    for i, part in enumerate(parts):
        if i % 2 == 0:
            regex += re.escape(part)
        elif part in choices:
            names = sorted(choices[part], key=len, reverse=True)
            regex += f"(?P<{part}>" + "|".join(re.escape(n) for n in names) + ")"
        else:
            regex += f"(?P<{part}>.+?)"
    return re.compile(regex + r"\Z", re.DOTALL)


# The parameters of old rows that were choice labels, to be turned back into values.
_LEGACY_LABELS: dict[str, dict[str, str]] = {
    "incident.state_changed": {"state": "state"},
    "coordination.changed": {"before": "coordination", "after": "coordination"},
    "component.called": {"kind": "component"},
    "component.checked_in": {"kind": "component"},
    "component.left": {"kind": "component"},
    "component.left_at_close": {"kind": "component"},
    "site.drawn": {"kind": "feature"},
}


_CHOICES: dict[str, Any] = {
    "state": IncidentState,
    "component": ComponentKind,
    "feature": SiteFeatureKind,
    "coordination": CoordinationLevel,
    "role": ContactRole,
}


@lru_cache(maxsize=8)
def _patterns(language: str) -> list[tuple[str, re.Pattern[str], dict[str, str], dict[str, dict[str, str]]]]:
    """Each catalogue text of one language as a pattern (built once: the migration reads many rows)."""
    found = []
    with translation.override(language):
        for code, template in MESSAGES.items():
            if code in _PLAIN:
                continue
            kinds = _LEGACY_LABELS.get(code, {})
            by_label = {name: {str(n): str(v) for v, n in _CHOICES[kind].choices} for name, kind in kinds.items()}
            for candidate in [template, *LEGACY.get(code, [])]:
                pattern = _pattern(str(candidate), {k: list(v) for k, v in by_label.items()})
                found.append((code, pattern, kinds, by_label))
    return found


def _parse_one(text: str, languages: Sequence[str]) -> dict[str, Any] | None:
    for language in languages:
        for code, pattern, kinds, by_label in _patterns(language):
            match = pattern.match(text)
            if match is None:
                continue
            params: dict[str, Any] = dict(match.groupdict())
            for name, kind in kinds.items():
                params[name] = label(kind, by_label[name][params[name]])
            return message(code, **params)
    return None


def parse_legacy(text: str, languages: Sequence[str]) -> dict[str, Any] | None:
    """An old frozen text read back as a message, when it is one catalogue text or several
    one after another (in one of `languages`) whose parameters can be recovered; else None,
    and the row keeps its text."""
    text = text.strip()
    if not text:
        return None
    whole = _parse_one(text, languages)
    if whole is not None:
        return whole
    # Several sentences: split after a full stop or bracket followed by a space.
    for split in re.finditer(r"(?<=[.)]) ", text):
        head = _parse_one(text[: split.start()], languages)
        if head is None:
            continue
        tail = parse_legacy(text[split.end() :], languages)
        if tail is not None:
            rest = tail["params"]["parts"] if tail["code"] == SENTENCES else [tail]
            return {"code": SENTENCES, "params": {"parts": [head, *rest]}}
    return None
