"""The spatial data: municipality and districts, incidents, detaljplaner and urban context.

Every geometry is stored in SWEREF 99 TM (EPSG:3006) and every table carries its municipality, so a
county or national service can shard on it (docs/scaling.md). Invalid geometries are refused by
database constraints, not only by Python.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import NumPoints
from django.db.models import F, Q
from django.db.models.lookups import LessThanOrEqual

from geo.crs import STORAGE_SRID
from layers.plan_size import MAX_PLAN_VERTICES, PlanOutline


def valid_geometry(field: str, name: str) -> models.CheckConstraint:
    """A database CHECK that the geometry in ``field`` is valid (ST_IsValid)."""
    return models.CheckConstraint(condition=Q(**{f"{field}__isvalid": True}), name=name)


def vertex_limit(field: str, name: str) -> models.CheckConstraint:
    """A database CHECK that one area of a plan holds at most ``MAX_PLAN_VERTICES`` (ST_NPoints); the
    importer and the editor check the plan as a whole first, with a message naming it."""
    return models.CheckConstraint(
        condition=LessThanOrEqual(NumPoints(field), MAX_PLAN_VERTICES), name=name
    )


class Municipality(models.Model):
    kommunkod = models.CharField("kommunkod", max_length=4, unique=True)
    name = models.CharField("namn", max_length=100)
    boundary = models.MultiPolygonField("gräns", srid=STORAGE_SRID)
    # A public, read-only map of aggregated, non-sensitive hot spots at /offentlig/ (off by default).
    public_map = models.BooleanField(
        "offentlig karta",
        default=False,
        help_text="Visa en öppen karta utan inloggning med sammanvägda brottskoncentrationer "
        "(inga enskilda händelser, inga känsliga händelser).",
    )

    class Meta:
        verbose_name = "kommun"
        verbose_name_plural = "kommuner"
        ordering = ["kommunkod"]
        constraints = [
            valid_geometry("boundary", "municipality_boundary_valid"),
            models.CheckConstraint(
                condition=Q(kommunkod__regex=r"^[0-9]{4}$"), name="municipality_kommunkod_4_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kommunkod})"


class Membership(models.Model):
    """The municipality a user works for: their role (group) applies there and nowhere else."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name="användare",
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="members", verbose_name="kommun"
    )

    class Meta:
        verbose_name = "kommuntillhörighet"
        verbose_name_plural = "kommuntillhörigheter"

    def __str__(self) -> str:
        return f"{self.user} – {self.municipality}"


