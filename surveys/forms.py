"""Input shapes of the walk planning and action pages."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.contrib.gis.geos import GEOSException, LineString
from django.utils.translation import gettext_lazy as _

from geo.crs import WEB_SRID
from layers.geometry import to_storage
from layers.models import District, Municipality, Office
from surveys.models import Action, AgeGroup, Gender, OfficeStaff, Trygghetsvandring
from surveys.serializers import LAT_RANGE, LON_RANGE

# What a walk group is usually asked to look at: Safetipin's nine audit parameters (lighting, openness,
# visibility, people, security, walk path, transport, gender usage, feeling) and Swedish walk practice.
DEFAULT_CHECKLIST: tuple[tuple[str, Any], ...] = (
    ("Belysning", _("Belysning")),
    ("Vegetation och skymda platser", _("Vegetation och skymda platser")),
    ("Sikt och överblick", _("Sikt och överblick")),
    ("Skötsel, nedskräpning och klotter", _("Skötsel, nedskräpning och klotter")),
    ("Människor och folkliv", _("Människor och folkliv")),
    ("Gångvägar och tillgänglighet", _("Gångvägar och tillgänglighet")),
    ("Trafik", _("Trafik")),
    ("Kollektivtrafik", _("Kollektivtrafik")),
    ("Bevakning och närvaro", _("Bevakning och närvaro")),
)
MAX_ROUTE_POINTS = 5000


def participant_field_name(gender: str, age: str) -> str:
    return f"deltagare_{gender}_{age}"


def parse_route(text: str) -> LineString | None:
    """A route drawn on the map, as GeoJSON LineString in WGS 84, to SWEREF 99 TM; empty gives None."""
    text = text.strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise forms.ValidationError(_("Rutten är inte läsbar GeoJSON.")) from e
    if not isinstance(data, dict) or data.get("type") != "LineString":
        raise forms.ValidationError(_("Rutten ska vara en linje (GeoJSON LineString)."))
    coords = data.get("coordinates")
    if not isinstance(coords, list) or not 2 <= len(coords) <= MAX_ROUTE_POINTS:
        raise forms.ValidationError(_("Rutten behöver minst två punkter."))
    points: list[tuple[float, float]] = []
    for c in coords:
        if (
            not isinstance(c, list)
            or len(c) < 2
            or not all(isinstance(v, int | float) for v in c[:2])
        ):
            raise forms.ValidationError(_("Rutten har en punkt som inte är [lon, lat]."))
        lon, lat = float(c[0]), float(c[1])
        if not (LON_RANGE[0] <= lon <= LON_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]):
            raise forms.ValidationError(_("Rutten har en punkt utanför Sverige."))
        points.append((lon, lat))
    try:
        line = to_storage(LineString(points, srid=WEB_SRID))
    except GEOSException as e:
        raise forms.ValidationError(_("Rutten är inte en giltig linje.")) from e
    if not line.valid or line.length == 0:
        raise forms.ValidationError(_("Rutten är inte en giltig linje."))
    return line


class WalkForm(forms.ModelForm[Trygghetsvandring]):
    route_geojson = forms.CharField(required=False, widget=forms.HiddenInput)
    checklist_items = forms.MultipleChoiceField(
        label=_("Checklista"),
        choices=DEFAULT_CHECKLIST,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    checklist_extra = forms.CharField(
        label=_("Egna punkter på checklistan (en per rad)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("Samverkanspartner"),
        queryset=Office.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Trygghetsvandring
        fields = [
            "name",
            "walked_on",
            "start_time",
            "light",
            "district",
            "follow_up_of",
            "notes",
        ]
        labels = {
            "name": _("Namn"),
            "walked_on": _("Datum"),
            "start_time": _("Starttid"),
            "light": _("Ljus"),
            "district": _("Kommundel"),
            "follow_up_of": _("Uppföljning av"),
            "notes": _("Anteckningar"),
        }
        widgets = {
            "walked_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "light": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.fields["district"].queryset = District.objects.filter(municipality=municipality)  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a ModelChoiceField
        earlier = Trygghetsvandring.objects.filter(municipality=municipality)
        if self.instance.pk:
            earlier = earlier.exclude(pk=self.instance.pk)
        self.fields["follow_up_of"].queryset = earlier.order_by("-walked_on")  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a ModelChoiceField
        self.fields["partners"].queryset = Office.objects.filter(municipality=municipality)  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a ModelChoiceField
        self.participant_fields: list[tuple[str, str, str]] = []
        for gender, gender_label in Gender.choices:
            for age, age_label in AgeGroup.choices:
                name = participant_field_name(gender, age)
                self.fields[name] = forms.IntegerField(
                    label=f"{gender_label}, {age_label}",
                    min_value=0,
                    max_value=999,
                    required=False,
                    widget=forms.NumberInput(attrs={"min": 0, "max": 999, "inputmode": "numeric"}),
                )
                self.participant_fields.append((name, gender, age))
        if self.instance.pk:
            for p in self.instance.participants.all():
                self.initial[participant_field_name(p.gender, p.age_group)] = p.count
            self.initial["partners"] = list(self.instance.partners.all())
            known = {v for v, _label in DEFAULT_CHECKLIST}
            items = [str(i) for i in self.instance.checklist or []]
            self.initial["checklist_items"] = [i for i in items if i in known]
            self.initial["checklist_extra"] = "\n".join(i for i in items if i not in known)
            if self.instance.route is not None:
                web = self.instance.route.clone()
                web.transform(WEB_SRID)
                self.initial["route_geojson"] = json.dumps(
                    {"type": "LineString", "coordinates": [list(c) for c in web.coords]}
                )
        elif not self.is_bound:
            self.initial.setdefault("checklist_items", [v for v, _label in DEFAULT_CHECKLIST])

    def clean_route_geojson(self) -> LineString | None:
        return parse_route(self.cleaned_data.get("route_geojson") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name, walked_on = data.get("name"), data.get("walked_on")
        if name and walked_on:
            clash = Trygghetsvandring.objects.filter(
                municipality=self.municipality, name=name, walked_on=walked_on
            )
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("name", _("Det finns redan en vandring med detta namn samma dag."))
        return data

    def participants(self) -> dict[tuple[str, str], int]:
        return {
            (gender, age): int(self.cleaned_data.get(name) or 0)
            for name, gender, age in self.participant_fields
        }

    def checklist(self) -> list[str]:
        items = list(self.cleaned_data.get("checklist_items") or [])
        extra = self.cleaned_data.get("checklist_extra") or ""
        items += [line.strip() for line in extra.splitlines() if line.strip()]
        return items

    def participant_rows(self) -> list[dict[str, Any]]:
        """The participant fields as a table: one row per gender, one column per age group."""
        return [
            {
                "label": gender_label,
                "fields": [
                    self[participant_field_name(gender, age)] for age, _label in AgeGroup.choices
                ],
            }
            for gender, gender_label in Gender.choices
        ]


class ActionForm(forms.Form):
    # Left empty, the title stays as it is (older forms and clients send none).
    title = forms.CharField(label=_("Uppgift"), max_length=300, required=False)
    office = forms.ModelChoiceField(label=_("Ansvarig"), queryset=Office.objects.none())
    assignee = forms.ModelChoiceField(
        label=_("Handläggare"), queryset=User.objects.none(), required=False
    )
    status = forms.ChoiceField(label=_("Status"), choices=Action.Status.choices)
    due_date = forms.DateField(
        label=_("Klart senast"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    rejection_reason = forms.CharField(
        label=_("Skäl för avslag"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(
        label=_("Kommentar till historiken"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, action: Action, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "title": action.title,
                "office": action.office_id,
                "assignee": action.assignee_id,
                "status": action.status,
                "due_date": action.due_date,
                "rejection_reason": action.rejection_reason,
            },
        )
        super().__init__(*args, **kwargs)
        self.action = action
        self.fields["office"].queryset = Office.objects.filter(  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a ModelChoiceField
            municipality_id=action.municipality_id
        ).order_by("kind", "name")
        # Staff of any office of the municipality; clean() checks the one chosen works at the office.
        self.fields["assignee"].queryset = (  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a ModelChoiceField
            User.objects.filter(
                is_active=True,
                offices__office__municipality_id=action.municipality_id,
                membership__municipality_id=action.municipality_id,
            )
            .distinct()
            .order_by("first_name", "last_name", "username")
        )
        self.fields["assignee"].label_from_instance = (  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a ModelChoiceField
            lambda u: u.get_full_name() or u.username
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        office, assignee = data.get("office"), data.get("assignee")
        if (
            office is not None
            and assignee is not None
            and not OfficeStaff.objects.filter(office=office, user=assignee).exists()
        ):
            self.add_error("assignee", _("Handläggaren arbetar inte på det ansvariga kontoret."))
        if data.get("status") == Action.Status.REJECTED and not (
            (data.get("rejection_reason") or "").strip()
        ):
            self.add_error("rejection_reason", _("Ange ett skäl när åtgärden avslås."))
        return data
