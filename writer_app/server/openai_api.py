"""OpenAI's API v1: GET /v1/models, POST /v1/completions and POST /v1/chat/completions
(JSON answers, or server-sent events with ``stream``), on the local completion model.

Sampling parameters: max_tokens (capped by the server), temperature, top_p, stop (up to 4
strings), seed; ``n`` must be 1. Penalties and logit biases are accepted and ignored.
Chat prompts go through the model's own chat template.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from writer_app.core.requests import GenerationParams
from writer_app.server.common import RefusedError, read_body
from writer_app.server.config import ServeConfig
from writer_app.server.jobs import BadRequestError, GenerateRequest, UnavailableError
from writer_app.server.services import Generation, Services

_ROLES = ("system", "user", "assistant", "developer", "tool")


class OpenAIApi:
    def __init__(self, services: Services, config: ServeConfig) -> None:
        self.services = services
        self.config = config
        self.created = int(time.time())

    async def models(self, request: Request) -> Response:
        model = self.services.model_id()
        data = [] if model is None else [
            {"id": model, "object": "model", "created": self.created, "owned_by": "writer_app"}]
        return JSONResponse({"object": "list", "data": data})

    async def completions(self, request: Request) -> Response:
        return await self._serve(request, chat=False)

    async def chat(self, request: Request) -> Response:
        return await self._serve(request, chat=True)

    async def _serve(self, request: Request, chat: bool) -> Response:
        try:
            body = await self._body(request)
            generate = self._request(body, chat)
            service = self.services.generation
            model = self.services.model_id()
            if service is None or model is None:
                raise RefusedError(503, "no completion model is loaded on this server")
            generation = service.start(generate)
            kind = "chatcmpl" if chat else "cmpl"
            ident = f"{kind}-{secrets.token_hex(12)}"
            if body.get("stream"):
                try:
                    await asyncio.wait_for(generation.ready(), self.config.generate_timeout_s)
                except TimeoutError:
                    generation.cancel.set()
                    raise RefusedError(504, "the completion took too long to start") from None
                include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
                return StreamingResponse(
                    self._events(generation, ident, model, chat, include_usage),
                    media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
            try:
                text = await asyncio.wait_for(generation.complete(),
                                              self.config.generate_timeout_s)
            except TimeoutError:
                raise RefusedError(504, "the completion took too long") from None
            return JSONResponse(_answer(ident, model, chat, text, generation))
        except RefusedError as refused:
            return _error(refused)
        except (UnavailableError, BadRequestError) as error:
            status = 503 if isinstance(error, UnavailableError) else 400
            return _error(RefusedError(status, str(error)))
        except Exception as error:  # logged where it happened, without the text
            return _error(RefusedError(500, f"the model failed ({type(error).__name__})"))

    async def _body(self, request: Request) -> dict[str, Any]:
        raw = await read_body(request, self.config.max_body_bytes)
        try:
            body = json.loads(raw or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            raise RefusedError(400, "the body is not valid JSON") from None
        if not isinstance(body, dict):
            raise RefusedError(400, "the body must be a JSON object")
        return body

    def _request(self, body: dict[str, Any], chat: bool) -> GenerateRequest:
        limit = self.config.max_prompt_chars
        if chat:
            messages = _messages(body.get("messages"))
            size = sum(len(m["content"]) for m in messages)
            prompt = None
        else:
            prompt = _prompt(body.get("prompt", ""))
            messages, size = (), len(prompt)
        if size > limit:
            raise RefusedError(413, f"the prompt is {size} characters long; the limit is {limit}")
        _number(body, "n", 1, 1, 1)  # one choice per request
        default_tokens = 16 if not chat else self.config.max_tokens
        tokens = body.get("max_completion_tokens", body.get("max_tokens"))
        tokens = default_tokens if tokens is None else _integer(tokens, "max_tokens", 1)
        params = GenerationParams(
            max_new_tokens=min(tokens, self.config.max_tokens),
            temperature=_number(body, "temperature", 1.0, 0.0, 2.0),
            top_p=_number(body, "top_p", 1.0, 0.0, 1.0) or 1.0,
            stop_at_sentence_end=False, multiline=True,
            seed=_seed(body.get("seed")))
        return GenerateRequest(params, prompt, messages, _stops(body.get("stop")))

    async def _events(self, generation: Generation, ident: str, model: str, chat: bool,
                      include_usage: bool) -> AsyncIterator[str]:
        created = int(time.time())
        deadline = time.monotonic() + self.config.generate_timeout_s
        base = {"id": ident, "object": "chat.completion.chunk" if chat else "text_completion",
                "created": created, "model": model}

        def chunk(text: str | None, finish: str | None, first: bool = False) -> str:
            if chat:
                delta = {"role": "assistant", "content": ""} if first else (
                    {"content": text} if text is not None else {})
                choice = {"index": 0, "delta": delta, "finish_reason": finish}
            else:
                choice = {"index": 0, "text": text or "", "logprobs": None,
                          "finish_reason": finish}
            return _sse({**base, "choices": [choice]})

        if chat:
            yield chunk(None, None, first=True)
        try:
            async for piece in generation.pieces():
                yield chunk(piece, None)
                if time.monotonic() > deadline:
                    generation.cancel.set()
        except Exception as error:  # logged where it happened, without the text
            message = str(error) if isinstance(error, UnavailableError | BadRequestError) else (
                f"the model failed ({type(error).__name__})")
            yield _sse({"error": {"message": message, "type": "server_error"}})
            yield "data: [DONE]\n\n"
            return
        finished = generation.finished
        yield chunk(None, _finish_reason(finished.reason))
        if include_usage:
            yield _sse({**base, "choices": [], "usage": _usage(finished)})
        yield "data: [DONE]\n\n"


def _answer(ident: str, model: str, chat: bool, text: str, generation: Generation) -> dict:
    finished = generation.finished
    reason = _finish_reason(finished.reason)
    if chat:
        choice = {"index": 0, "message": {"role": "assistant", "content": text},
                  "logprobs": None, "finish_reason": reason}
    else:
        choice = {"index": 0, "text": text, "logprobs": None, "finish_reason": reason}
    return {"id": ident, "object": "chat.completion" if chat else "text_completion",
            "created": int(time.time()), "model": model, "choices": [choice],
            "usage": _usage(finished)}


def _finish_reason(reason: str) -> str:
    return "stop" if reason == "stop" else "length"


def _usage(finished) -> dict[str, int]:
    return {"prompt_tokens": finished.prompt_tokens,
            "completion_tokens": finished.completion_tokens,
            "total_tokens": finished.prompt_tokens + finished.completion_tokens}


def _sse(payload: dict) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


def _error(refused: RefusedError) -> JSONResponse:
    kind = "invalid_request_error" if refused.status < 500 else "server_error"
    return JSONResponse({"error": {"message": refused.message, "type": kind,
                                   "param": refused.param, "code": None}}, refused.status)


def _prompt(value: Any) -> str:
    if isinstance(value, list):
        if len(value) != 1 or not isinstance(value[0], str):
            raise RefusedError(400, "'prompt' must be one string (several prompts, or token ids, "
                               "are not served)", "prompt")
        value = value[0]
    if not isinstance(value, str):
        raise RefusedError(400, "'prompt' must be a string", "prompt")
    return value


def _messages(value: Any) -> tuple[dict[str, str], ...]:
    if not isinstance(value, list) or not value:
        raise RefusedError(400, "'messages' must be a non-empty list", "messages")
    messages = []
    for message in value:
        if not isinstance(message, dict) or message.get("role") not in _ROLES:
            raise RefusedError(400, "each message needs a role (system, user or assistant)",
                          "messages")
        content = message.get("content") or ""
        if isinstance(content, list):  # content parts: only text is read
            content = "".join(part.get("text", "") for part in content
                              if isinstance(part, dict) and part.get("type") == "text")
        if not isinstance(content, str):
            raise RefusedError(400, "a message's content must be text", "messages")
        role = "system" if message["role"] == "developer" else message["role"]
        messages.append({"role": role, "content": content})
    return tuple(messages)


def _stops(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    stops = [value] if isinstance(value, str) else value
    if (not isinstance(stops, list) or len(stops) > 4
            or not all(isinstance(stop, str) for stop in stops)):
        raise RefusedError(400, "'stop' must be a string or up to 4 strings", "stop")
    return tuple(stop for stop in stops if stop)


def _number(body: dict, name: str, default: float, low: float, high: float) -> float:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise RefusedError(400, f"'{name}' must be a number from {low} to {high}", name)
    return float(value)


def _integer(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise RefusedError(400, f"'{name}' must be a whole number of at least {low}", name)
    return value


def _seed(value: Any) -> int:
    if value is None:
        return secrets.randbelow(2**31)
    return _integer(value, "seed", 0)
