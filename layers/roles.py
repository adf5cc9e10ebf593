"""The roles of Trygg and the one decision about sensitive incidents.

Roles are Django groups, created after every migrate (``ensure_roles``). Each channel (page, JSON API,
OGC API, tiles, exports, admin) asks ``can_view_sensitive`` and nothing else, so the answer is the
same everywhere (docs/security.md).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.db.models import Q

SENSITIVE_PERMISSION = "layers.view_sensitive_incident"
# Changing whether a category or focus area is sensitive: administrators only (layers/sensitivity.py).
SENSITIVITY_PERMISSION = "layers.change_sensitivity"
# Importing incidents, and undoing an import, needs both (analysts and administrators).
IMPORT_PERMISSIONS = ("layers.add_incident", "layers.add_importbatch")

AnyUser = User | AnonymousUser


class Role:
    PLANNER = "planerare"
    FIELD_STAFF = "faltpersonal"
    BRA_MEMBER = "bra_ledamot"
    ANALYST = "analytiker"
    ADMIN = "administrator"
    COORDINATOR = "samordnare"  # the coordination function of Lag (2023:196) (statutory app)
    # A trained EST reporter (municipal staff, or a housing company, security firm or association):
    # reports events and sees only their own reports (est app, docs/decisions/0830).
    EST_REPORTER = "est_rapportor"


ROLE_LABELS: dict[str, str] = {
    Role.PLANNER: "Planerare",
    Role.FIELD_STAFF: "Fältpersonal",
    Role.BRA_MEMBER: "BRÅ-ledamot",
    Role.ANALYST: "Analytiker (får se känsliga händelser)",
    Role.ADMIN: "Administratör",
    Role.COORDINATOR: "Samordnare (lägesbild och åtgärdsplan)",
    Role.EST_REPORTER: "EST-rapportör (ser bara sina egna rapporter)",
}

_READ_APPS = ("layers", "surveys")
# Roles that get no "view" permission on layers and surveys: they read nothing but what is theirs.
_NO_READ_ROLES = frozenset({Role.EST_REPORTER})
# The EST lägesbild (weekly, monthly, tertial ranking of areas) and its export to the police.
EST_LAGESBILD_PERMISSION = "est.view_est_lagesbild"

# (app_label, codename) per role, beyond "view" on every model of layers and surveys.
_ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    Role.PLANNER: [
        ("layers", "add_detaljplan"),
        ("layers", "change_detaljplan"),
        ("layers", "add_planzone"),
        ("layers", "change_planzone"),
        ("layers", "delete_planzone"),
        ("layers", "add_regulationarea"),
        ("layers", "change_regulationarea"),
        ("layers", "delete_regulationarea"),
        ("layers", "add_contextlayer"),
        ("layers", "add_contextfeature"),
        ("layers", "add_planassessment"),
        ("layers", "add_planfeature"),
        ("layers", "change_planfeature"),
        ("layers", "delete_planfeature"),
        ("layers", "add_riskcalibration"),
        ("layers", "add_scoringweights"),
        ("layers", "change_scoringweights"),
        ("surveys", "add_action"),  # a plan review's measure as an action (issue 15)
        ("surveys", "change_action"),
    ],
    Role.FIELD_STAFF: [
        ("surveys", "add_trygghetsvandring"),
        ("surveys", "change_trygghetsvandring"),
        ("surveys", "add_walkparticipants"),
        ("surveys", "change_walkparticipants"),
        ("surveys", "add_observation"),
        ("surveys", "add_observationphoto"),
        ("surveys", "add_action"),
        ("surveys", "change_action"),
    ],
    Role.BRA_MEMBER: [
        ("statutory", "view_lagesbild"),
        ("statutory", "view_atgardsplan"),
        ("statutory", "add_comment"),
        ("est", "view_est_lagesbild"),
    ],
    # Sees what BRÅ members see (no sensitive points) and makes, writes and adopts the documents.
    Role.COORDINATOR: [
        ("statutory", "view_lagesbild"),
        ("statutory", "add_lagesbild"),
        ("statutory", "change_lagesbild"),
        ("statutory", "adopt_lagesbild"),
        ("statutory", "view_atgardsplan"),
        ("statutory", "add_atgardsplan"),
        ("statutory", "change_atgardsplan"),
        ("statutory", "add_comment"),
        ("statutory", "view_population"),
        ("statutory", "add_population"),
        ("est", "view_est_lagesbild"),
    ],
    Role.ANALYST: [
        ("est", "view_est_lagesbild"),
        ("layers", "view_sensitive_incident"),
        ("layers", "add_incident"),
        ("layers", "add_importbatch"),
        ("layers", "change_importbatch"),
        ("layers", "add_incidentcategory"),
        ("layers", "change_incidentcategory"),
        ("layers", "add_planassessment"),
        ("layers", "add_riskcalibration"),
        ("layers", "add_importprofile"),
        ("layers", "change_importprofile"),
        ("layers", "delete_importprofile"),
    ],
    Role.ADMIN: [],  # administrators are staff and get every permission (see ensure_roles)
    Role.EST_REPORTER: [("est", "add_estreport")],
}


# Seen only by administrators: who read what (the audit log) and which tablets hold keys; and the
# sensitive-incident permission, which only analysts are given on top.
ADMIN_ONLY_VIEWS = ("view_sensitive_incident", "view_auditevent", "view_devicetoken")


def ensure_roles(**_: Any) -> None:
    """Create or update the role groups; safe to run any number of times (a post_migrate handler)."""
    read = Permission.objects.filter(
        content_type__app_label__in=_READ_APPS, codename__startswith="view_"
    )
    for role in _ROLE_PERMISSIONS:
        group, _created = Group.objects.get_or_create(name=role)
        if role == Role.ADMIN:
            group.permissions.set(Permission.objects.all())
            continue
        extra = Q()
        for app_label, codename in _ROLE_PERMISSIONS[role]:
            extra |= Q(content_type__app_label=app_label, codename=codename)
        wanted = read.exclude(codename__in=ADMIN_ONLY_VIEWS)
        if role in _NO_READ_ROLES:
            wanted = wanted.none()
        if _ROLE_PERMISSIONS[role]:
            wanted = wanted | Permission.objects.filter(extra)
        group.permissions.set(wanted.distinct())


def can_view_sensitive(user: AnyUser) -> bool:
    """True when ``user`` may see sensitive incidents as points (analysts and administrators)."""
    return bool(user.is_active and user.has_perm(SENSITIVE_PERMISSION))


def can_change_sensitivity(user: AnyUser) -> bool:
    """True when ``user`` may change what is sensitive (administrators; analysts may not)."""
    return bool(user.is_active and user.has_perm(SENSITIVITY_PERMISSION))


def can_import(user: AnyUser) -> bool:
    """True when ``user`` may import incidents and undo imports (analysts and administrators)."""
    return bool(user.is_active and user.has_perms(IMPORT_PERMISSIONS))


def needs_second_factor(user: AnyUser) -> bool:
    """Staff, superusers and everyone who may see sensitive incidents must prove a second factor (TOTP).

    Asks the same permission as every channel (``can_view_sensitive``), so the rule cannot drift from the
    permission it protects. Channels without a session (HTTP Basic for QGIS and GDAL) cannot carry a
    second factor, so they refuse these users (layers/ogc/auth.py).
    """
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser or user.is_staff or can_view_sensitive(user))
