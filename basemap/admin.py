"""The background map service in the admin: checked when saved, the key never shown again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from basemap import services
from basemap.cache import cache_for
from basemap.models import BasemapService
from layers.models import Municipality
from layers.tenancy import municipality_for


class BasemapServiceForm(forms.ModelForm[BasemapService]):
    api_key = forms.CharField(
        label="API-nyckel",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=(
            "Sparas bara på servern och skickas aldrig till webbläsare eller surfplattor. Visas inte "
            "igen: lämna tomt för att behålla den sparade nyckeln."
        ),
    )
    forget_key = forms.BooleanField(label="Ta bort den sparade nyckeln", required=False)
    terms_url = forms.URLField(
        label="länk till villkoren", required=False, max_length=500, assume_scheme="https"
    )

    class Meta:
        model = BasemapService
        fields = [
            "municipality", "active", "kind", "url", "layer", "style", "tile_matrix_set",
            "api_key", "key_placement", "key_name", "attribution", "terms_note", "terms_url",
            "min_zoom", "max_zoom", "cache_max_mb", "refresh_after_days", "keep_days",
        ]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        service = self.instance
        if data.get("forget_key"):
            data["api_key"] = ""
        elif not data.get("api_key"):
            # Left empty: keep the key stored (it is never sent back to the form).
            stored = (
                BasemapService.objects.filter(pk=service.pk)
                .values_list("api_key", flat=True)
                .first()
                if service.pk
                else None
            )
            data["api_key"] = stored or ""
        for name, value in data.items():
            if name != "forget_key" and hasattr(service, name):
                setattr(service, name, value)
        try:
            services.configure(service)
        except services.ConfigProblem as problem:
            self.add_error(problem.field if problem.field in self.fields else None, str(problem))
        return data


@admin.register(BasemapService)
class BasemapServiceAdmin(admin.ModelAdmin[BasemapService]):
    form = BasemapServiceForm
    list_display = ["municipality", "kind", "active", "attribution", "chosen", "checked_at"]
    readonly_fields = ["key_status", "chosen", "cache_status", "checked_at", "changed_at"]
    actions = ["read_capabilities_again"]
    fieldsets = [
        (
            None,
            {
                "fields": ["municipality", "active", "kind", "url"],
                # How to connect the municipality's map service (README, docs/deployment.md).
                "description": (
                    "Så ansluts kommunens kartjänst: välj XYZ (en adressmall med {z}/{x}/{y}) eller "
                    "WMTS (adressen till GetCapabilities och lagret), ange nyckeln och var den ska "
                    "skickas, upphovstexten som tjänsten kräver och tjänstens villkor för cache och "
                    "användning utan nät. Trygg hämtar kartbilderna själv (nyckeln stannar på servern), "
                    "sparar dem i en begränsad cache och räknar om SWEREF 99 TM till kartornas Web "
                    "Mercator när tjänsten saknar ett sådant rutnät. Alla kartor, PDF:er och den "
                    "fristående HTML-kartan visar den, och surfplattor sparar en vandrings område. "
                    "Utan tjänst visas kommunens egen bakgrund (gator, byggnader, NYKO-områden)."
                ),
            },
        ),
        ("WMTS", {"fields": ["layer", "style", "tile_matrix_set", "chosen"]}),
        (
            "Nyckel",
            {"fields": ["key_status", "api_key", "forget_key", "key_placement", "key_name"]},
        ),
        (
            "Upphov och villkor",
            {"fields": ["attribution", "terms_note", "terms_url"]},
        ),
        (
            "Zoom och cache",
            {
                "fields": [
                    "min_zoom",
                    "max_zoom",
                    "cache_max_mb",
                    "refresh_after_days",
                    "keep_days",
                    "cache_status",
                    "checked_at",
                    "changed_at",
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[BasemapService]:
        qs = super().get_queryset(request).select_related("municipality")
        if not request.user.is_superuser:
            qs = qs.filter(municipality=municipality_for(request.user))
        return qs

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "municipality" and not request.user.is_superuser:
            own = municipality_for(
                request.user
            )  # an administrator of one municipality sets only its
            queryset = Municipality.objects.all()
            kwargs["queryset"] = queryset.filter(pk=own.pk) if own else queryset.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="nyckel")
    def key_status(self, service: BasemapService) -> str:
        return "En nyckel är sparad." if service.api_key else "Ingen nyckel sparad."

    @admin.display(description="används")
    def chosen(self, service: BasemapService) -> str:
        caps = service.capabilities or {}
        if service.kind == BasemapService.Kind.XYZ:
            return "XYZ-bilder direkt" if service.pk else "–"
        if not caps:
            return "–"
        how = (
            "direkt (Web Mercator)"
            if caps.get("direct")
            else "omräknad på servern till Web Mercator"
        )
        return format_html(
            "Lager {} ({}), stil {}, {} – rutnät {} ({}), {}",
            caps.get("layer", ""),
            caps.get("title", ""),
            caps.get("style", ""),
            caps.get("image_format", ""),
            caps.get("matrix_set", ""),
            caps.get("crs", ""),
            how,
        )

    @admin.display(description="cachen nu")
    def cache_status(self, service: BasemapService) -> str:
        if not service.pk:
            return "–"
        source = services.source_of(service)
        cache = cache_for(
            source.name, source.version, max_bytes=source.cache_max_bytes, keep_s=source.keep_s
        )
        megabytes = cache.stored_bytes() / (1024 * 1024)
        return f"{cache.count()} bilder, {megabytes:.1f} MB av {service.cache_max_mb} MB".replace(
            ".", ","
        )

    @admin.action(description="Läs tjänstens GetCapabilities igen")
    def read_capabilities_again(
        self, request: HttpRequest, queryset: QuerySet[BasemapService]
    ) -> None:
        for service in queryset:
            try:
                services.configure(service)
            except services.ConfigProblem as problem:
                self.message_user(request, f"{service}: {problem}", messages.ERROR)
                continue
            service.save()
            self.message_user(request, f"{service}: kontrollerad.", messages.SUCCESS)
