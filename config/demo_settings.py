"""Settings for ``make demo``: the production settings, served over plain http on this machine.

``make demo`` runs without debug (issue 10): a failing request shows the plain error page, never a
traceback or the settings, even to the tablets on the office network (``HOST=0.0.0.0``). The secret key
comes from the environment like every secret; the Makefile generates it once into ``var/secret_key`` (mode
600, outside git) and passes it in. Plain http is the one difference from production: there is no
certificate on a laptop, so no redirect to https, no HSTS, and cookies not marked Secure.
"""

import os

os.environ.setdefault("TRYGG_HTTPS", "0")
# The weekly digest prints to the terminal in the demo (no mail server); links point at the demo server.
os.environ.setdefault("TRYGG_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
os.environ.setdefault("TRYGG_BASE_URL", "http://127.0.0.1:8000")

from config.settings import *  # noqa: F403
