"""When incidents happen: hour-of-day × weekday tables, aoristic spreading, and daylight (docs/method.md).

Times are given as numpy ``datetime64`` in *local wall-clock time* (the caller converts from UTC, e.g.
to Europe/Stockholm), because "Friday 23:00" is a local idea. Weekday 0 is Monday.

Aoristic analysis (Ratcliffe 2002, "Aoristic signatures and the spatio-temporal analysis of high volume
crime patterns"): an incident known only to have happened between ``from`` and ``to`` (a burglary found
in the morning) is spread over the hours of that interval, each hour getting the share of the interval
that falls in it, so every incident still adds up to exactly one.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

HOURS_PER_WEEK = 168
_HOUR = np.timedelta64(1, "h")
_EPOCH_MONDAY = np.datetime64("1970-01-05T00", "h")  # a Monday

# Upplands Väsby's centre (WGS 84), for the sun's elevation.
VASBY_LAT = 59.5196
VASBY_LON = 17.9283
# Sun elevation limits (degrees): the upper rim on the horizon with refraction, and civil twilight.
DAYLIGHT_MIN_DEG = -0.833
TWILIGHT_MIN_DEG = -6.0


def hour_of_week(t: ArrayLike) -> NDArray[np.int64]:
    """0 … 167: Monday 00–01 is 0, Sunday 23–24 is 167.

    >>> hour_of_week(np.array(["2024-01-01T00:30", "2024-01-07T23:59"], dtype="datetime64[m]")).tolist()
    [0, 167]
    """
    hours = (np.asarray(t, dtype="datetime64[h]") - _EPOCH_MONDAY) // _HOUR
    return np.asarray(hours % HOURS_PER_WEEK, dtype=np.int64)


def weekday_hour_table(
    t_from: ArrayLike,
    t_to: ArrayLike | None = None,
    *,
    weights: ArrayLike | None = None,
    max_hours: int = 24 * 14,
) -> NDArray[np.float64]:
    """Incidents per weekday (rows, Monday first) and hour (columns), shape (7, 24).

    An incident with an end time (``t_to`` not NaT and later than ``t_from``) is spread aoristically
    over the hours it spans; one without counts whole in the hour it began. Intervals longer than
    ``max_hours`` carry so little information about the hour that they are spread evenly over the
    whole week.

    Examples
    --------
    A burglary between Monday 22:00 and Tuesday 02:00 gives a quarter to each of four hours.

    >>> t0 = np.array(["2024-01-01T22:00"], dtype="datetime64[m]")
    >>> t1 = np.array(["2024-01-02T02:00"], dtype="datetime64[m]")
    >>> table = weekday_hour_table(t0, t1)
    >>> table[0, 22], table[0, 23], table[1, 0], table[1, 1], table.sum()
    (np.float64(0.25), np.float64(0.25), np.float64(0.25), np.float64(0.25), np.float64(1.0))
    """
    start = np.asarray(t_from, dtype="datetime64[s]").ravel()
    w = np.ones(start.size) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    out = np.zeros(HOURS_PER_WEEK)
    if t_to is None:
        end = np.full(start.size, np.datetime64("NaT"), dtype="datetime64[s]")
    else:
        end = np.asarray(t_to, dtype="datetime64[s]").ravel()
    spread = ~np.isnat(end) & (end > start)
    point = ~spread & ~np.isnat(start)
    out += np.bincount(hour_of_week(start[point]), weights=w[point], minlength=HOURS_PER_WEEK)
    if spread.any():
        s, e, ws = start[spread], end[spread], w[spread]
        duration_s = (e - s).astype(np.float64)
        too_long = duration_s > max_hours * 3600
        out += ws[too_long].sum() / HOURS_PER_WEEK
        s, e, ws, duration_s = s[~too_long], e[~too_long], ws[~too_long], duration_s[~too_long]
        out += _aoristic(s, e, ws, duration_s)
    return out.reshape(7, 24)


def _aoristic(
    s: NDArray[np.datetime64],
    e: NDArray[np.datetime64],
    w: NDArray[np.float64],
    duration_s: NDArray[np.float64],
) -> NDArray[np.float64]:
    out = np.zeros(HOURS_PER_WEEK)
    if s.size == 0:
        return out
    first = s.astype("datetime64[h]")
    spans = ((e - first.astype("datetime64[s]")) // np.timedelta64(3600, "s")).astype(np.int64)
    base = hour_of_week(first)
    for k in range(int(spans.max()) + 1):
        live = spans >= k
        hour_start = (first[live] + k * _HOUR).astype("datetime64[s]")
        hour_end = hour_start + np.timedelta64(3600, "s")
        overlap = (np.minimum(e[live], hour_end) - np.maximum(s[live], hour_start)).astype(
            np.float64
        )
        share = np.clip(overlap, 0, None) / duration_s[live] * w[live]
        out += np.bincount(
            (base[live] + k) % HOURS_PER_WEEK, weights=share, minlength=HOURS_PER_WEEK
        )
    return out


def sun_elevation_deg(
    t_utc: ArrayLike, *, lat: float = VASBY_LAT, lon: float = VASBY_LON
) -> NDArray[np.float64]:
    """The sun's elevation above the horizon in degrees, from UTC times (NOAA's solar position formulas).

    Accurate to a few tenths of a degree, which is what telling day from twilight needs (NOAA Global
    Monitoring Laboratory, "General Solar Position Calculations"; Spencer 1971 series).

    >>> noon = np.array(["2024-06-21T11:00"], dtype="datetime64[m]")  # 13:00 local summer time
    >>> round(float(sun_elevation_deg(noon)[0]))  # 90 − 59.5 + 23.4
    54
    """
    t = np.asarray(t_utc, dtype="datetime64[s]")
    year_start = t.astype("datetime64[Y]")
    day_of_year = (t.astype("datetime64[D]") - year_start.astype("datetime64[D]")).astype(
        np.float64
    )
    seconds = (t - t.astype("datetime64[D]")).astype(np.float64)
    hours = seconds / 3600.0
    years = year_start.astype(np.int64) + 1970
    days_in_year = np.where(
        (years % 4 == 0) & ((years % 100 != 0) | (years % 400 == 0)), 366.0, 365.0
    )
    g = 2 * np.pi / days_in_year * (day_of_year + (hours - 12) / 24)
    eqtime = 229.18 * (
        0.000075
        + 0.001868 * np.cos(g)
        - 0.032077 * np.sin(g)
        - 0.014615 * np.cos(2 * g)
        - 0.040849 * np.sin(2 * g)
    )
    decl = (
        0.006918
        - 0.399912 * np.cos(g)
        + 0.070257 * np.sin(g)
        - 0.006758 * np.cos(2 * g)
        + 0.000907 * np.sin(2 * g)
        - 0.002697 * np.cos(3 * g)
        + 0.00148 * np.sin(3 * g)
    )
    true_solar_min = hours * 60 + eqtime + 4 * lon
    hour_angle = np.radians(true_solar_min / 4 - 180)
    phi = np.radians(lat)
    cos_zenith = np.sin(phi) * np.sin(decl) + np.cos(phi) * np.cos(decl) * np.cos(hour_angle)
    out: NDArray[np.float64] = 90.0 - np.degrees(np.arccos(np.clip(cos_zenith, -1.0, 1.0)))
    return out


def light_class(
    t_utc: ArrayLike, *, lat: float = VASBY_LAT, lon: float = VASBY_LON
) -> NDArray[np.str_]:
    """``dagsljus``, ``skymning`` (civil twilight) or ``morker`` at each UTC time, from the sun.

    >>> t = np.array(["2024-12-21T11:00", "2024-12-21T14:30", "2024-12-21T20:00"], dtype="datetime64[m]")
    >>> light_class(t).tolist()  # midday, just after sunset, evening in December
    ['dagsljus', 'skymning', 'morker']
    """
    e = sun_elevation_deg(t_utc, lat=lat, lon=lon)
    out = np.where(
        e > DAYLIGHT_MIN_DEG, "dagsljus", np.where(e > TWILIGHT_MIN_DEG, "skymning", "morker")
    )
    return np.asarray(out)
