"""The webhook pattern: a receiver that verifies signed deliveries from a service."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from agentflow.patterns import (
    IntegrationPattern,
    Mutant,
    PatternMatch,
    Subtask,
    replace_body,
    rewrite,
)
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["MUTANTS", "SUBTASKS", "WebhookPattern", "WebhookRequirements"]

_ENV_VAR = r"^[A-Z_][A-Z0-9_]*$"
_HEADER = r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$"


class WebhookRequirements(BaseModel):
    """The `requirements:` of a webhook spec; unknown keys are errors, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    signing_secret_env: str = Field(pattern=_ENV_VAR, max_length=100)
    signature_header: str = Field(default="X-Signature-256", pattern=_HEADER, max_length=100)
    signature_prefix: str = Field(default="sha256=", max_length=40)
    timestamp_header: str | None = Field(default=None, pattern=_HEADER, max_length=100)
    tolerance_seconds: int = Field(default=300, ge=1, le=86_400)
    event_header: str | None = Field(default=None, pattern=_HEADER, max_length=100)
    events: tuple[str, ...] = Field(min_length=1, max_length=500)

    @field_validator("events")
    @classmethod
    def _distinct_sorted_events(cls, events: tuple[str, ...]) -> tuple[str, ...]:
        if any(not event.strip() or len(event) > 100 for event in events):
            raise ValueError("event names must be 1 to 100 characters")
        if len(set(events)) != len(events):
            raise ValueError("lists an event twice")
        return tuple(sorted(events))  # sorted, so generated code is deterministic

    @model_validator(mode="after")
    def _tolerance_needs_timestamp(self) -> WebhookRequirements:
        if "tolerance_seconds" in self.model_fields_set and self.timestamp_header is None:
            raise ValueError("tolerance_seconds needs timestamp_header (what it bounds)")
        return self


# The files this pattern produces; the standard docs/config/examples/packaging are dropped.
SUBTASKS = (
    Subtask(
        "adapter",
        "{slug}_adapter.py",
        "adapter.py.jinja",
        "the signature verifier and event parser",
        complexity="complex",
    ),
    Subtask(
        "tests",
        "test_{slug}_adapter.py",
        "test_adapter.py.jinja",
        "offline tests of the verifier",
        ("adapter",),
    ),
)

# (key, weight, what it says about the spec)
_SIGNALS = (
    ("signing_secret_env", 0.45, "names a webhook signing secret"),
    ("signature_header", 0.35, "names the signature header"),
    ("events", 0.2, "lists the events received"),
    ("timestamp_header", 0.1, "names a signed timestamp header"),
    ("tolerance_seconds", 0.1, "bounds the age of a delivery"),
)


def _accept_any_signature(source: str, requirements: Mapping[str, Any]) -> str:
    """`verify_signature` returns at once, so every delivery passes."""

    def edit(tree: ast.Module) -> int:
        found = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name == "verify_signature"
        ]
        for function in found:
            replace_body(function, ast.Return(ast.Constant(None)))
        return len(found)

    return rewrite(source, edit, missing="no verify_signature function")


# The faults the generated tests must catch (the `tests_can_fail` check).
MUTANTS = (
    Mutant(
        "signature_unchecked",
        "any signature is accepted",
        "a test that a delivery with a wrong signature is refused",
        _accept_any_signature,
    ),
)


class WebhookPattern(IntegrationPattern):
    """Webhook receivers: HMAC-SHA256 signature checks, replay window, known events only."""

    name = "webhook"
    description = "Webhook receiver (HMAC-SHA256 signature verification)"
    requirements_model = WebhookRequirements
    template_dir = Path(__file__).resolve().parent / "templates"

    def explain(self, requirements: Mapping[str, Any]) -> PatternMatch:
        """Score by the webhook keys present at the top level of `requirements:`."""
        if not isinstance(requirements, Mapping):
            return PatternMatch(self.name, 0.0)
        seen = [(w, f"{key}: {why}") for key, w, why in _SIGNALS if requirements.get(key)]
        score = min(1.0, sum(weight for weight, _ in seen))
        return PatternMatch(self.name, round(score, 3), tuple(reason for _, reason in seen))

    def decompose(self, requirements: Mapping[str, Any]) -> list[Subtask]:
        """Only the verifier module and its tests."""
        return list(SUBTASKS)

    def build_context(self, requirements: BaseModel, *, slug: str) -> dict[str, Any]:
        """The validated requirements, as `webhook` in the templates."""
        assert isinstance(requirements, WebhookRequirements)
        return {"webhook": requirements}

    def validate(self, generated_code: Mapping[str, str]) -> list[str]:
        """Signatures must be compared in constant time, never with `==`."""
        return [
            f"{path}: compare signatures with hmac.compare_digest"
            for path, text in sorted(generated_code.items())
            if path.endswith("_adapter.py")
            and not path.startswith("test_")
            and "hmac.compare_digest(" not in text
        ]

    def mutants(self) -> Sequence[Mutant]:
        """A verifier that accepts any signature must fail the generated tests."""
        return MUTANTS
