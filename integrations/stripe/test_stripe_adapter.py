"""Tests of the Stripe adapter.

Offline tests replay canned responses through `httpx.MockTransport` and inject the clock
and sleep, so they are fast and deterministic and never touch the network.
Tests marked `live` call the real service and are skipped unless STRIPE_API_KEY is
set.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, quote

import httpx
import pytest

import stripe_adapter
from stripe_adapter import (
    ENV_PREFIX,
    SECRET_ENV_VARS,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncStripeClient,
    AuthenticationError,
    BadRequestError,
    Charge,
    CircuitOpenError,
    ConfigurationError,
    ConflictError,
    Customer,
    CustomerCreateParams,
    InternalServerError,
    MissingSecretError,
    NotFoundError,
    PaymentIntent,
    PermissionDeniedError,
    RateLimitError,
    StripeClient,
    StripeConfig,
    StripeError,
    UnprocessableEntityError,
)
from stripe_utils.secrets import SecretManager

BASE_URL = "https://api.stripe.com/v1"
# A reply of the method the failure-path tests call, and the value the method makes of it.
OK: Any = {
    "created": 7,
    "email": "text",
    "id": "text",
    "metadata": {"key": "text"},
    "name": "text",
    "object": "customer",
}
RESULT: Any = Customer.model_validate(
    {
        "created": 7,
        "email": "text",
        "id": "text",
        "metadata": {"key": "text"},
        "name": "text",
        "object": "customer",
    }
)
# A field no schema declares, which models keep.
UNDECLARED = {"undeclared_field": [1]}
BASE_PATH = "/v1"
FAKE_SECRETS: dict[str, str] = {
    "STRIPE_API_KEY": "fake-credential-1",
}
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


def settings(**overrides: Any) -> StripeConfig:
    """Test settings: no jitter and no rate limit unless a test asks, quick backoff."""
    values: dict[str, Any] = {
        "jitter": False,
        "rate_limit": None,
        "backoff_base": 0.25,
        "backoff_max": 10.0,
        "max_attempts": 3,
    }
    values.update(overrides)
    return StripeConfig(**values)


def client(
    service: Service, fake: FakeTime | None = None, **overrides: Any
) -> StripeClient:
    """A sync client wired to `service`, with fake credentials and time."""
    fake = fake or FakeTime()
    return StripeClient(
        config=settings(**overrides),
        transport=httpx.MockTransport(service),
        secrets=SecretManager(FAKE_SECRETS),
        sleep=fake.sleep,
        clock=fake.clock,
    )


def default_client(service: Service, fake: FakeTime, **overrides: Any) -> StripeClient:
    """A sync client with the default settings (rate limit, jitter) but `overrides`."""
    return StripeClient(
        config=StripeConfig(**overrides),
        transport=httpx.MockTransport(service),
        secrets=SecretManager(FAKE_SECRETS),
        sleep=fake.sleep,
        clock=fake.clock,
    )


def async_client(
    service: Service, fake: FakeTime | None = None, **overrides: Any
) -> AsyncStripeClient:
    """An async client wired to `service`, with fake credentials and time."""
    fake = fake or FakeTime()
    return AsyncStripeClient(
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
    """The body of `request`, decoded as it was encoded (the text fields of a form)."""
    kind = request.headers.get("Content-Type", "")
    if kind.startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(request.content.decode()))
    if kind.startswith("multipart/form-data"):
        fields = re.findall(
            rb'name="([^"]+)"\r\n\r\n(.*?)\r\n--', request.content, re.S
        )
        return {name.decode(): value.decode() for name, value in fields}
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
    for name in stripe_adapter.__all__:
        assert hasattr(stripe_adapter, name), name


def test_config_defaults_come_from_the_requirements() -> None:
    config = StripeConfig()
    assert config.base_url == BASE_URL
    assert config.timeout == 20.0
    assert config.max_attempts == 4
    assert config.retry_after_max == 60.0
    assert config.failure_threshold == 5
    assert config.rate_limit == pytest.approx(100.0)
    assert config.rate_limit_burst == 100


def test_from_env_applies_overrides() -> None:
    values = ["https://example.test/api", "5", "7", "off", "3", "yes"]
    environ = {
        f"{ENV_PREFIX}_{s}": v for s, v in zip(OVERRIDE_SUFFIXES, values, strict=True)
    }
    config = StripeConfig.from_env(environ)
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
    config = StripeConfig.from_env(environ)
    assert config.rate_limit == 2.5
    assert config.retry_non_idempotent is False
    assert StripeConfig.from_env({}) == StripeConfig()


@pytest.mark.parametrize(
    ("suffix", "value"),
    [("TIMEOUT", "soon"), ("MAX_ATTEMPTS", "1.5"), ("RETRY_NON_IDEMPOTENT", "maybe")],
)
def test_from_env_names_the_unusable_variable(suffix: str, value: str) -> None:
    variable = f"{ENV_PREFIX}_{suffix}"
    with pytest.raises(ConfigurationError, match=variable):
        StripeConfig.from_env({variable: value})


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
    with StripeClient(transport=httpx.MockTransport(service)) as api:
        assert api.config.base_url == "https://example.test/api"
        api.get_customer("v0 /0")
    assert service.requests[0].url.host == "example.test"


@pytest.mark.parametrize("missing", sorted(FAKE_SECRETS))
def test_missing_credential_names_its_variable(missing: str) -> None:
    present = {k: v for k, v in FAKE_SECRETS.items() if k != missing}
    with pytest.raises(MissingSecretError, match=missing) as excinfo:
        StripeClient(config=settings(), secrets=SecretManager(present))
    for value in FAKE_SECRETS.values():
        assert value not in str(excinfo.value)


def assert_credentials_sent(request: httpx.Request) -> None:
    """`request` carries FAKE_SECRETS as the auth scheme says."""
    assert (
        request.headers["Authorization"] == f"Bearer {FAKE_SECRETS['STRIPE_API_KEY']}"
    )


def test_credentials_and_default_headers_are_sent() -> None:
    service = Service()
    with client(service) as api:
        api.get_customer("v0 /0")
    request = service.requests[0]
    assert request.headers["User-Agent"] == settings().headers["User-Agent"]
    assert_credentials_sent(request)


def test_credentials_and_base_url_may_be_given_as_arguments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in FAKE_SECRETS:
        monkeypatch.delenv(name, raising=False)
    service = Service()
    with StripeClient(
        token=FAKE_SECRETS["STRIPE_API_KEY"],
        base_url="https://example.test/v2",
        config=settings(),
        transport=httpx.MockTransport(service),
    ) as api:
        api.get_customer("v0 /0")
    request = service.requests[0]
    assert (request.url.host, request.url.path[:4]) == ("example.test", "/v2/")
    assert_credentials_sent(request)
    with pytest.raises(ConfigurationError, match="not both"):
        StripeClient(
            token=FAKE_SECRETS["STRIPE_API_KEY"], secrets=SecretManager(FAKE_SECRETS)
        )


def test_a_given_http_client_is_used_as_given() -> None:
    service = Service()
    own = httpx.Client(transport=httpx.MockTransport(service))
    proxied = httpx.Client(
        transport=httpx.MockTransport(service), base_url="https://proxy.test/p"
    )
    for http in (own, proxied):
        with StripeClient(
            http_client=http, config=settings(), secrets=SecretManager(FAKE_SECRETS)
        ) as api:
            api.get_customer("v0 /0")
        assert not http.is_closed  # the caller's to close
        http.close()
    assert service.requests[0].url.host == httpx.URL(BASE_URL).host
    assert service.requests[1].url.host == "proxy.test"
    assert service.requests[1].url.path.startswith("/p/")
    assert_credentials_sent(service.requests[1])
    with pytest.raises(ConfigurationError, match="not both"):
        StripeClient(http_client=own, transport=httpx.MockTransport(service))


def test_raw_responses_give_status_headers_and_the_value() -> None:
    headers = {"X-Request-Id": "req-7", "ETag": '"abc"'}
    service = Service(
        respond(
            200,
            {
                "created": 7,
                "email": "text",
                "id": "text",
                "metadata": {"key": "text"},
                "name": "text",
                "object": "customer",
            },
            headers,
        )
    )
    with client(service) as api:
        raw = api.with_raw_response.create_customer(data={"name": "example"})
    assert (raw.status_code, raw.headers["ETag"], raw.request_id) == (
        200,
        '"abc"',
        "req-7",
    )
    assert raw.parse() == Customer.model_validate(
        {
            "created": 7,
            "email": "text",
            "id": "text",
            "metadata": {"key": "text"},
            "name": "text",
            "object": "customer",
        }
    )
    assert "200" in repr(raw)

    async def run() -> Any:
        async with async_client(service) as api:
            raw = await api.with_raw_response.create_customer(data={"name": "example"})
            return raw.parse()

    assert asyncio.run(run()) == Customer.model_validate(
        {
            "created": 7,
            "email": "text",
            "id": "text",
            "metadata": {"key": "text"},
            "name": "text",
            "object": "customer",
        }
    )


def test_with_options_gives_a_configured_copy_sharing_the_pool() -> None:
    service = Service(respond(503), respond(200, OK))
    with client(service, timeout=30.0) as api:
        quick = api.with_options(timeout=2.5, max_retries=0, headers={"X-Team": "a"})
        with pytest.raises(InternalServerError):
            quick.get_customer("v0 /0")
        assert api.get_customer("v0 /0") == RESULT
        assert (quick.config.max_attempts, api.config.timeout) == (1, 30.0)
    first, second = service.requests
    assert (first.extensions["timeout"]["read"], first.headers["X-Team"]) == (2.5, "a")
    assert (
        second.extensions["timeout"]["read"] == 30.0 and "X-Team" not in second.headers
    )


def test_create_customer_sends_its_request() -> None:
    service = Service(
        respond(
            200,
            {
                "created": 7,
                "email": "text",
                "id": "text",
                "metadata": {"key": "text"},
                "name": "text",
                "object": "customer",
            },
        )
    )
    with client(service) as api:
        assert api.create_customer(data={"name": "example"}) == Customer.model_validate(
            {
                "created": 7,
                "email": "text",
                "id": "text",
                "metadata": {"key": "text"},
                "name": "text",
                "object": "customer",
            }
        )
    request = service.requests[0]
    assert_sent(request, "POST", "/customers", {}, {"name": "example"})


def test_create_customer_sends_its_request_async() -> None:
    service = Service(
        respond(
            200,
            {
                "created": 7,
                "email": "text",
                "id": "text",
                "metadata": {"key": "text"},
                "name": "text",
                "object": "customer",
            },
        )
    )

    async def run() -> Any:
        async with async_client(service) as api:
            return await api.create_customer(data={"name": "example"})

    assert asyncio.run(run()) == Customer.model_validate(
        {
            "created": 7,
            "email": "text",
            "id": "text",
            "metadata": {"key": "text"},
            "name": "text",
            "object": "customer",
        }
    )
    assert_sent(service.requests[0], "POST", "/customers", {}, {"name": "example"})


def test_create_payment_intent_sends_its_request() -> None:
    service = Service(
        respond(
            200,
            {
                "amount": 7,
                "client_secret": "text",
                "currency": "text",
                "id": "text",
                "status": "text",
            },
        )
    )
    with client(service) as api:
        assert api.create_payment_intent(
            data={"name": "example"}
        ) == PaymentIntent.model_validate(
            {
                "amount": 7,
                "client_secret": "text",
                "currency": "text",
                "id": "text",
                "status": "text",
            }
        )
    request = service.requests[0]
    assert_sent(request, "POST", "/payment_intents", {}, {"name": "example"})


def test_create_payment_intent_sends_its_request_async() -> None:
    service = Service(
        respond(
            200,
            {
                "amount": 7,
                "client_secret": "text",
                "currency": "text",
                "id": "text",
                "status": "text",
            },
        )
    )

    async def run() -> Any:
        async with async_client(service) as api:
            return await api.create_payment_intent(data={"name": "example"})

    assert asyncio.run(run()) == PaymentIntent.model_validate(
        {
            "amount": 7,
            "client_secret": "text",
            "currency": "text",
            "id": "text",
            "status": "text",
        }
    )
    assert_sent(
        service.requests[0], "POST", "/payment_intents", {}, {"name": "example"}
    )


def test_get_customer_sends_its_request() -> None:
    service = Service(
        respond(
            200,
            {
                "created": 7,
                "email": "text",
                "id": "text",
                "metadata": {"key": "text"},
                "name": "text",
                "object": "customer",
            },
        )
    )
    with client(service) as api:
        assert api.get_customer("v0 /0") == Customer.model_validate(
            {
                "created": 7,
                "email": "text",
                "id": "text",
                "metadata": {"key": "text"},
                "name": "text",
                "object": "customer",
            }
        )
    request = service.requests[0]
    assert_sent(request, "GET", "/customers/v0 /0", {}, None)
    assert_encoded(request, "v0 /0")


def test_get_customer_sends_its_request_async() -> None:
    service = Service(
        respond(
            200,
            {
                "created": 7,
                "email": "text",
                "id": "text",
                "metadata": {"key": "text"},
                "name": "text",
                "object": "customer",
            },
        )
    )

    async def run() -> Any:
        async with async_client(service) as api:
            return await api.get_customer("v0 /0")

    assert asyncio.run(run()) == Customer.model_validate(
        {
            "created": 7,
            "email": "text",
            "id": "text",
            "metadata": {"key": "text"},
            "name": "text",
            "object": "customer",
        }
    )
    assert_sent(service.requests[0], "GET", "/customers/v0 /0", {}, None)


def test_list_charges_sends_its_request() -> None:
    service = Service(
        respond(
            200,
            {
                "data": [
                    {
                        "amount": 7,
                        "currency": "text",
                        "customer": "text",
                        "id": "text",
                        "paid": True,
                        "status": "succeeded",
                    }
                ],
                "has_more": False,
            },
        )
    )
    with client(service) as api:
        assert api.list_charges(limit=7, customer="a b&c").items[
            0
        ] == Charge.model_validate(
            {
                "amount": 7,
                "currency": "text",
                "customer": "text",
                "id": "text",
                "paid": True,
                "status": "succeeded",
            }
        )
    request = service.requests[0]
    assert_sent(request, "GET", "/charges", {"limit": "7", "customer": "a b&c"}, None)


def test_list_charges_sends_its_request_async() -> None:
    service = Service(
        respond(
            200,
            {
                "data": [
                    {
                        "amount": 7,
                        "currency": "text",
                        "customer": "text",
                        "id": "text",
                        "paid": True,
                        "status": "succeeded",
                    }
                ],
                "has_more": False,
            },
        )
    )

    async def run() -> Any:
        async with async_client(service) as api:
            return (await api.list_charges(limit=7, customer="a b&c")).items[0]

    assert asyncio.run(run()) == Charge.model_validate(
        {
            "amount": 7,
            "currency": "text",
            "customer": "text",
            "id": "text",
            "paid": True,
            "status": "succeeded",
        }
    )
    assert_sent(
        service.requests[0],
        "GET",
        "/charges",
        {"limit": "7", "customer": "a b&c"},
        None,
    )


def test_list_charges_pages_walk_every_item() -> None:
    service = Service(
        respond(
            200,
            {
                "data": [
                    {
                        "amount": 7,
                        "currency": "text",
                        "customer": "text",
                        "id": "i1",
                        "paid": True,
                        "status": "succeeded",
                    },
                    {
                        "amount": 7,
                        "currency": "text",
                        "customer": "text",
                        "id": "i2",
                        "paid": True,
                        "status": "succeeded",
                    },
                ],
                "has_more": True,
            },
        ),
        respond(
            200,
            {
                "data": [
                    {
                        "amount": 7,
                        "currency": "text",
                        "customer": "text",
                        "id": "i3",
                        "paid": True,
                        "status": "succeeded",
                    }
                ],
                "has_more": False,
            },
        ),
    )
    with client(service) as api:
        page = api.list_charges()
        assert page.has_next_page() and len(page.items) == 2
        assert list(page) == [
            Charge.model_validate(item)
            for item in [
                {
                    "amount": 7,
                    "currency": "text",
                    "customer": "text",
                    "id": "i1",
                    "paid": True,
                    "status": "succeeded",
                },
                {
                    "amount": 7,
                    "currency": "text",
                    "customer": "text",
                    "id": "i2",
                    "paid": True,
                    "status": "succeeded",
                },
                {
                    "amount": 7,
                    "currency": "text",
                    "customer": "text",
                    "id": "i3",
                    "paid": True,
                    "status": "succeeded",
                },
            ]
        ]
        assert "more: True" in repr(page)
    assert "starting_after" not in sent_query(service.requests[0])
    assert service.requests[1].url.params["starting_after"] == "i2"


def test_list_charges_pages_walk_every_item_async() -> None:
    service = Service(
        respond(
            200,
            {
                "data": [
                    {
                        "amount": 7,
                        "currency": "text",
                        "customer": "text",
                        "id": "i1",
                        "paid": True,
                        "status": "succeeded",
                    },
                    {
                        "amount": 7,
                        "currency": "text",
                        "customer": "text",
                        "id": "i2",
                        "paid": True,
                        "status": "succeeded",
                    },
                ],
                "has_more": True,
            },
        ),
        respond(
            200,
            {
                "data": [
                    {
                        "amount": 7,
                        "currency": "text",
                        "customer": "text",
                        "id": "i3",
                        "paid": True,
                        "status": "succeeded",
                    }
                ],
                "has_more": False,
            },
        ),
    )

    async def run() -> list[Any]:
        async with async_client(service) as api:
            page = await api.list_charges()
            return [item async for item in page]

    assert asyncio.run(run()) == [
        Charge.model_validate(item)
        for item in [
            {
                "amount": 7,
                "currency": "text",
                "customer": "text",
                "id": "i1",
                "paid": True,
                "status": "succeeded",
            },
            {
                "amount": 7,
                "currency": "text",
                "customer": "text",
                "id": "i2",
                "paid": True,
                "status": "succeeded",
            },
            {
                "amount": 7,
                "currency": "text",
                "customer": "text",
                "id": "i3",
                "paid": True,
                "status": "succeeded",
            },
        ]
    ]
    assert len(service.requests) == 2


def test_list_charges_raw_response_parses_to_the_first_page() -> None:
    service = Service(
        respond(
            200,
            {
                "data": [
                    {
                        "amount": 7,
                        "currency": "text",
                        "customer": "text",
                        "id": "i1",
                        "paid": True,
                        "status": "succeeded",
                    },
                    {
                        "amount": 7,
                        "currency": "text",
                        "customer": "text",
                        "id": "i2",
                        "paid": True,
                        "status": "succeeded",
                    },
                ],
                "has_more": True,
            },
        ),
        respond(
            200,
            {
                "data": [
                    {
                        "amount": 7,
                        "currency": "text",
                        "customer": "text",
                        "id": "i3",
                        "paid": True,
                        "status": "succeeded",
                    }
                ],
                "has_more": False,
            },
        ),
    )
    with client(service) as api:
        raw = api.with_raw_response.list_charges()
        assert raw.status_code == 200 and len(service.requests) == 1
        assert list(raw.parse()) == [
            Charge.model_validate(item)
            for item in [
                {
                    "amount": 7,
                    "currency": "text",
                    "customer": "text",
                    "id": "i1",
                    "paid": True,
                    "status": "succeeded",
                },
                {
                    "amount": 7,
                    "currency": "text",
                    "customer": "text",
                    "id": "i2",
                    "paid": True,
                    "status": "succeeded",
                },
                {
                    "amount": 7,
                    "currency": "text",
                    "customer": "text",
                    "id": "i3",
                    "paid": True,
                    "status": "succeeded",
                },
            ]
        ]

    async def run() -> list[Any]:
        async with async_client(
            Service(
                respond(
                    200,
                    {
                        "data": [
                            {
                                "amount": 7,
                                "currency": "text",
                                "customer": "text",
                                "id": "i1",
                                "paid": True,
                                "status": "succeeded",
                            },
                            {
                                "amount": 7,
                                "currency": "text",
                                "customer": "text",
                                "id": "i2",
                                "paid": True,
                                "status": "succeeded",
                            },
                        ],
                        "has_more": True,
                    },
                ),
                respond(
                    200,
                    {
                        "data": [
                            {
                                "amount": 7,
                                "currency": "text",
                                "customer": "text",
                                "id": "i3",
                                "paid": True,
                                "status": "succeeded",
                            }
                        ],
                        "has_more": False,
                    },
                ),
            )
        ) as api:
            raw = await api.with_raw_response.list_charges()
            return [item async for item in raw.parse()]

    assert asyncio.run(run()) == [
        Charge.model_validate(item)
        for item in [
            {
                "amount": 7,
                "currency": "text",
                "customer": "text",
                "id": "i1",
                "paid": True,
                "status": "succeeded",
            },
            {
                "amount": 7,
                "currency": "text",
                "customer": "text",
                "id": "i2",
                "paid": True,
                "status": "succeeded",
            },
            {
                "amount": 7,
                "currency": "text",
                "customer": "text",
                "id": "i3",
                "paid": True,
                "status": "succeeded",
            },
        ]
    ]


def test_list_charges_last_page_has_no_next() -> None:
    service = Service(
        respond(
            200,
            {
                "data": [
                    {
                        "amount": 7,
                        "currency": "text",
                        "customer": "text",
                        "id": "i1",
                        "paid": True,
                        "status": "succeeded",
                    }
                ],
                "has_more": False,
            },
        )
    )
    with client(service) as api:
        page = api.list_charges()
    assert not page.has_next_page()
    with pytest.raises(StripeError, match="last page"):
        page.get_next_page()

    async def run() -> None:
        async with async_client(service) as api:
            page = await api.list_charges()
            assert not page.has_next_page() and "more: False" in repr(page)
            await page.get_next_page()

    with pytest.raises(StripeError, match="last page"):
        asyncio.run(run())


def test_list_charges_rejects_a_page_without_items() -> None:
    service = Service(respond(200, {"unexpected": True}))
    with client(service) as api, pytest.raises(StripeError, match="list of items"):
        api.list_charges()


def test_per_call_options_reach_the_request() -> None:
    service = Service()
    with client(service, timeout=30.0) as api:
        api.get_customer(
            "v0 /0",
            extra_headers={"X-Trace": "t-1"},
            extra_query={"debug": "1"},
            timeout=2.5,
        )
        api.get_customer("v0 /0")
    first, second = service.requests
    assert first.headers["X-Trace"] == "t-1"
    assert sent_query(first) == {**{}, "debug": "1"}
    assert first.extensions["timeout"]["read"] == 2.5
    assert "X-Trace" not in second.headers
    assert second.extensions["timeout"]["read"] == 30.0


def test_max_retries_of_one_call_overrides_the_configured_attempts() -> None:
    service = Service(respond(503))
    with client(service) as api, pytest.raises(InternalServerError):
        api.get_customer("v0 /0", max_retries=0)
    assert len(service.requests) == 1
    service = Service(respond(503), respond(503), respond(503), respond(200, OK))
    with client(service, max_attempts=1) as api:
        assert api.get_customer("v0 /0", max_retries=3) == RESULT
    assert len(service.requests) == 4
    with client(service) as api, pytest.raises(ValueError, match="max_retries"):
        api.get_customer("v0 /0", max_retries=-1)


def test_a_response_its_schema_refuses_is_an_error() -> None:
    service = Service(respond(200, [1]))
    with client(service) as api:
        with pytest.raises(StripeError, match="does not match its declared schema"):
            api.create_customer(data={"name": "example"})
        raw = api.with_raw_response.create_customer(data={"name": "example"})
        with pytest.raises(StripeError, match="does not match its declared schema"):
            raw.parse()


def test_models_keep_the_fields_their_schema_does_not_declare() -> None:
    service = Service(
        respond(
            200,
            {
                **{
                    "created": 7,
                    "email": "text",
                    "id": "text",
                    "metadata": {"key": "text"},
                    "name": "text",
                    "object": "customer",
                },
                **UNDECLARED,
            },
        )
    )
    with client(service) as api:
        result = api.create_customer(data={"name": "example"})
    assert isinstance(result, Customer)
    assert result.model_extra == UNDECLARED


def test_a_body_may_be_given_as_its_model() -> None:
    service = Service(
        respond(
            200,
            {
                "created": 7,
                "email": "text",
                "id": "text",
                "metadata": {"key": "text"},
                "name": "text",
                "object": "customer",
            },
        )
    )
    with client(service) as api:
        api.create_customer(
            data=CustomerCreateParams.model_validate(
                {
                    "description": "text",
                    "email": "text",
                    "metadata": {"key": "text"},
                    "name": "text",
                }
            )
        )
        api.create_customer(
            data={
                "description": "text",
                "email": "text",
                "metadata": {"key": "text"},
                "name": "text",
            }
        )
    assert sent_body(service.requests[0]) == sent_body(service.requests[1])


def test_extra_body_fields_join_the_body() -> None:
    service = Service(
        respond(
            200,
            {
                "created": 7,
                "email": "text",
                "id": "text",
                "metadata": {"key": "text"},
                "name": "text",
                "object": "customer",
            },
        )
    )
    with client(service) as api:
        api.create_customer(data={"name": "example"}, extra_body={"note": "extra"})
    assert sent_body(service.requests[0]) == {**{"name": "example"}, "note": "extra"}


def test_form_fields_are_sent_in_bracket_notation() -> None:
    nested = {
        "metadata": {"order": 7},
        "items": [{"price": "p1"}],
        "live": True,
        "skip": None,
    }
    service = Service(
        respond(
            200,
            {
                "created": 7,
                "email": "text",
                "id": "text",
                "metadata": {"key": "text"},
                "name": "text",
                "object": "customer",
            },
        )
    )
    with client(service) as api:
        api.create_customer(data={"name": "example"}, extra_body=nested)
    assert sent_body(service.requests[0]) == {
        **{"name": "example"},
        "metadata[order]": "7",
        "items[0][price]": "p1",
        "live": "true",
    }


def test_create_customer_is_retried_under_one_idempotency_key() -> None:
    header = "Idempotency-Key"
    reply = respond(
        200,
        {
            "created": 7,
            "email": "text",
            "id": "text",
            "metadata": {"key": "text"},
            "name": "text",
            "object": "customer",
        },
    )
    service = Service(respond(503), reply, reply, respond(200, OK))
    with client(service) as api:
        assert api.create_customer(data={"name": "example"}) == Customer.model_validate(
            {
                "created": 7,
                "email": "text",
                "id": "text",
                "metadata": {"key": "text"},
                "name": "text",
                "object": "customer",
            }
        )
        api.create_customer(data={"name": "example"}, extra_headers={header: "mine"})
        api.get_customer("v0 /0")
    first, second, given, idempotent = (r.headers.get(header) for r in service.requests)
    assert first and first == second
    assert given == "mine"
    assert idempotent is None


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
        api.get_customer("v0 /0")
    error = excinfo.value
    assert type(error) is expected
    assert isinstance(error, APIStatusError) and isinstance(error, StripeError)
    assert error.status_code == error.response.status_code == status
    assert error.operation == "get_customer"
    assert error.method == error.request.method == "GET"
    assert "?" not in error.url
    assert error.body == {"message": "nope"}
    assert error.request_id == "req-42"
    assert str(status) in str(error)


def test_error_body_is_kept_whole() -> None:
    service = Service(respond(400, {"message": "x" * 5000}))
    with client(service) as api, pytest.raises(BadRequestError) as excinfo:
        api.get_customer("v0 /0")
    assert excinfo.value.body == {"message": "x" * 5000}
    assert excinfo.value.request_id is None


def test_an_error_body_that_is_not_json_is_kept_as_text() -> None:
    service = Service(lambda request: httpx.Response(400, content=b"bad input"))
    with client(service) as api, pytest.raises(BadRequestError) as excinfo:
        api.get_customer("v0 /0")
    assert excinfo.value.body == "bad input"


def test_redirects_within_the_origin_are_followed() -> None:
    moved = {"Location": BASE_URL + "/moved"}
    service = Service(respond(301, headers=moved), respond(200, OK))
    with client(service) as api:
        assert api.get_customer("v0 /0") == RESULT
    assert [r.url.path for r in service.requests][1] == BASE_PATH + "/moved"


def test_redirects_to_another_origin_are_refused() -> None:
    service = Service(
        respond(302, headers={"Location": "https://elsewhere.invalid/steal"})
    )
    with client(service) as api, pytest.raises(StripeError, match="another origin"):
        api.get_customer("v0 /0")
    assert [r.url.host for r in service.requests] == [httpx.URL(BASE_URL).host]


def test_a_closed_client_raises_its_own_error() -> None:
    service = Service()
    api = client(service)
    api.close()
    with pytest.raises(StripeError, match="closed"):
        api.get_customer("v0 /0")

    async def run() -> None:
        async_api = async_client(service)
        await async_api.aclose()
        await async_api.get_customer("v0 /0")

    with pytest.raises(StripeError, match="closed"):
        asyncio.run(run())
    assert service.requests == []


def test_client_errors_are_not_retried() -> None:
    service = Service(respond(404))
    with client(service) as api, pytest.raises(NotFoundError):
        api.get_customer("v0 /0")
    assert len(service.requests) == 1


def test_an_empty_body_is_not_the_declared_value() -> None:
    with (
        client(Service(respond(204))) as api,
        pytest.raises(StripeError, match="schema"),
    ):
        api.get_customer("v0 /0")


def test_invalid_json_is_an_error() -> None:
    service = Service(lambda request: httpx.Response(200, content=b"<html>"))
    with client(service) as api, pytest.raises(StripeError, match="not valid JSON"):
        api.get_customer("v0 /0")


@pytest.mark.parametrize("status", [408, 409, 429, 502, 503])
def test_transient_statuses_are_retried_with_backoff(status: int) -> None:
    fake = FakeTime()
    service = Service(respond(status), respond(503), respond(200, OK))
    with client(service, fake) as api:
        assert api.get_customer("v0 /0") == RESULT
    assert len(service.requests) == 3
    assert fake.sleeps == [0.25, 0.5]


def test_default_backoff_is_jittered_below_its_ceiling(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="stripe_adapter")
    fake = FakeTime()
    service = Service(respond(503), respond(503), respond(200, OK))
    # The rate limiter's own waits would mix with the backoff's on a small quota.
    with default_client(service, fake, rate_limit=None) as api:
        assert api.get_customer("v0 /0", max_retries=2) == RESULT
    ceilings = [0.5, 2 * 0.5]
    assert len(fake.sleeps) == 2
    assert all(0 <= s <= c for s, c in zip(fake.sleeps, ceilings, strict=True))
    assert caplog.text.count("retrying in") == 2


def test_retries_stop_after_max_attempts() -> None:
    service = Service(respond(500))
    with client(service) as api, pytest.raises(InternalServerError):
        api.get_customer("v0 /0")
    assert len(service.requests) == 3


def test_retry_after_is_honoured() -> None:
    fake = FakeTime()
    service = Service(respond(429, headers={"Retry-After": "7"}), respond(200, OK))
    with client(service, fake) as api:
        assert api.get_customer("v0 /0") == RESULT
    assert fake.sleeps == [7.0]


def test_retry_after_ms_is_honoured() -> None:
    fake = FakeTime()
    service = Service(
        respond(429, headers={"retry-after-ms": "1500"}), respond(200, OK)
    )
    with client(service, fake) as api:
        assert api.get_customer("v0 /0") == RESULT
    assert fake.sleeps == [1.5]


def test_the_server_may_say_whether_to_retry() -> None:
    service = Service(respond(503, headers={"x-should-retry": "false"}))
    with client(service) as api, pytest.raises(InternalServerError):
        api.get_customer("v0 /0")
    assert len(service.requests) == 1
    service = Service(
        respond(400, headers={"x-should-retry": "true"}), respond(200, OK)
    )
    with client(service) as api:
        assert api.get_customer("v0 /0") == RESULT
    assert len(service.requests) == 2


def test_a_retry_after_longer_than_the_cap_is_raised_not_shortened() -> None:
    fake = FakeTime()
    service = Service(respond(503, headers={"Retry-After": "3600"}), respond(200, OK))
    with (
        client(service, fake, retry_after_max=5.0) as api,
        pytest.raises(InternalServerError) as excinfo,
    ):
        api.get_customer("v0 /0")
    assert excinfo.value.retry_after == 3600.0
    assert fake.sleeps == []
    assert len(service.requests) == 1


def test_rate_limit_error_once_retries_are_spent() -> None:
    fake = FakeTime()
    service = Service(respond(429, headers={"Retry-After": "2"}))
    with client(service, fake) as api, pytest.raises(RateLimitError) as excinfo:
        api.get_customer("v0 /0")
    assert excinfo.value.retry_after == 2.0
    assert fake.sleeps == [2.0, 2.0]


def test_connection_errors_are_retried_then_raised() -> None:
    service = Service(fail(httpx.ConnectError))
    with client(service) as api, pytest.raises(APIConnectionError) as excinfo:
        api.get_customer("v0 /0")
    assert len(service.requests) == 3
    assert isinstance(excinfo.value.__cause__, httpx.ConnectError)


def test_async_retries_with_backoff() -> None:
    fake = FakeTime()
    service = Service(respond(503), respond(200, OK))

    async def run() -> Any:
        async with async_client(service, fake) as api:
            return await api.get_customer("v0 /0")

    assert asyncio.run(run()) == RESULT
    assert fake.sleeps == [0.25]


def test_timeouts_map_to_timeout_error() -> None:
    service = Service(fail(httpx.ReadTimeout))
    with client(service, max_attempts=1) as api, pytest.raises(APITimeoutError):
        api.get_customer("v0 /0")


def test_other_httpx_errors_are_not_retried() -> None:
    service = Service(fail(httpx.TooManyRedirects))
    with client(service) as api, pytest.raises(StripeError) as excinfo:
        api.get_customer("v0 /0")
    assert type(excinfo.value) is StripeError
    assert len(service.requests) == 1
    assert api.circuit_state == "closed"


def test_circuit_opens_after_failures_then_recovers() -> None:
    fake = FakeTime()
    service = Service(respond(500), respond(500), respond(200, OK))
    with client(
        service, fake, max_attempts=1, failure_threshold=2, reset_timeout=30.0
    ) as api:
        for _ in range(2):
            with pytest.raises(InternalServerError):
                api.get_customer("v0 /0")
        with pytest.raises(CircuitOpenError):
            api.get_customer("v0 /0")
        assert len(service.requests) == 2
        assert api.circuit_state == "open"
        fake.now += 30.0
        assert api.get_customer("v0 /0") == RESULT
        assert api.circuit_state == "closed"


def test_client_errors_keep_the_circuit_closed() -> None:
    service = Service(respond(404))
    with client(service, failure_threshold=2) as api:
        for _ in range(3):
            with pytest.raises(NotFoundError):
                api.get_customer("v0 /0")
        assert api.circuit_state == "closed"


def test_calls_within_the_default_quota_never_wait() -> None:
    fake = FakeTime()
    with default_client(Service(), fake) as api:
        for _ in range(5):
            api.get_customer("v0 /0")
    assert fake.sleeps == []


def test_rate_limiter_spaces_requests() -> None:
    fake = FakeTime()
    with client(Service(), fake, rate_limit=2.0, rate_limit_burst=1.0) as api:
        for _ in range(3):
            api.get_customer("v0 /0")
    assert fake.sleeps == [0.5, 0.5]


def test_log_variable_prints_the_log_to_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    logger = logging.getLogger("stripe_adapter")
    handlers, level = list(logger.handlers), logger.level
    monkeypatch.setenv(f"{ENV_PREFIX}_LOG", "info")
    try:
        stripe_adapter._log_from_env()
        assert logger.level == logging.INFO
        service = Service(respond(503), respond(200, OK))
        with client(service) as api:
            api.get_customer("v0 /0", max_retries=1)
    finally:
        logger.handlers, logger.level = handlers, level
    assert "retrying in" in capsys.readouterr().err
    monkeypatch.setenv(f"{ENV_PREFIX}_LOG", "off")
    stripe_adapter._log_from_env()
    assert logger.handlers == handlers


def test_metrics_count_calls_errors_and_latency() -> None:
    service = Service(respond(200, OK), respond(404))
    with client(service) as api:
        api.get_customer("v0 /0")
        with pytest.raises(NotFoundError):
            api.get_customer("v0 /0")
        metrics = api.metrics["get_customer"]
    assert metrics.calls == 2
    assert metrics.errors == 1
    assert metrics.total_seconds >= 0.0


def test_path_values_cannot_change_the_path() -> None:
    service = Service(
        respond(
            200,
            {
                "created": 7,
                "email": "text",
                "id": "text",
                "metadata": {"key": "text"},
                "name": "text",
                "object": "customer",
            },
        )
    )
    with client(service) as api:
        api.get_customer("..")
        with pytest.raises(ValueError, match="must not be empty"):
            api.get_customer("")
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
                await api.get_customer("v0 /0")
            with pytest.raises(APIConnectionError):
                await api.get_customer("v0 /0")
            assert api.metrics["get_customer"].errors == 2

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
        async with AsyncStripeClient(
            config=settings(max_attempts=1, failure_threshold=1, reset_timeout=30.0),
            transport=httpx.MockTransport(handler),
            secrets=SecretManager(FAKE_SECRETS),
            sleep=fake.async_sleep,
            clock=fake.clock,
        ) as api:
            with pytest.raises(InternalServerError):
                await api.get_customer("v0 /0")
            fake.now += 30.0
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(api.get_customer("v0 /0"), timeout=0.05)
            return await api.get_customer("v0 /0")

    assert asyncio.run(run()) == RESULT


def test_cancelling_a_wait_for_the_rate_limiter_gives_its_token_back() -> None:
    fake = FakeTime()

    async def wait_forever(
        seconds: float,
    ) -> None:  # a token wait, until it is cancelled
        fake.sleeps.append(seconds)
        await asyncio.Event().wait()

    async def run() -> Any:
        async with AsyncStripeClient(
            config=settings(rate_limit=2.0, rate_limit_burst=1.0),
            transport=httpx.MockTransport(Service()),
            secrets=SecretManager(FAKE_SECRETS),
            sleep=wait_forever,
            clock=fake.clock,
        ) as api:
            await api.get_customer("v0 /0")
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(api.get_customer("v0 /0"), timeout=0.05)
            fake.now += 0.5  # one token's refill: enough only if the cancelled wait gave its back
            call = api.get_customer("v0 /0")
            return await asyncio.wait_for(call, timeout=5)

    assert asyncio.run(run()) == RESULT
    assert fake.sleeps == [0.5]


def test_async_circuit_open_refuses_calls() -> None:
    service = Service(respond(500))

    async def run() -> None:
        async with async_client(service, max_attempts=1, failure_threshold=1) as api:
            with pytest.raises(InternalServerError):
                await api.get_customer("v0 /0")
            with pytest.raises(CircuitOpenError):
                await api.get_customer("v0 /0")

    asyncio.run(run())
    assert len(service.requests) == 1


def test_credentials_stay_out_of_logs_errors_and_reprs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="stripe_adapter")
    echo = " ".join(FAKE_SECRETS.values())
    service = Service(respond(500, {"echo": echo}))
    with (
        client(service, max_attempts=2) as api,
        pytest.raises(InternalServerError) as excinfo,
    ):
        api.get_customer("v0 /0")
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
    reason="set STRIPE_API_KEY to run tests against the real service",
)
def test_list_charges_against_the_real_service() -> None:
    with StripeClient() as api:
        api.list_charges()
        metrics = api.metrics["list_charges"]
    assert metrics.errors == 0
