"""The lägesbild PDF (printed by Chromium in its own thread, so the data must be committed)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from layers.models import AuditEvent
from layers.roles import Role
from tests.mapapp.test_bra_privacy import SECRET_NOTE, client_for, scene  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_pdf_export_for_a_bra_member_holds_no_sensitive_counts_or_places(
    scene: dict[str, Any],  # noqa: F811  (the fixture imported above)
) -> None:
    client = client_for(Role.BRA_MEMBER, "member")

    response = client.get("/bra/export/lagesbild.pdf")

    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Lägesbild" in text
    assert SECRET_NOTE not in text
    assert "30" in text  # the non-sensitive total
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_SENSITIVE).count() == 0


def test_an_analysts_pdf_with_sensitive_incidents_is_audited_as_an_export(
    scene: dict[str, Any],  # noqa: F811  (the fixture imported above)
) -> None:
    client = client_for(Role.ANALYST, "analyst")

    response = client.get("/bra/export/lagesbild.pdf")

    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT_SENSITIVE)
    assert event.object_type == "lagesbild.pdf" and event.count == 23
