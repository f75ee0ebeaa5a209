"""The one exception tree of agentflow, and the Diagnostic values errors carry.

    AgentflowError                    base of everything agentflow raises on purpose
    ├── InputError                    the user's input is wrong            (exit code 2)
    │   ├── SpecError                 a requirements file is invalid (carries Diagnostics)
    │   ├── PatternSelectionError     unknown `type:`, no pattern fits, or a near tie
    │   ├── PatternUnavailableError   the chosen pattern cannot generate packages yet
    │   ├── UnknownServiceError       a service name is not in the catalog (nearest names given)
    │   ├── OutputError               output path unsafe, or a package is in the way
    │   └── TargetError               a deploy target is malformed, unsafe or unknown
    ├── PluginError                   an installed pattern plugin is broken (exit code 1)
    └── GenerationError               a stage could not produce a package   (exit code 1)
        ├── BackendError              an orchestrator backend failed
        │   └── LLMError              a model provider call failed (`kind` says how)
        ├── RenderError               a template failed to render
        ├── ValidationFailed          a package scored below the required minimum
        └── DeployError               a deploy or rollback could not complete; target unchanged
            ├── DeployConflict        a version is already deployed with different content
            └── DeployLockTimeout     another deploy to the same target holds its lock

The CLI exits with each error's `exit_code`: 2 for `InputError` and for an `auth` LLMError
(a missing or refused key), 1 for the others; in one place (`agentflow.cli.support`).
Library code raises; it never prints or exits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "AgentflowError",
    "BackendError",
    "DeployConflict",
    "DeployError",
    "DeployLockTimeout",
    "Diagnostic",
    "GenerationError",
    "InputError",
    "LLMError",
    "OutputError",
    "PatternSelectionError",
    "PatternUnavailableError",
    "PluginError",
    "RenderError",
    "SpecError",
    "TargetError",
    "UnknownServiceError",
    "ValidationFailed",
]


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in user input, located as precisely as the input allows."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None
    hint: str | None = None
    level: Literal["error", "warning"] = "error"

    def location(self) -> str:
        """`file:line:column`, with the parts that are known."""
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        text = f"{self.location()}: {self.level}: "
        if self.field:
            text += f"{self.field}: "
        text += self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class AgentflowError(Exception):
    """Base of every error agentflow raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, diagnostics: tuple[Diagnostic, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics = diagnostics

    def __str__(self) -> str:
        if not self.diagnostics:
            return self.message
        return "\n".join([self.message, *(f"  {d}" for d in self.diagnostics)])


class InputError(AgentflowError):
    """The user's input is wrong; fixing the input fixes the error."""

    exit_code = 2


class SpecError(InputError):
    """A requirements file is invalid; `diagnostics` says where and why."""


class PatternSelectionError(InputError):
    """No pattern could be chosen: unknown `type:`, nothing fits, or a near tie."""


class PatternUnavailableError(InputError):
    """The chosen pattern scores specs but cannot generate packages yet."""


class UnknownServiceError(InputError):
    """A service name is not in the catalog; `suggestions` holds the nearest entries' names."""

    def __init__(self, message: str, *, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.suggestions = suggestions


class OutputError(InputError):
    """The output path is unsafe, or an existing package is in the way."""


class TargetError(InputError):
    """A deploy target is malformed, of an unknown kind, or points somewhere unsafe."""


class PluginError(AgentflowError):
    """An installed pattern plugin failed to load or does not follow the pattern interface."""


class GenerationError(AgentflowError):
    """A pipeline stage could not produce a package."""


class BackendError(GenerationError):
    """An orchestrator backend failed to produce a file."""


class LLMError(BackendError):
    """A model provider call failed; `kind` classifies it and `retryable` says if retrying helps."""

    KINDS = frozenset(
        {
            "auth",
            "rate_limit",
            "unavailable",
            "timeout",
            "bad_response",
            "truncated",
            "refused",
            "budget",
        }
    )

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        retryable: bool = False,
        retry_after: float | None = None,
        billed_tokens: tuple[int, int] = (0, 0),
    ) -> None:
        """`billed_tokens` (input, output) are what the provider charged for an unusable reply
        (cut off or refused), so a failed call's cost is still counted. A missing or refused key
        (`auth`) exits 2, like input errors: fixing the configuration is enough."""
        if kind not in self.KINDS:
            raise ValueError(f"unknown LLMError kind {kind!r}")
        super().__init__(message)
        self.kind = kind
        if kind == "auth":
            self.exit_code = InputError.exit_code
        self.retryable = retryable
        self.retry_after = retry_after
        self.billed_tokens = billed_tokens

    def __reduce__(self) -> tuple[object, ...]:
        fields = (self.message, self.kind, self.retryable, self.retry_after, self.billed_tokens)
        return (_rebuild_llm_error, fields)


def _rebuild_llm_error(
    message: str,
    kind: str,
    retryable: bool,
    retry_after: float | None,
    billed_tokens: tuple[int, int],
) -> LLMError:
    return LLMError(
        message,
        kind=kind,
        retryable=retryable,
        retry_after=retry_after,
        billed_tokens=billed_tokens,
    )


class RenderError(GenerationError):
    """A template failed to render."""


class ValidationFailed(GenerationError):
    """A package scored below the required minimum; `report` holds the checks."""

    def __init__(self, message: str, *, report: object = None) -> None:
        super().__init__(message)
        self.report = report


class DeployError(GenerationError):
    """A deploy or rollback could not complete; the target was left as it was."""


class DeployConflict(DeployError):
    """The version is already deployed to the target with different content."""


class DeployLockTimeout(DeployError):
    """Another deploy to the same target held its lock for too long."""
