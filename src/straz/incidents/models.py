"""Joint interventions of the IZS (Decree 328/2001): incidents, events, alarm declarations,
command, components, site division, timeline and forwarded calls."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from straz.incidents.choices import (
    BASIC_COMPONENTS,
    AlarmLevelValue,
    CallType,
    CentreComponent,
    CommandStart,
    ComponentKind,
    ComponentOrigin,
    ComponentsInvolved,
    CoordinationLevel,
    IncidentReportStatus,
    IncidentState,
    NoticeBasis,
    NoticeStatus,
    ReportRecipient,
    SiteCoordination,
    SiteFeatureKind,
    SiteMessageLetter,
    TimelineKind,
)


def _when(moment: Any) -> str:
    """A moment as record titles show it: the reader's language and the local time (ADR 0035)."""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else ""


class IncidentType(models.Model):
    """A standard joint activity (typová činnost, §18): the configurable list of incident types."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_cs = models.CharField(_("name (Czech)"), max_length=150)
    name_pl = models.CharField(_("name (Polish)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("incident type")
        verbose_name_plural = _("incident types")

    def __str__(self) -> str:
        return self.name

    def name_in(self, language: str | None) -> str:
        """Name in a language (cs, pl, en), falling back to Czech."""
        lang = (language or "cs")[:2]
        return getattr(self, f"name_{lang}", "") or self.name_cs

    @property
    def name(self) -> str:
        return self.name_in(get_language())


class IncidentEvent(models.Model):
    """An event for a territory with more than one site (§20(3)), with its own level (§13 e)."""

    name = models.CharField(_("name"), max_length=200)
    region_code = models.CharField(_("region code"), max_length=20, blank=True, default="")
    orp_code = models.CharField(_("ORP code"), max_length=20, blank=True, default="")
    alarm_level = models.CharField(
        _("alarm level"), max_length=8, choices=AlarmLevelValue.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("event (territory)")
        verbose_name_plural = _("events (territory)")

    def __str__(self) -> str:
        return self.name


class Incident(models.Model):
    """A mimořádná událost: one site of a joint intervention."""

    type = models.ForeignKey(
        IncidentType, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("type")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, default="")
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    affected_area = models.JSONField(_("affected area"), null=True, blank=True)
    # The facts the alarm-level rule reads (rules.IncidentFacts).
    persons_threatened = models.PositiveIntegerField(_("persons threatened"), null=True, blank=True)
    area_m2 = models.FloatField(_("threatened area (m²)"), null=True, blank=True)
    complicated_objects = models.PositiveIntegerField(_("objects with complicated intervention conditions"), default=0)
    threatened = models.JSONField(_("what is threatened"), default=list, blank=True)
    components = models.CharField(
        _("components involved"),
        max_length=40,
        choices=ComponentsInvolved.choices,
        default=ComponentsInvolved.BASIC_UNCOORDINATED,
    )
    site_coordination = models.CharField(
        _("coordination at the site"),
        max_length=40, choices=SiteCoordination.choices, default=SiteCoordination.NONE
    )
    coordination_level = models.CharField(
        _("coordination level"),
        max_length=20,
        choices=CoordinationLevel.choices,
        default=CoordinationLevel.TACTICAL,
    )
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=IncidentState.choices,
        default=IncidentState.REPORTED,
        db_index=True,
    )
    alarm_level = models.CharField(
        _("alarm level"), max_length=8, choices=AlarmLevelValue.choices, blank=True, default=""
    )
    rescue_started_at = models.DateTimeField(_("rescue work started"), null=True, blank=True)
    rescue_ended_at = models.DateTimeField(_("rescue work ended"), null=True, blank=True)
    region_code = models.CharField(_("region code"), max_length=20, blank=True, default="")
    orp_code = models.CharField(_("ORP code"), max_length=20, blank=True, default="")
    event = models.ForeignKey(
        IncidentEvent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
        verbose_name=_("event"),
    )
    # §7 b): priority among the sites of its event, 1 = first.
    priority = models.PositiveIntegerField(_("priority within the event"), null=True, blank=True)
    # The command assignment in force (denormalised so the board needs no subquery).
    current_command = models.ForeignKey(
        "CommandAssignment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("current command"),
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def facts_dict(self) -> dict[str, Any]:
        """The facts the alarm-level rule reads, as plain values."""
        return {
            "persons_threatened": self.persons_threatened,
            "area_m2": self.area_m2,
            "complicated_objects": self.complicated_objects,
            "threatened": sorted(self.threatened or []),
            "components": self.components,
            "coordination": self.site_coordination,
        }


class AlarmDeclaration(models.Model):
    """A declared alarm level (§20) for an incident or for an event's territory."""

    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="declarations",
        verbose_name=_("incident"),
    )
    event = models.ForeignKey(
        IncidentEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="declarations",
        verbose_name=_("event"),
    )
    level = models.CharField(_("level"), max_length=8, choices=AlarmLevelValue.choices)
    proposed_level = models.CharField(_("proposed level"), max_length=8, choices=AlarmLevelValue.choices)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    # Required when the declared level is lower than the proposed one.
    written_reason = models.TextField(_("written reason"), blank=True, default="")
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("declared by (account)"),
    )
    declared_by_label = models.CharField(_("declared by"), max_length=150)
    declared_at = models.DateTimeField(_("declared at"))

    @property
    def declared_by_shown(self) -> str:
        """Who declared the level, as documents name people (accounts.people)."""
        from straz.accounts.people import shown_author

        return shown_author(self.declared_by_label, self.declared_by)

    class Meta:
        ordering = ["declared_at", "id"]
        verbose_name = _("alarm level declaration")
        verbose_name_plural = _("alarm level declarations")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(incident__isnull=False, event__isnull=True)
                    | models.Q(incident__isnull=True, event__isnull=False)
                ),
                name="alarm_declaration_incident_xor_event",
            )
        ]

    def __str__(self) -> str:
        return str(
            _("%(level)s declared %(at)s – %(subject)s")
            % {"level": self.get_level_display(), "at": _when(self.declared_at), "subject": self.incident or self.event}
        )


