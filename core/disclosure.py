"""Statistical disclosure control for sensitive incidents: the k rule, the publication periods, and the
protection of a release by primary and complementary suppression, audited by linear programming.

Users without the permission to see sensitive incidents as points (BRÅ members, planners, field staff,
the public) get them only as a **release**: a fixed table for one municipality and one complete calendar
year, never shaped by their other filters (docs/decisions/0600). This module is the release's logic and
nothing else: no query, no model. ``layers.release`` builds the table from the incidents and calls
``protect``; every channel shows what it decided.

The attacker this defends against asks many questions, shares the answers and watches over time. What
they learn from a release is written as linear relations: a printed unit is an equation, a unit shown as
"fewer than k" lies in ``0 … k - 1``, a unit hidden to protect another lies in ``k … ∞``; every count is
at least 0. A unit is **disclosed** when those relations prove its count is at least 1 and pin it to fewer
than k values reaching below k (``[1, 4]``, ``[2, 2]``, ``[3, 6]`` for k = 5). Knowing that a unit is 0 is
not a disclosure; an interval wholly at or above k (``[7, 7]``, ``[9, 12]``) only says that there are
many, which is what a printed count says.

>>> from datetime import date
>>> publication_periods(date(2025, 1, 1), date(2025, 12, 31), today=date(2026, 6, 1))
[Period(first=datetime.date(2025, 1, 1), last=datetime.date(2025, 12, 31))]
>>> publication_periods(date(2025, 12, 8), date(2026, 12, 7), today=date(2026, 12, 7))[0].label
'2025'
>>> publication_periods(date(2026, 1, 1), date(2026, 3, 1), today=date(2027, 2, 1))  # 2026 not out yet
[]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import numpy as np
from django.conf import settings
from scipy.optimize import linprog
from scipy.sparse import csr_matrix, vstack

# --- the rules and their settings (read here and nowhere else) -----------------------------------


def min_count() -> int:
    """k: a count of sensitive incidents under this is never shown (settings.SENSITIVE_MIN_COUNT)."""
    return int(getattr(settings, "SENSITIVE_MIN_COUNT", 5))


def cell_size_m() -> float:
    """The side of the release's fixed grid cells, metres in SWEREF 99 TM (settings.SENSITIVE_CELL_M)."""
    return float(getattr(settings, "SENSITIVE_CELL_M", 500))


def publication_lag_months() -> int:
    """Months after a year's end before it is published (settings.SENSITIVE_RELEASE_LAG_MONTHS): late
    reports and imports of the year come in first, because a published year is frozen."""
    return int(getattr(settings, "SENSITIVE_RELEASE_LAG_MONTHS", 3))


# --- publication periods --------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Period:
    """A publication period: a whole calendar year (``first`` 1 January, ``last`` 31 December)."""

    first: date
    last: date  # included

    @property
    def year(self) -> int:
        return self.first.year

    @property
    def label(self) -> str:
        return str(self.first.year)

    @property
    def published_on(self) -> date:
        """The first day the period is shown: its end plus the publication lag.

        >>> calendar_year(2025).published_on
        datetime.date(2026, 4, 1)
        """
        months = publication_lag_months()
        year, month = self.last.year + 1 + months // 12, 1 + months % 12
        return date(year, month, 1)


def calendar_year(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31))


def latest_published(today: date) -> Period:
    """The newest publication period out on ``today``."""
    year = today.year - 1
    while calendar_year(year).published_on > today:
        year -= 1
    return calendar_year(year)


def publication_periods(first: date, last: date, *, today: date) -> list[Period]:
    """The published periods a user's period ``first`` … ``last`` touches, oldest first.

    A user's period is never cut: it is answered with the whole calendar years it touches that are out
    on ``today``, so moving its ends by a day or a second changes nothing until it reaches another year.
    """
    newest = latest_published(today).year
    return [calendar_year(y) for y in range(first.year, min(last.year, newest) + 1)]


def periods_before(periods: Sequence[Period]) -> list[Period]:
    """The same number of years just before ``periods`` (the lägesbild's comparison)."""
    if not periods:
        return []
    n = len(periods)
    return [calendar_year(p.year - n) for p in periods]


def describe_periods(periods: Sequence[Period]) -> str:
    """'2025' or '2023–2025' (the periods are consecutive years)."""
    if not periods:
        return ""
    if len(periods) == 1:
        return periods[0].label
    return f"{periods[0].label}–{periods[-1].label}"


# --- the table and its protection -----------------------------------------------------------------


