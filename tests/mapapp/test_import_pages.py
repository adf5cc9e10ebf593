"""The import pages /import/: analysts import, read the report, undo; others get 403; bad files get 4xx."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from layers.models import AuditEvent, ImportBatch, ImportProfile, Incident
from mapapp.import_views import _progress_writer
from tests.factories import VASBY_CENTRUM
from tests.layers.import_helpers import MUNICIPAL_SAMPLE, vasby

pytestmark = pytest.mark.django_db

CX, CY = VASBY_CENTRUM
UPLOAD = "/import/"


def sample_upload(
    name: str = "kommun_incidentrapport_exempel.csv", data: bytes | None = None
) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, MUNICIPAL_SAMPLE.read_bytes() if data is None else data, "text/csv"
    )


def post(client: Client, **fields: object) -> object:
    data = {"municipality": "0114", "profile": "kommun_incidentrapport", **fields}
    return client.post(UPLOAD, data)


def text(response: object) -> str:
    return re.sub(r"\s+", " ", response.content.decode())  # type: ignore[attr-defined]


def test_the_upload_page_asks_for_a_login() -> None:
    response = Client().get(UPLOAD)

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_bra_member_may_not_see_the_upload_page_nor_post_to_it(bra_client: Client) -> None:
    vasby()

    page = bra_client.get(UPLOAD)
    upload = post(bra_client, file=sample_upload())

    assert page.status_code == 403
    assert upload.status_code == 403  # type: ignore[attr-defined]
    assert Incident.objects.count() == 0


def test_an_analyst_sees_the_form_the_profiles_and_the_nav_link(analyst_client: Client) -> None:
    vasby()

    response = analyst_client.get(UPLOAD)

    assert response.status_code == 200
    page = text(response)
    assert "Importera händelser" in page
    assert "Kommunens incidentrapportering (CSV-export)" in page
    assert "Polisens händelser (JSON eller CSV)" in page
    assert f'href="{UPLOAD}"' in page


def test_the_nav_link_is_not_shown_to_a_bra_member(bra_client: Client) -> None:
    vasby()

    response = bra_client.get("/")

    assert f'href="{UPLOAD}"' not in response.content.decode()


def test_an_analyst_imports_the_sample_and_reads_the_report(analyst_client: Client) -> None:
    vasby()

    response = post(analyst_client, file=sample_upload())

    assert response.status_code == 303  # type: ignore[attr-defined]
    batch = ImportBatch.objects.get()
    assert response["Location"] == f"/import/{batch.pk}/"  # type: ignore[index]
    report = analyst_client.get(response["Location"])  # type: ignore[index]
    assert report.status_code == 200
    page = text(report)
    assert 'data-testid="rows-read">30<' in page
    assert 'data-testid="rows-stored">30<' in page
    assert "Hot och våld mot medarbetare" in page and "Ångra importen" in page
    assert batch.created_by is not None and batch.created_by.username == "user-analytiker"


def test_the_report_lists_each_rejected_row_with_its_reason(analyst_client: Client) -> None:
    vasby()
    text_file = MUNICIPAL_SAMPLE.read_bytes().decode("cp1252")
    text_file = text_file.replace("664068,5", "NaN").replace("2025-01-09 22:15", "2025-01-32 22:15")

    response = post(analyst_client, file=sample_upload(data=text_file.encode("cp1252")))
    report = analyst_client.get(response["Location"])  # type: ignore[index]

    page = text(report)
    assert 'data-testid="rows-rejected">2<' in page
    assert "IR-2025-00017" in page and "koordinaten NaN i kolumn E är inte ett ändligt tal" in page
    assert "tiden 2025-01-32 22:15 kan inte läsas som datum och tid (kolumn Från)" in page
    download = analyst_client.get(f"{response['Location']}avvisade.csv")  # type: ignore[index]
    assert download.status_code == 200
    assert "2;IR-2025-00017;koordinaten NaN" in download.getvalue().decode("utf-8-sig")


def test_a_broken_csv_gets_422_naming_the_file_and_row_never_500(analyst_client: Client) -> None:
    vasby()
    lines = MUNICIPAL_SAMPLE.read_bytes().decode("cp1252").splitlines()
    lines[5] += ";ett fält för mycket"

    response = post(
        analyst_client, file=sample_upload("export.csv", "\r\n".join(lines).encode("cp1252"))
    )

    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "export.csv, rad 6: 15 fält men rubrikraden har 14" in text(response)
    assert ImportBatch.objects.count() == 0


def test_binary_garbage_gets_415(analyst_client: Client) -> None:
    vasby()

    response = post(analyst_client, file=sample_upload("export.csv", bytes(range(256)) * 8))

    assert response.status_code == 415  # type: ignore[attr-defined]
    assert "export.csv" in text(response)


def test_a_missing_file_or_an_incomplete_own_mapping_gets_400(analyst_client: Client) -> None:
    vasby()

    no_file = post(analyst_client)
    no_source = post(analyst_client, file=sample_upload(), profile="", time_column="Från")

    assert no_file.status_code == 400  # type: ignore[attr-defined]
    assert no_source.status_code == 400  # type: ignore[attr-defined]
    assert "källa (source) saknas" in text(no_source)


def test_strict_with_a_bad_row_shows_the_report_and_stores_nothing(analyst_client: Client) -> None:
    vasby()
    data = MUNICIPAL_SAMPLE.read_bytes().decode("cp1252").replace(";Klotter;", ";Nedskräpning;", 1)

    response = post(analyst_client, file=sample_upload(data=data.encode("cp1252")), strict="on")

    assert response.status_code == 422  # type: ignore[attr-defined]
    page = text(response)
    assert "Ingenting sparades" in page and "okänd kategori Nedskräpning" in page
    assert Incident.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_the_page_answers_json_to_the_progress_script(analyst_client: Client) -> None:
    vasby()

    ok = analyst_client.post(
        UPLOAD,
        {
            "municipality": "0114",
            "profile": "kommun_incidentrapport",
            "file": sample_upload(),
            "job": str(uuid.uuid4()),
        },
        headers={"Accept": "application/json"},
    )
    bad = analyst_client.post(
        UPLOAD,
        {
            "municipality": "0114",
            "profile": "kommun_incidentrapport",
            "file": sample_upload("x.csv", b"a\n"),
        },
        headers={"Accept": "application/json"},
    )

    assert ok.status_code == 201 and ok.json()["report_url"] == f"/import/{ok.json()['batch']}/"
    assert bad.status_code == 422 and "x.csv" in bad.json()["error"]


def test_an_own_mapping_can_be_saved_as_a_profile(analyst_client: Client, tmp_path: Path) -> None:
    vasby()
    data = f"nr;tid;typ;e;n\n1;2025-04-01 20:00;Klotter;{CX};{CY}\n".encode()

    response = post(
        analyst_client,
        file=sample_upload("larm.csv", data),
        profile="",
        source="larmcentral",
        id_columns="nr",
        time_column="tid",
        x_column="e",
        y_column="n",
        srid="3006",
        category_column="typ",
        categories="Klotter = klotter",
        save_as="larmcentralen",
    )

    assert response.status_code == 303  # type: ignore[attr-defined]
    saved = ImportProfile.objects.get(name="larmcentralen")
    assert saved.column_mapping["source"] == "larmcentral" and saved.category_mapping == {
        "Klotter": "klotter"
    }
    assert "larmcentralen" in text(analyst_client.get(UPLOAD))


def test_an_analyst_undoes_an_import_from_its_report(analyst_client: Client) -> None:
    vasby()
    post(analyst_client, file=sample_upload())
    batch = ImportBatch.objects.get()

    response = analyst_client.post(f"/import/{batch.pk}/angra/")

    assert response.status_code == 303
    assert Incident.objects.count() == 0
    assert (
        AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT_UNDONE, channel="page").count()
        == 1
    )
    page = text(analyst_client.get(f"/import/{batch.pk}/"))
    assert "Importen ångrades" in page and "Ångra importen" not in page
    again = analyst_client.post(f"/import/{batch.pk}/angra/")
    assert again.status_code == 409


def test_a_bra_member_may_not_undo_nor_read_a_report(
    analyst_client: Client, bra_member: User
) -> None:
    vasby()
    post(analyst_client, file=sample_upload())
    batch = ImportBatch.objects.get()
    bra_client = Client()
    bra_client.force_login(bra_member)

    undo = bra_client.post(f"/import/{batch.pk}/angra/")
    report = bra_client.get(f"/import/{batch.pk}/")

    assert (undo.status_code, report.status_code) == (403, 403)
    assert Incident.objects.count() == 30


def test_progress_is_read_back_by_the_same_user_only(
    analyst_client: Client, analyst: object
) -> None:
    vasby()
    job = uuid.uuid4()
    request = type("R", (), {"user": analyst})()
    write = _progress_writer(request, job)  # type: ignore[arg-type]
    write("read", 50, 200)

    mine = analyst_client.get(f"/import/progress/{job}/")
    unknown = analyst_client.get(f"/import/progress/{uuid.uuid4()}/")

    assert mine.json() == {"stage": "read", "done": 50, "total": 200}
    assert unknown.status_code == 404


def test_an_own_mapping_of_piled_points_is_reported_and_kept_only_when_the_analyst_says_so(
    analyst_client: Client,
) -> None:
    vasby()
    police_csv = (
        Path(__file__).resolve().parents[1]
        / "data"
        / "polisen_handelser"
        / "polisen_handelser_urval.csv"
    )
    fields = {
        "profile": "",
        "source": "polisen_egen",
        "id_columns": "event_id",
        "time_column": "datetime",
        "x_column": "longitude",
        "y_column": "latitude",
        "srid": "4326",
        "category_column": "type",
        "unknown_category": "ovrigt",
    }

    first = post(analyst_client, file=sample_upload("polis.csv", police_csv.read_bytes()), **fields)
    page = text(analyst_client.get(first["Location"]))  # type: ignore[index]
    second = post(
        analyst_client,
        file=sample_upload("polis2.csv", police_csv.read_bytes()),
        keep_piles="on",
        **{**fields, "source": "polisen_egen2"},
    )

    assert 'data-testid="piles"' in page
    assert "40 rader på samma punkt (59,51961, 17,92834)" in page
    assert 'data-testid="rows-area">40<' in page and 'data-testid="rows-stored">0<' in page
    assert "Staplade punkter är verkliga platser" in text(analyst_client.get(UPLOAD))
    assert second.status_code == 303  # type: ignore[attr-defined]
    assert Incident.objects.filter(source="polisen_egen", location__isnull=False).count() == 0
    assert Incident.objects.filter(source="polisen_egen2", location__isnull=False).count() == 40
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT_PILES_KEPT).count() == 1
