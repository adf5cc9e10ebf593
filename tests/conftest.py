from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from layers.roles import Role
from tests.factories import user_with_role

CHROMIUM = "/usr/bin/chromium"
# The flags the machine needs: no sandbox as root, and no background calls to the internet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def login_verified(client: Client, user: User) -> Client:
    """Log ``user`` in on ``client`` as if they had also given a TOTP code (needed by analysts and admins)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(
        user=user, confirmed=True
    ).first() or TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def bra_member(db: None) -> User:
    return user_with_role(Role.BRA_MEMBER)


@pytest.fixture
def analyst(db: None) -> User:
    return user_with_role(Role.ANALYST)


@pytest.fixture
def bra_client(client: Client, bra_member: User) -> Client:
    client.force_login(bra_member)
    return client


@pytest.fixture
def analyst_client(client: Client, analyst: User) -> Client:
    return login_verified(client, analyst)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Debian Chromium for the session, driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
