"""What every provider client shares: keys, the HTTP call, retries and error mapping.

A subclass says how its protocol shapes a request and reads a reply; this module decides what
is worth retrying. Rate limits (429), overload (529), transient server errors and lost
connections are retried with `RetryPolicy`'s capped, jittered backoff, honouring the server's
`Retry-After` (or OpenAI's more precise `retry-after-ms`). Authentication failures and other
client errors are not: repeating them cannot help. A reply that is not JSON (an HTML page from
a proxy, a body cut off mid-stream) is retried, since it is usually transient; well-formed JSON
of the wrong shape is a protocol mismatch and is not. After the last attempt the last error is
raised with its kind.

API keys come from the argument or the environment at construction and never appear in a repr,
an exception message or a log line: every message built from a reply passes `ProviderKeys.redact`,
so an echo of any 8-character piece of a key (a 401 quoting its first characters) is hidden. A
refused key names where it came from. A missing key is an error only for a remote base URL: local
servers (Ollama, vLLM, llama.cpp) on loopback usually need none.

Token counts are checked before they become a cost: each must be a whole number from 0 to
`MAX_USAGE_TOKENS` (no model reads or writes more in one call), else the reply is a
`bad_response`. A completion must report both counts; a cut-off or refused reply that reports
none is billed nothing.
"""

from __future__ import annotations

import abc
import ipaddress
import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from agentflow.errors import LLMError
from agentflow.generation.backends.key_pieces import ProviderKeys, provider_keys
from agentflow.generation.backends.llm import ChatRequest, ChatResponse
from agentflow.runtime.retry import RetryPolicy, retry_after_from
from agentflow.settings import Limit

__all__ = ["DEFAULT_RETRY", "MAX_USAGE_TOKENS", "HttpChatClient", "is_loopback"]

_log = logging.getLogger(__name__)

DEFAULT_RETRY = RetryPolicy(max_attempts=4, backoff_base=1.0, backoff_max=30.0)

_RETRY_STATUS = {408: "timeout", 409: "unavailable", 429: "rate_limit"}
_UNAVAILABLE_STATUS = frozenset({500, 502, 503, 504, 529})
MAX_USAGE_TOKENS = 10_000_000


def is_loopback(url: str) -> bool:
    """True when `url` points at this machine, where local model servers need no key."""
    host = httpx.URL(url).host
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_TOKEN_COUNT = Limit(
    0, MAX_USAGE_TOKENS, whole=True, what=f"a whole number from 0 to {MAX_USAGE_TOKENS:,}"
)


