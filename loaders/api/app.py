"""The real-time Omnichannel API (SPEC §4): FastAPI app, limits, and `omni serve`.

Checks run in this order, so a client learns the cheapest thing first: token (401), rate (429),
body size (413), JSON and fields (422), instance (403). A write is answered 202 only after its
records are fsynced to the spool. Logs name the method, path, status and record count: never a
token, a query string or a payload (they hold emails and names).
"""

import asyncio
import json
import logging
import math
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel, TypeAdapter, ValidationError

from loaders.api.auth import Claims, TokenError, secret_from_env, verify_token
from loaders.api.models import (
    CUSTOMER_EXAMPLE,
    ORDER_EXAMPLE,
    CustomerIn,
    OrderIn,
    customer_record,
    order_record,
)
from loaders.api.spool import SpoolWriter
from loaders.api.store import OrderFilter, OrderStore

# No `from __future__ import annotations` here: FastAPI reads the endpoints' annotations, and
# `Depends(authorize)` names a closure it could not resolve from a string.
log = logging.getLogger("omni.api")


@dataclass(frozen=True)
class ApiSettings:
    secret: str
    spool_dir: Path
    max_body_bytes: int = 1_048_576
    max_items: int = 1000
    rate_per_second: float = 20.0
    rate_burst: int = 100

    @classmethod
    def from_env(cls, spool_dir: Path, environ: dict[str, str] | None = None) -> "ApiSettings":
        env = environ if environ is not None else dict(os.environ)
        return cls(
            secret=secret_from_env(env),
            spool_dir=spool_dir,
            max_body_bytes=int(env.get("OMNI_API_MAX_BODY_BYTES", cls.max_body_bytes)),
            max_items=int(env.get("OMNI_API_MAX_ITEMS", cls.max_items)),
            rate_per_second=float(env.get("OMNI_API_RATE_PER_SECOND", cls.rate_per_second)),
            rate_burst=int(env.get("OMNI_API_RATE_BURST", cls.rate_burst)),
        )


class RateLimiter:
    """Token bucket per bearer token (by hash): `burst` requests at once, `rate` per second."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str, now: float | None = None) -> int:
        """0 when the request may go ahead, else whole seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / self.rate))


class OrderKey(BaseModel):
    instance: str
    storeCode: str
    orderNumber: str


class CustomerKey(BaseModel):
    instance: str
    userId: str


class AcceptedOrders(BaseModel):
    accepted: int
    keys: list[OrderKey]


class AcceptedCustomers(BaseModel):
    accepted: int
    keys: list[CustomerKey]


class OrdersPage(BaseModel):
    offset: int
    limit: int
    total: int
    items: list[dict[str, Any]]


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> HTTPException:
    return HTTPException(status_code=status, detail=message, headers=headers)


def _clean_errors(errors: list[dict[str, Any]], prefix: tuple[Any, ...]) -> list[dict[str, Any]]:
    """pydantic's errors without the offending input (it may be someone's email)."""
    return [
        {"loc": [*prefix, *error["loc"]], "msg": error["msg"], "type": error["type"]}
        for error in errors
    ]


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _error(413, f"request body larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise _error(413, f"request body larger than {limit} bytes")
    return bytes(body)


def _parse_items(body: bytes, model: type[BaseModel], max_items: int) -> list[BaseModel]:
    """One object or an array of them, each validated; 422 names every bad field."""
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RequestValidationError(
            [{"loc": ["body"], "msg": f"invalid JSON: {exc}", "type": "json_invalid"}]
        ) from None
    single = isinstance(payload, dict)
    items = [payload] if single else payload
    if not isinstance(items, list) or not items:
        raise RequestValidationError(
            [{"loc": ["body"], "msg": "expected an object or a non-empty array", "type": "type"}]
        )
    if len(items) > max_items:
        raise RequestValidationError(
            [
                {
                    "loc": ["body"],
                    "msg": f"at most {max_items} items per request, got {len(items)}",
                    "type": "too_long",
                }
            ]
        )
    adapter = TypeAdapter(model)
    parsed, errors = [], []
    for position, item in enumerate(items):
        try:
            parsed.append(adapter.validate_python(item))
        except ValidationError as exc:
            prefix = ("body",) if single else ("body", position)
            errors.extend(_clean_errors(exc.errors(), prefix))
    if errors:
        raise RequestValidationError(errors)
    return parsed


def _check_instances(claims: Claims, items: list[BaseModel]) -> None:
    refused = sorted({i.instance for i in items if not claims.allows(i.instance)})  # type: ignore[attr-defined]
    if refused:
        raise _error(403, f"token does not grant instance(s): {', '.join(refused)}")


def _request_body_schema(name: str, example: dict[str, Any]) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{name}"}
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"anyOf": [ref, {"type": "array", "items": ref, "minItems": 1}]},
                "examples": {
                    "one": {"summary": "one record", "value": example},
                    "bulk": {"summary": "an array (bulk)", "value": [example]},
                },
            }
        },
    }


_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "missing, invalid or expired token"},
    403: {"description": "the token does not grant this instance"},
    413: {"description": "request body over the size limit"},
    422: {"description": "invalid JSON or fields (each bad field named by its `loc`)"},
    429: {"description": "too many requests for this token; see Retry-After"},
}


