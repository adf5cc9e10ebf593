"""Personal API keys: how a user's QGIS or script reads the OGC API, tiles and exports (decision 0525)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class ApiToken(models.Model):
    """A key a user creates for themselves from a logged-in (and, where required, verified) session.

    The key acts as its user on the read channels for programs (OGC API, vector tiles, exports), with that
    user's permissions. Only its SHA-256 is stored; the key itself is shown once. It expires, and its user
    (or an administrator) can revoke it at any time.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name="användare",
    )
    name = models.CharField("namn", max_length=100, help_text="T.ex. QGIS på min dator")
    token_sha256 = models.CharField("nyckelns SHA-256", max_length=64, unique=True, editable=False)
    prefix = models.CharField("nyckelns början", max_length=20, editable=False)
    created_at = models.DateTimeField("skapad", auto_now_add=True)
    expires_at = models.DateTimeField("gäller till")
    last_used_at = models.DateTimeField("senast använd", null=True, blank=True)
    revoked_at = models.DateTimeField("återkallad", null=True, blank=True)

    class Meta:
        verbose_name = "personlig API-nyckel"
        verbose_name_plural = "personliga API-nycklar"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="accounts_apitoken_expires_after_created",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="accounts_apitoken_name_required"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
