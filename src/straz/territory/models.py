"""Administrative areas and police districts (polygons with RÚIAN / TERYT codes), officers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from straz.territory.addresses.rules import address_label
from straz.territory.rules import normalise_place_name


class AreaKind(models.TextChoices):
    """Kinds of territory the platform knows."""

    REGION = "region", _("Region")
    ORP = "orp", _("Municipality with extended powers (ORP)")
    MUNICIPALITY = "municipality", _("Municipality")
    CITY_DISTRICT = "city-district", _("City district")
    POLICE_DISTRICT = "police-district", _("Police district")


class Area(models.Model):
    """A polygon of territory: GeoJSON geometry (WGS84) plus its bounding box."""

    kind = models.CharField(_("kind"), max_length=20, choices=AreaKind.choices, db_index=True)
    code = models.CharField(_("code"), max_length=32, help_text=_("RÚIAN or TERYT code"))
    name = models.CharField(_("name"), max_length=200)
    # The name as search compares it (rules.normalise_place_name), like Place.normalised_name.
    normalised_name = models.CharField(_("normalised name"), max_length=200, db_index=True, editable=False, default="")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        verbose_name=_("parent area"),
    )
    # GeoJSON Polygon or MultiPolygon, validated on import (see straz.geo).
    geometry = models.JSONField(_("geometry"))
    min_lon = models.FloatField(_("west edge (longitude)"))
    min_lat = models.FloatField(_("south edge (latitude)"))
    max_lon = models.FloatField(_("east edge (longitude)"))
    max_lat = models.FloatField(_("north edge (latitude)"))
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    primary_officer = models.ForeignKey(
        "territory.Officer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="primary_for",
        verbose_name=_("district officer"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="area_kind_code_unique")
        ]
        ordering = ["kind", "name"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args: object, **kwargs: object) -> None:
        self.normalised_name = normalise_place_name(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:  # type: ignore[operator]
            kwargs["update_fields"] = {*update_fields, "normalised_name"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Officer(models.Model):
    """A police officer with public contact details (the district's 'dzielnicowy')."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="officer_profile",
        verbose_name=_("staff account"),
    )
    name = models.CharField(_("name"), max_length=150)
    rank = models.CharField(_("rank"), max_length=100, blank=True, default="")
    phone = models.CharField(_("public phone"), max_length=40, blank=True, default="")
    email = models.EmailField(_("public e-mail"), blank=True, default="")
    office = models.CharField(_("office address"), max_length=250, blank=True, default="")
    office_hours = models.CharField(_("office hours"), max_length=250, blank=True, default="")
    districts = models.ManyToManyField(
        Area,
        blank=True,
        related_name="officers",
        limit_choices_to={"kind": AreaKind.POLICE_DISTRICT},
        verbose_name=_("police districts"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("officer")
        verbose_name_plural = _("officers")

    def __str__(self) -> str:
        return self.name


class PlaceKind(models.TextChoices):
    """What a gazetteer entry names."""

    STREET = "street", _("Street")
    LANDMARK = "landmark", _("Landmark")
    ADDRESS = "address", _("Address")


class Place(models.Model):
    """A gazetteer entry (street, landmark or address) for turning address text into a point."""

    name = models.CharField(_("name"), max_length=200)
    normalised_name = models.CharField(_("normalised name"), max_length=200, db_index=True, editable=False)
    kind = models.CharField(
        _("kind"), max_length=10, choices=PlaceKind.choices, default=PlaceKind.STREET
    )
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="places",
        verbose_name=_("area"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("place")
        verbose_name_plural = _("places")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.normalised_name = normalise_place_name(self.name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class AddressPoint(models.Model):
    """One address point (RÚIAN "adresní místo" or any other register's), WGS84."""

    municipality_code = models.CharField(_("municipality code"), max_length=12)
    municipality = models.CharField(_("municipality"), max_length=100)
    part = models.CharField(_("part of municipality"), max_length=100, blank=True, default="")
    street = models.CharField(_("street"), max_length=150, blank=True, default="")
    # The normalised name the search matched (AddressName.key): the street, or the part
    # of the municipality for addresses without a street.
    street_key = models.CharField(_("street search key"), max_length=150, editable=False)
    part_key = models.CharField(_("part search key"), max_length=100, editable=False)
    house_number_kind = models.CharField(
        _("kind of house number"),
        max_length=1,
        choices=[("p", _("descriptive number")), ("e", _("registration number"))],
        default="p",
    )
    house_number = models.PositiveIntegerField(_("house number"))
    orientation_number = models.PositiveIntegerField(_("orientation number"), null=True, blank=True)
    orientation_letter = models.CharField(_("orientation letter"), max_length=1, blank=True, default="")
    postcode = models.CharField(_("postcode"), max_length=10, blank=True, default="")
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    source_code = models.CharField(_("code in the source register"), max_length=20, blank=True, default="")
    # Address points of the whole municipality, set at import: of equal answers in several
    # towns ("Masarykova 12") the bigger town's come first, straight from the index.
    municipality_size = models.PositiveIntegerField(_("address points in the municipality"), default=0, editable=False)

    class Meta:
        indexes = [
            # The search finds names first, then numbers by these.
            models.Index(
                fields=["street_key", "orientation_number", "-municipality_size"],
                name="address_street_orient",
            ),
            models.Index(
                fields=["street_key", "house_number", "-municipality_size"],
                name="address_street_house",
            ),
            models.Index(
                fields=["part_key", "house_number", "-municipality_size"], name="address_part_house"
            ),
            models.Index(fields=["municipality_code"], name="address_municipality"),
        ]
        ordering = ["municipality", "street", "house_number"]
        verbose_name = _("address point")
        verbose_name_plural = _("address points")

    def __str__(self) -> str:
        return address_label(
            street=self.street,
            part=self.part,
            municipality=self.municipality,
            postcode=self.postcode,
            kind=self.house_number_kind,
            house_number=self.house_number,
            orientation_number=self.orientation_number,
            letter=self.orientation_letter,
        )


class AddressName(models.Model):
    """A distinct street or part of a municipality of the address points: the table the search fuzzy-matches."""

    municipality_code = models.CharField(_("municipality code"), max_length=12, db_index=True)
    municipality = models.CharField(_("municipality"), max_length=100)
    name = models.CharField(_("name"), max_length=150)
    key = models.CharField(_("search key"), max_length=150, db_index=True)
    is_street = models.BooleanField(_("street"), default=True)
    # Where to show the name on a map: the mean of its address points.
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    points = models.PositiveIntegerField(_("address points"), default=0)

    class Meta:
        ordering = ["key"]
        verbose_name = _("street or part of municipality")
        verbose_name_plural = _("streets and parts of municipalities")

    def __str__(self) -> str:
        return f"{self.name}, {self.municipality}"
