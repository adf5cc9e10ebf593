"""An evaluation's figures in plain Swedish (or English): the page, its JSON and the map's labels.

``geo.effect`` keeps the Swedish sentences as originals keyed by code; here each code is given its
msgid, so the interface language applies (decision 0700). Numbers go through ``core.numbers``.
"""

from __future__ import annotations

from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core import numbers
from followup.counting import AREA_NAMES, Result
from geo import effect


def area_labels() -> dict[str, str]:
    return {
        "target": _("Åtgärdsområde"),
        "buffer": _("Buffertzon"),
        "comparison": _("Jämförelseområde"),
    }


def verdicts() -> dict[str, str]:
    return {
        effect.TOO_FEW: _("För få händelser för att säga något."),
        effect.REDUCTION: _(
            "Minskning i åtgärdsområdet jämfört med jämförelseområdet, större än slumpen förklarar."
        ),
        effect.INCREASE: _(
            "Ökning i åtgärdsområdet jämfört med jämförelseområdet, större än slumpen förklarar."
        ),
        effect.NO_CLEAR_CHANGE: _(
            "Ingen säker skillnad mot jämförelseområdet: förändringen ryms inom slumpens variation."
        ),
    }


def readings() -> dict[str, str]:
    return {
        effect.DIFFUSION_EXCEEDS: _(
            "Spridning av nytta: händelserna minskade ännu mer i bufferten än i åtgärdsområdet, "
            "jämfört med jämförelseområdet."
        ),
        effect.DIFFUSION: _(
            "Spridning av nytta: händelserna minskade även i bufferten, jämfört med jämförelseområdet."
        ),
        effect.NO_BUFFER_EFFECT: _("Ingen påverkan i bufferten."),
        effect.DISPLACEMENT_PARTIAL: _(
            "Viss förflyttning till bufferten, men åtgärden gav ändå nytta."
        ),
        effect.DISPLACEMENT_ERASED: _(
            "Förflyttningen till bufferten tog ut hela minskningen i åtgärdsområdet, eller mer."
        ),
        effect.NO_REDUCTION: _(
            "Ingen minskning i åtgärdsområdet jämfört med jämförelseområdet; förflyttning kan inte "
            "bedömas."
        ),
        effect.COMPARISON_EMPTY: _(
            "Jämförelseområdet saknar händelser i en av perioderna, så kvoterna går inte att räkna."
        ),
        effect.TOO_FEW: _("För få händelser för att säga något."),
    }


def reasons() -> dict[str, str]:
    return {
        effect.NO_BEFORE: _("Inga händelser före, så förändringen i procent går inte att räkna."),
        effect.ZERO_CELL: _(
            "Ett av områdena saknar händelser i en av perioderna, så den relativa effektstorleken "
            "går inte att räkna."
        ),
        effect.TOO_FEW_TARGET: _(
            "För få händelser i åtgärdsområdet före: inte ens om alla försvann skulle det gå att "
            "skilja från slumpen."
        ),
        effect.TOO_FEW_COMPARISON: _(
            "För få händelser i jämförelseområdet före för att jämföra med."
        ),
        effect.TOO_FEW_BUFFER: _(
            "För få händelser i bufferten (eller dess jämförelseområde) före."
        ),
        effect.TOO_FEW: _("För få händelser för att säga något."),
    }


def buffer_verdicts() -> dict[str, str]:
    return {
        effect.REDUCTION: _(
            "Färre händelser i bufferten än jämförelseområdet förutsäger, större än slumpen förklarar."
        ),
        effect.INCREASE: _(
            "Fler händelser i bufferten än jämförelseområdet förutsäger, större än slumpen förklarar (förflyttning)."
        ),
        effect.NO_CLEAR_CHANGE: _("Ingen säker förändring i bufferten mot jämförelseområdet."),
    }


def _pct(share: float, decimals: int = 0) -> str:
    sign = "+" if share > 0 and numbers.number(share * 100, decimals) != "0" else ""
    return sign + numbers.percent(share, decimals)


def _period_label(period: effect.Period) -> str:
    from datetime import timedelta

    last = period.end - timedelta(days=1)
    return f"{date_format(period.start, 'F Y')} – {date_format(last, 'F Y')}"


def variance_text(result: Result) -> str:
    if result.dispersion == 1.0:
        return _("Poissonvarians (händelserna antas komma oberoende av varandra).")
    return _(
        "Poissonvarians multiplicerad med överspridningen φ = %(phi)s (Farrington och Welsh "
        "korrigerar på samma sätt): intervallen blir bredare."
    ) % {"phi": numbers.number(result.dispersion, 2)}


