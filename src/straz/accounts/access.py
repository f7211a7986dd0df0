"""Access levels: `restrict(queryset, user, action)` and its read audit.

A wing registers, per model and action, the rule that narrows a queryset to what a user
may read (its policy decides; this module names no role and knows no wing). Rows fetched
through a restricted queryset are recorded in the read audit (`ReadEntry`): who read which
rows of what, and when. An action nobody registered is refused, never silently allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from straz.accounts.models import ReadEntry, User

M = TypeVar("M", bound=models.Model)
Rule = Callable[[QuerySet[Any], User], QuerySet[Any]]

_RULES: dict[tuple[type[models.Model], str], Rule] = {}


class UnknownAction(LookupError):
    """restrict() was asked for an action no policy registered for that model."""


def register_restriction(model: type[models.Model], action: str, rule: Rule) -> None:
    """Declare how `action` on `model` is narrowed for a user (called from AppConfig.ready)."""
    _RULES[(model, action)] = rule


def record_read(user: User | None, action: str, object_type: str, object_ids: list[Any]) -> None:
    """Append one read-audit entry (nothing when nothing was read)."""
    if not object_ids:
        return
    ReadEntry.objects.create(
        at=timezone.now(),
        user=user if user is not None and user.pk else None,
        user_label=user.get_username() if user is not None else "",
        action=action,
        object_type=object_type,
        object_ids=[str(i) for i in object_ids],
    )


class _AuditedMixin:
    """Records the primary keys of the rows a queryset fetched, once per evaluation."""

    _straz_read: tuple[User, str] | None = None
    _result_cache: list[Any] | None

    def _clone(self) -> Any:
        clone = super()._clone()  # type: ignore[misc]
        clone._straz_read = self._straz_read
        return clone

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None
        super()._fetch_all()  # type: ignore[misc]
        if fresh and self._straz_read is not None and self._result_cache:
            user, action = self._straz_read
            ids = [row.pk for row in self._result_cache if isinstance(row, models.Model)]
            record_read(user, action, self.model._meta.label, ids)  # type: ignore[attr-defined]


_AUDITED: dict[type[QuerySet[Any]], type[QuerySet[Any]]] = {}


def _audited_class(cls: type[QuerySet[Any]]) -> type[QuerySet[Any]]:
    if issubclass(cls, _AuditedMixin):
        return cls
    if cls not in _AUDITED:
        _AUDITED[cls] = type(f"Audited{cls.__name__}", (_AuditedMixin, cls), {})
    return _AUDITED[cls]


def restrict(queryset: QuerySet[M], user: User, action: str) -> QuerySet[M]:
    """`queryset` narrowed to what `user` may `action`; fetching its rows is read-audited."""
    rule = _RULES.get((queryset.model, action))
    if rule is None:
        raise UnknownAction(f"no restriction registered for {queryset.model._meta.label}/{action}")
    narrowed: QuerySet[M] = rule(queryset, user)
    narrowed = narrowed._chain()  # type: ignore[attr-defined]
    narrowed.__class__ = _audited_class(type(narrowed))
    narrowed._straz_read = (user, action)  # type: ignore[attr-defined]
    return narrowed
