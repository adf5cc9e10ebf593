"""Default weights per method, and how weights are carried over when criteria are added or calibrated.

Two rules (docs/decisions/0740-five-more-criteria.md):

- **Plan-only criteria are held.** Territoriality reads the plan's regulations and parking the plan's
  car parks; neither exists on the municipality-wide grid the calibration fits (``geo.calibration``),
  so the calibration has no evidence about them either way. ``hold_plan_only`` keeps their default
  weight and scales the calibrated weights of the others into what is left.
- **Stored weights are completed.** A municipality's weights set before a method added criteria lack
  the new ones; ``complete`` gives each missing criterion its default weight and scales the stored
  ones, keeping their proportions, into what is left.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping


def _scaled(weights: Mapping[str, float], total: float) -> dict[str, float]:
    s = sum(max(0.0, float(w)) for w in weights.values())
    if s <= 0:
        return {k: 0.0 for k in weights}
    return {k: max(0.0, float(w)) * total / s for k, w in weights.items()}


def hold_plan_only(
    calibrated: Mapping[str, float], defaults: Mapping[str, float], plan_only: Collection[str]
) -> dict[str, float]:
    """``calibrated`` weights with the plan-only criteria at their default weight and the others
    scaled to fill the rest, so the sum is 1.

    >>> w = hold_plan_only({"lighting": 0.6, "transport": 0.3, "parking": 0.1},
    ...                    {"lighting": 0.45, "transport": 0.45, "parking": 0.1}, {"parking"})
    >>> {k: round(v, 3) for k, v in w.items()}  # 0.9 is shared 2 : 1
    {'lighting': 0.6, 'transport': 0.3, 'parking': 0.1}
    >>> w = hold_plan_only({"lighting": 0.5, "parking": 0.05}, {"lighting": 0.8, "parking": 0.2}, {"parking"})
    >>> {k: round(v, 3) for k, v in w.items()}
    {'lighting': 0.8, 'parking': 0.2}
    """
    held = {k: float(defaults[k]) for k in calibrated if k in plan_only and k in defaults}
    rest = {k: v for k, v in calibrated.items() if k not in held}
    return {**_scaled(rest, 1.0 - sum(held.values())), **held}


def complete(stored: Mapping[str, float], defaults: Mapping[str, float]) -> dict[str, float]:
    """Weights for every criterion of ``defaults`` (a method's): the stored ones, scaled into what the
    missing criteria's default weights leave; a criterion no longer in the method is dropped. Stored
    weights that are all zero, or none at all, give the defaults.

    >>> w = complete({"lighting": 0.7, "transport": 0.3},
    ...              {"lighting": 0.4, "transport": 0.4, "parking": 0.2})
    >>> {k: round(v, 3) for k, v in w.items()}
    {'lighting': 0.56, 'transport': 0.24, 'parking': 0.2}
    >>> complete({}, {"lighting": 1.0})
    {'lighting': 1.0}
    """
    known = {k: float(v) for k, v in stored.items() if k in defaults}
    if sum(max(0.0, v) for v in known.values()) <= 0:
        return {k: float(v) for k, v in defaults.items()}
    missing = {k: float(defaults[k]) for k in defaults if k not in known}
    scaled = _scaled(known, 1.0 - sum(missing.values()))
    return {k: scaled[k] if k in scaled else missing[k] for k in defaults}
