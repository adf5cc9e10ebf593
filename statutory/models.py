"""The kept lägesbild (§4 of Lag 2023:196) and the åtgärdsplan made from it.

A ``Lagesbild`` holds its figures as JSON made once, when it is created (``statutory.figures``), and
never recomputed: a new look at the data is a new version (``replaces``). Its texts follow §4:
Kartläggning, Konsekvenser, Annan information and Analys (``Section``), with one cause analysis per
problem (``Problem``); every change of a text is kept (``TextRevision``). An ``Atgardsplan`` belongs to an
adopted lägesbild; its rows (``PlanRow``) follow Brå's template and link a problem to measures, an
operativt mål computed from stored data (``statutory.indicators``) and the existing actions.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from layers.models import District, IncidentCategory, Municipality, Office, StatisticalArea
from surveys.models import Action


def mandate_review_date(start: date) -> date:
    """The default review date: 31 October of the year before the next general election (held every
    fourth year in September from 2026), so a lägesbild is reviewed at least once per mandate period.

    >>> mandate_review_date(date(2026, 12, 7)), mandate_review_date(date(2027, 3, 1))
    (datetime.date(2029, 10, 31), datetime.date(2029, 10, 31))
    >>> mandate_review_date(date(2030, 1, 15)), mandate_review_date(date(2029, 11, 15))
    (datetime.date(2033, 10, 31), datetime.date(2033, 10, 31))
    """
    election = 2026
    while election <= start.year:
        election += 4
    review = date(election - 1, 10, 31)
    # Made after the last review date of its period (late in the year before an election): review
    # in the new period's year before its election.
    return review if review >= start else date(election + 3, 10, 31)


class Status(models.TextChoices):
    DRAFT = "utkast", _("Utkast")
    ADOPTED = "faststalld", _("Fastställd")
    REPLACED = "ersatt", _("Ersatt")


class Adoption(models.Model):
    """What an adopted document records: the deciding body, the date and the registration number."""

    status = models.CharField("status", max_length=10, choices=Status.choices, default=Status.DRAFT)
    decided_by = models.CharField("beslutande organ", max_length=200, blank=True)
    decided_on = models.DateField("beslutsdatum", null=True, blank=True)
    diarienummer = models.CharField("diarienummer", max_length=60, blank=True)
    generated = models.BooleanField("demodata", default=False)
    created_at = models.DateTimeField("skapad", auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def editable(self) -> bool:
        return self.status == Status.DRAFT


class Lagesbild(Adoption):
    """A lägesbild for the municipality or one district council, with its frozen figures."""

    class Compare(models.TextChoices):
        YEAR = "year", _("Samma period året innan")
        PREVIOUS = "previous", _("Perioden närmast före")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    title = models.CharField("titel", max_length=200)
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="kommundel",
        help_text="Tom: hela kommunen.",
    )
    date_from = models.DateField("från")
    date_to = models.DateField("till och med")
    compare = models.CharField(
        "jämförelseperiod", max_length=10, choices=Compare.choices, default=Compare.YEAR
    )
    focus_areas = models.JSONField("fokusområden", default=list, blank=True)
    categories = models.JSONField("kategorier", default=list, blank=True)
    review_by = models.DateField("ses över senast")
    figures = models.JSONField("frysta siffror", default=dict, editable=False)
    figures_made_at = models.DateTimeField("siffrorna tagna fram", null=True, editable=False)
    replaces = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name="ny version av",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "lägesbild (dokument)"
        verbose_name_plural = "lägesbilder (dokument)"
        ordering = ["-date_to", "-pk"]
        permissions = [("adopt_lagesbild", "Får fastställa lägesbilder och åtgärdsplaner")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_from__lte=models.F("date_to")),
                name="lagesbild_period_ordered",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="faststalld")
                | (models.Q(decided_on__isnull=False) & ~models.Q(decided_by="")),
                name="lagesbild_adopted_has_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.date_from} – {self.date_to})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.review_by is None:
            self.review_by = mandate_review_date(self.date_to)
        super().save(*args, **kwargs)


class Section(models.Model):
    """One of the four parts §4 asks for; its figures are in the lägesbild's frozen JSON."""

    class Kind(models.TextChoices):
        MAPPING = "kartlaggning", _("Kartläggning")
        CONSEQUENCES = "konsekvenser", _("Konsekvenser")
        OTHER = "annan", _("Annan information")
        ANALYSIS = "analys", _("Analys")

    lagesbild = models.ForeignKey(Lagesbild, on_delete=models.CASCADE, related_name="sections")
    kind = models.CharField("avsnitt", max_length=20, choices=Kind.choices)
    text = models.TextField("text", blank=True)
    secret = models.BooleanField(
        "omfattas av sekretess",
        default=False,
        help_text="Delas med polisen och omfattas av offentlighets- och sekretesslagen: "
        "märks på varje sida i utskriften.",
    )

    class Meta:
        verbose_name = "avsnitt"
        verbose_name_plural = "avsnitt"
        constraints = [
            models.UniqueConstraint(fields=["lagesbild", "kind"], name="section_one_per_kind")
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())


