"""Soft targets: the registry, versioned risk scales, assessments, measures, the restricted
design part and who is cleared to read it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from straz.softtargets.choices import (
    MeasureKind,
    MeasureSource,
    MeasureState,
    PublicListing,
    TargetKind,
    TargetState,
)


class RiskScale(models.Model):
    """One version of a named scoring scale; a row is never changed once written (ADR 0041)."""

    name = models.CharField(_("name"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("created by"),
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="riskscale_name_version")]
        ordering = ["name", "-version"]
        verbose_name = _("risk scale")
        verbose_name_plural = _("risk scales")

    def __str__(self) -> str:
        return str(_("%(name)s, version %(version)s") % {"name": self.name, "version": self.version})


class SoftTarget(models.Model):
    """A place with many people and little protection, in the city's registry."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=TargetKind.choices)
    operator = models.CharField(_("operator"), max_length=200, blank=True, default="")
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True, default="")
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True, default="")
    contact_email = models.CharField(_("contact e-mail"), max_length=254, blank=True, default="")
    address = models.CharField(_("address"), max_length=250, blank=True, default="")
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    outline = models.JSONField(_("outline (GeoJSON)"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True, default="")
    district = models.ForeignKey(
        "territory.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("police district"),
    )
    municipality = models.ForeignKey(
        "territory.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("municipality"),
    )
    city_district = models.ForeignKey(
        "territory.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("city district"),
    )
    state = models.CharField(_("state"), max_length=10, choices=TargetState.choices, default=TargetState.ACTIVE)
    public_listing = models.CharField(
        _("shown to the public"), max_length=20, choices=PublicListing.choices, default=PublicListing.HIDDEN
    )
    # The latest assessment's overall result, kept for the registry's filters and the
    # implementation report (counts by band); the scenarios stay in the restricted part.
    current_risk = models.PositiveIntegerField(_("current risk"), null=True, blank=True)
    current_band = models.CharField(_("current risk band"), max_length=60, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("soft target")
        verbose_name_plural = _("soft targets")

    def __str__(self) -> str:
        return self.name


class RestrictedPart(models.Model):
    """The non-public design part of a target: what is vulnerable and to whom (ADR 0042)."""

    target = models.OneToOneField(
        SoftTarget, on_delete=models.CASCADE, related_name="restricted", verbose_name=_("soft target")
    )
    text = models.TextField(_("design part"), blank=True, default="")
    vulnerabilities = models.TextField(_("vulnerabilities"), blank=True, default="")
    attackers = models.TextField(_("attacker types"), blank=True, default="")
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("restricted design part")
        verbose_name_plural = _("restricted design parts")

    def __str__(self) -> str:
        return str(_("Restricted design part #%(id)s") % {"id": self.pk})


class Clearance(models.Model):
    """A user may read the restricted part of one target; granted by a manager or administrator."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="softtarget_clearances",
        verbose_name=_("user"),
    )
    target = models.ForeignKey(
        SoftTarget, on_delete=models.CASCADE, related_name="clearances", verbose_name=_("soft target")
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("granted by"),
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "target"], name="clearance_user_target")]
        verbose_name = _("clearance")
        verbose_name_plural = _("clearances")

    def __str__(self) -> str:
        return str(_("Clearance #%(id)s") % {"id": self.pk})


class Assessment(models.Model):
    """One assessment of a target: its scenarios scored on one scale version, results stored.

    The results are computed once, when the assessment is made, and stored with the scale's
    name and version: a later version of the scale never changes them (ADR 0041)."""

    target = models.ForeignKey(
        SoftTarget, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("soft target")
    )
    scale = models.ForeignKey(RiskScale, on_delete=models.PROTECT, related_name="+", verbose_name=_("risk scale"))
    scale_name = models.CharField(_("scale name"), max_length=60)
    scale_version = models.PositiveIntegerField(_("scale version"))
    made_at = models.DateTimeField(_("made at"), default=timezone.now)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("made by"),
    )
    # [{"name", "scores": {factor: value}, "probability", "impact", "risk", "band"}]
    scenarios = models.JSONField(_("scenarios"))
    overall_risk = models.PositiveIntegerField(_("overall risk"))
    overall_band = models.CharField(_("overall band"), max_length=60)

    class Meta:
        ordering = ["-made_at", "-pk"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return str(
            _("Assessment #%(id)s of %(date)s")
            % {"id": self.pk, "date": date_format(timezone.localtime(self.made_at), "DATE_FORMAT")}
        )




class Measure(models.Model):
    """A technical or regime measure that lowers a target's risk, tracked to its deadline.

    Generic on purpose: its owner record is the target, its source an assessment, a security
    audit or an inspection (source + source_id), or none (entered by hand)."""

    target = models.ForeignKey(
        SoftTarget, on_delete=models.CASCADE, related_name="measures", verbose_name=_("soft target")
    )
    source = models.CharField(_("source"), max_length=20, choices=MeasureSource.choices, default=MeasureSource.MANUAL)
    source_id = models.PositiveIntegerField(_("source record"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=MeasureKind.choices)
    title = models.CharField(_("measure"), max_length=200)
    description = models.TextField(_("description"), blank=True, default="")
    owner = models.CharField(_("owner"), max_length=150, blank=True, default="")
    cost_planned = models.DecimalField(_("planned cost (CZK)"), max_digits=12, decimal_places=2, default=0)
    cost_spent = models.DecimalField(_("money spent (CZK)"), max_digits=12, decimal_places=2, default=0)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=MeasureState.choices, default=MeasureState.PLANNED)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    evidence = models.CharField(_("evidence file"), max_length=255, blank=True, default="")
    evidence_type = models.CharField(_("evidence type"), max_length=100, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["state", "deadline"])]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")

    def __str__(self) -> str:
        return str(_("Measure #%(id)s") % {"id": self.pk})

    @property
    def finished(self) -> bool:
        return self.state in (MeasureState.DONE, MeasureState.CANCELLED)


class TargetDocument(models.Model):
    """A document of a target (security plan, evacuation plan, site plan): part of the
    restricted design part, stored through the attachments storage under a generated name."""

    target = models.ForeignKey(
        SoftTarget, on_delete=models.CASCADE, related_name="documents", verbose_name=_("soft target")
    )
    title = models.CharField(_("title"), max_length=200)
    stored = models.CharField(_("stored file"), max_length=255)
    content_type = models.CharField(_("file type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("uploaded by"),
    )

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("soft-target document")
        verbose_name_plural = _("soft-target documents")

    def __str__(self) -> str:
        return str(_("Document #%(id)s") % {"id": self.pk})
