"""Bearer tokens: HS256 JWTs that name the instances they may write and read, and expire.

The secret comes from the environment only (never a file in the repository, never a log line).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass

import jwt

SECRET_ENV = "OMNI_API_SECRET"
MIN_SECRET_BYTES = 32
ALGORITHM = "HS256"


class SecretError(RuntimeError):
    """No usable secret: the server refuses to start and no token can be issued."""


class TokenError(Exception):
    """Missing, malformed, badly signed or expired token (HTTP 401)."""


@dataclass(frozen=True)
class Claims:
    instances: frozenset[str]
    expires_at: int
    token_id: str  # a hash of the token: rate limits are per token without keeping the token

    def allows(self, instance: str) -> bool:
        return instance in self.instances


def secret_from_env(environ: dict[str, str] | None = None) -> str:
    """The signing secret; at least 32 bytes, because HS256 with a short key is guessable."""
    secret = (environ if environ is not None else os.environ).get(SECRET_ENV, "")
    if not secret:
        raise SecretError(f"{SECRET_ENV} is not set: export a random secret of 32+ characters")
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise SecretError(f"{SECRET_ENV} is shorter than {MIN_SECRET_BYTES} bytes")
    return secret


def issue_token(
    secret: str, instances: list[str], expires_in: int, now: float | None = None
) -> str:
    """A token for `instances`, valid `expires_in` seconds from now."""
    if not instances:
        raise ValueError("a token needs at least one instance")
    if expires_in <= 0:
        raise ValueError("expires_in must be a positive number of seconds")
    issued = int(now if now is not None else time.time())
    claims = {"instances": sorted(set(instances)), "iat": issued, "exp": issued + expires_in}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(secret: str, authorization: str | None) -> Claims:
    """Claims of an `Authorization: Bearer <JWT>` header; TokenError says why not."""
    if not authorization:
        raise TokenError("missing bearer token")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise TokenError("expected 'Authorization: Bearer <token>'")
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp"]})
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("token expired") from exc
    except jwt.PyJWTError as exc:
        raise TokenError("invalid token") from exc
    instances = claims.get("instances")
    if not isinstance(instances, list) or not all(isinstance(i, str) for i in instances):
        raise TokenError("invalid token: 'instances' must be a list of instance ids")
    token_id = hashlib.sha256(token.encode()).hexdigest()[:16]
    return Claims(frozenset(instances), int(claims["exp"]), token_id)