ORDER = [k for k, _label in Section.Kind.choices]


class Problem(models.Model):
    """A problem of the analysis with its cause analysis (orsaksanalys)."""

    lagesbild = models.ForeignKey(Lagesbild, on_delete=models.CASCADE, related_name="problems")
    title = models.CharField("problem", max_length=200)
    description = models.TextField("beskrivning av problemet", blank=True)
    situational = models.TextField("situationella orsaker", blank=True)
    social = models.TextField("sociala orsaker", blank=True)
    individual = models.TextField("individuella orsaker", blank=True)
    sources = models.TextField("källor", blank=True)

    class Meta:
        verbose_name = "problem"
        verbose_name_plural = "problem"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title


CAUSE_FIELDS = ("description", "situational", "social", "individual", "sources")


class TextRevision(models.Model):
    """A text as it was after one change: who changed it and when."""

    lagesbild = models.ForeignKey(Lagesbild, on_delete=models.CASCADE, related_name="revisions")
    what = models.CharField("vad", max_length=100)  # "section:analys", "problem:3:social"
    text = models.TextField("text")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField("tidpunkt", auto_now_add=True)

    class Meta:
        verbose_name = "textändring"
        verbose_name_plural = "textändringar"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.what} {self.at:%Y-%m-%d %H:%M}"


class Comment(models.Model):
    """A BRÅ member's comment on a lägesbild or a plan."""

    lagesbild = models.ForeignKey(
        Lagesbild, on_delete=models.CASCADE, related_name="comments", null=True, blank=True
    )
    plan = models.ForeignKey(
        "Atgardsplan", on_delete=models.CASCADE, related_name="comments", null=True, blank=True
    )
    text = models.TextField("kommentar")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField("tidpunkt", auto_now_add=True)

    class Meta:
        verbose_name = "kommentar"
        verbose_name_plural = "kommentarer"
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lagesbild__isnull=False) ^ models.Q(plan__isnull=False),
                name="comment_on_one_document",
            )
        ]

    def __str__(self) -> str:
        return self.text[:80]


