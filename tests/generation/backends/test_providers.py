"""`make_client` picks each provider's protocol, address and key variable."""

from __future__ import annotations

import pytest

from agentflow.errors import InputError, LLMError
from agentflow.generation.backends.anthropic_chat import AnthropicChatClient
from agentflow.generation.backends.http_chat import is_loopback
from agentflow.generation.backends.llm import ChatClient, ChatRequest
from agentflow.generation.backends.openai_chat import OpenAIChatClient
from agentflow.generation.backends.providers import PROVIDERS, make_client

from .llm_server import ANTHROPIC_PATH, OPENAI_PATH, FakeLLMServer, ok

REQUEST = ChatRequest(model="m", system="s", prompt="p")


@pytest.fixture(autouse=True)
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, info in PROVIDERS.items():
        monkeypatch.delenv(info.api_key_env, raising=False)
        monkeypatch.delenv(f"{name.upper()}_BASE_URL", raising=False)


def test_ollama_is_local_and_keyless() -> None:
    client = make_client("ollama")
    assert isinstance(client, OpenAIChatClient)
    assert (client.provider, client.base_url) == ("ollama", "http://127.0.0.1:11434/v1")


@pytest.mark.parametrize(
    ("name", "variable"),
    [
        ("openai", "OPENAI_API_KEY"),
        ("deepseek", "DEEPSEEK_API_KEY"),
        ("anthropic", "ANTHROPIC_API_KEY"),
    ],
)
def test_remote_providers_need_their_key(
    monkeypatch: pytest.MonkeyPatch, name: str, variable: str
) -> None:
    with pytest.raises(LLMError, match=variable):
        make_client(name)
    monkeypatch.setenv(variable, "k")
    assert make_client(name).provider == name


def test_deepseek_speaks_openai_to_its_own_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "k")
    client = make_client("deepseek")
    assert isinstance(client, OpenAIChatClient)
    assert client.base_url == "https://api.deepseek.com/v1"


def test_base_url_redirects_a_provider(llm_server: FakeLLMServer) -> None:
    llm_server.script(OPENAI_PATH, ok("from deepseek"))
    llm_server.script(ANTHROPIC_PATH, ok("from anthropic"))
    deepseek: ChatClient = make_client("deepseek", base_url=llm_server.openai_base_url)
    anthropic = make_client("anthropic", base_url=llm_server.anthropic_base_url)
    assert isinstance(anthropic, AnthropicChatClient)
    assert deepseek.complete(REQUEST).text == "from deepseek"
    assert anthropic.complete(REQUEST).text == "from anthropic"


def test_base_url_variable_moves_a_provider_unless_base_url_is_given(
    monkeypatch: pytest.MonkeyPatch, llm_server: FakeLLMServer
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", llm_server.anthropic_base_url)
    llm_server.script(ANTHROPIC_PATH, ok("through the variable"))
    assert make_client("anthropic").complete(REQUEST).text == "through the variable"
    assert make_client("anthropic", base_url="http://127.0.0.1:9/x").base_url.endswith(":9/x")
    assert make_client("ollama").base_url == "http://127.0.0.1:11434/v1"


def test_an_unknown_provider_is_an_input_error() -> None:
    with pytest.raises(InputError, match="anthropic, deepseek, ollama, openai"):
        make_client("gemini")


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8000/v1", True),
        ("http://127.8.0.1", True),
        ("http://localhost:11434", True),
        ("http://[::1]:8080", True),
        ("https://api.openai.com/v1", False),
        ("http://10.0.0.5:8000", False),
    ],
)
def test_loopback_detection(url: str, local: bool) -> None:
    assert is_loopback(url) is local


@pytest.mark.parametrize("timeout", [1e308, float("inf"), 0.1, 3601])
def test_a_timeout_outside_one_second_to_an_hour_is_an_input_error(timeout: float) -> None:
    with pytest.raises(InputError, match="timeout must be between 1 and 3600 seconds"):
        make_client("ollama", timeout=timeout)
