from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from mapapp import demo
from mapapp.pdf import render_pdf

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_overview_page_prints_to_a_pdf_with_its_map() -> None:
    demo.load_demo()

    pdf = render_pdf("/", user=User.objects.get(username="bra"), paper="A4", landscape=True)

    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 20_000  # the map's vectors and the panel's text, not an empty page


def test_unknown_paper_size_is_refused() -> None:
    user = User.objects.create_user("u", password="x-test-password-1")

    with pytest.raises(ValueError, match="paper"):
        render_pdf("/", user=user, paper="Letter")
