"""EST reporting (*Effektiv samordning för trygghet*): trained reporters and the events they report.

A reporter is a user with the role ``est_rapportor`` (layers.roles) and a ``Reporter`` row that names the
organisation they report for: the municipality's own staff, a housing company, a security firm or an
association. Reporters see only their own reports (est.access, docs/decisions/0830). Each report feeds the
weekly, monthly and tertial lägesbild (est.lagesbild) and becomes an action for the office that answers
for its event type (est.services).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from geo.crs import STORAGE_SRID
from layers.models import Municipality, StatisticalArea


class Reporter(models.Model):
    """The EST membership of a user: which organisation they report for (set by an administrator).

    The municipality is the user's ``layers.Membership``, as for every other user.
    """

    class Kind(models.TextChoices):
        MUNICIPAL_STAFF = "kommun", _("Kommunens personal")
        HOUSING_COMPANY = "bostadsbolag", _("Bostadsbolag eller fastighetsägare")
        SECURITY_FIRM = "vaktbolag", _("Säkerhets- eller vaktbolag")
        ASSOCIATION = "forening", _("Förening eller trossamfund")
        OTHER = "annan", _("Annan samverkanspart")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="est_reporter",
        verbose_name="användare",
    )
    kind = models.CharField("typ av organisation", max_length=20, choices=Kind.choices)
    organisation = models.CharField(
        "organisation", max_length=200, help_text="T.ex. AB Väsbyhem eller Securitas"
    )
    created_at = models.DateTimeField("skapad", auto_now_add=True)

    class Meta:
        verbose_name = "EST-rapportör"
        verbose_name_plural = "EST-rapportörer"
        ordering = ["organisation", "user__username"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(organisation=""), name="est_reporter_organisation_required"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.organisation})"


class EventType(models.TextChoices):
    """The EST event types (Polisen and the municipalities' EST method)."""

    VANDALISM = "skadegorelse", _("Skadegörelse")
    GRAFFITI = "klotter", _("Klotter")
    LITTER = "nedskrapning", _("Nedskräpning")
    FIRE = "brand", _("Brand")
    GATHERING = "gruppering", _("Gruppering")
    RECKLESS_DRIVING = "buskorning", _("Buskörning (moped, bil, cross)")
    UNSAFE_PLACE = "otrygg_plats", _("Otrygg plats")
    SOCIAL_MEDIA = "rykten", _("Rykten i sociala medier")
    DRUGS = "narkotika", _("Narkotikahandel eller -bruk")
    DISORDER = "ordningsstorning", _("Ordningsstörning")
    OTHER = "annat", _("Annat")


class EstReport(models.Model):
    """One event reported by an EST reporter, stored exactly once per client UUID (like a walk
    observation, docs/decisions/0100)."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="est_reports"
    )
    client_uuid = models.UUIDField("klientens UUID", unique=True)
    payload_sha256 = models.CharField(max_length=64, editable=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="est_reports",
        verbose_name="rapportör",
    )
    organisation = models.CharField("organisation", max_length=200, blank=True)
    event_type = models.CharField("händelsetyp", max_length=20, choices=EventType.choices)
    location = models.PointField("plats", srid=STORAGE_SRID)
    gps_location = models.PointField("GPS-position", srid=STORAGE_SRID, null=True, blank=True)
    accuracy_m = models.FloatField("GPS-noggrannhet (m)", null=True, blank=True)
    occurred_at = models.DateTimeField("när det hände")
    received_at = models.DateTimeField("mottagen", auto_now_add=True)
    # Free text: may name a person although the form warns against it; removed by gallring (est_free_text).
    note = models.TextField("beskrivning", blank=True)
    area = models.ForeignKey(
        StatisticalArea,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="est_reports",
        verbose_name="NYKO-område",
    )
    generated = models.BooleanField("genererad demodata", default=False)
    action = models.ForeignKey(
        "surveys.Action",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="est_reports",
        verbose_name="åtgärd",
    )

    class Meta:
        verbose_name = "EST-rapport"
        verbose_name_plural = "EST-rapporter"
        ordering = ["-occurred_at"]
        permissions = [
            (
                "view_est_lagesbild",
                "Kan se EST-lägesbilden (vecka, månad, tertial) och exportera den till polisen",
            )
        ]
        indexes = [
            models.Index(fields=["municipality", "occurred_at"], name="est_report_when"),
            models.Index(fields=["reporter", "occurred_at"], name="est_report_reporter"),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_type_display()} {self.occurred_at:%Y-%m-%d %H:%M}"
