"""The plan report prints to PDF on A4 and A3, with its map."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from layers.roles import Role
from tests.factories import user_with_role
from tests.plan_factories import context_layer, rebuilt_plan, small_town

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("paper", ["A4", "A3"])
def test_the_plan_report_prints_to_a_pdf_on_a4_and_a3(client: Client, paper: str) -> None:
    small_town(context_layer())
    plan = rebuilt_plan()
    client.force_login(user_with_role(Role.PLANNER))

    response = client.get(f"/plan/{plan.pk}/rapport.pdf?paper={paper}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"-{paper}.pdf" in response["Content-Disposition"]
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 30_000  # the map's vectors and ten criteria with their evidence
    # The page size in points: A4 595 × 842, A3 842 × 1191 (Chromium writes it in the MediaBox).
    box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert box is not None
    expected = {"A4": (595, 842), "A3": (842, 1191)}[paper]
    assert (round(float(box.group(1))), round(float(box.group(2)))) == pytest.approx(
        expected, abs=1
    )
