"""Every write stays in the writer's municipality: each write channel × role × own and other municipality.

The scene holds two municipalities side by side, each with a walk, an observation, an action, a plan and
finished imports (incidents, plan, context). Every persona is a member of the first (Upplands Väsby). Each
write channel is asked once for the persona's own municipality's object and once for the other's:

- a persona without the permission is refused (login page, 401, 403 or 404) and nothing changes;
- with the permission, the own object changes as asked;
- the other municipality's object is "not found" (404; 422 or 400 naming the field where the object is
  named in the body or a form) and does not change, whoever asks. In the admin, superusers see every
  municipality by design (decision 0013); everyone else gets the other's object as a missing one.

The test ids are the matrix: ``test_...[channel-persona-own]``, ``test_...[channel-persona-other]``.
The read side of the matrix is tests/security/test_channel_matrix.py (docs/security.md).
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone
from PIL import Image

from geo.crs import STORAGE_SRID, WEB_SRID, transform_xy
from layers.models import (
    ContextLayer,
    Detaljplan,
    ImportBatch,
    Incident,
    IncidentCategory,
    Membership,
    Municipality,
)
from layers.roles import Role
from layers.scoring import assess, latest_assessments
from layers.services import ensure_reference_data
from statutory.models import Atgardsplan, Lagesbild, PlanRow, Problem
from surveys.auth import issue_device_token
from surveys.models import (
    Action,
    ActionDigest,
    Observation,
    ObservationPhoto,
    OfficeStaff,
    Trygghetsvandring,
)
from tests.conftest import login_verified
from tests.factories import VASBY_CENTRUM, MunicipalityFactory, WalkFactory, square
from tests.layers.import_helpers import MUNICIPAL_SAMPLE
from tests.plan_factories import rebuilt_plan

OTHER_CENTRE = (VASBY_CENTRUM[0] + 20_000, VASBY_CENTRUM[1])  # Sollentuna's stand-in, 20 km east


class P:
    """The personas: the demo's roles, an administrator who is not a superuser, a tablet's token."""

    ANONYMOUS = "anonym"
    PLANNER = "planerare"
    FIELD_STAFF = "faltpersonal"
    BRA_MEMBER = "bra-ledamot"
    ANALYST = "analytiker"
    ADMIN = "administrator"  # the Role.ADMIN group and staff, not a superuser
    SUPERUSER = "superanvandare"
    TABLET = "platta"  # a device token of the field staff member (the sync API only)


PERSONAS = [P.ANONYMOUS, P.PLANNER, P.FIELD_STAFF, P.BRA_MEMBER, P.ANALYST, P.ADMIN, P.SUPERUSER]
_ACCOUNTS: dict[str, tuple[str, bool, bool]] = {  # persona -> (group, is_staff, is_superuser)
    P.PLANNER: (Role.PLANNER, False, False),
    P.FIELD_STAFF: (Role.FIELD_STAFF, False, False),
    P.BRA_MEMBER: (Role.BRA_MEMBER, False, False),
    P.ANALYST: (Role.ANALYST, True, False),
    P.ADMIN: (Role.ADMIN, True, False),
    P.SUPERUSER: (Role.ADMIN, True, True),
}


@dataclass
class Side:
    """One municipality's objects."""

    municipality: Municipality
    walk: Trygghetsvandring
    observation: Observation
    action: Action
    plan: Detaljplan
    incident: Incident
    incident_batch: ImportBatch
    plan_batch: ImportBatch
    context_batch: ImportBatch
    plan_row: PlanRow


@dataclass
class Scene:
    own: Side
    other: Side
    users: dict[str, User] = field(default_factory=dict)
    token: str = ""

    def side(self, which: str) -> Side:
        return self.own if which == "own" else self.other

    def client(self, persona: str) -> Client:
        if persona == P.TABLET:
            return Client(headers={"Authorization": f"Bearer {self.token}"})
        client = Client()
        user = self.users.get(persona)
        if user is None:
            return client
        if user.is_staff or persona == P.ANALYST:
            return login_verified(client, user)
        client.force_login(user)
        return client


def _batch(municipality: Municipality, kind: str, name: str) -> ImportBatch:
    return ImportBatch.objects.create(
        municipality=municipality,
        kind=kind,
        filename=name,
        status=ImportBatch.Status.DONE,
        file_sha256=uuid.uuid4().hex + uuid.uuid4().hex,
    )


