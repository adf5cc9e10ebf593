"""``make demo`` runs without debug: a failing request shows no traceback (issue 10).

The demo used to run with ``TRYGG_DEBUG=1``, so a failing request showed the traceback and the settings to
whoever reached it (tablets on the office network with ``HOST=0.0.0.0``). These tests read what the
Makefile runs (``make -n``), make the secret key as the Makefile does, and run Django in a fresh process
with exactly the demo's environment.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh process: the demo's settings, a URL that fails, the answer as the demo gives it.
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
with override_settings(ROOT_URLCONF="tests.security.failing_urls", ALLOWED_HOSTS=["testserver"]):
    response = Client(raise_request_exception=False).get("/fails/")
print(json.dumps({
    "debug": settings.DEBUG,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "secure_cookies": settings.SESSION_COOKIE_SECURE or settings.CSRF_COOKIE_SECURE,
    "status": response.status_code,
    "body": response.content.decode("utf-8", "replace"),
}))
"""


def demo_commands() -> list[str]:
    """The commands ``make demo`` runs that start Django (the rest installs and checks)."""
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", "demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    assert result.returncode == 0, result.stderr
    return [
        line
        for line in result.stdout.splitlines()
        if "manage.py migrate" in line or "load_demo" in line or "gunicorn" in line
    ]


def demo_environment(secret_key: str, *extra: str) -> dict[str, str]:
    """The environment the Makefile gives the demo, from the variables its commands set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRYGG_", "DJANGO_"))}
    env["TRYGG_DB_NAME"] = os.environ.get("TRYGG_DB_NAME", "trygg")
    for command in demo_commands()[:1]:
        for name, value in re.findall(r"\b([A-Z_]+)=(\"[^\"]*\"|\S+)", command):
            env[name] = value.strip('"')
    env["TRYGG_SECRET_KEY"] = secret_key
    for setting in extra:
        name, _, value = setting.partition("=")
        env[name] = value
    return env


def probe(env: dict[str, str]) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answer: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def test_make_demo_starts_django_with_the_demo_settings_and_never_with_debug() -> None:
    commands = demo_commands()

    assert len(commands) == 3  # migrate, load_demo, gunicorn
    assert all("DJANGO_SETTINGS_MODULE=config.demo_settings" in c for c in commands)
    assert all('TRYGG_SECRET_KEY="$(cat var/secret_key)"' in c for c in commands)
    assert not any("TRYGG_DEBUG" in c for c in commands)


def test_the_demos_settings_have_debug_off_plain_http_and_show_no_traceback(tmp_path: Path) -> None:
    key_file = tmp_path / "var" / "secret_key"
    subprocess.run(
        ["make", "--no-print-directory", f"SECRET_KEY_FILE={key_file}", str(key_file)],
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    key = key_file.read_text().strip()

    demo = probe(demo_environment(key))
    with_debug = probe(demo_environment(key, "TRYGG_DEBUG=1"))  # the old demo, as a control

    assert demo["debug"] is False
    assert demo["ssl_redirect"] is False and demo["secure_cookies"] is False  # plain http works
    assert demo["status"] == 500
    assert "Traceback" not in str(demo["body"]) and "SECRET_KEY" not in str(demo["body"])
    assert "RuntimeError" not in str(demo["body"]) and "a-secret-in-the-error" not in str(
        demo["body"]
    )
    assert with_debug["status"] == 500 and "a-secret-in-the-error" in str(with_debug["body"])


def test_the_secret_key_is_made_once_private_and_outside_git(tmp_path: Path) -> None:
    key_file = tmp_path / "var" / "secret_key"

    def make_key() -> str:
        subprocess.run(
            ["make", "--no-print-directory", f"SECRET_KEY_FILE={key_file}", str(key_file)],
            cwd=ROOT,
            check=True,
            timeout=60,
        )
        return key_file.read_text().strip()

    first, second = make_key(), make_key()
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "var/secret_key"], cwd=ROOT, timeout=30
    ).returncode

    assert first == second and len(first) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert ignored == 0  # var/ is in .gitignore