def create_app(settings: ApiSettings) -> FastAPI:
    """The app; the spool writer thread lives as long as the app's lifespan."""
    writers: list[SpoolWriter] = []
    writer_lock = threading.Lock()
    store = OrderStore(settings.spool_dir)
    limiter = RateLimiter(settings.rate_per_second, settings.rate_burst)

    def writer() -> SpoolWriter:
        """This process's spool writer, started on first use (with or without a lifespan)."""
        with writer_lock:
            if not writers:
                writers.append(SpoolWriter(settings.spool_dir))
            return writers[0]

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        with writer_lock:
            while writers:
                writers.pop().close()

    app = FastAPI(
        title="Omnichannel API",
        version="1",
        description="Real-time orders and customers (ICOMMKT Omnichannel API shape, SPEC §4).",
        lifespan=lifespan,
    )

    @app.middleware("http")
    async def log_requests(request: Request, call_next: Callable) -> Any:
        started = time.monotonic()
        response = await call_next(request)
        log.info(
            "%s %s -> %s in %.1f ms",
            request.method,
            request.url.path,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response

    def authorize(request: Request) -> Claims:
        try:
            claims = verify_token(settings.secret, request.headers.get("authorization"))
        except TokenError as exc:
            raise _error(401, str(exc), {"WWW-Authenticate": "Bearer"}) from None
        wait = limiter.retry_after(claims.token_id)
        if wait:
            raise _error(429, "too many requests for this token", {"Retry-After": str(wait)})
        return claims

    async def spool(lines: list[bytes]) -> None:
        try:
            await asyncio.wrap_future(writer().submit(lines))
        except OSError:
            log.exception("spool write failed")
            raise _error(503, "could not store the records; nothing was accepted") from None

    @app.post(
        "/v1/orders",
        status_code=202,
        response_model=AcceptedOrders,
        responses=_ERROR_RESPONSES,
        openapi_extra={"requestBody": _request_body_schema("OrderIn", ORDER_EXAMPLE)},
        summary="Accept one order or an array of orders (an existing order key is updated)",
    )
    async def post_orders(
        request: Request, claims: Annotated[Claims, Depends(authorize)]
    ) -> AcceptedOrders:
        body = await _read_body(request, settings.max_body_bytes)
        orders = _parse_items(body, OrderIn, settings.max_items)
        _check_instances(claims, orders)
        lines = [writer().record("order", o.instance, order_record(o))[0] for o in orders]  # type: ignore[attr-defined]
        await spool(lines)
        log.info("accepted %d order(s)", len(orders))
        return AcceptedOrders(
            accepted=len(orders),
            keys=[
                OrderKey(instance=o.instance, storeCode=o.StoreCode, orderNumber=o.OrderNumber)  # type: ignore[attr-defined]
                for o in orders
            ],
        )

    @app.post(
        "/v1/customers",
        status_code=202,
        response_model=AcceptedCustomers,
        responses=_ERROR_RESPONSES,
        openapi_extra={"requestBody": _request_body_schema("CustomerIn", CUSTOMER_EXAMPLE)},
        summary="Accept one customer or an array (extra members are kept as attributes)",
    )
    async def post_customers(
        request: Request, claims: Annotated[Claims, Depends(authorize)]
    ) -> AcceptedCustomers:
        body = await _read_body(request, settings.max_body_bytes)
        customers = _parse_items(body, CustomerIn, settings.max_items)
        _check_instances(claims, customers)
        lines = [writer().record("customer", c.instance, customer_record(c))[0] for c in customers]  # type: ignore[attr-defined, arg-type]
        await spool(lines)
        log.info("accepted %d customer(s)", len(customers))
        return AcceptedCustomers(
            accepted=len(customers),
            keys=[CustomerKey(instance=c.instance, userId=c.UserId) for c in customers],  # type: ignore[attr-defined]
        )

    @app.get(
        "/v1/orders",
        response_model=OrdersPage,
        responses={k: v for k, v in _ERROR_RESPONSES.items() if k != 413},
        summary="Orders accepted through the API (latest version of each), filtered and paged",
    )
    def get_orders(
        instance: Annotated[str, Query(min_length=1, max_length=50, description="business unit")],
        claims: Annotated[Claims, Depends(authorize)],
        email: Annotated[str | None, Query(max_length=254, description="customer's email")] = None,
        sourceUserId: Annotated[str | None, Query(max_length=50)] = None,
        storeCode: Annotated[str | None, Query(max_length=30)] = None,
        orderNumber: Annotated[str | None, Query(max_length=50)] = None,
        date: Annotated[date | None, Query(description="order date YYYY-MM-DD")] = None,
        dateStart: Annotated[date | None, Query(description="first order date, inclusive")] = None,
        dateEnd: Annotated[date | None, Query(description="last order date, inclusive")] = None,
        offset: Annotated[int, Query(ge=0, le=10_000_000, description="items to skip")] = 0,
        limit: Annotated[int, Query(ge=1, le=1000, description="items per page")] = 20,
    ) -> OrdersPage:
        if not claims.allows(instance):
            raise _error(403, f"token does not grant instance {instance}")
        where = OrderFilter(
            instance, email, sourceUserId, storeCode, orderNumber, date, dateStart, dateEnd
        )
        total, items = store.query(where, offset, limit)
        return OrdersPage(offset=offset, limit=limit, total=total, items=items)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", [])), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse(status_code=422, content={"detail": errors})

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            components = schema.setdefault("components", {})
            schemas = components.setdefault("schemas", {})
            for model in (OrderIn, CustomerIn):
                model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(model_schema.pop("$defs", {}))
                schemas[model.__name__] = model_schema
            components["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            }
            schema["security"] = [{"bearer": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def serve(settings: ApiSettings, host: str, port: int) -> None:
    """Run the API with uvicorn; its access log is off because URLs carry emails."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    uvicorn.run(create_app(settings), host=host, port=port, access_log=False, log_level="info")