def _side(municipality: Municipality, centre: tuple[float, float], tag: str) -> Side:
    ensure_reference_data(municipality)
    walk = WalkFactory(municipality=municipality, name=f"Vandring {tag}", route=None)
    observation = Observation.objects.create(
        walk=walk,
        municipality=municipality,
        client_uuid=uuid.uuid4(),
        location=Point(centre[0] + 50, centre[1] + 5, srid=STORAGE_SRID),
        recorded_at=timezone.now() - timedelta(days=2),
        category=Observation.Category.LIGHTING,
        feeling=2,
        severity=2,
    )
    action = Action.objects.create(
        municipality=municipality,
        observation=observation,
        office=municipality.offices.order_by("pk").first(),
        title=f"Byt lampan {tag}",
    )
    incident_batch = _batch(municipality, ImportBatch.Kind.INCIDENTS, f"handelser-{tag}.csv")
    incident = Incident.objects.create(
        municipality=municipality,
        category=IncidentCategory.objects.get(code="skadegorelse"),
        source="test",
        source_ref=f"W-{tag}",
        location=Point(*centre, srid=STORAGE_SRID),
        occurred_from=timezone.now() - timedelta(days=3),
        import_batch=incident_batch,
    )
    plan_batch = _batch(municipality, ImportBatch.Kind.DETALJPLAN, f"plan-{tag}.geojson")
    plan = rebuilt_plan(municipality, plan_id=f"SKRIV-{tag}")
    plan.import_batch = plan_batch
    plan.save(update_fields=["import_batch"])
    assess(plan)  # its measures may become actions (page-plan-measure-action)
    context_batch = _batch(municipality, ImportBatch.Kind.CONTEXT, f"kontext-{tag}.geojson")
    ContextLayer.objects.create(
        municipality=municipality, name=f"Lager {tag}", source="test", import_batch=context_batch
    )
    today = timezone.localdate()
    adopted = {"status": "faststalld", "decided_by": "KS", "decided_on": today}
    lagesbild = Lagesbild.objects.create(
        municipality=municipality,
        title=f"Lägesbild {tag}",
        date_from=today - timedelta(days=365),
        date_to=today,
        **adopted,
    )
    plan_row = PlanRow.objects.create(
        plan=Atgardsplan.objects.create(
            municipality=municipality, lagesbild=lagesbild, title=f"Plan {tag}", **adopted
        ),
        problem=Problem.objects.create(lagesbild=lagesbild, title="Klotter"),
        cause="x",
        measure="Sanera",
        goal="Färre",
        when="2027",
        office=action.office,
        follow_up="Kvartalsvis",
    )
    return Side(
        plan_row=plan_row,
        municipality=municipality,
        walk=walk,
        observation=observation,
        action=action,
        plan=plan,
        incident=incident,
        incident_batch=incident_batch,
        plan_batch=plan_batch,
        context_batch=context_batch,
    )


def build_scene() -> Scene:
    vasby = MunicipalityFactory()
    other = MunicipalityFactory(
        kommunkod="0163", name="Sollentuna", boundary=square(*OTHER_CENTRE, 5000)
    )
    scene = Scene(own=_side(vasby, VASBY_CENTRUM, "V"), other=_side(other, OTHER_CENTRE, "S"))
    for persona, (group, staff, superuser) in _ACCOUNTS.items():
        user = User.objects.create_user(
            username=f"skriv-{persona}",
            password="x-test-password-1",
            is_staff=staff,
            is_superuser=superuser,
        )
        user.groups.add(Group.objects.get(name=group))
        Membership.objects.create(user=user, municipality=vasby)
        scene.users[persona] = user
    # The field staff member works at the own side's office responsible for the plan row.
    OfficeStaff.objects.create(office=scene.own.plan_row.office, user=scene.users[P.FIELD_STAFF])
    scene.token = issue_device_token(vasby, name="Platta", user=scene.users[P.FIELD_STAFF])[1]
    return scene


# --- the write channels ----------------------------------------------------------------------------

Body = tuple[Any, str | None]  # (data, content type: None for a form)


def lon_lat(x: float, y: float) -> tuple[float, float]:
    lons, lats = transform_xy([x], [y], from_srid=STORAGE_SRID, to_srid=WEB_SRID)
    return float(lons[0]), float(lats[0])


