from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_the_deploy_check_with_no_warning() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRYGG_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        TRYGG_SECRET_KEY=secrets.token_urlsafe(50),
        TRYGG_ALLOWED_HOSTS="trygg.upplandsvasby.se",
        TRYGG_DB_NAME=os.environ.get("TRYGG_DB_NAME", "trygg"),
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRYGG_", "DJANGO_"))}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "TRYGG_SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_every_response_carries_a_content_security_policy_without_unsafe_inline() -> None:
    response = Client().get("/konto/logga-in/")

    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_error_pages_say_nothing_about_the_inside(bra_client: Client) -> None:
    page = bra_client.get("/finns-inte/")
    api = bra_client.get("/api/v1/finns-inte/")

    assert page.status_code == 404 and "Sidan finns inte" in page.content.decode()
    assert "Traceback" not in page.content.decode() and "urlpatterns" not in page.content.decode()
    assert api.status_code == 404 and api.json() == {"error": "not found"}


@pytest.mark.django_db
def test_the_session_cookie_is_http_only_and_same_site() -> None:
    from django.conf import settings

    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.SESSION_COOKIE_AGE == 30 * 60
