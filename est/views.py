"""Pages of EST reporting: the report page (phone, offline) with its sync address and the reporter's own
reports; the lägesbild for coordinators, BRÅ and analysts, and its export to the police.

Views parse input, call a service or a query, and render. A reporter's reports are always read through
``own_reports``: a report of anyone else is "not found".
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST, require_safe

from core import csvfile
from core.http import json_error
from est import exports, lagesbild, services
from est.models import EstReport, EventType
from layers.models import Municipality
from layers.queries import district_features, statistical_area_features
from layers.roles import EST_LAGESBILD_PERMISSION
from layers.tenancy import own_municipality_or_404
from surveys.queries import web_xy

REPORT = "est.add_estreport"
MAX_NOTE_CHARS = 2000

# What the report page's service worker keeps for use without a network (as /falt/'s, decision 0101).
OFFLINE_STATIC = (
    "mapapp/trygg.css",
    "mapapp/favicon.svg",
    "mapapp/trygg-map.js",
    "mapapp/field/outbox.js",
    "est/outbox-name.js",
    "est/report.js",
    "est/report.css",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/images/marker-icon.png",
    "vendor/leaflet/images/marker-icon-2x.png",
    "vendor/leaflet/images/marker-shadow.png",
)


def own_reports(user: User, municipality: Municipality) -> QuerySet[EstReport]:
    """The reports ``user`` made, in their municipality: all a reporter ever reads."""
    return EstReport.objects.filter(reporter=user, municipality=municipality)


# --- the report page ------------------------------------------------------------------------------


@require_safe
@login_required
@permission_required(REPORT, raise_exception=True)
@ensure_csrf_cookie
def report_page(request: HttpRequest) -> HttpResponse:
    """The report form: event type, place (GPS, map), time, free text; works offline and syncs itself."""
    municipality = own_municipality_or_404()
    user: User = request.user  # type: ignore[assignment]  # login_required
    response = render(
        request,
        "est/report.html",
        {
            "event_types": EventType.choices,
            "reports": own_reports(user, municipality).select_related("area")[:50],
            "max_note": MAX_NOTE_CHARS,
            "organisation": getattr(getattr(user, "est_reporter", None), "organisation", ""),
        },
    )
    response["Cache-Control"] = "no-cache, private"
    return response


@require_safe
@login_required
@permission_required(REPORT, raise_exception=True)
def report_map_data(request: HttpRequest) -> JsonResponse:
    """The outlines the report map shows offline: districts and NYKO areas (no incident, no report)."""
    municipality = own_municipality_or_404()
    response = JsonResponse(
        {
            "districts": district_features(municipality, precision=5),
            "areas": statistical_area_features(municipality, precision=5),
        }
    )
    response["Cache-Control"] = "no-cache, private"
    return response


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The walk page's service worker (mapapp/field/sw.js) with this page's config, scoped to it."""
    body, version = _service_worker_build()
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("est-report")
    response["Cache-Control"] = "no-cache"
    response["X-Trygg-SW-Version"] = version
    return response


@lru_cache(maxsize=1)
def _service_worker_build() -> tuple[str, str]:
    source_path = finders.find("mapapp/field/sw.js")
    if not source_path:
        raise Http404("sw.js")
    with open(source_path, encoding="utf-8") as f:
        source = f.read()
    digest = hashlib.sha256(source.encode())
    assets = []
    for path in OFFLINE_STATIC:
        found = finders.find(path)
        if not found:
            continue  # vendor assets not built yet: the page still works online
        with open(found, "rb") as f:
            digest.update(f.read())
        assets.append(static(path))
    version = digest.hexdigest()[:12]
    config = {
        "version": version,
        "cache_prefix": "trygg-est-",
        "scope": reverse("est-report"),
        "page": reverse("est-report"),
        "data": [reverse("est-report-map")],
        "assets": assets,
        "static_prefix": settings.STATIC_URL,
    }
    return f"self.TRYGG_SW = {json.dumps(config)};\n{source}", version


