"""The public surface the guides promise: names, the seed example, the error tree."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import agentflow.errors as errors
import agentflow.orchestration as orchestration


def test_orchestration_exports_exactly_the_documented_names() -> None:
    assert sorted(orchestration.__all__) == [
        "IntegrationBuilder",
        "IntegrationPackage",
        "SmartOrchestrator",
    ]
    for name in orchestration.__all__:
        assert inspect.isclass(getattr(orchestration, name))
    with pytest.raises(AttributeError):
        orchestration.NoSuchThing  # noqa: B018


def test_every_error_is_in_the_tree_drawn_in_the_module_docstring() -> None:
    classes = [
        obj
        for name, obj in vars(errors).items()
        if inspect.isclass(obj) and issubclass(obj, errors.AgentflowError)
    ]
    assert len(classes) >= 10
    for cls in classes:
        assert cls.__name__ in (errors.__doc__ or ""), cls
        assert cls.__doc__ and "\n" not in cls.__doc__.strip(), cls
        assert cls.__name__ in errors.__all__
    assert issubclass(errors.SpecError, errors.InputError)
    assert errors.InputError.exit_code == 2
    assert errors.GenerationError.exit_code == 1


@pytest.mark.slow
def test_the_seed_guide_example_runs_as_written(tmp_path: Path) -> None:
    from agentflow.orchestration import IntegrationBuilder, SmartOrchestrator
    from agentflow.orchestration.integration_patterns import IntegrationPattern
    from agentflow.orchestration.utils import (  # noqa: F401
        CacheManager,
        ErrorHandler,
        IntegrationError,
        MetricsCollector,
        RateLimiter,
        SecretManager,
        retry_exponential,
    )

    orchestrator = SmartOrchestrator(
        provider="template", enable_fallback=True, enable_model_selection=True
    )
    builder = IntegrationBuilder(orchestrator)
    package = builder.build_integration(
        service_name="GitHub",
        integration_type="api",
        requirements={
            "base_url": "https://api.github.com",
            "auth_type": "bearer",
            "rate_limit": 5000,
            "endpoints": [
                {"method": "GET", "path": "/repos/{owner}/{repo}"},
                {"method": "GET", "path": "/user/repos"},
            ],
        },
    )
    outcome = package.save_to_directory(tmp_path / "integrations" / "github")
    assert outcome.status == "created"
    assert (tmp_path / "integrations" / "github" / "github_adapter.py").is_file()
    metrics = package.metadata["build_metrics"]
    assert metrics["total_cost"] == 0.0
    assert metrics["duration_seconds"] > 0
    assert metrics["validation_score"] == 100
    history = builder.get_build_history()
    assert [h["service"] for h in history] == ["GitHub"]
    averages = builder.get_average_metrics()
    assert averages["builds"] == 1
    assert averages["avg_duration_seconds"] == pytest.approx(metrics["duration_seconds"])
    assert averages["avg_cost"] == 0.0
    summary = orchestrator.get_cost_summary()
    assert summary["total_cost"] == 0.0
    assert set(summary["by_operation"]) == {
        "adapter",
        "tests",
        "docs",
        "config",
        "examples",
        "packaging",
    }
    assert callable(IntegrationPattern.matches) and callable(IntegrationPattern.decompose)


def test_build_integration_reports_bad_requirements_by_field() -> None:
    from agentflow.orchestration import IntegrationBuilder

    with pytest.raises(errors.SpecError) as caught:
        IntegrationBuilder(validate=False).build_integration(
            "GitHub", "api", {"base_url": "ftp://x", "endpoints": [{"method": "GET", "path": "/"}]}
        )
    assert any(d.field == "requirements.base_url" for d in caught.value.diagnostics)


def test_build_integration_keeps_emoji_in_a_description() -> None:
    from agentflow.orchestration import IntegrationBuilder

    requirements = {"base_url": "https://x.example", "endpoints": [{"method": "GET", "path": "/"}]}
    package = IntegrationBuilder(validate=False).build_integration(
        "Rocket", "api", requirements, description="Launches \U0001f680 rockets"
    )
    assert "Launches \U0001f680 rockets" in package.files["rocket_adapter.py"]
