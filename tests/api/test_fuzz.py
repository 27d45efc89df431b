"""Property-based fuzzing from the OpenAPI document (schemathesis): no request makes a 500."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from loaders.api.app import ApiSettings, create_app
from loaders.api.auth import issue_token
from tests.api.conftest import SECRET

_SPOOL_DIR = tempfile.TemporaryDirectory(prefix="omni-api-fuzz-")  # removed at exit
_SPOOL = Path(_SPOOL_DIR.name)
_APP = create_app(
    ApiSettings(secret=SECRET, spool_dir=_SPOOL, rate_per_second=1e6, rate_burst=10**6)
)
_TOKEN = issue_token(SECRET, ["AR"], 3600)
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case) -> None:
    response = case.call(headers={"Authorization": f"Bearer {_TOKEN}"})
    assert response.status_code < 500, response.text
    assert response.status_code in {200, 202, 401, 403, 405, 413, 422, 429}
