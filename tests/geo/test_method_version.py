"""The method version changes whenever the criteria do, so a stored assessment says what computed it.

The fingerprint is a hash of the criteria's code (``geo/criteria/*.py``) as Python reads it: comments,
docstrings and formatting do not count; a changed formula, threshold, input rule, sentence or weight
does. When this test fails, the criteria changed: set ``METHOD_VERSION`` in geo/criteria/__init__.py to
a new version (and add it to ``METHODS`` if criteria were added or removed), say what changed in
docs/method.md ("Metodversion"), and record the new fingerprint below.
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import geo.criteria
from geo import criteria

# 2026.12 was recorded again (d0784aa8…) when the apps took it into use (IN_USE_VERSION =
# METHOD_VERSION, decision 0744): no criterion's formula, input, sentence or weight changed. And again
# (a6e57fa5…) when the light around a walk or a car park was made from the lamps within reach only:
# the same covers where they are measured, the same values and evidence on the benchmark town. And
# again (9998f857…) when parking, transport and territoriality were split into named helpers to keep
# each function under ruff's complexity limit (C901, 15): a move of code only, no formula, input,
# sentence or weight changed; value, evidence, sentence, measures and confidence were identical on 900
# derandomized hypothesis scenes of the monotonicity tests, before and after. And again (03642984…)
# when Graph._matrix was annotated as the CSR matrix it returns (scipy-stubs): a type only.
FINGERPRINTS = {
    "2026.12": "0364298498ef40bd",
}


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return tree


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(geo.criteria.__file__).parent.glob("*.py")):
        tree = _without_docstrings(ast.parse(path.read_text(encoding="utf-8")))
        digest.update(path.name.encode())
        digest.update(ast.dump(tree).encode())
    return digest.hexdigest()[:16]


def test_the_fingerprint_ignores_comments_docstrings_and_layout() -> None:
    a = ast.dump(
        _without_docstrings(ast.parse('def f(x):\n    """Doc."""\n    return x + 1  # one\n'))
    )
    b = ast.dump(_without_docstrings(ast.parse("def f(x):\n\n    return (x\n            + 1)\n")))
    c = ast.dump(_without_docstrings(ast.parse("def f(x):\n    return x + 2\n")))

    assert a == b
    assert a != c


def test_the_method_version_changes_whenever_the_criteria_do() -> None:
    assert criteria.METHOD_VERSION in FINGERPRINTS, "record the fingerprint of the new version"
    assert fingerprint() == FINGERPRINTS[criteria.METHOD_VERSION], (
        f"The criteria's code changed (fingerprint {fingerprint()}): give the method a new version "
        "(geo/criteria/__init__.py), describe it in docs/method.md and record the fingerprint here."
    )


def test_every_method_names_only_criteria_this_code_computes() -> None:
    for version, method in criteria.METHODS.items():
        assert method.version == version
        assert set(method.keys) <= set(criteria.ALL_CRITERIA), version
