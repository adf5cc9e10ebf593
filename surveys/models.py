"""Trygghetsvandringar (safety walks), their participants, observations and actions (åtgärder)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geo.crs import STORAGE_SRID
from layers.models import District, Municipality, Office, valid_geometry


class Light(models.TextChoices):
    DAYLIGHT = "dagsljus", _("Dagsljus")
    DUSK = "skymning", _("Skymning")
    DARK = "morker", _("Mörker")


class Gender(models.TextChoices):
    WOMAN = "kvinna", _("Kvinnor")
    MAN = "man", _("Män")
    OTHER = "annat", _("Annat/vill inte ange")


class AgeGroup(models.TextChoices):
    CHILD = "barn", _("Barn (under 13)")
    YOUTH = "ungdom", _("Ungdomar (13–19)")
    ADULT = "vuxen", _("Vuxna (20–64)")
    SENIOR = "senior", _("Äldre (65+)")


class Trygghetsvandring(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planerad", _("Planerad")
        ONGOING = "pagar", _("Pågår")
        DONE = "avslutad", _("Avslutad")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="walks")
    district = models.ForeignKey(
        District,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="walks",
        verbose_name="kommundel",
    )
    name = models.CharField("namn", max_length=200)
    walked_on = models.DateField("datum")
    start_time = models.TimeField("starttid", null=True, blank=True)
    light = models.CharField("ljus", max_length=10, choices=Light.choices, default=Light.DARK)
    status = models.CharField(
        "status", max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    route = models.LineStringField("planerad rutt", srid=STORAGE_SRID, null=True, blank=True)
    track = models.LineStringField("GPS-spår", srid=STORAGE_SRID, null=True, blank=True)
    partners = models.ManyToManyField(
        Office, blank=True, related_name="walks", verbose_name="samverkanspartner"
    )
    # What the group is asked to look at, e.g. ["Belysning", "Buskage och skymda platser", ...]
    checklist = models.JSONField("checklista", default=list, blank=True)
    notes = models.TextField("anteckningar", blank=True)
    follow_up_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name="uppföljning av",
    )
    generated = models.BooleanField("genererad demodata", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "trygghetsvandring"
        verbose_name_plural = "trygghetsvandringar"
        ordering = ["-walked_on", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name", "walked_on"], name="walk_unique_name_date"
            ),
            models.CheckConstraint(
                condition=Q(route__isnull=True) | Q(route__isvalid=True), name="walk_route_valid"
            ),
            models.CheckConstraint(
                condition=Q(track__isnull=True) | Q(track__isvalid=True), name="walk_track_valid"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="walk_name_required"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.walked_on:%Y-%m-%d}"


class WalkParticipants(models.Model):
    """How many took part in a walk, by gender and age group (genus- och barnrättsperspektiv)."""

    walk = models.ForeignKey(
        Trygghetsvandring, on_delete=models.CASCADE, related_name="participants"
    )
    gender = models.CharField("kön", max_length=10, choices=Gender.choices)
    age_group = models.CharField("åldersgrupp", max_length=10, choices=AgeGroup.choices)
    count = models.PositiveSmallIntegerField("antal")

    class Meta:
        verbose_name = "deltagargrupp"
        verbose_name_plural = "deltagare"
        constraints = [
            models.UniqueConstraint(
                fields=["walk", "gender", "age_group"], name="participants_unique_group"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count} {self.get_gender_display()}, {self.get_age_group_display()}"


class Observation(models.Model):
    """One place marked during a walk. ``client_uuid`` is made by the tablet: sending it twice stores it once."""

    class Category(models.TextChoices):
        # Covers Safetipin's nine audit parameters and Swedish walk practice (docs/method.md).
        LIGHTING = "belysning", _("Belysning")
        VEGETATION = "vegetation", _("Vegetation och skymda platser")
        SIGHTLINES = "sikt", _("Sikt och överblick")
        MAINTENANCE = "skotsel", _("Skötsel, nedskräpning, klotter, skadegörelse")
        PEOPLE = "folkliv", _("Människor och folkliv")
        WALKWAY = "gangvag", _("Gångväg och tillgänglighet")
        TRAFFIC = "trafik", _("Trafik")
        TRANSIT = "kollektivtrafik", _("Kollektivtrafik")
        SURVEILLANCE = "bevakning", _("Bevakning och närvaro")
        # Social services' and schools' share of what a walk finds (issue 15, decision 0820).
        YOUTH = "ungdomsgrupp", _("Ungdomsgrupperingar")
        VULNERABLE = "utsatthet", _("Missbruk och utsatta personer")
        SCHOOL_ROUTE = "skolvag", _("Otrygg skolväg")
        SCHOOL = "skolgard", _("Skolgård och skolans närhet")
        OTHER = "ovrigt", _("Övrigt")

    class Feeling(models.IntegerChoices):
        VERY_UNSAFE = 1, _("Mycket otryggt")
        UNSAFE = 2, _("Otryggt")
        NEUTRAL = 3, _("Varken eller")
        SAFE = 4, _("Tryggt")
        VERY_SAFE = 5, _("Mycket tryggt")

    class Severity(models.IntegerChoices):
        LOW = 1, _("Låg")
        MEDIUM = 2, _("Medel")
        HIGH = 3, _("Hög")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    walk = models.ForeignKey(
        Trygghetsvandring, on_delete=models.CASCADE, related_name="observations"
    )
    client_uuid = models.UUIDField("klientens UUID", unique=True)
    location = models.PointField("plats", srid=STORAGE_SRID)
    # Where the tablet's GPS put it, when the marker was dragged to correct it (else null).
    gps_location = models.PointField("GPS-position", srid=STORAGE_SRID, null=True, blank=True)
    accuracy_m = models.FloatField("GPS-noggrannhet (m)", null=True, blank=True)
    recorded_at = models.DateTimeField("registrerad")
    category = models.CharField("kategori", max_length=20, choices=Category.choices)
    feeling = models.PositiveSmallIntegerField("upplevelse", choices=Feeling.choices)
    severity = models.PositiveSmallIntegerField(
        "allvarlighet", choices=Severity.choices, default=Severity.MEDIUM
    )
    note = models.TextField("beskrivning", blank=True)
    raised_by_gender = models.CharField(
        "väckt av (kön)", max_length=10, choices=Gender.choices, blank=True
    )
    raised_by_age = models.CharField(
        "väckt av (ålder)", max_length=10, choices=AgeGroup.choices, blank=True
    )
    # SHA-256 of the canonical payload, to tell a retry (same content) from a conflict (other content).
    payload_sha256 = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField("mottagen", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    generated = models.BooleanField("genererad demodata", default=False)

    class Meta:
        verbose_name = "observation"
        verbose_name_plural = "observationer"
        ordering = ["walk", "recorded_at"]
        constraints = [
            valid_geometry("location", "observation_location_valid"),
            models.CheckConstraint(
                condition=Q(gps_location__isnull=True) | Q(gps_location__isvalid=True),
                name="observation_gps_location_valid",
            ),
            models.CheckConstraint(
                condition=Q(feeling__gte=1) & Q(feeling__lte=5), name="observation_feeling_1_5"
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1) & Q(severity__lte=3), name="observation_severity_1_3"
            ),
            models.CheckConstraint(
                condition=Q(accuracy_m__isnull=True) | Q(accuracy_m__gte=0),
                name="observation_accuracy_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} ({self.walk})"


def photo_path(instance: ObservationPhoto, filename: str) -> str:
    return f"photos/{instance.observation.walk_id}/{instance.client_uuid}.jpg"


def thumbnail_path(instance: ObservationPhoto, filename: str) -> str:
    return f"photos/{instance.observation.walk_id}/{instance.client_uuid}_thumb.jpg"


class ObservationPhoto(models.Model):
    """A photo for an observation; may arrive after the observation. Stored without EXIF."""

    observation = models.ForeignKey(Observation, on_delete=models.CASCADE, related_name="photos")
    client_uuid = models.UUIDField("klientens UUID", unique=True)
    image = models.ImageField(
        "bild", upload_to=photo_path, width_field="width", height_field="height"
    )
    thumbnail = models.ImageField("miniatyr", upload_to=thumbnail_path, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "foto"
        verbose_name_plural = "foton"

    def __str__(self) -> str:
        return f"Foto {self.client_uuid}"


class PlaceKind(models.TextChoices):
    STREET = "gata", _("Gata")
    NYKO = "nyko", _("NYKO-område")


class Action(models.Model):
    """An åtgärd: what a responsible office or partner is to do about an observation, followed until done."""

    class Status(models.TextChoices):
        NEW = "ny", _("Ny")
        PLANNED = "planerad", _("Planerad")
        ONGOING = "pagar", _("Pågår")
        DONE = "atgardad", _("Åtgärdad")
        REJECTED = "avslagen", _("Avslagen")

    OPEN_STATUSES = (Status.NEW, Status.PLANNED, Status.ONGOING)

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="actions")
    observation = models.ForeignKey(
        Observation, on_delete=models.CASCADE, null=True, blank=True, related_name="actions"
    )
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="actions", verbose_name="ansvarig"
    )
    # What the rules suggested (surveys.services.suggest_office) and why, kept when staff change the office.
    suggested_office = models.ForeignKey(
        Office,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="föreslagen ansvarig",
    )
    suggestion_reason = models.CharField("skäl för förslaget", max_length=300, blank=True)
    title = models.CharField("åtgärd", max_length=300)
    description = models.TextField("beskrivning", blank=True)
    # Where to act (from the observation, or the plan's area) and what the place is called: the nearest
    # named street of the context, else the NYKO area (surveys.places, decision 0821).
    location = models.PointField("plats", srid=STORAGE_SRID, null=True, blank=True)
    place_name = models.CharField("platsens namn", max_length=200, blank=True)
    place_kind = models.CharField(
        "platsens namn från", max_length=10, choices=PlaceKind.choices, blank=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_actions",
        verbose_name="handläggare",
    )
    # A measure of a plan review turned into an action: the plan, the criterion and the measure's text.
    plan = models.ForeignKey(
        "layers.Detaljplan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name="detaljplan",
    )
    criterion = models.CharField("kriterium", max_length=60, blank=True)
    measure = models.CharField("åtgärdsförslag", max_length=500, blank=True)
    status = models.CharField("status", max_length=10, choices=Status.choices, default=Status.NEW)
    rejection_reason = models.TextField("skäl för avslag", blank=True)
    due_date = models.DateField("klart senast", null=True, blank=True)
    generated = models.BooleanField("genererad demodata", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "åtgärd"
        verbose_name_plural = "åtgärder"
        ordering = ["status", "due_date"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="avslagen") | ~Q(rejection_reason=""),
                name="action_rejection_needs_reason",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="action_title_required"),
            models.CheckConstraint(
                condition=Q(location__isnull=True) | Q(location__isvalid=True),
                name="action_location_valid",
            ),
        ]
        indexes = [models.Index(fields=["office", "status"], name="action_office_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def place_label(self) -> str:
        """The place as a page names it: "Centralvägen", or "NYKO-område Runby" when no street is near."""
        if self.place_kind == PlaceKind.NYKO and self.place_name:
            return f"{_('NYKO-område')} {self.place_name}"
        return self.place_name

    @property
    def is_overdue(self) -> bool:
        """Open and past its due date (in the municipality's time zone)."""
        return self.is_open and self.due_date is not None and self.due_date < timezone.localdate()


class OfficeStaff(models.Model):
    """A user who works at an office (or for a partner): may be assigned its actions."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="offices"
    )

    class Meta:
        verbose_name = "medarbetare på kontor"
        verbose_name_plural = "medarbetare på kontor"
        constraints = [
            models.UniqueConstraint(fields=["office", "user"], name="officestaff_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.office}"


class ActionDigest(models.Model):
    """An office's opt-in to the weekly e-mail of its actions (``manage.py send_action_digest``)."""

    office = models.OneToOneField(Office, on_delete=models.CASCADE, related_name="digest")
    enabled = models.BooleanField("veckobrev på", default=False)
    last_sent_at = models.DateTimeField("senast skickat", null=True, blank=True)

    class Meta:
        verbose_name = "veckobrev om åtgärder"
        verbose_name_plural = "veckobrev om åtgärder"

    def __str__(self) -> str:
        return f"{self.office}: {'på' if self.enabled else 'av'}"


class ActionEvent(models.Model):
    """One change to an action: its history, append-only."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField("tidpunkt", auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(
        "från status", max_length=10, choices=Action.Status.choices, blank=True
    )
    to_status = models.CharField("till status", max_length=10, choices=Action.Status.choices)
    note = models.TextField("kommentar", blank=True)
    # Other fields changed at the same time: {"office": ["old", "new"], "due_date": ["", "2026-05-01"]}
    changes = models.JSONField("ändringar", default=dict, blank=True)

    class Meta:
        verbose_name = "händelse i åtgärd"
        verbose_name_plural = "historik"
        ordering = ["action", "at"]

    def __str__(self) -> str:
        return f"{self.from_status or '–'} → {self.to_status}"


class DeviceToken(models.Model):
    """A revocable token a tablet sends as ``Authorization: Bearer <token>`` to the sync API.

    Only the SHA-256 of the token is stored; the token itself is shown once, when an administrator issues
    it (docs/security.md). The device acts as ``user``, with that user's permissions.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    name = models.CharField("enhet", max_length=100, help_text="T.ex. Surfplatta 3, fältgruppen")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="device_tokens",
        verbose_name="agerar som användare",
    )
    token_sha256 = models.CharField("nyckelns SHA-256", max_length=64, unique=True, editable=False)
    prefix = models.CharField("nyckelns början", max_length=16, editable=False)
    created_at = models.DateTimeField("utfärdad", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="utfärdad av",
    )
    expires_at = models.DateTimeField("gäller till", null=True, blank=True)
    last_used_at = models.DateTimeField("senast använd", null=True, blank=True)
    revoked_at = models.DateTimeField("återkallad", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="återkallad av",
    )

    class Meta:
        verbose_name = "enhetsnyckel"
        verbose_name_plural = "enhetsnycklar"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(token_sha256__regex=r"^[0-9a-f]{64}$"),  # noqa: S106
                name="devicetoken_sha256_hex",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="devicetoken_name_required"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class CitizenSurveyResponse(models.Model):
    """One anonymous answer to a citizen survey (e.g. Upplands Väsby's 2015 questionnaire).

    ``answers`` keeps the item codes and values as exported (e.g. {"X9a": 12, "X9c": 5}); what a value
    means is the survey's own scale, documented in docs/method.md where it is used.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    survey = models.SlugField("enkät", max_length=60)
    answered_at = models.DateTimeField("besvarad", null=True, blank=True)
    statistical_area = models.ForeignKey(
        "layers.StatisticalArea",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="NYKO-område",
    )
    area_name = models.CharField("bostadsområde (som svarat)", max_length=200, blank=True)
    age_band = models.CharField("ålder", max_length=20, blank=True)
    gender = models.CharField("kön", max_length=20, blank=True)
    answers = models.JSONField("svar", default=dict)
    row_number = models.PositiveIntegerField("rad i filen")

    class Meta:
        verbose_name = "enkätsvar"
        verbose_name_plural = "enkätsvar"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "survey", "row_number"], name="surveyresponse_unique_row"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} #{self.row_number}"