class District(models.Model):
    """A kommundel with its own local BRÅ council (Upplands Väsby: västra, centrala, östra)."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="districts"
    )
    code = models.SlugField("kod", max_length=40)
    name = models.CharField("namn", max_length=100)
    # The first digit of the NYKO codes in this district (1 västra, 2 centrala, 3 östra).
    nyko_prefix = models.CharField("NYKO-prefix", max_length=6, blank=True)
    area = models.MultiPolygonField("område", srid=STORAGE_SRID)

    class Meta:
        verbose_name = "kommundel"
        verbose_name_plural = "kommundelar"
        ordering = ["municipality", "nyko_prefix", "code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="district_unique_code"),
            valid_geometry("area", "district_area_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class StatisticalArea(models.Model):
    """A NYKO area (nyckelkodsområde), the municipality's statistical unit."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="statistical_areas"
    )
    district = models.ForeignKey(
        District, on_delete=models.SET_NULL, null=True, blank=True, related_name="statistical_areas"
    )
    code = models.CharField("NYKO-kod", max_length=12)
    name = models.CharField("namn", max_length=200)
    area = models.MultiPolygonField("område", srid=STORAGE_SRID)

    class Meta:
        verbose_name = "NYKO-område"
        verbose_name_plural = "NYKO-områden"
        ordering = ["municipality", "code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="statarea_unique_code"),
            valid_geometry("area", "statarea_area_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Office(models.Model):
    """A municipal office (kontor) or an outside partner that answers for actions."""

    class Kind(models.TextChoices):
        OFFICE = "kontor", "Kommunens kontor"
        PARTNER = "partner", "Samverkanspartner"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="offices")
    name = models.CharField("namn", max_length=200)
    short_name = models.CharField("kortnamn", max_length=40, blank=True)
    kind = models.CharField("typ", max_length=10, choices=Kind.choices, default=Kind.OFFICE)
    email = models.EmailField("e-post", blank=True)

    class Meta:
        verbose_name = "kontor eller partner"
        verbose_name_plural = "kontor och partner"
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="office_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class FocusArea(models.Model):
    """One of the strategy's nine focus areas (fokusområden), see docs/glossary.md."""

    number = models.PositiveSmallIntegerField("nummer", unique=True)
    name = models.CharField("namn", max_length=200)
    name_en = models.CharField("namn (engelska)", max_length=200)
    sensitive = models.BooleanField(
        "känsligt", default=False, help_text="Händelser visas aldrig som punkter utan behörighet."
    )
    offices = models.ManyToManyField(
        Office, blank=True, related_name="focus_areas", verbose_name="ansvariga kontor"
    )

    class Meta:
        verbose_name = "fokusområde"
        verbose_name_plural = "fokusområden"
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__gte=1) & Q(number__lte=99), name="focusarea_number_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class IncidentCategory(models.Model):
    code = models.SlugField("kod", max_length=60, unique=True)
    label = models.CharField("benämning", max_length=200)
    label_en = models.CharField("benämning (engelska)", max_length=200, blank=True)
    focus_area = models.ForeignKey(
        FocusArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="categories",
        verbose_name="fokusområde",
    )
    # Stored, not derived at read time: services.save_category() sets it when the focus area is
    # sensitive, and IncidentQuerySet.sensitive() also checks the focus area, so either suffices.
    sensitive = models.BooleanField("känslig", default=False)

    class Meta:
        verbose_name = "händelsekategori"
        verbose_name_plural = "händelsekategorier"
        ordering = ["code"]
        # Whether a category or a focus area is sensitive decides who sees incidents as points: only
        # administrators change it (layers/sensitivity.py, decision 0621).
        permissions = [
            ("change_sensitivity", "Får ändra vad som är känsligt (kategorier och fokusområden)")
        ]

    def __str__(self) -> str:
        return self.label