class NoticeProposal(models.Model):
    """A §23(2) notice Straz proposes when level III is declared; sent only once decided (ADR 0028).

    The OPIS notifies the hejtman on the decision of the regional fire brigade's duty
    officer, and the ORP mayor the same way or at the commander's request: the row keeps
    who decided (or requested) and when, who recorded it, and what the outbox was given.
    """

    declaration = models.ForeignKey(AlarmDeclaration, on_delete=models.CASCADE, related_name="notice_proposals", verbose_name=_("declaration"))
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="notice_proposals",
        verbose_name=_("incident"),
    )
    event = models.ForeignKey(
        IncidentEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="notice_proposals",
        verbose_name=_("event"),
    )
    rule = models.CharField(_("legal basis"), max_length=20)
    role = models.CharField(_("role"), max_length=20)
    status = models.CharField(_("status"), max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.PROPOSED)
    proposed_at = models.DateTimeField(_("proposed at"))
    basis = models.CharField(_("basis of the notice"), max_length=20, choices=NoticeBasis.choices, blank=True, default="")
    # The duty officer who decided, or the commander who asked (a person, not necessarily a user).
    decided_by_name = models.CharField(_("decided by"), max_length=150, blank=True, default="")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("recorded by (account)"),
    )
    recorded_by_label = models.CharField(_("recorded by"), max_length=150, blank=True, default="")
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    # What enqueue_notifications wrote (messages, or the gaps: no contact, bad address).
    sent = models.JSONField(_("messages written"), default=list, blank=True)

    class Meta:
        ordering = ["proposed_at", "id"]
        verbose_name = _("proposed notice")
        verbose_name_plural = _("proposed notices")
        indexes = [models.Index(fields=["status", "incident"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(incident__isnull=False, event__isnull=True)
                    | models.Q(incident__isnull=True, event__isnull=False)
                ),
                name="notice_proposal_incident_xor_event",
            )
        ]

    def __str__(self) -> str:
        return str(
            _("Notice (%(rule)s) proposed %(at)s – %(status)s")
            % {"rule": self.rule, "at": _when(self.proposed_at), "status": self.get_status_display()}
        )

    @property
    def is_pending(self) -> bool:
        return self.status == NoticeStatus.PROPOSED


