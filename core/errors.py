"""Errors a user can cause, with messages that are safe to show them. No HTTP here (STYLE.md §11).

Domain code raises these; the boundary (a view, a command, the admin) turns them into an answer: a view
through ``core.http.error_response``, a command into ``CommandError``.
"""

from __future__ import annotations


class TryggError(Exception):
    """Base of every error a user can cause; ``fields`` names what was wrong (field -> message)."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotInMunicipality(TryggError):
    """The object or municipality is not the user's own: answered as "not found" (404), never 403."""


class NotAllowed(TryggError):
    """The user may not make this change (e.g. an analyst changing what is sensitive): 403."""
