"""Provider clients by name: the one place that knows each provider's URL and key variable.

    make_client("openai")      https://api.openai.com/v1, OPENAI_API_KEY
    make_client("deepseek")    https://api.deepseek.com/v1, DEEPSEEK_API_KEY (OpenAI protocol)
    make_client("ollama")      http://127.0.0.1:11434/v1, no key needed (OpenAI protocol)
    make_client("anthropic")   https://api.anthropic.com, ANTHROPIC_API_KEY

Any other OpenAI-compatible server (vLLM, llama.cpp) is `make_client("openai", base_url=...)`.
`<PROVIDER>_BASE_URL` (`OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`…, as the providers' own SDKs
read) moves a provider when no `base_url` is given, e.g. behind a company proxy.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from agentflow.errors import InputError
from agentflow.generation.backends.anthropic_chat import AnthropicChatClient
from agentflow.generation.backends.http_chat import DEFAULT_RETRY, HttpChatClient
from agentflow.generation.backends.openai_chat import OpenAIChatClient
from agentflow.runtime.retry import RetryPolicy
from agentflow.settings import check_setting

__all__ = ["PROVIDERS", "AnthropicChatClient", "OpenAIChatClient", "ProviderInfo", "make_client"]


@dataclass(frozen=True)
class ProviderInfo:
    """Where a provider lives, which protocol it speaks and where its key comes from."""

    protocol: type[HttpChatClient]
    base_url: str
    api_key_env: str


PROVIDERS: dict[str, ProviderInfo] = {
    "openai": ProviderInfo(OpenAIChatClient, "https://api.openai.com/v1", "OPENAI_API_KEY"),
    "deepseek": ProviderInfo(OpenAIChatClient, "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY"),
    "ollama": ProviderInfo(OpenAIChatClient, "http://127.0.0.1:11434/v1", "OLLAMA_API_KEY"),
    "anthropic": ProviderInfo(
        AnthropicChatClient, "https://api.anthropic.com", "ANTHROPIC_API_KEY"
    ),
}


def _is_http_url(url: str) -> bool:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.host)


def make_client(
    provider: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    timeout: float = 120.0,
    retry: RetryPolicy = DEFAULT_RETRY,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> HttpChatClient:
    """A client for a named provider; `base_url` points it at another host or a proxy.

    Raises `InputError` for an unknown provider or a `timeout` outside 1–3600 seconds, and
    `LLMError(kind="auth")` when a remote provider has no key.
    """
    info = PROVIDERS.get(provider)
    if info is None:
        known = ", ".join(sorted(PROVIDERS))
        raise InputError(f"unknown provider {provider!r} (known: {known})")
    base_url = base_url or os.environ.get(f"{provider.upper()}_BASE_URL") or info.base_url
    if not _is_http_url(base_url):
        raise InputError(f"{provider}: base URL {base_url!r} is not an http(s)://host address")
    return info.protocol(
        provider=provider,
        api_key=api_key,
        api_key_env=info.api_key_env,
        base_url=base_url,
        timeout=check_setting("timeout", timeout),
        retry=retry,
        transport=transport,
        sleep=sleep,
    )
