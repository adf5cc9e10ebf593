"""The lägesbild (situation picture) for a filter: counts, trends, times, places, actions, trygghet.

What a user without the permission for sensitive incidents sees (docs/decisions/0250, 0600):

- every table and chart made from points (time series, hour × weekday, top places, the map) uses the
  non-sensitive incidents only, and so do every other row, total and police count;
- the rows of the sensitive focus areas (4, 7, 8, 9), and a row for sensitive categories in other
  focus areas (e.g. sexualbrott), come from the release (``layers.release``) of each calendar year the
  period touches, for the municipality or the district: never cut by the period's days, hours,
  weekdays, light or categories. Values under k are "färre än k"; a value hidden to protect a smaller
  one is "minst k, dolt".

The police's open events have no place (docs/decisions/0004): they count in their own column of the
focus-area table and their own time series, for the whole municipality, never with a district filter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import shapely
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.disclosure import min_count, periods_before
from core.numbers import join
from geo.timepatterns import weekday_hour_table
from layers import release
from layers.analysis import (
    HotSpotResult,
    Points,
    hotspot_cells,
    local_times,
    monthly_slices,
    read_filtered,
)
from layers.filters import IncidentFilter, apply_filter, sees_sensitive
from layers.geometry import to_shapely
from layers.models import (
    SENSITIVE_INCIDENT,
    District,
    FocusArea,
    Incident,
    IncidentCategory,
    Municipality,
    StatisticalArea,
)
from layers.roles import AnyUser
from surveys.models import (
    Action,
    AgeGroup,
    CitizenSurveyResponse,
    Gender,
    Observation,
    WalkParticipants,
)

SURVEY = "medborgarenkat-2015"
SURVEY_ITEMS: tuple[tuple[str, str], ...] = (
    ("X9a", "Öka tryggheten kring stationsområdet"),
    ("X9b", "Fler poliser i centrala Väsby"),
    ("X9c", "Förbättra belysningen i centrala Väsby"),
    ("X9d", "Begränsa öppettider för alkoholutskänkning i centrala Väsby"),
    ("X9e", "Förläng öppettider för affärsverksamhet i centrala Väsby"),
)
# The 2015 questionnaire asked how much the municipality should invest in each item on a slider from
# 0 (least) to 14 (most), starting in the middle at 7 (docs/method.md, "The 2015 survey").
SURVEY_MIN, SURVEY_MID, SURVEY_MAX = 0, 7, 14


def class_labels() -> dict[int, str]:
    """Gi* classes in the interface language (geo.hotspots.CLASS_LABELS are the Swedish originals)."""
    return {
        3: _("Hot spot, 99 procents säkerhet"),
        2: _("Hot spot, 95 procents säkerhet"),
        1: _("Hot spot, 90 procents säkerhet"),
        0: _("Inte signifikant"),
        -1: _("Cold spot, 90 procents säkerhet"),
        -2: _("Cold spot, 95 procents säkerhet"),
        -3: _("Cold spot, 99 procents säkerhet"),
    }


def trend_labels() -> dict[str, str]:
    """Emerging hot-spot categories in the interface language (geo.emerging.CATEGORY_LABELS)."""
    return {
        "new_hot": _("Ny hot spot"),
        "consecutive_hot": _("Sammanhängande hot spot"),
        "intensifying_hot": _("Förstärkt hot spot"),
        "persistent_hot": _("Bestående hot spot"),
        "diminishing_hot": _("Avtagande hot spot"),
        "sporadic_hot": _("Sporadisk hot spot"),
        "oscillating_hot": _("Växlande hot spot"),
        "historical_hot": _("Historisk hot spot"),
        "new_cold": _("Ny cold spot"),
        "consecutive_cold": _("Sammanhängande cold spot"),
        "intensifying_cold": _("Förstärkt cold spot"),
        "persistent_cold": _("Bestående cold spot"),
        "diminishing_cold": _("Avtagande cold spot"),
        "sporadic_cold": _("Sporadisk cold spot"),
        "oscillating_cold": _("Växlande cold spot"),
        "historical_cold": _("Historisk cold spot"),
        "ingen_trend": _("Inget mönster"),
    }


def weekdays() -> list[str]:
    return [
        _("måndag"),
        _("tisdag"),
        _("onsdag"),
        _("torsdag"),
        _("fredag"),
        _("lördag"),
        _("söndag"),
    ]


def change_pct(now: int, before: int) -> float | None:
    """Change in per cent against the comparison period; None when there was nothing to compare with.

    >>> change_pct(120, 100), change_pct(5, 0)
    (20.0, None)
    """
    if before == 0:
        return None
    return round(100.0 * (now - before) / before, 1)


def focus_area_rows(
    user: AnyUser, municipality: Municipality, f: IncidentFilter
) -> list[dict[str, Any]]:
    full = sees_sensitive(user, f)
    previous = f.comparison()

    def counts(flt: IncidentFilter, placed: bool) -> dict[tuple[int | None, bool], int]:
        base = Incident.objects.filter(
            precision=Incident.Precision.POINT if placed else Incident.Precision.MUNICIPALITY
        )
        qs = apply_filter(base, flt, municipality, placed=placed)
        rows = qs.values("category__focus_area__number").annotate(
            total=Count("id"), sensitive=Count("id", filter=SENSITIVE_INCIDENT)
        )
        out: dict[tuple[int | None, bool], int] = {}
        for r in rows:
            number = r["category__focus_area__number"]
            out[(number, True)] = out.get((number, True), 0) + r["sensitive"]
            out[(number, False)] = out.get((number, False), 0) + r["total"] - r["sensitive"]
        return out

    now, before = counts(f, True), counts(previous, True)
    police_now = counts(f, False) if not f.district else {}
    police_before = counts(previous, False) if not f.district else {}
    if not full:
        periods = release.periods_for(f.date_from, f.date_to)
        now_releases = release.sensitive_releases(municipality, periods)
        before_releases = release.sensitive_releases(municipality, periods_before(periods))
    areas = list(FocusArea.objects.order_by("number"))
    rows: list[dict[str, Any]] = []
    for area in [*areas, None]:
        number = area.number if area else None
        name = str(area.name) if area else _("Utanför fokusområdena")
        area_sensitive = bool(area and area.sensitive)
        if not full and area_sensitive:
            rows.append(
                _release_row(number, name, str(number), now_releases, before_releases, f.district)
            )
            continue
        plain_now, plain_before = now.get((number, False), 0), before.get((number, False), 0)
        sens_now, sens_before = now.get((number, True), 0), before.get((number, True), 0)
        if full:  # everything, exactly
            n_now, n_before = plain_now + sens_now, plain_before + sens_before
            p_now = sum(v for (num, _s), v in police_now.items() if num == number)
            p_before = sum(v for (num, _s), v in police_before.items() if num == number)
        else:  # non-sensitive only: no row, total or police count mixes in a sensitive incident
            n_now, n_before = plain_now, plain_before
            p_now, p_before = (
                police_now.get((number, False), 0),
                police_before.get((number, False), 0),
            )
        rows.append(
            _row(number, name, n_now, n_before, p_now, p_before, area_sensitive, not f.district)
        )
    if not full:
        rows.append(
            _release_row(
                None,
                _("Känsliga kategorier i övriga fokusområden (t.ex. sexualbrott)"),
                release.OTHER,
                now_releases,
                before_releases,
                f.district,
            )
        )
    return rows


def _release_row(
    number: int | None,
    name: str,
    group: str,
    now: list[release.Release],
    before: list[release.Release],
    district: str,
) -> dict[str, Any]:
    """A sensitive group's row from the releases: the same whatever the filter but its years."""
    current = release.group_value(now, group, district)
    previous = release.group_value(before, group, district)
    change = (
        None
        if current["suppressed"] or previous["suppressed"]
        else change_pct(current["value"], previous["value"])
    )
    return {
        "number": number,
        "name": name,
        "sensitive": True,
        "current": {key: current[key] for key in ("value", "shown", "suppressed")},
        "previous": {key: previous[key] for key in ("value", "shown", "suppressed")},
        "change_pct": change,
        "police_current": None,  # the police's sensitive events are in the release's count
        "police_previous": None,
        "release": {
            "group": group,
            "district": district or None,
            "periods": current["periods"] | previous["periods"],
        },
    }