class ImportBatch(models.Model):
    """One import of one file: it lands whole or not at all, reports each rejected row, can be undone."""

    class Kind(models.TextChoices):
        INCIDENTS = "incidents", "Händelser"
        DETALJPLAN = "detaljplan", "Detaljplan"
        CONTEXT = "context", "Stadsmiljö (kontext)"
        DEMO = "demo", "Demodata"

    class Status(models.TextChoices):
        DONE = "klar", "Klar"
        UNDONE = "angrad", "Ångrad"

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="import_batches"
    )
    kind = models.CharField("typ", max_length=20, choices=Kind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="importerad av",
    )
    created_at = models.DateTimeField("importerad", auto_now_add=True)
    filename = models.CharField("fil", max_length=500)
    file_sha256 = models.CharField("filens SHA-256", max_length=64, blank=True)
    profile = models.CharField("importprofil", max_length=60, blank=True)
    rows_read = models.PositiveIntegerField("lästa rader", default=0)
    rows_stored = models.PositiveIntegerField("sparade rader", default=0)
    rows_rejected = models.PositiveIntegerField("avvisade rader", default=0)
    # [{"row": 12, "ref": "A-17", "reason": "..."}], capped by the importer
    rejected = models.JSONField("avvisade rader (orsak)", default=list, blank=True)
    # What the importer found and did: detected CRS, swapped axes, repairs, counts per kind, warnings.
    report = models.JSONField("rapport", default=dict, blank=True)
    status = models.CharField("status", max_length=10, choices=Status.choices, default=Status.DONE)
    undone_at = models.DateTimeField("ångrad", null=True, blank=True)
    # What the importer found and decided: format, encoding, delimiter, mapping, counts per category and
    # per reason, unknown category values (layers/importers/incidents.py).
    details = models.JSONField("importdetaljer", default=dict, blank=True)

    class Meta:
        verbose_name = "import"
        verbose_name_plural = "importer"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rows_stored__lte=F("rows_read")), name="importbatch_stored_le_read"
            ),
            models.CheckConstraint(
                condition=Q(status="klar", undone_at__isnull=True)
                | Q(status="angrad", undone_at__isnull=False),
                name="importbatch_undone_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.filename} ({self.created_at:%Y-%m-%d %H:%M})"


class ImportProfile(models.Model):
    """A saved column and category mapping for a recurring incident file (layers/importers/mapping.py).

    The built-in profiles (the police's open events, the municipal incident reporting export) live in
    code (layers/importers/profiles.py); these are the ones analysts save for their own files.
    """

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="import_profiles"
    )
    name = models.SlugField("namn", max_length=60)
    label = models.CharField("benämning", max_length=200)
    description = models.TextField("beskrivning", blank=True)
    # {"source": "...", "id": ["..."], "time": "...", "x": "...", "y": "...", "srid": 3006, ...}
    column_mapping = models.JSONField("kolumnmappning", default=dict)
    # {"source value": "category code"}; matched without regard to case and surrounding spaces
    category_mapping = models.JSONField("kategorimappning", default=dict, blank=True)
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
        verbose_name = "importprofil"
        verbose_name_plural = "importprofiler"
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="importprofile_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.label or self.name


class IncidentQuerySet(models.QuerySet["Incident"]):
    def sensitive(self) -> IncidentQuerySet:
        """Incidents that are never shown as points without the permission (docs/security.md)."""
        return self.filter(SENSITIVE_INCIDENT)

    def non_sensitive(self) -> IncidentQuerySet:
        return self.exclude(SENSITIVE_INCIDENT)

    def placed(self) -> IncidentQuerySet:
        """Incidents with a real place (not a municipality-level count such as police events)."""
        return self.filter(precision=Incident.Precision.POINT)


# The one definition of a sensitive incident: its category, or its category's focus area, is sensitive.
SENSITIVE_INCIDENT = Q(category__sensitive=True) | Q(category__focus_area__sensitive=True)


class Incident(models.Model):
    """A reported incident: a crime or disorder event from the police or the municipality's reports.

    ``location`` is a place only when ``precision`` is ``punkt``. The police's open events carry the
    municipality's centre as their position, which is not a place: they are stored with
    ``precision=kommun`` and no location, and count only in time series and totals.
    """

    class Precision(models.TextChoices):
        POINT = "punkt", "Plats (punkt)"
        MUNICIPALITY = "kommun", "Endast kommun"

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="incidents"
    )
    category = models.ForeignKey(
        IncidentCategory,
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name="kategori",
    )
    source = models.CharField("källa", max_length=60)
    source_ref = models.CharField("källans id", max_length=120)
    precision = models.CharField(
        "lägesprecision", max_length=10, choices=Precision.choices, default=Precision.POINT
    )
    location = models.PointField("plats", srid=STORAGE_SRID, null=True, blank=True)
    # A time, or an interval when the exact time is unknown (e.g. a burglary found in the morning).
    occurred_from = models.DateTimeField("inträffade (från)")
    occurred_to = models.DateTimeField("inträffade (till)", null=True, blank=True)
    description = models.TextField("beskrivning", blank=True)
    # Konsekvenser (Lag 2023:196 §4): from the municipality's own reports, where they have them.
    cost = models.DecimalField(
        "kostnad (kr)",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Vad händelsen kostade kommunen, t.ex. sanering av klotter. Tom: okänt.",
    )
    victims = models.PositiveIntegerField("antal drabbade", null=True, blank=True)
    import_batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
    )
    generated = models.BooleanField("genererad demodata", default=False)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = "händelse"
        verbose_name_plural = "händelser"
        ordering = ["-occurred_from"]
        permissions = [
            ("view_sensitive_incident", "Får se känsliga händelser som punkter"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "source", "source_ref"], name="incident_unique_source_ref"
            ),
            models.CheckConstraint(
                condition=Q(occurred_to__isnull=True) | Q(occurred_to__gte=F("occurred_from")),
                name="incident_interval_ordered",
            ),
            models.CheckConstraint(
                condition=Q(precision="punkt", location__isnull=False)
                | Q(precision="kommun", location__isnull=True),
                name="incident_location_matches_precision",
            ),
            models.CheckConstraint(
                condition=Q(location__isnull=True) | Q(location__isvalid=True),
                name="incident_location_valid",
            ),
            models.CheckConstraint(condition=~Q(source=""), name="incident_source_required"),
            models.CheckConstraint(
                condition=~Q(source_ref=""), name="incident_source_ref_required"
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "occurred_from"], name="incident_muni_time"),
            models.Index(fields=["category", "occurred_from"], name="incident_cat_time"),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.occurred_from:%Y-%m-%d}"


