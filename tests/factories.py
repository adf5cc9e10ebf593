"""Rows for tests. Geometry is placed relative to Väsby centrum in SWEREF 99 TM (metres)."""

from __future__ import annotations

import datetime
import uuid

import factory
from django.contrib.auth.models import Group, User
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon
from django.utils import timezone

from geo.crs import STORAGE_SRID
from layers.models import District, FocusArea, Incident, IncidentCategory, Municipality, Office
from surveys.models import Observation, Trygghetsvandring

VASBY_CENTRUM = (664772.0, 6601411.0)  # SWEREF 99 TM; tests place geometry relative to it


def square(cx: float, cy: float, half: float) -> MultiPolygon:
    """A square of side 2*half metres around (cx, cy), in SWEREF 99 TM."""
    ring = (
        (cx - half, cy - half),
        (cx + half, cy - half),
        (cx + half, cy + half),
        (cx - half, cy + half),
        (cx - half, cy - half),
    )
    return MultiPolygon(Polygon(ring), srid=STORAGE_SRID)


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("kommunkod",)

    kommunkod = "0114"
    name = "Upplands Väsby"
    # LazyFunction: GEOS objects are mutable, never share one.
    boundary = factory.LazyFunction(lambda: square(*VASBY_CENTRUM, 5000))


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(lambda n: f"district-{n}")
    name = factory.Sequence(lambda n: f"Kommundel {n}")
    area = factory.LazyFunction(lambda: square(*VASBY_CENTRUM, 2000))


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office
        django_get_or_create = ("municipality", "name")

    municipality = factory.SubFactory(MunicipalityFactory)
    name = "Kontoret för samhällsbyggnad"


class FocusAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FocusArea
        django_get_or_create = ("number",)

    number = 2
    name = "Hot och våld i offentlig miljö"
    name_en = "Threats and violence in public space"
    sensitive = False


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentCategory
        django_get_or_create = ("code",)

    code = "misshandel"
    label = "Misshandel"
    focus_area = factory.SubFactory(FocusAreaFactory)
    sensitive = False


def sensitive_category() -> IncidentCategory:
    focus_area = FocusAreaFactory(
        number=7, name="Våld i nära relationer", name_en="Domestic violence", sensitive=True
    )
    return CategoryFactory(
        code="vald_nara_relation",
        label="Våld i nära relation",
        focus_area=focus_area,
        sensitive=True,
    )


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    municipality = factory.SubFactory(MunicipalityFactory)
    category = factory.SubFactory(CategoryFactory)
    source = "test"
    source_ref = factory.Sequence(lambda n: f"T-{n}")
    location = factory.LazyFunction(lambda: Point(*VASBY_CENTRUM, srid=STORAGE_SRID))
    occurred_from = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=3))


class WalkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trygghetsvandring

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Trygghetsvandring {n}")
    walked_on = factory.LazyFunction(datetime.date.today)
    route = factory.LazyFunction(
        lambda: LineString(
            VASBY_CENTRUM, (VASBY_CENTRUM[0] + 400, VASBY_CENTRUM[1] + 100), srid=STORAGE_SRID
        )
    )


class ObservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Observation

    walk = factory.SubFactory(WalkFactory)
    municipality = factory.SelfAttribute("walk.municipality")
    client_uuid = factory.LazyFunction(uuid.uuid4)
    location = factory.LazyFunction(
        lambda: Point(VASBY_CENTRUM[0] + 50, VASBY_CENTRUM[1], srid=STORAGE_SRID)
    )
    recorded_at = factory.LazyFunction(timezone.now)
    category = Observation.Category.LIGHTING
    feeling = 2
    severity = 2
    note = "Trasig gatlampa"


def in_published_year(month: int = 6, day: int = 15, hour: int = 12) -> datetime.datetime:
    """A time in the newest calendar year whose release of sensitive incidents is out: where a test
    puts sensitive incidents that users without the permission should see as cells (decision 0600)."""
    from zoneinfo import ZoneInfo

    from core.disclosure import latest_published

    year = latest_published(timezone.localdate()).year
    return datetime.datetime(year, month, day, hour, tzinfo=ZoneInfo("Europe/Stockholm"))


def user_with_role(role: str, username: str | None = None) -> User:
    user = User.objects.create_user(
        username=username or f"user-{role}", password="x-test-password-1"
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def district_with_area(municipality: Municipality, code: str, half_m: float) -> District:
    """A district that is a square of side 2*half_m around Väsby centrum."""
    return DistrictFactory(
        municipality=municipality, code=code, area=square(*VASBY_CENTRUM, half_m)
    )
