"""/plan/importera/ with today's digital plans: a Detaljplan 4.1 file, a DXF drawing with its layer
mapping, and the refusals (4xx naming the object, nothing stored), over HTTP against real PostGIS."""

from __future__ import annotations

import pytest
from django.test import Client

from layers.models import Detaljplan, ImportBatch, PlanZone
from tests.layers.test_import_detaljplan41 import (
    DATA41,
    DXF_2007,
    DXF_MAPPING,
    EXAMPLE,
    PLAN,
    nothing_stored,
)
from tests.mapapp.test_planimport_pages import planner_client, upload  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_a_planner_uploads_a_41_file_and_reads_the_report(
    planner_client: Client,  # noqa: F811
) -> None:
    response = planner_client.post(
        "/plan/importera/", {"file": upload("plan.json", EXAMPLE.read_bytes())}
    )

    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/plan/importera/{batch.pk}/"
    report = planner_client.get(response["Location"]).content.decode()
    plan = Detaljplan.objects.get()
    assert "Detaljplan 4.1 (JSON)" in report and "SWEREF 99 18 00" in report
    assert "TESTPLAN 2025:1" in report and "Utfartsförbud" in report
    assert "uppåt +24,0 m RH 2000" in report and "nedåt +24,0 m RH 2000" in report
    assert 'data-testid="lines-and-points">2 (' in report
    assert f'href="/plan/{plan.pk}/"' in report
    assert PlanZone.objects.filter(plan=plan).count() == 7


def test_kept_and_reported_regulations_are_listed_by_identity_on_the_report(
    planner_client: Client,  # noqa: F811
) -> None:
    content = (DATA41 / "rapport_utan_geometri_okand_katalogreferens.json").read_bytes()

    response = planner_client.post("/plan/importera/", {"file": upload("plan.json", content)})

    report = planner_client.get(response["Location"]).content.decode()
    assert 'data-testid="reported"' in report
    assert "94c7f54c-d717-5b4b-8bc2-15906af76ced" in report and "saknar geometri" in report
    assert "fdd44ae0-1e66-5113-a473-de60ff0fa3b6" in report


@pytest.mark.parametrize(
    "name, words",
    [
        ("fel_saknar_plangeometri.json", [PLAN, "planområde"]),
        ("fel_blandade_koordinatsystem.json", ["271af1a9-7f75-54f1-99a0-80ab1f4c12c5"]),
        ("fel_annan_kommun.json", [PLAN, "Sigtuna"]),
    ],
)
def test_a_bad_41_file_is_a_4xx_naming_the_object_and_stores_nothing(
    planner_client: Client,  # noqa: F811
    name: str,
    words: list[str],
) -> None:
    response = planner_client.post(
        "/plan/importera/",
        {"file": upload(name, (DATA41 / name).read_bytes())},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 422
    for word in words:
        assert word in response.json()["error"]
    assert nothing_stored()


def test_a_planner_uploads_a_dxf_with_its_layer_mapping(
    planner_client: Client,  # noqa: F811
) -> None:
    mapping = "\n".join(f"{layer}={target}" for layer, target in DXF_MAPPING.items())

    response = planner_client.post(
        "/plan/importera/",
        {
            "file": upload("samrad.dxf", DXF_2007.read_bytes()),
            "srid": "3011",
            "dxf_layers": mapping,
            "plan_id": "samråd CAD",
        },
    )

    assert response.status_code == 302
    report = planner_client.get(response["Location"]).content.decode()
    assert "DXF (CAD-ritning)" in report and "Skola (S Förskola)" in report
    assert sorted(PlanZone.objects.values_list("use_code", flat=True)) == [
        "B", "C", "GATA", "PARK", "S",
    ]  # fmt: skip


def test_a_dxf_without_a_mapping_is_400_listing_its_layers(
    planner_client: Client,  # noqa: F811
) -> None:
    response = planner_client.post(
        "/plan/importera/", {"file": upload("samrad.dxf", DXF_2007.read_bytes()), "srid": "3011"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "DP-PLANGRÄNS" in page and "DP-ANVÄNDNING-PARK" in page and "samrad.dxf" in page
    assert nothing_stored()


def test_a_mapping_that_is_not_layer_equals_meaning_is_400(
    planner_client: Client,  # noqa: F811
) -> None:
    response = planner_client.post(
        "/plan/importera/",
        {
            "file": upload("samrad.dxf", DXF_2007.read_bytes()),
            "srid": "3011",
            "dxf_layers": "DP-PLANGRÄNS",
        },
    )

    assert response.status_code == 400 and "DP-PLANGRÄNS" in response.content.decode()
    assert nothing_stored()