@require_safe
def manifest(request: HttpRequest) -> JsonResponse:
    """A web app manifest: the report page on a phone's home screen, full screen."""
    return JsonResponse(
        {
            "name": "Trygg – EST-rapport",
            "short_name": "EST-rapport",
            "start_url": reverse("est-report"),
            "scope": reverse("est-report"),
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#1f4e79",
            "icons": [
                {"src": static("mapapp/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}
            ],
        },
        content_type="application/manifest+json",
    )


# --- sync -----------------------------------------------------------------------------------------


def report_json(report: EstReport) -> dict[str, Any]:
    lon, lat = web_xy(report.location)
    return {
        "id": report.pk,
        "client_uuid": str(report.client_uuid),
        "event_type": report.event_type,
        "lon": round(lon, 7),
        "lat": round(lat, 7),
        "occurred_at": report.occurred_at.isoformat(),
        "received_at": report.received_at.isoformat(),
        "note": report.note,
        "area": report.area.name if report.area_id and report.area else None,
        "office": report.action.office.name if report.action_id and report.action else None,
    }


def _number(data: dict[str, Any], name: str, errors: dict[str, list[str]], *, low: float,
            high: float, required: bool = True) -> float | None:  # fmt: skip
    value = data.get(name)
    if value is None or value == "":
        if required:
            errors[name] = [_("saknas")]
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors[name] = [_("ska vara ett tal")]
        return None
    if not low <= float(value) <= high:
        errors[name] = [_("ska ligga mellan %(low)s och %(high)s") % {"low": low, "high": high}]
        return None
    return float(value)


def parse_report(body: bytes) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The report's fields from a JSON body, and an error list per field (empty when it is good)."""
    errors: dict[str, list[str]] = {}
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}, {"body": [_("är inte JSON")]}
    if not isinstance(data, dict):
        return {}, {"body": [_("ska vara ett JSON-objekt")]}
    out: dict[str, Any] = {}
    try:
        out["client_uuid"] = uuid.UUID(str(data.get("client_uuid", "")))
    except ValueError:
        errors["client_uuid"] = [_("ska vara ett UUID")]
    event_type = data.get("event_type")
    if event_type not in EventType.values:
        errors["event_type"] = [_("okänd händelsetyp")]
    out["event_type"] = event_type
    out["lon"] = _number(data, "lon", errors, low=-180, high=180)
    out["lat"] = _number(data, "lat", errors, low=-90, high=90)
    out["gps_lon"] = _number(data, "gps_lon", errors, low=-180, high=180, required=False)
    out["gps_lat"] = _number(data, "gps_lat", errors, low=-90, high=90, required=False)
    out["accuracy_m"] = _number(data, "accuracy_m", errors, low=0, high=100_000, required=False)
    raw_time = data.get("occurred_at")
    occurred = parse_datetime(raw_time) if isinstance(raw_time, str) else None
    if occurred is None or timezone.is_naive(occurred):
        errors["occurred_at"] = [_("ska vara en tidpunkt med tidszon (ISO 8601)")]
    elif occurred > timezone.now() + timedelta(minutes=10):
        errors["occurred_at"] = [_("ligger i framtiden")]
    out["occurred_at"] = occurred
    note = data.get("note", "")
    if not isinstance(note, str):
        errors["note"] = [_("ska vara text")]
    elif len(note) > MAX_NOTE_CHARS:
        errors["note"] = [_("högst %(n)s tecken") % {"n": MAX_NOTE_CHARS}]
    out["note"] = note.strip() if isinstance(note, str) else ""
    return out, errors


@require_POST
def sync_report(request: HttpRequest) -> JsonResponse:
    """Store one report from the page's outbox, exactly once per client UUID (decision 0100's protocol):
    201 new, 200 the same again, 409 other content under a known UUID, 400 naming the field.

    Without a login the answer is 401, never a redirect to the login page: a page's ``fetch`` would follow
    it to a 200 and take the report for sent."""
    if not request.user.is_authenticated:
        return json_error(_("Logga in igen för att skicka rapporten."), 401)
    if not request.user.has_perm(REPORT):
        return json_error(_("Du får inte rapportera EST-händelser."), 403)
    municipality = own_municipality_or_404()
    data, errors = parse_report(request.body)
    if errors:
        return json_error(_("Rapporten har fel i fälten: %(f)s") % {"f": ", ".join(errors)}, 400,
                          fields=errors)  # fmt: skip
    user: User = request.user  # authenticated (checked above)
    try:
        recorded = services.record_report(municipality, reporter=user, **data)
    except services.ReportConflict as conflict:
        mine = conflict.existing.reporter_id == user.pk
        return JsonResponse(
            {
                "error": _(
                    "En rapport med detta UUID finns redan med annat innehåll; den sparade behålls."
                ),
                **({"report": report_json(conflict.existing)} if mine else {}),
            },
            status=409,
        )
    return JsonResponse(report_json(recorded.report), status=201 if recorded.created else 200)


# --- the reporter's own reports --------------------------------------------------------------------


@require_safe
@login_required
@permission_required(REPORT, raise_exception=True)
def report_detail(request: HttpRequest, client_uuid: uuid.UUID) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]  # login_required
    report = get_object_or_404(
        own_reports(user, own_municipality_or_404()).select_related("area", "action__office"),
        client_uuid=client_uuid,
    )
    return render(request, "est/report_detail.html", {"report": report})


