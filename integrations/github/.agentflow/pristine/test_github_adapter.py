"""Tests of the GitHub adapter.

Offline tests replay canned responses through `httpx.MockTransport` and inject the clock
and sleep, so they are fast and deterministic and never touch the network.
Tests marked `live` call the real service and are skipped unless GITHUB_TOKEN is
set.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import pytest

import github_adapter
from github_adapter import (
    ENV_PREFIX,
    SECRET_ENV_VARS,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncGitHubClient,
    AuthenticationError,
    BadRequestError,
    CircuitOpenError,
    ConfigurationError,
    ConflictError,
    GitHubClient,
    GitHubConfig,
    GitHubError,
    InternalServerError,
    Issue,
    MissingSecretError,
    NewIssue,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    Repository,
    UnprocessableEntityError,
    User,
)
from github_utils.secrets import SecretManager

BASE_URL = "https://api.github.com"
# A reply of the method the failure-path tests call, and the value the method makes of it.
OK: Any = {
    "created_at": "2024-01-02T03:04:05Z",
    "default_branch": "text",
    "description": "text",
    "full_name": "text",
    "id": 7,
    "name": "text",
    "owner": {"id": 7, "login": "text"},
    "private": True,
}
RESULT: Any = Repository.model_validate(
    {
        "created_at": "2024-01-02T03:04:05Z",
        "default_branch": "text",
        "description": "text",
        "full_name": "text",
        "id": 7,
        "name": "text",
        "owner": {"id": 7, "login": "text"},
        "private": True,
    }
)
# A field no schema declares, which models keep.
UNDECLARED = {"undeclared_field": [1]}
BASE_PATH = ""
FAKE_SECRETS: dict[str, str] = {
    "GITHUB_TOKEN": "fake-credential-1",
}
NEXT_PAGE = {"Link": f'<{BASE_URL}/next-page?page=2>; rel="next"'}
OVERRIDE_SUFFIXES = (
    "BASE_URL",
    "TIMEOUT",
    "MAX_ATTEMPTS",
    "RATE_LIMIT",
    "RATE_LIMIT_BURST",
    "RETRY_NON_IDEMPOTENT",
)

Reply = Callable[[httpx.Request], httpx.Response]


def respond(
    status: int = 200, body: Any = None, headers: dict[str, str] | None = None
) -> Reply:
    """A reply with a JSON `body` (no body when None)."""

    def reply(request: httpx.Request) -> httpx.Response:
        if body is None:
            return httpx.Response(status, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return reply


def fail(error: type[httpx.RequestError]) -> Reply:
    """A reply that raises the httpx `error`, as a broken network would."""

    def reply(request: httpx.Request) -> httpx.Response:
        raise error("simulated failure", request=request)

    return reply


class Service:
    """The fake service: replays replies in order (the last repeats), records requests."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies) or [respond(200, OK)]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        return reply(request)


