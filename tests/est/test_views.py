"""The EST pages over HTTP: the sync address (the walk observations' protocol: 201, 200, 409, 400 naming
the field), a reporter's own reports only, the lägesbild for BRÅ and analysts and its exports to the police
(CSV and a GeoPackage read back with GDAL's own ogrinfo/pyogrio)."""

from __future__ import annotations

import csv
import datetime
import io
import json
import subprocess
import tempfile
import uuid
from typing import Any

import pyogrio
from django.test import Client
from django.utils import timezone

from core import csvfile
from est.models import EstReport, EventType
from layers.roles import Role
from tests.est.conftest import CY, Town, lonlat
from tests.factories import user_with_role

SYNC = "/est/rapport/rapporter/"


def _client(user: Any) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client


def _body(**changes: object) -> dict[str, object]:
    lon, lat = lonlat(664772.0, CY)
    return {
        "client_uuid": str(uuid.uuid4()),
        "event_type": "gruppering",
        "lon": lon,
        "lat": lat,
        "gps_lon": lon,
        "gps_lat": lat,
        "accuracy_m": 12.5,
        "occurred_at": (timezone.now() - datetime.timedelta(minutes=30)).isoformat(),
        "note": "Ett tiotal ungdomar vid entrén",
        **changes,
    }


def _post(client: Client, body: object) -> Any:
    return client.post(SYNC, json.dumps(body), content_type="application/json")


def test_sync_stores_once_answers_the_same_and_refuses_other_content(town: Town) -> None:
    client = _client(town.housing)
    body = _body()

    first = _post(client, body)
    again = _post(client, body)
    changed = _post(client, {**body, "note": "något annat"})

    assert (first.status_code, again.status_code, changed.status_code) == (201, 200, 409)
    assert first.json()["client_uuid"] == body["client_uuid"]
    assert first.json()["area"] == "Centrum"
    assert first.json()["office"] == "Social- och omsorgskontoret"
    assert again.json()["id"] == first.json()["id"]
    assert changed.json()["report"]["note"] == body["note"]
    assert EstReport.objects.count() == 1


def test_sync_names_each_wrong_field(town: Town) -> None:
    client = _client(town.housing)
    response = _post(
        client,
        _body(client_uuid="nej", event_type="inbrott", lat=200, occurred_at="igår", note=["x"]),
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {
        "client_uuid",
        "event_type",
        "lat",
        "occurred_at",
        "note",
    }
    future = _post(
        client, _body(occurred_at=(timezone.now() + datetime.timedelta(days=1)).isoformat())
    )
    assert future.status_code == 400 and "occurred_at" in future.json()["fields"]
    garbage = client.post(SYNC, b"{not json", content_type="application/json")
    assert garbage.status_code == 400 and "body" in garbage.json()["fields"]
    assert not EstReport.objects.exists()


def test_a_session_without_the_csrf_token_is_refused(town: Town) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(town.housing)
    assert _post(client, _body()).status_code == 403
    assert not EstReport.objects.exists()


def test_someone_without_the_role_cannot_report(town: Town) -> None:
    assert _post(_client(town.planner), _body()).status_code == 403
    anonymous = _post(Client(), _body())
    assert (
        anonymous.status_code == 401 and "error" in anonymous.json()
    )  # never a redirect to follow
    assert not EstReport.objects.exists()


def test_a_conflict_from_another_reporter_shows_nothing_of_their_report(town: Town) -> None:
    body = _body(note="Hemligt för andra")
    assert _post(_client(town.guard), body).status_code == 201
    response = _post(_client(town.housing), {**body, "note": "mitt"})
    assert response.status_code == 409
    assert "Hemligt" not in response.content.decode()


def test_a_reporter_sees_only_their_own_reports(town: Town) -> None:
    mine = town.report(town.housing, EventType.GRAFFITI, note="Klotter på porten")
    theirs = town.report(town.guard, EventType.FIRE, note="Brand i soptunna vid skolan")
    client = _client(town.housing)

    page = client.get("/est/rapport/")
    own = client.get(f"/est/rapport/{mine.client_uuid}/")
    other = client.get(f"/est/rapport/{theirs.client_uuid}/")

    assert page.status_code == 200
    text = page.content.decode()
    assert str(mine.client_uuid) in text and str(theirs.client_uuid) not in text
    assert "Skriv inte namn på personer" in text
    assert own.status_code == 200 and "Klotter på porten" in own.content.decode()
    assert other.status_code == 404 and "soptunna" not in other.content.decode()


def test_the_lagesbild_is_for_bra_and_analysts_not_for_reporters_or_planners(town: Town) -> None:
    town.report(town.housing, EventType.GRAFFITI, note="Namn Namnsson")
    assert _client(town.bra).get("/est/lagesbild/").status_code == 200
    assert _client(town.planner).get("/est/lagesbild/").status_code == 403
    assert _client(town.housing).get("/est/lagesbild/").status_code == 403
    bad = _client(town.bra).get("/est/lagesbild/?typ=ar&mote=2026-12-07")
    assert bad.status_code == 400 and "typ" in bad.json()["fields"]
    bad = _client(town.bra).get("/est/lagesbild/?typ=vecka&mote=igår")
    assert bad.status_code == 400 and "mote" in bad.json()["fields"]


def test_the_lagesbild_page_shows_the_ranking_of_the_week(town: Town) -> None:
    last_week = timezone.localdate() - datetime.timedelta(days=7)
    when = timezone.make_aware(datetime.datetime.combine(last_week, datetime.time(20)))
    for t in (EventType.FIRE, EventType.FIRE, EventType.DRUGS):
        town.report(town.guard, t, "2003", when=when)
    town.report(town.housing, EventType.FIRE, "2003", when=when)
    page = _client(town.bra).get("/est/lagesbild/?typ=vecka")
    text = page.content.decode()
    assert 'data-area="2003" data-rank="1"' in text
    assert 'data-area="2001" data-rank=""' in text
    assert "Inga rapporter" in text


def _week_with_reports(town: Town) -> str:
    meeting = timezone.localdate() + datetime.timedelta(days=7)
    for t in (EventType.FIRE, EventType.GRAFFITI, EventType.LITTER):
        town.report(town.guard, t, "2002", note="Kalle Anka syntes där")
    town.report(town.housing, EventType.FIRE, "2001", note="Kalle Anka igen")
    return f"?typ=vecka&mote={meeting.isoformat()}"


def test_the_csv_for_the_police_has_the_ranking_and_no_free_text(town: Town) -> None:
    query = _week_with_reports(town)
    response = _client(town.bra).get("/est/lagesbild.csv" + query)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=csvfile.DELIMITER))
    header, body = rows[0], rows[1:]
    first = dict(zip(header, body[0], strict=True))
    assert (first["Rang"], first["NYKO-kod"], first["Rapporter"], first["Behov (viktat)"]) == (
        "1",
        "2002",
        "3",
        "5",
    )
    assert "Kalle" not in text and "Securitas" not in text and "Väsbyhem" not in text


