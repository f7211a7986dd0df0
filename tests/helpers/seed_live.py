"""Minimal fixtures for a live server: categories, two police districts, staff with tokens.

Run as a script with the server's environment (DJANGO_SETTINGS_MODULE, STRAZ_DATA_DIR,
DATABASE_URL); prints one JSON line describing what it created (passwords, tokens, ids).
"""

from __future__ import annotations

import json
from typing import Any

import django

django.setup()

from django.db import transaction  # noqa: E402

from straz.accounts.auth import issue_token  # noqa: E402
from straz.accounts.models import Role, User  # noqa: E402
from straz.demo.territory import create_izs_areas  # noqa: E402
from straz.reports.models import Category  # noqa: E402
from straz.territory.models import Area, Officer  # noqa: E402

# The same geometry as tests/conftest.py: two disjoint squares in Plzeň.
DISTRICTS = {
    "A": {
        "code": "PD-A",
        "name": "Obvod A",
        "lon": 13.35,
        "lat": 49.72,
        "size": 0.04,
        "population": 40000,
    },
    "B": {
        "code": "PD-B",
        "name": "Obvod B",
        "lon": 13.45,
        "lat": 49.72,
        "size": 0.04,
        "population": 30000,
    },
}
# Test categories with each public rule (codes as in tests/conftest.py).
TEST_CATEGORIES = [
    {
        "code": "illegal-dump",
        "name_cs": "Černá skládka",
        "name_pl": "Dzikie wysypisko śmieci",
        "name_en": "Illegal dump",
    },
    {
        "code": "dangerous-venue",
        "name_cs": "Nebezpečný podnik",
        "name_pl": "Miejsce niebezpiecznej działalności rozrywkowej",
        "name_en": "Dangerous entertainment venue",
        "public_only_when_confirmed": True,
    },
    {
        "code": "drug-use",
        "name_cs": "Užívání drog",
        "name_pl": "Używanie środków odurzających",
        "name_en": "Drug use",
        "public_location_approximated": True,
    },
]
# username -> (role, district keys)
STAFF = {
    "officer": (Role.OFFICER, ["A"]),
    "officer_b": (Role.OFFICER, ["B"]),
    "supervisor": (Role.SUPERVISOR, ["A"]),
    "supervisor_b": (Role.SUPERVISOR, ["B"]),
    "dispatcher": (Role.DISPATCHER, []),
    "analyst": (Role.ANALYST, []),
    "admin": (Role.ADMIN, []),
}


def square(lon: float, lat: float, size: float) -> dict[str, Any]:
    """A GeoJSON square polygon with its south-west corner at (lon, lat)."""
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def seed() -> dict[str, Any]:
    """Create the fixtures (idempotent per database) and describe them."""
    seeded_catalogue = True
    try:
        from straz.reports.seed import seed_categories
    except ImportError:  # the intake slice has not landed; the test categories still exist
        seeded_catalogue = False
    else:
        seed_categories()
    with transaction.atomic():
        for spec in TEST_CATEGORIES:
            Category.objects.get_or_create(code=spec["code"], defaults=spec)
        areas: dict[str, Area] = {}
        for key, d in DISTRICTS.items():
            area, _ = Area.objects.get_or_create(
                kind="police-district",
                code=d["code"],
                defaults={
                    "name": d["name"],
                    "geometry": square(d["lon"], d["lat"], d["size"]),
                    "min_lon": d["lon"],
                    "max_lon": d["lon"] + d["size"],
                    "min_lat": d["lat"],
                    "max_lat": d["lat"] + d["size"],
                    "population": d["population"],
                },
            )
            areas[key] = area
        # The region and ORP around Plzeň, as the demo has them: a level III declaration's
        # notices follow the incident's location there (ADR 0017).
        create_izs_areas()
        users: dict[str, Any] = {}
        for username, (role, keys) in STAFF.items():
            password = f"{username}-pass"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username=username,
                    password=password,
                    role=role,
                    is_staff=(role == Role.ADMIN),
                    is_superuser=(role == Role.ADMIN),
                )
            user.districts.set([areas[k] for k in keys])
            users[username] = {
                "id": user.pk,
                "password": password,
                "role": str(role),
                "districts": keys,
                "token": issue_token(user=user, name="h7-live"),
            }
        for key, username in (("A", "officer"), ("B", "officer_b")):
            area = areas[key]
            if area.primary_officer_id is None:
                profile = Officer.objects.create(
                    name=f"Officer {key}",
                    phone=f"+420 974 000 00{ord(key) - 64}",
                    email=f"{key.lower()}@policie.example",
                    user=User.objects.get(username=username),
                )
                profile.districts.add(area)
                area.primary_officer = profile
                area.save()
    return {
        "seeded_catalogue": seeded_catalogue,
        "categories": list(
            Category.objects.order_by("order", "code").values_list("code", flat=True)
        ),
        "districts": {k: {"id": a.pk, "code": a.code, **DISTRICTS[k]} for k, a in areas.items()},
        "users": users,
    }


if __name__ == "__main__":
    print(json.dumps(seed()))
