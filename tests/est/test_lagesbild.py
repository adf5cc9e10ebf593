"""The EST lägesbild: the periods (week, month, tertial) before a meeting, and the ranking of NYKO areas by
weighted need with the small-count rule (docs/decisions/0832)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from est import lagesbild
from est.lagesbild import Certainty, Kind, period_after, period_before
from est.models import EventType
from tests.est.conftest import Town

STOCKHOLM = ZoneInfo("Europe/Stockholm")
D = datetime.date


@pytest.mark.parametrize(
    ("kind", "meeting", "start", "end"),
    [
        (Kind.WEEK, D(2026, 12, 7), D(2026, 11, 30), D(2026, 12, 7)),  # a Monday: the week before
        (Kind.WEEK, D(2026, 12, 10), D(2026, 11, 30), D(2026, 12, 7)),  # a Thursday: the same
        (Kind.MONTH, D(2026, 12, 7), D(2026, 11, 1), D(2026, 12, 1)),
        (Kind.MONTH, D(2026, 1, 1), D(2025, 12, 1), D(2026, 1, 1)),
        (Kind.TERTIAL, D(2026, 12, 7), D(2026, 5, 1), D(2026, 9, 1)),
        (Kind.TERTIAL, D(2026, 9, 1), D(2026, 5, 1), D(2026, 9, 1)),
        (Kind.TERTIAL, D(2026, 3, 15), D(2025, 9, 1), D(2026, 1, 1)),
    ],
)
def test_a_period_is_the_last_complete_one_before_the_meeting(
    kind: Kind, meeting: datetime.date, start: datetime.date, end: datetime.date
) -> None:
    period = period_before(kind, meeting)
    assert (period.start, period.end) == (start, end)
    assert period_after(period.previous()) == period


def test_period_labels_name_the_week_and_the_tertial() -> None:
    assert period_before(Kind.WEEK, D(2026, 12, 7)).label == "vecka 49 2026"
    assert period_before(Kind.TERTIAL, D(2026, 12, 7)).label.startswith("tertial 2 2026")


def _at(day: datetime.date, hour: int = 20) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=STOCKHOLM)


def test_areas_are_ranked_by_weighted_need_and_few_reports_are_not_ranked(town: Town) -> None:
    week = period_before(Kind.WEEK, D(2026, 12, 7))  # 30 Nov – 6 Dec
    day = week.start
    # Centrum (2002): 4 reports of litter and graffiti (need 4) by two reporters.
    for t in (EventType.LITTER, EventType.GRAFFITI, EventType.LITTER, EventType.GRAFFITI):
        town.report(town.housing, t, "2002", when=_at(day))
    town.report(town.guard, EventType.LITTER, "2002", when=_at(day + datetime.timedelta(days=1)))
    # Centrum öst (2003): 3 reports, fires and drugs (need 3+3+3 = 9) by one reporter.
    for t in (EventType.FIRE, EventType.DRUGS, EventType.FIRE):
        town.report(town.guard, t, "2003", when=_at(day + datetime.timedelta(days=2)))
    # Centrum väst (2001): two fires (need 6, but too few to rank).
    town.report(town.guard, EventType.FIRE, "2001", when=_at(day))
    town.report(town.housing, EventType.FIRE, "2001", when=_at(day))
    # Outside the week: on Monday the 7th (the next week) and on Sunday the 29th (the week before).
    town.report(town.guard, EventType.FIRE, "2002", when=_at(week.end, 0))
    town.report(town.guard, EventType.FIRE, "2002", when=_at(day - datetime.timedelta(days=1), 23))

    picture = lagesbild.build(town.municipality, week)

    rows = {r.key: r for r in picture.rows}
    assert [r.key for r in picture.ranked] == ["2003", "2002"]
    assert (rows["2003"].rank, rows["2003"].need, rows["2003"].total) == (1, 9, 3)
    assert (rows["2002"].rank, rows["2002"].need, rows["2002"].total) == (2, 5, 5)
    assert rows["2001"].rank is None and rows["2001"].need == 6
    assert rows["2001"].status == "För få rapporter för att rangordna"
    assert rows["2003"].certainty == Certainty.LOW  # one reporter alone
    assert rows["2002"].certainty == Certainty.MEDIUM
    assert rows["2001"].certainty == Certainty.LOW
    assert rows["2002"].previous == 1  # Sunday the 29th
    assert picture.total == 10
    assert (picture.reporters, picture.organisations) == (2, 2)
    assert [r.key for r in picture.rows] == ["2003", "2002", "2001"]


def test_an_area_without_reports_is_no_reports_not_calm(town: Town) -> None:
    week = period_before(Kind.WEEK, D(2026, 12, 7))
    picture = lagesbild.build(town.municipality, week)
    assert picture.total == 0
    assert picture.certainty == Certainty.LOW
    assert all(r.rank is None and r.total == 0 for r in picture.rows)
    assert all("betyder inte att det var lugnt" in r.status for r in picture.rows)


def test_many_reports_by_several_reporters_are_sure(town: Town) -> None:
    month = period_before(Kind.MONTH, D(2026, 12, 7))
    for i in range(10):
        who = town.housing if i % 2 else town.guard
        town.report(
            who, EventType.GATHERING, "2001", when=_at(month.start + datetime.timedelta(days=i))
        )
    picture = lagesbild.build(town.municipality, month)
    top = picture.ranked[0]
    assert (top.key, top.rank, top.need, top.certainty) == ("2001", 1, 20, Certainty.HIGH)
    assert picture.certainty == Certainty.HIGH
