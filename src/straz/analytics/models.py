"""Pre-aggregated statistics of the threat map, kept exact in the writing transaction.

Owned by `straz.analytics.threatmap.summaries` (upkeep) and read by `straz.analytics.threatmap.queries`.
Keys use plain integers, not foreign keys: a summary row outlives nothing and is rebuilt
from the reports by `rebuild_summaries()`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# district_key values besides an Area id.
NO_DISTRICT_KEY = 0  # reports outside every police district
ALL_DISTRICTS = -1  # roll-up over every district (and none)
ALL_CATEGORIES = 0  # roll-up over every category
# kind bits: the report's status is in the confirmed family / the report is a duplicate.
KIND_CONFIRMED = 1
KIND_DUPLICATE = 2
# ReportDurationStats.grain
GRAIN_ALL_TIME = 0
GRAIN_YEAR = 1
GRAIN_MONTH = 2
GRAIN_CATEGORY = -1  # in summaries' keys only: a ReportCategoryDurationStats row
STEP_READ = 1
STEP_VERIFY = 2


class ReportStats(models.Model):
    """Report counts per local month, category, police district and kind, by status.

    Roll-up rows (category 0 = all, district -1 = all) let the unfiltered views read a
    few thousand rows. read_ok / verify_ok count originals whose step met its deadline.
    """

    pk = models.CompositePrimaryKey("month", "category_id", "district_key", "kind")
    month = models.DateField()  # first day of the month in settings.TIME_ZONE
    category_id = models.IntegerField()
    district_key = models.IntegerField()
    kind = models.SmallIntegerField()
    n_new = models.IntegerField(default=0)
    n_verification = models.IntegerField(default=0)
    n_confirmed = models.IntegerField(default=0)
    n_not_confirmed = models.IntegerField(default=0)
    n_eliminated = models.IntegerField(default=0)
    n_passed_on = models.IntegerField(default=0)
    read_ok = models.IntegerField(default=0)
    verify_ok = models.IntegerField(default=0)

    class Meta:
        # By district (one district, a staff member's districts, the roll-up -1) and by
        # category (one category, the roll-up 0 with the confirmed-only ones to subtract).
        indexes = [
            models.Index(fields=["district_key", "category_id", "month"]),
            models.Index(fields=["category_id", "district_key", "month"]),
        ]
        verbose_name = _("report statistics row")
        verbose_name_plural = _("report statistics")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} cat {self.category_id} district {self.district_key}"


class ReportDurationStats(models.Model):
    """Histogram of time-to-read / time-to-verify of original reports (see rules.duration_bucket).

    Grains: all time, per local year and per local month, each per police district;
    `public` is 1 when the public may know the report exists.
    """

    pk = models.CompositePrimaryKey("grain", "period", "district_key", "public", "step", "bucket")
    grain = models.SmallIntegerField()
    period = models.DateField()
    district_key = models.IntegerField()
    public = models.SmallIntegerField()
    step = models.SmallIntegerField()
    bucket = models.IntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("report duration statistics row")
        verbose_name_plural = _("report duration statistics")

    def __str__(self) -> str:
        return f"{self.period} district {self.district_key} step {self.step} bucket {self.bucket}"


class PendingDeadline(models.Model):
    """An original report's read or verify step not done yet, with its effective deadline.

    Whether a deadline "can be judged" depends on the clock; the statistics count the
    pending steps whose deadline is still ahead from here (index on due_at).
    """

    pk = models.CompositePrimaryKey("report_id", "step")
    report_id = models.BigIntegerField()
    step = models.SmallIntegerField()
    due_at = models.DateTimeField()
    month = models.DateField()
    category_id = models.IntegerField()
    district_key = models.IntegerField()
    kind = models.SmallIntegerField()

    class Meta:
        indexes = [models.Index(fields=["due_at"])]
        verbose_name = _("pending deadline")
        verbose_name_plural = _("pending deadlines")

    def __str__(self) -> str:
        return f"report {self.report_id} step {self.step} due {self.due_at}"


class SummaryCategoryRule(models.Model):
    """The public rule of a category that the duration histograms were written with.

    When a category becomes (or stops being) public only once confirmed, its reports'
    histogram rows move between public and staff-only (summaries.category_rules_changed).
    """

    category_id = models.IntegerField(primary_key=True)
    public_only_when_confirmed = models.BooleanField()

    class Meta:
        verbose_name = _("category rule of the statistics")
        verbose_name_plural = _("category rules of the statistics")

    def __str__(self) -> str:
        return f"category {self.category_id}: {self.public_only_when_confirmed}"


class ReportCategoryDurationStats(models.Model):
    """All-time duration histogram per category and police district (category-filtered medians)."""

    pk = models.CompositePrimaryKey("category_id", "district_key", "public", "step", "bucket")
    category_id = models.IntegerField()
    district_key = models.IntegerField()
    public = models.SmallIntegerField()
    step = models.SmallIntegerField()
    bucket = models.IntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("category duration statistics row")
        verbose_name_plural = _("category duration statistics")

    def __str__(self) -> str:
        return f"category {self.category_id} district {self.district_key} bucket {self.bucket}"


class DownloadHit(models.Model):
    """One anonymous download, counted against its client's hourly limit (ADR 0023).

    `client_key` is the keyed hash of the address prefix (core.intake.client_key), never the
    address itself; rows older than the window are pruned by a periodic job.
    """

    client_key = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["client_key", "at"]), models.Index(fields=["at"])]
        verbose_name = _("anonymous download")
        verbose_name_plural = _("anonymous downloads")


class PublicExportGeneration(models.Model):
    """One row: bumped when written public downloads must no longer be served (ADR 0038).

    The files are a cache on each machine's disk; a change of a category's public rules
    made through one machine ends the files of every machine through this shared number.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    generation = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("public download generation")
        verbose_name_plural = _("public download generations")

    def __str__(self) -> str:
        return f"public export generation {self.generation}"
