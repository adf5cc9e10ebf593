"""The pages of the statutory work: /lagesbild/dokument/ (lägesbilder and åtgärdsplaner).

Every object is read through the request user's municipality (404 for another one's). Reading needs
``statutory.view_*`` (BRÅ members, samordnare), writing ``change``/``add``, adopting
``statutory.adopt_lagesbild`` (samordnare). Figures shown are the frozen ones (``statutory.figures``),
made for a user without the sensitive permission; the operativa mål's current values are computed live
from non-sensitive data only (``statutory.indicators``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from core.http import error_response
from layers.tenancy import own_municipality_or_404
from mapapp.pdf import PdfError, render_pdf
from statutory import docx_export, figures, followups, indicators, maps, pdfa, services
from statutory.forms import (
    AdoptForm,
    CommentForm,
    LagesbildForm,
    PlanForm,
    PlanRowForm,
    ProblemForm,
    RowStatusForm,
    SectionForm,
)
from statutory.models import (
    ORDER,
    Atgardsplan,
    Comment,
    Lagesbild,
    PlanRow,
    Problem,
    Section,
    Status,
)
from surveys.models import OfficeStaff

TEMPLATE_ERROR = "mapapp/bra/error.html"


def _doc(pk: int) -> Lagesbild:
    return get_object_or_404(
        Lagesbild.objects.select_related("district", "municipality", "created_by"),
        pk=pk,
        municipality=own_municipality_or_404(),
    )


def _plan(pk: int) -> Atgardsplan:
    return get_object_or_404(
        Atgardsplan.objects.select_related("lagesbild", "lagesbild__district", "municipality"),
        pk=pk,
        municipality=own_municipality_or_404(),
    )


def _form_error(request: HttpRequest, form: Any) -> HttpResponse:
    fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
    text = "; ".join(f"{name}: {' '.join(e)}" for name, e in fields.items())
    return error_response(request, 400, text, fields=fields, template=TEMPLATE_ERROR)


def _invalid(request: HttpRequest, e: ValidationError) -> HttpResponse:
    fields = e.message_dict if hasattr(e, "error_dict") else {"__all__": e.messages}
    text = "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items())
    return error_response(request, 400, text, fields=fields, template=TEMPLATE_ERROR)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


# --- lists and creation ---------------------------------------------------------------------------


@require_safe
@login_required
@permission_required("statutory.view_lagesbild", raise_exception=True)
def index(request: HttpRequest) -> HttpResponse:
    municipality = own_municipality_or_404()
    return render(
        request,
        "statutory/index.html",
        {
            "documents": Lagesbild.objects.filter(municipality=municipality).select_related(
                "district"
            ),
            "plans": Atgardsplan.objects.filter(municipality=municipality).select_related(
                "lagesbild"
            ),
            "form": LagesbildForm(municipality=municipality),
        },
    )


@require_POST
@login_required
@permission_required("statutory.add_lagesbild", raise_exception=True)
def create(request: HttpRequest) -> HttpResponse:
    municipality = own_municipality_or_404()
    form = LagesbildForm(request.POST, municipality=municipality)
    if not form.is_valid():
        return _form_error(request, form)
    data = form.cleaned_data
    doc = services.create_lagesbild(
        _user(request),
        municipality=municipality,
        title=data["title"],
        district=data["district"],
        date_from=data["date_from"],
        date_to=data["date_to"],
        compare=data["compare"],
        review_by=data.get("review_by"),
        focus_areas=sorted(data["focus_areas"]),
        categories=sorted(data["categories"]),
    )
    return redirect("statutory-detail", pk=doc.pk)


# --- a lägesbild ------------------------------------------------------------------------------------


def _sections(doc: Lagesbild) -> list[Section]:
    by_kind = {s.kind: s for s in doc.sections.all()}
    return [by_kind[k] for k in ORDER if k in by_kind]


def _context(doc: Lagesbild) -> dict[str, Any]:
    data = doc.figures
    return {
        "doc": doc,
        "sections": _sections(doc),
        "problems": list(doc.problems.all()),
        "fig": data,
        "lb": data.get("lagesbild", {}),
        "times": figures.time_pattern(data.get("lagesbild", {})),
        "map_uri": maps.data_uri(maps.draw(doc)),
        "followups": followups.with_maps(data.get("followups", [])),
        "secret": any(s.secret for s in doc.sections.all()),
    }


@require_safe
@login_required
@permission_required("statutory.view_lagesbild", raise_exception=True)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _doc(pk)
    others = Lagesbild.objects.filter(municipality=doc.municipality).exclude(pk=doc.pk)
    return render(
        request,
        "statutory/detail.html",
        {
            **_context(doc),
            "problem_form": ProblemForm(),
            "adopt_form": AdoptForm(),
            "comment_form": CommentForm(),
            "comments": doc.comments.select_related("by"),
            "revisions": doc.revisions.select_related("by")[:50],
            "others": others,
            "plans": doc.plans.all(),
            "can_edit": request.user.has_perm("statutory.change_lagesbild") and doc.editable,
            "can_adopt": request.user.has_perm("statutory.adopt_lagesbild") and doc.editable,
        },
    )


@require_safe
@login_required
@permission_required("statutory.view_lagesbild", raise_exception=True)
def figures_json(request: HttpRequest, pk: int) -> JsonResponse:
    """The frozen figures as they were made (what the document, its DOCX and its PDF show)."""
    doc = _doc(pk)
    return JsonResponse({"id": doc.pk, "status": doc.status, "figures": doc.figures})


@require_safe
@login_required
@permission_required("statutory.view_lagesbild", raise_exception=True)
def compare(request: HttpRequest, pk: int, other: int) -> HttpResponse:
    a, b = _doc(pk), _doc(other)
    rows = figures.compare(a.figures, b.figures)
    if request.GET.get("format") == "json":
        return JsonResponse({"a": a.pk, "b": b.pk, "rows": rows})
    return render(request, "statutory/compare.html", {"a": a, "b": b, "rows": rows})


@require_POST
@login_required
@permission_required("statutory.change_lagesbild", raise_exception=True)
def write_section(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    doc = _doc(pk)
    section = get_object_or_404(Section, lagesbild=doc, kind=kind)
    form = SectionForm(request.POST)
    if not form.is_valid():
        return _form_error(request, form)
    try:
        services.write_section(
            _user(request), section, form.cleaned_data["text"], form.cleaned_data["secret"]
        )
    except ValidationError as e:
        return _invalid(request, e)
    return redirect(reverse("statutory-detail", args=[doc.pk]) + f"#avsnitt-{kind}")


@require_POST
@login_required
@permission_required("statutory.change_lagesbild", raise_exception=True)
def write_problem(request: HttpRequest, pk: int, problem_id: int | None = None) -> HttpResponse:
    doc = _doc(pk)
    problem = (
        get_object_or_404(Problem, lagesbild=doc, pk=problem_id)
        if problem_id
        else Problem(lagesbild=doc)
    )
    form = ProblemForm(request.POST, instance=Problem(lagesbild=doc))
    if not form.is_valid():
        return _form_error(request, form)
    try:
        services.write_problem(_user(request), problem, **form.cleaned_data)
    except ValidationError as e:
        return _invalid(request, e)
    return redirect(reverse("statutory-detail", args=[doc.pk]) + "#analys")


@require_POST
@login_required
@permission_required("statutory.adopt_lagesbild", raise_exception=True)
def adopt(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _doc(pk)
    form = AdoptForm(request.POST)
    if not form.is_valid():
        return _form_error(request, form)
    try:
        services.adopt(doc, **form.cleaned_data)
    except ValidationError as e:
        return _invalid(request, e)
    return redirect("statutory-detail", pk=doc.pk)


@require_POST
@login_required
@permission_required("statutory.add_lagesbild", raise_exception=True)
def new_version(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _doc(pk)
    form = LagesbildForm(request.POST, municipality=doc.municipality)
    changes: dict[str, Any] = {}
    if request.POST.get("date_from") or request.POST.get("date_to"):
        form.is_valid()
        for name in ("date_from", "date_to"):
            if name in form.errors:
                return _form_error(request, form)
            if form.cleaned_data.get(name):
                changes[name] = form.cleaned_data[name]
    new = services.new_version(_user(request), doc, **changes)
    return redirect("statutory-detail", pk=new.pk)


@require_POST
@login_required
@permission_required("statutory.add_comment", raise_exception=True)
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _doc(pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _form_error(request, form)
    Comment.objects.create(lagesbild=doc, text=form.cleaned_data["text"], by=_user(request))
    return redirect(reverse("statutory-detail", args=[doc.pk]) + "#kommentarer")


# --- exports of a lägesbild -----------------------------------------------------------------------


@require_safe
@login_required
@permission_required("statutory.view_lagesbild", raise_exception=True)
def print_page(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _doc(pk)
    return render(request, "statutory/print.html", _context(doc))


def _pdf(
    request: HttpRequest, path: str, filename: str, *, title: str, landscape: bool = False
) -> HttpResponse:
    try:
        pdf = render_pdf(
            path, user=_user(request), paper="A4", landscape=landscape, ready_selector=""
        )
        pdf = pdfa.to_pdfa(pdf, title=title)
    except (PdfError, pdfa.PdfAError) as e:
        return error_response(request, 503, str(e), template=TEMPLATE_ERROR)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@login_required
@permission_required("statutory.view_lagesbild", raise_exception=True)
def export_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _doc(pk)
    return _pdf(
        request,
        reverse("statutory-print", args=[doc.pk]),
        f"lagesbild-{doc.pk}.pdf",
        title=doc.title,
    )


def _docx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=docx_export.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@login_required
@permission_required("statutory.view_lagesbild", raise_exception=True)
def export_docx(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _doc(pk)
    return _docx_response(docx_export.lagesbild_docx(doc), f"lagesbild-{doc.pk}.docx")


# --- åtgärdsplaner --------------------------------------------------------------------------------


@require_POST
@login_required
@permission_required("statutory.add_atgardsplan", raise_exception=True)
def plan_create(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _doc(pk)
    if doc.status != Status.ADOPTED:
        return error_response(
            request,
            400,
            "lagesbild: en åtgärdsplan görs från en fastställd lägesbild",
            fields={"lagesbild": ["inte fastställd"]},
            template=TEMPLATE_ERROR,
        )
    form = PlanForm(request.POST)
    if not form.is_valid():
        return _form_error(request, form)
    plan = Atgardsplan.objects.create(
        municipality=doc.municipality,
        lagesbild=doc,
        title=form.cleaned_data["title"],
        created_by=_user(request),
    )
    return redirect("statutory-plan", plan_id=plan.pk)


def _rows(plan: Atgardsplan, request: HttpRequest | None = None) -> list[dict[str, Any]]:
    """The rows with their mål; with ``request``, also their effect follow-ups for that reader."""
    out = []
    rows = plan.rows.select_related(
        "problem", "office", "indicator_category", "indicator_area", "plan__lagesbild__district"
    ).prefetch_related("actions")
    for row in rows:
        out.append(
            {
                "row": row,
                "indicator": indicators.describe(row),
                "baseline": indicators.baseline(row),
                "current": indicators.current(row),
                "actions": list(row.actions.all()),
                "evaluations": followups.live(followups.of_row(row), request) if request else [],
            }
        )
    return out


def _plan_context(plan: Atgardsplan, request: HttpRequest | None = None) -> dict[str, Any]:
    return {
        "plan": plan,
        "doc": plan.lagesbild,
        "rows": _rows(plan, request),
        "secret": plan.lagesbild.sections.filter(secret=True).exists(),
    }


@require_safe
@login_required
@permission_required("statutory.view_atgardsplan", raise_exception=True)
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    return render(
        request,
        "statutory/plan.html",
        {
            **_plan_context(plan, request),
            "row_form": PlanRowForm(plan=plan),
            "adopt_form": AdoptForm(),
            "comment_form": CommentForm(),
            "comments": plan.comments.select_related("by"),
            "can_edit": request.user.has_perm("statutory.change_atgardsplan") and plan.editable,
            "can_adopt": request.user.has_perm("statutory.adopt_lagesbild") and plan.editable,
            "my_offices": set(
                OfficeStaff.objects.filter(
                    user=_user(request), office__municipality=plan.municipality
                ).values_list("office_id", flat=True)
            )
            if plan.status == Status.ADOPTED
            else set(),
            "status_form": RowStatusForm(),
        },
    )


@require_safe
@login_required
@permission_required("statutory.view_atgardsplan", raise_exception=True)
def plan_json(request: HttpRequest, plan_id: int) -> JsonResponse:
    """Each row's operativt mål: baseline (frozen) and current value (live, non-sensitive data)."""
    plan = _plan(plan_id)
    return JsonResponse(
        {
            "id": plan.pk,
            "status": plan.status,
            "rows": [
                {
                    "id": r["row"].pk,
                    "indicator": r["indicator"],
                    "baseline": r["baseline"].as_json(),
                    "current": r["current"].as_json(),
                    "target": r["row"].target,
                }
                for r in _rows(plan)
            ],
        }
    )


