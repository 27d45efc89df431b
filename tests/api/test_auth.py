"""Auth matrix (SPEC §4): 401 for a missing, malformed, forged or expired token, 403 for another
instance, and the token issued by `omni token`."""

from __future__ import annotations

import time

import jwt
import pytest
from fastapi.testclient import TestClient

from loaders.api.auth import SecretError, issue_token, secret_from_env, verify_token
from tests.api.conftest import SECRET, bearer, order
from tests.conftest import run_omni

CUSTOMER = {"instance": "AR", "UserId": "U1", "Email": "ana@example.com"}
ENDPOINTS = [
    ("post", "/v1/orders", {"json": order("A1")}, 202),
    ("post", "/v1/customers", {"json": CUSTOMER}, 202),
    ("get", "/v1/orders", {"params": {"instance": "AR"}}, 200),
]


_FOREVER_AR = {"instances": ["AR"], "exp": 2**40}


def _expired_token() -> str:
    return issue_token(SECRET, ["AR"], 60, now=time.time() - 3600)


@pytest.mark.parametrize(("method", "path", "kwargs", "ok"), ENDPOINTS)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not-a-jwt"},
        bearer(["AR"], secret="another-secret-0123456789-abcdefghijkl"),
        {"Authorization": f"Bearer {_expired_token()}"},
        # a token without expiry is refused even when correctly signed
        {"Authorization": f"Bearer {jwt.encode({'instances': ['AR']}, SECRET, 'HS256')}"},
        {"Authorization": f"Bearer {jwt.encode({'exp': 2**40}, SECRET, 'HS256')}"},
        # alg "none": unsigned tokens must never pass
        {"Authorization": f"Bearer {jwt.encode(_FOREVER_AR, None, 'none')}"},
    ],
    ids=[
        "missing",
        "basic",
        "empty",
        "garbage",
        "wrong-secret",
        "expired",
        "no-exp",
        "no-instances",
        "alg-none",
    ],
)
def test_bad_tokens_get_401(
    client: TestClient, method: str, path: str, kwargs: dict, ok: int, headers: dict
) -> None:
    response = client.request(method, path, headers=headers, **kwargs)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path", "kwargs", "ok"), ENDPOINTS)
def test_other_instance_gets_403_and_own_instance_passes(
    client: TestClient, method: str, path: str, kwargs: dict, ok: int
) -> None:
    assert client.request(method, path, headers=bearer(["CL"]), **kwargs).status_code == 403
    assert client.request(method, path, headers=bearer(["CL", "AR"]), **kwargs).status_code == ok


def test_bulk_with_one_foreign_instance_is_refused_whole(client: TestClient) -> None:
    body = [order("A1"), order("A2", instance="CL")]
    response = client.post("/v1/orders", json=body, headers=bearer(["AR"]))
    assert response.status_code == 403
    assert "CL" in response.json()["detail"]
    assert (
        client.get("/v1/orders", params={"instance": "AR"}, headers=bearer(["AR"])).json()["total"]
        == 0
    )


def test_secret_must_be_set_and_long() -> None:
    with pytest.raises(SecretError):
        secret_from_env({})
    with pytest.raises(SecretError):
        secret_from_env({"OMNI_API_SECRET": "short"})
    assert secret_from_env({"OMNI_API_SECRET": SECRET}) == SECRET


def test_omni_token_prints_a_token_for_the_instances(omni_env: dict[str, str]) -> None:
    issued = run_omni(
        omni_env, "token", "--instance", "AR", "--instance", "UY", "--expires-in", "120"
    )
    assert issued.returncode == 0, issued.stderr
    claims = verify_token(SECRET, f"Bearer {issued.stdout.strip()}")
    assert claims.instances == {"AR", "UY"}
    assert 110 <= claims.expires_at - time.time() <= 120


def test_omni_serve_and_token_refuse_without_secret(omni_env: dict[str, str]) -> None:
    env = {k: v for k, v in omni_env.items() if k != "OMNI_API_SECRET"}
    served = run_omni(env, "serve", "--port", "1")
    assert served.returncode == 2
    assert "OMNI_API_SECRET" in served.stdout
    assert run_omni(env, "token", "--instance", "AR").returncode == 2
