"""What a build does when a provider gives no file: the next provider, the template, or an error.

A missing or refused key is a configuration mistake, not a bad answer: quietly shipping the
templates instead would hide it. So it stops the build (`LLMError`, kind `auth`: exit code 2)
unless fallback was asked for, with `enable_fallback=True` or fallback providers (`--fallback`,
`[backend] fallback`). Then the build goes on to the next provider, else the template, logs one
warning per provider (the CLI shows it as `warning: …` on stderr) and records the reason in
the provenance of every file it affects, so metadata.json says so. Other failures (rejected
answers, timeouts, 5xx after retries, the budget) fall back to the template unless
`enable_fallback=False`.

A provider without a key, or one that cannot be reached (connection refused, unknown host, no
connection within the timeout), is skipped from then on: it is not asked again for the other
files, nor by later builds with the same orchestrator, and it is named in one warning only,
however many files and threads run into it. Make a new orchestrator to try it again.

Provider text (an error body, a quoted answer) reaches provenance, metadata.json, warnings and
error messages only through `ProviderKeys.redact`: no piece of a key gets through.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from agentflow.errors import BackendError, LLMError
from agentflow.generation.backends.key_pieces import ProviderKeys

__all__ = ["TEMPLATE_BACKEND", "Failure", "FallbackPolicy"]

_log = logging.getLogger(__name__)

TEMPLATE_BACKEND = "the template backend"


@dataclass(frozen=True)
class Failure:
    """Why one provider gave no file for one subtask, redacted; `refused_key` for auth."""

    reason: str
    refused_key: bool


class FallbackPolicy:
    """Decides, per failure, whether the build goes on, and what the kept template records.

    `enable_fallback` is None when not given: the template is kept after answers that fail,
    but a missing or refused key stops the build unless `fallback_providers` were given.
    `providers` are the model providers asked, in order, so a warning can say what is used
    instead. Thread-safe: one policy serves every build of its orchestrator.
    """

    def __init__(
        self,
        *,
        enable_fallback: bool | None,
        fallback_providers: Sequence[str],
        keys: ProviderKeys,
        providers: Sequence[str] = (),
    ) -> None:
        self.to_template = enable_fallback is not False
        self.past_refused_keys = enable_fallback is True or bool(fallback_providers)
        self._keys = keys
        self._providers = tuple(providers)
        self._skipped: dict[str, LLMError] = {}
        self._lock = threading.Lock()

    def failure(self, provider: str, model: str, exc: Exception) -> Failure:
        """The failure `exc` of `provider` asked with `model`.

        Raises `LLMError(kind="auth")` when it was caused by a missing or refused key and
        fallback was not asked for; warns once per provider when it was.
        """
        reason = self._keys.redact(f"{model}: {exc}")
        refused = _refused_key(exc)
        if refused is None:
            unreachable = _unreachable(exc)
            if unreachable is not None:
                message = self._keys.redact(str(unreachable))
                self._skip(provider, unreachable, message, asked=False)
            return Failure(reason, refused_key=False)
        message = self._keys.redact(str(refused))
        if not self.past_refused_keys:
            raise LLMError(
                f"{message}; fix the key, or ask for fallback to keep the rendered templates "
                "instead (--fallback template, or enable_fallback=True)",
                kind="auth",
            ) from None
        self._skip(provider, refused, message, asked=True)
        return Failure(reason, refused_key=True)

    def skipped(self, provider: str) -> LLMError | None:
        """Why `provider` is no longer asked (no key, refused key, unreachable), if it is not."""
        with self._lock:
            return self._skipped.get(provider)

    def kept_template(self, path: str, failures: Sequence[Failure]) -> str:
        """The provenance of the template kept for `path`, or the error when none may be."""
        if self.to_template:
            return f"template (fallback after {failures[-1].reason})"
        message = f"no provider produced {path}: {'; '.join(f.reason for f in failures)}"
        if all(f.refused_key for f in failures):
            raise LLMError(message, kind="auth")
        raise BackendError(message)

    def _skip(self, provider: str, error: LLMError, message: str, *, asked: bool) -> None:
        """Ask `provider` no more; the first time, warn saying what is used instead (unless
        nothing is: then the build fails with the error)."""
        with self._lock:
            if provider in self._skipped:
                return
            self._skipped[provider] = error
        instead = self._instead_of(provider)
        if instead is not None:
            why = ", as fallback was asked for" if asked else ""
            _log.warning("%s; using %s instead%s", message, instead, why)

    def _instead_of(self, provider: str) -> str | None:
        """What answers in place of `provider`: the next provider, the template, or nothing."""
        if provider in self._providers[:-1]:
            return self._providers[self._providers.index(provider) + 1]
        return TEMPLATE_BACKEND if self.to_template else None


def _refused_key(exc: BaseException) -> LLMError | None:
    """The missing- or refused-key error behind `exc`, if that is what it came from."""
    for cause in _causes(exc):
        if isinstance(cause, LLMError) and cause.kind == "auth":
            return cause
    return None


def _unreachable(exc: BaseException) -> LLMError | None:
    """The provider error behind `exc` when it came from a connection that could not be made
    (refused, unknown host, connect timeout) rather than from an answer."""
    import httpx

    causes = list(_causes(exc))
    if not any(isinstance(c, httpx.ConnectError | httpx.ConnectTimeout) for c in causes):
        return None
    errors = [c for c in causes if isinstance(c, LLMError)]
    return errors[0] if errors else None


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and its chain of `__cause__`s, each once."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        yield cause
        seen.add(id(cause))
        cause = cause.__cause__