class Atgardsplan(Adoption):
    """The åtgärdsplan made from an adopted lägesbild."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    lagesbild = models.ForeignKey(Lagesbild, on_delete=models.PROTECT, related_name="plans")
    title = models.CharField("titel", max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "åtgärdsplan"
        verbose_name_plural = "åtgärdsplaner"
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="faststalld")
                | (models.Q(decided_on__isnull=False) & ~models.Q(decided_by="")),
                name="atgardsplan_adopted_has_decision",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PlanRow(models.Model):
    """One measure of the plan, in the columns of Brå's template."""

    class Light(models.TextChoices):
        GREEN = "gron", _("Grön: enligt plan")
        YELLOW = "gul", _("Gul: försenad eller osäker")
        RED = "rod", _("Röd: står still")

    class Indicator(models.TextChoices):
        INCIDENTS = "handelser", _("Händelser av en kategori i ett område per kvartal")
        UNSAFE = "otryggt", _("Andel otryggt i trygghetsvandringarnas observationer i ett område")

    plan = models.ForeignKey(Atgardsplan, on_delete=models.CASCADE, related_name="rows")
    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="rows")
    cause = models.TextField("orsak")
    measure = models.TextField("åtgärd")
    goal = models.CharField("operativt mål", max_length=300)
    indicator = models.CharField(
        "mått", max_length=10, choices=Indicator.choices, default=Indicator.INCIDENTS
    )
    indicator_category = models.ForeignKey(
        IncidentCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="kategori (mått)",
    )
    indicator_area = models.ForeignKey(
        StatisticalArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="NYKO-område (mått)",
        help_text="Tomt: lägesbildens område (kommundelen eller hela kommunen).",
    )
    target = models.FloatField("målvärde", null=True, blank=True)
    when = models.CharField("när", max_length=200)
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="+", verbose_name="ansvarigt kontor"
    )
    partners = models.CharField("samverkanspartner", max_length=300, blank=True)
    follow_up = models.TextField("uppföljning (hur och när)")
    light = models.CharField("status", max_length=4, choices=Light.choices, default=Light.GREEN)
    status_note = models.CharField(
        "lägesnotering",
        max_length=300,
        blank=True,
        help_text="Ansvarigt kontors korta notering om hur raden går (ändras i en fastställd plan).",
    )
    citizen_promise = models.BooleanField("medborgarlöfte med polisen", default=False)
    actions = models.ManyToManyField(Action, blank=True, related_name="+", verbose_name="åtgärder")
    # Effect follow-ups shown in the uppföljning column, besides those of the linked actions
    # (``statutory.followups``; decision 0706). Same municipality, checked by the form.
    evaluations = models.ManyToManyField(
        "followup.Evaluation", blank=True, related_name="+", verbose_name="effektuppföljningar"
    )

    class Meta:
        verbose_name = "rad i åtgärdsplan"
        verbose_name_plural = "rader i åtgärdsplan"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.measure[:80]


class Population(models.Model):
    """Residents of a NYKO area on 31 December of a year (the denominator of rates per 1,000)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(StatisticalArea, on_delete=models.CASCADE, related_name="population")
    year = models.PositiveSmallIntegerField("år")
    residents = models.PositiveIntegerField("folkmängd")
    source = models.CharField("källa", max_length=200)
    generated = models.BooleanField("genererad demodata", default=False)

    class Meta:
        verbose_name = "folkmängd per NYKO-område"
        verbose_name_plural = "folkmängd per NYKO-område"
        ordering = ["area__code", "year"]
        constraints = [
            models.UniqueConstraint(fields=["area", "year"], name="population_one_per_area_year")
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.year}: {self.residents}"


class SurveyResult(models.Model):
    """A published survey figure for an area and a year: the police's trygghetsmätning (index per
    area) or Brå's NTU (per local police area, region or the country). Imported in the layouts of
    docs/data-layout-trygghetsmatning.md and docs/data-layout-ntu.md (``statutory.surveyresults``)."""

    class Kind(models.TextChoices):
        TRYGGHETSMATNING = "trygghetsmatning", _("Polisens trygghetsmätning")
        NTU = "ntu", _("Brås Nationella trygghetsundersökning (NTU)")

    class Level(models.TextChoices):
        AREA = "omrade", _("Område")
        LPO = "lpo", _("Lokalpolisområde")
        REGION = "region", _("Polisregion")
        COUNTRY = "riket", _("Riket")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("undersökning", max_length=20, choices=Kind.choices)
    level = models.CharField("nivå", max_length=10, choices=Level.choices)
    area = models.CharField("område", max_length=120)
    district = models.ForeignKey(
        District,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="kommundel",
        help_text="Den kommundel området ligger i; tom: gäller hela kommunen eller större.",
    )
    year = models.PositiveSmallIntegerField("år")
    values = models.JSONField("värden")  # measure -> number, the layout's columns
    respondents = models.PositiveIntegerField("antal svarande", null=True, blank=True)
    source = models.CharField("källa", max_length=200)
    generated = models.BooleanField("genererad demodata", default=False)

    class Meta:
        verbose_name = "resultat av trygghetsundersökning"
        verbose_name_plural = "resultat av trygghetsundersökningar"
        ordering = ["kind", "level", "area", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kind", "level", "area", "year"],
                name="surveyresult_one_per_area_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.area} {self.year}"