def _row(
    number: int | None,
    name: str,
    now: int,
    before: int,
    p_now: int,
    p_before: int,
    sensitive: bool,
    police: bool,
) -> dict[str, Any]:
    return {
        "number": number,
        "name": name,
        "sensitive": sensitive,
        "current": {"value": now, "shown": str(now), "suppressed": False},
        "previous": {"value": before, "shown": str(before), "suppressed": False},
        "change_pct": change_pct(now, before),
        "police_current": p_now if police else None,
        "police_previous": p_before if police else None,
    }


def month_series(points: Points, f: IncidentFilter) -> list[int]:
    local = local_times(points.t_from).astype("datetime64[D]")
    out = []
    for start, end in monthly_slices(f.date_from, f.date_to):
        out.append(int(((local >= np.datetime64(start)) & (local <= np.datetime64(end))).sum()))
    return out


def police_series(
    municipality: Municipality, f: IncidentFilter, *, sensitive: bool
) -> list[int] | None:
    """The police's events per month (no place: whole municipality); ``sensitive`` False leaves the
    sensitive ones out, as for every count a user without the permission gets."""
    if f.district:
        return None
    base = Incident.objects.filter(precision=Incident.Precision.MUNICIPALITY)
    if not sensitive:
        base = base.exclude(SENSITIVE_INCIDENT)
    qs = apply_filter(base, f, municipality, placed=False)
    times = np.array(
        [
            t.astimezone(timezone.get_current_timezone()).date()
            for t in qs.values_list("occurred_from", flat=True)
        ],
        dtype="datetime64[D]",
    )
    return [
        int(((times >= np.datetime64(a)) & (times <= np.datetime64(b))).sum())
        for a, b in monthly_slices(f.date_from, f.date_to)
    ]