class FakeTime:
    """An injected clock and sleep: sleeping is recorded and advances the clock."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


def settings(**overrides: Any) -> GitHubConfig:
    """Test settings: no jitter and no rate limit unless a test asks, quick backoff."""
    values: dict[str, Any] = {
        "jitter": False,
        "rate_limit": None,
        "backoff_base": 0.25,
        "backoff_max": 10.0,
        "max_attempts": 3,
    }
    values.update(overrides)
    return GitHubConfig(**values)


def client(
    service: Service, fake: FakeTime | None = None, **overrides: Any
) -> GitHubClient:
    """A sync client wired to `service`, with fake credentials and time."""
    fake = fake or FakeTime()
    return GitHubClient(
        config=settings(**overrides),
        transport=httpx.MockTransport(service),
        secrets=SecretManager(FAKE_SECRETS),
        sleep=fake.sleep,
        clock=fake.clock,
    )


def default_client(service: Service, fake: FakeTime, **overrides: Any) -> GitHubClient:
    """A sync client with the default settings (rate limit, jitter) but `overrides`."""
    return GitHubClient(
        config=GitHubConfig(**overrides),
        transport=httpx.MockTransport(service),
        secrets=SecretManager(FAKE_SECRETS),
        sleep=fake.sleep,
        clock=fake.clock,
    )


def async_client(
    service: Service, fake: FakeTime | None = None, **overrides: Any
) -> AsyncGitHubClient:
    """An async client wired to `service`, with fake credentials and time."""
    fake = fake or FakeTime()
    return AsyncGitHubClient(
        config=settings(**overrides),
        transport=httpx.MockTransport(service),
        secrets=SecretManager(FAKE_SECRETS),
        sleep=fake.async_sleep,
        clock=fake.clock,
    )


def sent_query(request: httpx.Request) -> dict[str, str]:
    """The query parameters of `request`."""
    params = dict(request.url.params)
    return params


def sent_body(request: httpx.Request) -> Any:
    """The body of `request`, decoded as it was encoded."""
    kind = request.headers.get("Content-Type", "")
    assert kind == "application/json", kind
    return json.loads(request.content)


def assert_sent(
    request: httpx.Request, method: str, path: str, query: dict[str, str], body: Any
) -> None:
    """`request` went to `path` (decoded) with exactly `query` and `body`."""
    assert request.method == method
    assert request.url.path == BASE_PATH + path
    assert sent_query(request) == query
    if body is None:
        assert request.content == b""
    else:
        assert sent_body(request) == body


def assert_encoded(request: httpx.Request, *values: str) -> None:
    """Each path value reached the wire percent-encoded, `/` included."""
    for value in values:
        assert quote(value, safe="").encode() in request.url.raw_path


def test_public_names_exist() -> None:
    for name in github_adapter.__all__:
        assert hasattr(github_adapter, name), name


def test_config_defaults_come_from_the_requirements() -> None:
    config = GitHubConfig()
    assert config.base_url == BASE_URL
    assert config.timeout == 30.0
    assert config.max_attempts == 3
    assert config.retry_after_max == 60.0
    assert config.failure_threshold == 5
    assert config.rate_limit == pytest.approx(1.3888888888888888)
    assert config.rate_limit_burst == 5000


def test_from_env_applies_overrides() -> None:
    values = ["https://example.test/api", "5", "7", "off", "3", "yes"]
    environ = {
        f"{ENV_PREFIX}_{s}": v for s, v in zip(OVERRIDE_SUFFIXES, values, strict=True)
    }
    config = GitHubConfig.from_env(environ)
    assert config.base_url == "https://example.test/api"
    assert config.timeout == 5.0
    assert config.max_attempts == 7
    assert config.rate_limit is None
    assert config.rate_limit_burst == 3.0
    assert config.retry_non_idempotent is True


def test_from_env_parses_rates_and_flags() -> None:
    environ = {
        f"{ENV_PREFIX}_RATE_LIMIT": "2.5",
        f"{ENV_PREFIX}_RETRY_NON_IDEMPOTENT": "off",
    }
    config = GitHubConfig.from_env(environ)
    assert config.rate_limit == 2.5
    assert config.retry_non_idempotent is False
    assert GitHubConfig.from_env({}) == GitHubConfig()


@pytest.mark.parametrize(
    ("suffix", "value"),
    [("TIMEOUT", "soon"), ("MAX_ATTEMPTS", "1.5"), ("RETRY_NON_IDEMPOTENT", "maybe")],
)
def test_from_env_names_the_unusable_variable(suffix: str, value: str) -> None:
    variable = f"{ENV_PREFIX}_{suffix}"
    with pytest.raises(ConfigurationError, match=variable):
        GitHubConfig.from_env({variable: value})


@pytest.mark.parametrize(
    "overrides",
    [
        {"base_url": "ftp://example.test"},
        {"base_url": "https://user:pw@example.test"},
        {"timeout": 0},
        {"max_attempts": 0},
        {"backoff_base": -1.0},
        {"rate_limit": -1.0},
        {"rate_limit_burst": 0.5},
        {"failure_threshold": 0},
    ],
)
def test_invalid_settings_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        settings(**overrides)


def test_default_client_reads_settings_and_credentials_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for suffix in OVERRIDE_SUFFIXES:
        monkeypatch.delenv(f"{ENV_PREFIX}_{suffix}", raising=False)
    monkeypatch.setenv(f"{ENV_PREFIX}_BASE_URL", "https://example.test/api")
    for name, value in FAKE_SECRETS.items():
        monkeypatch.setenv(name, value)
    service = Service()
    with GitHubClient(transport=httpx.MockTransport(service)) as api:
        assert api.config.base_url == "https://example.test/api"
        api.get_repo("v0 /0", "v1 /1")
    assert service.requests[0].url.host == "example.test"


@pytest.mark.parametrize("missing", sorted(FAKE_SECRETS))
def test_missing_credential_names_its_variable(missing: str) -> None:
    present = {k: v for k, v in FAKE_SECRETS.items() if k != missing}
    with pytest.raises(MissingSecretError, match=missing) as excinfo:
        GitHubClient(config=settings(), secrets=SecretManager(present))
    for value in FAKE_SECRETS.values():
        assert value not in str(excinfo.value)


def assert_credentials_sent(request: httpx.Request) -> None:
    """`request` carries FAKE_SECRETS as the auth scheme says."""
    assert request.headers["Authorization"] == f"Bearer {FAKE_SECRETS['GITHUB_TOKEN']}"


def test_credentials_and_default_headers_are_sent() -> None:
    service = Service()
    with client(service) as api:
        api.get_repo("v0 /0", "v1 /1")
    request = service.requests[0]
    assert request.headers["User-Agent"] == settings().headers["User-Agent"]
    assert_credentials_sent(request)


def test_credentials_and_base_url_may_be_given_as_arguments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in FAKE_SECRETS:
        monkeypatch.delenv(name, raising=False)
    service = Service()
    with GitHubClient(
        token=FAKE_SECRETS["GITHUB_TOKEN"],
        base_url="https://example.test/v2",
        config=settings(),
        transport=httpx.MockTransport(service),
    ) as api:
        api.get_repo("v0 /0", "v1 /1")
    request = service.requests[0]
    assert (request.url.host, request.url.path[:4]) == ("example.test", "/v2/")
    assert_credentials_sent(request)
    with pytest.raises(ConfigurationError, match="not both"):
        GitHubClient(
            token=FAKE_SECRETS["GITHUB_TOKEN"], secrets=SecretManager(FAKE_SECRETS)
        )


def test_a_given_http_client_is_used_as_given() -> None:
    service = Service()
    own = httpx.Client(transport=httpx.MockTransport(service))
    proxied = httpx.Client(
        transport=httpx.MockTransport(service), base_url="https://proxy.test/p"
    )
    for http in (own, proxied):
        with GitHubClient(
            http_client=http, config=settings(), secrets=SecretManager(FAKE_SECRETS)
        ) as api:
            api.get_repo("v0 /0", "v1 /1")
        assert not http.is_closed  # the caller's to close
        http.close()
    assert service.requests[0].url.host == httpx.URL(BASE_URL).host
    assert service.requests[1].url.host == "proxy.test"
    assert service.requests[1].url.path.startswith("/p/")
    assert_credentials_sent(service.requests[1])
    with pytest.raises(ConfigurationError, match="not both"):
        GitHubClient(http_client=own, transport=httpx.MockTransport(service))


def test_raw_responses_give_status_headers_and_the_value() -> None:
    headers = {"X-Request-Id": "req-7", "ETag": '"abc"'}
    service = Service(
        respond(
            200,
            {
                "body": "text",
                "id": 7,
                "labels": [{}],
                "number": 7,
                "state": "open",
                "title": "text",
                "user": {"id": 7, "login": "text"},
            },
            headers,
        )
    )
    with client(service) as api:
        raw = api.with_raw_response.create_issue(
            "v0 /0", "v1 /1", json={"name": "example"}
        )
    assert (raw.status_code, raw.headers["ETag"], raw.request_id) == (
        200,
        '"abc"',
        "req-7",
    )
    assert raw.parse() == Issue.model_validate(
        {
            "body": "text",
            "id": 7,
            "labels": [{}],
            "number": 7,
            "state": "open",
            "title": "text",
            "user": {"id": 7, "login": "text"},
        }
    )
    assert "200" in repr(raw)

    async def run() -> Any:
        async with async_client(service) as api:
            raw = await api.with_raw_response.create_issue(
                "v0 /0", "v1 /1", json={"name": "example"}
            )
            return raw.parse()

    assert asyncio.run(run()) == Issue.model_validate(
        {
            "body": "text",
            "id": 7,
            "labels": [{}],
            "number": 7,
            "state": "open",
            "title": "text",
            "user": {"id": 7, "login": "text"},
        }
    )


def test_with_options_gives_a_configured_copy_sharing_the_pool() -> None:
    service = Service(respond(503), respond(200, OK))
    with client(service, timeout=30.0) as api:
        quick = api.with_options(timeout=2.5, max_retries=0, headers={"X-Team": "a"})
        with pytest.raises(InternalServerError):
            quick.get_repo("v0 /0", "v1 /1")
        assert api.get_repo("v0 /0", "v1 /1") == RESULT
        assert (quick.config.max_attempts, api.config.timeout) == (1, 30.0)
    first, second = service.requests
    assert (first.extensions["timeout"]["read"], first.headers["X-Team"]) == (2.5, "a")
    assert (
        second.extensions["timeout"]["read"] == 30.0 and "X-Team" not in second.headers
    )


def test_create_issue_sends_its_request() -> None:
    service = Service(
        respond(
            200,
            {
                "body": "text",
                "id": 7,
                "labels": [{}],
                "number": 7,
                "state": "open",
                "title": "text",
                "user": {"id": 7, "login": "text"},
            },
        )
    )
    with client(service) as api:
        assert api.create_issue(
            "v0 /0", "v1 /1", json={"name": "example"}
        ) == Issue.model_validate(
            {
                "body": "text",
                "id": 7,
                "labels": [{}],
                "number": 7,
                "state": "open",
                "title": "text",
                "user": {"id": 7, "login": "text"},
            }
        )
    request = service.requests[0]
    assert_sent(request, "POST", "/repos/v0 /0/v1 /1/issues", {}, {"name": "example"})
    assert_encoded(request, "v0 /0", "v1 /1")


def test_create_issue_sends_its_request_async() -> None:
    service = Service(
        respond(
            200,
            {
                "body": "text",
                "id": 7,
                "labels": [{}],
                "number": 7,
                "state": "open",
                "title": "text",
                "user": {"id": 7, "login": "text"},
            },
        )
    )

    async def run() -> Any:
        async with async_client(service) as api:
            return await api.create_issue("v0 /0", "v1 /1", json={"name": "example"})

    assert asyncio.run(run()) == Issue.model_validate(
        {
            "body": "text",
            "id": 7,
            "labels": [{}],
            "number": 7,
            "state": "open",
            "title": "text",
            "user": {"id": 7, "login": "text"},
        }
    )
    assert_sent(
        service.requests[0],
        "POST",
        "/repos/v0 /0/v1 /1/issues",
        {},
        {"name": "example"},
    )


def test_get_repo_sends_its_request() -> None:
    service = Service(
        respond(
            200,
            {
                "created_at": "2024-01-02T03:04:05Z",
                "default_branch": "text",
                "description": "text",
                "full_name": "text",
                "id": 7,
                "name": "text",
                "owner": {"id": 7, "login": "text"},
                "private": True,
            },
        )
    )
    with client(service) as api:
        assert api.get_repo("v0 /0", "v1 /1") == Repository.model_validate(
            {
                "created_at": "2024-01-02T03:04:05Z",
                "default_branch": "text",
                "description": "text",
                "full_name": "text",
                "id": 7,
                "name": "text",
                "owner": {"id": 7, "login": "text"},
                "private": True,
            }
        )
    request = service.requests[0]
    assert_sent(request, "GET", "/repos/v0 /0/v1 /1", {}, None)
    assert_encoded(request, "v0 /0", "v1 /1")


def test_get_repo_sends_its_request_async() -> None:
    service = Service(
        respond(
            200,
            {
                "created_at": "2024-01-02T03:04:05Z",
                "default_branch": "text",
                "description": "text",
                "full_name": "text",
                "id": 7,
                "name": "text",
                "owner": {"id": 7, "login": "text"},
                "private": True,
            },
        )
    )

    async def run() -> Any:
        async with async_client(service) as api:
            return await api.get_repo("v0 /0", "v1 /1")

    assert asyncio.run(run()) == Repository.model_validate(
        {
            "created_at": "2024-01-02T03:04:05Z",
            "default_branch": "text",
            "description": "text",
            "full_name": "text",
            "id": 7,
            "name": "text",
            "owner": {"id": 7, "login": "text"},
            "private": True,
        }
    )
    assert_sent(service.requests[0], "GET", "/repos/v0 /0/v1 /1", {}, None)


def test_get_user_sends_its_request() -> None:
    service = Service(
        respond(200, {"html_url": "text", "id": 7, "login": "text", "name": "text"})
    )
    with client(service) as api:
        assert api.get_user() == User.model_validate(
            {"html_url": "text", "id": 7, "login": "text", "name": "text"}
        )
    request = service.requests[0]
    assert_sent(request, "GET", "/user", {}, None)


def test_get_user_sends_its_request_async() -> None:
    service = Service(
        respond(200, {"html_url": "text", "id": 7, "login": "text", "name": "text"})
    )

    async def run() -> Any:
        async with async_client(service) as api:
            return await api.get_user()

    assert asyncio.run(run()) == User.model_validate(
        {"html_url": "text", "id": 7, "login": "text", "name": "text"}
    )
    assert_sent(service.requests[0], "GET", "/user", {}, None)


def test_list_issues_sends_its_request() -> None:
    service = Service(
        respond(
            200,
            [
                {
                    "body": "text",
                    "id": 7,
                    "labels": [{}],
                    "number": 7,
                    "state": "open",
                    "title": "text",
                    "user": {"id": 7, "login": "text"},
                }
            ],
        )
    )
    with client(service) as api:
        assert api.list_issues(
            "v0 /0", "v1 /1", state="a b&c", labels="a b&c", per_page=7
        ).items[0] == Issue.model_validate(
            {
                "body": "text",
                "id": 7,
                "labels": [{}],
                "number": 7,
                "state": "open",
                "title": "text",
                "user": {"id": 7, "login": "text"},
            }
        )
    request = service.requests[0]
    assert_sent(
        request,
        "GET",
        "/repos/v0 /0/v1 /1/issues",
        {"state": "a b&c", "labels": "a b&c", "per_page": "7"},
        None,
    )
    assert_encoded(request, "v0 /0", "v1 /1")


def test_list_issues_sends_its_request_async() -> None:
    service = Service(
        respond(
            200,
            [
                {
                    "body": "text",
                    "id": 7,
                    "labels": [{}],
                    "number": 7,
                    "state": "open",
                    "title": "text",
                    "user": {"id": 7, "login": "text"},
                }
            ],
        )
    )

    async def run() -> Any:
        async with async_client(service) as api:
            return (
                await api.list_issues(
                    "v0 /0", "v1 /1", state="a b&c", labels="a b&c", per_page=7
                )
            ).items[0]

    assert asyncio.run(run()) == Issue.model_validate(
        {
            "body": "text",
            "id": 7,
            "labels": [{}],
            "number": 7,
            "state": "open",
            "title": "text",
            "user": {"id": 7, "login": "text"},
        }
    )
    assert_sent(
        service.requests[0],
        "GET",
        "/repos/v0 /0/v1 /1/issues",
        {"state": "a b&c", "labels": "a b&c", "per_page": "7"},
        None,
    )


def test_list_issues_pages_walk_every_item() -> None:
    service = Service(
        respond(
            200,
            [
                {
                    "body": "text",
                    "id": 7,
                    "labels": [{}],
                    "number": 7,
                    "state": "open",
                    "title": "text",
                    "user": {"id": 7, "login": "text"},
                },
                {
                    "body": "text",
                    "id": 7,
                    "labels": [{}],
                    "number": 7,
                    "state": "open",
                    "title": "text",
                    "user": {"id": 7, "login": "text"},
                },
            ],
            NEXT_PAGE,
        ),
        respond(
            200,
            [
                {
                    "body": "text",
                    "id": 7,
                    "labels": [{}],
                    "number": 7,
                    "state": "open",
                    "title": "text",
                    "user": {"id": 7, "login": "text"},
                }
            ],
        ),
    )
    with client(service) as api:
        page = api.list_issues("v0 /0", "v1 /1")
        assert page.has_next_page() and len(page.items) == 2
        assert list(page) == [
            Issue.model_validate(item)
            for item in [
                {
                    "body": "text",
                    "id": 7,
                    "labels": [{}],
                    "number": 7,
                    "state": "open",
                    "title": "text",
                    "user": {"id": 7, "login": "text"},
                },
                {
                    "body": "text",
                    "id": 7,
                    "labels": [{}],
                    "number": 7,
                    "state": "open",
                    "title": "text",
                    "user": {"id": 7, "login": "text"},
                },
                {
                    "body": "text",
                    "id": 7,
                    "labels": [{}],
                    "number": 7,
                    "state": "open",
                    "title": "text",
                    "user": {"id": 7, "login": "text"},
                },
            ]
        ]
        assert "more: True" in repr(page)
    assert service.requests[1].url.path == BASE_PATH + "/next-page"
    assert service.requests[1].url.params["page"] == "2"


def test_list_issues_pages_walk_every_item_async() -> None:
    service = Service(
        respond(
            200,
            [
                {
                    "body": "text",
                    "id": 7,
                    "labels": [{}],
                    "number": 7,
                    "state": "open",
                    "title": "text",
                    "user": {"id": 7, "login": "text"},
                },
                {
                    "body": "text",
                    "id": 7,
                    "labels": [{}],
                    "number": 7,
                    "state": "open",
                    "title": "text",
                    "user": {"id": 7, "login": "text"},
                },
            ],
            NEXT_PAGE,
        ),
        respond(
            200,
            [
                {
                    "body": "text",
                    "id": 7,
                    "labels": [{}],
                    "number": 7,
                    "state": "open",
                    "title": "text",
                    "user": {"id": 7, "login": "text"},
                }
            ],
        ),
    )

    async def run() -> list[Any]:
        async with async_client(service) as api:
            page = await api.list_issues("v0 /0", "v1 /1")
            return [item async for item in page]

    assert asyncio.run(run()) == [
        Issue.model_validate(item)
        for item in [
            {
                "body": "text",
                "id": 7,
                "labels": [{}],
                "number": 7,
                "state": "open",
                "title": "text",
                "user": {"id": 7, "login": "text"},
            },
            {
                "body": "text",
                "id": 7,
                "labels": [{}],
                "number": 7,
                "state": "open",
                "title": "text",
                "user": {"id": 7, "login": "text"},
            },
            {
                "body": "text",
                "id": 7,
                "labels": [{}],
                "number": 7,
                "state": "open",
                "title": "text",
                "user": {"id": 7, "login": "text"},
            },
        ]
    ]
    assert len(service.requests) == 2


def test_list_issues_raw_response_parses_to_the_first_page() -> None:
    service = Service(
        respond(
            200,
            [
                {
                    "body": "text",
                    "id": 7,
                    "labels": [{}],
                    "number": 7,
                    "state": "open",
                    "title": "text",
                    "user": {"id": 7, "login": "text"},
                },
                {
                    "body": "text",
                    "id": 7,
                    "labels": [{}],
                    "number": 7,
                    "state": "open",
                    "title": "text",
                    "user": {"id": 7, "login": "text"},
                },
            ],
            NEXT_PAGE,
        ),
        respond(
            200,
            [
                {
                    "body": "text",
                    "id": 7,
                    "labels": [{}],
                    "number": 7,
                    "state": "open",
                    "title": "text",
                    "user": {"id": 7, "login": "text"},
                }
            ],
        ),
    )
    with client(service) as api:
        raw = api.with_raw_response.list_issues("v0 /0", "v1 /1")
        assert raw.status_code == 200 and len(service.requests) == 1
        assert list(raw.parse()) == [
            Issue.model_validate(item)
            for item in [
                {
                    "body": "text",
                    "id": 7,
                    "labels": [{}],
                    "number": 7,
                    "state": "open",
                    "title": "text",
                    "user": {"id": 7, "login": "text"},
                },
                {
                    "body": "text",
                    "id": 7,
                    "labels": [{}],
                    "number": 7,
                    "state": "open",
                    "title": "text",
                    "user": {"id": 7, "login": "text"},
                },
                {
                    "body": "text",
                    "id": 7,
                    "labels": [{}],
                    "number": 7,
                    "state": "open",
                    "title": "text",
                    "user": {"id": 7, "login": "text"},
                },
            ]
        ]

    async def run() -> list[Any]:
        async with async_client(
            Service(
                respond(
                    200,
                    [
                        {
                            "body": "text",
                            "id": 7,
                            "labels": [{}],
                            "number": 7,
                            "state": "open",
                            "title": "text",
                            "user": {"id": 7, "login": "text"},
                        },
                        {
                            "body": "text",
                            "id": 7,
                            "labels": [{}],
                            "number": 7,
                            "state": "open",
                            "title": "text",
                            "user": {"id": 7, "login": "text"},
                        },
                    ],
                    NEXT_PAGE,
                ),
                respond(
                    200,
                    [
                        {
                            "body": "text",
                            "id": 7,
                            "labels": [{}],
                            "number": 7,
                            "state": "open",
                            "title": "text",
                            "user": {"id": 7, "login": "text"},
                        }
                    ],
                ),
            )
        ) as api:
            raw = await api.with_raw_response.list_issues("v0 /0", "v1 /1")
            return [item async for item in raw.parse()]

    assert asyncio.run(run()) == [
        Issue.model_validate(item)
        for item in [
            {
                "body": "text",
                "id": 7,
                "labels": [{}],
                "number": 7,
                "state": "open",
                "title": "text",
                "user": {"id": 7, "login": "text"},
            },
            {
                "body": "text",
                "id": 7,
                "labels": [{}],
                "number": 7,
                "state": "open",
                "title": "text",
                "user": {"id": 7, "login": "text"},
            },
            {
                "body": "text",
                "id": 7,
                "labels": [{}],
                "number": 7,
                "state": "open",
                "title": "text",
                "user": {"id": 7, "login": "text"},
            },
        ]
    ]


def test_list_issues_last_page_has_no_next() -> None:
    service = Service(
        respond(
            200,
            [
                {
                    "body": "text",
                    "id": 7,
                    "labels": [{}],
                    "number": 7,
                    "state": "open",
                    "title": "text",
                    "user": {"id": 7, "login": "text"},
                }
            ],
        )
    )
    with client(service) as api:
        page = api.list_issues("v0 /0", "v1 /1")
    assert not page.has_next_page()
    with pytest.raises(GitHubError, match="last page"):
        page.get_next_page()

    async def run() -> None:
        async with async_client(service) as api:
            page = await api.list_issues("v0 /0", "v1 /1")
            assert not page.has_next_page() and "more: False" in repr(page)
            await page.get_next_page()

    with pytest.raises(GitHubError, match="last page"):
        asyncio.run(run())


def test_list_issues_rejects_a_page_without_items() -> None:
    service = Service(respond(200, {"unexpected": True}))
    with client(service) as api, pytest.raises(GitHubError, match="list of items"):
        api.list_issues("v0 /0", "v1 /1")


def test_list_issues_refuses_links_to_another_origin() -> None:
    link = {"Link": '<https://elsewhere.invalid/steal>; rel="next"'}
    service = Service(
        respond(
            200,
            [
                {
                    "body": "text",
                    "id": 7,
                    "labels": [{}],
                    "number": 7,
                    "state": "open",
                    "title": "text",
                    "user": {"id": 7, "login": "text"},
                }
            ],
            link,
        )
    )

    async def run() -> list[Any]:
        async with async_client(service) as api:
            page = await api.list_issues("v0 /0", "v1 /1")
            return [item async for item in page]

    with pytest.raises(GitHubError, match="another origin"):
        asyncio.run(run())
    assert len(service.requests) == 1


def test_per_call_options_reach_the_request() -> None:
    service = Service()
    with client(service, timeout=30.0) as api:
        api.get_repo(
            "v0 /0",
            "v1 /1",
            extra_headers={"X-Trace": "t-1"},
            extra_query={"debug": "1"},
            timeout=2.5,
        )
        api.get_repo("v0 /0", "v1 /1")
    first, second = service.requests
    assert first.headers["X-Trace"] == "t-1"
    assert sent_query(first) == {**{}, "debug": "1"}
    assert first.extensions["timeout"]["read"] == 2.5
    assert "X-Trace" not in second.headers
    assert second.extensions["timeout"]["read"] == 30.0


def test_max_retries_of_one_call_overrides_the_configured_attempts() -> None:
    service = Service(respond(503))
    with client(service) as api, pytest.raises(InternalServerError):
        api.get_repo("v0 /0", "v1 /1", max_retries=0)
    assert len(service.requests) == 1
    service = Service(respond(503), respond(503), respond(503), respond(200, OK))
    with client(service, max_attempts=1) as api:
        assert api.get_repo("v0 /0", "v1 /1", max_retries=3) == RESULT
    assert len(service.requests) == 4
    with client(service) as api, pytest.raises(ValueError, match="max_retries"):
        api.get_repo("v0 /0", "v1 /1", max_retries=-1)


def test_a_response_its_schema_refuses_is_an_error() -> None:
    service = Service(respond(200, [1]))
    with client(service) as api:
        with pytest.raises(GitHubError, match="does not match its declared schema"):
            api.create_issue("v0 /0", "v1 /1", json={"name": "example"})
        raw = api.with_raw_response.create_issue(
            "v0 /0", "v1 /1", json={"name": "example"}
        )
        with pytest.raises(GitHubError, match="does not match its declared schema"):
            raw.parse()


def test_models_keep_the_fields_their_schema_does_not_declare() -> None:
    service = Service(
        respond(
            200,
            {
                **{
                    "body": "text",
                    "id": 7,
                    "labels": [{}],
                    "number": 7,
                    "state": "open",
                    "title": "text",
                    "user": {"id": 7, "login": "text"},
                },
                **UNDECLARED,
            },
        )
    )
    with client(service) as api:
        result = api.create_issue("v0 /0", "v1 /1", json={"name": "example"})
    assert isinstance(result, Issue)
    assert result.model_extra == UNDECLARED


def test_a_body_may_be_given_as_its_model() -> None:
    service = Service(
        respond(
            200,
            {
                "body": "text",
                "id": 7,
                "labels": [{}],
                "number": 7,
                "state": "open",
                "title": "text",
                "user": {"id": 7, "login": "text"},
            },
        )
    )
    with client(service) as api:
        api.create_issue(
            "v0 /0",
            "v1 /1",
            json=NewIssue.model_validate(
                {
                    "assignees": ["text"],
                    "body": "text",
                    "labels": ["text"],
                    "title": "text",
                }
            ),
        )
        api.create_issue(
            "v0 /0",
            "v1 /1",
            json={
                "assignees": ["text"],
                "body": "text",
                "labels": ["text"],
                "title": "text",
            },
        )
    assert sent_body(service.requests[0]) == sent_body(service.requests[1])
    assert sent_body(service.requests[0]) == {
        "assignees": ["text"],
        "body": "text",
        "labels": ["text"],
        "title": "text",
    }


def test_extra_body_fields_join_the_body() -> None:
    service = Service(
        respond(
            200,
            {
                "body": "text",
                "id": 7,
                "labels": [{}],
                "number": 7,
                "state": "open",
                "title": "text",
                "user": {"id": 7, "login": "text"},
            },
        )
    )
    with client(service) as api:
        api.create_issue(
            "v0 /0", "v1 /1", json={"name": "example"}, extra_body={"note": "extra"}
        )
    assert sent_body(service.requests[0]) == {**{"name": "example"}, "note": "extra"}


def test_the_services_own_rate_limit_answers_are_rate_limits() -> None:
    fake = FakeTime()
    service = Service(
        respond(403, headers={"x-ratelimit-remaining": "0"}), respond(200, OK)
    )
    with client(service, fake) as api:
        assert api.get_repo("v0 /0", "v1 /1") == RESULT
    assert len(service.requests) == 2
    service = Service(respond(403, headers={"x-ratelimit-remaining": "0"}))
    with client(service, max_attempts=1) as api, pytest.raises(RateLimitError):
        api.get_repo("v0 /0", "v1 /1")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (303, APIStatusError),
        (418, APIStatusError),
        (500, InternalServerError),
        (501, InternalServerError),
    ],
)
def test_error_statuses_map_to_exceptions(
    status: int, expected: type[Exception]
) -> None:
    headers = {"X-Request-Id": "req-42"}
    service = Service(respond(status, {"message": "nope"}, headers))
    with client(service, max_attempts=1) as api, pytest.raises(expected) as excinfo:
        api.get_repo("v0 /0", "v1 /1")
    error = excinfo.value
    assert type(error) is expected
    assert isinstance(error, APIStatusError) and isinstance(error, GitHubError)
    assert error.status_code == error.response.status_code == status
    assert error.operation == "get_repo"
    assert error.method == error.request.method == "GET"
    assert "?" not in error.url
    assert error.body == {"message": "nope"}
    assert error.request_id == "req-42"
    assert str(status) in str(error)


def test_error_body_is_kept_whole() -> None:
    service = Service(respond(400, {"message": "x" * 5000}))
    with client(service) as api, pytest.raises(BadRequestError) as excinfo:
        api.get_repo("v0 /0", "v1 /1")
    assert excinfo.value.body == {"message": "x" * 5000}
    assert excinfo.value.request_id is None


def test_an_error_body_that_is_not_json_is_kept_as_text() -> None:
    service = Service(lambda request: httpx.Response(400, content=b"bad input"))
    with client(service) as api, pytest.raises(BadRequestError) as excinfo:
        api.get_repo("v0 /0", "v1 /1")
    assert excinfo.value.body == "bad input"


def test_redirects_within_the_origin_are_followed() -> None:
    moved = {"Location": BASE_URL + "/moved"}
    service = Service(respond(301, headers=moved), respond(200, OK))
    with client(service) as api:
        assert api.get_repo("v0 /0", "v1 /1") == RESULT
    assert [r.url.path for r in service.requests][1] == BASE_PATH + "/moved"


def test_redirects_to_another_origin_are_refused() -> None:
    service = Service(
        respond(302, headers={"Location": "https://elsewhere.invalid/steal"})
    )
    with client(service) as api, pytest.raises(GitHubError, match="another origin"):
        api.get_repo("v0 /0", "v1 /1")
    assert [r.url.host for r in service.requests] == [httpx.URL(BASE_URL).host]


def test_a_closed_client_raises_its_own_error() -> None:
    service = Service()
    api = client(service)
    api.close()
    with pytest.raises(GitHubError, match="closed"):
        api.get_repo("v0 /0", "v1 /1")

    async def run() -> None:
        async_api = async_client(service)
        await async_api.aclose()
        await async_api.get_repo("v0 /0", "v1 /1")

    with pytest.raises(GitHubError, match="closed"):
        asyncio.run(run())
    assert service.requests == []


def test_client_errors_are_not_retried() -> None:
    service = Service(respond(404))
    with client(service) as api, pytest.raises(NotFoundError):
        api.get_repo("v0 /0", "v1 /1")
    assert len(service.requests) == 1


def test_an_empty_body_is_not_the_declared_value() -> None:
    with (
        client(Service(respond(204))) as api,
        pytest.raises(GitHubError, match="schema"),
    ):
        api.get_repo("v0 /0", "v1 /1")


def test_invalid_json_is_an_error() -> None:
    service = Service(lambda request: httpx.Response(200, content=b"<html>"))
    with client(service) as api, pytest.raises(GitHubError, match="not valid JSON"):
        api.get_repo("v0 /0", "v1 /1")


@pytest.mark.parametrize("status", [408, 409, 429, 502, 503])
def test_transient_statuses_are_retried_with_backoff(status: int) -> None:
    fake = FakeTime()
    service = Service(respond(status), respond(503), respond(200, OK))
    with client(service, fake) as api:
        assert api.get_repo("v0 /0", "v1 /1") == RESULT
    assert len(service.requests) == 3
    assert fake.sleeps == [0.25, 0.5]


def test_default_backoff_is_jittered_below_its_ceiling(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="github_adapter")
    fake = FakeTime()
    service = Service(respond(503), respond(503), respond(200, OK))
    # The rate limiter's own waits would mix with the backoff's on a small quota.
    with default_client(service, fake, rate_limit=None) as api:
        assert api.get_repo("v0 /0", "v1 /1", max_retries=2) == RESULT
    ceilings = [0.5, 2 * 0.5]
    assert len(fake.sleeps) == 2
    assert all(0 <= s <= c for s, c in zip(fake.sleeps, ceilings, strict=True))
    assert caplog.text.count("retrying in") == 2


def test_retries_stop_after_max_attempts() -> None:
    service = Service(respond(500))
    with client(service) as api, pytest.raises(InternalServerError):
        api.get_repo("v0 /0", "v1 /1")
    assert len(service.requests) == 3


def test_retry_after_is_honoured() -> None:
    fake = FakeTime()
    service = Service(respond(429, headers={"Retry-After": "7"}), respond(200, OK))
    with client(service, fake) as api:
        assert api.get_repo("v0 /0", "v1 /1") == RESULT
    assert fake.sleeps == [7.0]


def test_retry_after_ms_is_honoured() -> None:
    fake = FakeTime()
    service = Service(
        respond(429, headers={"retry-after-ms": "1500"}), respond(200, OK)
    )
    with client(service, fake) as api:
        assert api.get_repo("v0 /0", "v1 /1") == RESULT
    assert fake.sleeps == [1.5]


def test_the_server_may_say_whether_to_retry() -> None:
    service = Service(respond(503, headers={"x-should-retry": "false"}))
    with client(service) as api, pytest.raises(InternalServerError):
        api.get_repo("v0 /0", "v1 /1")
    assert len(service.requests) == 1
    service = Service(
        respond(400, headers={"x-should-retry": "true"}), respond(200, OK)
    )
    with client(service) as api:
        assert api.get_repo("v0 /0", "v1 /1") == RESULT
    assert len(service.requests) == 2


def test_a_retry_after_longer_than_the_cap_is_raised_not_shortened() -> None:
    fake = FakeTime()
    service = Service(respond(503, headers={"Retry-After": "3600"}), respond(200, OK))
    with (
        client(service, fake, retry_after_max=5.0) as api,
        pytest.raises(InternalServerError) as excinfo,
    ):
        api.get_repo("v0 /0", "v1 /1")
    assert excinfo.value.retry_after == 3600.0
    assert fake.sleeps == []
    assert len(service.requests) == 1


def test_rate_limit_error_once_retries_are_spent() -> None:
    fake = FakeTime()
    service = Service(respond(429, headers={"Retry-After": "2"}))
    with client(service, fake) as api, pytest.raises(RateLimitError) as excinfo:
        api.get_repo("v0 /0", "v1 /1")
    assert excinfo.value.retry_after == 2.0
    assert fake.sleeps == [2.0, 2.0]


def test_connection_errors_are_retried_then_raised() -> None:
    service = Service(fail(httpx.ConnectError))
    with client(service) as api, pytest.raises(APIConnectionError) as excinfo:
        api.get_repo("v0 /0", "v1 /1")
    assert len(service.requests) == 3
    assert isinstance(excinfo.value.__cause__, httpx.ConnectError)


def test_async_retries_with_backoff() -> None:
    fake = FakeTime()
    service = Service(respond(503), respond(200, OK))

    async def run() -> Any:
        async with async_client(service, fake) as api:
            return await api.get_repo("v0 /0", "v1 /1")

    assert asyncio.run(run()) == RESULT
    assert fake.sleeps == [0.25]


def test_timeouts_map_to_timeout_error() -> None:
    service = Service(fail(httpx.ReadTimeout))
    with client(service, max_attempts=1) as api, pytest.raises(APITimeoutError):
        api.get_repo("v0 /0", "v1 /1")


def test_other_httpx_errors_are_not_retried() -> None:
    service = Service(fail(httpx.TooManyRedirects))
    with client(service) as api, pytest.raises(GitHubError) as excinfo:
        api.get_repo("v0 /0", "v1 /1")
    assert type(excinfo.value) is GitHubError
    assert len(service.requests) == 1
    assert api.circuit_state == "closed"


def test_create_issue_is_not_retried_by_default() -> None:
    service = Service(respond(503))
    with client(service) as api, pytest.raises(InternalServerError):
        api.create_issue("v0 /0", "v1 /1", json={"name": "example"})
    assert len(service.requests) == 1


def test_create_issue_is_retried_when_configured() -> None:
    service = Service(
        respond(503),
        respond(
            200,
            {
                "body": "text",
                "id": 7,
                "labels": [{}],
                "number": 7,
                "state": "open",
                "title": "text",
                "user": {"id": 7, "login": "text"},
            },
        ),
    )
    with client(service, retry_non_idempotent=True) as api:
        assert api.create_issue(
            "v0 /0", "v1 /1", json={"name": "example"}
        ) == Issue.model_validate(
            {
                "body": "text",
                "id": 7,
                "labels": [{}],
                "number": 7,
                "state": "open",
                "title": "text",
                "user": {"id": 7, "login": "text"},
            }
        )
    assert len(service.requests) == 2


def test_circuit_opens_after_failures_then_recovers() -> None:
    fake = FakeTime()
    service = Service(respond(500), respond(500), respond(200, OK))
    with client(
        service, fake, max_attempts=1, failure_threshold=2, reset_timeout=30.0
    ) as api:
        for _ in range(2):
            with pytest.raises(InternalServerError):
                api.get_repo("v0 /0", "v1 /1")
        with pytest.raises(CircuitOpenError):
            api.get_repo("v0 /0", "v1 /1")
        assert len(service.requests) == 2
        assert api.circuit_state == "open"
        fake.now += 30.0
        assert api.get_repo("v0 /0", "v1 /1") == RESULT
        assert api.circuit_state == "closed"


def test_client_errors_keep_the_circuit_closed() -> None:
    service = Service(respond(404))
    with client(service, failure_threshold=2) as api:
        for _ in range(3):
            with pytest.raises(NotFoundError):
                api.get_repo("v0 /0", "v1 /1")
        assert api.circuit_state == "closed"


def test_calls_within_the_default_quota_never_wait() -> None:
    fake = FakeTime()
    with default_client(Service(), fake) as api:
        for _ in range(5):
            api.get_repo("v0 /0", "v1 /1")
    assert fake.sleeps == []


def test_rate_limiter_spaces_requests() -> None:
    fake = FakeTime()
    with client(Service(), fake, rate_limit=2.0, rate_limit_burst=1.0) as api:
        for _ in range(3):
            api.get_repo("v0 /0", "v1 /1")
    assert fake.sleeps == [0.5, 0.5]


def test_log_variable_prints_the_log_to_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    logger = logging.getLogger("github_adapter")
    handlers, level = list(logger.handlers), logger.level
    monkeypatch.setenv(f"{ENV_PREFIX}_LOG", "info")
    try:
        github_adapter._log_from_env()
        assert logger.level == logging.INFO
        service = Service(respond(503), respond(200, OK))
        with client(service) as api:
            api.get_repo("v0 /0", "v1 /1", max_retries=1)
    finally:
        logger.handlers, logger.level = handlers, level
    assert "retrying in" in capsys.readouterr().err
    monkeypatch.setenv(f"{ENV_PREFIX}_LOG", "off")
    github_adapter._log_from_env()
    assert logger.handlers == handlers


def test_metrics_count_calls_errors_and_latency() -> None:
    service = Service(respond(200, OK), respond(404))
    with client(service) as api:
        api.get_repo("v0 /0", "v1 /1")
        with pytest.raises(NotFoundError):
            api.get_repo("v0 /0", "v1 /1")
        metrics = api.metrics["get_repo"]
    assert metrics.calls == 2
    assert metrics.errors == 1
    assert metrics.total_seconds >= 0.0


def test_path_values_cannot_change_the_path() -> None:
    service = Service(
        respond(
            200,
            {
                "body": "text",
                "id": 7,
                "labels": [{}],
                "number": 7,
                "state": "open",
                "title": "text",
                "user": {"id": 7, "login": "text"},
            },
        )
    )
    with client(service) as api:
        api.create_issue("..", "v1 /1", json={"name": "example"})
        with pytest.raises(ValueError, match="must not be empty"):
            api.create_issue("", "v1 /1", json={"name": "example"})
    assert b"%2E%2E" in service.requests[0].url.raw_path
    assert len(service.requests) == 1


def test_async_errors_are_mapped_and_counted() -> None:
    fake = FakeTime()
    service = Service(respond(404), fail(httpx.ConnectError), respond(200, OK))

    async def run() -> None:
        async with async_client(
            service, fake, max_attempts=1, rate_limit=2.0, rate_limit_burst=1.0
        ) as api:
            with pytest.raises(NotFoundError):
                await api.get_repo("v0 /0", "v1 /1")
            with pytest.raises(APIConnectionError):
                await api.get_repo("v0 /0", "v1 /1")
            assert api.metrics["get_repo"].errors == 2

    asyncio.run(run())
    assert len(service.requests) == 2
    assert fake.sleeps == [0.5]


def test_cancelling_the_trial_call_frees_the_circuit() -> None:
    fake = FakeTime()
    replies = iter([500, None, 200])

    async def handler(request: httpx.Request) -> httpx.Response:
        status = next(replies)
        if status is None:  # a call that hangs until it is cancelled
            await asyncio.Event().wait()
        return httpx.Response(status or 200, json=OK)

    async def run() -> Any:
        async with AsyncGitHubClient(
            config=settings(max_attempts=1, failure_threshold=1, reset_timeout=30.0),
            transport=httpx.MockTransport(handler),
            secrets=SecretManager(FAKE_SECRETS),
            sleep=fake.async_sleep,
            clock=fake.clock,
        ) as api:
            with pytest.raises(InternalServerError):
                await api.get_repo("v0 /0", "v1 /1")
            fake.now += 30.0
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(api.get_repo("v0 /0", "v1 /1"), timeout=0.05)
            return await api.get_repo("v0 /0", "v1 /1")

    assert asyncio.run(run()) == RESULT


def test_cancelling_a_wait_for_the_rate_limiter_gives_its_token_back() -> None:
    fake = FakeTime()

    async def wait_forever(
        seconds: float,
    ) -> None:  # a token wait, until it is cancelled
        fake.sleeps.append(seconds)
        await asyncio.Event().wait()

    async def run() -> Any:
        async with AsyncGitHubClient(
            config=settings(rate_limit=2.0, rate_limit_burst=1.0),
            transport=httpx.MockTransport(Service()),
            secrets=SecretManager(FAKE_SECRETS),
            sleep=wait_forever,
            clock=fake.clock,
        ) as api:
            await api.get_repo("v0 /0", "v1 /1")
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(api.get_repo("v0 /0", "v1 /1"), timeout=0.05)
            fake.now += 0.5  # one token's refill: enough only if the cancelled wait gave its back
            call = api.get_repo("v0 /0", "v1 /1")
            return await asyncio.wait_for(call, timeout=5)

    assert asyncio.run(run()) == RESULT
    assert fake.sleeps == [0.5]


def test_async_circuit_open_refuses_calls() -> None:
    service = Service(respond(500))

    async def run() -> None:
        async with async_client(service, max_attempts=1, failure_threshold=1) as api:
            with pytest.raises(InternalServerError):
                await api.get_repo("v0 /0", "v1 /1")
            with pytest.raises(CircuitOpenError):
                await api.get_repo("v0 /0", "v1 /1")

    asyncio.run(run())
    assert len(service.requests) == 1


def test_credentials_stay_out_of_logs_errors_and_reprs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="github_adapter")
    echo = " ".join(FAKE_SECRETS.values())
    service = Service(respond(500, {"echo": echo}))
    with (
        client(service, max_attempts=2) as api,
        pytest.raises(InternalServerError) as excinfo,
    ):
        api.get_repo("v0 /0", "v1 /1")
    error = excinfo.value
    texts = [
        caplog.text,
        str(error),
        repr(error),
        json.dumps(error.body),
        error.url,
        repr(api),
    ]
    for secret in FAKE_SECRETS.values():
        for text in texts:
            assert secret not in text
    assert "***" in error.body["echo"]
    assert "GET" in caplog.text


@pytest.mark.live
@pytest.mark.skipif(
    not all(os.environ.get(name) for name in SECRET_ENV_VARS),
    reason="set GITHUB_TOKEN to run tests against the real service",
)
def test_get_user_against_the_real_service() -> None:
    with GitHubClient() as api:
        api.get_user()
        metrics = api.metrics["get_user"]
    assert metrics.errors == 0
