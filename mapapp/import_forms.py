"""The upload form of /import/: a file, a profile or a column mapping of one's own, strict or not."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from layers.importers.mapping import Mapping, MappingError
from layers.importers.profiles import BUILTIN, Profile
from layers.models import IncidentCategory, Municipality

OWN_MAPPING = ""

# Form field → mapping key, for the own mapping.
MAPPING_FIELDS = {
    "source": "source",
    "id_columns": "id",
    "time_column": "time",
    "to_column": "to",
    "x_column": "x",
    "y_column": "y",
    "srid": "srid",
    "category_column": "category",
    "categories": "categories",
    "unknown_category": "unknown_category",
    "description_columns": "description",
    "timezone": "timezone",
}


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Fil (CSV, GeoJSON, GeoPackage eller zip)"))
    municipality = forms.ChoiceField(label=gettext_lazy("Kommun"))
    profile = forms.ChoiceField(label=gettext_lazy("Importprofil"), required=False)
    strict = forms.BooleanField(
        label=gettext_lazy("Strikt: spara ingenting om någon rad avvisas"), required=False
    )
    keep_piles = forms.BooleanField(
        label=gettext_lazy(
            "Staplade punkter är verkliga platser: spara dem som punkter (loggas i granskningsloggen)"
        ),
        required=False,
    )
    # The own column mapping (used when no profile is chosen).
    source = forms.CharField(
        label=gettext_lazy("Källa (systemets namn)"), required=False, max_length=60
    )
    id_columns = forms.CharField(
        label=gettext_lazy("Id-kolumn(er), kommaseparerade"), required=False, max_length=300
    )
    time_column = forms.CharField(label=gettext_lazy("Tidskolumn (från)"), required=False)
    to_column = forms.CharField(label=gettext_lazy("Tidskolumn (till)"), required=False)
    x_column = forms.CharField(label=gettext_lazy("X- eller longitudkolumn"), required=False)
    y_column = forms.CharField(label=gettext_lazy("Y- eller latitudkolumn"), required=False)
    srid = forms.CharField(
        label=gettext_lazy("Koordinatsystem (SRID, EPSG-kod)"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"list": "srid-choices", "inputmode": "numeric"}),
    )
    category_column = forms.CharField(label=gettext_lazy("Kategorikolumn"), required=False)
    categories = forms.CharField(
        label=gettext_lazy("Kategorimappning: ett källvärde = kategorikod per rad"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    unknown_category = forms.ChoiceField(label=gettext_lazy("Okända kategorier"), required=False)
    description_columns = forms.CharField(
        label=gettext_lazy("Beskrivningskolumner, kommaseparerade"), required=False
    )
    timezone = forms.CharField(
        label=gettext_lazy("Tidszon för tider utan tidszon"),
        required=False,
        initial="Europe/Stockholm",
    )
    save_as = forms.SlugField(
        label=gettext_lazy("Spara mappningen som profil med namnet (valfritt)"),
        required=False,
        max_length=60,
    )
    job = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, municipalities: list[Municipality], profiles: list[Profile], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.profiles = {p.name: p for p in profiles}
        municipality_field = self.fields["municipality"]
        assert isinstance(municipality_field, forms.ChoiceField)
        municipality_field.choices = [(m.kommunkod, str(m)) for m in municipalities]
        if municipalities:
            municipality_field.initial = municipalities[0].kommunkod
        profile_field = self.fields["profile"]
        assert isinstance(profile_field, forms.ChoiceField)
        profile_field.choices = [
            (OWN_MAPPING, _("Egen kolumnmappning (fyll i nedan)")),
            *((p.name, _(p.label)) for p in profiles),
        ]
        unknown_field = self.fields["unknown_category"]
        assert isinstance(unknown_field, forms.ChoiceField)
        unknown_field.choices = [
            ("", _("Avvisa raden (rekommenderas: kan vara en känslig händelse)")),
            *(
                (code, _("Spara som %(label)s") % {"label": label})
                for code, label in IncidentCategory.objects.order_by("label").values_list(
                    "code", "label"
                )
            ),
        ]

    def mapping_fields(self) -> list[forms.BoundField]:
        """The own-mapping fields in display order (the category table has a wide field of its own)."""
        names = [f for f in MAPPING_FIELDS if f != "categories"] + ["save_as"]
        return [self[name] for name in names]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("save_as") in BUILTIN:
            self.add_error(
                "save_as",
                _("namnet %(name)s används av en inbyggd profil") % {"name": data["save_as"]},
            )
        name = data.get("profile") or OWN_MAPPING
        if name != OWN_MAPPING:
            data["resolved_profile"] = self.profiles[name]
            return data
        raw = {key: data.get(field, "") for field, key in MAPPING_FIELDS.items()}
        if not raw.get("timezone"):
            raw.pop("timezone")
        try:
            mapping = Mapping.from_dict(raw)
        except MappingError as e:
            raise forms.ValidationError(
                _("Kolumnmappningen: %(error)s") % {"error": e}, code="mapping"
            ) from e
        label = data.get("save_as") or _("egen kolumnmappning")
        data["resolved_profile"] = Profile(
            name=data.get("save_as") or "", label=label, mapping=mapping, builtin=False
        )
        return data