def hour_table(points: Points) -> list[list[float]]:
    local_from = local_times(points.t_from)
    local_to = np.where(np.isnat(points.t_to), points.t_to, local_times(points.t_to))
    table = weekday_hour_table(local_from, local_to)
    return [[round(float(v), 2) for v in row] for row in table]


def nyko_counts(municipality: Municipality, points: Points) -> dict[int, int]:
    out: dict[int, int] = {}
    if len(points) == 0:
        return out
    for area in StatisticalArea.objects.filter(municipality=municipality).only("id", "area"):
        shape = to_shapely(area.area)
        shapely.prepare(shape)
        minx, miny, maxx, maxy = shape.bounds
        near = (points.x >= minx) & (points.x <= maxx) & (points.y >= miny) & (points.y <= maxy)
        if near.any():
            out[area.pk] = int(shapely.contains_xy(shape, points.x[near], points.y[near]).sum())
    return out


def top_places(
    municipality: Municipality, now: Points, before: Points, limit: int = 10
) -> list[dict[str, Any]]:
    c_now, c_before = nyko_counts(municipality, now), nyko_counts(municipality, before)
    names = {
        a.pk: (a.code, a.name) for a in StatisticalArea.objects.filter(municipality=municipality)
    }
    ranked = sorted(c_now.items(), key=lambda kv: -kv[1])[:limit]
    return [
        {
            "code": names[pk][0],
            "name": names[pk][1],
            "current": n,
            "previous": c_before.get(pk, 0),
            "change_pct": change_pct(n, c_before.get(pk, 0)),
        }
        for pk, n in ranked
        if n > 0
    ]


