"""Generated EST reports for the demo: two outside reporters (a housing company and a security firm) who
have reported for the last twelve weeks, most of it in a few NYKO areas, so the weekly, monthly and tertial
lägesbild has something to rank. Each report goes through ``est.services.record_report`` (with its
action); a UUID derived from its number makes a second run store nothing twice."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point

from est import services
from est.models import EventType, Reporter
from geo.crs import STORAGE_SRID, WEB_SRID, transform_xy
from layers.models import Municipality, StatisticalArea

STOCKHOLM = ZoneInfo("Europe/Stockholm")
WEEKS = 12
# username -> (organisation, kind)
REPORTERS: dict[str, tuple[str, str]] = {
    "vasbyhem": ("AB Väsbyhem", Reporter.Kind.HOUSING_COMPANY),
    "securitas": ("Securitas (bevakning på uppdrag av kommunen)", Reporter.Kind.SECURITY_FIRM),
}
# Where the demo's reports are: NYKO codes and their share (the rest anywhere in the municipality).
PLACES = {"241000": 0.35, "333000": 0.2, "111000": 0.15}
TYPES = {
    EventType.LITTER: 0.2,
    EventType.GRAFFITI: 0.18,
    EventType.VANDALISM: 0.15,
    EventType.GATHERING: 0.14,
    EventType.RECKLESS_DRIVING: 0.1,
    EventType.UNSAFE_PLACE: 0.08,
    EventType.FIRE: 0.05,
    EventType.SOCIAL_MEDIA: 0.05,
    EventType.DRUGS: 0.05,
}
_NAMESPACE = uuid.UUID("6f1c2b1e-5a0e-4c65-9d5e-0e57c0de0114")


def ensure_reporters() -> list[User]:
    """The demo users of role est_rapportor get their organisation."""
    users = []
    for username, (organisation, kind) in REPORTERS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        Reporter.objects.update_or_create(
            user=user, defaults={"organisation": organisation, "kind": kind}
        )
        users.append(user)
    return users


def load_reports(municipality: Municipality, today: date, *, seed: int = 114) -> int:
    """About 15 reports a week for ``WEEKS`` weeks before ``today``; returns how many there are."""
    reporters = ensure_reporters()
    if not reporters:
        return 0
    rng = np.random.default_rng(seed)
    areas = list(StatisticalArea.objects.filter(municipality=municipality).order_by("code"))
    by_code = {a.code: a for a in areas}
    codes = [c for c in PLACES if c in by_code]
    n = 15 * WEEKS
    types = list(TYPES)
    type_p = np.array(list(TYPES.values())) / sum(TYPES.values())
    count = 0
    for i in range(n):
        hot = rng.random() < sum(PLACES[c] for c in codes)
        if hot and codes:
            weights = np.array([PLACES[c] for c in codes])
            area = by_code[codes[int(rng.choice(len(codes), p=weights / weights.sum()))]]
        else:
            area = areas[int(rng.integers(len(areas)))]
        p = area.area.point_on_surface
        # a few hundred metres around the area's inner point, kept inside the area
        for _try in range(10):
            x, y = p.x + rng.normal(0, 120), p.y + rng.normal(0, 120)
            if area.area.contains(Point(x, y, srid=STORAGE_SRID)):
                break
        else:
            x, y = p.x, p.y
        lon, lat = transform_xy(x, y, from_srid=STORAGE_SRID, to_srid=WEB_SRID)
        day = today - timedelta(days=int(rng.integers(1, WEEKS * 7 + 1)))
        hour = int(rng.choice([16, 18, 20, 21, 22, 23, 1]))
        when = datetime.combine(day, time(hour, int(rng.integers(0, 60))), tzinfo=STOCKHOLM)
        event_type = types[int(rng.choice(len(types), p=type_p))]
        reporter = reporters[i % len(reporters)]
        try:
            services.record_report(
                municipality,
                reporter=reporter,
                client_uuid=uuid.uuid5(_NAMESPACE, f"est-demo-{i}"),
                event_type=event_type,
                lon=round(float(lon), 7),
                lat=round(float(lat), 7),
                occurred_at=when,
                note="",
                generated=True,
            )
        except services.ReportConflict:
            pass  # loaded on an earlier day: that day's report is kept
        count += 1
    return count
