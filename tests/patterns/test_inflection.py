"""Resource words of URL paths: plurals become singulars, singulars stay."""

from __future__ import annotations

import pytest

from agentflow.patterns.api.inflection import is_plural, singular


@pytest.mark.parametrize(
    ("plural", "expected"),
    [
        ("issues", "issue"),
        ("repos", "repo"),
        ("categories", "category"),
        ("addresses", "address"),
        ("statuses", "status"),
        ("people", "person"),
        ("boxes", "box"),
        ("matches", "match"),
        ("pushes", "push"),
        ("aliases", "alias"),
        ("buses", "bus"),
        ("houses", "house"),
        ("excuses", "excuse"),
        ("ties", "tie"),
        ("cookies", "cookie"),
        ("caches", "cache"),
        ("quizzes", "quiz"),
        ("archives", "archive"),
        ("ids", "id"),
        ("payment_intents", "payment_intent"),
        ("user_profiles", "user_profile"),
    ],
)
def test_plurals_become_singular(plural: str, expected: str) -> None:
    assert singular(plural) == expected
    assert is_plural(plural)


@pytest.mark.parametrize(
    "word",
    ["issue", "user", "status", "address", "analysis", "news", "series", "data", "alias", "os"],
)
def test_singular_words_stay(word: str) -> None:
    assert singular(word) == word
    assert not is_plural(word)