class Detaljplan(models.Model):
    """A detailed development plan and its plan area (plangräns)."""

    class Status(models.TextChoices):
        ONGOING = "pagaende", "Pågående"
        CONSULTATION = "samrad", "Samråd"
        REVIEW = "granskning", "Granskning"
        ADOPTED = "antagen", "Antagen"
        IN_FORCE = "laga_kraft", "Laga kraft"

    class Kind(models.TextChoices):
        NEW = "ny", "Nytt område (nyproduktion)"
        REBUILT = "ombyggnad", "Ombyggnad av befintligt område"

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="detaljplaner"
    )
    plan_id = models.CharField("plan-id", max_length=60)
    name = models.CharField("namn", max_length=300)
    status = models.CharField(
        "status", max_length=12, choices=Status.choices, default=Status.ONGOING
    )
    kind = models.CharField("typ", max_length=10, choices=Kind.choices, default=Kind.NEW)
    area = models.MultiPolygonField("planområde", srid=STORAGE_SRID)
    description = models.TextField("beskrivning", blank=True)
    # Generella planbestämmelser that apply to the whole plan area (same shape as PlanZone.regulations).
    regulations = models.JSONField("generella bestämmelser", default=list, blank=True)
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="detaljplaner"
    )
    # An alternative proposal for the same place is a plan of its own that points at the main one
    # (docs/decisions/0352-plan-alternatives.md); the planner page compares them side by side.
    alternative_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alternatives",
        verbose_name="alternativ till",
    )
    generated = models.BooleanField("genererad demodata", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The area simplified for maps of many plans (layers.plan_size, docs/decisions/0642). A stored
    # generated column: PostgreSQL keeps it with the area, however the plan was written.
    outline = models.GeneratedField(
        expression=PlanOutline("area"),
        output_field=models.MultiPolygonField(srid=STORAGE_SRID),
        db_persist=True,
        verbose_name="förenklad plangräns",
    )

    class Meta:
        verbose_name = "detaljplan"
        verbose_name_plural = "detaljplaner"
        ordering = ["municipality", "plan_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "plan_id"], name="detaljplan_unique_plan_id"
            ),
            valid_geometry("area", "detaljplan_area_valid"),
            vertex_limit("area", "detaljplan_area_vertices"),
            models.CheckConstraint(condition=~Q(plan_id=""), name="detaljplan_plan_id_required"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.name}"


# Boverket's use codes (användningsbestämmelser) most often met; the catalogue has more, so the
# database checks only the form and importers warn about unknown codes.
BOVERKET_USE_CODES: dict[str, str] = {
    # allmän plats
    "GATA": "Gata",
    "LOKALGATA": "Lokalgata",
    "HUVUDGATA": "Huvudgata",
    "TORG": "Torg",
    "GÅNG": "Gångväg",
    "CYKEL": "Cykelväg",
    "GÅGATA": "Gågata",
    "PARK": "Park",
    "NATUR": "Natur",
    "PARKERING": "Parkering",
    "LEK": "Lek",
    "ODLING": "Odling",
    "VÄG": "Väg",
    "BADPLATS": "Badplats",
    "SKYDD": "Skydd",
    "KOLONI": "Koloniområde",
    "TORGHANDEL": "Torghandel",
    # kvartersmark
    "B": "Bostäder",
    "C": "Centrum",
    "D": "Vård",
    "E": "Tekniska anläggningar",
    "G": "Drivmedel",
    "H": "Detaljhandel",
    "J": "Industri",
    "K": "Kontor",
    "L": "Odling och djurhållning",
    "N": "Friluftsliv och camping",
    "O": "Tillfällig vistelse",
    "P": "Parkering",
    "R": "Besöksanläggningar",
    "S": "Skola",
    "T": "Trafik",
    "Z": "Verksamheter",
    # vattenområde
    "W": "Vattenområde",
}


class PlanZone(models.Model):
    """A use zone (användningsområde) of a detaljplan, with its Boverket code and regulations."""

    class Scenario(models.TextChoices):
        PLANNED = "planerat", "Som planerat"
        TODAY = "idag", "Idag (befintligt)"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Detaljplan, on_delete=models.CASCADE, related_name="zones")
    scenario = models.CharField(
        "scenario", max_length=10, choices=Scenario.choices, default=Scenario.PLANNED
    )
    # One code, or several separated by a space for a combined use ("R S"); "" when the source file
    # gave none (the planner sets it on the edit page).
    use_code = models.CharField("användning (Boverkets kod)", max_length=30, blank=True)
    label = models.CharField("benämning", max_length=200, blank=True)
    # The bestämmelser that apply to the zone: [{"kind": "egenskap", "code": "e1", "text": "..."}]
    # Imported ones also carry "index", "type" (catalogue code), "variables", "area" (the source id of
    # the bestämmelseområde they cover) and "uuid" (docs/decisions/0300).
    regulations = models.JSONField("bestämmelser", default=list, blank=True)
    area = models.MultiPolygonField("område", srid=STORAGE_SRID)
    source_ref = models.CharField("källans id", max_length=60, blank=True)
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="plan_zones"
    )
    # A use limited in height (Detaljplan 4.1 vertikalAvgransning; docs/decisions/0711): the area is
    # its 2D footprint, this says where it holds: {"direction": "uppåt"|"nedåt", "z_min": 24.0,
    # "z_max": 24.0, "height_system": "RH 2000", "height_srid": 5613}. None: from the ground up.
    vertical_limit = models.JSONField("vertikal avgränsning", null=True, blank=True)

    class Meta:
        verbose_name = "användningsområde"
        verbose_name_plural = "användningsområden"
        ordering = ["plan", "use_code"]
        constraints = [
            valid_geometry("area", "planzone_area_valid"),
            vertex_limit("area", "planzone_area_vertices"),
            models.CheckConstraint(
                condition=Q(use_code="") | Q(use_code__regex=r"^[A-ZÅÄÖ][A-ZÅÄÖ0-9 ]{0,29}$"),
                name="planzone_use_code_form",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.use_code} ({self.plan.plan_id})"


class RegulationArea(models.Model):
    """A bestämmelseområde: part of a use zone where egenskaps- or administrativa bestämmelser apply
    (prickmark, a height limit, a u-område …). Its regulations are also listed on its zone."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Detaljplan, on_delete=models.CASCADE, related_name="regulation_areas")
    zone = models.ForeignKey(
        PlanZone,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="regulation_areas",
        verbose_name="användningsområde",
    )
    scenario = models.CharField(
        "scenario",
        max_length=10,
        choices=PlanZone.Scenario.choices,
        default=PlanZone.Scenario.PLANNED,
    )
    source_ref = models.CharField("källans id", max_length=60, blank=True)
    regulations = models.JSONField("bestämmelser", default=list, blank=True)
    area = models.MultiPolygonField("område", srid=STORAGE_SRID)
    import_batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="regulation_areas",
    )
    # As PlanZone.vertical_limit: the regulations hold above or below a height, on this footprint.
    vertical_limit = models.JSONField("vertikal avgränsning", null=True, blank=True)

    class Meta:
        verbose_name = "bestämmelseområde"
        verbose_name_plural = "bestämmelseområden"
        ordering = ["plan", "source_ref"]
        constraints = [
            valid_geometry("area", "regulationarea_area_valid"),
            vertex_limit("area", "regulationarea_area_vertices"),
        ]

    def __str__(self) -> str:
        codes = ", ".join(str(r.get("code") or r.get("type", "")) for r in self.regulations)
        return f"{self.source_ref or self.pk}: {codes}"


class ContextLayer(models.Model):
    """A named source of urban context: an OSM extract, the lamp register, building footprints."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="context_layers"
    )
    name = models.CharField("namn", max_length=200)
    source = models.CharField("källa", max_length=300, blank=True)
    licence = models.CharField("licens", max_length=200, blank=True)
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="context_layers"
    )

    class Meta:
        verbose_name = "kontextlager"
        verbose_name_plural = "kontextlager"
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="contextlayer_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ContextFeature(models.Model):
    class Kind(models.TextChoices):
        STREET = "street", "Gata"
        PATH = "path", "Gång- eller cykelväg"
        BUILDING = "building", "Byggnad"
        LAMP = "lamp", "Gatubelysning"
        POI = "poi", "Målpunkt (POI)"
        LANDUSE = "landuse", "Markanvändning"
        PARK = "park", "Park"
        WATER = "water", "Vatten"
        BUS_STOP = "bus_stop", "Hållplats"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    layer = models.ForeignKey(ContextLayer, on_delete=models.CASCADE, related_name="features")
    kind = models.CharField("typ", max_length=12, choices=Kind.choices)
    geom = models.GeometryField("geometri", srid=STORAGE_SRID)
    name = models.CharField("namn", max_length=300, blank=True)
    source_ref = models.CharField("källans id", max_length=60, blank=True)
    # Source attributes, e.g. OSM tags: {"highway": "footway", "lit": "yes", "opening_hours": "..."}
    properties = models.JSONField("egenskaper", default=dict, blank=True)

    class Meta:
        verbose_name = "kontextobjekt"
        verbose_name_plural = "kontextobjekt"
        constraints = [valid_geometry("geom", "contextfeature_geom_valid")]
        indexes = [models.Index(fields=["layer", "kind"], name="contextfeature_layer_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name or self.source_ref}"


class AuditEvent(models.Model):
    """Append-only audit log: reads and exports of sensitive incidents, permission changes, logins (UTC)."""

    class Action(models.TextChoices):
        READ_SENSITIVE = "read_sensitive", "Läsning av känsliga händelser"
        EXPORT_SENSITIVE = "export_sensitive", "Export av känsliga händelser"
        LOGIN = "login", "Inloggning"
        LOGIN_FAILED = "login_failed", "Misslyckad inloggning"
        LOGOUT = "logout", "Utloggning"
        PERMISSION_CHANGE = "permission_change", "Ändrad behörighet"
        DEVICE_TOKEN = "device_token", "Enhetsnyckel utfärdad eller återkallad"
        API_TOKEN = "api_token", "Personlig API-nyckel skapad eller återkallad"
        IMPORT_UNDONE = "import_undone", "Import ångrad"
        CALIBRATION_FALLBACK = (
            "calibration_fallback",
            "Kalibrerade vikter ersatta av standardvikter (enkel prognos bättre)",
        )
        CALIBRATION_OVERRIDE = (
            "calibration_override",
            "Kalibrerade vikter använda trots att en enkel prognos var bättre",
        )
        SENSITIVITY_CHANGE = "sensitivity_change", "Ändrat vad som är känsligt"
        RETENTION = "gallring", "Gallring"
        IMPORT_PILES_KEPT = "import_piles_kept", "Staplade punkter sparade som platser"
        RELEASE_PUBLISHED = "release_published", "Redovisning av känsliga händelser fastställd"

    at = models.DateTimeField("tidpunkt (UTC)", auto_now_add=True, db_index=True)
    # No database constraint and no cascade: deleting a user must not rewrite the log (it is append-only,
    # enforced by a trigger); the user name is kept as it was.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(
        "användare", max_length=150, blank=True
    )  # kept if the user is deleted
    action = models.CharField("händelse", max_length=30, choices=Action.choices)
    channel = models.CharField(
        "kanal", max_length=30, blank=True
    )  # page, api, ogc, tiles, export, admin
    object_type = models.CharField("vad", max_length=60, blank=True)
    count = models.PositiveIntegerField("antal", default=0)
    detail = models.JSONField("detaljer", default=dict, blank=True)
    ip = models.GenericIPAddressField("IP-adress", null=True, blank=True)

    class Meta:
        verbose_name = "granskningslogg"
        verbose_name_plural = "granskningslogg"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("the audit log is append-only")
        super().save(*args, **kwargs)


# --- Releases: what users without the permission see of sensitive incidents (layers/release.py) -----


class PublishedRelease(models.Model):
    """A frozen release for one municipality and one publication period (a calendar year).

    Built the first time the period is asked for on or after its publication day, and never changed
    afterwards (docs/decisions/0600): late imports into a closed year do not change what has been shown,
    so two looks at different times cannot be subtracted. ``content`` holds only what the release shows
    (printed values, and which values are "fewer than k" or hidden), never a suppressed count.
    """

    class Kind(models.TextChoices):
        SENSITIVE = "sensitive", "Känsliga händelser (rutor, kommundelar, fokusområden)"
        PUBLIC = "public", "Offentliga kartan (hot spots)"

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="published_releases"
    )
    kind = models.CharField("slag", max_length=12, choices=Kind.choices)
    period_first = models.DateField("periodens första dag")
    period_last = models.DateField("periodens sista dag")
    published_at = models.DateTimeField("fastställd", auto_now_add=True)
    content = models.JSONField("innehåll")

    class Meta:
        verbose_name = "fastställd redovisning"
        verbose_name_plural = "fastställda redovisningar"
        ordering = ["municipality", "kind", "-period_first"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kind", "period_first"], name="release_one_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_last__gte=F("period_first")), name="release_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.get_kind_display()} {self.period_first:%Y}"


