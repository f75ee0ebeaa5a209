"""Which methods a generated API package's tests call, and with which fake values.

Each failure path is exercised through one method, the probe, chosen so that its test reads
the same for every service: a retryable call returning a value where there is one.
`ApiContext` inherits these choices; templates read them as `api.probe`, `api.path_probe`….
"""

from __future__ import annotations

from agentflow.patterns import pyrepr
from agentflow.patterns.api.requirements import RetryConfig
from agentflow.patterns.api.views import EndpointView

__all__ = ["Probes"]


class Probes:
    """The test probes of an API package, from its endpoints (see `ApiContext`)."""

    endpoints: tuple[EndpointView, ...]
    shortcuts: tuple[EndpointView, ...]
    retry: RetryConfig
    idempotency_header: str | None
    rate_limit_signals: tuple[tuple[int, str, str | None], ...]
    secret_env_vars: tuple[str, ...]
    env_prefix: str

    @property
    def calls(self) -> tuple[EndpointView, ...]:
        """The methods tests and examples call: the endpoints, else the generic shortcuts."""
        return self.endpoints or self.shortcuts

    @property
    def form_probe(self) -> EndpointView | None:
        """The endpoint tests send nested form fields through, if any sends a form."""
        return next((e for e in self._unpaged if e.body in ("form", "multipart")), None)

    @property
    def signal_reply(self) -> str:
        """The fake service's reply matching the first rate-limit signal, as code (empty
        without signals)."""
        if not self.rate_limit_signals:
            return ""
        status, header, value = self.rate_limit_signals[0]
        return f"respond({status}, headers={pyrepr({header: '1' if value is None else value})})"

    @property
    def keyed_probe(self) -> EndpointView | None:
        """A method sent with an idempotency key (not idempotent, no declared retry
        choice), when the requirements name the key's header."""
        if self.idempotency_header is None:
            return None
        return next((e for e in self._plain_calls if not e.retryable and e.retry is None), None)

    @property
    def live_endpoints(self) -> tuple[EndpointView, ...]:
        """GET endpoints without arguments, for tests against the real service."""
        return tuple(e for e in self.endpoints if e.live_safe)

    @property
    def live_requirement(self) -> str:
        """What must be set for live tests to run: the credentials, else a switch."""
        return ", ".join(self.secret_env_vars) or f"{self.env_prefix}_LIVE_TESTS=1"

    @property
    def live_condition(self) -> str:
        """`GITHUB_TOKEN is set`: when tests against the real service run."""
        verb = "are" if len(self.secret_env_vars) > 1 else "is"
        return f"{self.live_requirement} {verb} set"

    @property
    def live_skip_reason(self) -> str:
        """Why a live test was skipped, and how to run it."""
        return f"set {self.live_requirement} to run tests against the real service"

    @property
    def fake_secrets(self) -> tuple[tuple[str, str], ...]:
        """A fake value per credential variable, for offline tests."""
        return tuple((var, f"fake-credential-{i}") for i, var in enumerate(self.secret_env_vars, 1))

    @property
    def probe(self) -> EndpointView:
        """The method failure-path tests exercise: retryable by default if possible.

        For the generic client, `get`: the shortcut users call most.
        """
        if not self.endpoints:
            return self.example
        ranked = sorted(
            self.endpoints, key=lambda e: (bool(e.pagination), not e.retryable, e.retry is False)
        )
        return ranked[0]

    @property
    def probe_can_retry(self) -> bool:
        """Whether the probe may be retried at all (it was not declared `retry: false`)."""
        return self.probe.retry is not False

    @property
    def probe_overrides(self) -> str:
        """Extra `client(...)` arguments retry tests of the probe need, as code."""
        return "" if self.probe.retryable else ", retry_non_idempotent=True"

    @property
    def body_probe(self) -> EndpointView | None:
        """The endpoint tests send an `extra_body` through, if any sends a body."""
        return next((e for e in self._unpaged if e.body), None)

    @property
    def typed_probe(self) -> EndpointView | None:
        """The endpoint tests send a response its schema refuses, if any declares one."""
        return next((e for e in self.endpoints if e.typing.typed), None)

    @property
    def model_probe(self) -> EndpointView | None:
        """The endpoint tests send undeclared fields to, if any returns a model."""
        return next((e for e in self.endpoints if e.returns_model), None)

    @property
    def body_model_probe(self) -> EndpointView | None:
        """The endpoint tests send a body model through, if any takes one."""
        return next((e for e in self._unpaged if e.typing.body_model), None)

    @property
    def path_probe(self) -> EndpointView | None:
        """The endpoint tests send hostile path values through, if any has path parameters."""
        return next((e for e in self._unpaged if e.path_params), None)

    @property
    def query_probe(self) -> EndpointView | None:
        """The endpoint tests leave optional query parameters out of, if any has some."""
        return next((e for e in self._unpaged if e.query_params), None)

    @property
    def non_idempotent(self) -> EndpointView | None:
        """A method that is not retried by default, to test exactly that.

        None when the configuration retries non-idempotent calls too, or sends them with an
        idempotency key: then none is.
        """
        if self.retry.retry_non_idempotent or self.idempotency_header:
            return None
        return next((e for e in self._plain_calls if not e.retryable and e.retry is None), None)

    @property
    def raw_probe(self) -> EndpointView | None:
        """The method tests call through `with_raw_response`: one returning a value."""
        return next(iter(self._plain_calls), None)

    @property
    def resource_probe(self) -> EndpointView | None:
        """The resource method tests call through a `with_options` copy and through
        `with_raw_response`: one returning a value if there is one (None without
        resources)."""
        methods = [e for e in self.endpoints if e.resource is not None]
        return next((e for e in methods if not e.pagination), next(iter(methods), None))

    @property
    def _unpaged(self) -> tuple[EndpointView, ...]:
        """Endpoints returning a value rather than a page, which probe tests call."""
        return tuple(e for e in self.endpoints if not e.pagination)

    @property
    def _plain_calls(self) -> tuple[EndpointView, ...]:
        """The calls returning a value: the unpaged endpoints, or the generic shortcuts."""
        return self._unpaged if self.endpoints else self.shortcuts

    @property
    def example(self) -> EndpointView:
        """The method the examples call: a safe GET if there is one."""
        gets = [e for e in self.calls if e.http_method == "GET"]
        return (self.live_endpoints or gets or self.calls)[0]
