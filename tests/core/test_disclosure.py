"""core.disclosure: publication periods, the disclosure rule, and protection audited by LP."""

from __future__ import annotations

import itertools
import math
import random
from datetime import date

import numpy as np
import pytest
from django.test import override_settings

from core.disclosure import (
    State,
    Unit,
    calendar_year,
    disclosures,
    latest_published,
    primary_states,
    protect,
    publication_periods,
)

K = 5


def groups_table(values: dict[str, int]) -> list[Unit]:
    """A municipality's total and its group rows: one atom per group."""
    atoms = {g: i for i, g in enumerate(values)}
    units = [Unit(f"group:{g}", frozenset({atoms[g]}), n) for g, n in values.items()]
    units.append(Unit("total", frozenset(atoms.values()), sum(values.values())))
    return units


def test_a_total_minus_the_printed_rows_would_give_a_small_row_so_another_row_is_hidden() -> None:
    units = groups_table({"4": 6, "7": 29, "8": 3, "9": 13, "other": 8})

    assert [d.unit for d in disclosures(units, primary_states(units, K), K)] == ["group:8"]
    protection = protect(units, K)

    assert disclosures(units, protection.states, K) == []
    assert protection.states["group:8"] == State.FEWER
    assert protection.states["group:4"] == State.HIDDEN  # the smallest row that frees it
    assert protection.states["total"] == State.PUBLISHED  # the total costs more to hide
    assert protection.hidden == 1 and not protection.withheld


def test_knowing_that_a_unit_is_zero_is_not_a_disclosure() -> None:
    units = groups_table({"4": 0, "7": 12, "9": 6})

    protection = protect(units, K)

    assert (
        protection.states["group:4"] == State.FEWER
    )  # 12 + 6 = 18 shows it is 0, which is allowed
    assert protection.hidden == 0


def test_a_unit_pinned_to_an_interval_of_fewer_than_k_values_above_zero_is_disclosed() -> None:
    # a + b = 8 printed, a and b under k: each lies in 4 … 4 (8 − 4 = 4): pinned.
    units = [
        Unit("a", frozenset({0}), 4),
        Unit("b", frozenset({1}), 4),
        Unit("a+b", frozenset({0, 1}), 8),
    ]

    found = disclosures(units, primary_states(units, K), K)

    assert {(d.unit, d.low, d.high) for d in found} == {("a", 4, 4), ("b", 4, 4)}
    assert disclosures(units, protect(units, K).states, K) == []


def test_a_unit_never_printed_is_audited_too() -> None:
    # A cell's count in one category group is not printed, but the cell and the group row are.
    cell = Unit("cell", frozenset({0, 1}), 7)
    group = Unit("group", frozenset({0, 2}), 7)
    rest = Unit("rest", frozenset({2}), 6, cells=1)  # another cell of the same group: printed
    atom = Unit("cell:group", frozenset({0}), 1, printed=False)

    found = disclosures([cell, group, rest, atom], primary_states([cell, group, rest], K), K)

    assert [(d.unit, d.low, d.high) for d in found] == [("cell:group", 1, 1)]


def _integer_interval(
    units: list[Unit], states: dict[str, State], target: Unit, tops: list[int]
) -> tuple[int, int]:
    """The exact interval over every integer table the printed release allows (atom i in 0 … tops[i],
    bounds no solution can pass)."""
    grid = np.array(list(itertools.product(*(range(t + 1) for t in tops))), dtype=np.int16)
    keep = np.ones(len(grid), dtype=bool)
    for u in units:
        s = grid[:, sorted(u.atoms)].sum(axis=1)
        state = states.get(u.key)
        if state == State.PUBLISHED:
            keep &= s == u.value
        elif state == State.FEWER:
            keep &= s <= (K - 1) * u.cells
        elif state == State.HIDDEN:
            keep &= s >= K
    values = grid[keep][:, sorted(target.atoms)].sum(axis=1)
    return int(values.min()), int(values.max())


