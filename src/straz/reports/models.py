"""Threat map: categories, citizen reports, their history, the map aggregates, police data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from straz.core.config import straz_settings
from straz.reports.rules import Status

STATUS_LABELS = {
    Status.NEW: _("New"),
    Status.VERIFICATION: _("Under verification"),
    Status.CONFIRMED: _("Confirmed"),
    Status.NOT_CONFIRMED: _("Not confirmed"),
    Status.ELIMINATED: _("Confirmed (eliminated)"),
    Status.PASSED_ON: _("Confirmed (passed to another institution)"),
}
STATUS_CHOICES = [(s.value, STATUS_LABELS[s]) for s in Status]


# The shipped catalogues (Category.catalogue) and the other names a setting may use for them.
CATALOGUES = ("cz", "kmzb")
CATALOGUE_ALIASES = {"pl": "kmzb"}


def offered_catalogue() -> str:
    """The catalogue this deployment offers (STRAZ_CATEGORY_CATALOGUE), as stored."""
    value = straz_settings().category_catalogue.strip().lower()
    return CATALOGUE_ALIASES.get(value, value)


class CategoryQuerySet(models.QuerySet["Category"]):
    def offered(self) -> CategoryQuerySet:
        """Categories a citizen may choose: active and in the deployment's one catalogue."""
        return self.filter(is_active=True, catalogue=offered_catalogue())


