"""Cost arithmetic from list prices per million tokens."""

from __future__ import annotations

import pytest

from agentflow.generation.backends.pricing import (
    PRICES,
    ModelPrice,
    cost,
    estimate_cost,
    is_priced,
    price_of,
)


def test_cost_uses_both_prices_per_million() -> None:
    assert cost("gpt-4o", 1_000_000, 0) == pytest.approx(2.50)
    assert cost("gpt-4o", 0, 1_000_000) == pytest.approx(10.00)
    assert cost("claude-sonnet-4", 2_000, 1_000) == pytest.approx(0.006 + 0.015)


def test_dated_names_use_the_longest_listed_prefix() -> None:
    assert price_of("gpt-4o-mini-2024-07-18") == PRICES["gpt-4o-mini"]
    assert price_of("gpt-4o-2024-08-06") == PRICES["gpt-4o"]
    assert price_of("claude-opus-4-20250514") == PRICES["claude-opus-4"]
    assert price_of("gpt-4.1-mini") == PRICES["gpt-4.1-mini"]


def test_a_prefix_must_end_at_a_dash() -> None:
    assert price_of("gpt-4oz") is None


def test_unlisted_local_models_cost_nothing() -> None:
    assert not is_priced("llama3.1:8b")
    assert cost("llama3.1:8b", 10_000, 10_000) == 0.0
    assert estimate_cost("qwen2.5-coder", 40_000, 8_000) == 0.0


def test_prices_can_be_overridden() -> None:
    table = {"my-model": ModelPrice(1.0, 2.0)}
    assert cost("my-model", 500_000, 250_000, prices=table) == pytest.approx(1.0)
    assert cost("gpt-4o", 1_000_000, 0, prices=table) == 0.0


def test_estimate_bounds_the_prompt_by_characters_and_the_output_by_max_tokens() -> None:
    expected = (1_001 * 0.15 + 500 * 0.60) / 1_000_000
    assert estimate_cost("gpt-4o-mini", 4_001, 500) == pytest.approx(expected)
    assert estimate_cost("gpt-4o-mini", 4_000, 500) < estimate_cost("gpt-4o-mini", 4_000, 501)


def test_every_listed_price_is_positive() -> None:
    assert all(p.input > 0 and p.output >= p.input for p in PRICES.values())
