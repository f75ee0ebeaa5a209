"""What a build does when a provider gives no file: the next provider, the template, or an error.

A missing or refused key is a configuration mistake, not a bad answer: quietly shipping the
templates instead would hide it. So it stops the build (`LLMError`, kind `auth`: exit code 2)
unless fallback was asked for, with `enable_fallback=True` or fallback providers (`--fallback`,
`[backend] fallback`). Then the build goes on to the next provider, else the template, logs one
warning per provider (the CLI shows it as `warning: …` on stderr) and records the reason in
the provenance of every file it affects, so metadata.json says so. Other failures (rejected
answers, timeouts, 5xx after retries, the budget) fall back to the template unless
`enable_fallback=False`.

Provider text (an error body, a quoted answer) reaches provenance, metadata.json, warnings and
error messages only through `ProviderKeys.redact`: no piece of a key gets through.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from agentflow.errors import BackendError, LLMError
from agentflow.generation.backends.key_pieces import ProviderKeys

__all__ = ["Failure", "FallbackPolicy"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    """Why one provider gave no file for one subtask, redacted; `refused_key` for auth."""

    reason: str
    refused_key: bool


class FallbackPolicy:
    """Decides, per failure, whether the build goes on, and what the kept template records.

    `enable_fallback` is None when not given: the template is kept after answers that fail,
    but a missing or refused key stops the build unless `fallback_providers` were given.
    """

    def __init__(
        self,
        *,
        enable_fallback: bool | None,
        fallback_providers: Sequence[str],
        keys: ProviderKeys,
    ) -> None:
        self.to_template = enable_fallback is not False
        self.past_refused_keys = enable_fallback is True or bool(fallback_providers)
        self._keys = keys
        self._warned: set[str] = set()
        self._lock = threading.Lock()

    def failure(self, provider: str, model: str, exc: Exception) -> Failure:
        """The failure `exc` of `provider` asked with `model`.

        Raises `LLMError(kind="auth")` when it was caused by a missing or refused key and
        fallback was not asked for; warns once per provider when it was.
        """
        reason = self._keys.redact(f"{model}: {exc}")
        refused = _refused_key(exc)
        if refused is None:
            return Failure(reason, refused_key=False)
        message = self._keys.redact(str(refused))
        if not self.past_refused_keys:
            raise LLMError(
                f"{message}; fix the key, or ask for fallback to keep the rendered templates "
                "instead (--fallback template, or enable_fallback=True)",
                kind="auth",
            ) from None
        self._warn_once(provider, message)
        return Failure(reason, refused_key=True)

    def kept_template(self, path: str, failures: Sequence[Failure]) -> str:
        """The provenance of the template kept for `path`, or the error when none may be."""
        if self.to_template:
            return f"template (fallback after {failures[-1].reason})"
        message = f"no provider produced {path}: {'; '.join(f.reason for f in failures)}"
        if all(f.refused_key for f in failures):
            raise LLMError(message, kind="auth")
        raise BackendError(message)

    def _warn_once(self, provider: str, message: str) -> None:
        with self._lock:
            if provider in self._warned:
                return
            self._warned.add(provider)
        _log.warning("%s; going on without %s, as fallback was asked for", message, provider)


def _refused_key(exc: BaseException) -> LLMError | None:
    """The missing- or refused-key error behind `exc`, if that is what it came from."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, LLMError) and cause.kind == "auth":
            return cause
        seen.add(id(cause))
        cause = cause.__cause__
    return None
