"""The municipality's background map service, set by an administrator (docs/decisions/0720).

One service per municipality: an XYZ template or a WMTS layer. Trygg's own tile proxy fetches its tiles
(``basemap.proxy``), so the key stays on the server and tiles already seen keep working when the service
is down. What a WMTS service offers is read from its GetCapabilities when the service is saved and kept in
``capabilities`` (the chosen tile matrix set, its matrices and the tile address), so no tile request waits
for the capabilities.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.safestring import mark_safe

from layers.models import Municipality

# Linked, not restated: Lantmäteriet's terms and access model changed in 2024–2026 (docs/decisions/0720).
LANTMATERIET_TERMS_URL = "https://www.lantmateriet.se/sv/geodata/vara-produkter/oppna-data/"
TERMS_HELP = mark_safe(  # noqa: S308  (a constant of ours, no user input)
    "Vad tjänstens villkor säger om att spara (cacha) kartbilder och att använda dem utan "
    "uppkoppling, och var villkoren står. Trygg sparar bilderna på servern högst så länge som anges "
    "nedan och surfplattorna sparar kartan för vandringens område. Skriv inte av villkoren här utan "
    "länka till dem: de ändras. För Lantmäteriets tjänster, se "
    f'<a href="{LANTMATERIET_TERMS_URL}" rel="noreferrer" target="_blank">Lantmäteriets villkor '
    "för öppna data och geodatatjänster</a> (licens, tillgång och eventuell avgift har ändrats "
    "under 2024–2026). OpenStreetMaps egna kartserver får inte användas för att ladda ner kartor "
    "i förväg."
)


class BasemapService(models.Model):
    class Kind(models.TextChoices):
        XYZ = "xyz", "XYZ (adressmall med {z}/{x}/{y})"
        WMTS = "wmts", "WMTS (GetCapabilities)"

    class KeyPlacement(models.TextChoices):
        NONE = "", "Ingen nyckel"
        HEADER = "header", "I ett HTTP-huvud"
        QUERY = "query", "Som parameter i adressen"
        PATH = "path", "I adressen, där {key} står"

    municipality = models.OneToOneField(
        Municipality,
        on_delete=models.CASCADE,
        related_name="basemap_service",
        verbose_name="kommun",
    )
    active = models.BooleanField(
        "i bruk",
        default=True,
        help_text="Av: kartorna visar kommunens egen bakgrund (gator, byggnader, NYKO-områden).",
    )
    kind = models.CharField("typ av tjänst", max_length=4, choices=Kind.choices)
    url = models.CharField(
        "adress",
        max_length=1000,
        help_text=(
            "XYZ: adressmallen till en kartbild, med {z}, {x} och {y} (eller {-y} för TMS), t.ex. "
            "https://karta.example.se/tiles/{z}/{x}/{y}.png. WMTS: adressen till tjänstens "
            "GetCapabilities. Adressen visas aldrig för webbläsare: kartorna hämtar bilderna från "
            "Trygg."
        ),
    )
    layer = models.CharField(
        "WMTS-lager",
        max_length=200,
        blank=True,
        help_text="Lagrets identifierare i GetCapabilities, t.ex. topowebb_nedtonad.",
    )
    style = models.CharField(
        "WMTS-stil", max_length=200, blank=True, help_text="Tomt: lagrets standardstil."
    )
    tile_matrix_set = models.CharField(
        "WMTS-rutnät (TileMatrixSet)",
        max_length=200,
        blank=True,
        help_text=(
            "Tomt: väljs automatiskt. Ett rutnät i Web Mercator (EPSG:3857) används direkt; finns "
            "inget, räknas ett rutnät i SWEREF 99 TM (EPSG:3006) om till Web Mercator på servern."
        ),
    )
    api_key = models.CharField(
        "API-nyckel",
        max_length=1000,
        blank=True,
        help_text="Sparas bara på servern och skickas aldrig till webbläsare eller surfplattor.",
    )
    key_placement = models.CharField(
        "nyckelns plats", max_length=6, choices=KeyPlacement.choices, blank=True, default=""
    )
    key_name = models.CharField(
        "namn på huvud eller parameter",
        max_length=100,
        blank=True,
        help_text=(
            "HTTP-huvud, t.ex. Authorization (nyckeln skickas då som den är skriven, t.ex. "
            "”Bearer abc123”), eller adressparameter, t.ex. apikey."
        ),
    )
    attribution = models.CharField(
        "upphovsmärkning",
        max_length=300,
        help_text=(
            "Visas på kartan, i PDF:er och i exporter, så som tjänsten kräver, t.ex. "
            "”© Lantmäteriet”."
        ),
    )
    terms_note = models.TextField(
        "villkor för cachning och offline", blank=True, help_text=TERMS_HELP
    )
    terms_url = models.URLField("länk till villkoren", max_length=500, blank=True)
    min_zoom = models.PositiveSmallIntegerField(
        "lägsta zoomnivå", default=5, validators=[MaxValueValidator(22)]
    )
    max_zoom = models.PositiveSmallIntegerField(
        "högsta zoomnivå",
        default=18,
        validators=[MaxValueValidator(22)],
        help_text="Längre in förstorar kartan den högsta nivåns bilder.",
    )
    cache_max_mb = models.PositiveIntegerField(
        "cachens största storlek (MB)",
        default=500,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text="När cachen är full tas de bilder bort som använts minst nyligen.",
    )
    refresh_after_days = models.PositiveIntegerField(
        "hämta om efter (dygn)",
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="En sparad bild som är äldre hämtas om från tjänsten.",
    )
    keep_days = models.PositiveIntegerField(
        "spara högst (dygn)",
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=(
            "Om tjänsten inte svarar visas sparade bilder upp till så här gamla; äldre tas bort. "
            "Följ tjänstens villkor."
        ),
    )
    # Read from GetCapabilities when the service is saved (basemap.services.resolve); never shown to
    # browsers. {"matrix_set": …, "template": …, "direct": bool, …}; the key, when it sits in the address,
    # is stored as {key}.
    capabilities = models.JSONField("avläst från GetCapabilities", default=dict, blank=True)
    checked_at = models.DateTimeField("senast kontrollerad", null=True, blank=True)
    changed_at = models.DateTimeField("ändrad", auto_now=True)

    class Meta:
        verbose_name = "bakgrundskarta"
        verbose_name_plural = "bakgrundskartor"
        constraints = [
            models.CheckConstraint(
                condition=Q(min_zoom__lte=models.F("max_zoom")),
                name="basemapservice_zoom_range",
            ),
            models.CheckConstraint(
                condition=Q(keep_days__gte=models.F("refresh_after_days")),
                name="basemapservice_keep_at_least_refresh",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} för {self.municipality}"

    def imagery_version(self) -> str:
        """Changes exactly when the pictures may change: the service, layer, style or tile matrix set
        (not the key, the attribution or the cache settings). Part of every cache key and tile address."""
        parts: dict[str, Any] = {
            "kind": self.kind,
            "url": self.url,
            "layer": self.layer,
            "style": self.style,
            "capabilities": self.capabilities,
        }
        text = json.dumps(parts, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:12]