# --- Scoring of plan areas (layers/scoring.py, geo/criteria, docs/method.md) ---------------------


class PlanFeature(models.Model):
    """Something a plan adds in its planned scenario that its zones cannot say: a new lamp, a new
    path, a new bus stop or building. Scored "as planned" on top of the existing context."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Detaljplan, on_delete=models.CASCADE, related_name="features")
    kind = models.CharField("typ", max_length=12, choices=ContextFeature.Kind.choices)
    geom = models.GeometryField("geometri", srid=STORAGE_SRID)
    name = models.CharField("namn", max_length=300, blank=True)
    properties = models.JSONField("egenskaper", default=dict, blank=True)

    class Meta:
        verbose_name = "planerat objekt"
        verbose_name_plural = "planerade objekt"
        constraints = [valid_geometry("geom", "planfeature_geom_valid")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.plan.plan_id})"


class ScoringWeights(models.Model):
    """A municipality's weights for the criteria; without a row the documented defaults apply."""

    class Source(models.TextChoices):
        DEFAULT = "standard", "Standardvikter"
        MANUAL = "manuell", "Satta av kommunen"
        CALIBRATED = "kalibrerad", "Kalibrerade mot kommunens händelser"

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="scoring_weights"
    )
    weights = models.JSONField("vikter", default=dict)  # {"lighting": 0.13, ...}
    source = models.CharField(
        "ursprung", max_length=12, choices=Source.choices, default=Source.MANUAL
    )
    note = models.TextField("kommentar", blank=True)
    updated_at = models.DateTimeField("ändrad", auto_now=True)

    class Meta:
        verbose_name = "vikter för bedömning"
        verbose_name_plural = "vikter för bedömning"

    def __str__(self) -> str:
        return f"{self.municipality}: {self.get_source_display()}"