def top_cells(
    municipality: Municipality, result: HotSpotResult, limit: int = 5
) -> list[dict[str, Any]]:
    cells = [c for c in hotspot_cells(result) if c["class"] >= 2]
    cells.sort(key=lambda c: (-c["count"], -c["z"]))
    areas = [
        (a.name, to_shapely(a.area))
        for a in StatisticalArea.objects.filter(municipality=municipality)
    ]
    out = []
    for cell in cells[:limit]:
        x0, y0, x1, y1 = cell["bounds"]
        centre = shapely.Point((x0 + x1) / 2, (y0 + y1) / 2)
        place = next((name for name, shape in areas if shape.contains(centre)), "")
        out.append(cell | {"place": place, "label": class_labels()[cell["class"]]})
    return out


def actions_by_office(municipality: Municipality, f: IncidentFilter) -> list[dict[str, Any]]:
    today = timezone.localdate()
    qs: QuerySet[Action] = Action.objects.filter(municipality=municipality)
    if f.district:
        qs = qs.filter(observation__walk__district__code=f.district)
    rows = (
        qs.values("office__name")
        .annotate(
            open=Count("id", filter=Q(status__in=Action.OPEN_STATUSES)),
            overdue=Count("id", filter=Q(status__in=Action.OPEN_STATUSES, due_date__lt=today)),
            done=Count(
                "id",
                filter=Q(
                    status=Action.Status.DONE, updated_at__gte=f.start(), updated_at__lt=f.end()
                ),
            ),
        )
        .order_by("-open", "office__name")
    )
    return [
        {"office": r["office__name"], "open": r["open"], "overdue": r["overdue"], "done": r["done"]}
        for r in rows
        if r["open"] or r["done"]
    ]


def walk_safety(municipality: Municipality, f: IncidentFilter) -> dict[str, Any]:
    qs = Observation.objects.filter(
        municipality=municipality, recorded_at__gte=f.start(), recorded_at__lt=f.end()
    )
    if f.district:
        qs = qs.filter(walk__district__code=f.district)
    feelings = dict(Observation.Feeling.choices)
    by_feeling = {int(r["feeling"]): r["n"] for r in qs.values("feeling").annotate(n=Count("id"))}
    total = sum(by_feeling.values())
    mean = round(sum(k * v for k, v in by_feeling.items()) / total, 2) if total else None
    unsafe = sum(v for k, v in by_feeling.items() if k <= 2)

    def group(field: str, choices: list[tuple[str, str]]) -> list[dict[str, Any]]:
        out = []
        for value, label in choices:
            sub = qs.filter(**{field: value})
            n = sub.count()
            if n:
                u = sub.filter(feeling__lte=2).count()
                out.append({"label": str(label), "n": n, "unsafe_share": round(100 * u / n)})
        return out

    walks = qs.values("walk_id").distinct().count()
    people: dict[str, int] = {}
    for p in WalkParticipants.objects.filter(walk__in=qs.values("walk_id")):
        people[p.get_gender_display()] = people.get(p.get_gender_display(), 0) + p.count
    return {
        "observations": total,
        "walks": walks,
        "mean_feeling": mean,
        "unsafe_share": round(100 * unsafe / total) if total else None,
        "by_feeling": [
            {"feeling": k, "label": str(feelings[k]), "n": by_feeling.get(k, 0)}
            for k in sorted(feelings)
        ],
        "by_gender": group("raised_by_gender", [(k, str(v)) for k, v in Gender.choices]),
        "by_age": group("raised_by_age", [(k, str(v)) for k, v in AgeGroup.choices]),
        "participants": people,
    }