class HttpChatClient(abc.ABC):
    """A `ChatClient` over httpx; subclasses fill in one provider protocol.

    A subclass names its usual provider, key variable and address as class attributes; the
    arguments override them (DeepSeek and Ollama speak OpenAI's protocol elsewhere).
    """

    provider: str
    api_key_env: str
    base_url: str

    def __init__(
        self,
        *,
        provider: str | None = None,
        api_key: str | None = None,
        api_key_env: str | None = None,
        base_url: str | None = None,
        timeout: float = 120.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.provider = provider or self.provider
        self.api_key_env = api_key_env or self.api_key_env
        self.base_url = (base_url or self.base_url).rstrip("/")
        self.retry = retry
        self._sleep = sleep
        self._api_key = api_key or os.environ.get(self.api_key_env) or None
        self._key_source = "the api_key given" if api_key else self.api_key_env
        self._keys = provider_keys(self._api_key)
        if self._api_key is None and not is_loopback(self.base_url):
            raise LLMError(
                f"{self.provider}: no API key; set {self.api_key_env} or pass api_key",
                kind="auth",
            )
        self._http = httpx.Client(timeout=httpx.Timeout(timeout), transport=transport)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(provider={self.provider!r}, base_url={self.base_url!r})"

    @property
    def keys(self) -> ProviderKeys:
        """The keys nothing may let out: this client's own and every provider variable's."""
        return self._keys

    def __enter__(self) -> HttpChatClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release pooled connections."""
        self._http.close()

    def complete(self, request: ChatRequest) -> ChatResponse:
        """Send `request`, retrying transient failures; raise `LLMError` on the last one."""
        attempt = 1
        while True:
            try:
                return self._attempt(request)
            except LLMError as exc:
                if attempt > 1 and attempt >= self.retry.max_attempts:
                    raise self._gave_up(exc, attempt) from exc
                if not exc.retryable or attempt >= self.retry.max_attempts:
                    raise
                wait = self.retry.delay(attempt, retry_after=exc.retry_after)
                _log.debug("%s: %s; retry %d in %.2fs", self.provider, exc.kind, attempt, wait)
                self._sleep(wait)
                attempt += 1

    def _gave_up(self, exc: LLMError, attempts: int) -> LLMError:
        """The last error, saying how many attempts were made."""
        message = f"{exc.message} (gave up after {attempts} attempts)"
        return LLMError(
            message,
            kind=exc.kind,
            retryable=exc.retryable,
            retry_after=exc.retry_after,
            billed_tokens=exc.billed_tokens,
        )

    def _attempt(self, request: ChatRequest) -> ChatResponse:
        response = self._post(request)
        if response.status_code >= 400:
            raise self._status_error(response)
        payload = self._json(response)
        try:
            return self._parse(payload, request)
        except (AttributeError, KeyError, IndexError, TypeError, ValueError) as exc:
            message = f"reply has an unexpected shape ({type(exc).__name__}: {exc})"
            raise self._error(message, kind="bad_response") from exc

    def _post(self, request: ChatRequest) -> httpx.Response:
        url = self.base_url + self._path()
        try:
            return self._http.post(url, json=self._body(request), headers=self._headers())
        except httpx.TimeoutException as exc:
            message = f"timed out ({type(exc).__name__})"
            raise self._error(message, kind="timeout", retryable=True) from exc
        except httpx.ConnectError as exc:
            message = f"cannot connect to {self._host()} ({type(exc).__name__}: {exc})"
            raise self._error(message, kind="unavailable", retryable=True) from exc
        except httpx.TransportError as exc:
            message = f"connection failed: {type(exc).__name__}: {exc}"
            raise self._error(message, kind="unavailable", retryable=True) from exc

    def _host(self) -> str:
        """`host:port` of the base URL, without any user information it may hold."""
        url = httpx.URL(self.base_url)
        return f"{url.host}:{url.port}" if url.port is not None else url.host

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            payload = json.loads(response.content)
        except ValueError as exc:
            kind = response.headers.get("content-type", "unknown content type")
            raise self._error(
                f"reply is not JSON ({kind})", kind="bad_response", retryable=True
            ) from exc
        if not isinstance(payload, dict):
            raise self._error("reply is not a JSON object", kind="bad_response")
        return payload

    def _status_error(self, response: httpx.Response) -> LLMError:
        status = response.status_code
        detail = self._error_detail(response)
        retry_after = retry_after_from(response.headers)
        text = f"HTTP {status}: {detail}"
        if status in (401, 403):
            return self._error(f"{text}; {self._refusal()}", kind="auth")
        if status in _RETRY_STATUS:
            kind = _RETRY_STATUS[status]
            retryable = not (status == 429 and "insufficient_quota" in detail)
            return self._error(text, kind=kind, retryable=retryable, retry_after=retry_after)
        if status in _UNAVAILABLE_STATUS:
            return self._error(text, kind="unavailable", retryable=True, retry_after=retry_after)
        return self._error(text, kind="unavailable" if status >= 500 else "bad_response")

    def _refusal(self) -> str:
        """What to fix when the provider refuses: the key and where it came from."""
        if self._api_key is None:
            return f"no key was sent: set {self.api_key_env}"
        return f"the key from {self._key_source} was refused"

    def _usage(
        self, payload: dict[str, Any], fields: tuple[str, str], *, required: bool
    ) -> tuple[int, int]:
        """The reply's (input, output) token counts; a missing one is 0 unless `required`."""
        usage = payload.get("usage")
        usage = {} if usage is None else usage
        if not isinstance(usage, dict):
            raise self._error("usage must be an object", kind="bad_response")
        first, second = (self._count(usage, field, required=required) for field in fields)
        return first, second

    def _count(self, usage: dict[str, Any], field: str, *, required: bool) -> int:
        if field not in usage:
            if required:
                raise self._error(f"usage.{field} is missing", kind="bad_response")
            return 0
        count = usage[field]
        if not _TOKEN_COUNT.allows(count):
            shown = repr(count)[:40]
            message = f"usage.{field} must be {_TOKEN_COUNT.what}, not {shown}"
            raise self._error(message, kind="bad_response")
        return int(count)

    def _error_detail(self, response: httpx.Response) -> str:
        """The provider's own error type and message, when the body has them."""
        try:
            payload = json.loads(response.content)
        except ValueError:
            return response.reason_phrase or "error"
        error = payload.get("error") if isinstance(payload, dict) else None
        if not isinstance(error, dict):
            return response.reason_phrase or "error"
        parts = [str(error[k]) for k in ("type", "code", "message") if error.get(k)]
        return ": ".join(parts) or response.reason_phrase or "error"

    def _error(
        self,
        message: str,
        *,
        kind: str,
        retryable: bool = False,
        retry_after: float | None = None,
        billed_tokens: tuple[int, int] = (0, 0),
    ) -> LLMError:
        """An `LLMError` naming the provider, with any piece of a key removed."""
        return LLMError(
            self._keys.redact(f"{self.provider}: {message}"),
            kind=kind,
            retryable=retryable,
            retry_after=retry_after,
            billed_tokens=billed_tokens,
        )

    @abc.abstractmethod
    def _key_headers(self) -> Mapping[str, str]:
        """The protocol's own headers: the key (unless keyless and local) and any version."""

    def _headers(self) -> dict[str, str]:
        return {"content-type": "application/json", **self._key_headers()}

    @abc.abstractmethod
    def _path(self) -> str:
        """The endpoint, relative to the base URL."""

    @abc.abstractmethod
    def _body(self, request: ChatRequest) -> dict[str, Any]:
        """The protocol's JSON request body."""

    @abc.abstractmethod
    def _parse(self, payload: dict[str, Any], request: ChatRequest) -> ChatResponse:
        """Read a successful reply; raise `LLMError` for truncated or refused ones."""
