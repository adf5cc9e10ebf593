"""Offices update their rows of an adopted åtgärdsplan: the light and a short note, nothing else.

Only staff of the row's responsible office (``surveys.OfficeStaff``) may; the change is kept as a text
revision with who and when; another municipality's plan is not found (decision 0805).
"""

from __future__ import annotations

from django.contrib.auth.models import User

from layers.models import Membership
from layers.roles import Role
from statutory import services
from statutory.models import PlanRow, TextRevision
from surveys.models import OfficeStaff
from tests.factories import MunicipalityFactory, OfficeFactory, square, user_with_role
from tests.statutory.conftest import X0, Y0, Town, login
from tests.statutory.test_documents import adopted_plan

URL = "/lagesbild/dokument/atgardsplan/{plan}/rad/{row}/status/"


def _row(town: Town) -> PlanRow:
    _doc, plan, problem = adopted_plan(town)
    row = PlanRow.objects.create(
        plan=plan,
        problem=problem,
        cause="Mörkt",
        measure="Belysning",
        goal="Färre",
        indicator="otryggt",
        when="2027",
        office=town.office,
        follow_up="Kvartalsvis",
    )
    services.adopt(plan, decided_by="Kommunstyrelsen", decided_on=_doc.decided_on, diarienummer="2")
    return PlanRow.objects.select_related("plan").get(pk=row.pk)


def _staff(town: Town, office: object = None, name: str = "gatukontoret-anna") -> User:
    user = user_with_role(Role.PLANNER, name)
    OfficeStaff.objects.create(office=office or town.office, user=user)
    return user


def _url(row: PlanRow) -> str:
    return URL.format(plan=row.plan_id, row=row.pk)


def test_the_responsible_office_updates_light_and_note_kept_with_who_and_when(town: Town) -> None:
    row = _row(town)
    anna = _staff(town)
    r = login(anna).post(
        _url(row),
        {"light": "gul", "status_note": "Leveransen av armaturer är försenad", "measure": "Annat"},
    )
    assert r.status_code == 302, r.content
    row.refresh_from_db()
    assert (row.light, row.status_note, row.measure) == (
        "gul",
        "Leveransen av armaturer är försenad",
        "Belysning",
    )
    (rev,) = TextRevision.objects.filter(what=f"rad:{row.pk}:status")
    assert rev.by == anna and rev.text == "gul: Leveransen av armaturer är försenad"
    assert rev.lagesbild_id == row.plan.lagesbild_id and rev.at is not None
    page = login(town.bra).get(f"/lagesbild/dokument/atgardsplan/{row.plan_id}/")
    assert "Leveransen av armaturer är försenad" in page.content.decode()


def test_others_are_refused_and_nothing_changes(town: Town) -> None:
    row = _row(town)
    other_office = _staff(
        town,
        OfficeFactory(municipality=town.municipality, name="Kultur- och fritidskontoret"),
        "annat-kontor",
    )
    for user in (other_office, town.coordinator, town.bra):
        r = login(user).post(_url(row), {"light": "rod", "status_note": "x"})
        assert r.status_code == 403, (user.username, r.status_code)
    anonymous = login(town.bra)
    anonymous.logout()
    assert anonymous.post(_url(row), {"light": "rod"}).status_code == 302  # to the login page
    row.refresh_from_db()
    assert (row.light, row.status_note) == ("gron", "")
    assert not TextRevision.objects.filter(what__startswith="rad:").exists()


def test_another_municipalitys_row_is_not_found(town: Town) -> None:
    row = _row(town)
    elsewhere = MunicipalityFactory(
        kommunkod="0163", name="Sollentuna", boundary=square(X0 + 20_000, Y0, 5000)
    )
    stranger = _staff(town, OfficeFactory(municipality=elsewhere), "sollentuna-kontor")
    Membership.objects.create(user=stranger, municipality=elsewhere)
    # Staff of the very office too, but working in the other municipality: still not found there.
    OfficeStaff.objects.create(office=town.office, user=stranger)
    r = login(stranger).post(_url(row), {"light": "rod"})
    assert r.status_code == 404
    row.refresh_from_db()
    assert row.light == "gron"


def test_a_draft_plan_is_not_followed_up_and_an_adopted_one_is_not_edited(town: Town) -> None:
    row = _row(town)
    anna = _staff(town)
    plan = row.plan
    plan.status = "utkast"
    plan.save(update_fields=["status"])
    r = login(anna).post(_url(row), {"light": "rod"}, HTTP_ACCEPT="application/json")
    assert r.status_code == 400 and "status" in r.json()["fields"]
    plan.status = "faststalld"
    plan.decided_by, plan.decided_on = "KS", row.plan.lagesbild.decided_on
    plan.save()
    r = login(town.coordinator).post(
        f"/lagesbild/dokument/atgardsplan/{plan.pk}/rad/{row.pk}/",
        {"light": "rod", "measure": "Ändrad"},
        HTTP_ACCEPT="application/json",
    )
    assert r.status_code == 400
    bad = login(anna).post(_url(row), {"light": "lila"}, HTTP_ACCEPT="application/json")
    assert bad.status_code == 400 and "light" in bad.json()["fields"]
    row.refresh_from_db()
    assert (row.light, row.measure) == ("gron", "Belysning")
