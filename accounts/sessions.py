"""Carry a user's two-factor state into a server-side client session (PDF printing)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def mark_verified(client: Client, user: User) -> None:
    """Mark ``client``'s session as verified with ``user``'s confirmed TOTP device, if there is one.

    Only for sessions the server makes itself on behalf of a user who is already verified (mapapp.pdf):
    the request that asked for the PDF went through RequireTwoFactorMiddleware.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
