"""Gallring: ``manage.py gallra`` removes what is past its time and keeps the rest (issue 10).

Real rows of every kind, one just past its retention period and one just inside it, then the command;
``--dry-run`` counts and removes nothing. The audit log's own rows go only through the command, and the
database refuses every other delete, and any delete of the last year (decision 0623).
"""

from __future__ import annotations

import io
import os
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from PIL import Image

from accounts import api_tokens
from accounts.models import ApiToken
from layers.models import AuditEvent, ImportBatch
from layers.roles import Role
from surveys import services as survey_services
from surveys.auth import issue_device_token
from surveys.models import Action, DeviceToken, Observation, ObservationPhoto, Trygghetsvandring
from tests.factories import IncidentFactory, WalkFactory, user_with_role
from tests.layers.import_helpers import vasby

pytestmark = pytest.mark.django_db
DAYS = settings.RETENTION_DAYS
DAY = timedelta(days=1)


def ago(days: int, extra: timedelta = timedelta(0)) -> Any:
    return timezone.now() - timedelta(days=days) - extra


def gallra(*args: str) -> str:
    out = io.StringIO()
    call_command("gallra", *args, stdout=out)
    return out.getvalue()


def old_audit_event(days: int) -> int:
    """An audit entry written ``days`` ago (INSERT is allowed; the row cannot be changed afterwards)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO layers_auditevent (at, username, action, channel, object_type, count, detail)"
            " VALUES (%s, 'gammal', 'login', 'page', '', 0, '{}') RETURNING id",
            [ago(days)],
        )
        return int(cursor.fetchone()[0])


def photo_of(observation: Observation, media: Path) -> ObservationPhoto:
    path = media / f"{uuid.uuid4()}.jpg"
    Image.new("RGB", (32, 24), (200, 120, 40)).save(path, format="JPEG")
    return survey_services.attach_photo(observation, client_uuid=uuid.uuid4(), path=path).photo


def observation(walk: Trygghetsvandring, days: int, note: str) -> Observation:
    return survey_services.record_observation(
        walk,
        client_uuid=uuid.uuid4(),
        lon=17.911,
        lat=59.518,
        recorded_at=ago(days),
        category="belysning",
        feeling=2,
        severity=2,
        note=note,
    ).observation


@pytest.fixture
def scene(tmp_path: Path) -> dict[str, Any]:
    municipality = vasby()
    user = user_with_role(Role.FIELD_STAFF, username="falt")
    walk = WalkFactory(
        municipality=municipality,
        walked_on=ago(DAYS["walk_free_text"] + 1).date(),
        notes="Anna S. (granne) följde med",
        route=None,
    )
    new_walk = WalkFactory(
        municipality=municipality, walked_on=ago(10).date(), notes="Ny vandring", route=None
    )
    rows: dict[str, Any] = {"walk": walk, "new_walk": new_walk}

    rows["old_incident"] = IncidentFactory(
        municipality=municipality, occurred_from=ago(DAYS["incidents"], DAY)
    )
    rows["new_incident"] = IncidentFactory(
        municipality=municipality, occurred_from=ago(DAYS["incidents"] - 1)
    )
    # an interval that began long ago but ended inside the period is kept
    rows["long_incident"] = IncidentFactory(
        municipality=municipality,
        occurred_from=ago(DAYS["incidents"] + 30),
        occurred_to=ago(DAYS["incidents"] - 1),
    )

    for name, days in (("old_batch", DAYS["import_rejections"] + 1), ("new_batch", 5)):
        batch = ImportBatch.objects.create(
            municipality=municipality,
            kind=ImportBatch.Kind.INCIDENTS,
            filename=f"{name}.csv",
            rows_read=2,
            rows_rejected=1,
            rejected=[{"row": 2, "ref": "A-1", "reason": "Anna S."}],
        )
        ImportBatch.objects.filter(pk=batch.pk).update(created_at=ago(days))
        rows[name] = batch

    rows["old_note"] = observation(walk, DAYS["walk_free_text"] + 1, "Anna S. bor i porten")
    rows["new_note"] = observation(new_walk, 10, "Trasig lampa")
    rows["old_action"] = rows["old_note"].actions.get()
    rows["old_action"].status = Action.Status.DONE
    rows["old_action"].save()

    media = tmp_path
    old_photo_obs = observation(walk, DAYS["observation_photos"] + 1, "")
    old_photo_obs.actions.update(status=Action.Status.DONE)
    open_photo_obs = observation(walk, DAYS["observation_photos"] + 1, "")  # its action is open
    rows["old_photo"] = photo_of(old_photo_obs, media)
    rows["open_photo"] = photo_of(open_photo_obs, media)
    rows["new_photo"] = photo_of(rows["new_note"], media)

    old_token, _ = issue_device_token(municipality, name="Gammal", user=user)
    DeviceToken.objects.filter(pk=old_token.pk).update(revoked_at=ago(DAYS["device_tokens"] + 1))
    new_token, _ = issue_device_token(municipality, name="Ny", user=user)
    DeviceToken.objects.filter(pk=new_token.pk).update(revoked_at=ago(3))
    rows["old_token"], rows["new_token"] = old_token, new_token

    old_key = api_tokens.issue(user, name="gammal")[0]
    ApiToken.objects.filter(pk=old_key.pk).update(
        created_at=ago(DAYS["api_tokens"] + 200), expires_at=ago(DAYS["api_tokens"] + 1)
    )
    rows["old_key"], rows["new_key"] = old_key, api_tokens.issue(user, name="ny")[0]

    for name, days in (("old_login", DAYS["login_records"] + 1), ("new_login", 2)):
        rows[name] = AccessLog.objects.create(
            username="falt", ip_address="192.0.2.1", user_agent="x"
        )
        AccessLog.objects.filter(pk=rows[name].pk).update(attempt_time=ago(days))  # auto_now_add
    rows["old_attempt"] = AccessAttempt.objects.create(
        username="falt",
        ip_address="192.0.2.1",
        user_agent="x",
        failures_since_start=1,
        attempt_time=ago(DAYS["login_records"] + 1),
        get_data="",
        post_data="",
    )
    AccessAttempt.objects.filter(pk=rows["old_attempt"].pk).update(
        attempt_time=ago(DAYS["login_records"] + 1)
    )
    for name, days in (("old_session", DAYS["sessions"] + 1), ("live_session", -1)):
        rows[name] = Session.objects.create(
            session_key=uuid.uuid4().hex, session_data="", expire_date=ago(days)
        )

    rows["old_audit"] = old_audit_event(DAYS["audit_log"] + 1)
    rows["new_audit"] = old_audit_event(DAYS["audit_log"] - 1)

    exports = Path(settings.MEDIA_ROOT) / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    rows["old_file"] = exports / "gpkg-lamnad-kvar"
    rows["old_file"].mkdir(exist_ok=True)
    (rows["old_file"] / "paket.gpkg").write_bytes(b"x")
    stamp = time.time() - (DAYS["working_files"] + 1) * 86400
    os.utime(rows["old_file"], (stamp, stamp))
    rows["new_file"] = exports / "gpkg-pagar"
    rows["new_file"].mkdir(exist_ok=True)
    return rows


def exists(instance: Any) -> bool:
    return type(instance).objects.filter(pk=instance.pk).exists()


def test_gallra_removes_what_is_past_its_time_and_keeps_the_rest(scene: dict[str, Any]) -> None:
    photo_files = [Path(scene["old_photo"].image.path), Path(scene["old_photo"].thumbnail.path)]

    report = gallra()

    # incidents: by when they ended
    assert not exists(scene["old_incident"])
    assert exists(scene["new_incident"]) and exists(scene["long_incident"])
    # rejected rows of old imports; the counts stay
    old_batch, new_batch = (
        ImportBatch.objects.get(pk=scene[k].pk) for k in ("old_batch", "new_batch")
    )
    assert old_batch.rejected == [] and old_batch.rows_rejected == 1
    assert new_batch.rejected != []
    # free text of old walks, their observations and closed actions; the observation itself stays
    old_note = Observation.objects.get(pk=scene["old_note"].pk)
    old_action = Action.objects.get(pk=scene["old_action"].pk)
    assert old_note.note == "" and old_note.category == "belysning"
    assert "Anna" not in old_action.title + old_action.description
    assert Trygghetsvandring.objects.get(pk=scene["walk"].pk).notes == ""
    assert Observation.objects.get(pk=scene["new_note"].pk).note == "Trasig lampa"
    assert Trygghetsvandring.objects.get(pk=scene["new_walk"].pk).notes == "Ny vandring"
    # photos: the old one (row and both files), not the one whose action is open, not the new one
    assert not exists(scene["old_photo"]) and not any(p.exists() for p in photo_files)
    assert exists(scene["open_photo"]) and exists(scene["new_photo"])
    assert Path(scene["new_photo"].image.path).exists()
    # tokens, keys, login records, sessions
    assert not exists(scene["old_token"]) and exists(scene["new_token"])
    assert not exists(scene["old_key"]) and exists(scene["new_key"])
    assert not exists(scene["old_login"]) and exists(scene["new_login"])
    assert not exists(scene["old_attempt"])
    assert not exists(scene["old_session"]) and exists(scene["live_session"])
    # the audit log, through the trigger's one door
    assert not AuditEvent.objects.filter(pk=scene["old_audit"]).exists()
    assert AuditEvent.objects.filter(pk=scene["new_audit"]).exists()
    # files left behind by a dead request
    assert not scene["old_file"].exists() and scene["new_file"].exists()
    # the run is in the audit log, and the report names each kind
    run = AuditEvent.objects.get(action=AuditEvent.Action.RETENTION)
    assert run.detail["incidents"] == {"removed": 1, "days": DAYS["incidents"]}
    assert "händelser: 1 gallrade" in report and "granskningsloggen: 1 gallrade" in report


def test_a_dry_run_counts_and_removes_nothing(scene: dict[str, Any]) -> None:
    report = gallra("--dry-run")

    assert "händelser: 1 skulle gallras" in report
    assert "foton från trygghetsvandringar: 1 skulle gallras" in report
    assert exists(scene["old_incident"]) and exists(scene["old_photo"]) and exists(scene["old_key"])
    assert AuditEvent.objects.filter(pk=scene["old_audit"]).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.RETENTION).exists()


def test_a_second_run_finds_nothing_more(scene: dict[str, Any]) -> None:
    gallra()

    again = gallra("--dry-run")

    assert all(line.split(": ")[1].startswith("0 ") for line in again.strip().splitlines()), again


def test_the_audit_log_can_be_thinned_only_by_gallring_and_never_its_last_year() -> None:
    old = old_audit_event(2000)
    recent = old_audit_event(300)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=old).delete()  # not gallring: refused
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL trygg.gallring = 'on'")
            cursor.execute("DELETE FROM layers_auditevent WHERE id = %s", [recent])  # < 1 year
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL trygg.gallring = 'on'")
            cursor.execute("UPDATE layers_auditevent SET username = 'x' WHERE id = %s", [old])

    assert AuditEvent.objects.filter(pk__in=[old, recent]).count() == 2


def test_the_audit_log_cannot_be_configured_to_be_kept_less_than_a_year(settings: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "audit_log": 30}

    with pytest.raises(ImproperlyConfigured, match="audit_log"):
        gallra("--dry-run")
