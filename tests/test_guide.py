"""Every ```python block of the user guide runs as written, offline, in the reader's order.

The guide is read in place (see `guide_reader`): it is skipped where it is absent, but in CI
(`CI=true`) its absence fails. Each block is run once, in a temporary working folder (the
quick start saves `./integrations/github`), with no provider key or address in the
environment; `EXPECTED` says how each must end. The PostgreSQL blocks build database
packages, validated like every other.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from guide_reader import (
    Expectation,
    Outcome,
    Reader,
    StandInAPI,
    read_blocks,
    require_guide,
)

from agentflow.build import DEFAULT_MIN_SCORE
from agentflow.errors import LLMError
from agentflow.generation.backends.providers import PROVIDERS
from agentflow.orchestration import SmartOrchestrator
from agentflow.runtime import IntegrationError

READER_ENV = {
    "APP_API_KEY": "sk-app-of-the-reader",  # SecretManager(prefix='APP_').get('API_KEY')
    "API_KEY": "sk-of-the-reader",  # SecretManager().get('API_KEY')
    "DEEPSEEK_API_KEY": "sk-deepseek-of-the-reader",  # the cost advice's orchestrator
}
OFFLINE = sorted(
    {info.api_key_env for info in PROVIDERS.values()}
    | {f"{name.upper()}_BASE_URL" for name in PROVIDERS}
    | set(READER_ENV)
)
# The sections whose names a section's blocks use besides their own (the guide's order).
SEEDS = {
    "Quick Start": (),
    "Architecture": ("Quick Start",),
    "Utility Library": (),
    "Performance Metrics": ("Quick Start",),
    "Best Practices": ("Quick Start", "Utility Library"),
    "Examples": ("Quick Start",),
    "Advanced Usage": ("Quick Start",),
}


def runs(outcome: Outcome) -> None:
    if outcome.error is not None:
        raise outcome.error


def quick_start(outcome: Outcome) -> None:
    runs(outcome)
    assert len(outcome.warnings) == 1, outcome.warnings
    assert "DEEPSEEK_API_KEY" in outcome.warnings[0]
    assert "using the template backend instead" in outcome.warnings[0]
    package = outcome.names["package"]
    metrics = package.metadata["build_metrics"]
    assert outcome.stdout.splitlines() == [
        "Cost: $0.0",
        f"Duration: {metrics['duration_seconds']}s",
        "Quality: 100.0/100",
    ]
    saved = Path("integrations/github")
    assert (saved / "github_adapter.py").read_text("utf-8") == package.files["github_adapter.py"]
    records = json.loads((saved / "metadata.json").read_text("utf-8"))["files"]
    assert records["github_adapter.py"]["provenance"].startswith(
        "template (fallback after deepseek-chat: auth: deepseek: no API key; set DEEPSEEK_API_KEY"
    )
    assert records["config.yaml"]["provenance"] == "template"


def pattern_selection(outcome: Outcome) -> None:
    runs(outcome)
    postgresql = outcome.names["package"]  # the explicit database build, the last statement
    assert (postgresql.service, postgresql.pattern) == ("PostgreSQL", "database")
    assert postgresql.metadata["build_metrics"]["validation_score"] >= DEFAULT_MIN_SCORE


def retry_helper(outcome: Outcome) -> None:
    runs(outcome)
    url, requests = outcome.names["url"], outcome.names["requests"]
    assert outcome.names["call_api"]() == {"url": url, "status": 200}
    assert requests.urls == [url]


def rate_limiter(outcome: Outcome) -> None:
    runs(outcome)
    assert outcome.names["response"] == {"status": "ok"}
    assert outcome.names["rate_limiter"].rate == pytest.approx(100 / 60)


def metrics_collector(outcome: Outcome) -> None:
    runs(outcome)
    totals = outcome.names["metrics"].get_total_metrics()
    assert (totals["calls"], totals["errors"], totals["total_cost"]) == (1, 0, 0.001)
    assert outcome.stdout == f"{totals}\n"


def secret_manager(outcome: Outcome) -> None:
    runs(outcome)
    assert outcome.names["api_key"] == READER_ENV["APP_API_KEY"]


def cache_manager(outcome: Outcome) -> None:
    runs(outcome)
    expensive_function, cache = outcome.names["expensive_function"], outcome.names["cache"]
    assert expensive_function("x") is outcome.names["result"]
    assert expensive_function("x") is outcome.names["result"] and len(cache) == 1


def error_handler(outcome: Outcome) -> None:
    error = outcome.error
    if not isinstance(error, IntegrationError):
        raise AssertionError(f"expected the handled IntegrationError, got {error!r}") from error
    assert error.operation == "api_call"
    assert error.__cause__ is outcome.names["api"].failure


def cost_tracking(outcome: Outcome) -> None:
    runs(outcome)
    lines = outcome.stdout.splitlines()
    assert lines[0] == "Total cost: $0.0" and lines[2] == "Integration cost: $0.0"
    assert lines[1].startswith("Cost by operation: {'adapter': 0.0, 'config': 0.0")


def build_history(outcome: Outcome) -> None:
    runs(outcome)
    history, average = outcome.names["history"], outcome.names["avg_metrics"]
    assert history[0]["service"] == "GitHub"
    assert average["builds"] == len(history)
    assert outcome.stdout.splitlines()[1] == f"Average cost: ${average['avg_cost']}"


def cost_optimization(outcome: Outcome) -> None:
    runs(outcome)
    orchestrator = outcome.names["orchestrator"]
    assert (orchestrator.provider, orchestrator.calls_models) == ("deepseek", True)
    assert outcome.warnings == []


def quality_assurance(outcome: Outcome) -> None:
    runs(outcome)
    assert outcome.stdout == ""  # the quick start's package scored 100


def security(outcome: Outcome) -> None:
    runs(outcome)
    assert outcome.names["api_key"] == READER_ENV["API_KEY"]


def error_handling(outcome: Outcome) -> None:
    runs(outcome)
    names = outcome.names
    handler = names["error_handler"]
    assert handler.should_retry(names["error"], names["attempt"], names["max_attempts"]) is True


def built(slug: str, pattern: str = "api") -> Expectation:
    def check(outcome: Outcome) -> None:
        runs(outcome)
        package = outcome.names["package"]
        assert (package.slug, package.pattern) == (slug, pattern)
        assert package.metadata["build_metrics"]["validation_score"] >= DEFAULT_MIN_SCORE

    return Expectation(check)


def custom_pattern(outcome: Outcome) -> None:
    runs(outcome)
    pattern = outcome.names["WebhookIntegrationPattern"]()
    assert pattern.matches({"type": "webhook"}) is True
    assert pattern.matches({"type": "api"}) is False


def parallel_generation(outcome: Outcome) -> None:
    runs(outcome)
    packages = outcome.names["packages"]
    assert [p.slug for p in packages] == ["github", "stripe", "postgresql"]
    assert [p.pattern for p in packages] == ["api", "api", "database"]


def env(*names: str) -> dict[str, str]:
    return {name: READER_ENV[name] for name in names}


def failing_api() -> StandInAPI:
    return StandInAPI(ConnectionError("connection reset by peer"))


EXPECTED = {
    "Basic Usage": Expectation(quick_start),
    "Pattern Selection": Expectation(pattern_selection),
    "Retry Helper": Expectation(retry_helper),
    "Rate Limiter": Expectation(rate_limiter),
    "Metrics Collector": Expectation(metrics_collector),
    "Secret Manager": Expectation(secret_manager, env("APP_API_KEY")),
    "Cache Manager": Expectation(cache_manager),
    "Error Handler": Expectation(error_handler, standins={"api": failing_api}),
    "Cost Tracking": Expectation(cost_tracking),
    "Build History": Expectation(build_history),
    "1. Cost Optimization": Expectation(cost_optimization, env("DEEPSEEK_API_KEY")),
    "2. Quality Assurance": Expectation(quality_assurance),
    "3. Security": Expectation(security, env("API_KEY")),
    "4. Error Handling": Expectation(error_handling),
    "GitHub API Integration": built("github"),
    "PostgreSQL Database": built("postgresql", "database"),
    "Stripe Payment API": built("stripe"),
    "Custom Patterns": Expectation(custom_pattern),
    "Parallel Generation": Expectation(parallel_generation),
}


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reader]:
    """One reader of the guide for the module, offline, in a temporary working folder."""
    path = require_guide()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("guide-reader"))
        for name in OFFLINE:
            patch.delenv(name, raising=False)
        yield Reader(path, EXPECTED, SEEDS)


def test_every_python_block_of_the_guide_has_an_expectation() -> None:
    blocks = read_blocks(require_guide())
    assert [block.heading for block in blocks] == list(EXPECTED)
    assert {block.section for block in blocks} == set(SEEDS)


@pytest.mark.slow
@pytest.mark.parametrize("heading", list(EXPECTED))
def test_the_guide_block_runs_as_written(reader: Reader, heading: str) -> None:
    EXPECTED[heading].check(reader.outcome(heading))


def test_the_cost_advice_without_a_deepseek_key_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cost advice does not ask for fallback, so without its key it stops, clearly."""
    for name in OFFLINE:
        monkeypatch.delenv(name, raising=False)
    block = next(b for b in read_blocks(require_guide()) if b.heading == "1. Cost Optimization")
    with pytest.raises(LLMError, match="set DEEPSEEK_API_KEY") as caught:
        exec(block.code, {"SmartOrchestrator": SmartOrchestrator})
    assert (caught.value.kind, caught.value.exit_code) == ("auth", 2)
