"""The PDF channels of the role × channel matrix: the BRÅ lägesbild, the plan report, the walk protocol.

A PDF is printed by Chromium from Trygg's own page, each request of the page answered in-process as the
requesting user (mapapp.pdf). So the test reads two things: the PDF's text, and every response Chromium got
while printing (the page and the JSON its map drew), searched like every other channel
(tests/security/matrix.py). Printing takes seconds, so each PDF channel is covered once per role class,
without the permission (the role the report is made for) and with it (an analyst or an administrator),
not for every role: the other channels' matrix (test_channel_matrix.py) covers every role on the pages
these PDFs print.

Chromium's requests are answered in a thread of their own, with a database connection of its own, so the
scene is committed (a transactional test) and the database emptied after each test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client

from layers.models import AuditEvent
from mapapp import pdf
from tests.security.matrix import (
    MARK,
    Persona,
    Scene,
    build_scene,
    inspect,
    pdf_text,
    remove_photo_files,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene() -> Iterator[Scene]:
    cache.clear()
    built = build_scene()  # about 0.3 s: built for each test, committed, emptied after it
    yield built
    remove_photo_files(built)
    cache.clear()


@pytest.fixture
def printed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, bytes]]:
    """Every request Chromium makes while printing: (path, status, body)."""
    seen: list[tuple[str, int, bytes]] = []
    fetch = pdf._fetch

    def recording(client: Client, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
        status, headers, body = fetch(client, method, path)
        seen.append((path, status, body))
        return status, headers, body

    monkeypatch.setattr(pdf, "_fetch", recording)
    return seen


# (channel, url, data requests the printed page makes, audit action for a permitted user)
PDFS = {
    "pdf-bra-lagesbild": (
        lambda s: "/bra/export/lagesbild.pdf",
        "/bra/data/handelser/",
        AuditEvent.Action.EXPORT_SENSITIVE,
    ),
    "pdf-plan-report": (
        lambda s: f"/plan/{s.plan.pk}/rapport.pdf",
        "/karta.json",
        AuditEvent.Action.EXPORT_SENSITIVE,
    ),
    "pdf-walk-protocol": (lambda s: f"/vandringar/{s.walk.pk}/protokoll.pdf", "/karta.json", None),
}
# Per PDF: the role it is made for (without the permission), and one that may see sensitive incidents.
CASES = [
    pytest.param("pdf-bra-lagesbild", Persona.BRA_MEMBER, id="pdf-bra-lagesbild-bra-ledamot"),
    pytest.param("pdf-bra-lagesbild", Persona.ANALYST, id="pdf-bra-lagesbild-analytiker"),
    pytest.param("pdf-plan-report", Persona.PLANNER, id="pdf-plan-report-planerare"),
    pytest.param("pdf-plan-report", Persona.ANALYST, id="pdf-plan-report-analytiker"),
    pytest.param("pdf-walk-protocol", Persona.FIELD_STAFF, id="pdf-walk-protocol-faltpersonal"),
    pytest.param("pdf-walk-protocol", Persona.ADMIN, id="pdf-walk-protocol-administrator"),
]
PERMITTED = {Persona.ANALYST, Persona.ADMIN}


@pytest.mark.slow
@pytest.mark.parametrize(("channel", "persona"), CASES)
def test_a_pdf_holds_sensitive_incidents_only_for_permitted_roles_and_is_audited(
    scene: Scene, printed: list[tuple[str, int, bytes]], channel: str, persona: str
) -> None:
    url, data_path, audit_action = PDFS[channel]
    user = scene.users[persona]
    last = max(AuditEvent.objects.values_list("pk", flat=True), default=0)

    response = scene.client(persona).get(url(scene))

    assert response.status_code == 200, response.content[:300]
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    fetched = [(path, status, body) for path, status, body in printed if status == 200]
    assert any(data_path in path for path, _, _ in fetched), [p for p, _, _ in printed]
    events = AuditEvent.objects.filter(
        pk__gt=last,
        action__in=(AuditEvent.Action.READ_SENSITIVE, AuditEvent.Action.EXPORT_SENSITIVE),
    )
    in_pdf = inspect(scene, text)
    in_page = [
        (path, inspect(scene, body.decode("utf-8", errors="replace"))) for path, _, body in fetched
    ]
    assert MARK not in text
    if persona not in PERMITTED or audit_action is None:
        assert not in_pdf.leaks, in_pdf.describe()
        assert [(p, f.describe()) for p, f in in_page if f.leaks] == []
        assert list(events) == []
    else:
        assert events.filter(action=audit_action, username=user.username).exists()
        assert all(e.count > 0 for e in events)
        if channel == "pdf-bra-lagesbild":  # the map of the print page drew the sensitive points
            assert any(f.sensitive_places for _p, f in in_page)
