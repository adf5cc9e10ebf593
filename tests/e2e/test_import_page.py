"""The import page in a real headless Chromium: upload with a progress indicator, the report, no CSP breaks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from layers.models import ImportBatch, Incident
from layers.roles import Role
from tests.e2e.conftest import watch_csp
from tests.factories import user_with_role
from tests.layers.import_helpers import MUNICIPAL_SAMPLE, vasby

pytestmark = pytest.mark.django_db(transaction=True)

# Records in sessionStorage (it survives the move to the report page) that the progress bar was shown.
WATCH_PROGRESS = """
() => {
  const box = document.getElementById("import-progress");
  new MutationObserver(() => {
    if (!box.hidden) { sessionStorage.setItem("progress-seen", document.getElementById("import-progress-text").textContent); }
  }).observe(box, { attributes: true, subtree: true, childList: true, characterData: true });
}
"""


def test_an_analyst_uploads_a_file_sees_the_progress_and_lands_on_the_report(
    page_as: Any, live_server: Any, tmp_path: Path
) -> None:
    vasby()
    analyst = user_with_role(Role.ANALYST, "analytiker")
    page = page_as(analyst)
    csp: list[str] = []
    watch_csp(page, csp)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{live_server.url}/import/")
    page.select_option("select[name=profile]", "kommun_incidentrapport")
    assert not page.is_visible("input[name=source]")  # the own mapping folds away for a profile
    page.set_input_files("input[name=file]", str(MUNICIPAL_SAMPLE))
    page.evaluate(WATCH_PROGRESS)
    page.click("[data-testid=import-submit]")
    page.wait_for_url(f"{live_server.url}/import/*/", timeout=30000)
    page.wait_for_selector("[data-testid=import-report]")
    page.screenshot(path=str(tmp_path / "import-report.png"), full_page=True)

    assert page.inner_text("[data-testid=rows-stored]") == "30"
    assert page.inner_text("[data-testid=rows-rejected]") == "0"
    assert page.evaluate("sessionStorage.getItem('progress-seen')")  # the indicator was shown
    assert Incident.objects.filter(source="kommun_incidentrapport").count() == 30
    assert errors == []
    assert csp == [], "the page breaks its Content-Security-Policy"


def test_a_strict_failure_is_shown_on_the_page_without_leaving_it(
    page_as: Any, live_server: Any, tmp_path: Path
) -> None:
    vasby()
    analyst = user_with_role(Role.ANALYST, "analytiker")
    data = MUNICIPAL_SAMPLE.read_bytes().decode("cp1252").replace(";Klotter;", ";Nedskräpning;", 1)
    path = tmp_path / "export.csv"
    path.write_bytes(data.encode("cp1252"))
    page = page_as(analyst)
    csp: list[str] = []
    watch_csp(page, csp)

    page.goto(f"{live_server.url}/import/")
    page.select_option("select[name=profile]", "kommun_incidentrapport")
    page.check("input[name=strict]")
    page.set_input_files("input[name=file]", str(path))
    page.click("[data-testid=import-submit]")
    page.wait_for_selector("[data-testid=import-result]:not([hidden])", timeout=30000)

    message = page.inner_text("[data-testid=import-result]")
    assert "ingenting sparades" in message and "okänd kategori Nedskräpning" in message
    assert ImportBatch.objects.count() == 0
    assert csp == []


def test_undo_asks_first_and_then_removes_the_import(page_as: Any, live_server: Any) -> None:
    vasby()
    analyst: User = user_with_role(Role.ANALYST, "analytiker")
    page = page_as(analyst)
    page.goto(f"{live_server.url}/import/")
    page.select_option("select[name=profile]", "kommun_incidentrapport")
    page.set_input_files("input[name=file]", str(MUNICIPAL_SAMPLE))
    page.click("[data-testid=import-submit]")
    page.wait_for_selector("[data-testid=import-report]", timeout=30000)
    dialogs: list[str] = []

    def accept(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.click("[data-testid=undo]")
    page.wait_for_selector("[data-testid=undone]")

    assert dialogs and "Ta bort alla händelser" in dialogs[0]
    assert Incident.objects.count() == 0