@pytest.mark.parametrize("seed", range(8))
def test_the_lp_audit_finds_what_an_exhaustive_integer_search_finds(seed: int) -> None:
    """On small random releases of the release's shape (3 cells × 2 groups: cells, the district and
    its group rows printed, each cell's groups audited), the LP's bounds are the integer bounds, so the
    audit misses nothing an attacker reasoning in whole numbers finds."""
    from core.disclosure import _Auditor

    rng = random.Random(seed)
    counts = [[rng.choice([0, 0, 1, 2, 3, 4, 5, 6]) for _g in range(2)] for _c in range(3)]
    atom = {(c, g): 2 * c + g for c in range(3) for g in range(2)}
    units = [
        Unit(f"cell{c}", frozenset({atom[(c, 0)], atom[(c, 1)]}), sum(counts[c])) for c in range(3)
    ]
    units += [
        Unit(f"cell{c}:g{g}", frozenset({atom[(c, g)]}), counts[c][g], printed=False)
        for c in range(3)
        for g in range(2)
    ]
    units += [
        Unit(
            f"g{g}", frozenset(atom[(c, g)] for c in range(3)), sum(counts[c][g] for c in range(3))
        )
        for g in range(2)
    ]
    units.append(Unit("district", frozenset(atom.values()), sum(map(sum, counts))))
    auditor = _Auditor(units, K)
    for states in (primary_states(units, K), protect(units, K).states):
        low, high = auditor._bounds(states)
        for target in units:
            if states.get(target.key) == State.PUBLISHED:
                continue
            # no atom can exceed its cell's printed value, k - 1 in a cell shown as fewer, or the
            # district's total: the search covers every solution
            tops = [0] * 6
            for (c, _g), i in atom.items():
                state = states[f"cell{c}"]
                tops[i] = (
                    sum(counts[c])
                    if state == State.PUBLISHED
                    else K - 1
                    if state == State.FEWER
                    else sum(map(sum, counts))
                )
            exact = _integer_interval(units, states, target, tops)
            least = math.ceil(auditor._optimise(target, low, high, 1.0) - 1e-6)
            most = -auditor._optimise(target, low, high, -1.0)
            assert least == exact[0], target.key
            if math.isfinite(most):  # with nothing printed above it, the search's cut-off decides
                assert math.floor(most + 1e-6) == exact[1], target.key


@pytest.mark.parametrize("seed", range(20))
def test_after_protection_nothing_is_disclosed(seed: int) -> None:
    rng = random.Random(seed)
    values = {str(g): rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 15]) for g in range(rng.randint(2, 6))}
    units = groups_table(values)

    protection = protect(units, K)

    assert disclosures(units, protection.states, K) == []
    assert all(  # what is printed is exactly what was counted, and only from k
        u.value >= K for u in units if protection.states.get(u.key) == State.PUBLISHED
    )


@override_settings(SENSITIVE_RELEASE_LAG_MONTHS=3)
def test_a_year_is_published_three_months_after_it_ends_and_never_in_part() -> None:
    assert latest_published(date(2027, 3, 31)) == calendar_year(2025)
    assert latest_published(date(2027, 4, 1)) == calendar_year(2026)
    assert publication_periods(date(2026, 3, 1), date(2026, 12, 31), today=date(2027, 3, 31)) == []
    assert publication_periods(date(2026, 12, 31), date(2026, 12, 31), today=date(2027, 4, 1)) == [
        calendar_year(2026)
    ]


@override_settings(SENSITIVE_RELEASE_LAG_MONTHS=0)
def test_a_period_over_several_years_gets_each_published_year_and_no_part_of_one() -> None:
    periods = publication_periods(date(2023, 5, 17), date(2026, 2, 3), today=date(2026, 2, 3))

    assert [p.label for p in periods] == ["2023", "2024", "2025"]


def test_a_count_everyone_knows_from_elsewhere_is_not_a_disclosure_of_the_release() -> None:
    # A group row of two police events (the police publish them) and nothing placed.
    police = Unit("police", frozenset({0}), 2, printed=False, public=True)
    placed = Unit("placed", frozenset({1}), 0, printed=False)
    row = Unit("row", frozenset({0, 1}), 2)

    protection = protect([police, placed, row], K)

    assert not protection.withheld and protection.states["row"] == State.FEWER


def test_a_total_minus_the_public_police_events_must_not_give_a_district_away() -> None:
    police = Unit("police", frozenset({2}), 0, printed=False, public=True)
    west, east = Unit("west", frozenset({0}), 2), Unit("east", frozenset({1}), 7)
    total = Unit("total", frozenset({0, 1, 2}), 9)
    units = [police, west, east, total]

    assert [d.unit for d in disclosures(units, primary_states(units, K), K)] == ["west"]
    assert protect(units, K).states["east"] == State.HIDDEN
