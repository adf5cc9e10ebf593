"""Effect follow-ups (``followup``) in the statutory documents: the åtgärdsplan's uppföljning column and
the kept lägesbild's section "Uppföljning av åtgärder" (issue 16; decisions 0706–0709).

The dependency runs one way: statutory reads followup, followup knows nothing of statutory. The
figures and their Swedish wording are followup's own (``followup.services.result_of`` counts for the
reader, ``followup.present.as_dict`` words the verdict); this module only picks the lines a table
cell or a document section has room for.

- A plan row's evaluations are the ones linked to it plus those of its linked actions (decision 0706).
  They are computed live for the reader: sensitive incidents count only for a user who may see them
  as points, and the text says which (``sensitive_text``).
- A lägesbild freezes the evaluations finished when it is made, computed for its audience (no
  sensitive incidents, like every other frozen figure, decision 0800), with the three areas'
  outlines so its small map can be drawn later from the frozen JSON alone (decision 0707).
"""

from __future__ import annotations

import io
from datetime import date
from typing import TYPE_CHECKING, Any

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw

from followup import present, services
from followup.counting import AREA_NAMES
from followup.models import Evaluation
from geo import effect
from layers import audit
from layers.models import AuditEvent

if TYPE_CHECKING:
    from statutory.models import Lagesbild, PlanRow

# The three areas on the small map: fill (the page's colour over white at its opacity) and outline,
# the colours of the evaluation's own map (followup/static/followup/followup.js, decision 0705).
AREA_STYLE = {
    "target": ((199, 211, 226), (29, 78, 137)),
    "buffer": ((253, 240, 224), (209, 125, 0)),
    "comparison": ((203, 223, 204), (46, 125, 50)),
}
MAP_WIDTH = 600
MAP_MARGIN = 12
SIMPLIFY_M = 5.0


def of_row(row: PlanRow) -> list[Evaluation]:
    """The row's evaluations: linked directly, or through one of its linked actions; each once."""
    return list(
        Evaluation.objects.filter(municipality=row.plan.municipality)
        .filter(Q(pk__in=row.evaluations.values("pk")) | Q(action__in=row.actions.values("pk")))
        .select_related("action")
        .distinct()
        .order_by("start_date", "pk")
    )


def summary(data: dict[str, Any]) -> dict[str, Any]:
    """The lines a table cell or a document section shows, from ``followup.present.as_dict``."""
    out: dict[str, Any] = {
        "complete": data["complete"],
        "verdict": data["verdict"],
        "verdict_text": data["verdict_text"],
        "periods": f"{data['periods']['before']['label']} / {data['periods']['after']['label']}",
        "sensitive_included": data["sensitive_included"],
        "sensitive_text": data["sensitive_text"],
        "areas": [
            {
                "area": a["area"],
                "label": a["label"],
                "before": a["before"],
                "after": a["after"],
                "change_text": a["change_text"],
            }
            for a in data["areas"]
        ],
        "res_text": "",
        "wdd": [],
        "reading": "",
    }
    if not data["complete"]:
        return out
    res = data.get("relative_effect") or {}
    out["res_text"] = res.get("text") or res.get("undefined") or ""
    wdd = data.get("wdd") or {}
    # The labels of the evaluation page (followup/detail.html), the same msgids.
    labels = {
        "local": _("WDD i åtgärdsområdet"),
        "displacement": _("WDD i bufferten"),
        "total": _("WDD totalt"),
    }
    out["wdd"] = [
        {"label": labels[name], "text": wdd[name]["text"]}
        for name in ("local", "displacement", "total")
        if wdd.get(name)
    ]
    displacement = data.get("displacement") or {}
    out["reading"] = displacement.get("reading", "")
    return out


def live(
    evaluations: list[Evaluation], request: HttpRequest, *, today: date | None = None
) -> list[dict[str, Any]]:
    """Each evaluation computed for the reader now; an analyst's read that counted sensitive
    incidents is written to the audit log as on the evaluation's own page (decision 0521)."""
    out = []
    for evaluation in evaluations:
        result = services.result_of(evaluation, request.user, today=today)
        if result.sensitive_included and result.monthly.sensitive:
            audit.record(
                AuditEvent.Action.READ_SENSITIVE,
                request=request,
                channel="page",
                object_type="evaluation",
                count=result.monthly.sensitive,
                detail={"evaluation": evaluation.pk, "via": "atgardsplan"},
            )
        out.append(
            {
                "id": evaluation.pk,
                "title": evaluation.title,
                "url": reverse("followup:detail", args=[evaluation.pk]),
                **summary(present.as_dict(result)),
            }
        )
    return out


