"""Property-based: requests generated from the server's own /openapi.json, valid and invalid,
sent with a valid token to the real server (uvicorn on loopback, SQLite and PostgreSQL).

Every answer must be a non-5xx answer the published schema describes (status, content type,
body). Bounded: a few examples per operation, about half a minute per backend.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from csm_tui.server import admin
from tests.server.world import RunningServer

# CSM_TUI_FUZZ_EXAMPLES=500 for a longer hunt by hand; the suite keeps to about a minute.
EXAMPLES_PER_OPERATION = int(os.environ.get("CSM_TUI_FUZZ_EXAMPLES", "25"))


@pytest.fixture(scope="session")
def api_token(server: RunningServer) -> str:
    team = admin.create_team(server.db, f"fuzz-{server.backend}")
    user = admin.create_user(server.db, f"fuzz-{server.backend}", "lead", team.id)
    return admin.issue_token(server.db, user.id)


@pytest.fixture
def api_schema(server: RunningServer):
    return schemathesis.openapi.from_url(server.base_url + "/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize="CSM_TUI_FUZZ_EXAMPLES" not in os.environ,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests_get_no_server_error_and_answers_the_schema_describes(case, api_token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_token}"},
        timeout=30,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
