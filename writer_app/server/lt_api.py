"""LanguageTool's HTTP API v2: GET /v2/languages and GET or POST /v2/check.

/v2/check takes LanguageTool's parameters (query string or form body): ``text`` or
``data`` (the annotation format), ``language`` (en-US or en-GB: that variant's spelling;
en: both spellings accepted; auto: ``preferredVariants`` picks, else the server's default),
``enabledRules``, ``disabledRules``, ``enabledCategories``, ``disabledCategories``,
``enabledOnly``, ``level`` (default or picky) and ``apiKey`` (the token).
Errors are plain text, as LanguageTool sends them.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from writer_app.cli_input import line_pieces
from writer_app.core.gec.edits import GrammarEdit
from writer_app.core.gec.languagetool import RuleSelection, to_languagetool
from writer_app.core.gec.source_text import AnnotationError, SourceText
from writer_app.server.common import RefusedError, read_body
from writer_app.server.config import ServeConfig
from writer_app.server.jobs import UnavailableError
from writer_app.server.security import AUTHORIZED, token_matches
from writer_app.server.services import Services

VARIANTS = ("en-US", "en-GB")
LANGUAGE_LIST = [
    {"name": "English", "code": "en", "longCode": "en"},
    {"name": "English (US)", "code": "en", "longCode": "en-US"},
    {"name": "English (GB)", "code": "en", "longCode": "en-GB"},
]


class LanguageToolApi:
    def __init__(self, services: Services, config: ServeConfig) -> None:
        self.services = services
        self.config = config

    async def languages(self, request: Request) -> Response:
        return JSONResponse(LANGUAGE_LIST)

    async def check(self, request: Request) -> Response:
        try:
            params = await self._params(request)
            self._authorize(request, params)
            return JSONResponse(await self._check(params))
        except RefusedError as refused:
            return PlainTextResponse(f"Error: {refused.message}", refused.status)

    async def _params(self, request: Request) -> dict[str, str]:
        params = dict(request.query_params)
        if request.method == "POST":
            kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind not in ("", "application/x-www-form-urlencoded"):
                raise RefusedError(415, "send the parameters form-encoded "
                                   "(application/x-www-form-urlencoded)")
            body = await read_body(request, self.config.max_body_bytes)
            try:
                params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                raise RefusedError(400, "the form body is not valid UTF-8") from None
        return params

    def _authorize(self, request: Request, params: dict[str, str]) -> None:
        token = self.config.token
        if not token or request.scope.get(AUTHORIZED):
            return
        if not token_matches(params.get("apiKey", ""), token):
            raise RefusedError(401, "a valid apiKey (the server's token) is required")

    async def _check(self, params: dict[str, str]) -> dict:
        source = _source(params, self.config.max_check_chars)
        code, variant = self._language(params)
        selection = _selection(params)
        checks = self.services.checks
        if checks is None:
            raise RefusedError(503, "grammar checking is not available on this server")
        # paragraphs, a long one in pieces (as `writer-app check` cuts them): (start, end)
        units, at = [], 0
        for line in source.plain.split("\n"):
            if line.strip():
                units.extend((at + start, at + end) for start, end in line_pieces(line))
            at += len(line) + 1
        texts = [source.plain[start:end] for start, end in units]
        try:
            found = await asyncio.wait_for(checks.check(variant, texts),
                                           self.config.check_timeout_s)
        except TimeoutError:
            raise RefusedError(503, "the check took too long; try a shorter text") from None
        except UnavailableError as error:
            raise RefusedError(503, str(error)) from None
        except Exception as error:  # logged where it happened, without the text
            raise RefusedError(500, f"the check failed ({type(error).__name__})") from None
        edits: list[GrammarEdit] = []
        for (shift, _end), unit_edits in zip(units, found, strict=True):
            edits.extend(replace(e, start=e.start + shift, end=e.end + shift)
                         for e in unit_edits)
        return to_languagetool(source, edits, code, selection=selection, detected=variant)

    def _language(self, params: dict[str, str]) -> tuple[str, str]:
        """(the code to answer with, the variant to check)."""
        asked = params.get("language", "").strip()
        if not asked:
            raise RefusedError(400, "missing 'language' parameter (auto, en, en-US or en-GB)")
        lower = asked.lower()
        default = self.services.default_variant
        if lower == "auto":
            preferred = [v.strip() for v in params.get("preferredVariants", "").split(",")]
            variant = next((v for v in VARIANTS if v in preferred), default)
            return variant, variant
        if lower == "en":
            return "en", "en"  # English without a variant: both spellings are right
        for variant in VARIANTS:
            if lower == variant.lower():
                return variant, variant
        raise RefusedError(400, f"'{asked[:20]}' is not a language code writer_app knows; "
                           "it checks English: auto, en, en-US or en-GB")


def _source(params: dict[str, str], limit: int) -> SourceText:
    text, data = params.get("text"), params.get("data")
    if text is None and data is None:
        raise RefusedError(400, "missing 'text' or 'data' parameter")
    if text is not None and data is not None:
        raise RefusedError(400, "send either 'text' or 'data', not both")
    try:
        source = SourceText.from_text(text) if text is not None else (
            SourceText.from_annotation(data))
    except AnnotationError as error:
        raise RefusedError(400, str(error)) from None
    if len(source.plain) > limit:
        raise RefusedError(413, f"the text is {len(source.plain)} characters long; this server "
                           f"checks at most {limit} at a time")
    return source


def _ids(params: dict[str, str], name: str) -> frozenset[str]:
    return frozenset(part.strip() for part in params.get(name, "").split(",") if part.strip())


def _selection(params: dict[str, str]) -> RuleSelection:
    level = params.get("level", "default").strip().lower() or "default"
    if level not in ("default", "picky"):
        raise RefusedError(400, "'level' must be 'default' or 'picky'")
    enabled_only = params.get("enabledOnly", "false").strip().lower() == "true"
    selection = RuleSelection(
        enabled_rules=_ids(params, "enabledRules"),
        disabled_rules=_ids(params, "disabledRules"),
        enabled_categories=_ids(params, "enabledCategories"),
        disabled_categories=_ids(params, "disabledCategories"),
        enabled_only=enabled_only, picky=level == "picky")
    if enabled_only and not (selection.enabled_rules or selection.enabled_categories):
        raise RefusedError(400, "enabledOnly needs enabledRules or enabledCategories")
    return selection
