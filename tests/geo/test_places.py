from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.places import places

coords = st.lists(
    st.tuples(st.floats(0, 500, allow_nan=False), st.floats(0, 500, allow_nan=False)),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(points=coords, radius=st.floats(5, 100))
def test_every_two_points_of_a_place_are_within_twice_the_radius(
    points: list[tuple[float, float]], radius: float
) -> None:
    xy = np.array(points)

    labels = places(xy[:, 0], xy[:, 1], radius_m=radius)

    for label in set(labels.tolist()):
        members = xy[labels == label]
        gaps = np.hypot(
            members[:, None, 0] - members[None, :, 0], members[:, None, 1] - members[None, :, 1]
        )
        assert gaps.max() <= 2 * radius + 1e-9


def test_points_far_apart_are_never_one_place() -> None:
    labels = places([0, 0, 1000], [0, 10, 0], radius_m=25)

    assert labels.tolist() == [0, 0, 1]


def test_a_negative_radius_is_refused() -> None:
    with pytest.raises(ValueError, match="radius_m"):
        places([0], [0], radius_m=-1)
