"""What is sensitive is changed only by administrators, and every change is in the audit log (issue 10).

An analyst once unticked ``sensitive`` on a category in the admin and BRÅ members then saw its incidents as
points; nothing reached the audit log. Now the category's flag, its focus area and the focus area's flag
are read-only to analysts in the admin and refused by the service, and every change (and every role or
membership granted or removed) is logged with before and after (layers/sensitivity.py, decision 0621).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from core.errors import NotAllowed
from layers.models import AuditEvent, FocusArea, IncidentCategory, Membership
from layers.roles import Role
from layers.services import save_category
from tests.conftest import login_verified
from tests.factories import MunicipalityFactory, user_with_role
from tests.layers.import_helpers import vasby

pytestmark = pytest.mark.django_db
CHANGE = AuditEvent.Action.SENSITIVITY_CHANGE


def staff(role: str, username: str, *, superuser: bool = False) -> User:
    user = user_with_role(role, username=username)
    user.is_staff = True
    user.is_superuser = superuser
    user.save()
    return user


def category_form(category: IncidentCategory, **changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "code": category.code,
        "label": category.label,
        "label_en": category.label_en,
        "focus_area": category.focus_area_id or "",
    }
    if category.sensitive:
        form["sensitive"] = "on"
    for name, value in changes.items():
        if value is None:
            form.pop(name, None)
        else:
            form[name] = value
    return form


def test_an_analyst_cannot_untick_sensitive_on_a_category_in_the_admin() -> None:
    vasby()
    extremism = IncidentCategory.objects.get(code="extremism")
    client = login_verified(Client(), staff(Role.ANALYST, "ali"))

    page = client.get(f"/admin/layers/incidentcategory/{extremism.pk}/change/")
    posted = client.post(
        f"/admin/layers/incidentcategory/{extremism.pk}/change/",
        category_form(extremism, sensitive=None, focus_area=""),  # untick, and no focus area
    )

    extremism.refresh_from_db()
    assert page.status_code == 200
    assert 'name="sensitive"' not in page.content.decode()  # shown, not editable
    assert 'name="focus_area"' not in page.content.decode()
    assert posted.status_code == 302  # the label may be saved; the flags are not the analyst's
    assert extremism.sensitive is True and extremism.focus_area.number == 9
    assert not AuditEvent.objects.filter(action=CHANGE).exists()


def test_an_analyst_is_refused_by_the_service_too() -> None:
    vasby()
    analyst = user_with_role(Role.ANALYST, username="ali")
    hot = IncidentCategory.objects.get(code="hot_medarbetare")

    with pytest.raises(NotAllowed):
        save_category(code=hot.code, label=hot.label, focus_area=None, sensitive=False, by=analyst)

    hot.refresh_from_db()
    assert hot.sensitive is True and hot.focus_area is not None
    assert not AuditEvent.objects.filter(action=CHANGE).exists()


def test_an_administrators_change_of_a_category_is_in_the_audit_log_with_before_and_after() -> None:
    vasby()
    theft = IncidentCategory.objects.get(code="stold")
    client = login_verified(Client(), staff(Role.ADMIN, "adam", superuser=True))
    honour = FocusArea.objects.get(number=8)

    response = client.post(
        f"/admin/layers/incidentcategory/{theft.pk}/change/",
        category_form(theft, sensitive="on", focus_area=honour.pk),
    )

    event = AuditEvent.objects.get(action=CHANGE)
    assert response.status_code == 302
    assert (event.username, event.channel, event.object_type) == (
        "adam",
        "admin",
        "IncidentCategory:stold",
    )
    assert event.detail["before"] == {"sensitive": False, "focus_area": None}
    assert event.detail["after"] == {"sensitive": True, "focus_area": 8}
    assert event.ip == "127.0.0.1"


def test_a_focus_areas_flag_is_changed_by_administrators_only_and_audited() -> None:
    vasby()
    youth = FocusArea.objects.get(number=6)
    analyst = login_verified(Client(), staff(Role.ANALYST, "ali"))
    admin = login_verified(Client(), staff(Role.ADMIN, "adam", superuser=True))
    form = {"number": 6, "name": youth.name, "name_en": youth.name_en, "sensitive": "on"}

    refused = analyst.post(f"/admin/layers/focusarea/{youth.pk}/change/", form)
    youth.refresh_from_db()
    assert refused.status_code == 403 and youth.sensitive is False

    admin.post(f"/admin/layers/focusarea/{youth.pk}/change/", form)

    youth.refresh_from_db()
    event = AuditEvent.objects.get(action=CHANGE)
    assert youth.sensitive is True
    assert event.detail == {
        "target": str(youth),
        "before": {"sensitive": False},
        "after": {"sensitive": True},
    }


def test_an_analyst_may_create_a_category_and_its_values_are_logged() -> None:
    vasby()
    client = login_verified(Client(), staff(Role.ANALYST, "ali"))

    client.post(
        "/admin/layers/incidentcategory/add/",
        {"code": "ny_kategori", "label": "Ny", "label_en": "", "focus_area": "", "sensitive": "on"},
    )

    event = AuditEvent.objects.get(action=CHANGE)
    assert IncidentCategory.objects.get(code="ny_kategori").sensitive is True
    assert event.detail["before"] is None and event.detail["after"]["sensitive"] is True


def test_granting_a_role_is_for_administrators_and_is_logged_with_before_and_after() -> None:
    municipality = MunicipalityFactory()
    target = User.objects.create_user("petra", password="x-test-password-1")
    analyst = login_verified(Client(), staff(Role.ANALYST, "ali"))
    admin = login_verified(Client(), staff(Role.ADMIN, "adam", superuser=True))
    analysts = Group.objects.get(name=Role.ANALYST)

    refused_user = analyst.get(f"/admin/auth/user/{target.pk}/change/")
    refused_membership = analyst.post(
        "/admin/layers/membership/add/", {"user": target.pk, "municipality": municipality.pk}
    )
    assert refused_user.status_code == 403 and refused_membership.status_code == 403
    assert not Membership.objects.filter(user=target).exists()

    granted = admin.post(
        f"/admin/auth/user/{target.pk}/change/",
        {
            "username": "petra",
            "is_active": "on",
            "groups": [analysts.pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "08:00:00",
        },
    )
    admin.post(
        "/admin/layers/membership/add/", {"user": target.pk, "municipality": municipality.pk}
    )

    roles = AuditEvent.objects.get(detail__what="roles", detail__target="petra")
    membership = AuditEvent.objects.get(detail__what="Membership")
    assert granted.status_code == 302
    assert roles.username == "adam"
    assert roles.detail["before"] == [] and roles.detail["after"] == [Role.ANALYST]
    assert membership.username == "adam"
    assert (membership.detail["before"], membership.detail["after"]) == (None, "0114")
