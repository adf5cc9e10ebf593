"""Effect follow-ups in the statutory documents: the åtgärdsplan's uppföljning column, the kept
lägesbild's frozen section "Uppföljning av åtgärder" and both DOCX exports (issue 16; decisions
0706–0709)."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone
from docx import Document

from followup import present, services
from followup.models import Evaluation
from geo import effect
from geo.crs import STORAGE_SRID
from layers.models import AuditEvent, Membership
from layers.roles import Role
from statutory.models import PlanRow
from surveys.models import Action
from tests.conftest import login_verified
from tests.factories import IncidentFactory, MunicipalityFactory, square, user_with_role
from tests.statutory.conftest import X0, Y0, Town, login
from tests.statutory.test_documents import adopted_plan, make_doc

pytestmark = pytest.mark.django_db

TARGET_XY = (X0 - 1000, Y0)
COMPARISON_XY = (X0 + 1000, Y0)


def months_ago(n: int) -> datetime.date:
    today = timezone.localdate()
    y, m = today.year, today.month - n
    while m < 1:
        y, m = y - 1, m + 12
    return datetime.date(y, m, 1)


def evaluation(town: Town, title: str, start: datetime.date, **extra: Any) -> Evaluation:
    target = square(*TARGET_XY, 200)
    return Evaluation.objects.create(
        municipality=extra.pop("municipality", town.municipality),
        title=title,
        target_area=target,
        buffer_area=services.buffer_ring(target, 300),
        comparison_area=square(*COMPARISON_XY, 200),
        start_date=start,
        months=6,
        variance="poisson",
        **extra,
    )


def incidents(
    town: Town, where: tuple[float, float], when: datetime.date, n: int, **kw: Any
) -> None:
    moment = datetime.datetime.combine(when, datetime.time(12), timezone.get_current_timezone())
    for i in range(n):
        IncidentFactory(
            municipality=town.municipality,
            category=kw.get("category", town.misshandel),
            location=Point(where[0] + i % 50, where[1] + i // 50, srid=STORAGE_SRID),
            occurred_from=moment,
        )


def finished_reduction(town: Town, title: str = "Belysning i gångtunneln") -> Evaluation:
    """An evaluation whose after period ended months ago, with a clear drop in the target
    (40 → 8) against a steady comparison area (40 → 40)."""
    start = months_ago(14)
    e = evaluation(town, title, start)
    # The before period is the same months a year earlier (seasons aligned, decision 0701).
    after = start + datetime.timedelta(days=45)
    before = after.replace(year=after.year - 1)
    incidents(town, TARGET_XY, before, 40)
    incidents(town, TARGET_XY, after, 8)
    incidents(town, COMPARISON_XY, before, 40)
    incidents(town, COMPARISON_XY, after, 40)
    return e


def row_data(town: Town, problem: Any, **extra: Any) -> dict[str, Any]:
    return {
        "problem": problem.pk,
        "cause": "Mörkt",
        "measure": "Belysning",
        "goal": "Färre misshandelsfall",
        "indicator": "otryggt",
        "when": "2027",
        "office": town.office.pk,
        "follow_up": "Effektuppföljning efter ett år",
        "light": "gron",
        **extra,
    }


def make_row(town: Town, plan: Any, problem: Any) -> PlanRow:
    data = {**row_data(town, problem), "problem": problem, "office": town.office}
    return PlanRow.objects.create(plan=plan, **data)


def test_a_row_refuses_another_municipalitys_evaluation(town: Town) -> None:
    _doc, plan, problem = adopted_plan(town)
    other = MunicipalityFactory(kommunkod="0115", name="Vallentuna", boundary=square(0, 0, 10))
    theirs = evaluation(town, "Grannens kamera", months_ago(14), municipality=other)
    ours = evaluation(town, "Vår belysning", months_ago(14))
    Membership.objects.create(user=town.coordinator, municipality=town.municipality)
    coordinator = login(town.coordinator)
    url = f"/lagesbild/dokument/atgardsplan/{plan.pk}/rad/ny/"

    refused = coordinator.post(url, row_data(town, problem, evaluations=[theirs.pk]))

    assert refused.status_code == 400
    assert "evaluations" in refused.content.decode()
    assert not PlanRow.objects.filter(plan=plan).exists()
    accepted = coordinator.post(url, row_data(town, problem, evaluations=[ours.pk]))
    assert accepted.status_code == 302
    row = PlanRow.objects.get(plan=plan)
    assert list(row.evaluations.all()) == [ours]
    # Editing the row cannot slip the other municipality's in either.
    edit = f"/lagesbild/dokument/atgardsplan/{plan.pk}/rad/{row.pk}/"
    assert (
        coordinator.post(edit, row_data(town, problem, evaluations=[theirs.pk])).status_code == 400
    )
    assert list(row.evaluations.all()) == [ours]


def test_the_uppfoljning_column_shows_linked_and_action_evaluations_verdicts(town: Town) -> None:
    _doc, plan, problem = adopted_plan(town)
    direct = finished_reduction(town)
    action = Action.objects.create(
        municipality=town.municipality,
        title="Kamera vid torget",
        description="Kamera",
        office=town.office,
    )
    # Reached through the action only; its after period is not over yet.
    running = evaluation(town, "Kameran vid torget", months_ago(2), action=action)
    row = make_row(town, plan, problem)
    row.evaluations.add(direct)
    row.actions.add(action)

    page = login(town.bra).get(f"/lagesbild/dokument/atgardsplan/{plan.pk}/").content.decode()

    reduction = present.verdicts()[effect.REDUCTION]
    assert reduction in page
    assert direct.title in page and running.title in page
    assert "Efterperioden är inte slut" in page
    assert "Relativ effektstorlek" in page and "WDD i åtgärdsområdet" in page
    assert "95 % intervall" in page
    # A BRÅ member's figures leave out sensitive incidents and say so.
    assert "ingår inte" in page


def test_a_readers_figures_leave_out_sensitive_incidents_an_analysts_include_them(
    town: Town,
) -> None:
    _doc, plan, problem = adopted_plan(town)
    e = finished_reduction(town)
    start = e.start_date
    incidents(town, TARGET_XY, start + datetime.timedelta(days=30), 30, category=town.sensitive)
    row = make_row(town, plan, problem)
    row.evaluations.add(e)
    url = f"/lagesbild/dokument/atgardsplan/{plan.pk}/"
    # An analyst who also reads the plans (the analyst role alone does not).
    analyst = user_with_role(Role.ANALYST, "analytikern")
    analyst.user_permissions.add(
        Permission.objects.get(codename="view_atgardsplan", content_type__app_label="statutory")
    )

    bra_page = login(town.bra).get(url).content.decode()
    analyst_page = login_verified(Client(), analyst).get(url).content.decode()

    # 30 sensitive incidents after the start erase the drop for someone who counts them.
    assert present.verdicts()[effect.REDUCTION] in bra_page
    assert present.verdicts()[effect.REDUCTION] not in analyst_page
    assert "Känsliga händelser ingår" in analyst_page
    assert "Känsliga händelser ingår" not in bra_page
    # The analyst's read that counted sensitive incidents is in the audit log, as on the
    # evaluation's own page.
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.READ_SENSITIVE, user=analyst, object_type="evaluation"
    ).exists()
    assert not AuditEvent.objects.filter(user=town.bra, action=AuditEvent.Action.READ_SENSITIVE)


def test_frozen_followups_do_not_change_when_incidents_are_added_later(town: Town) -> None:
    e = finished_reduction(town)
    evaluation(town, "Inte slut än", months_ago(2))
    doc = make_doc(town)
    frozen = doc.figures["followups"]
    assert [f["title"] for f in frozen] == [e.title]  # only the finished one
    assert frozen[0]["verdict"] == effect.REDUCTION
    assert frozen[0]["sensitive_included"] is False
    target = next(a for a in frozen[0]["areas"] if a["area"] == "target")
    assert (target["before"], target["after"]) == (40, 8)

    incidents(town, TARGET_XY, e.start_date + datetime.timedelta(days=20), 60)
    live = present.as_dict(services.result_of(e, town.bra))
    assert live["verdict"] != effect.REDUCTION  # the live figures did move
    doc.refresh_from_db()
    assert doc.figures["followups"] == frozen

    page = login(town.bra).get(f"/lagesbild/dokument/{doc.pk}/").content.decode()
    assert "Uppföljning av åtgärder" in page
    assert present.verdicts()[effect.REDUCTION] in page
    assert 'data-testid="followup-map"' in page


def test_the_docx_exports_hold_the_verdict_and_figures(town: Town) -> None:
    e = finished_reduction(town)
    doc, plan, problem = adopted_plan(town)
    row = make_row(town, plan, problem)
    row.evaluations.add(e)
    bra = login(town.bra)
    verdict = present.verdicts()[effect.REDUCTION]
    data = present.as_dict(services.result_of(e, town.bra))
    res_text = data["relative_effect"]["text"]
    wdd_text = data["wdd"]["local"]["text"]

    plan_docx = Document(io.BytesIO(bra.get(
        f"/lagesbild/dokument/atgardsplan/{plan.pk}/atgardsplan.docx"
    ).content))  # fmt: skip
    cells = "\n".join(c.text for t in plan_docx.tables for r in t.rows for c in r.cells)
    assert verdict in cells and res_text in cells and wdd_text in cells

    doc_docx = Document(io.BytesIO(bra.get(f"/lagesbild/dokument/{doc.pk}/lagesbild.docx").content))
    text = "\n".join(p.text for p in doc_docx.paragraphs)
    assert "Uppföljning av åtgärder" in text and verdict in text and res_text in text
    assert len(doc_docx.inline_shapes) == 2  # the lägesbild's map and the follow-up's
    counts = next(t for t in doc_docx.tables if t.rows[0].cells[0].text == "Område" and any(
        c.text == "Åtgärdsområde" for r in t.rows for c in r.cells
    ))  # fmt: skip
    assert [c.text for c in counts.rows[1].cells][:3] == ["Åtgärdsområde", "40", "8"]


def test_a_district_lagesbild_leaves_out_follow_ups_outside_the_district(town: Town) -> None:
    finished_reduction(town)
    outside = evaluation(town, "Långt bort", months_ago(14))
    far = square(X0 + 20000, Y0, 200)
    outside.target_area = far
    outside.buffer_area = services.buffer_ring(far, 300)
    outside.save()

    doc = make_doc(town)  # the district "centrala"

    assert [f["title"] for f in doc.figures["followups"]] == ["Belysning i gångtunneln"]
