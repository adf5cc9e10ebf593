"""Reading filtered points by binary COPY, and the hot-spot analysis on them."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.contrib.gis.geos import GEOSGeometry, Point

from geo.crs import STORAGE_SRID
from layers.analysis import (
    AnalysisParams,
    Points,
    analyse,
    analyse_filter,
    filter_categories,
    hotspot_cells,
    local_times,
    monthly_slices,
    parse_analysis,
    read_filtered,
    read_places,
    read_points,
)
from layers.filters import FilterError, filtered_points, parse_filter
from layers.models import SENSITIVE_INCIDENT, Incident, IncidentCategory
from layers.roles import Role
from layers.services import ensure_reference_data
from tests.factories import (
    VASBY_CENTRUM,
    CategoryFactory,
    IncidentFactory,
    MunicipalityFactory,
    district_with_area,
    sensitive_category,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def test_read_points_returns_the_same_rows_as_the_orm() -> None:
    municipality = MunicipalityFactory()
    a = IncidentFactory(
        municipality=municipality, location=Point(664_000.5, 6_601_000.25, srid=STORAGE_SRID)
    )
    b = IncidentFactory(
        municipality=municipality,
        occurred_from=datetime.datetime(2025, 2, 1, 22, 0, tzinfo=datetime.UTC),
        occurred_to=datetime.datetime(2025, 2, 2, 6, 30, tzinfo=datetime.UTC),
        category=sensitive_category(),
    )
    Incident.objects.create(
        municipality=municipality,
        category=a.category,
        source="polisen",
        source_ref="p1",
        precision=Incident.Precision.MUNICIPALITY,
        location=None,
        occurred_from=a.occurred_from,
    )

    points = read_points(Incident.objects.all().order_by("id"))

    order = np.argsort(points.ids)
    assert points.ids[order].tolist() == [a.pk, b.pk]  # the municipality-level row has no place
    assert points.x[order][0] == 664_000.5 and points.y[order][0] == 6_601_000.25
    assert np.isnat(points.t_to[order][0])
    assert points.t_to[order][1] == np.datetime64("2025-02-02T06:30:00")
    assert points.t_from[order][1] == np.datetime64("2025-02-01T22:00:00")
    assert points.sensitive[order].tolist() == [False, True]
    assert points.category_id[order][1] == b.category_id


def test_read_points_keeps_the_filter_with_a_geometry_parameter() -> None:
    municipality = MunicipalityFactory()
    district_with_area(municipality, "centrala", 300)
    IncidentFactory(municipality=municipality)
    IncidentFactory(
        municipality=municipality,
        location=Point(VASBY_CENTRUM[0] + 900, VASBY_CENTRUM[1], srid=STORAGE_SRID),
    )
    f = parse_filter({"district": "centrala"})

    points = read_points(filtered_points(user_with_role(Role.BRA_MEMBER), f, municipality))

    assert len(points) == 1


def test_a_cluster_of_incidents_is_a_hot_spot_cell_with_its_count() -> None:
    municipality = MunicipalityFactory()
    rng = np.random.default_rng(0)
    cx, cy = VASBY_CENTRUM
    for dx, dy in rng.normal(0, 40, (40, 2)):
        IncidentFactory(
            municipality=municipality, location=Point(cx + dx, cy + dy, srid=STORAGE_SRID)
        )
    for x, y in rng.uniform(-4500, 4500, (60, 2)):
        IncidentFactory(
            municipality=municipality, location=Point(cx + x, cy + y, srid=STORAGE_SRID)
        )
    qs = filtered_points(user_with_role(Role.BRA_MEMBER), parse_filter({}), municipality)

    result = analyse(qs, municipality, AnalysisParams(), scope="t", use_cache=False)
    cells = hotspot_cells(result)

    hottest = max(cells, key=lambda c: c["z"])
    assert hottest["class"] == 3 and hottest["count"] >= 5  # the cluster spans a cell corner
    x0, y0, x1, y1 = hottest["bounds"]
    assert x0 - 200 <= cx <= x1 + 200 and y0 - 200 <= cy <= y1 + 200
    assert hottest["id"].startswith("200m-")
    assert result.density.peak > 0 and result.n_points == 100


def test_analysis_params_refuse_bad_values_naming_the_field() -> None:
    for params, field in [
        ({"bandwidth": "x"}, "bandwidth"),
        ({"bandwidth": "5"}, "bandwidth"),
        ({"gi_cell": "123"}, "gi_cell"),
        ({"fdr": "2"}, "fdr"),
    ]:
        with pytest.raises(FilterError) as e:
            parse_analysis(params)
        assert e.value.field == field
    assert parse_analysis({"bandwidth": "auto"}).bandwidth_m is None


def test_local_times_follow_swedish_summer_time() -> None:
    stockholm = ZoneInfo("Europe/Stockholm")
    rng = np.random.default_rng(2)
    seconds = rng.integers(0, 3 * 365 * 86400, 500)
    t = np.datetime64("2023-01-01T00:00:00") + seconds.astype("timedelta64[s]")

    local = local_times(t)

    expected = [
        datetime.datetime.fromtimestamp(int(s), datetime.UTC)
        .astimezone(stockholm)
        .replace(tzinfo=None)
        for s in (t - np.datetime64("1970-01-01T00:00:00")).astype(np.int64)
    ]
    assert local.tolist() == expected


def test_monthly_slices_cover_the_period_exactly() -> None:
    slices = monthly_slices(datetime.date(2025, 1, 15), datetime.date(2025, 4, 10))

    assert slices[0] == (datetime.date(2025, 1, 15), datetime.date(2025, 1, 31))
    assert slices[-1] == (datetime.date(2025, 4, 1), datetime.date(2025, 4, 10))
    assert len(slices) == 4


def test_hotspots_for_gives_other_channels_the_same_cells_as_the_bra_page() -> None:
    from layers.analysis import hotspots_for

    municipality = MunicipalityFactory()
    rng = np.random.default_rng(4)
    for dx, dy in rng.normal(0, 40, (30, 2)):
        IncidentFactory(
            municipality=municipality,
            location=Point(VASBY_CENTRUM[0] + dx, VASBY_CENTRUM[1] + dy, srid=STORAGE_SRID),
        )
    IncidentFactory(municipality=municipality, category=sensitive_category())
    user = user_with_role(Role.BRA_MEMBER)

    result = hotspots_for(user, municipality, {"gi_cell": "250"}, use_cache=False)
    cells = hotspot_cells(result)

    assert result.n_points == 30 and result.n_sensitive == 0
    assert cells and all(c["id"].startswith("250m-") for c in cells)
    assert {"z", "p", "class", "count", "bounds"} <= set(cells[0])
    with pytest.raises(FilterError):
        hotspots_for(user, municipality, {"hours": "99"})


def _varied_incidents(n: int = 400) -> tuple[object, list[str]]:
    """A municipality with the reference categories (sensitive ones too) and ``n`` incidents spread
    over a year, a few only as municipality-level counts; returns it and the category codes."""
    municipality = MunicipalityFactory()
    ensure_reference_data(municipality)
    CategoryFactory(code="utan_fokusomrade", label="Utan fokusområde", focus_area=None)
    district_with_area(municipality, "centrala", 1500)
    categories = list(IncidentCategory.objects.order_by("code"))
    rng = np.random.default_rng(11)
    now = datetime.datetime(2025, 12, 31, 12, tzinfo=datetime.UTC)
    rows = []
    for i in range(n):
        start = now - datetime.timedelta(seconds=int(rng.integers(0, 400 * 86400)))
        placed = i % 25 != 0
        rows.append(
            Incident(
                municipality=municipality,
                category=categories[int(rng.integers(len(categories)))],
                source="test",
                source_ref=f"v{i}",
                precision=Incident.Precision.POINT if placed else Incident.Precision.MUNICIPALITY,
                location=Point(
                    VASBY_CENTRUM[0] + float(rng.normal(0, 1500)),
                    VASBY_CENTRUM[1] + float(rng.normal(0, 1500)),
                    srid=STORAGE_SRID,
                )
                if placed
                else None,
                occurred_from=start,
                occurred_to=start + datetime.timedelta(hours=int(rng.integers(1, 30)))
                if i % 3 == 0
                else None,
            )
        )
    Incident.objects.bulk_create(rows)
    return municipality, [c.code for c in categories]


def _by_id(points: Points) -> dict[str, list[object]]:
    order = np.argsort(points.ids)
    return {
        name: getattr(points, name)[order].tolist()
        for name in ("ids", "x", "y", "t_from", "t_to", "category_id", "sensitive")
    }


FILTERS = [
    {"from": "2025-01-01", "to": "2025-12-31"},
    {"from": "2025-01-01", "to": "2025-12-31", "focus": "2,4,7"},
    {"from": "2025-01-01", "to": "2025-12-31", "focus": "7"},
    {"from": "2025-01-01", "to": "2025-12-31", "sensitive": "0"},
    {"from": "2024-12-01", "to": "2025-06-30", "district": "centrala", "hours": "22-3"},
    {"from": "2025-01-01", "to": "2025-12-31", "weekdays": "6-7", "light": "morker"},
]


@pytest.mark.parametrize("role", [Role.BRA_MEMBER, Role.ANALYST])
def test_the_join_free_read_gives_the_same_points_as_filtered_points_for_every_filter(
    role: str,
) -> None:
    municipality, codes = _varied_incidents()
    user = user_with_role(role)
    sensitive_codes = set(
        IncidentCategory.objects.filter(sensitive=True).values_list("code", flat=True)
    )
    mixed = sorted(sensitive_codes)[:1] + [c for c in codes if c not in sensitive_codes][:2]
    filters = [*FILTERS, {"from": "2025-01-01", "to": "2025-12-31", "category": ",".join(mixed)}]
    seen = 0

    for query in filters:
        f = parse_filter(query)
        expected = read_points(filtered_points(user, f, municipality))

        got = read_filtered(user, f, municipality)
        places = read_places(user, f, municipality)

        assert _by_id(got) == _by_id(expected), query
        a = np.lexsort((got.sensitive, got.y, got.x))
        b = np.lexsort((places.sensitive, places.y, places.x))
        assert places.x[b].tolist() == got.x[a].tolist()
        assert places.y[b].tolist() == got.y[a].tolist()
        assert places.sensitive[b].tolist() == got.sensitive[a].tolist()
        seen += len(got)
    assert seen > 500  # the filters did select points


def test_a_user_without_the_permission_gets_no_sensitive_point_from_the_join_free_read() -> None:
    municipality, _codes = _varied_incidents(200)
    user = user_with_role(Role.BRA_MEMBER)
    sensitive_ids = set(
        Incident.objects.filter(SENSITIVE_INCIDENT).values_list("category_id", flat=True)
    )
    assert sensitive_ids  # the data has sensitive incidents

    for query in ({}, {"focus": "4,7,8,9"}, {"category": "vald_nara_relation"}):
        f = parse_filter({"from": "2024-01-01", "to": "2025-12-31", **query})
        points = read_filtered(user, f, municipality)
        places = read_places(user, f, municipality)

        assert not set(points.category_id.tolist()) & sensitive_ids
        assert not points.sensitive.any() and not places.sensitive.any()
        assert not set(filter_categories(user, f)) & sensitive_ids


def test_a_filter_no_category_can_meet_reads_no_points() -> None:
    municipality, _codes = _varied_incidents(50)
    f = parse_filter({"from": "2024-01-01", "to": "2025-12-31", "focus": "7"})  # sensitive only

    places = read_places(user_with_role(Role.BRA_MEMBER), f, municipality)
    points = read_filtered(user_with_role(Role.BRA_MEMBER, "bra2"), f, municipality)

    assert len(places) == 0 and len(points) == 0
    assert points.t_from.dtype == np.dtype("datetime64[s]")


def test_an_empty_point_is_left_out_of_the_read() -> None:
    municipality = MunicipalityFactory()
    IncidentFactory(municipality=municipality)
    empty = IncidentFactory(municipality=municipality)
    Incident.objects.filter(pk=empty.pk).update(location=GEOSGeometry("SRID=3006;POINT EMPTY"))
    f = parse_filter({})

    points = read_filtered(user_with_role(Role.BRA_MEMBER), f, municipality)

    assert len(points) == 1 and np.isfinite(points.x).all()


def test_analyse_filter_counts_the_sensitive_points_only_for_those_who_may_see_them() -> None:
    municipality = MunicipalityFactory()
    for _ in range(3):
        IncidentFactory(municipality=municipality)
    IncidentFactory(municipality=municipality, category=sensitive_category())
    f = parse_filter({})

    member = analyse_filter(
        user_with_role(Role.BRA_MEMBER), f, municipality, AnalysisParams(), use_cache=False
    )
    analyst = analyse_filter(
        user_with_role(Role.ANALYST), f, municipality, AnalysisParams(), use_cache=False
    )

    assert (member.n_points, member.n_sensitive) == (3, 0)
    assert (analyst.n_points, analyst.n_sensitive) == (4, 1)


def test_a_narrow_bandwidth_is_computed_on_finer_cells_never_on_one_cell() -> None:
    municipality = MunicipalityFactory()
    cx, cy = VASBY_CENTRUM
    for dx in (0.0, 30.0, 400.0):
        IncidentFactory(municipality=municipality, location=Point(cx + dx, cy, srid=STORAGE_SRID))
    qs = filtered_points(user_with_role(Role.BRA_MEMBER), parse_filter({}), municipality)

    narrow = analyse(
        qs, municipality, parse_analysis({"bandwidth": "50"}), scope="n", use_cache=False
    )
    default = analyse(qs, municipality, AnalysisParams(), scope="d", use_cache=False)

    assert narrow.bandwidth_m == 50.0 and narrow.density.grid.cell_m == 12.5
    assert default.bandwidth_m == 200.0 and default.density.grid.cell_m == 25.0
    for result in (narrow, default):
        assert result.bandwidth_m >= 3 * result.density.grid.cell_m


def test_a_bandwidth_too_narrow_for_a_large_municipalitys_grid_is_refused_naming_the_minimum() -> (
    None
):
    from layers.analysis import density_grid
    from tests.factories import square

    large = MunicipalityFactory(
        kommunkod="2584", name="Kiruna", boundary=square(*VASBY_CENTRUM, 40_000)
    )

    with pytest.raises(FilterError) as refused:
        density_grid(large, 25.0, 200.0)
    grid = density_grid(large, 25.0, 300.0)

    assert refused.value.field == "bandwidth"
    assert "minst 300 meter" in str(refused.value)
    assert grid.cell_m == 100.0 and grid.nx * grid.ny <= 1_500_000