class CommandAssignment(models.Model):
    """One commander's term at an incident, with the briefing and declaration that began it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="commands", verbose_name=_("incident"))
    commander_name = models.CharField(_("commander"), max_length=150)
    commander_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("commander's account"),
    )
    commander_component = models.CharField(_("commander's component"), max_length=40, blank=True, default="")
    successor_name = models.CharField(_("successor"), max_length=150, blank=True, default="")
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    how = models.CharField(_("how command began"), max_length=30, choices=CommandStart.choices)
    # §3(7): what the outgoing commander briefed (or what the new one found).
    briefing_situation = models.TextField(_("briefing: situation"), blank=True, default="")
    briefing_aim = models.TextField(_("briefing: aim"), blank=True, default="")
    briefing_priorities = models.TextField(_("briefing: priorities"), blank=True, default="")
    takeover_declaration = models.CharField(_("takeover declaration"), max_length=300, blank=True, default="")
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("previous command"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("recorded by (account)"),
    )

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("command assignment")
        verbose_name_plural = _("command assignments")

    def __str__(self) -> str:
        return str(
            _("%(commander)s in command from %(at)s – %(incident)s")
            % {"commander": self.commander_name, "at": _when(self.started_at), "incident": self.incident}
        )


class ComponentDeployment(models.Model):
    """A component called to an incident; its arrival (check-in, §4(2)) and departure (§6 h)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="deployments", verbose_name=_("incident"))
    kind = models.CharField(_("component"), max_length=30, choices=ComponentKind.choices)
    # Letter b) of §22–§24 asks where the forces come from (rules.components_from_record).
    origin = models.CharField(
        _("origin"), max_length=20, choices=ComponentOrigin.choices, default=ComponentOrigin.REGION
    )
    unit_name = models.CharField(_("unit"), max_length=150, blank=True, default="")
    called_at = models.DateTimeField(_("called at"))
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)
    leader_name = models.CharField(_("leader"), max_length=150, blank=True, default="")
    people = models.PositiveIntegerField(_("people"), default=0)
    vehicles = models.PositiveIntegerField(_("vehicles"), default=0)
    equipment = models.JSONField(_("equipment"), default=list, blank=True)

    class Meta:
        ordering = ["called_at", "id"]
        verbose_name = _("component deployment")
        verbose_name_plural = _("component deployments")
        indexes = [models.Index(fields=["incident", "arrived_at", "departed_at"])]

    def __str__(self) -> str:
        unit = f" {self.unit_name}" if self.unit_name else ""
        return str(
            _("%(component)s%(unit)s called %(at)s – %(incident)s")
            % {"component": self.get_kind_display(), "unit": unit, "at": _when(self.called_at), "incident": self.incident}
        )

    @property
    def is_basic(self) -> bool:
        return self.kind in BASIC_COMPONENTS