class State(StrEnum):
    PUBLISHED = "published"  # printed as it is (at least k)
    FEWER = "fewer"  # 0 … k - 1: shown as "fewer than k" (or as an empty cell on a map)
    HIDDEN = "hidden"  # at least k, hidden so that a smaller value cannot be worked out from it
    WITHHELD = "withheld"  # the whole release is held back: nothing could be shown safely


@dataclass(frozen=True)
class Unit:
    """A count of the release: the sum of some atoms (the incidents of one cell and category group).

    ``printed``: a unit the release shows (a cell, a group row); False for a unit that is only audited
    (a cell's count in one group, a district's total).
    ``public``: a count everyone knows from elsewhere (the police publish their events): the audit takes
    it as known, the release does not show it.
    ``cells``: how many interchangeable empty cells the unit stands for (their bound is cells × (k - 1)).
    """

    key: str
    atoms: frozenset[int]
    value: int
    printed: bool = True
    cells: int = 1
    public: bool = False


@dataclass(frozen=True)
class Disclosure:
    unit: str
    low: int
    high: float  # math.inf when unbounded


@dataclass(frozen=True)
class Protection:
    states: dict[str, State]
    audited: int  # units bounded in the last round
    solves: int  # linear programs solved in all rounds
    rounds: int
    hidden: int  # units hidden to protect others (complementary suppression)
    withheld: bool


def is_disclosed(least: int, most: float, k: int) -> bool:
    """Whether an attacker who knows a count lies in ``least`` … ``most`` has found small numbers.

    >>> is_disclosed(0, 4, 5), is_disclosed(1, 4, 5), is_disclosed(3, 6, 5), is_disclosed(7, 7, 5)
    (False, True, True, False)
    >>> is_disclosed(2, math.inf, 5), is_disclosed(4, 8, 5)  # at least 2; five values
    (False, False)
    """
    return 1 <= least < k and most - least + 1 < k


def primary_states(units: Iterable[Unit], k: int) -> dict[str, State]:
    """Every printed unit with fewer than k is shown as "fewer than k", zero included."""
    return {u.key: State.PUBLISHED if u.value >= k else State.FEWER for u in units if u.printed}


def protect(units: Sequence[Unit], k: int, *, max_rounds: int = 200) -> Protection:
    """Suppress until nothing is disclosed: primary suppression under k, then complementary suppression.

    Each round audits the release (``disclosures``); for the first disclosed unit it hides the cheapest
    printed unit that frees it (its value, tenfold for a unit that contains it, such as a total), or, when
    no single one does, the one that widens its interval most. When nothing is left to hide the release
    is withheld.

    >>> cells = [Unit("a", frozenset({0}), 3), Unit("b", frozenset({1}), 7)]
    >>> total = Unit("total", frozenset({0, 1}), 10)
    >>> p = protect([*cells, total], 5)
    >>> p.states["a"], p.states["b"], p.states["total"]  # 10 − 7 would give a = 3
    (<State.FEWER: 'fewer'>, <State.HIDDEN: 'hidden'>, <State.PUBLISHED: 'published'>)
    """
    states = primary_states(units, k)
    auditor = _Auditor(units, k)
    rounds = hidden = 0
    while True:
        rounds += 1
        found = auditor.disclosures(states)
        if not found:
            return Protection(states, auditor.audited, auditor.solves, rounds, hidden, False)
        if rounds > max_rounds:
            break
        choice = auditor.complement(found[0], states)
        if choice is None:
            break
        states[choice] = State.HIDDEN
        hidden += 1
    withheld = {u.key: State.WITHHELD for u in units if u.printed}
    return Protection(withheld, auditor.audited, auditor.solves, rounds, hidden, True)


def disclosures(units: Sequence[Unit], states: dict[str, State], k: int) -> list[Disclosure]:
    """Every unit the release's printed values disclose (see the module's docstring)."""
    return _Auditor(units, k).disclosures(states)


