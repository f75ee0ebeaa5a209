"""What model calls cost, in USD, from the providers' list prices per million tokens.

The table holds list prices (standard tier, no caching or batch discounts) for a handful of
models at the time of writing; prices change, so keep it current, or pass `prices=` to override
or extend it. Dated or suffixed model names (`gpt-4o-2024-08-06`, `claude-sonnet-4-20250514`)
use the entry of their longest listed prefix.

A model not in the table costs 0.0: that is right for local models (Ollama, vLLM, llama.cpp),
which are never listed; `is_priced` lets a caller warn when a paid model is missing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

__all__ = [
    "CHARS_PER_TOKEN",
    "OUTPUT_LIMITS",
    "PRICES",
    "ModelPrice",
    "cost",
    "estimate_cost",
    "is_priced",
    "model_entry",
    "output_limit",
    "price_of",
]

T = TypeVar("T")

CHARS_PER_TOKEN = 4
_PER = 1_000_000


@dataclass(frozen=True)
class ModelPrice:
    """USD per million input (prompt) and output (completion) tokens."""

    input: float
    output: float


PRICES: dict[str, ModelPrice] = {
    "gpt-4o-mini": ModelPrice(0.15, 0.60),
    "gpt-4o": ModelPrice(2.50, 10.00),
    "gpt-4.1": ModelPrice(2.00, 8.00),
    "gpt-4.1-mini": ModelPrice(0.40, 1.60),
    "gpt-4.1-nano": ModelPrice(0.10, 0.40),
    "deepseek-chat": ModelPrice(0.27, 1.10),
    "deepseek-reasoner": ModelPrice(0.55, 2.19),
    "claude-3-5-haiku": ModelPrice(0.80, 4.00),
    "claude-sonnet-4": ModelPrice(3.00, 15.00),
    "claude-opus-4": ModelPrice(15.00, 75.00),
}


# The most tokens each model may answer with (the providers' documented output limits).
OUTPUT_LIMITS: dict[str, int] = {
    "gpt-4o-mini": 16_384,
    "gpt-4o": 16_384,
    "gpt-4.1": 32_768,
    "deepseek-chat": 8_192,
    "deepseek-reasoner": 32_768,
    "claude-3-5-haiku": 8_192,
    "claude-sonnet-4": 64_000,
    "claude-opus-4": 32_000,
}
DEFAULT_OUTPUT_LIMIT = 8_192  # unlisted, usually local, models


def model_entry(model: str, table: Mapping[str, T]) -> T | None:
    """The entry of `model` or of its longest listed prefix ending at a `-`; None if unlisted."""
    if model in table:
        return table[model]
    matches = [name for name in table if model.startswith(name + "-")]
    return table[max(matches, key=len)] if matches else None


def price_of(model: str, *, prices: Mapping[str, ModelPrice] | None = None) -> ModelPrice | None:
    """The price of `model` (see `model_entry`); None if unlisted."""
    return model_entry(model, PRICES if prices is None else prices)


def output_limit(model: str) -> int:
    """The most tokens `model` may answer with."""
    return model_entry(model, OUTPUT_LIMITS) or DEFAULT_OUTPUT_LIMIT


def is_priced(model: str, *, prices: Mapping[str, ModelPrice] | None = None) -> bool:
    """True when `model` has a price, i.e. its calls are counted against a budget."""
    return price_of(model, prices=prices) is not None


def cost(
    model: str,
    input_tokens: int,
    output_tokens: int,
    *,
    prices: Mapping[str, ModelPrice] | None = None,
) -> float:
    """USD for one call with the provider's token counts; 0.0 for unlisted (local) models."""
    price = price_of(model, prices=prices)
    if price is None:
        return 0.0
    return (input_tokens * price.input + output_tokens * price.output) / _PER


def estimate_cost(
    model: str,
    prompt_chars: int,
    max_tokens: int,
    *,
    prices: Mapping[str, ModelPrice] | None = None,
) -> float:
    """USD a call may cost at most, before making it, to check a budget.

    The output is bounded by `max_tokens`; the prompt is estimated at `CHARS_PER_TOKEN`
    characters a token, rounded up.
    """
    prompt_tokens = math.ceil(prompt_chars / CHARS_PER_TOKEN)
    return cost(model, prompt_tokens, max_tokens, prices=prices)