def centre(side: Side) -> tuple[float, float]:
    point = side.municipality.boundary.point_on_surface
    return float(point.x), float(point.y)


def square_wgs84(cx: float, cy: float, half: float) -> dict[str, Any]:
    xs, ys = transform_xy(
        [cx - half, cx + half, cx + half, cx - half, cx - half],
        [cy - half, cy - half, cy + half, cy + half, cy - half],
        from_srid=STORAGE_SRID,
        to_srid=WEB_SRID,
    )
    return {
        "type": "Polygon",
        "coordinates": [[[float(x), float(y)] for x, y in zip(xs, ys, strict=True)]],
    }


def observation_body(side: Side) -> Body:
    lon, lat = lon_lat(*centre(side))
    return (
        json.dumps(
            {
                "client_uuid": str(uuid.uuid4()),
                "walk": side.walk.pk,
                "lon": lon,
                "lat": lat,
                "recorded_at": timezone.now().isoformat(),
                "category": "belysning",
                "feeling": 2,
                "severity": 2,
            }
        ),
        "application/json",
    )


def photo_body(side: Side) -> Body:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, format="JPEG")
    upload = SimpleUploadedFile("foto.jpg", buffer.getvalue(), "image/jpeg")
    return {"client_uuid": str(uuid.uuid4()), "image": upload}, None


def track_body(side: Side) -> Body:
    x, y = centre(side)
    coords = [list(lon_lat(x, y)), list(lon_lat(x + 200, y + 50))]
    return json.dumps({"coordinates": coords}), "application/json"


def walk_form(side: Side, *, name: str = "Ny vandring") -> Body:
    district = side.municipality.districts.order_by("pk").first()
    return {
        "name": name,
        "walked_on": "2026-10-14",
        "start_time": "19:00",
        "light": "morker",
        "district": district.pk if district else "",
        "notes": "",
    }, None


def incidents_upload(side: Side) -> Body:
    upload = SimpleUploadedFile(
        "kommun_incidentrapport_exempel.csv", MUNICIPAL_SAMPLE.read_bytes(), "text/csv"
    )
    return {
        "municipality": side.municipality.kommunkod,
        "profile": "kommun_incidentrapport",
        "file": upload,
    }, None


def plan_payload(side: Side, *, plan_id: str) -> Body:
    x, y = centre(side)
    return (
        json.dumps(
            {
                "plan": {"plan_id": plan_id, "name": "Skriven plan", "kind": "ny"},
                "area": square_wgs84(x, y, 100),
                "zones": [],
            }
        ),
        "application/json",
    )


def admin_walk_form(side: Side) -> Body:
    return {
        "municipality": side.municipality.pk,
        "name": "Ändrad i admin",
        "walked_on": "2026-10-14",
        "light": "morker",
        "status": "planerad",
        "checklist": "[]",
        "participants-TOTAL_FORMS": "0",
        "participants-INITIAL_FORMS": "0",
        "participants-MIN_NUM_FORMS": "0",
        "participants-MAX_NUM_FORMS": "1000",
    }, None


def _walk(side: Side) -> Trygghetsvandring:
    return Trygghetsvandring.objects.get(pk=side.walk.pk)


def _observation_count(side: Side) -> int:
    return Observation.objects.filter(municipality=side.municipality).count()


def _walk_state(side: Side) -> tuple[str, str, str | None]:
    walk = _walk(side)
    return walk.name, walk.status, walk.track.wkt if walk.track else None


def _action_state(side: Side) -> tuple[str, int]:
    action = Action.objects.get(pk=side.action.pk)
    return action.status, action.office_id


def _batch_status(batch: ImportBatch) -> str:
    return ImportBatch.objects.get(pk=batch.pk).status


def _incidents(side: Side) -> int:
    return Incident.objects.filter(municipality=side.municipality).count()


def _plans(side: Side) -> list[tuple[str, str]]:
    return sorted(
        Detaljplan.objects.filter(municipality=side.municipality).values_list("plan_id", "name")
    )


def measure_form(side: Side) -> Body:
    """The first measure of the side's plan review, as the plan page's button sends it."""
    for scenario, assessment in latest_assessments(side.plan).items():
        for result in assessment.results:
            if result.get("measures"):
                return {"criterion": result["key"], "scenario": scenario, "index": "0"}, None
    raise AssertionError("the scene's plan review suggests no measure")


