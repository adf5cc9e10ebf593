"""Hour × weekday tables, aoristic spreading and daylight."""

from __future__ import annotations

import numpy as np
import pytest

from geo.timepatterns import light_class, sun_elevation_deg, weekday_hour_table


def test_aoristic_spreading_keeps_every_incident_whole() -> None:
    rng = np.random.default_rng(9)
    start = np.datetime64("2024-03-01T00:00") + rng.integers(0, 60 * 24 * 300, 2000).astype(
        "timedelta64[m]"
    )
    length = rng.integers(0, 60 * 40, 2000).astype("timedelta64[m]")  # up to 40 hours, some zero
    end = start + length
    end[::7] = np.datetime64("NaT")  # some known to the minute only

    table = weekday_hour_table(start, end)

    assert table.shape == (7, 24)
    assert table.sum() == pytest.approx(2000)
    assert np.all(table >= 0)


def test_an_interval_is_shared_in_proportion_to_the_time_in_each_hour() -> None:
    start = np.array(["2024-01-05T23:30"], dtype="datetime64[m]")  # a Friday
    end = np.array(["2024-01-06T01:00"], dtype="datetime64[m]")

    table = weekday_hour_table(start, end)

    assert table[4, 23] == pytest.approx(1 / 3)
    assert table[5, 0] == pytest.approx(2 / 3)


def test_intervals_longer_than_the_limit_are_spread_over_the_whole_week() -> None:
    start = np.array(["2024-01-01T00:00"], dtype="datetime64[m]")
    end = np.array(["2024-02-01T00:00"], dtype="datetime64[m]")

    table = weekday_hour_table(start, end)

    assert np.allclose(table, 1 / 168)


def test_the_sun_at_vasby_is_highest_at_midsummer_noon_and_below_the_horizon_at_midwinter_night() -> (
    None
):
    times = np.array(
        ["2024-06-21T11:00", "2024-12-21T11:00", "2024-12-21T23:00"], dtype="datetime64[m]"
    )

    elevation = sun_elevation_deg(times)

    assert elevation[0] == pytest.approx(90 - 59.52 + 23.44, abs=0.5)
    assert elevation[1] == pytest.approx(90 - 59.52 - 23.44, abs=0.5)
    assert elevation[2] < -40


def test_light_follows_sunset_at_vasby_in_december() -> None:
    # Sunset in Upplands Väsby on 21 December is about 14:45 local time (13:45 UTC); civil dusk ends
    # about 15:35 local. The times below are UTC (local − 1 h).
    times = np.array(
        ["2024-12-21T13:30", "2024-12-21T14:05", "2024-12-21T15:00"], dtype="datetime64[m]"
    )

    assert light_class(times).tolist() == ["dagsljus", "skymning", "morker"]