@require_POST
@login_required
@permission_required("statutory.change_atgardsplan", raise_exception=True)
def plan_row(request: HttpRequest, plan_id: int, row_id: int | None = None) -> HttpResponse:
    plan = _plan(plan_id)
    if not plan.editable:
        # An adopted plan is followed up by the responsible offices (row_status), not edited.
        return error_response(
            request,
            400,
            "status: planen är fastställd; ansvarigt kontor uppdaterar radens status",
            fields={"status": ["fastställd"]},
            template=TEMPLATE_ERROR,
        )
    row = get_object_or_404(PlanRow, plan=plan, pk=row_id) if row_id else PlanRow(plan=plan)
    form = PlanRowForm(request.POST, instance=row, plan=plan)
    if not form.is_valid():
        return _form_error(request, form)
    with transaction.atomic():
        form.save()
    return redirect(reverse("statutory-plan", args=[plan.pk]) + f"#rad-{form.instance.pk}")


@require_POST
@login_required
def row_status(request: HttpRequest, plan_id: int, row_id: int) -> HttpResponse:
    """The responsible office's staff update a row of an adopted plan: its light and a short note
    (decision 0805). Another municipality's plan or row is not found; anyone else is refused."""
    plan = _plan(plan_id)
    row = get_object_or_404(PlanRow.objects.select_related("plan__lagesbild"), plan=plan, pk=row_id)
    if not services.works_at(_user(request), row.office_id):
        raise PermissionDenied("endast ansvarigt kontors medarbetare uppdaterar raden")
    form = RowStatusForm(request.POST)
    if not form.is_valid():
        return _form_error(request, form)
    try:
        services.update_row_status(
            _user(request), row, form.cleaned_data["light"], form.cleaned_data["status_note"]
        )
    except ValidationError as e:
        return _invalid(request, e)
    return redirect(reverse("statutory-plan", args=[plan.pk]) + f"#rad-{row.pk}")