def test_the_geopackage_for_the_police_opens_in_gdal_with_areas_and_points(town: Town) -> None:
    query = _week_with_reports(town)
    response = _client(town.bra).get("/est/lagesbild.gpkg" + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geopackage+sqlite3"
    data = b"".join(response.streaming_content)
    with tempfile.NamedTemporaryFile(suffix=".gpkg") as f:
        f.write(data)
        f.flush()
        info = subprocess.run(
            ["ogrinfo", "-ro", "-so", "-al", f.name], capture_output=True, text=True, check=True
        ).stdout
        assert 'EPSG",3006' in info.replace(" ", "") or "SWEREF99 TM" in info
        areas = pyogrio.read_dataframe(f.name, layer="est_omraden")
        points = pyogrio.read_dataframe(f.name, layer="est_rapporter")
    ranked = areas.set_index("nyko")
    assert int(ranked.loc["2002", "rang"]) == 1 and int(ranked.loc["2002", "rapporter"]) == 3
    assert int(ranked.loc["2001", "rapporter"]) == 1
    assert len(points) == 4
    assert set(points.columns) - {"geometry"} == {"handelsetyp", "handelsetyp_namn", "tid", "nyko"}
    assert "Kalle" not in data.decode("latin-1")


def test_the_office_finds_the_est_action_in_its_action_list(town: Town) -> None:
    report = town.report(town.housing, EventType.GATHERING, "2001", note="Namn Namnsson")
    action = report.action
    assert action is not None
    field_staff = user_with_role(Role.FIELD_STAFF, "est-falt")
    client = _client(field_staff)

    listing = client.get(f"/atgarder/kontor/{action.office_id}/")
    page = client.get(f"/atgarder/{action.pk}/")
    csv_text = b"".join(client.get("/atgarder/atgarder.csv").streaming_content).decode("utf-8-sig")

    assert (
        listing.status_code == 200
        and "Följ upp gruppering i Centrum väst" in listing.content.decode()
    )
    assert page.status_code == 200 and "Social- och omsorgskontoret" in page.content.decode()
    assert "Följ upp gruppering i Centrum väst" in csv_text
    assert "Namnsson" not in listing.content.decode() + page.content.decode() + csv_text
