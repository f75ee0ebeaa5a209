"""What model calls cost so far, by model, and the limit a build may not exceed.

Calls run in parallel, so a call first reserves its estimated upper bound; the reservation
is replaced by the real cost when the answer arrives. An amount that is negative or not finite
is refused (`LLMError`, kind `bad_response`): it could only come from a broken or hostile
reply, and counting it would lower what was spent or lift the limit.
"""

from __future__ import annotations

import threading
from collections import defaultdict

from agentflow.errors import LLMError
from agentflow.settings import LIMITS

__all__ = ["CostLedger"]


class CostLedger:
    """Thread-safe spend per model with an optional USD limit (`max_cost`)."""

    def __init__(self, max_cost: float | None = None) -> None:
        self.max_cost = max_cost
        self.by_model: dict[str, float] = defaultdict(float)
        self.calls = 0
        self._reserved = 0.0
        self._lock = threading.Lock()

    @property
    def spent(self) -> float:
        """USD paid so far."""
        with self._lock:
            return sum(self.by_model.values())

    def snapshot(self) -> tuple[dict[str, float], int]:
        """USD paid per model and the number of calls, read together."""
        with self._lock:
            return dict(self.by_model), self.calls

    def reserve(self, model: str, estimate: float) -> None:
        """Hold `estimate` USD for a call, or raise `LLMError(kind="budget")` if it may not fit."""
        _check_amount(estimate, f"the estimated cost of a call to {model}")
        with self._lock:
            committed = sum(self.by_model.values()) + self._reserved
            if self.max_cost is not None and committed + estimate > self.max_cost:
                remaining = max(self.max_cost - committed, 0.0)
                raise LLMError(
                    f"a call to {model} may cost up to ${estimate:.4f}, more than the "
                    f"${remaining:.4f} left of the ${self.max_cost:g} limit",
                    kind="budget",
                )
            self._reserved += estimate

    def settle(self, model: str, estimate: float, actual: float) -> None:
        """Replace a reservation by what the call really cost (0 when it failed)."""
        with self._lock:
            self._reserved -= estimate
            self.calls += 1
            _check_amount(actual, f"the cost of a call to {model}")
            self.by_model[model] += actual


def _check_amount(amount: float, what: str) -> None:
    if not LIMITS["max_cost"].allows(amount):
        raise LLMError(
            f"{what} must be a finite amount of USD, 0 or more, not {amount!r}", kind="bad_response"
        )
