"""The one error shape of ``geo``'s readers and checks: a key for the program, params for the words.

``geo`` stays free of Django and of Swedish wording: a reader raises ``InputProblem`` (or a subclass
named after its format) with a stable ``key`` and the values that explain it, and the caller at the
boundary words the message in the user's language (``layers.importers`` keeps one table per format).
"""

from __future__ import annotations


class InputProblem(ValueError):
    """Input that breaks a format or does not fit; ``key`` says which rule, ``params`` fill the message.

    Examples
    --------
    >>> problem = InputProblem("no_plan_area", "the plan has no plangeometri", object="9c2f")
    >>> problem.key, problem.params, str(problem)
    ('no_plan_area', {'object': '9c2f'}, 'the plan has no plangeometri')
    """

    def __init__(self, key: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.key = key
        self.params = params
