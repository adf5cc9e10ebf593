"""The background map in the PDFs (issue 13): printed by Chromium under the layers, with its attribution."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.test import Client
from pypdf import PdfReader

from mapapp import demo
from tests.conftest import login_verified

pytestmark = pytest.mark.django_db(transaction=True)

LAND = (243, 241, 236)  # the vector background's land colour (trygg-basemap.js)


@pytest.fixture(autouse=True)
def no_service(settings: Any, tmp_path: Any) -> None:
    settings.BASEMAP_CACHE_DIR = tmp_path / "basemap-cache"
    settings.BASEMAP_URL = ""


def background_images(pdf: bytes) -> list[np.ndarray]:
    """The images of the PDF that are background tiles: mostly the land colour, and something drawn on it."""
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for image in page.images:
            pixels = np.asarray(image.image.convert("RGB"), dtype=np.int32)
            land = (np.abs(pixels - np.array(LAND)).sum(axis=2) <= 6).mean()
            drawn = (np.abs(pixels - np.array(LAND)).sum(axis=2) > 30).mean()
            if land > 0.3 and drawn > 0.002:
                found.append(pixels)
    return found


def text_of(pdf: bytes) -> str:
    return " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )


def _lagesbild() -> str:
    return "/bra/export/lagesbild.pdf"


def _plan_report() -> str:
    from layers.models import Detaljplan

    return f"/plan/{Detaljplan.objects.order_by('pk').first().pk}/rapport.pdf"  # type: ignore[union-attr]


def _walk_protocol() -> str:
    from surveys.models import Trygghetsvandring

    walk = Trygghetsvandring.objects.exclude(route=None).order_by("pk").first()
    assert walk is not None
    return f"/vandringar/{walk.pk}/protokoll.pdf"


@pytest.mark.parametrize(
    ("username", "address"),
    [("bra", _lagesbild), ("planerare", _plan_report), ("falt", _walk_protocol)],
    ids=["lagesbild", "plan-report", "walk-protocol"],
)
def test_the_pdfs_print_the_background_under_their_layers_and_say_whose_it_is(
    username: str, address: Any
) -> None:
    demo.load_demo()
    client = login_verified(Client(), User.objects.get(username=username))

    response = client.get(address())

    assert response.status_code == 200, response.content[:300]
    assert background_images(response.content), "no background tile in the PDF"
    text = text_of(response.content)
    assert "Bakgrundskarta: Upplands Väsby kommun (NYKO-områden, kommundelar)" in text, text[-800:]
    assert "genererad, inte verklig" in text