def survey_2015(municipality: Municipality, f: IncidentFilter) -> dict[str, Any]:
    qs = CitizenSurveyResponse.objects.filter(municipality=municipality, survey=SURVEY)
    if f.district:
        qs = qs.filter(statistical_area__district__code=f.district)
    answers = list(qs.values_list("answers", flat=True))
    items = []
    for code, label in SURVEY_ITEMS:
        values = np.array(
            [
                a[code]
                for a in answers
                if isinstance(a.get(code), int) and SURVEY_MIN <= a[code] <= SURVEY_MAX
            ],
            dtype=float,
        )
        n = int(values.size)
        items.append(
            {
                "code": code,
                "label": label,
                "n": n,
                "mean": round(float(values.mean()), 1) if n else None,
                "more_share": round(100 * float((values > SURVEY_MID).mean())) if n else None,
                "top_share": round(100 * float((values == SURVEY_MAX).mean())) if n else None,
            }
        )
    return {
        "respondents": len(answers),
        "items": items,
        "scale": [SURVEY_MIN, SURVEY_MID, SURVEY_MAX],
    }


def build(
    user: AnyUser,
    municipality: Municipality,
    f: IncidentFilter,
    *,
    result: HotSpotResult | None = None,
) -> dict[str, Any]:
    """The whole lägesbild as plain data (for the page, its JSON, the PDF and the HTML map)."""
    previous = f.comparison()
    now_points = read_filtered(user, f, municipality)
    before_points = read_filtered(user, previous, municipality)
    months = [a.strftime("%Y-%m") for a, _b in monthly_slices(f.date_from, f.date_to)]
    prev_months = [
        a.strftime("%Y-%m") for a, _b in monthly_slices(previous.date_from, previous.date_to)
    ]
    data: dict[str, Any] = {
        "period": {"from": f.date_from.isoformat(), "to": f.date_to.isoformat()},
        "comparison": {"from": previous.date_from.isoformat(), "to": previous.date_to.isoformat()},
        "k": min_count(),
        "sees_sensitive": sees_sensitive(user, f),
        "totals": {
            "current": len(now_points),
            "previous": len(before_points),
            "change_pct": change_pct(len(now_points), len(before_points)),
        },
        "focus_areas": focus_area_rows(user, municipality, f),
        "police_counts_sensitive": sees_sensitive(user, f),
        "sensitive_release": None
        if sees_sensitive(user, f)
        else sensitive_release_info(municipality, f),
        "series": {
            "months": months,
            "previous_months": prev_months,
            "current": month_series(now_points, f),
            "previous": month_series(before_points, previous),
            "police": police_series(municipality, f, sensitive=sees_sensitive(user, f)),
        },
        "hours": hours_block(f, hour_table(now_points)),
        "top_places": top_places(municipality, now_points, before_points),
        "top_cells": top_cells(municipality, result) if result is not None else [],
        "actions": actions_by_office(municipality, f),
        "walks": walk_safety(municipality, f),
        "survey": survey_2015(municipality, f),
        "n_sensitive": int(now_points.sensitive.sum() + before_points.sensitive.sum()),
        "generated_at": datetime.now(timezone.get_current_timezone()).isoformat(timespec="minutes"),
    }
    return data


def hours_block(f: IncidentFilter, table: list[list[float]]) -> dict[str, Any]:
    """The hour × weekday table with what the chart needs to show an hour or weekday filter.

    The filter keeps incidents that *began* in the chosen hours (and weekdays); one whose time is only
    known as an interval is spread over the whole interval (aoristic), so part of it lands outside.
    ``inside_share`` is the part of the table inside the filter, said next to the chart.

    >>> from datetime import date
    >>> f = IncidentFilter(date(2025, 1, 1), date(2025, 1, 31), hours=(22, 23))
    >>> t = [[0.0] * 24 for _ in range(7)]
    >>> t[0][22], t[0][23], t[1][0] = 1.0, 0.5, 0.5
    >>> hours_block(f, t)["inside_share"]
    0.75
    """
    arr = np.asarray(table, dtype=float)
    total = float(arr.sum())
    hours_in = np.ones(24, dtype=bool) if not f.hours else np.isin(np.arange(24), f.hours)
    days_in = np.ones(7, dtype=bool) if not f.weekdays else np.isin(np.arange(1, 8), f.weekdays)
    inside = float(arr[np.ix_(days_in, hours_in)].sum()) if arr.size else 0.0
    filtered = bool(f.hours or f.weekdays)
    return {
        "weekdays": weekdays(),
        "table": table,
        "filter_hours": list(f.hours),
        "filter_weekdays": list(f.weekdays),
        "inside_share": round(inside / total, 3) if filtered and total > 0 else None,
    }


