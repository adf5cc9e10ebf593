"""The import pages for analysts: upload a file, read the batch's report, undo it.

Only users who may import (``layers.roles.can_import``: analysts and administrators) reach these pages;
everyone else gets 403. A file that cannot be read gives 4xx naming the file (and the row when there is
one), never a 500. The upload runs in the request; a page with JavaScript sends it with a job id and
polls ``/import/progress/<job>/`` for the progress the import writes meanwhile.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import csvfile
from layers import uploads
from layers.importers.incidents import (
    StrictImportFailed,
    UndoRefused,
    import_incidents,
    render_reason,
    undo_import,
)
from layers.importers.mapping import MappingError
from layers.importers.profiles import available, save_profile
from layers.models import ImportBatch, IncidentCategory, Municipality
from layers.queries import default_municipality
from layers.roles import can_import
from layers.uploads import UploadRejected
from mapapp.import_forms import ImportForm

SHOWN_REJECTIONS = 500
RECENT_BATCHES = 20

View = Callable[..., HttpResponseBase]


def import_permission_required(view: View) -> View:
    """Logged in (else the login page) and allowed to import (else 403)."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not can_import(request.user):
            raise PermissionDenied(
                _("Bara analytiker och administratörer får importera händelser.")
            )
        return view(request, *args, **kwargs)

    return wrapped


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _form(request: HttpRequest, data: Any = None, files: Any = None) -> ImportForm:
    municipalities = list(Municipality.objects.order_by("pk"))
    profiles = available(municipalities[0] if len(municipalities) == 1 else default_municipality())
    return ImportForm(data, files, municipalities=municipalities, profiles=profiles)


@require_http_methods(["GET", "HEAD", "POST"])
@import_permission_required
def upload(request: HttpRequest) -> HttpResponseBase:
    if request.method != "POST":
        return _upload_page(request, _form(request))
    form = _form(request, request.POST, request.FILES)
    if not form.is_valid():
        return _refuse(request, form, _("Formuläret är inte fullständigt ifyllt."), status=400)
    data = form.cleaned_data
    municipality = Municipality.objects.get(kommunkod=data["municipality"])
    profile = data["resolved_profile"]
    upload_file = data["file"]
    job = data.get("job")
    with uploads.workspace() as work:
        try:
            path = uploads.receive(upload_file, upload_file.name, work)
            batch = import_incidents(
                path,
                municipality=municipality,
                profile=profile,
                strict=data["strict"],
                user=request.user,
                original_name=upload_file.name,
                progress=_progress_writer(request, job) if job else None,
            )
        except UploadRejected as e:
            return _refuse(request, form, str(e), status=e.status)
        except StrictImportFailed as e:
            return _strict_failed(request, e)
        finally:
            if job:
                _progress_path(request, job).unlink(missing_ok=True)
    if data.get("save_as") and not profile.builtin:
        try:
            save_profile(
                municipality,
                name=data["save_as"],
                label=data["save_as"],
                mapping=profile.mapping,
                user=request.user,
            )
        except MappingError as e:
            return _refuse(request, form, str(e), status=422)
    url = reverse("import:report", args=[batch.pk])
    if _wants_json(request):
        return JsonResponse({"report_url": url, "batch": batch.pk}, status=201)
    return _see_other(url)


def _see_other(url: str) -> HttpResponse:
    response = HttpResponse(status=303)
    response["Location"] = url
    return response


def _upload_page(
    request: HttpRequest, form: ImportForm, *, error: str = "", status: int = 200
) -> HttpResponse:
    batches = (
        ImportBatch.objects.filter(kind=ImportBatch.Kind.INCIDENTS)
        .select_related("created_by", "municipality")
        .order_by("-created_at")[:RECENT_BATCHES]
    )
    return render(
        request,
        "mapapp/import/upload.html",
        {
            "form": form,
            "error": error,
            "batches": batches,
            "profiles": form.profiles.values(),
            "categories": IncidentCategory.objects.select_related("focus_area").order_by("code"),
        },
        status=status,
    )


def _refuse(request: HttpRequest, form: ImportForm, message: str, *, status: int) -> HttpResponse:
    if _wants_json(request):
        fields = form.errors.get_json_data() if form.errors else {}
        return JsonResponse({"error": message, "fields": fields}, status=status)
    return _upload_page(request, form, error=message, status=status)