def _digest(side: Side) -> bool:
    digest = ActionDigest.objects.filter(office_id=side.action.office_id).first()
    return bool(digest and digest.enabled)


def _other_office(scene: Scene, side: Side) -> int:
    """An office of the *other* municipality than ``side``'s, to name in a form."""
    other = scene.other if side is scene.own else scene.own
    office = other.municipality.offices.order_by("pk").first()
    assert office is not None
    return office.pk


@dataclass(frozen=True)
class WriteChannel:
    id: str
    method: str
    url: Callable[[Scene, Side], str]
    body: Callable[[Scene, Side], Body]
    # Who may write: every permission listed (and staff for the admin).
    permissions: tuple[str, ...]
    # What the write changes: read before and after, for the asked side and the other side.
    state: Callable[[Side], Any]
    own_status: frozenset[int]
    # The answer for the other municipality's object, for those who may write.
    other_status: frozenset[int] = frozenset({404})
    admin: bool = False  # an admin page
    # The other municipality's object is in the address, and superusers see every municipality in the
    # admin (decision 0013): for them it is not "other". Naming another's row *in* a row is refused for all.
    superuser_reaches_other: bool = False
    personas: tuple[str, ...] = tuple(PERSONAS)
    # Who may write when that is not a permission (staff of an office, surveys.OfficeStaff).
    may: Callable[[User], bool] | None = None

    def __str__(self) -> str:
        return self.id


OK = frozenset({200})
CREATED = frozenset({201})
REDIRECT = frozenset({302, 303})

