"""GuardMiddleware: every refusal the server makes before a request reaches its handler.

- a Host header other than loopback names or the bound one (DNS rebinding): 403;
- an Origin that is neither a browser extension nor configured (no wildcard CORS): 403;
- without the token (Bearer header; LanguageTool's apiKey is checked by its handler): 401;
- a declared body over the limit: 413 (handlers count bodies sent without a length);
- more requests in progress than allowed: 429.

It also writes the access log: method, path, status and time, never a query string or
a body, since those hold the writer's text.
"""

from __future__ import annotations

import hmac
import logging
import re
import time

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from writer_app.server.config import EXTENSION_ORIGINS, ServeConfig, host_header_name

log = logging.getLogger("writer_app.server")
PUBLIC_PATHS = frozenset({"/v2/languages"})
ROUTES = frozenset({"/v2/languages", "/v2/check", "/v1/models", "/v1/completions",
                    "/v1/chat/completions"})
AUTHORIZED = "writer_app.authorized"  # scope key: the Bearer token was right


def origin_allowed(origin: str, config: ServeConfig) -> bool:
    return origin in config.allowed_origins or re.match(EXTENSION_ORIGINS, origin) is not None


def token_matches(given: str, token: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


class GuardMiddleware:
    def __init__(self, app: ASGIApp, config: ServeConfig) -> None:
        self.app = app
        self.config = config
        self.hosts = config.host_names()
        self.active = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 0}

        async def logged_send(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        refusal = self._refusal(scope)
        try:
            if refusal is not None:
                code, message, headers = refusal
                response = PlainTextResponse(message, code, headers=headers)
                await response(scope, receive, logged_send)
                return
            counted = scope["method"] != "OPTIONS"
            self.active += counted
            try:
                await self.app(scope, receive, logged_send)
            finally:
                self.active -= counted
        finally:
            path = scope["path"] if scope["path"] in ROUTES else "(another path)"
            log.info("%s %s %d %.0f ms", scope["method"][:10], path, status["code"],
                     (time.perf_counter() - started) * 1000)

    def _refusal(self, scope: Scope) -> tuple[int, str, dict[str, str] | None] | None:
        config = self.config
        headers = Headers(scope=scope)
        host = host_header_name(headers.get("host", ""))
        if host not in self.hosts:
            return 403, "Host not allowed: this server does not answer to that name.", None
        origin = headers.get("origin")
        if origin is not None and not origin_allowed(origin, config):
            return 403, "Origin not allowed.", None
        if scope["method"] == "OPTIONS":
            return None  # a CORS preflight: answered by the CORS middleware
        if config.token and scope["path"] not in PUBLIC_PATHS:
            authorization = headers.get("authorization", "")
            scheme, _, given = authorization.partition(" ")
            scope[AUTHORIZED] = scheme.lower() == "bearer" and token_matches(
                given.strip(), config.token)
            if not scope[AUTHORIZED] and not scope["path"].startswith("/v2/"):
                return 401, "A valid token is required (Authorization: Bearer ...).", {
                    "WWW-Authenticate": "Bearer"}
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > config.max_body_bytes):
            return 413, f"The request is larger than {config.max_body_bytes} bytes.", None
        if self.active >= config.max_concurrent:
            return 429, "Too many requests at once; try again shortly.", {"Retry-After": "1"}
        return None
