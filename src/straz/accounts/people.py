"""How a person is named in documents and records: the one home of that format."""

from __future__ import annotations

from typing import Any


def person_name(user: Any) -> str:
    """'rank first-name surname' with what is known (e.g. "kpt. Jan Novák"); the username
    when the account has no name."""
    if user is None:
        return ""
    name = " ".join(p for p in (user.first_name.strip(), user.last_name.strip()) if p)
    if not name:
        return str(user.get_username())
    rank = (getattr(user, "rank", "") or "").strip()
    return f"{rank} {name}" if rank else name


def person_label(user: Any) -> str:
    """The person with function and organisation when known, as documents name the one who
    acted (e.g. "kpt. Jan Novák (velitel družstva, HZS Plzeňského kraje)")."""
    if user is None:
        return ""
    head = person_name(user)
    if head == user.get_username():
        return head
    extra = [
        p.strip() for p in (getattr(user, "function", ""), getattr(user, "organisation", "")) if p and p.strip()
    ]
    return f"{head} ({', '.join(extra)})" if extra else head


def shown_author(label: str, user: Any) -> str:
    """The author of a record as a document shows it: the name stored then, or, for rows
    that stored only a username, the person behind that account now."""
    if user is not None and label == user.get_username():
        return person_label(user)
    return label
