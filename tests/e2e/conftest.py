from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.conftest import login_verified

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run inside one
# unless told it is safe. It is: the test thread makes plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def page_as(chromium: Any, live_server: Any) -> Iterator[Any]:
    """A function that opens a new browser page logged in as ``user`` (session cookie from force_login)."""
    contexts: list[Any] = []

    def open_page(user: User, **context_options: Any) -> Any:
        client = login_verified(Client(), user)
        context = chromium.new_context(
            locale="sv-SE", viewport={"width": 1280, "height": 800}, **context_options
        )
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def watch_csp(page: Any, found: list[str]) -> None:
    """Collect the Content-Security-Policy violations ``page`` reports; a test asserts none."""
    page.on(
        "console",
        lambda m: (
            found.append(m.text)
            if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text
            else None
        ),
    )