def _strict_failed(request: HttpRequest, e: StrictImportFailed) -> HttpResponse:
    report = e.report
    if _wants_json(request):
        return JsonResponse(
            {
                "error": str(e),
                "rows_read": report.rows_read,
                "rows_rejected": report.rows_rejected,
                "rejected": [
                    {"row": r["row"], "ref": r.get("ref", ""), "reason": render_reason(r)}
                    for r in report.rejected[:50]
                ],
            },
            status=422,
        )
    return render(
        request, "mapapp/import/report.html", _report_context(report, error=str(e)), status=422
    )


@require_safe
@import_permission_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(
        ImportBatch.objects.select_related("created_by", "municipality"),
        pk=pk,
        kind=ImportBatch.Kind.INCIDENTS,
        municipality=default_municipality(),
    )
    return render(request, "mapapp/import/report.html", _report_context(batch))


def _report_context(batch: ImportBatch, *, error: str = "") -> dict[str, Any]:
    details = batch.details or {}
    by_code = {c.code: c for c in IncidentCategory.objects.select_related("focus_area")}
    # JSON objects come back from jsonb in key order, not in the order written: sort by count here.
    categories = [
        {"category": by_code.get(code), "code": code, "count": count}
        for code, count in _by_count(details.get("categories"))
    ]
    reasons = [
        {"reason": _summary_reason(message), "count": count}
        for message, count in _by_count(details.get("reasons"))
    ]
    rejected = [
        {"row": r.get("row"), "ref": r.get("ref", ""), "reason": render_reason(r)}
        for r in batch.rejected[:SHOWN_REJECTIONS]
    ]
    return {
        "batch": batch,
        "saved": batch.pk is not None,
        "error": error,
        "details": details,
        "already_present": details.get("already_present", 0),
        "categories": categories,
        "reasons": reasons,
        "rejected": rejected,
        "rejected_shown": len(rejected),
        "unknown_categories": _by_count(details.get("unknown_categories")),
        "stored_as_default": _by_count(details.get("stored_as_default")),
        "mapping_json": json.dumps(details.get("mapping") or {}, ensure_ascii=False, indent=1),
        "can_undo": batch.pk is not None and batch.status == ImportBatch.Status.DONE,
    }


def _by_count(counts: dict[str, int] | None) -> list[tuple[str, int]]:
    return sorted((counts or {}).items(), key=lambda item: (-item[1], item[0]))


class _Ellipsis(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "…"


def _summary_reason(message: str) -> str:
    """A reason without its row's values, for the count per reason: "tid saknas (kolumn …)"."""
    try:
        return _(message) % _Ellipsis()
    except (TypeError, ValueError):
        return message


@require_safe
@import_permission_required
def rejected_csv(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The rejected rows of a batch as CSV (``core.csvfile``: what Excel with Swedish settings opens)."""
    batch = get_object_or_404(
        ImportBatch, pk=pk, kind=ImportBatch.Kind.INCIDENTS, municipality=default_municipality()
    )
    # The id and the reason repeat values from the imported file: the writer keeps them from running
    # as formulas.
    rows = (
        [entry.get("row"), entry.get("ref", ""), render_reason(entry)] for entry in batch.rejected
    )
    return csvfile.response(
        f"import-{batch.pk}-avvisade.csv", [_("rad"), _("id"), _("orsak")], rows
    )


@require_POST
@import_permission_required
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(
        ImportBatch, pk=pk, kind=ImportBatch.Kind.INCIDENTS, municipality=default_municipality()
    )
    try:
        undo_import(batch, user=request.user, request=request, channel="page")
    except UndoRefused as e:
        return render(
            request, "mapapp/import/report.html", _report_context(batch, error=str(e)), status=409
        )
    return _see_other(reverse("import:report", args=[batch.pk]))


@require_safe
@never_cache
@import_permission_required
def progress(request: HttpRequest, job: uuid.UUID) -> JsonResponse:
    path = _progress_path(request, job)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return JsonResponse({"stage": "unknown"}, status=404)
    return JsonResponse(data)


def _progress_path(request: HttpRequest, job: uuid.UUID) -> Path:
    folder = uploads.private_dir() / "progress"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{request.user.pk}-{job}.json"


def _progress_writer(request: HttpRequest, job: uuid.UUID) -> Callable[[str, int, int], None]:
    """Write the import's progress where the polling request of the same user finds it (any worker)."""
    path = _progress_path(request, job)

    def write(stage: str, done: int, total: int) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"stage": stage, "done": done, "total": total}), encoding="utf-8")
        os.replace(tmp, path)

    write("read", 0, 1)
    return write
