"""The BRÅ filter: parameters, errors that name the field, and the queryset it builds."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.contrib.gis.geos import Point

from geo.crs import STORAGE_SRID
from geo.timepatterns import sun_elevation_deg
from layers.filters import FilterError, SunElevation, filtered_points, parse_filter
from layers.models import Incident
from layers.roles import Role
from tests.factories import (
    VASBY_CENTRUM,
    CategoryFactory,
    DistrictFactory,
    FocusAreaFactory,
    IncidentFactory,
    MunicipalityFactory,
    sensitive_category,
    square,
    user_with_role,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
pytestmark = pytest.mark.django_db


def at(y: int, m: int, d: int, h: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(y, m, d, h, minute, tzinfo=STOCKHOLM)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2025-13-01"}, "from"),
        ({"to": "igår"}, "to"),
        ({"from": "2025-05-01", "to": "2025-04-01"}, "from"),
        ({"hours": "7-25"}, "hours"),
        ({"weekdays": "0"}, "weekdays"),
        ({"focus": "x"}, "focus"),
        ({"light": "natt"}, "light"),
        ({"category": "drop table;"}, "category"),
        ({"compare": "decade"}, "compare"),
        ({"sensitive": "ja"}, "sensitive"),
    ],
)
def test_a_bad_parameter_is_refused_naming_the_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(FilterError) as e:
        parse_filter(params)

    assert e.value.field == field
    assert e.value.as_json()["fields"][field]


def test_the_default_period_is_the_twelve_months_up_to_today_compared_with_a_year_earlier() -> None:
    f = parse_filter({}, today=datetime.date(2026, 3, 15))

    assert (f.date_from, f.date_to) == (datetime.date(2025, 3, 16), datetime.date(2026, 3, 15))
    previous = f.comparison()
    assert (previous.date_from, previous.date_to) == (
        datetime.date(2024, 3, 16),
        datetime.date(2025, 3, 15),
    )


def test_previous_comparison_is_the_period_just_before() -> None:
    f = parse_filter({"from": "2025-03-01", "to": "2025-03-31", "compare": "previous"})

    previous = f.comparison()

    assert (previous.date_from, previous.date_to) == (
        datetime.date(2025, 1, 29),
        datetime.date(2025, 2, 28),
    )


def test_the_filter_selects_by_period_focus_area_district_hour_and_weekday() -> None:
    municipality = MunicipalityFactory()
    DistrictFactory(municipality=municipality, code="centrala", area=square(*VASBY_CENTRUM, 500))
    school = CategoryFactory(
        code="vald_skola", label="Skola", focus_area=FocusAreaFactory(number=3, name="Skola")
    )
    far = Point(VASBY_CENTRUM[0] + 2000, VASBY_CENTRUM[1], srid=STORAGE_SRID)
    keep = IncidentFactory(
        municipality=municipality, occurred_from=at(2025, 6, 6, 23)
    )  # Friday 23:00
    IncidentFactory(municipality=municipality, occurred_from=at(2025, 6, 6, 12))  # wrong hour
    IncidentFactory(municipality=municipality, occurred_from=at(2025, 6, 4, 23))  # Wednesday
    IncidentFactory(municipality=municipality, occurred_from=at(2025, 6, 6, 23), location=far)
    IncidentFactory(municipality=municipality, occurred_from=at(2024, 6, 7, 23))  # last year
    IncidentFactory(municipality=municipality, occurred_from=at(2025, 6, 6, 23), category=school)
    user = user_with_role(Role.BRA_MEMBER)
    f = parse_filter(
        {
            "from": "2025-01-01",
            "to": "2025-12-31",
            "focus": "2",
            "district": "centrala",
            "hours": "22-2",
            "weekdays": "5-6",
        }
    )

    ids = list(filtered_points(user, f, municipality).values_list("id", flat=True))

    assert ids == [keep.pk]


def test_sensitive_incidents_are_left_out_for_a_bra_member_and_kept_for_an_analyst_unless_hidden() -> (
    None
):
    municipality = MunicipalityFactory()
    IncidentFactory(municipality=municipality)
    IncidentFactory(municipality=municipality, category=sensitive_category())
    f = parse_filter({})

    member = filtered_points(user_with_role(Role.BRA_MEMBER), f, municipality).count()
    analyst = filtered_points(user_with_role(Role.ANALYST), f, municipality).count()
    hidden = filtered_points(
        user_with_role(Role.ANALYST, "a2"), parse_filter({"sensitive": "0"}), municipality
    ).count()

    assert (member, analyst, hidden) == (1, 2, 1)


def test_the_light_filter_follows_the_sun_at_vasby() -> None:
    municipality = MunicipalityFactory()
    day = IncidentFactory(municipality=municipality, occurred_from=at(2025, 12, 10, 12))
    dark = IncidentFactory(municipality=municipality, occurred_from=at(2025, 12, 10, 18))
    user = user_with_role(Role.BRA_MEMBER)

    def ids(light: str) -> list[int]:
        f = parse_filter({"from": "2025-12-01", "to": "2025-12-31", "light": light})
        return list(filtered_points(user, f, municipality).values_list("id", flat=True))

    assert ids("morker") == [dark.pk]
    assert ids("dagsljus") == [day.pk]


def test_the_sql_sun_elevation_agrees_with_the_python_one() -> None:
    municipality = MunicipalityFactory()
    rng = np.random.default_rng(1)
    times = [
        datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(minutes=int(m))
        for m in rng.integers(0, 60 * 24 * 365, 50)
    ]
    for t in times:
        IncidentFactory(municipality=municipality, occurred_from=t)

    rows = Incident.objects.annotate(sun=SunElevation("occurred_from")).values_list(
        "occurred_from", "sun"
    )
    sql = {t: s for t, s in rows}
    python = sun_elevation_deg(
        np.array([t.replace(tzinfo=None) for t in sql], dtype="datetime64[s]")
    )

    assert np.allclose(list(sql.values()), python, atol=1e-6)