WRITE_CHANNELS = [
    # the tablets' sync API (session or device token)
    WriteChannel(
        "api-observation",
        "post",
        lambda s, side: "/api/v1/observations/",
        lambda s, side: observation_body(side),
        ("surveys.add_observation",),
        _observation_count,
        CREATED,
        other_status=frozenset({422}),  # the walk is named in the body: "no walk with id …"
        personas=(*PERSONAS, P.TABLET),
    ),
    WriteChannel(
        "api-photo",
        "post",
        lambda s, side: f"/api/v1/observations/{side.observation.client_uuid}/photos/",
        lambda s, side: photo_body(side),
        ("surveys.add_observationphoto",),
        lambda side: ObservationPhoto.objects.filter(observation=side.observation).count(),
        CREATED,
        personas=(*PERSONAS, P.TABLET),
    ),
    WriteChannel(
        "api-walk-track",
        "put",
        lambda s, side: f"/api/v1/walks/{side.walk.pk}/track/",
        lambda s, side: track_body(side),
        ("surveys.change_trygghetsvandring",),
        _walk_state,
        OK,
        personas=(*PERSONAS, P.TABLET),
    ),
    WriteChannel(
        "api-walk-status",
        "post",
        lambda s, side: f"/api/v1/walks/{side.walk.pk}/status/",
        lambda s, side: (json.dumps({"status": "pagar"}), "application/json"),
        ("surveys.change_trygghetsvandring",),
        _walk_state,
        OK,
        personas=(*PERSONAS, P.TABLET),
    ),
    # pages
    WriteChannel(
        "page-walk-create-follow-up",
        "post",
        lambda s, side: "/vandringar/ny/",
        lambda s, side: (
            {**walk_form(s.own, name="Uppföljning")[0], "follow_up_of": side.walk.pk},
            None,
        ),
        ("surveys.add_trygghetsvandring",),
        lambda side: Trygghetsvandring.objects.filter(municipality=side.municipality).count(),
        REDIRECT,
        other_status=frozenset({400}),  # the earlier walk is named in the form
    ),
    WriteChannel(
        "page-walk-edit",
        "post",
        lambda s, side: f"/vandringar/{side.walk.pk}/andra/",
        lambda s, side: walk_form(side, name="Ändrad vandring"),
        ("surveys.change_trygghetsvandring",),
        _walk_state,
        REDIRECT,
    ),
    WriteChannel(
        "page-walk-status",
        "post",
        lambda s, side: f"/vandringar/{side.walk.pk}/status/",
        lambda s, side: ({"status": "pagar"}, None),
        ("surveys.change_trygghetsvandring",),
        _walk_state,
        REDIRECT,
    ),
    WriteChannel(
        "page-action",
        "post",
        lambda s, side: f"/atgarder/{side.action.pk}/",
        lambda s, side: ({"status": "pagar", "office": side.action.office_id}, None),
        ("surveys.change_action",),
        _action_state,
        REDIRECT,
    ),
    WriteChannel(
        "page-action-office-of-other",
        "post",
        lambda s, side: f"/atgarder/{s.own.action.pk}/",
        lambda s, side: ({"status": "pagar", "office": side.action.office_id}, None),
        ("surveys.change_action",),
        lambda side: _action_state(side) if side.municipality.kommunkod == "0114" else None,
        REDIRECT,
        other_status=frozenset({400}),  # another municipality's office is not a choice
    ),
    WriteChannel(
        "page-office-digest",
        "post",
        lambda s, side: f"/atgarder/kontor/{side.action.office_id}/veckobrev/",
        lambda s, side: ({"enabled": "1"}, None),
        ("surveys.change_action",),
        _digest,
        REDIRECT,
    ),
    WriteChannel(
        "page-plan-measure-action",
        "post",
        lambda s, side: f"/plan/{side.plan.pk}/atgard/",
        lambda s, side: measure_form(side),
        ("surveys.add_action",),
        lambda side: Action.objects.filter(plan=side.plan).count(),
        REDIRECT,
    ),
    WriteChannel(
        "page-incident-import",
        "post",
        lambda s, side: "/import/",
        lambda s, side: incidents_upload(side),
        ("layers.add_incident", "layers.add_importbatch"),
        _incidents,
        REDIRECT,
        other_status=frozenset({400}),  # the municipality is a form field with one choice
    ),
    WriteChannel(
        "page-incident-import-undo",
        "post",
        lambda s, side: f"/import/{side.incident_batch.pk}/angra/",
        lambda s, side: ({}, None),
        ("layers.add_incident", "layers.add_importbatch"),
        lambda side: _batch_status(side.incident_batch),
        REDIRECT,
    ),
    WriteChannel(
        "page-plan-import-undo",
        "post",
        lambda s, side: f"/plan/importera/{side.plan_batch.pk}/angra/",
        lambda s, side: ({}, None),
        ("layers.add_detaljplan",),
        lambda side: _batch_status(side.plan_batch),
        REDIRECT,
    ),
    WriteChannel(
        "page-context-import-undo",
        "post",
        lambda s, side: f"/plan/kontext/importera/{side.context_batch.pk}/angra/",
        lambda s, side: ({}, None),
        ("layers.add_contextlayer",),
        lambda side: _batch_status(side.context_batch),
        REDIRECT,
    ),
    WriteChannel(
        "page-plan-edit",
        "post",
        lambda s, side: f"/plan/{side.plan.pk}/redigera/spara/",
        lambda s, side: plan_payload(side, plan_id=side.plan.plan_id),
        ("layers.change_detaljplan",),
        _plans,
        OK,
    ),
    WriteChannel(
        "page-plan-new-in-other",
        "post",
        lambda s, side: "/plan/ny/spara/",
        lambda s, side: plan_payload(side, plan_id="NY-1"),
        ("layers.add_detaljplan",),
        _plans,
        CREATED,
        other_status=frozenset({422}),  # drawn outside the user's municipality
    ),
    WriteChannel(
        "page-plan-rescore",
        "post",
        lambda s, side: f"/plan/{side.plan.pk}/bedom/",
        lambda s, side: ({}, None),
        ("layers.add_planassessment",),
        lambda side: side.plan.assessments.count(),
        REDIRECT,
    ),
    WriteChannel(
        "page-plan-row-status",  # offices update their rows of an adopted åtgärdsplan (0805)
        "post",
        lambda s, side: (
            f"/lagesbild/dokument/atgardsplan/{side.plan_row.plan_id}/rad/{side.plan_row.pk}/status/"
        ),
        lambda s, side: ({"light": "rod", "status_note": "Står still"}, None),
        (),
        lambda side: PlanRow.objects.filter(pk=side.plan_row.pk).values_list(
            "light", "status_note"
        )[0],
        REDIRECT,
        may=lambda user: OfficeStaff.objects.filter(user=user).exists(),
    ),
    # the admin
    WriteChannel(
        "admin-walk-change",
        "post",
        lambda s, side: f"/admin/surveys/trygghetsvandring/{side.walk.pk}/change/",
        lambda s, side: admin_walk_form(side),
        ("surveys.change_trygghetsvandring",),
        _walk_state,
        REDIRECT,
        other_status=frozenset({302}),  # the admin sends a missing id to its index
        admin=True,
        superuser_reaches_other=True,
    ),
    WriteChannel(
        "admin-action-office",
        "post",
        lambda s, side: f"/admin/surveys/action/{s.own.action.pk}/change/",
        lambda s, side: (
            {
                "municipality": s.own.municipality.pk,
                "title": "Ändrad",
                "office": side.action.office_id,
                "status": "pagar",
                "observation": s.own.observation.pk,
                "history-TOTAL_FORMS": "0",
                "history-INITIAL_FORMS": "0",
                "history-MIN_NUM_FORMS": "0",
                "history-MAX_NUM_FORMS": "1000",
            },
            None,
        ),
        ("surveys.change_action",),
        lambda side: _action_state(side) if side.municipality.kommunkod == "0114" else None,
        REDIRECT,
        other_status=frozenset({200}),  # the form again: another municipality's office is no choice
        admin=True,
    ),
    WriteChannel(
        "admin-incident-change",
        "post",
        lambda s, side: f"/admin/layers/incident/{side.incident.pk}/change/",
        lambda s, side: (
            {
                "municipality": side.municipality.pk,
                "category": side.incident.category_id,
                "source": "test",
                "source_ref": side.incident.source_ref,
                "location": side.incident.location.ewkt,
                "occurred_from_0": "2026-01-02",
                "occurred_from_1": "10:00:00",
                "precision": side.incident.precision,
                "description": "ÄNDRAD",
            },
            None,
        ),
        ("layers.change_incident",),
        lambda side: Incident.objects.get(pk=side.incident.pk).description,
        REDIRECT,
        other_status=frozenset({302}),
        admin=True,
        superuser_reaches_other=True,
    ),
]


