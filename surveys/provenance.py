"""Where the walk and survey data behind a figure comes from (``layers.provenance`` for the rest)."""

from __future__ import annotations

from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from layers.models import Municipality
from layers.provenance import Source
from surveys.models import CitizenSurveyResponse, Trygghetsvandring

SURVEY_LABELS = {"medborgarenkat-2015": gettext_noop("Medborgarenkäten 2015")}


def walk_sources(municipality: Municipality) -> list[Source]:
    """The walks done (planned ones are not data yet): their dates, and the latest walk."""
    out = []
    for generated in (False, True):
        walks = Trygghetsvandring.objects.filter(
            municipality=municipality, generated=generated, observations__isnull=False
        ).distinct()
        agg = walks.aggregate(
            n=Count("id", distinct=True), first=Min("walked_on"), last=Max("walked_on")
        )
        if not agg["n"]:
            continue
        out.append(
            Source(
                label=_("Trygghetsvandringar (demodata, inte verkliga)")
                if generated
                else _("Trygghetsvandringar"),
                first=agg["first"],
                last=agg["last"],
                updated=agg["last"],
                rows=int(agg["n"]),
                unit=("vandring", "vandringar"),
                generated=generated,
                updated_as=gettext_noop("senaste vandringen %(date)s"),
            )
        )
    return out


def survey_sources(municipality: Municipality) -> list[Source]:
    """Each citizen survey with the dates it was answered."""
    rows = (
        CitizenSurveyResponse.objects.filter(municipality=municipality)
        .values("survey")
        .annotate(n=Count("id"), first=Min("answered_at"), last=Max("answered_at"))
        .order_by("survey")
    )
    return [
        Source(
            label=_(SURVEY_LABELS.get(r["survey"], r["survey"])),
            first=timezone.localtime(r["first"]).date() if r["first"] else None,
            last=timezone.localtime(r["last"]).date() if r["last"] else None,
            updated=timezone.localtime(r["last"]).date() if r["last"] else None,
            rows=int(r["n"]),
            unit=("svar", "svar"),
            updated_as=gettext_noop("senaste svaret %(date)s"),
        )
        for r in rows
    ]
