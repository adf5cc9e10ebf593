"""Follow-up walks (what was fixed, what remains) and the gender and age lens (how groups differ)."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point

from geo.crs import STORAGE_SRID
from surveys import queries, services
from surveys.models import Action, Observation, Trygghetsvandring, WalkParticipants
from tests.factories import VASBY_CENTRUM, ObservationFactory, WalkFactory

pytestmark = pytest.mark.django_db


def at(dx: float, dy: float = 0.0) -> Point:
    return Point(VASBY_CENTRUM[0] + dx, VASBY_CENTRUM[1] + dy, srid=STORAGE_SRID)


def observed(
    walk: Trygghetsvandring, dx: float, category: str = "belysning", **kw: object
) -> Observation:
    observation = ObservationFactory(walk=walk, location=at(dx), category=category, **kw)
    services.propose_action(observation)
    return observation


def test_a_follow_up_shows_which_earlier_observations_were_fixed_and_which_remain(
    walk: Trygghetsvandring,
) -> None:
    lamp = observed(walk, 0, "belysning")
    bushes = observed(walk, 100, "vegetation")
    graffiti = observed(walk, 200, "skotsel")
    services.update_action(lamp.actions.get(), status=Action.Status.DONE)
    services.update_action(
        graffiti.actions.get(), status=Action.Status.REJECTED, rejection_reason="Privat vägg"
    )
    later = WalkFactory(municipality=walk.municipality, follow_up_of=walk)
    observed(later, 10, "belysning")  # the lamp spot again, 10 m off: seen again despite the fix
    observed(later, 400, "trafik")  # a new place

    comparison = queries.follow_up(later)

    assert comparison is not None
    states = {r.observation.pk: r.state for r in comparison.rows}
    assert states == {lamp.pk: "atgardad", bushes.pk: "kvarstar", graffiti.pk: "avslagen"}
    seen = {r.observation.pk: len(r.seen_again) for r in comparison.rows}
    assert seen == {lamp.pk: 1, bushes.pk: 0, graffiti.pk: 0}
    assert (comparison.fixed, comparison.remaining, comparison.rejected) == (1, 1, 1)
    assert comparison.fixed_but_seen_again == 1
    assert [o.category for o in comparison.new] == ["trafik"]


def test_the_same_category_farther_than_the_match_distance_is_a_new_place(
    walk: Trygghetsvandring,
) -> None:
    observed(walk, 0, "belysning")
    later = WalkFactory(municipality=walk.municipality, follow_up_of=walk)
    observed(later, queries.FOLLOW_UP_MATCH_M + 5, "belysning")

    comparison = queries.follow_up(later)

    assert comparison is not None
    assert comparison.rows[0].seen_again == []
    assert len(comparison.new) == 1


def test_a_walk_that_follows_up_nothing_has_no_comparison(walk: Trygghetsvandring) -> None:
    assert queries.follow_up(walk) is None


def test_the_lens_filters_by_gender_and_age(walk: Trygghetsvandring) -> None:
    observed(walk, 0, raised_by_gender="kvinna", raised_by_age="ungdom", feeling=1)
    observed(walk, 500, raised_by_gender="man", raised_by_age="vuxen", feeling=4)
    observed(walk, 900, raised_by_gender="kvinna", raised_by_age="vuxen", feeling=2)
    scope = queries.lens_scope(walk.municipality, walk=walk)

    women = queries.lens(scope, gender="kvinna")
    young_women = queries.lens(scope, gender="kvinna", age="ungdom")
    everyone = queries.lens(scope)

    assert len(women.observations) == 2
    assert len(young_women.observations) == 1
    assert len(everyone.observations) == 3


def test_the_lens_compares_groups_per_participant(walk: Trygghetsvandring) -> None:
    WalkParticipants.objects.create(walk=walk, gender="kvinna", age_group="vuxen", count=4)
    WalkParticipants.objects.create(walk=walk, gender="man", age_group="vuxen", count=2)
    for dx in (0, 300, 600, 900):
        observed(walk, dx, raised_by_gender="kvinna", raised_by_age="vuxen", feeling=2)
    observed(walk, 1200, raised_by_gender="man", raised_by_age="vuxen", feeling=4)

    result = queries.lens(queries.lens_scope(walk.municipality, walk=walk))

    groups = {(g.gender, g.age): g for g in result.groups}
    women, men = groups[("kvinna", "vuxen")], groups[("man", "vuxen")]
    assert (women.participants, women.observations, women.per_participant) == (4, 4, 1.0)
    assert (men.participants, men.observations, men.per_participant) == (2, 1, 0.5)
    assert women.mean_feeling == 2 and men.mean_feeling == 4
    assert women.unsafe_share == 1.0 and men.unsafe_share == 0.0
    by_gender = {g.gender: g for g in result.by_gender}
    assert by_gender["kvinna"].observations == 4


def test_a_place_marked_by_two_groups_shows_how_they_differ(walk: Trygghetsvandring) -> None:
    # One spot: a young woman found it very unsafe, an adult man fairly safe (15 m apart).
    observed(
        walk,
        0,
        "belysning",
        raised_by_gender="kvinna",
        raised_by_age="ungdom",
        feeling=1,
        note="Mörkt",
    )
    observed(
        walk, 15, "sikt", raised_by_gender="man", raised_by_age="vuxen", feeling=4, note="Okej"
    )
    # Another spot, marked by one group only: not a place where groups differ.
    observed(walk, 600, raised_by_gender="kvinna", raised_by_age="ungdom", feeling=2)
    observed(walk, 610, raised_by_gender="kvinna", raised_by_age="ungdom", feeling=2)

    result = queries.lens(queries.lens_scope(walk.municipality, walk=walk))

    assert len(result.places) == 1
    place = result.places[0]
    assert place.spread == 3
    assert {g.label: g.mean_feeling for g in place.groups} == {
        "Kvinnor, Ungdomar (13–19)": 1,
        "Män, Vuxna (20–64)": 4,
    }
    assert 17.9 < place.lon < 17.93 and 59.5 < place.lat < 59.53


def test_observations_without_a_group_are_left_out_of_the_comparison(
    walk: Trygghetsvandring,
) -> None:
    observed(walk, 0, raised_by_gender="", raised_by_age="", feeling=1)
    observed(walk, 5, raised_by_gender="man", raised_by_age="vuxen", feeling=5)

    result = queries.lens(queries.lens_scope(walk.municipality, walk=walk))

    assert result.places == []
    assert len(result.observations) == 2