def hours_text(hours: tuple[int, ...] | list[int]) -> str:
    """Chosen hours as clock ranges, end exclusive and wrapping midnight: (22, 23, 0, 1) → "kl. 22–02".

    >>> hours_text((0, 1, 2, 3, 22, 23)), hours_text((6, 7, 18)), hours_text(())
    ('kl. 22–04', 'kl. 06–08, 18–19', '')
    """
    chosen = sorted(set(hours))
    if not chosen:
        return ""
    runs: list[list[int]] = []
    for h in chosen:
        if runs and h == runs[-1][-1] + 1:
            runs[-1].append(h)
        else:
            runs.append([h])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == 23:
        runs[0] = runs.pop() + runs[0]  # 22, 23, 0, 1: one run over midnight
    text = ", ".join(f"{r[0]:02d}–{(r[-1] + 1) % 24:02d}" for r in runs)
    return _("kl. %(ranges)s") % {"ranges": text}


def chosen_times_text(f: IncidentFilter) -> str:
    """The hours and weekdays chosen, as said next to the hour chart: "kl. 22–04 på fre och lör"."""
    names = weekdays()
    days = join([names[d - 1][:3] for d in f.weekdays])
    if f.hours and f.weekdays:
        return _("%(hours)s på %(days)s") % {"hours": hours_text(f.hours), "days": days}
    if f.hours:
        return hours_text(f.hours)
    return _("på %(days)s") % {"days": days}


def describe_filter(f: IncidentFilter, municipality: Municipality) -> list[str]:
    """What the filter chose, as short Swedish phrases for a page header, a PDF and a map title."""
    out: list[str] = []
    if f.district:
        name = (
            District.objects.filter(municipality=municipality, code=f.district)
            .values_list("name", flat=True)
            .first()
        )
        out.append(_("kommundel %(name)s") % {"name": name or f.district})
    if f.focus_areas:
        out.append(_("fokusområde %(list)s") % {"list": join([str(n) for n in f.focus_areas])})
    if f.categories:
        labels = dict(
            IncidentCategory.objects.filter(code__in=f.categories).values_list("code", "label")
        )
        out.append(
            _("kategori %(list)s") % {"list": join([labels.get(c, c) for c in f.categories])}
        )
    if f.weekdays:
        names = weekdays()
        out.append(join([names[d - 1][:3] for d in f.weekdays]))
    if f.hours:
        out.append(_("händelser som började %(hours)s") % {"hours": hours_text(f.hours)})
    if f.light:
        light = {"dagsljus": _("dagsljus"), "skymning": _("skymning"), "morker": _("mörker")}
        out.append(_("ljus: %(list)s") % {"list": join([str(light[v]) for v in f.light])})
    if not out:
        out.append(_("alla händelser med plats"))
    return out


def sensitive_release_info(municipality: Municipality, f: IncidentFilter) -> dict[str, Any]:
    """Which calendar years the sensitive rows show (and compare with), and why (the page's note)."""
    periods = release.periods_for(f.date_from, f.date_to)
    info = release.release_info(
        release.sensitive_releases(municipality, periods), district=f.district, params=f.params()
    )
    info["comparison"] = [p.label for p in periods_before(periods)]
    return info


def heat_classes(table: list[list[float]]) -> list[list[int]]:
    """0–9 intensity class per cell of the hour × weekday table (CSS classes; no inline styles)."""
    arr = np.asarray(table, dtype=float)
    peak = float(arr.max()) if arr.size else 0.0
    if peak <= 0:
        zeros: list[list[int]] = np.zeros_like(arr, dtype=int).tolist()
        return zeros
    out: list[list[int]] = np.clip(np.ceil(arr / peak * 9), 0, 9).astype(int).tolist()
    return out
