"""A small town for the statutory documents: one district of two NYKO areas, offices, incidents."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from geo.crs import STORAGE_SRID
from layers.models import (
    District,
    IncidentCategory,
    Municipality,
    Office,
    PublishedRelease,
    StatisticalArea,
)
from layers.roles import Role
from statutory.models import Population
from tests.factories import (
    VASBY_CENTRUM,
    CategoryFactory,
    FocusAreaFactory,
    IncidentFactory,
    MunicipalityFactory,
    ObservationFactory,
    OfficeFactory,
    sensitive_category,
    square,
    user_with_role,
)

X0, Y0 = VASBY_CENTRUM
# NYKO area A west of the centre, B east of it; both in district "centrala".
A_POINT = (X0 - 500, Y0)
B_POINT = (X0 + 500, Y0)


@dataclass
class Town:
    municipality: Municipality
    district: District
    area_a: StatisticalArea
    area_b: StatisticalArea
    office: Office
    misshandel: IncidentCategory
    klotter: IncidentCategory
    sensitive: IncidentCategory
    coordinator: User
    bra: User
    extra: dict[str, Any] = field(default_factory=dict)

    def incident(
        self,
        where: tuple[float, float],
        category: IncidentCategory | None = None,
        when: datetime.datetime | None = None,
    ) -> None:
        IncidentFactory(
            municipality=self.municipality,
            category=category or self.misshandel,
            location=Point(*where, srid=STORAGE_SRID),
            occurred_from=when or timezone.now() - datetime.timedelta(days=3),
        )


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def town(db: None) -> Town:
    cache.clear()
    PublishedRelease.objects.all().delete()
    municipality = MunicipalityFactory()
    district = District.objects.create(
        municipality=municipality,
        code="centrala",
        name="Centrala",
        nyko_prefix="1",
        area=square(X0, Y0, 2000),
    )
    area_a = StatisticalArea.objects.create(
        municipality=municipality,
        district=district,
        code="1101",
        name="Västra centrum",
        area=square(X0 - 1000, Y0, 1000),
    )
    area_b = StatisticalArea.objects.create(
        municipality=municipality,
        district=district,
        code="1102",
        name="Östra centrum",
        area=square(X0 + 1000, Y0, 1000),
    )
    Population.objects.create(
        municipality=municipality,
        area=area_a,
        year=timezone.localdate().year - 1,
        residents=2000,
        source="test",
    )
    misshandel = CategoryFactory()
    klotter = CategoryFactory(
        code="klotter", label="Klotter", focus_area=FocusAreaFactory(number=3, name="Skadegörelse")
    )
    town = Town(
        municipality=municipality,
        district=district,
        area_a=area_a,
        area_b=area_b,
        office=OfficeFactory(municipality=municipality),
        misshandel=misshandel,
        klotter=klotter,
        sensitive=sensitive_category(),
        coordinator=user_with_role(Role.COORDINATOR, "samordnaren"),
        bra=user_with_role(Role.BRA_MEMBER, "bra-ledamoten"),
    )
    for _ in range(4):
        town.incident(A_POINT)
    town.incident(B_POINT, klotter)
    ObservationFactory(
        walk__municipality=municipality,
        location=Point(*A_POINT, srid=STORAGE_SRID),
        feeling=1,
    )
    return town
