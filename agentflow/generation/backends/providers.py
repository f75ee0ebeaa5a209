"""The provider table: the one place that knows each model provider's protocol, URL, key
variable and models, and the clients made from it.

    provider    address                        key variable        simple / complex model
    openai      https://api.openai.com/v1      OPENAI_API_KEY      gpt-4o-mini / gpt-4o
    anthropic   https://api.anthropic.com      ANTHROPIC_API_KEY   claude-3-5-haiku-latest /
                                                                   claude-sonnet-4-20250514
    deepseek    https://api.deepseek.com/v1    DEEPSEEK_API_KEY    deepseek-chat (both)
    ollama      http://127.0.0.1:11434/v1      (none needed)       llama3.1:8b /
                                                                   qwen2.5-coder:14b

DeepSeek and Ollama speak the OpenAI protocol.

Any other OpenAI-compatible server (vLLM, llama.cpp) is `make_client("openai", base_url=...)`.
`<PROVIDER>_BASE_URL` (`OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`…, as the providers' own SDKs
read) moves a provider when no `base_url` is given, e.g. behind a company proxy.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import httpx

from agentflow.errors import InputError
from agentflow.generation.backends.anthropic_chat import AnthropicChatClient
from agentflow.generation.backends.http_chat import DEFAULT_RETRY, HttpChatClient
from agentflow.generation.backends.openai_chat import OpenAIChatClient
from agentflow.runtime.retry import RetryPolicy
from agentflow.settings import check_setting

__all__ = [
    "PROVIDERS",
    "AnthropicChatClient",
    "Complexity",
    "OpenAIChatClient",
    "ProviderInfo",
    "make_client",
]

Complexity = Literal["simple", "complex"]


@dataclass(frozen=True)
class ProviderInfo:
    """Where a provider lives, which protocol it speaks, where its key comes from and which
    model it uses for simple subtasks (docs, examples) and complex ones (adapter, tests)."""

    protocol: type[HttpChatClient]
    base_url: str
    api_key_env: str
    simple_model: str
    complex_model: str

    def model(self, complexity: Complexity) -> str:
        return self.simple_model if complexity == "simple" else self.complex_model


PROVIDERS: dict[str, ProviderInfo] = {
    "openai": ProviderInfo(
        OpenAIChatClient, "https://api.openai.com/v1", "OPENAI_API_KEY", "gpt-4o-mini", "gpt-4o"
    ),
    "anthropic": ProviderInfo(
        AnthropicChatClient,
        "https://api.anthropic.com",
        "ANTHROPIC_API_KEY",
        "claude-3-5-haiku-latest",
        "claude-sonnet-4-20250514",
    ),
    "deepseek": ProviderInfo(
        OpenAIChatClient,
        "https://api.deepseek.com/v1",
        "DEEPSEEK_API_KEY",
        "deepseek-chat",
        "deepseek-chat",
    ),
    "ollama": ProviderInfo(
        OpenAIChatClient,
        "http://127.0.0.1:11434/v1",
        "OLLAMA_API_KEY",
        "llama3.1:8b",
        "qwen2.5-coder:14b",
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
