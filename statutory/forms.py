"""Forms of the statutory pages; every choice is limited to the user's municipality."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from followup.models import Evaluation
from layers.models import (
    District,
    FocusArea,
    IncidentCategory,
    Municipality,
    Office,
    StatisticalArea,
)
from statutory.models import Atgardsplan, Lagesbild, PlanRow, Problem
from surveys.models import Action

DATE = forms.DateInput(attrs={"type": "date"})


class LagesbildForm(forms.ModelForm):  # type: ignore[type-arg]  # the model is named in Meta; the stubs also want it as a type argument
    focus_areas = forms.TypedMultipleChoiceField(
        label="Fokusområden", required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    categories = forms.MultipleChoiceField(label="Kategorier", required=False)

    class Meta:
        model = Lagesbild
        fields = ["title", "district", "date_from", "date_to", "compare", "review_by"]
        widgets = {"date_from": DATE, "date_to": DATE, "review_by": DATE}

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = District.objects.filter(municipality=municipality)  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a ModelChoiceField
        self.fields["review_by"].required = False
        self.fields[
            "review_by"
        ].help_text = "Tomt: före nästa val (minst en gång per mandatperiod)."
        self.fields["focus_areas"].choices = [  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a ChoiceField
            (a.number, f"{a.number}. {a.name}") for a in FocusArea.objects.order_by("number")
        ]
        self.fields["categories"].choices = [  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a ChoiceField
            (c.code, c.label) for c in IncidentCategory.objects.order_by("label")
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        a, b = data.get("date_from"), data.get("date_to")
        if a and b and a > b:
            self.add_error("date_to", "perioden slutar före den börjar")
        return data


class SectionForm(forms.Form):
    text = forms.CharField(label="Text", required=False, widget=forms.Textarea(attrs={"rows": 6}))
    secret = forms.BooleanField(label="Omfattas av sekretess (OSL)", required=False)


class ProblemForm(forms.ModelForm):  # type: ignore[type-arg]  # the model is named in Meta; the stubs also want it as a type argument
    class Meta:
        model = Problem
        fields = ["title", "description", "situational", "social", "individual", "sources"]
        widgets = {
            f: forms.Textarea(attrs={"rows": 3})
            for f in ("description", "situational", "social", "individual", "sources")
        }


class AdoptForm(forms.Form):
    decided_by = forms.CharField(label="Beslutande organ", max_length=200)
    decided_on = forms.DateField(label="Beslutsdatum", widget=DATE)
    diarienummer = forms.CharField(label="Diarienummer", max_length=60, required=False)


class CommentForm(forms.Form):
    text = forms.CharField(label="Kommentar", widget=forms.Textarea(attrs={"rows": 3}))


class PlanForm(forms.ModelForm):  # type: ignore[type-arg]  # the model is named in Meta; the stubs also want it as a type argument
    class Meta:
        model = Atgardsplan
        fields = ["title"]


class PlanRowForm(forms.ModelForm):  # type: ignore[type-arg]  # the model is named in Meta; the stubs also want it as a type argument
    class Meta:
        model = PlanRow
        fields = [
            "problem",
            "cause",
            "measure",
            "goal",
            "indicator",
            "indicator_category",
            "indicator_area",
            "target",
            "when",
            "office",
            "partners",
            "follow_up",
            "light",
            "citizen_promise",
            "actions",
            "evaluations",
        ]
        widgets = {
            "cause": forms.Textarea(attrs={"rows": 2}),
            "measure": forms.Textarea(attrs={"rows": 2}),
            "follow_up": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, plan: Atgardsplan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        municipality = plan.municipality
        self.fields["problem"].queryset = plan.lagesbild.problems.all()  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a ModelChoiceField
        self.fields["indicator_category"].queryset = (  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a ModelChoiceField
            IncidentCategory.objects.exclude(
                Q(sensitive=True) | Q(focus_area__sensitive=True)
            ).order_by("label")
        )
        areas = StatisticalArea.objects.filter(municipality=municipality)
        if plan.lagesbild.district_id:
            areas = areas.filter(district_id=plan.lagesbild.district_id)
        self.fields["indicator_area"].queryset = areas.order_by("code")  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a ModelChoiceField
        self.fields["office"].queryset = Office.objects.filter(municipality=municipality)  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a ModelChoiceField
        self.fields["actions"].queryset = Action.objects.filter(municipality=municipality)  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a ModelChoiceField
        self.fields["actions"].required = False
        # Another municipality's follow-up is not a choice: posting its id is a 400 naming the field.
        self.fields["evaluations"].queryset = Evaluation.objects.filter(  # type: ignore[attr-defined]
            municipality=municipality
        )
        self.fields["evaluations"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("indicator") == PlanRow.Indicator.INCIDENTS and not data.get(
            "indicator_category"
        ):
            self.add_error("indicator_category", "välj den kategori som målet mäts i")
        return data


class RowStatusForm(forms.Form):
    """What the responsible office may change in a row of an adopted plan: the light and a note."""

    light = forms.ChoiceField(label="Status", choices=PlanRow.Light.choices)
    status_note = forms.CharField(
        label="Lägesnotering", max_length=300, required=False, widget=forms.TextInput()
    )
