"""Pages for trygghetsvandringar: planning, the tablet page (offline), walk results, follow-up, the gender and
age lens, and the action list (åtgärdslista). Views parse input, call a query or a service, and render.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.staticfiles import finders
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST, require_safe

from basemap.services import page_raster
from core import csvfile
from geo.criteria import ALL_LABELS
from layers.models import District, Municipality, Office
from layers.queries import default_municipality, district_features
from mapapp.pdf import PdfError, render_pdf
from surveys import queries, services
from surveys.digest import digest_recipients
from surveys.forms import ActionForm, WalkForm
from surveys.models import (
    Action,
    ActionDigest,
    AgeGroup,
    Gender,
    Observation,
    ObservationPhoto,
    Trygghetsvandring,
)

VIEW_WALKS = "surveys.view_trygghetsvandring"
PLAN_WALKS = "surveys.add_trygghetsvandring"
CHANGE_WALKS = "surveys.change_trygghetsvandring"
RECORD = "surveys.add_observation"
VIEW_ACTIONS = "surveys.view_action"
CHANGE_ACTIONS = "surveys.change_action"

# What the service worker keeps for offline use besides the page and its map data (docs/decisions/0101).
OFFLINE_STATIC = (
    "mapapp/trygg.css",
    "mapapp/favicon.svg",
    "mapapp/trygg-map.js",
    "mapapp/trygg-basemap.js",
    "vendor/protomaps-leaflet/protomaps-leaflet.js",
    "mapapp/field/field.css",
    "mapapp/field/outbox.js",
    "mapapp/field/tablet.js",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/images/layers.png",
    "vendor/leaflet/images/layers-2x.png",
    "vendor/leaflet/images/marker-icon.png",
    "vendor/leaflet/images/marker-icon-2x.png",
    "vendor/leaflet/images/marker-shadow.png",
)


def _municipality() -> Municipality:
    municipality = default_municipality()
    if municipality is None:
        raise Http404(_("Ingen kommun inläst"))
    return municipality


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# --- the tablet page ------------------------------------------------------------------------------


@require_safe
@login_required
@permission_required(RECORD, raise_exception=True)
@ensure_csrf_cookie
def tablet(request: HttpRequest) -> HttpResponse:
    """The tablet page: pick a walk, record observations offline, sync when the network returns."""
    municipality = _municipality()
    walks = [queries.walk_json(w) for w in queries.active_walks(municipality)]
    response = render(
        request,
        "mapapp/field/tablet.html",
        {
            "walks": walks,
            "categories": Observation.Category.choices,
            "feelings": Observation.Feeling.choices,
            "severities": Observation.Severity.choices,
            "genders": Gender.choices,
            "ages": AgeGroup.choices,
            **page_raster(default_municipality()),
            "photo_max_mb": settings.PHOTO_MAX_BYTES // (1024 * 1024),
            "api_walk_template": reverse("api-walk-detail", args=[0]).replace("/0/", "/{id}/"),
            "api_photo_template": reverse(
                "api-observation-photos", args=[uuid.UUID(int=0)]
            ).replace(str(uuid.UUID(int=0)), "{uuid}"),
        },
    )
    # The service worker keeps its own copy; the browser's HTTP cache must not serve a stale one.
    response["Cache-Control"] = "no-cache, private"
    return response


@require_safe
@login_required
@permission_required(RECORD, raise_exception=True)
def tablet_map_data(request: HttpRequest) -> JsonResponse:
    """Everything the tablet map needs offline: districts, the active walks' routes, earlier observations."""
    municipality = _municipality()
    walks = list(queries.active_walks(municipality))
    earlier: dict[str, Any] = {}
    for walk in walks:
        if walk.follow_up_of is not None:
            data = queries.walk_map_data(walk.follow_up_of)
            earlier[str(walk.pk)] = data["observations"]
    response = JsonResponse(
        {
            "districts": district_features(municipality, precision=5),
            "walks": [queries.walk_json(w) for w in walks],
            "earlier_observations": earlier,
        }
    )
    response["Cache-Control"] = "no-cache, private"
    return response


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, from /falt/ so that its scope covers the tablet page.

    It is code like any static file and carries no data, so it needs no login (a redirect to the login
    page would break its registration); what it caches is fetched with the user's own session.
    """
    body, version = _service_worker_source()
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("field-tablet")
    response["Cache-Control"] = "no-cache"
    response["X-Trygg-SW-Version"] = version
    return response


def _service_worker_source() -> tuple[str, str]:
    if settings.DEBUG:
        _service_worker_build.cache_clear()
    return _service_worker_build()


@lru_cache(maxsize=1)
def _service_worker_build() -> tuple[str, str]:
    source_path = finders.find("mapapp/field/sw.js")
    if not source_path:
        raise Http404("sw.js")
    source = open(source_path, encoding="utf-8").read()
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
        "scope": reverse("field-tablet"),
        "page": reverse("field-tablet"),
        # The background map's configuration (tile addresses and their version) for the map offline;
        # the tiles of a walk's area are saved by the page when the walk is opened (trygg-basemap.js).
        "data": [reverse("field-tablet-map"), reverse("basemap:config")],
        "tiles": [
            reverse("basemap:raster", args=(0, 0, 0)).removesuffix("0/0/0.png"),
            reverse("basemap:vector", args=(0, 0, 0)).removesuffix("0/0/0.mvt"),
        ],
        "tile_cache_prefix": "trygg-bakgrund-",
        "assets": assets,
        "static_prefix": settings.STATIC_URL,
    }
    return f"self.TRYGG_SW = {json.dumps(config)};\n{source}", version


@require_safe
def manifest(request: HttpRequest) -> JsonResponse:
    """A web app manifest, so the tablet page can be put on the home screen and open full screen."""
    response = JsonResponse(
        {
            "name": "Trygg – trygghetsvandring",
            "short_name": "Trygg fält",
            "start_url": reverse("field-tablet"),
            "scope": reverse("field-tablet"),
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#1f4e79",
            "icons": [
                {"src": static("mapapp/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}
            ],
        },
        content_type="application/manifest+json",
    )
    return response


# --- walks ----------------------------------------------------------------------------------------


@require_safe
@login_required
@permission_required(VIEW_WALKS, raise_exception=True)
def walk_list(request: HttpRequest) -> HttpResponse:
    municipality = _municipality()
    status = request.GET.get("status", "")
    if status not in Trygghetsvandring.Status.values:
        status = ""
    district = request.GET.get("kommundel", "")
    year = _int_or_none(request.GET.get("ar"))
    walks = queries.walks_for_list(municipality, status=status, district=district, year=year)
    years = sorted(
        {
            d.year
            for d in Trygghetsvandring.objects.filter(municipality=municipality).dates(
                "walked_on", "year"
            )
        },
        reverse=True,
    )
    return render(
        request,
        "mapapp/field/walk_list.html",
        {
            "walks": walks,
            "statuses": Trygghetsvandring.Status.choices,
            "districts": District.objects.filter(municipality=municipality),
            "years": years,
            "selected": {"status": status, "district": district, "year": year},
            "can_plan": request.user.has_perm(PLAN_WALKS),
        },
    )


def _walk_form_page(
    request: HttpRequest, walk: Trygghetsvandring, *, initial: dict[str, Any] | None = None
) -> HttpResponse:
    municipality = _municipality()
    form = WalkForm(
        request.POST or None, instance=walk, municipality=municipality, initial=initial or {}
    )
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.municipality = municipality
        saved.route = form.cleaned_data["route_geojson"]
        saved.checklist = form.checklist()
        services.save_walk(
            saved,
            participants=form.participants(),
            partners=form.cleaned_data["partners"],
            by=request.user,  # type: ignore[arg-type]  # login_required
        )
        messages.success(request, _("Vandringen är sparad."))
        return redirect("field-walk", walk_id=saved.pk)
    return render(
        request,
        "mapapp/field/walk_form.html",
        {
            "form": form,
            "walk": walk if walk.pk else None,
            "ages": AgeGroup.choices,
            **page_raster(default_municipality()),
            "earlier_routes": {
                str(w.pk): queries.line_geojson(w.route or w.track)
                for w in Trygghetsvandring.objects.filter(municipality=municipality)
                if (w.route or w.track) is not None
            },
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@permission_required(PLAN_WALKS, raise_exception=True)
def walk_create(request: HttpRequest) -> HttpResponse:
    municipality = _municipality()
    initial: dict[str, Any] = {"walked_on": timezone.localdate(), "light": "morker"}
    earlier_id = _int_or_none(request.GET.get("uppfoljning_av"))
    if earlier_id is not None:
        earlier = get_object_or_404(Trygghetsvandring, pk=earlier_id, municipality=municipality)
        line = queries.line_geojson(earlier.route or earlier.track)
        initial.update(
            {
                "name": f"Uppföljning: {earlier.name}"[:200],
                "follow_up_of": earlier.pk,
                "district": earlier.district_id,
                "light": earlier.light,
                "start_time": earlier.start_time,
                "checklist_items": [str(i) for i in earlier.checklist or []],
                "route_geojson": json.dumps(line) if line else "",
            }
        )
    return _walk_form_page(request, Trygghetsvandring(municipality=municipality), initial=initial)


@login_required
@permission_required(CHANGE_WALKS, raise_exception=True)
def walk_edit(request: HttpRequest, walk_id: int) -> HttpResponse:
    walk = get_object_or_404(Trygghetsvandring, pk=walk_id, municipality=_municipality())
    return _walk_form_page(request, walk)


@require_safe
@login_required
@permission_required(VIEW_WALKS, raise_exception=True)
def walk_detail(request: HttpRequest, walk_id: int) -> HttpResponse:
    walk = get_object_or_404(
        Trygghetsvandring.objects.select_related("district", "follow_up_of"),
        pk=walk_id,
        municipality=_municipality(),
    )
    return render(request, "mapapp/field/walk_detail.html", _walk_context(request, walk))


def _walk_context(request: HttpRequest, walk: Trygghetsvandring) -> dict[str, Any]:
    observations = queries.walk_observations(walk)
    actions = [queries.first_action(o) for o in observations]
    rows = [{"observation": o, "action": a} for o, a in zip(observations, actions, strict=True)]
    return {
        "walk": walk,
        "rows": rows,
        "participants": queries.participant_table(walk),
        "partners": list(walk.partners.all()),
        "follow_ups": list(walk.follow_ups.order_by("walked_on")),
        "photo_count": sum(len(o.photos.all()) for o in observations),
        "open_actions": sum(1 for a in actions if a is not None and a.is_open),
        **page_raster(default_municipality()),
        "can_change": request.user.has_perm(CHANGE_WALKS),
        "can_plan": request.user.has_perm(PLAN_WALKS),
        "can_record": request.user.has_perm(RECORD),
        "now": timezone.now(),
    }


@require_safe
@login_required
@permission_required(VIEW_WALKS, raise_exception=True)
def walk_map_json(request: HttpRequest, walk_id: int) -> JsonResponse:
    walk = get_object_or_404(Trygghetsvandring, pk=walk_id, municipality=_municipality())
    return JsonResponse(queries.walk_map_data(walk))


@require_POST
@login_required
@permission_required(CHANGE_WALKS, raise_exception=True)
def walk_status(request: HttpRequest, walk_id: int) -> HttpResponse:
    walk = get_object_or_404(Trygghetsvandring, pk=walk_id, municipality=_municipality())
    status = request.POST.get("status", "")
    if status not in Trygghetsvandring.Status.values:
        return HttpResponseBadRequest(_("Okänd status."))
    services.set_walk_status(walk, status)
    messages.success(request, _("Vandringens status är ändrad."))
    return redirect("field-walk", walk_id=walk.pk)


@require_safe
@login_required
@permission_required(VIEW_WALKS, raise_exception=True)
def walk_protocol(request: HttpRequest, walk_id: int) -> HttpResponse:
    """The walk protocol as a page with print CSS; the PDF is this page printed by Chromium."""
    walk = get_object_or_404(
        Trygghetsvandring.objects.select_related("district", "follow_up_of"),
        pk=walk_id,
        municipality=_municipality(),
    )
    return render(request, "mapapp/field/walk_protocol.html", _walk_context(request, walk))


@require_safe
@login_required
@permission_required(VIEW_WALKS, raise_exception=True)
def walk_protocol_pdf(request: HttpRequest, walk_id: int) -> HttpResponse:
    walk = get_object_or_404(Trygghetsvandring, pk=walk_id, municipality=_municipality())
    try:
        pdf = render_pdf(
            reverse("field-walk-protocol", args=[walk.pk]),
            user=request.user,  # type: ignore[arg-type]  # login_required
            paper="A4",
        )
    except PdfError as e:
        return HttpResponse(
            _("PDF:en kunde inte skapas: %(error)s") % {"error": e},
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(walk)}.pdf"'
    return response


@require_safe
@login_required
@permission_required(VIEW_WALKS, raise_exception=True)
def walk_protocol_csv(request: HttpRequest, walk_id: int) -> FileResponse:
    walk = get_object_or_404(Trygghetsvandring, pk=walk_id, municipality=_municipality())
    header = [
        _("Nr"),
        _("Registrerad"),
        _("Kategori"),
        _("Upplevelse (1–5)"),
        _("Upplevelse"),
        _("Allvarlighet"),
        _("Beskrivning"),
        _("Väckt av"),
        _("Longitud (WGS 84)"),
        _("Latitud (WGS 84)"),
        _("N (SWEREF 99 TM)"),
        _("E (SWEREF 99 TM)"),
        _("GPS-noggrannhet (m)"),
        _("Foton"),
        _("Åtgärd"),
        _("Ansvarig"),
        _("Status"),
        _("Klart senast"),
        _("Skäl för avslag"),
        _("Observationens UUID"),
    ]
    rows = []
    for o in queries.walk_observations(walk):
        action = queries.first_action(o)
        lon, lat = queries.web_xy(o.location)
        rows.append(
            [
                getattr(o, "number", None),
                timezone.localtime(o.recorded_at).strftime("%Y-%m-%d %H:%M"),
                o.get_category_display(),
                o.feeling,
                o.get_feeling_display(),
                o.get_severity_display(),
                o.note,
                queries.group_label(o.raised_by_gender, o.raised_by_age),
                # Numbers, not text: written with a decimal comma, which Swedish Excel reads (0640).
                round(lon, 6),
                round(lat, 6),
                round(o.location.y, 1),
                round(o.location.x, 1),
                None if o.accuracy_m is None else round(o.accuracy_m),
                " ".join(
                    request.build_absolute_uri(reverse("field-photo", args=[p.client_uuid]))
                    for p in o.photos.all()
                ),
                action.title if action else "",
                action.office.name if action else "",
                action.get_status_display() if action else "",
                action.due_date if action else None,
                action.rejection_reason if action else "",
                str(o.client_uuid),
            ]
        )
    return csvfile.response(f"{_filename(walk)}.csv", header, rows)


def _filename(walk: Trygghetsvandring) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in walk.name.lower()).strip("-")
    while "--" in safe:
        safe = safe.replace("--", "-")
    return f"protokoll-{walk.walked_on:%Y-%m-%d}-{safe[:60]}"


@require_safe
@login_required
@permission_required(VIEW_WALKS, raise_exception=True)
def walk_follow_up(request: HttpRequest, walk_id: int) -> HttpResponse:
    walk = get_object_or_404(
        Trygghetsvandring.objects.select_related("follow_up_of"),
        pk=walk_id,
        municipality=_municipality(),
    )
    comparison = queries.follow_up(walk)
    if comparison is None:
        raise Http404(_("Vandringen är ingen uppföljning."))
    return render(
        request,
        "mapapp/field/follow_up.html",
        {
            "walk": walk,
            "comparison": comparison,
            "match_m": int(queries.FOLLOW_UP_MATCH_M),
            **page_raster(default_municipality()),
        },
    )


@require_safe
@login_required
@permission_required(VIEW_WALKS, raise_exception=True)
def walk_follow_up_json(request: HttpRequest, walk_id: int) -> JsonResponse:
    walk = get_object_or_404(Trygghetsvandring, pk=walk_id, municipality=_municipality())
    comparison = queries.follow_up(walk)
    if comparison is None:
        raise Http404
    return JsonResponse(queries.follow_up_map_data(comparison))


def _lens_from_request(request: HttpRequest) -> tuple[queries.Lens, dict[str, Any]]:
    municipality = _municipality()
    walk_id = _int_or_none(request.GET.get("vandring"))
    walk = (
        Trygghetsvandring.objects.filter(pk=walk_id, municipality=municipality).first()
        if walk_id
        else None
    )
    district = request.GET.get("kommundel", "")
    year = _int_or_none(request.GET.get("ar"))
    gender = request.GET.get("kon", "")
    age = request.GET.get("alder", "")
    if gender not in Gender.values:
        gender = ""
    if age not in AgeGroup.values:
        age = ""
    scope = queries.lens_scope(municipality, walk=walk, district=district, year=year)
    selected = {
        "walk": walk.pk if walk else None,
        "district": district,
        "year": year,
        "gender": gender,
        "age": age,
    }
    return queries.lens(scope, gender=gender, age=age), selected


@require_safe
@login_required
@permission_required(VIEW_WALKS, raise_exception=True)
def lens(request: HttpRequest) -> HttpResponse:
    """Gender and age lens: observations by participant group, and places where groups differ."""
    municipality = _municipality()
    result, selected = _lens_from_request(request)
    return render(
        request,
        "mapapp/field/lens.html",
        {
            "lens": result,
            "selected": selected,
            "walks": Trygghetsvandring.objects.filter(municipality=municipality).order_by(
                "-walked_on"
            ),
            "districts": District.objects.filter(municipality=municipality),
            "genders": Gender.choices,
            "ages": AgeGroup.choices,
            "query": request.GET.urlencode(),
            **page_raster(default_municipality()),
        },
    )


@require_safe
@login_required
@permission_required(VIEW_WALKS, raise_exception=True)
def lens_json(request: HttpRequest) -> JsonResponse:
    result, _selected = _lens_from_request(request)
    return JsonResponse(queries.lens_map_data(result))


# --- photos ---------------------------------------------------------------------------------------


def _photo_response(photo: ObservationPhoto, *, thumbnail: bool) -> FileResponse:
    field = photo.thumbnail if thumbnail and photo.thumbnail else photo.image
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError as e:
        raise Http404 from e
    response = FileResponse(handle, content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="{photo.client_uuid}.jpg"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_safe
@login_required
@permission_required("surveys.view_observationphoto", raise_exception=True)
def photo(request: HttpRequest, photo_uuid: uuid.UUID) -> FileResponse:
    found = get_object_or_404(
        ObservationPhoto, client_uuid=photo_uuid, observation__municipality=_municipality()
    )
    return _photo_response(found, thumbnail=False)


@require_safe
@login_required
@permission_required("surveys.view_observationphoto", raise_exception=True)
def photo_thumbnail(request: HttpRequest, photo_uuid: uuid.UUID) -> FileResponse:
    found = get_object_or_404(
        ObservationPhoto, client_uuid=photo_uuid, observation__municipality=_municipality()
    )
    return _photo_response(found, thumbnail=True)


# --- actions --------------------------------------------------------------------------------------


def _action_filters(request: HttpRequest, municipality: Municipality) -> dict[str, Any]:
    status = request.GET.get("status", "")
    if status not in Action.Status.values:
        status = ""
    office_id = _int_or_none(request.GET.get("kontor"))
    office = (
        Office.objects.filter(pk=office_id, municipality=municipality).first()
        if office_id
        else None
    )
    walk_id = _int_or_none(request.GET.get("vandring"))
    walk = (
        Trygghetsvandring.objects.filter(pk=walk_id, municipality=municipality).first()
        if walk_id
        else None
    )
    return {
        "status": status,
        "office": office,
        "walk": walk,
        "district": request.GET.get("kommundel", ""),
        "overdue": request.GET.get("forsenade") == "1",
        "open_only": request.GET.get("oppna") == "1",
    }


@require_safe
@login_required
@permission_required(VIEW_ACTIONS, raise_exception=True)
def action_list(request: HttpRequest) -> HttpResponse:
    """The åtgärdslista: every action with its office, status and due date, filtered."""
    municipality = _municipality()
    filters = _action_filters(request, municipality)
    actions = queries.actions(municipality, **filters)
    return render(
        request,
        "mapapp/field/action_list.html",
        {
            "actions": actions,
            "filters": filters,
            "statuses": Action.Status.choices,
            "offices": Office.objects.filter(municipality=municipality).order_by("kind", "name"),
            "walks": Trygghetsvandring.objects.filter(municipality=municipality).order_by(
                "-walked_on"
            ),
            "districts": District.objects.filter(municipality=municipality),
            "today": timezone.localdate(),
            "query": request.GET.urlencode(),
        },
    )


@require_safe
@login_required
@permission_required(VIEW_ACTIONS, raise_exception=True)
def action_list_csv(request: HttpRequest) -> FileResponse:
    municipality = _municipality()
    actions = queries.actions(municipality, **_action_filters(request, municipality))
    header = [
        _("Åtgärd"),
        _("Ansvarig"),
        _("Status"),
        _("Klart senast"),
        _("Skäl för avslag"),
        _("Trygghetsvandring"),
        _("Datum"),
        _("Kategori"),
        _("Föreslagen ansvarig"),
        _("Skäl för förslaget"),
        _("Plats"),
        _("Handläggare"),
        _("Detaljplan"),
    ]
    rows = [
        [
            a.title,
            a.office.name,
            a.get_status_display(),
            a.due_date.isoformat() if a.due_date else "",
            a.rejection_reason,
            a.observation.walk.name if a.observation else "",
            a.observation.walk.walked_on.isoformat() if a.observation else "",
            a.observation.get_category_display() if a.observation else "",
            a.suggested_office.name if a.suggested_office else "",
            a.suggestion_reason,
            a.place_label,
            (a.assignee.get_full_name() or a.assignee.username) if a.assignee else "",
            a.plan.plan_id if a.plan else "",
        ]
        for a in actions.select_related("suggested_office", "assignee", "plan")
    ]
    return csvfile.response(f"atgarder-{date.today():%Y-%m-%d}.csv", header, rows)


@login_required
@permission_required(VIEW_ACTIONS, raise_exception=True)
def action_detail(request: HttpRequest, action_id: int) -> HttpResponse:
    action = get_object_or_404(
        Action.objects.select_related(
            "office", "suggested_office", "observation", "observation__walk", "assignee", "plan"
        ),
        pk=action_id,
        municipality=_municipality(),
    )
    can_change = request.user.has_perm(CHANGE_ACTIONS)
    if request.method == "POST":
        if not can_change:
            return HttpResponse(_("Du får inte ändra åtgärder."), status=403)
        form = ActionForm(request.POST, action=action)
        if form.is_valid():
            try:
                services.update_action(
                    action,
                    by=request.user,  # type: ignore[arg-type]  # login_required
                    status=form.cleaned_data["status"],
                    office=form.cleaned_data["office"],
                    due_date=form.cleaned_data["due_date"],
                    title=form.cleaned_data["title"],
                    assignee=form.cleaned_data["assignee"],
                    rejection_reason=form.cleaned_data["rejection_reason"],
                    note=form.cleaned_data["note"],
                )
            except ValueError as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, _("Åtgärden är sparad."))
                return redirect("field-action", action_id=action.pk)
    elif request.method in ("GET", "HEAD"):
        form = ActionForm(action=action)
    else:
        return HttpResponse(status=405)
    observation = action.observation
    return render(
        request,
        "mapapp/field/action_detail.html",
        {
            "action": action,
            "form": form,
            "can_change": can_change,
            "history": action.history.select_related("by").order_by("at", "pk"),
            "observation": observation,
            "map_data": queries.action_features([action]),
            "criterion_label": ALL_LABELS.get(action.criterion, action.criterion),
            **page_raster(action.municipality),
            "photos": list(observation.photos.order_by("pk")) if observation else [],
            "observation_group": queries.group_label(
                observation.raised_by_gender, observation.raised_by_age
            )
            if observation
            else "",
            "today": timezone.localdate(),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_safe
@login_required
@permission_required(VIEW_ACTIONS, raise_exception=True)
def offices(request: HttpRequest) -> HttpResponse:
    """Per office and partner: how many actions it has, by status, and how many are overdue."""
    municipality = _municipality()
    return render(
        request,
        "mapapp/field/offices.html",
        {
            "summaries": queries.office_summaries(municipality),
            "statuses": Action.Status.choices,
        },
    )


@require_safe
@login_required
@permission_required(VIEW_ACTIONS, raise_exception=True)
def office_actions(request: HttpRequest, office_id: int) -> HttpResponse:
    """One office's tasks: overdue first, then the rest of what it must do, on a map with street names."""
    municipality = _municipality()
    office = get_object_or_404(Office, pk=office_id, municipality=municipality)
    today = timezone.localdate()
    open_actions = list(
        queries.actions(municipality, office=office, open_only=True).select_related("assignee")
    )
    closed = queries.actions(municipality, office=office).exclude(status__in=Action.OPEN_STATUSES)
    digest = ActionDigest.objects.filter(office=office).first()
    return render(
        request,
        "mapapp/field/office_actions.html",
        {
            "office": office,
            "overdue_actions": [a for a in open_actions if a.is_overdue],
            "open_actions": [a for a in open_actions if not a.is_overdue],
            "open_count": len(open_actions),
            "closed_actions": closed.order_by("-updated_at")[:200],
            "map_data": queries.action_features(open_actions, today=today),
            "digest": digest,
            "digest_recipients": digest_recipients(office),
            "can_change": request.user.has_perm(CHANGE_ACTIONS),
            "today": today,
            **page_raster(municipality),
        },
    )


@require_POST
@login_required
@permission_required(CHANGE_ACTIONS, raise_exception=True)
def office_digest(request: HttpRequest, office_id: int) -> HttpResponse:
    """Turn the office's weekly e-mail on or off (opt-in, decision 0825)."""
    office = get_object_or_404(Office, pk=office_id, municipality=_municipality())
    value = request.POST.get("enabled", "")
    if value not in ("0", "1"):
        return HttpResponseBadRequest(_("Fältet enabled ska vara 0 eller 1."))
    ActionDigest.objects.update_or_create(office=office, defaults={"enabled": value == "1"})
    messages.success(
        request,
        _("Veckobrevet är påslaget.") if value == "1" else _("Veckobrevet är avslaget."),
    )
    return redirect("field-office", office_id=office.pk)
