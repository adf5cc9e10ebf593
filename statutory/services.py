"""What a samordnare does to the documents: create, write, adopt, make a new version.

Every change of a text is written as a ``TextRevision`` (who, when, the text after the change). An
adopted document cannot be changed; a new version starts from its texts and gets fresh figures, and
replaces it when the new one is adopted.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from statutory import figures
from statutory.models import (
    CAUSE_FIELDS,
    ORDER,
    Atgardsplan,
    Lagesbild,
    PlanRow,
    Problem,
    Section,
    Status,
    TextRevision,
)


@transaction.atomic
def create_lagesbild(user: User, **fields: Any) -> Lagesbild:
    """A new draft with its four sections and its figures frozen now."""
    doc = Lagesbild.objects.create(created_by=user, **fields)
    for kind in ORDER:
        Section.objects.create(lagesbild=doc, kind=kind)
    return figures.make(doc)


def _check_editable(doc: Lagesbild | Atgardsplan) -> None:
    if not doc.editable:
        raise ValidationError({"status": "dokumentet är fastställt och kan inte ändras"})


@transaction.atomic
def write_section(user: User, section: Section, text: str, secret: bool) -> Section:
    _check_editable(section.lagesbild)
    if text != section.text:
        TextRevision.objects.create(
            lagesbild=section.lagesbild, what=f"section:{section.kind}", text=text, by=user
        )
    section.text, section.secret = text, secret
    section.save(update_fields=["text", "secret"])
    return section


@transaction.atomic
def write_problem(user: User, problem: Problem, **texts: str) -> Problem:
    _check_editable(problem.lagesbild)
    is_new = problem.pk is None
    old = {} if is_new else {f: getattr(problem, f) for f in ("title", *CAUSE_FIELDS)}
    for name, value in texts.items():
        setattr(problem, name, value)
    problem.save()
    for name in ("title", *CAUSE_FIELDS):
        value = getattr(problem, name)
        if (is_new and value) or (not is_new and value != old.get(name)):
            TextRevision.objects.create(
                lagesbild=problem.lagesbild,
                what=f"problem:{problem.pk}:{name}",
                text=value,
                by=user,
            )
    return problem


@transaction.atomic
def adopt(
    doc: Lagesbild | Atgardsplan, *, decided_by: str, decided_on: date, diarienummer: str
) -> None:
    """Fastställ: record the decision; the document it replaces (if any) becomes ``ersatt``."""
    _check_editable(doc)
    if isinstance(doc, Atgardsplan) and doc.lagesbild.status != Status.ADOPTED:
        raise ValidationError({"lagesbild": "planens lägesbild är inte fastställd"})
    if isinstance(doc, Atgardsplan) and not doc.rows.exists():
        raise ValidationError({"rows": "planen har inga rader"})
    if not decided_by.strip():
        raise ValidationError({"decided_by": "ange beslutande organ"})
    doc.status = Status.ADOPTED
    doc.decided_by, doc.decided_on, doc.diarienummer = decided_by.strip(), decided_on, diarienummer
    doc.save(update_fields=["status", "decided_by", "decided_on", "diarienummer"])
    if isinstance(doc, Lagesbild) and doc.replaces_id:
        Lagesbild.objects.filter(pk=doc.replaces_id, status=Status.ADOPTED).update(
            status=Status.REPLACED
        )
    if isinstance(doc, Atgardsplan):
        Atgardsplan.objects.filter(
            municipality=doc.municipality,
            lagesbild__district=doc.lagesbild.district,
            status=Status.ADOPTED,
        ).exclude(pk=doc.pk).update(status=Status.REPLACED)


@transaction.atomic
def new_version(user: User, doc: Lagesbild, **changes: Any) -> Lagesbild:
    """A new draft of ``doc``: the same area, filter and texts, the period as given, fresh figures."""
    fields: dict[str, Any] = {
        "municipality": doc.municipality,
        "title": doc.title,
        "district": doc.district,
        "date_from": doc.date_from,
        "date_to": doc.date_to,
        "compare": doc.compare,
        "focus_areas": doc.focus_areas,
        "categories": doc.categories,
        "review_by": None,
        "replaces": doc,
        **changes,
    }
    new = Lagesbild.objects.create(created_by=user, **fields)
    for section in doc.sections.all():
        Section.objects.create(
            lagesbild=new, kind=section.kind, text=section.text, secret=section.secret
        )
    for problem in doc.problems.all():
        Problem.objects.create(
            lagesbild=new,
            title=problem.title,
            **{f: getattr(problem, f) for f in CAUSE_FIELDS},
        )
    return figures.make(new)


def works_at(user: User, office_id: int) -> bool:
    """Whether ``user`` is staff of the office (``surveys.OfficeStaff``)."""
    from surveys.models import OfficeStaff

    return OfficeStaff.objects.filter(office_id=office_id, user=user).exists()


@transaction.atomic
def update_row_status(user: User, row: PlanRow, light: str, note: str) -> PlanRow:
    """The responsible office's follow-up of a row of an adopted plan: its light and a short note,
    nothing else (docs/decisions/0805). Kept as a text revision of the plan's lägesbild with who and
    when (``rad:<id>:status``, the text "<light>: <note>")."""
    if not works_at(user, row.office_id):
        raise PermissionDenied("endast ansvarigt kontors medarbetare uppdaterar raden")
    if row.plan.status != Status.ADOPTED:
        raise ValidationError({"status": "raden följs upp när planen är fastställd"})
    note = note.strip()
    if light == row.light and note == row.status_note:
        return row
    row.light, row.status_note = light, note
    row.save(update_fields=["light", "status_note"])
    TextRevision.objects.create(
        lagesbild=row.plan.lagesbild,
        what=f"rad:{row.pk}:status",
        text=f"{light}: {note}" if note else light,
        by=user,
    )
    return row