# --- the lägesbild ----------------------------------------------------------------------------------


def _period(request: HttpRequest) -> lagesbild.Period:
    kind_value = request.GET.get("typ", lagesbild.Kind.WEEK)
    kind = lagesbild.Kind(kind_value) if kind_value in lagesbild.Kind._value2member_map_ else None
    if kind is None:
        raise ValueError("typ")
    meeting_value = request.GET.get("mote", "")
    try:
        meeting = date.fromisoformat(meeting_value) if meeting_value else timezone.localdate()
    except ValueError as e:
        raise ValueError("mote") from e
    return lagesbild.period_before(kind, meeting)


def _bad_period(request: HttpRequest, field: str) -> HttpResponse:
    message = {
        "typ": _("typ ska vara vecka, manad eller tertial"),
        "mote": _("mote ska vara ett datum (ÅÅÅÅ-MM-DD)"),
    }[field]
    return json_error(message, 400, fields={field: [message]})


@require_safe
@login_required
@permission_required(EST_LAGESBILD_PERMISSION, raise_exception=True)
def lagesbild_page(request: HttpRequest) -> HttpResponse:
    try:
        period = _period(request)
    except ValueError as e:
        return _bad_period(request, str(e))
    municipality = own_municipality_or_404()
    picture = lagesbild.build(municipality, period)
    meeting = period.end
    return render(
        request,
        "est/lagesbild.html",
        {
            "picture": picture,
            "type_headers": [
                (label, lagesbild.WEIGHTS[value]) for value, label in EventType.choices
            ],
            "min_reports": lagesbild.MIN_REPORTS_TO_RANK,
            "high_reports": lagesbild.HIGH_CERTAINTY_REPORTS,
            "kinds": [(k.value, label) for k, label in _KIND_LABELS.items()],
            "kind": period.kind.value,
            "meeting": meeting,
            "earlier": period.start,
            "later": _later(period),
            "query": request.GET.urlencode(),
        },
    )


_KIND_LABELS = {
    lagesbild.Kind.WEEK: gettext_lazy("Vecka"),
    lagesbild.Kind.MONTH: gettext_lazy("Månad"),
    lagesbild.Kind.TERTIAL: gettext_lazy("Tertial"),
}


def _later(period: lagesbild.Period) -> date | None:
    """The meeting day of the next period, or None when that period has not ended yet."""
    end_of_next = lagesbild.period_after(period).end
    return end_of_next if end_of_next <= timezone.localdate() else None


@require_safe
@login_required
@permission_required(EST_LAGESBILD_PERMISSION, raise_exception=True)
def lagesbild_csv(request: HttpRequest) -> HttpResponseBase:
    try:
        period = _period(request)
    except ValueError as e:
        return _bad_period(request, str(e))
    picture = lagesbild.build(own_municipality_or_404(), period)
    header, rows = exports.ranking_table(picture)
    return csvfile.response(exports.filename(picture, "csv"), header, rows)


@require_safe
@login_required
@permission_required(EST_LAGESBILD_PERMISSION, raise_exception=True)
def lagesbild_gpkg(request: HttpRequest) -> HttpResponseBase:
    try:
        period = _period(request)
    except ValueError as e:
        return _bad_period(request, str(e))
    municipality = own_municipality_or_404()
    picture = lagesbild.build(municipality, period)
    try:
        data = exports.geopackage(municipality, picture)
    except exports.ExportFailed as e:
        return json_error(str(e), 500)
    response = FileResponse(
        iter([data]),
        as_attachment=True,
        filename=exports.filename(picture, "gpkg"),
        content_type="application/geopackage+sqlite3",
    )
    response["Content-Length"] = str(len(data))
    response["Cache-Control"] = "private, no-store"
    return response