def as_dict(result: Result) -> dict[str, Any]:
    """Everything the page and its JSON show, numbers raw and as Swedish text."""
    labels = area_labels()
    c = result.counts
    areas = []
    for name in AREA_NAMES:
        pair = c.area(name)
        if pair is None:
            continue
        change: float | None = None
        if result.evaluation is not None:
            value = result.evaluation.changes.get(name)
            change = value if isinstance(value, float) else None
        observed = result.observations.get(name, {})
        areas.append(
            {
                "area": name,
                "label": labels[name],
                "before": pair.before,
                "after": pair.after,
                "change": change,
                "change_text": _pct(change) if change is not None else "–",
                "observations": {
                    period: {
                        **observed.get(period, {"all": 0, "unsafe": 0}),
                        "unsafe_share_text": numbers.percent(
                            observed[period]["unsafe"] / observed[period]["all"]
                        )
                        if observed.get(period, {}).get("all")
                        else _("inga observationer"),
                    }
                    for period in ("before", "after")
                },
            }
        )
    out: dict[str, Any] = {
        "periods": {
            "before": {
                "start": result.periods.before.start.isoformat(),
                "end": result.periods.before.end.isoformat(),
                "label": _period_label(result.periods.before),
            },
            "after": {
                "start": result.periods.after.start.isoformat(),
                "end": result.periods.after.end.isoformat(),
                "label": _period_label(result.periods.after),
            },
            "months": result.periods.months,
        },
        "complete": result.complete,
        "areas": areas,
        "variance": "poisson" if result.dispersion == 1.0 else "overdispersed",
        "dispersion": result.dispersion,
        "variance_text": variance_text(result),
        "sensitive_included": result.sensitive_included,
        "sensitive_count": result.monthly.sensitive,
        "sensitive_text": (
            _("Känsliga händelser ingår (%(n)s av de räknade).")
            % {"n": numbers.number(result.monthly.sensitive)}
            if result.sensitive_included
            else _(
                "Känsliga händelser (t.ex. våld i nära relationer) ingår inte: fritt ritade områden "
                "skulle annars kunna ge bort enskilda händelser. Analytiker ser dem."
            )
        ),
        "series": None,
    }
    if result.series_long_enough:
        # Months that have not begun yet are left out, not shown as zeros.
        shown = [i for i, m in enumerate(result.monthly.months) if m <= result.today]
        out["series"] = {
            "months": [result.monthly.months[i].isoformat() for i in shown],
            "labels": [date_format(result.monthly.months[i], "M Y") for i in shown],
            "before": [
                result.periods.before.start.isoformat(),
                result.periods.before.end.isoformat(),
            ],
            "after": [result.periods.after.start.isoformat(), result.periods.after.end.isoformat()],
            **{name: [values[i] for i in shown] for name, values in result.monthly.counts.items()},
        }
    if not result.complete:
        out["verdict"] = "incomplete"
        out["verdict_text"] = _(
            "Efterperioden är inte slut förrän %(date)s. Effekten räknas först när den är slut, så "
            "att före och efter omfattar samma månader."
        ) % {"date": date_format(result.periods.after.end, "j F Y")}
        return out
    e = result.evaluation
    assert e is not None
    out["verdict"] = e.verdict
    out["verdict_text"] = verdicts()[e.verdict]
    out["floor"] = e.floor
    out["reasons"] = [reasons()[r] for r in e.reasons]
    out["minimum_detectable_effect"] = e.minimum_detectable_effect
    out["minimum_detectable_text"] = _(
        "Med de här antalen hade en effekt mindre än ungefär %(n)s händelser inte kunnat skiljas från slumpen."
    ) % {"n": numbers.number(e.minimum_detectable_effect)}
    res = e.relative_effect
    if isinstance(res, effect.RelativeEffectSize):
        low, high = res.change_interval
        out["relative_effect"] = {
            "res": res.res,
            "low": res.low,
            "high": res.high,
            "p": res.p,
            "change": res.change_against_comparison,
            "change_low": low,
            "change_high": high,
            "text": _(
                "Relativ effektstorlek %(res)s (95 %% intervall %(low)s–%(high)s; över 1 är bättre): "
                "%(change)s händelser i åtgärdsområdet mot vad jämförelseområdet förutsäger "
                "(%(clow)s till %(chigh)s)."
            )
            % {
                "res": numbers.number(res.res, 2),
                "low": numbers.number(res.low, 2),
                "high": numbers.number(res.high, 2),
                "change": _pct(res.change_against_comparison),
                "clow": _pct(low),
                "chigh": _pct(high),
            },
        }
    elif isinstance(res, effect.Undefined):
        out["relative_effect"] = {"undefined": reasons().get(res.code, res.code)}
    buffer_res = e.buffer_relative_effect
    if isinstance(buffer_res, effect.RelativeEffectSize):
        out["buffer_relative_effect"] = {
            "res": buffer_res.res,
            "low": buffer_res.low,
            "high": buffer_res.high,
            "text": buffer_verdicts()[buffer_res.direction],
        }
    if e.wdd is not None:
        parts = {"local": e.wdd.local, "displacement": e.wdd.displacement, "total": e.wdd.total}
        out["wdd"] = {
            name: None
            if part is None
            else {
                "estimate": part.estimate,
                "se": part.se,
                "low": part.low,
                "high": part.high,
                "p": part.p,
                "text": _("%(n)s händelser (95 %% intervall %(low)s till %(high)s, SE %(se)s)")
                % {
                    "n": numbers.number(part.estimate, 1),
                    "low": numbers.number(part.low, 1),
                    "high": numbers.number(part.high, 1),
                    "se": numbers.number(part.se, 1),
                },
            }
            for name, part in parts.items()
        }
        out["wdd"]["shared_comparison"] = e.wdd.shared_comparison
    d = e.displacement
    if d is not None:
        out["displacement"] = {
            "code": d.code,
            "reading": readings()[d.code],
            "wdq": d.wdq,
            "wdq_text": "–" if d.wdq is None else numbers.number(d.wdq, 2),
            "total_net_effect": d.total_net_effect,
            "tne_text": "–"
            if d.total_net_effect is None
            else numbers.number(d.total_net_effect, 1),
            "success": d.success,
            "buffer": d.buffer,
        }
    return out


def map_labels(data: dict[str, Any]) -> dict[str, str]:
    """One line per area for the map: its counts before → after and its change."""
    out = {}
    for area in data["areas"]:
        out[area["area"]] = _("%(label)s: %(before)s → %(after)s händelser (%(change)s)") % {
            "label": area["label"],
            "before": numbers.number(area["before"]),
            "after": numbers.number(area["after"]),
            "change": area["change_text"],
        }
    return out