# --- the kept lägesbild ---------------------------------------------------------------------------


def _rings(geometry: GEOSGeometry | None) -> list[list[list[list[int]]]]:
    """Polygons as lists of rings (exterior first) of whole metres in SWEREF 99 TM."""
    if geometry is None or geometry.empty:
        return []
    simple = geometry.simplify(SIMPLIFY_M, preserve_topology=True)
    polygons = list(simple) if isinstance(simple, MultiPolygon) else [simple]
    return [
        [[[round(x), round(y)] for x, y, *_z in ring.coords] for ring in p]
        for p in polygons
        if isinstance(p, Polygon)
    ]


def finished(doc: Lagesbild, today: date) -> list[Evaluation]:
    """The municipality's evaluations (the district's: target area inside it or touching it) whose
    after period has ended by ``today``."""
    qs = Evaluation.objects.filter(municipality=doc.municipality).select_related("action")
    if doc.district is not None:
        qs = qs.filter(target_area__intersects=doc.district.area)
    out = []
    for evaluation in qs.order_by("start_date", "pk"):
        periods = effect.aligned_periods(
            evaluation.start_date, months=evaluation.months, gap_months=evaluation.gap_months
        )
        if periods.complete_on(today):
            out.append(evaluation)
    return out


def freeze(doc: Lagesbild, audience: Any, *, today: date | None = None) -> list[dict[str, Any]]:
    """The finished evaluations as the document's audience sees them (no sensitive incidents), with
    their areas' outlines for the map; stored once with the document's other figures."""
    today = today or timezone.localdate()
    out = []
    for evaluation in finished(doc, today):
        data = present.as_dict(services.result_of(evaluation, audience, today=today))
        out.append(
            {
                "id": evaluation.pk,
                "title": evaluation.title,
                "action": evaluation.action.title if evaluation.action else "",
                "start_date": evaluation.start_date.isoformat(),
                **summary(data),
                "outlines": {
                    "target": _rings(evaluation.target_area),
                    "buffer": _rings(evaluation.buffer_area),
                    "comparison": _rings(evaluation.comparison_area),
                },
            }
        )
    return out


def draw(entry: dict[str, Any]) -> bytes | None:
    """The three areas of one frozen follow-up as a small PNG (north up), from its frozen outlines."""
    outlines: dict[str, Any] = entry.get("outlines") or {}
    points = [
        pt
        for name in AREA_NAMES
        for polygon in outlines.get(name, [])
        for ring in polygon
        for pt in ring
    ]
    if not points:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    scale = (MAP_WIDTH - 2 * MAP_MARGIN) / max(x1 - x0, y1 - y0, 1.0)
    width = int((x1 - x0) * scale) + 2 * MAP_MARGIN
    height = int((y1 - y0) * scale) + 2 * MAP_MARGIN

    def px(x: float, y: float) -> tuple[float, float]:
        return MAP_MARGIN + (x - x0) * scale, height - MAP_MARGIN - (y - y0) * scale

    image = Image.new("RGB", (width, height), (255, 255, 255))
    pen = ImageDraw.Draw(image)
    # The buffer first: the target lies in its hole and is drawn over it.
    for name in ("buffer", "target", "comparison"):
        fill, line = AREA_STYLE[name]
        for polygon in outlines.get(name, []):
            exterior, holes = polygon[0], polygon[1:]
            pen.polygon([px(x, y) for x, y in exterior], fill=fill, outline=line, width=2)
            for hole in holes:
                pen.polygon([px(x, y) for x, y in hole], fill=(255, 255, 255), outline=line)
    if outlines.get("target"):
        # The target again, so its edge shows over the buffer ring's inner edge.
        fill, line = AREA_STYLE["target"]
        for polygon in outlines["target"]:
            pen.polygon([px(x, y) for x, y in polygon[0]], fill=fill, outline=line, width=2)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def with_maps(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The frozen entries with each one's map as a data URI (the page and the print)."""
    from statutory.maps import data_uri

    return [{**e, "map_uri": data_uri(draw(e))} for e in entries]
