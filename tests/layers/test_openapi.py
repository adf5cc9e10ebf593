"""Both OpenAPI documents validate, and schemathesis finds no server error behind them (logged in)."""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import time
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from layers.models import Detaljplan
from layers.ogc import auth as ogc_auth
from layers.services import ensure_reference_data
from tests.factories import (
    VASBY_CENTRUM,
    DistrictFactory,
    IncidentFactory,
    ObservationFactory,
    WalkFactory,
    sensitive_category,
    square,
    user_with_role,
)

pytestmark = pytest.mark.django_db

EXAMPLES = 4  # per operation and mode: enough to hit each parameter, fast enough for make test


@pytest.fixture
def data() -> None:
    ogc_auth.forget_all()
    incident = IncidentFactory()
    for _ in range(5):
        IncidentFactory(category=sensitive_category())
    observation = ObservationFactory()
    ensure_reference_data(observation.municipality)  # offices: a new observation proposes an action
    # a walk with a start time, which the JSON API sends as "19:00" (local time, no seconds)
    WalkFactory(
        municipality=observation.municipality, name="Kvällsvandring", start_time=time(19, 0)
    )
    DistrictFactory(municipality=incident.municipality)
    Detaljplan.objects.create(
        municipality=incident.municipality,
        plan_id="P1",
        name="Centrum",
        area=square(*VASBY_CENTRUM, 100),
    )


@contextmanager
def connections_kept_open() -> Iterator[None]:
    """Call Django's WSGI app in this thread inside the test's transaction: as Django's test client does,
    hold back the signal that closes connections around each request (the client re-connects it after
    each of its own requests, so this wraps only the fuzzing)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def planner() -> User:
    return user_with_role("planerare", username="petra")


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_ogc_api_document_is_valid_openapi_3(data: None, planner: User) -> None:
    document = logged_in(planner).get("/ogc/api").json()

    validate(document)  # raises on an invalid document

    assert "/collections/incidents/items" in document["paths"]


def test_the_json_api_document_is_valid_openapi_3(data: None, planner: User) -> None:
    response = logged_in(planner).get("/api/v1/schema/", {"format": "json"})

    validate(response.json())

    assert any(path.startswith("/api/v1/") for path in response.json()["paths"])


def test_the_json_api_document_needs_a_login_like_every_api_call() -> None:
    assert Client().get("/api/v1/schema/").status_code in (401, 403)


def _fuzz(schema: Any, **call: Any) -> tuple[list[str], Counter[int]]:
    """Run every operation of ``schema`` with positive and negative examples.

    Returns the server errors and a count of the status codes seen (so a test can tell that the calls
    got through the login rather than all bouncing off it).
    """
    errors: list[str] = []
    statuses: Counter[int] = Counter()
    with connections_kept_open():
        _fuzz_operations(schema, errors, statuses, call)
    return errors, statuses


def _fuzz_operations(
    schema: Any, errors: list[str], statuses: Counter[int], call: dict[str, Any]
) -> None:
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: Any) -> None:
                response = case.call(**call)
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    errors.append(
                        f"{response.status_code} {case.method} {case.formatted_path} {case.query}"
                    )

            check()


def test_schemathesis_finds_no_server_error_in_the_ogc_api(data: None, planner: User) -> None:
    document = logged_in(planner).get("/ogc/api").json()
    schema = schemathesis.openapi.from_dict(document)
    schema.app = get_wsgi_application()
    token = base64.b64encode(b"petra:x-test-password-1").decode()

    errors, statuses = _fuzz(schema, headers={"Authorization": f"Basic {token}"})

    assert errors == []
    assert statuses[200] > 100 and statuses[400] > 10, statuses
    assert statuses[401] == 0


def test_schemathesis_finds_no_server_error_in_the_json_api(data: None) -> None:
    # Field staff may also write (observations, walk status), so the fuzz reaches the write paths too;
    # the session's CSRF token goes along as a browser would send it.
    client = logged_in(user_with_role("faltpersonal", username="fredrik"))
    client.get("/")  # sets the csrftoken cookie
    csrf = client.cookies["csrftoken"].value
    document = client.get("/api/v1/schema/", {"format": "json"}).json()
    schema = schemathesis.openapi.from_dict(document)
    schema.app = get_wsgi_application()

    errors, statuses = _fuzz(
        schema,
        cookies={"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf},
        headers={"X-CSRFToken": csrf},
    )

    assert errors == []
    assert statuses[200] > 0 and statuses[400] > 0, (
        statuses
    )  # reads got through; bad writes were refused
    assert statuses[403] == 0, statuses  # the login and its CSRF token held for every call


# --- the documents say what the server sends (issue 10) -------------------------------------------

CONFORMANCE = [
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]


def _conformance(schema: Any, **call: Any) -> list[str]:
    """Every operation, positive and negative examples: each answer must be one the document lists,
    in the content type it lists, with a body that validates against its schema."""
    failures: list[str] = []
    with connections_kept_open():
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @given(case=operation.as_strategy(generation_mode=mode))
                @settings(
                    max_examples=EXAMPLES,
                    deadline=None,
                    database=None,
                    derandomize=True,
                    suppress_health_check=list(HealthCheck),
                )
                def check(case: Any) -> None:
                    response = case.call(**call)
                    try:
                        case.validate_response(response, checks=CONFORMANCE)
                    except FailureGroup as e:
                        first = str(e).strip().splitlines()[:6]
                        failures.append(
                            f"{response.status_code} {case.method} {case.formatted_path}: "
                            + " | ".join(first)
                        )

                check()
    return failures


def test_every_ogc_answer_is_one_the_ogc_document_describes(data: None, planner: User) -> None:
    document = logged_in(planner).get("/ogc/api").json()
    schema = schemathesis.openapi.from_dict(document)
    schema.app = get_wsgi_application()
    token = base64.b64encode(b"petra:x-test-password-1").decode()

    failures = _conformance(schema, headers={"Authorization": f"Basic {token}"})

    assert failures == [], "\n".join(sorted(set(failures))[:40])


def test_every_json_api_answer_is_one_the_json_api_document_describes(data: None) -> None:
    client = logged_in(user_with_role("faltpersonal", username="fredrik"))
    client.get("/")
    csrf = client.cookies["csrftoken"].value
    document = client.get("/api/v1/schema/", {"format": "json"}).json()
    schema = schemathesis.openapi.from_dict(document)
    schema.app = get_wsgi_application()

    failures = _conformance(
        schema,
        cookies={"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf},
        headers={"X-CSRFToken": csrf},
    )

    assert failures == [], "\n".join(sorted(set(failures))[:40])
