"""The walk protocol as a PDF: the protocol page printed by Chromium, with its map and photos."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.test import Client

from layers.roles import Role
from layers.services import ensure_reference_data
from surveys import services
from tests.factories import MunicipalityFactory, ObservationFactory, WalkFactory, user_with_role
from tests.surveys.conftest import jpeg_with_gps

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_walk_protocol_downloads_as_a_pdf_with_map_and_photos(tmp_path: Path) -> None:
    municipality = MunicipalityFactory()
    ensure_reference_data(municipality)
    walk = WalkFactory(municipality=municipality, name="Kvällsvandring centrum")
    observation = ObservationFactory(walk=walk, note="Trasig lampa vid tunneln")
    services.propose_action(observation)
    picture = tmp_path / "photo.jpg"
    picture.write_bytes(jpeg_with_gps(1600, 1200))
    services.attach_photo(observation, client_uuid=uuid.uuid4(), path=picture)
    client = Client()
    client.force_login(user_with_role(Role.BRA_MEMBER, "bra-pdf"))

    response = client.get(f"/vandringar/{walk.pk}/protokoll.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="protokoll-' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")
    assert len(response.content) > 30_000  # text, the drawn map and the photo thumbnail
