"""create_app: the ASGI app (Starlette) for the services and the configuration.

Starlette with uvicorn: both are small, kept and already used for nothing else here, so
the server adds no framework on top of what the app ships; Starlette gives routing,
streaming responses and a CORS middleware, uvicorn the HTTP parsing (h11).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from writer_app.server.config import EXTENSION_ORIGINS, ServeConfig
from writer_app.server.lt_api import LanguageToolApi
from writer_app.server.openai_api import OpenAIApi
from writer_app.server.security import GuardMiddleware
from writer_app.server.services import Services


def create_app(services: Services, config: ServeConfig) -> Starlette:
    lt = LanguageToolApi(services, config)
    openai = OpenAIApi(services, config)
    routes = [
        Route("/v2/languages", lt.languages, methods=["GET"]),
        Route("/v2/check", lt.check, methods=["GET", "POST"]),
        Route("/v1/models", openai.models, methods=["GET"]),
        Route("/v1/completions", openai.completions, methods=["POST"]),
        Route("/v1/chat/completions", openai.chat, methods=["POST"]),
    ]
    middleware = [
        Middleware(GuardMiddleware, config=config),
        Middleware(CORSMiddleware, allow_origins=list(config.allowed_origins),
                   allow_origin_regex=EXTENSION_ORIGINS, allow_methods=["GET", "POST"],
                   allow_headers=["Authorization", "Content-Type"], max_age=600),
    ]
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={404: _not_found, 405: _not_allowed})
    app.state.services = services
    return app


async def _not_found(request, exc) -> PlainTextResponse:
    return PlainTextResponse("Not found. This server offers /v2/check, /v2/languages, "
                             "/v1/models, /v1/completions and /v1/chat/completions.", 404)


async def _not_allowed(request, exc) -> PlainTextResponse:
    return PlainTextResponse("Method not allowed.", 405)