class PlanAssessment(models.Model):
    """One scoring of one plan in one scenario: every criterion's value, evidence and sentence."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(Detaljplan, on_delete=models.CASCADE, related_name="assessments")
    scenario = models.CharField("scenario", max_length=10, choices=PlanZone.Scenario.choices)
    computed_at = models.DateTimeField("beräknad", auto_now_add=True)
    overall = models.FloatField("sammanvägd poäng")
    weights = models.JSONField("vikter", default=dict)
    weights_source = models.CharField("vikternas ursprung", max_length=12, blank=True)
    # [{"key", "value", "evidence", "explanation", "measures", "confidence"}] in its method's order
    results = models.JSONField("resultat", default=list)
    # {"dark_gaps": GeoJSON FeatureCollection in WGS 84, ...}: the criteria's own map layers
    map_layers = models.JSONField("kartlager", default=dict, blank=True)
    parameters = models.JSONField("parametrar", default=dict, blank=True)
    seconds = models.FloatField("beräkningstid (s)", default=0)
    # The method (geo.criteria.METHODS) that computed it: an old assessment stays readable when
    # criteria are added, and a criterion its method lacks shows as not scored (decisions 0741, 0744).
    method_version = models.CharField("metodversion", max_length=10)

    class Meta:
        verbose_name = "bedömning av detaljplan"
        verbose_name_plural = "bedömningar av detaljplaner"
        ordering = ["plan", "scenario", "-computed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(overall__gte=0) & Q(overall__lte=100), name="assessment_overall_0_100"
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "scenario", "-computed_at"], name="assessment_plan_latest")
        ]

    def __str__(self) -> str:
        return f"{self.plan.plan_id} {self.scenario}: {self.overall:.0f}"


class RiskCalibration(models.Model):
    """A fit of risk factors to the municipality's own incidents on a grid (geo/calibration.py)."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="risk_calibrations"
    )
    computed_at = models.DateTimeField("beräknad", auto_now_add=True)
    cell_m = models.FloatField("rutstorlek (m)")
    train_years = models.JSONField("år för anpassning", default=list)
    test_year = models.IntegerField("år för test", null=True, blank=True)
    model = models.CharField("modell", max_length=20)  # poisson or negbin
    # [{"key", "label", "coef", "se", "rr", "p", "criterion"}]
    factors = models.JSONField("riskfaktorer", default=list)
    # {"top_share": 0.05, "hit_rate": ..., "area_share": ..., "pai": ..., "baseline_pai": ...}
    accuracy = models.JSONField("träffsäkerhet", default=dict)
    weights = models.JSONField("kalibrerade vikter", default=dict)
    summary = models.JSONField("sammanfattning", default=dict)

    class Meta:
        verbose_name = "kalibrering av riskfaktorer"
        verbose_name_plural = "kalibreringar av riskfaktorer"
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"{self.municipality} {self.computed_at:%Y-%m-%d %H:%M}"
