"""Effect follow-up of a measure: a target area, a buffer around it and a comparison area, before and
after the measure's start (issue 16; docs/method.md, "Effektuppföljning"; decisions 0700–0709).

An evaluation stores the areas as drawn or picked (resolved to polygons in SWEREF 99 TM when saved),
the periods and the choices of what to count and which variance to use. The figures are computed
when they are read (``followup.counting``), never stored: they depend on who reads them (sensitive
incidents count only for users who may see them as points) and on late imports.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from geo.crs import STORAGE_SRID
from layers.models import FocusArea, IncidentCategory, Municipality
from surveys.models import Action

DEFAULT_BUFFER_M = 300
DEFAULT_MONTHS = 12
MAX_MONTHS = 36
MAX_GAP_MONTHS = 12
MAX_BUFFER_M = 2000


class AreaKind(models.TextChoices):
    DRAWN = "ritat", _("Ritat på kartan")
    NYKO = "nyko", _("NYKO-områden")
    GRID = "rutor", _("Rutor")


class Evaluation(models.Model):
    """One effect follow-up (effektuppföljning) of a measure."""

    class Variance(models.TextChoices):
        POISSON = "poisson", _("Poisson")
        ESTIMATED = "skattad", _("Överspridning skattad från månaderna före")
        GIVEN = "angiven", _("Överspridning angiven")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", verbose_name="kommun"
    )
    action = models.ForeignKey(
        Action,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evaluations",
        verbose_name="åtgärd",
    )
    title = models.CharField("namn", max_length=200)
    target_kind = models.CharField(
        "åtgärdsområdet är", max_length=5, choices=AreaKind.choices, default=AreaKind.DRAWN
    )
    # NYKO codes or grid cell keys ("col_row" of core.disclosure.cell_size_m()) when picked.
    target_refs = models.JSONField("valda områden (åtgärdsområde)", default=list, blank=True)
    target_area = models.MultiPolygonField("åtgärdsområde", srid=STORAGE_SRID)
    buffer_m = models.PositiveIntegerField(
        "buffertens bredd (m)",
        default=DEFAULT_BUFFER_M,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_BUFFER_M)],
    )
    buffer_drawn = models.BooleanField("bufferten är ritad", default=False)
    # The ring around the target (or the drawn buffer minus the target); empty when buffer_m is 0.
    buffer_area = models.MultiPolygonField("buffertzon", srid=STORAGE_SRID, null=True, blank=True)
    comparison_kind = models.CharField(
        "jämförelseområdet är", max_length=5, choices=AreaKind.choices, default=AreaKind.DRAWN
    )
    comparison_refs = models.JSONField("valda områden (jämförelse)", default=list, blank=True)
    comparison_area = models.MultiPolygonField("jämförelseområde", srid=STORAGE_SRID)
    comparison_suggested = models.BooleanField(
        "jämförelseområdet föreslogs av Trygg", default=False
    )
    start_date = models.DateField("åtgärden började")
    months = models.PositiveSmallIntegerField(
        "månader före och efter",
        default=DEFAULT_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MONTHS)],
    )
    gap_months = models.PositiveSmallIntegerField(
        "infasning (månader som inte räknas)",
        default=0,
        validators=[MaxValueValidator(MAX_GAP_MONTHS)],
    )
    categories = models.ManyToManyField(
        IncidentCategory, blank=True, related_name="+", verbose_name="kategorier"
    )
    focus_areas = models.ManyToManyField(
        FocusArea, blank=True, related_name="+", verbose_name="fokusområden"
    )
    variance = models.CharField(
        "varians", max_length=8, choices=Variance.choices, default=Variance.ESTIMATED
    )
    dispersion = models.FloatField(
        "överspridning (φ)", null=True, blank=True, validators=[MinValueValidator(1.0)]
    )
    note = models.TextField("anteckning", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="skapad av",
    )
    created_at = models.DateTimeField("skapad", auto_now_add=True)
    updated_at = models.DateTimeField("ändrad", auto_now=True)

    class Meta:
        verbose_name = "effektuppföljning"
        verbose_name_plural = "effektuppföljningar"
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="evaluation_title_required"),
            models.CheckConstraint(
                condition=Q(months__gte=1, months__lte=MAX_MONTHS), name="evaluation_months_range"
            ),
            models.CheckConstraint(
                condition=Q(gap_months__lte=MAX_GAP_MONTHS), name="evaluation_gap_range"
            ),
            models.CheckConstraint(
                condition=~Q(variance="angiven") | Q(dispersion__gte=1.0),
                name="evaluation_given_dispersion",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "start_date"], name="evaluation_muni")]

    def __str__(self) -> str:
        return self.title
