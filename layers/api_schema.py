"""What every JSON API operation may answer besides its own responses (a drf-spectacular hook).

The views document their own answers; these come from the layers around them for every operation alike:
the login (401 for a device token that is unknown, revoked or expired), permissions, CSRF and the second
factor (403), the municipality (404: another municipality's object is not found), the request throttle
(429), and for writes the body size limit (413). All have the one error body (``core.http.error_body``).
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string"},
        "fields": {
            "type": "object",
            "additionalProperties": {},
            "description": "per field, what is wrong with it",
        },
    },
}
_ERROR = {"$ref": "#/components/schemas/Error"}
COMMON: dict[str, str] = {
    "401": "Not logged in, or a device token that is unknown, revoked or expired, or whose user no "
    "longer works in its municipality (WWW-Authenticate says how to log in).",
    "403": "No permission for this, a session request without its CSRF token, or a second factor "
    "still to give.",
    "404": "Not found, or not in the user's municipality.",
    "429": "Too many requests; try again after Retry-After seconds.",
}
WRITES: dict[str, str] = {"413": "The request body is larger than the limit."}


def add_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: document the common error answers on every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA  # "fields" may nest (a list field's errors by position)
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            codes = {**COMMON, **(WRITES if method != "get" else {})}
            for code, description in codes.items():
                answer: dict[str, Any] = {
                    "description": description,
                    "content": {"application/json": {"schema": _ERROR}},
                }
                if code == "429":
                    answer["headers"] = {
                        "Retry-After": {"schema": {"type": "integer", "minimum": 1}}
                    }
                responses.setdefault(code, answer)
    return result