class _Auditor:
    """The release's relations as a linear program over the atoms (x ≥ 0)."""

    def __init__(self, units: Sequence[Unit], k: int) -> None:
        self.units = list(units)
        self.k = k
        self.by_key = {u.key: u for u in self.units}
        self.n_atoms = 1 + max((a for u in self.units for a in u.atoms), default=-1)
        rows, cols = [], []
        for i, u in enumerate(self.units):
            rows.extend([i] * len(u.atoms))
            cols.extend(sorted(u.atoms))
        self.matrix = csr_matrix(
            (np.ones(len(cols)), (rows, cols)), shape=(len(self.units), self.n_atoms)
        )
        self.audited = 0
        self.solves = 0
        # What everyone knows of an atom from elsewhere (a public unit of one atom): a unit is judged
        # by the rest of it, for the release cannot give away what was never secret.
        self.public_value = {
            next(iter(u.atoms)): u.value for u in self.units if u.public and len(u.atoms) == 1
        }

    def secret_part(self, unit: Unit) -> Unit:
        """``unit`` without the atoms everyone knows (the police's public events)."""
        known = unit.atoms & self.public_value.keys()
        if not known:
            return unit
        rest = sum(self.public_value[a] for a in known)
        return Unit(unit.key, unit.atoms - known, unit.value - rest, unit.printed, unit.cells)

    def _bounds(self, states: dict[str, State]) -> tuple[np.ndarray, np.ndarray]:
        low = np.zeros(len(self.units))
        high = np.full(len(self.units), math.inf)
        for i, u in enumerate(self.units):
            state = states.get(u.key)
            if state == State.PUBLISHED or u.public:
                low[i] = high[i] = u.value
            elif state == State.FEWER:
                high[i] = (self.k - 1) * u.cells
            elif state == State.HIDDEN:
                low[i] = self.k
        return low, high

    def _optimise(self, unit: Unit, low: np.ndarray, high: np.ndarray, sense: float) -> float:
        self.solves += 1
        objective = np.zeros(self.n_atoms)
        objective[list(unit.atoms)] = sense
        finite = np.isfinite(high)
        a_ub = vstack([self.matrix[finite], -self.matrix]).tocsr()
        b_ub = np.concatenate([high[finite], -low])
        result = linprog(objective, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
        if result.status == 3:  # unbounded above
            return -math.inf
        if result.status != 0 or result.fun is None:  # the true counts always satisfy the relations
            raise RuntimeError(f"the release's relations have no solution: {result.message}")
        return float(result.fun)

    def interval(self, unit: Unit, low: np.ndarray, high: np.ndarray) -> tuple[int, float]:
        """The integer interval an attacker can prove for ``unit`` (the LP's bounds rounded inwards;
        the release's relations are two nested families of sums, so its LP bounds are whole numbers)."""
        least = math.ceil(self._optimise(unit, low, high, 1.0) - 1e-6)
        if least < 1:
            return least, math.inf  # its upper bound does not matter
        most = -self._optimise(unit, low, high, -1.0)
        return least, math.floor(most + 1e-6) if math.isfinite(most) else math.inf

    def _disclosed(self, unit: Unit, low: np.ndarray, high: np.ndarray) -> Disclosure | None:
        least, most = self.interval(unit, low, high)
        if is_disclosed(least, most, self.k):
            return Disclosure(unit.key, least, most)
        return None

    def disclosures(self, states: dict[str, State]) -> list[Disclosure]:
        low, high = self._bounds(states)
        found = []
        self.audited = 0
        for unit in self.units:
            if states.get(unit.key) == State.PUBLISHED or unit.public:
                continue  # a printed or public value is known
            u = self.secret_part(unit)
            if u.value < 1 or not u.atoms:
                continue  # a zero cannot be disclosed
            self.audited += 1
            d = self._disclosed(u, low, high)
            if d is not None:
                found.append(d)
        return found

    def complement(self, disclosure: Disclosure, states: dict[str, State]) -> str | None:
        """The printed unit to hide next for ``disclosure`` (None when nothing is left to hide)."""
        target = self.secret_part(self.by_key[disclosure.unit])
        candidates = [
            u for u in self.units if states.get(u.key) == State.PUBLISHED and u.key != target.key
        ]
        if not candidates:
            return None

        def cost(u: Unit) -> tuple[float, int]:
            contains = target.atoms <= u.atoms
            return (u.value * (10 if contains else 1), len(u.atoms))

        related = [u for u in candidates if self._related(u, target, states)]
        pool = sorted(related or candidates, key=cost)
        best: tuple[float, float, str] | None = None
        for u in pool[:25]:
            trial = dict(states)
            trial[u.key] = State.HIDDEN
            low, high = self._bounds(trial)
            least, most = self.interval(target, low, high)
            if not is_disclosed(least, most, self.k):
                return u.key  # the cheapest that frees it
            widened = (most - least) if math.isfinite(most) else math.inf
            score = (-widened, least)
            if best is None or score < best[:2]:
                best = (score[0], score[1], u.key)
        return best[2] if best is not None else pool[0].key

    def _related(self, u: Unit, target: Unit, states: dict[str, State]) -> bool:
        """Whether ``u`` shares atoms with ``target`` or with a printed unit holding ``target``."""
        if u.atoms & target.atoms:
            return True
        return any(
            target.atoms <= p.atoms and p.atoms & u.atoms
            for p in self.units
            if states.get(p.key) == State.PUBLISHED and p.key != u.key
        )
