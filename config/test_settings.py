"""Settings for the test run: production settings with a throwaway key and fast password hashing."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("TRYGG_SECRET_KEY", "test-only-secret-key-" + "x" * 40)
os.environ.setdefault("TRYGG_HTTPS", "0")  # the test client and live server speak plain http
os.environ.setdefault("TRYGG_THROTTLE", "0")  # on in production; its own tests turn it on
# Every test logs in from 127.0.0.1: the per-address login budget would refuse the suite's logins. Its own
# tests set it low (tests/accounts/test_guessing.py).
os.environ.setdefault("TRYGG_LOGIN_PER_ADDRESS_PER_MIN", "1000000")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # tests only: speed
MEDIA_ROOT = Path(
    os.environ.get("TRYGG_MEDIA_ROOT", Path(tempfile.gettempdir()) / "trygg-test-media")
)
# The tile proxy's cache beside the media folder (one per engineer and CI run); tests that fill it use
# their own folder.
BASEMAP_CACHE_DIR = Path(str(MEDIA_ROOT) + "-basemap-cache")