class Category(models.Model):
    """A kind of threat citizens can report; public rules are per category (data, not code)."""

    objects = CategoryQuerySet.as_manager()

    code = models.SlugField(_("code"), max_length=60, unique=True)
    catalogue = models.CharField(
        _("catalogue"),
        max_length=20,
        default="cz",
        help_text=_("kmzb = Polish national list, cz = Czech set"),
    )
    name_cs = models.CharField(_("name (Czech)"), max_length=150)
    name_pl = models.CharField(_("name (Polish)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150)
    description_cs = models.TextField(_("description (Czech)"), blank=True, default="")
    description_pl = models.TextField(_("description (Polish)"), blank=True, default="")
    description_en = models.TextField(_("description (English)"), blank=True, default="")
    group = models.CharField(_("group"), max_length=60, blank=True, default="")
    public_only_when_confirmed = models.BooleanField(_("public only once confirmed"), default=False)
    public_location_approximated = models.BooleanField(
        _("public location approximated"), default=False
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    color = models.CharField(_("colour"), max_length=9, blank=True, default="")

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def name_in(self, language: str | None) -> str:
        """Public name in a language (cs, pl, en), falling back to Czech."""
        lang = (language or "cs")[:2]
        return getattr(self, f"name_{lang}", "") or self.name_cs

    @property
    def name(self) -> str:
        return self.name_in(get_language())


class ReportSource(models.TextChoices):
    WEB = "web", _("Web form")
    API = "api", _("JSON API")
    OPEN311 = "open311", _("Open311")
    STAFF = "staff", _("Entered by staff")


class Report(models.Model):
    """A citizen's report of a local threat. Fields marked police-only never go public."""

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="reports", verbose_name=_("category")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=STATUS_CHOICES, default=Status.NEW.value
    )
    # Exact location (staff only for approximated categories).
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    # Location shown to the public: exact, or snapped to a coarse cell (see rules).
    public_lat = models.FloatField(_("public latitude"))
    public_lon = models.FloatField(_("public longitude"))
    # H3 cell (resolution 9) of the exact point, for near-duplicate search.
    h3_r9 = models.BigIntegerField(_("H3 cell (resolution 9)"), db_index=True)
    address_text = models.CharField(_("address"), max_length=250, blank=True, default="")
    description = models.TextField(_("description (police only)"), blank=True, default="")
    occurred_at = models.DateTimeField(_("time of the event"), null=True, blank=True)
    created_at = models.DateTimeField(_("reported"), db_index=True)
    updated_at = models.DateTimeField(_("last change"))
    read_at = models.DateTimeField(_("read by the police"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    read_due_at = models.DateTimeField(_("read deadline"), null=True, blank=True)
    verify_due_at = models.DateTimeField(_("verification deadline"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(
        _("missed deadline flagged"), null=True, blank=True
    )
    district = models.ForeignKey(
        "territory.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("police district"),
    )
    officer = models.ForeignKey(
        "territory.Officer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("officer"),
    )
    source = models.CharField(
        _("source"), max_length=10, choices=ReportSource.choices, default=ReportSource.WEB
    )
    # Police-only: the reporter's address (erased after the retention period) and a keyed
    # hash of its rate-limit prefix (IPv4 address or IPv6 /64), kept for abuse limits.
    reporter_ip = models.GenericIPAddressField(_("reporter's IP address"), null=True, blank=True)
    reporter_key = models.CharField(
        _("reporter's limit key"), max_length=64, blank=True, default="", db_index=True
    )
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    duplicate_count = models.PositiveIntegerField(_("also reported by"), default=0)
    # Public visibility, recomputed on every change by rules.public_visibility; the map
    # aggregates count exactly the reports with is_public=True at their public location.
    is_public = models.BooleanField(_("public"), default=True)
    public_until = models.DateTimeField(_("public until"), null=True, blank=True, db_index=True)

    # Never in a public response (API, page, Open311, downloads, map): the privacy scan
    # (tests/test_privacy.py) and straz.reports.public read this list.
    POLICE_ONLY_FIELDS = (
        "lat",  # exact point (public_lat/public_lon is what the public sees)
        "lon",
        "h3_r9",
        "address_text",
        "description",
        "reporter_ip",
        "reporter_key",
    )
    # Related rows that are police-only as a whole: photos and internal notes.
    POLICE_ONLY_RELATIONS = ("attachments", "notes")
    # Related rows nobody reads on a page or in an API, staff included: the e-mail addresses
    # of citizens following the report (FollowerContact, ADR 0036). The privacy scan marks them.
    PRIVATE_RELATIONS = ("followers",)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["district", "status", "created_at"]),
            models.Index(fields=["category", "h3_r9", "created_at"]),
            models.Index(fields=["reporter_key", "created_at"]),
            models.Index(fields=["lat", "lon"]),
        ]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        # A record title in the reader's language (admin, audit links): number and status.
        return f"{_('Report #%(id)s') % {'id': self.pk}} ({self.get_status_display()})"


class EventKind(models.TextChoices):
    CREATED = "created", _("Reported")
    READ = "read", _("Read by the police")
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    DUPLICATE = "duplicate", _("Linked as duplicate")
    OVERDUE = "overdue", _("Deadline missed")
    HIDDEN = "hidden", _("Left the public view")
    # An undo of the latest status change within the correction window (ADR 0039).
    CORRECTED = "corrected", _("Status corrected")


class ReportEvent(models.Model):
    """One step in a report's history; the public page shows status steps without names."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="events", verbose_name=_("report")
    )
    at = models.DateTimeField(_("time"))
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    from_status = models.CharField(_("from status"), max_length=20, blank=True, default="")
    to_status = models.CharField(_("to status"), max_length=20, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    # A note the police chose to publish with the change (e.g. "more patrols ordered").
    public_note = models.CharField(_("public note"), max_length=500, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("report history step")
        verbose_name_plural = _("report history")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · #{self.report_id}"


class FollowerContact(models.Model):
    """A citizen's e-mail address, given with consent, to be told when a report's status changes.

    Kept apart from the report (ADR 0036): no page or API shows it, staff included; it is
    erased when the citizen unsubscribes, after the followed report is closed plus
    STRAZ_FOLLOW_RETENTION_DAYS, and with the reporter's IP address at the latest.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="followers")
    email = models.EmailField(max_length=254)
    # The language of the page or request the citizen reported through; e-mails use it.
    language = models.CharField(max_length=8)
    consented_at = models.DateTimeField()
    # Which consent text was agreed to (FOLLOW_CONSENT_VERSION in reports.followers).
    consent_version = models.CharField(max_length=20)
    # Secret of the one-click unsubscribe link.
    token = models.CharField(max_length=64, unique=True)
    # Where the citizen reported (scheme://host), for the links when STRAZ_PUBLIC_URL is unset.
    site_url = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("report follower")
        verbose_name_plural = _("report followers")

    def __str__(self) -> str:
        # Never the address: this string can reach logs and the admin's history.
        return f"follower #{self.pk} of report #{self.report_id}"


class InternalNote(models.Model):
    """A police-only note on a report."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="notes", verbose_name=_("report"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")

    def __str__(self) -> str:
        return str(_("Note #%(id)s on report #%(report)s") % {"id": self.pk, "report": self.report_id})


class Attachment(models.Model):
    """A photo or PDF sent with a report (police-only); the type is sniffed from content.

    Photos are stored re-encoded without metadata under a generated name; the sender's
    file name is not kept anywhere (ADR 0022).
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("report"))
    path = models.CharField(_("stored file"), max_length=255)
    content_type = models.CharField(_("file type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256 checksum"), max_length=64)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return str(_("Attachment %(name)s of report #%(report)s") % {"name": self.file_name, "report": self.report_id})

    @property
    def file_name(self) -> str:
        """The generated name the file is stored and served under."""
        return self.path.rsplit("/", 1)[-1]


class IdempotencyRecord(models.Model):
    """The answer given to a request carrying an Idempotency-Key, replayed on retries."""

    key = models.CharField(_("idempotency key"), max_length=200)
    scope = models.CharField(_("scope"), max_length=64, help_text=_("hash of the client (IP prefix) and endpoint"))
    fingerprint = models.CharField(_("request fingerprint"), max_length=64, help_text=_("hash of the request body"))
    status_code = models.PositiveSmallIntegerField(_("response status"))
    response = models.JSONField(_("response"))
    created_at = models.DateTimeField(_("created at"), db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key_unique")
        ]


class MapLayer(models.IntegerChoices):
    CITIZEN_REPORTS = 1, _("Citizen reports")
    POLICE_DATA = 2, _("Police data")


class MapCell(models.Model):
    """Pre-aggregated public counts of one H3 cell, kept exact in the writing transaction.

    Key: (layer, period_days, cell); the cell id carries its resolution, period_days 0 = all
    time, else the rolling window of MapWindow. `leaves` packs one entry per (category,
    status) present in the cell: count, the sums of the members' public locations in integer
    microdegrees (a cluster sits at their mean; sums never drift) and the sum of their ids
    (a cell of one names its report). The format and the rules are owned by
    straz.reports.map.aggregates (ADR 0032); on SQLite the table is WITHOUT ROWID so that
    the key is the table (migration 0007).
    """

    pk = models.CompositePrimaryKey("layer", "period_days", "cell")
    # Fixed-width columns first and widest first: PostgreSQL pads nothing in this order.
    cell = models.BigIntegerField(_("H3 cell"))
    layer = models.SmallIntegerField(_("map layer"))
    period_days = models.SmallIntegerField(_("period (days)"))
    leaves = models.BinaryField(_("packed counts"))

    class Meta:
        managed = True
        verbose_name = _("map cell")
        verbose_name_plural = _("map cells")


class MapWindow(models.Model):
    """How far a rolling period of the map has been aged: rows created before `aged_until`
    have left the period's MapCell rows; rows created at or after it are counted there."""

    pk = models.CompositePrimaryKey("layer", "days")
    layer = models.SmallIntegerField(_("map layer"))
    days = models.SmallIntegerField(_("period (days)"))
    aged_until = models.DateTimeField(_("aged until"))

    class Meta:
        verbose_name = _("map period window")
        verbose_name_plural = _("map period windows")


class CrimeType(models.Model):
    """Code list of the Czech police crime map (`types.json`), a hierarchy."""

    id = models.IntegerField(primary_key=True)
    parent_id1 = models.IntegerField(_("parent type 1"), null=True, blank=True)
    parent_id2 = models.IntegerField(_("parent type 2"), null=True, blank=True)
    parent_id3 = models.IntegerField(_("parent type 3"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=300)
    label = models.CharField(_("label"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("crime type")
        verbose_name_plural = _("crime types")

    def __str__(self) -> str:
        return self.label or self.name


class CrimeState(models.Model):
    """Code list `states.json` (e.g. 'skutek se nestal')."""

    id = models.IntegerField(primary_key=True)
    name = models.CharField(_("name"), max_length=300)

    class Meta:
        verbose_name = _("crime state")
        verbose_name_plural = _("crime states")

    def __str__(self) -> str:
        return self.name


class CrimeRelevance(models.Model):
    """Code list `relevance.json` (e.g. 'Místo spáchání')."""

    id = models.IntegerField(primary_key=True)
    name = models.CharField(_("name"), max_length=300)

    class Meta:
        verbose_name = _("crime relevance")
        verbose_name_plural = _("crime relevances")

    def __str__(self) -> str:
        return self.name


class CrimeRecord(models.Model):
    """One offence from the police open-data crime map (plane 1 of KMZB)."""

    external_id = models.CharField(_("police record number"), max_length=64, unique=True)
    occurred_at = models.DateTimeField(_("time of the offence"), db_index=True)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    # Where the public sees it: the centre of a coarse H3 cell, never the exact point
    # (the police publish approximate locations only, to protect victims).
    public_lat = models.FloatField(_("public latitude"))
    public_lon = models.FloatField(_("public longitude"))
    state_id = models.IntegerField(_("state number"), null=True, blank=True)
    relevance_id = models.IntegerField(_("relevance number"), null=True, blank=True)
    types = models.JSONField(_("offence types"), default=list)
    primary_type_id = models.IntegerField(_("main offence type number"), null=True, blank=True, db_index=True)
    municipal_police = models.BooleanField(_("municipal police"), default=False)
    is_public = models.BooleanField(_("public"), default=True)
    imported_at = models.DateTimeField(_("imported at"))
    source_file = models.CharField(_("source file"), max_length=255, blank=True, default="")

    class Meta:
        verbose_name = _("crime record")
        verbose_name_plural = _("crime records")

    def __str__(self) -> str:
        return str(_("Offence %(number)s") % {"number": self.external_id})