@require_POST
@login_required
@permission_required("statutory.adopt_lagesbild", raise_exception=True)
def plan_adopt(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    form = AdoptForm(request.POST)
    if not form.is_valid():
        return _form_error(request, form)
    try:
        services.adopt(plan, **form.cleaned_data)
    except ValidationError as e:
        return _invalid(request, e)
    return redirect("statutory-plan", plan_id=plan.pk)


@require_POST
@login_required
@permission_required("statutory.add_comment", raise_exception=True)
def plan_comment(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _form_error(request, form)
    Comment.objects.create(plan=plan, text=form.cleaned_data["text"], by=_user(request))
    return redirect(reverse("statutory-plan", args=[plan.pk]) + "#kommentarer")


@require_safe
@login_required
@permission_required("statutory.view_atgardsplan", raise_exception=True)
def plan_print(request: HttpRequest, plan_id: int) -> HttpResponse:
    return render(request, "statutory/plan_print.html", _plan_context(_plan(plan_id), request))


@require_safe
@login_required
@permission_required("statutory.view_atgardsplan", raise_exception=True)
def plan_pdf(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    return _pdf(
        request,
        reverse("statutory-plan-print", args=[plan.pk]),
        f"atgardsplan-{plan.pk}.pdf",
        title=plan.title,
        landscape=True,
    )


@require_safe
@login_required
@permission_required("statutory.view_atgardsplan", raise_exception=True)
def plan_docx(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    return _docx_response(
        docx_export.plan_docx(plan, request=request), f"atgardsplan-{plan.pk}.docx"
    )