class SiteFeature(models.Model):
    """A zone (polygon) or post (point) of the site division; sections belong to a sector."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="site_features", verbose_name=_("incident"))
    kind = models.CharField(_("zone or post"), max_length=30, choices=SiteFeatureKind.choices)
    name = models.CharField(_("name"), max_length=150, blank=True, default="")
    geometry = models.JSONField(_("geometry"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="sections",
        verbose_name=_("sector"),
    )
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )
    # A feature the site no longer has is retired, never deleted: the report and the
    # timeline must still show what was there and when.
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("retired by"),
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("site feature")
        verbose_name_plural = _("site features")

    def __str__(self) -> str:
        kind = self.get_kind_display()
        return f"{kind}: {self.name}" if self.name else str(kind)

    @property
    def is_active(self) -> bool:
        """Still part of the site (not retired)."""
        return self.retired_at is None


class AppendOnlyQuerySet(models.QuerySet["TimelineEntry"]):
    """Bulk update and delete are refused too: the record is only ever appended to."""

    def update(self, **kwargs: Any) -> int:
        raise RuntimeError("timeline entries are immutable")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise RuntimeError("timeline entries are immutable")


class TimelineEntry(models.Model):
    """One immutable, time-stamped, attributed line of an incident's (or event's) record."""

    objects = AppendOnlyQuerySet.as_manager()

    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="timeline",
        verbose_name=_("incident"),
    )
    event = models.ForeignKey(
        IncidentEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="timeline",
        verbose_name=_("event"),
    )
    at = models.DateTimeField(_("time"))
    kind = models.CharField(_("kind"), max_length=20, choices=TimelineKind.choices)
    letter = models.CharField(_("message type"), max_length=1, choices=SiteMessageLetter.choices, blank=True, default="")
    # An automatic text is a message code with parameters, rendered in the reader's language
    # (straz.incidents.entries, ADR 0031); `text` holds only what a person typed, as typed.
    code = models.CharField(_("message code"), max_length=40, blank=True, default="")
    params = models.JSONField(_("message parameters"), default=dict, blank=True)
    text = models.TextField(_("text as typed"), blank=True, default="")
    data = models.JSONField(_("data"), default=dict, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("author's account"),
    )
    author_label = models.CharField(_("author"), max_length=150)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        indexes = [
            models.Index(fields=["incident", "at"]),
            models.Index(fields=["incident", "kind", "at"]),
        ]

    def __str__(self) -> str:
        return f"{_when(self.at)} · {self.get_kind_display()} · {self.author_shown}"

    @property
    def author_shown(self) -> str:
        """Who wrote the entry, as documents name people (rank, name; accounts.people)."""
        from straz.accounts.people import shown_author

        return shown_author(self.author_label, self.author)

    @property
    def rendered(self) -> str:
        """What the entry says, in the active language (automatic part, then typed words)."""
        from straz.incidents.entries import entry_text

        return entry_text(self)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("timeline entries are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("timeline entries are immutable")


class CallRecord(models.Model):
    """An emergency call received by a centre and forwarded to the competent one (§12)."""

    received_at = models.DateTimeField(_("received at"))
    received_by_centre = models.CharField(_("receiving centre"), max_length=150)
    caller_phone = models.CharField(_("caller's number"), max_length=40, blank=True, default="")
    summary = models.TextField(_("summary"))
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls",
        verbose_name=_("incident"),
    )
    forwarded_to_centre = models.CharField(_("forwarded to centre"), max_length=150, blank=True, default="")
    forwarded_to_opis = models.CharField(_("copy to the OPIS"), max_length=150, blank=True, default="")
    forwarded_at = models.DateTimeField(_("forwarded at"), null=True, blank=True)
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("forwarded by (account)"),
    )
    forwarded_by_label = models.CharField(_("forwarded by"), max_length=150, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("recorded by (account)"),
    )
    # §12(1): what the call is about (its competent component) and which components it needs.
    call_type = models.CharField(_("type of call"), max_length=30, choices=CallType.choices, blank=True, default="")
    components_needed = models.JSONField(_("components needed"), default=list, blank=True)
    # Forwarded to a centre other than the competent one the territory knows: kept visible.
    forward_flags = models.JSONField(_("forwarding notes"), default=list, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("emergency call record")
        verbose_name_plural = _("emergency call records")

    def __str__(self) -> str:
        return str(_("Emergency call #%(id)s received %(at)s") % {"id": self.pk, "at": _when(self.received_at)})


class OperationsCentre(models.Model):
    """A basic component's operations centre and the region it is competent for (§12); the fire
    rescue service's regional centre is the OPIS that gets a copy when several components are needed."""

    component = models.CharField(_("component"), max_length=10, choices=CentreComponent.choices)
    name = models.CharField(_("name"), max_length=150)
    region_code = models.CharField(_("region code"), max_length=20)
    is_opis = models.BooleanField(_("OPIS of the region"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["region_code", "component", "name"]
        verbose_name = _("operations centre")
        verbose_name_plural = _("operations centres")

    def __str__(self) -> str:
        return self.name


class ReportContents(models.Model):
    """The contents §16(4) prescribes, shared by the site report (§16(2)) and the territory report (§16(3))."""

    status = models.CharField(
        _("status"), max_length=12, choices=IncidentReportStatus.choices, default=IncidentReportStatus.DRAFT
    )
    # §16(4), in the order the decree lists them.
    origin = models.TextField(_("origin of the incident"), blank=True, default="")
    work_done = models.TextField(_("rescue and liquidation work done"), blank=True, default="")
    forces_and_means = models.TextField(_("forces and means used"), blank=True, default="")
    procedure = models.TextField(_("procedure of the components at the site"), blank=True, default="")
    consequences = models.TextField(_("consequences of the incident"), blank=True, default="")
    damage_czk = models.PositiveBigIntegerField(_("damage (CZK)"), null=True, blank=True)
    values_saved_czk = models.PositiveBigIntegerField(_("values saved (CZK)"), null=True, blank=True)
    damage_note = models.TextField(_("damage and values saved, details"), blank=True, default="")
    dead = models.PositiveIntegerField(_("dead"), null=True, blank=True)
    injured = models.PositiveIntegerField(_("injured"), null=True, blank=True)
    rescued = models.PositiveIntegerField(_("rescued"), null=True, blank=True)
    evacuated = models.PositiveIntegerField(_("evacuated"), null=True, blank=True)
    personal_help = models.TextField(_("personal help given"), blank=True, default="")
    material_help = models.TextField(_("material help given"), blank=True, default="")
    # Optimistic locking: a save names the version it edited, so two editors cannot
    # silently overwrite each other.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("updated by"),
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("completed by (account)"),
    )
    completed_by_label = models.CharField(_("completed by"), max_length=150, blank=True, default="")
    # §16(2)/(3): to whom the completed report was handed, who handed it and when.
    handed_to = models.CharField(_("handed to"), max_length=30, choices=ReportRecipient.choices, blank=True, default="")
    handed_to_name = models.CharField(_("recipient (name, office)"), max_length=150, blank=True, default="")
    handed_over_at = models.DateTimeField(_("handed over"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("handed over by (account)"),
    )
    handed_over_by_label = models.CharField(_("handed over by"), max_length=150, blank=True, default="")

    class Meta:
        abstract = True

    @property
    def completed_by_shown(self) -> str:
        """Who completed the report, as documents name people (accounts.people)."""
        from straz.accounts.people import shown_author

        return shown_author(self.completed_by_label, self.completed_by)

    @property
    def handed_over_by_shown(self) -> str:
        """Who handed the report over, as documents name people (accounts.people)."""
        from straz.accounts.people import shown_author

        return shown_author(self.handed_over_by_label, self.handed_over_by)

    @property
    def is_completed(self) -> bool:
        return self.status == IncidentReportStatus.COMPLETED


class IncidentReport(ReportContents):
    """The incident report (zpráva o zásahu) of one site, §16(2), with the contents of §16(4).

    The site map and the commander changes (§3(8)) are not copied here: the document
    renders them from the site features and command assignments, which are immutable
    enough (assignments end, features are only added) to be the record themselves.
    """

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="report", verbose_name=_("incident"))

    class Meta:
        verbose_name = _("incident report")
        verbose_name_plural = _("incident reports")
        indexes = [models.Index(fields=["status", "incident"])]

    def __str__(self) -> str:
        return f"#{self.incident_id}: {self.get_status_display()}"


class TerritoryReport(ReportContents):
    """The report of the regional fire brigade for a territory (an event), §16(3).

    A sibling of IncidentReport rather than a nullable second key on it: who writes it,
    when it is required and what its document shows all differ, and every site-report
    query stays as it is. One per event (the one-to-one key).
    """

    event = models.OneToOneField(IncidentEvent, on_delete=models.CASCADE, related_name="territory_report", verbose_name=_("event"))

    class Meta:
        verbose_name = _("territory report")
        verbose_name_plural = _("territory reports")
        indexes = [models.Index(fields=["status", "event"])]

    def __str__(self) -> str:
        return f"{_('Event (territory)')} #{self.event_id}: {self.get_status_display()}"


class IncidentReportAmendment(models.Model):
    """A change to a completed report: who, when, why, and each field before → after."""

    report = models.ForeignKey(IncidentReport, on_delete=models.CASCADE, related_name="amendments", verbose_name=_("incident report"))
    at = models.DateTimeField(_("time"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("author's account"),
    )
    author_label = models.CharField(_("author"), max_length=150)
    reason = models.TextField(_("reason"))
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("incident report amendment")
        verbose_name_plural = _("incident report amendments")

    def __str__(self) -> str:
        from straz.accounts.people import shown_author

        author = shown_author(self.author_label, self.author)
        return str(_("Amendment of %(at)s by %(author)s") % {"at": _when(self.at), "author": author})
