"""PDF reports printed by headless Chromium from Trygg's own report pages.

The report is an ordinary page (HTML with print CSS, the Leaflet map included), so the PDF shows what the
page shows. Chromium gets no network: every request it makes is answered in-process by Django's test
client logged in as the requesting user, so the PDF passes through the same permission checks as the page
(docs/decisions/0009-pdf-by-chromium.md). Nothing outside this server is fetched.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import User
from django.db import connections
from django.test import Client

from accounts.sessions import mark_verified

CHROMIUM = os.environ.get("TRYGG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INTERNAL_HOST = (
    "trygg.internal"  # not resolvable: Chromium can only reach what the route handler answers
)
PAPER_SIZES = {"A4", "A3"}


class PdfError(RuntimeError):
    pass


def render_pdf(
    path: str,
    *,
    user: User,
    paper: str = "A4",
    landscape: bool = False,
    ready_selector: str = "[data-ready='true']",
    timeout_ms: int = 30_000,
) -> bytes:
    """Print the page at ``path`` (e.g. ``/plan/3/rapport/``) as seen by ``user`` to a PDF."""
    if paper not in PAPER_SIZES:
        raise ValueError(f"paper must be one of {sorted(PAPER_SIZES)}")
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    mark_verified(client, user)  # the caller passed two-factor checks to get here (accounts.policy)
    # Playwright's sync API runs an event loop in its thread, and refuses to start inside another one (a
    # caller's), while Django refuses ORM calls in a thread with a running loop. So the browser gets a
    # thread of its own, and the page's requests are answered in a third.
    browser_thread = ThreadPoolExecutor(max_workers=1)
    django_thread = ThreadPoolExecutor(max_workers=1)
    try:
        return browser_thread.submit(
            _print, client, django_thread, path, paper, landscape, ready_selector, timeout_ms
        ).result()
    finally:
        django_thread.submit(
            connections.close_all
        ).result()  # the worker thread's database connection
        django_thread.shutdown(wait=False)
        browser_thread.shutdown(wait=False)


def _print(
    client: Client,
    django_thread: ThreadPoolExecutor,
    path: str,
    paper: str,
    landscape: bool,
    ready_selector: str,
    timeout_ms: int,
) -> bytes:
    from playwright.sync_api import Route, sync_playwright

    def answer(route: Route) -> None:
        url = urlsplit(route.request.url)
        if url.hostname != INTERNAL_HOST:
            route.abort()
            return
        target = url.path + (f"?{url.query}" if url.query else "")
        status, headers, body = django_thread.submit(
            _fetch, client, route.request.method, target
        ).result()
        route.fulfill(status=status, headers=headers, body=body)

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1123, "height": 794})
                page.route("**/*", answer)
                page.goto(f"http://{INTERNAL_HOST}{path}", wait_until="load", timeout=timeout_ms)
                if ready_selector:
                    page.wait_for_selector(ready_selector, timeout=timeout_ms, state="attached")
                # The background map's tiles (mapapp/static/mapapp/trygg-basemap.js) load after the
                # page's own layers: print when they are drawn, so the PDF has its background.
                page.wait_for_function(
                    "() => !window.TryggBasemap || window.TryggBasemap.settled()",
                    timeout=timeout_ms,
                )
                page.emulate_media(media="print")
                pdf: bytes = page.pdf(
                    format=paper,
                    landscape=landscape,
                    print_background=True,
                    margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"},
                )
            finally:
                browser.close()
    except Exception as e:  # Playwright's errors have no common public base class
        raise PdfError(f"the PDF could not be made: {e}") from e
    return pdf


def _fetch(client: Client, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    if method not in {"GET", "HEAD"}:
        return 405, {"content-type": "text/plain"}, b"read-only"
    response: Any = client.get(path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    headers = {k.lower(): v for k, v in response.items()}
    return response.status_code, headers, body
