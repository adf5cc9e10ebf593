"""Numbers and counted nouns in Swedish sentences: the one place that writes them.

Every sentence Trygg builds (a criterion's explanation, a chart's note, an import report) writes its
numbers through these helpers, so a sentence says "9,9" where the table beside it says "9,89" rounded,
never "9.9", and "1 mörk sträcka" but "2 mörka sträckor" (docs/decisions/0681). The Django side
(templates, PDFs) reaches the same functions through ``core.numbers``.

Swedish style (Språkrådet, *Svenska skrivregler*): decimal comma; digits grouped by three with a space
from four digits on; a space between a number and its unit, also before ``%``. The spaces here are
non-breaking (U+00A0), so a number never wraps away from its unit or its thousands.

This module is pure Python (no Django), so ``geo`` may use it; it sits with ``geo`` because ``geo`` is
the bottom layer and every app may import it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

NBSP = "\u00a0"


def number(value: float, decimals: int = 0) -> str:
    """``value`` with a decimal comma and non-breaking spaces between thousands.

    Parameters
    ----------
    value : float
        The number; NaN and infinities are written as "–".
    decimals : int
        Digits after the comma (rounded half to even, as Python's ``round``).

    Examples
    --------
    >>> number(1234567.891, 2).replace(NBSP, " ")
    '1 234 567,89'
    >>> number(9.89, 1), number(1234), number(999)
    ('9,9', '1\\xa0234', '999')
    >>> number(-0.04, 1)  # a rounded zero has no sign
    '0,0'
    >>> number(float("nan"))
    '–'
    """
    if not math.isfinite(value):
        return "–"
    text = f"{value:,.{max(0, decimals)}f}"
    if text.lstrip("-").strip("0,.") == "":
        text = text.lstrip("-")
    return text.replace(",", NBSP).replace(".", ",")


def plural(n: float, singular: str, plural_form: str) -> str:
    """The form of a noun phrase that goes with ``n``: singular for exactly 1, else plural.

    Swedish takes the plural for 0 and for decimals ("0 sträckor", "1,5 timmar").

    >>> plural(1, "mörk sträcka", "mörka sträckor"), plural(0, "mörk sträcka", "mörka sträckor")
    ('mörk sträcka', 'mörka sträckor')
    >>> plural(1.0, "gång", "gånger"), plural(1.4, "gång", "gånger")
    ('gång', 'gånger')
    """
    return singular if n == 1 else plural_form


def count(n: float, singular: str, plural_form: str, decimals: int = 0) -> str:
    """``n`` and the noun phrase that agrees with it, as written: "1 mörk sträcka", "2 mörka sträckor".

    The number is rounded as shown before the form is chosen, so 0,96 shown as "1" takes the singular.

    >>> count(1, "tunnel", "tunnlar"), count(3, "tunnel", "tunnlar")
    ('1\\xa0tunnel', '3\\xa0tunnlar')
    >>> count(0.96, "händelse", "händelser").replace(NBSP, " ")
    '1 händelse'
    >>> count(12345, "person", "personer").replace(NBSP, " ")
    '12 345 personer'
    """
    shown = round(n, decimals)
    return f"{number(shown, decimals)}{NBSP}{plural(shown, singular, plural_form)}"


def percent(share: float, decimals: int = 0) -> str:
    """A share (0–1) as a Swedish percentage.

    >>> percent(0.4567), percent(0.4567, 1)
    ('46\\xa0%', '45,7\\xa0%')
    """
    return f"{number(100 * share, decimals)}{NBSP}%"


def metres(length_m: float) -> str:
    """A length in whole metres.

    >>> metres(1234.4).replace(NBSP, " ")
    '1 234 m'
    """
    return f"{number(length_m)}{NBSP}m"


def unit(value: float, symbol: str, decimals: int = 0) -> str:
    """A number and its unit symbol, with a non-breaking space between.

    >>> unit(0.5, "ha", 1).replace(NBSP, " "), unit(12, "km²").replace(NBSP, " ")
    ('0,5 ha', '12 km²')
    """
    return f"{number(value, decimals)}{NBSP}{symbol}"


def shown_equal(a: float, b: float, decimals: int) -> bool:
    """Whether ``a`` and ``b`` look the same when written with ``decimals`` digits.

    A sentence that says "lägre än … (9,9)" about 9,9 contradicts itself; comparisons in sentences are
    made on the numbers as shown.

    >>> shown_equal(9.86, 9.94, 1), shown_equal(9.84, 9.86, 1)
    (True, False)
    """
    return number(a, decimals) == number(b, decimals)


def compare(
    a: float,
    b: float,
    decimals: int,
    *,
    higher: str = "högre",
    lower: str = "lägre",
    equal: str = "lika",
) -> str:
    """ "högre", "lägre" or "lika": ``a`` against ``b`` as both are shown with ``decimals`` digits.

    >>> compare(9.87, 9.91, 1), compare(10.2, 9.9, 1), compare(9.4, 9.9, 1)
    ('lika', 'högre', 'lägre')
    """
    if shown_equal(a, b, decimals):
        return equal
    return higher if a > b else lower


def join(items: Sequence[str], conjunction: str = "och") -> str:
    """Items as a Swedish list: "a", "a och b", "a, b och c" (no serial comma).

    >>> join(["gatlampor"]), join(["gatlampor", "hållplatser"]), join(["a", "b", "c"], "eller")
    ('gatlampor', 'gatlampor och hållplatser', 'a, b eller c')
    >>> join([])
    ''
    """
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def capitalise(text: str) -> str:
    """The first letter in upper case, the rest as it is (``str.capitalize`` lowers the rest).

    >>> capitalise("närmaste hållplats vid SL")
    'Närmaste hållplats vid SL'
    """
    return text[:1].upper() + text[1:]
