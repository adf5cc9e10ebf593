"""A small town for EST tests: Upplands Väsby with its offices, three NYKO areas side by side, two
outside reporters (a housing company and a security firm), a BRÅ member and a planner."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from pyproj import Transformer

from est import services
from est.models import EstReport, Reporter
from layers.models import Membership, Municipality, StatisticalArea
from layers.roles import Role
from layers.services import ensure_reference_data
from tests.factories import VASBY_CENTRUM, MunicipalityFactory, square, user_with_role

CX, CY = VASBY_CENTRUM
# Three NYKO areas of 1 km, west to east; a point's x picks one.
AREAS = [
    ("2001", "Centrum väst", CX - 1000),
    ("2002", "Centrum", CX),
    ("2003", "Centrum öst", CX + 1000),
]
_to_wgs84 = Transformer.from_crs(3006, 4326, always_xy=True)


def lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = _to_wgs84.transform(x, y)
    return round(lon, 7), round(lat, 7)


def reporter_user(username: str, organisation: str, kind: str, municipality: Municipality) -> User:
    user = User.objects.create_user(username=username, password="x-test-password-1")
    user.groups.add(Group.objects.get(name=Role.EST_REPORTER))
    Membership.objects.create(user=user, municipality=municipality)
    Reporter.objects.create(user=user, organisation=organisation, kind=kind)
    return user


@dataclass
class Town:
    municipality: Municipality
    areas: dict[str, StatisticalArea]
    housing: User  # a housing company's reporter
    guard: User  # a security firm's reporter
    bra: User
    planner: User

    def report(
        self,
        who: User,
        event_type: str,
        area: str = "2002",
        *,
        when: datetime.datetime | None = None,
        dy: float = 0.0,
        note: str = "",
    ) -> EstReport:
        x = dict((code, x) for code, _n, x in AREAS)[area]
        lon, lat = lonlat(x, CY + dy)
        return services.record_report(
            self.municipality,
            reporter=who,
            client_uuid=uuid.uuid4(),
            event_type=event_type,
            lon=lon,
            lat=lat,
            occurred_at=when or timezone.now() - datetime.timedelta(hours=1),
            note=note,
        ).report


@pytest.fixture
def town(db: Any) -> Town:
    municipality = MunicipalityFactory()
    ensure_reference_data(municipality)
    areas = {
        code: StatisticalArea.objects.create(
            municipality=municipality, code=code, name=name, area=square(x, CY, 500)
        )
        for code, name, x in AREAS
    }
    return Town(
        municipality=municipality,
        areas=areas,
        housing=reporter_user(
            "vasbyhem-rapportor", "AB Väsbyhem", Reporter.Kind.HOUSING_COMPANY, municipality
        ),
        guard=reporter_user(
            "vakt-rapportor", "Securitas", Reporter.Kind.SECURITY_FIRM, municipality
        ),
        bra=user_with_role(Role.BRA_MEMBER, "est-bra"),
        planner=user_with_role(Role.PLANNER, "est-planerare"),
    )
