"""Read the common forms of OpenStreetMap's ``opening_hours`` tag into a weekly schedule.

Handled: ``24/7``; rules separated by ``;`` or ``||``; day ranges and lists (``Mo-Fr``, ``Mo,We,Sa``,
``Fr-Mo``); several time spans (``10:00-14:00,16:00-22:00``); hours without minutes (``10-20``); spans past
midnight (``Fr-Sa 22:00-03:00`` spills into Saturday and Sunday morning); ``off``/``closed``; a rule
without days (``10:00-20:00`` means every day). Public and school holidays (``PH``, ``SH``), months,
weeks, ``sunrise``/``sunset`` and comments are skipped; a tag with nothing readable gives ``None``.
A later rule for a day replaces an earlier one, as the specification says.
"""

from __future__ import annotations

import re

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
MINUTES_PER_DAY = 24 * 60

# A schedule: for each day (0 = Monday) a list of [start, end) minute intervals within that day.
Schedule = list[list[tuple[int, int]]]

_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?$")
_SKIP_SELECTORS = re.compile(r"\b(PH|SH|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|week)\b")


def parse(spec: str) -> Schedule | None:
    """The weekly schedule of ``spec``, or ``None`` when nothing in it can be read.

    >>> s = parse("Mo-Fr 08:00-20:00; Sa 10:00-16:00")
    >>> s[0], s[5], s[6]
    ([(480, 1200)], [(600, 960)], [])
    >>> parse("Fr-Sa 22:00-03:00")[5]  # Saturday: Friday's night spills in, then its own evening
    [(0, 180), (1320, 1440)]
    >>> parse("24/7")[3]
    [(0, 1440)]
    >>> parse("by appointment") is None
    True
    """
    text = (spec or "").strip()
    if not text:
        return None
    if text == "24/7":
        return [[(0, MINUTES_PER_DAY)] for _ in DAYS]
    days: list[list[tuple[int, int]]] = [[] for _ in DAYS]
    spill: list[list[tuple[int, int]]] = [[] for _ in DAYS]
    read_any = False
    for raw_rule in re.split(r";|\|\|", text):
        rule = raw_rule.strip().strip('"')
        if not rule or _SKIP_SELECTORS.search(rule):
            continue
        parsed = _rule(rule)
        if parsed is None:
            continue
        read_any = True
        rule_days, spans = parsed
        for d in rule_days:
            days[d] = []  # a later rule replaces an earlier one for the same day
            spill[(d + 1) % 7] = []
            for start, end in spans:
                if end <= start:  # past midnight
                    days[d].append((start, MINUTES_PER_DAY))
                    if end > 0:
                        spill[(d + 1) % 7].append((0, end))
                else:
                    days[d].append((start, end))
    if not read_any:
        return None
    return [sorted(days[d] + spill[d]) for d in range(7)]


def _rule(rule: str) -> tuple[list[int], list[tuple[int, int]]] | None:
    parts = rule.split(None, 1)
    if _is_day_selector(parts[0]):
        day_part, rest = parts[0], (parts[1] if len(parts) > 1 else "")
        rule_days = _days(day_part)
    else:
        rule_days, rest = list(range(7)), rule
    if rule_days is None:
        return None
    rest = rest.strip()
    if rest in ("off", "closed"):
        return rule_days, []
    if not rest:
        return None
    spans: list[tuple[int, int]] = []
    for span in rest.split(","):
        span = span.strip()
        if span.endswith("+"):
            span = span[:-1]
        if "-" not in span:
            return None
        a, _, b = span.partition("-")
        start, end = _minutes(a.strip()), _minutes(b.strip())
        if start is None or end is None:
            return None
        spans.append((start, end % MINUTES_PER_DAY if end > MINUTES_PER_DAY else end))
    return rule_days, spans


def _is_day_selector(token: str) -> bool:
    return bool(re.fullmatch(r"(Mo|Tu|We|Th|Fr|Sa|Su)([-,](Mo|Tu|We|Th|Fr|Sa|Su))*", token))


def _days(selector: str) -> list[int] | None:
    out: list[int] = []
    for item in selector.split(","):
        if "-" in item:
            a, b = item.split("-", 1)
            i, j = DAYS.index(a), DAYS.index(b)
            out.extend((i + k) % 7 for k in range((j - i) % 7 + 1))
        else:
            out.append(DAYS.index(item))
    return sorted(set(out))


def _minutes(text: str) -> int | None:
    m = _TIME.match(text)
    if not m:
        return None
    hours, minutes = int(m.group(1)), int(m.group(2) or 0)
    if hours > 48 or minutes > 59:
        return None
    return hours * 60 + minutes


def is_open(schedule: Schedule, day: int, minute: int) -> bool:
    """Whether the schedule is open on ``day`` (0 = Monday) at ``minute`` after midnight.

    >>> is_open(parse("Mo-Su 10:00-22:00"), 2, 21 * 60)
    True
    >>> is_open(parse("Mo-Su 10:00-22:00"), 2, 22 * 60)
    False
    """
    return any(start <= minute < end for start, end in schedule[day])


def days_open_at(schedule: Schedule, minute: int) -> int:
    """On how many days of the week the schedule is open at ``minute`` after midnight (0–7).

    >>> days_open_at(parse("Mo-Th 11:00-21:00; Fr-Sa 11:00-02:00"), 23 * 60)  # Friday and Saturday
    2
    """
    return sum(is_open(schedule, d, minute) for d in range(7))