def permitted(channel: WriteChannel, user: User | None) -> bool:
    if user is None:
        return False
    if channel.admin and not user.is_staff:
        return False
    if channel.may is not None:
        return channel.may(user)
    return user.has_perms(channel.permissions)


def sees_every_municipality(channel: WriteChannel, user: User | None) -> bool:
    return channel.superuser_reaches_other and user is not None and user.is_superuser


DENIED = frozenset({302, 401, 403, 404})
MATRIX = [
    pytest.param(c, p, which, id=f"{c.id}-{p}-{which}")
    for c in WRITE_CHANNELS
    for p in c.personas
    for which in ("own", "other")
]


@pytest.fixture(scope="module")
def scene(django_db_setup: None, django_db_blocker: Any) -> Iterator[Scene]:
    """The scene for the whole module, rolled back at its end (each test runs in a savepoint)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_scene()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.mark.django_db
@pytest.mark.parametrize(("channel", "persona", "which"), MATRIX)
def test_every_write_stays_in_the_writers_municipality(
    scene: Scene, channel: WriteChannel, persona: str, which: str
) -> None:
    side = scene.side(which)
    bystander = scene.other if which == "own" else scene.own
    user = scene.users.get(persona if persona != P.TABLET else P.FIELD_STAFF)
    before, bystander_before = channel.state(side), channel.state(bystander)
    data, content_type = channel.body(scene, side)
    send = getattr(scene.client(persona), channel.method)

    if content_type is None:
        response = send(channel.url(scene, side), data)
    else:
        response = send(channel.url(scene, side), data, content_type=content_type)

    after, bystander_after = channel.state(side), channel.state(bystander)
    shown = response.content[:300] if not response.streaming else b""
    assert bystander_after == bystander_before, "a write reached the municipality not asked"
    if not permitted(channel, user):
        assert response.status_code in DENIED, f"{response.status_code}: {shown!r}"
        assert after == before, "a refused write changed something"
    elif which == "own" or sees_every_municipality(channel, user):
        assert response.status_code in channel.own_status, f"{response.status_code}: {shown!r}"
        assert after != before, "the write was answered but changed nothing"
    else:
        assert response.status_code in channel.other_status, f"{response.status_code}: {shown!r}"
        assert after == before, "another municipality's object changed"
