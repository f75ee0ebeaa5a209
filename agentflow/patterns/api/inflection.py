"""English singulars for the resource words of URL paths: `issues` → `issue`.

A small rule set rather than a dictionary library: method names must not change when a
dependency updates its word lists, and API paths use a narrow vocabulary. A word that is
already singular comes back unchanged, so `singular(w) != w` tells a plural.
"""

from __future__ import annotations

__all__ = ["is_plural", "singular"]

_IRREGULAR = {
    "analyses": "analysis",
    "caches": "cache",
    "children": "child",
    "cookies": "cookie",
    "criteria": "criterion",
    "feet": "foot",
    "geese": "goose",
    "indices": "index",
    "matrices": "matrix",
    "men": "man",
    "mice": "mouse",
    "movies": "movie",
    "people": "person",
    "quizzes": "quiz",
    "teeth": "tooth",
    "vertices": "vertex",
    "women": "woman",
}
# Words ending in "s" that are singular (or uncountable) although the rules would cut them.
_SINGULAR_S = frozenset(
    {"alias", "analytics", "atlas", "bias", "canvas", "chaos", "dns", "gas", "kudos", "lens"}
    | {"news", "series", "sms", "species"}
)
# Plurals of words ending in "use", which the `statuses` → `status` rule would cut.
_USE_PLURALS = frozenset({"abuses", "accuses", "excuses", "fuses", "refuses", "uses"})
# Endings whose plural adds "es": `addresses`, `boxes`, `matches`, `pushes`, `buzzes`, `aliases`.
_ES_ENDINGS = ("sses", "xes", "ches", "shes", "zzes", "iases")


def singular(word: str) -> str:
    """The singular of the last word of a snake_case name: `payment_intents` → `payment_intent`."""
    head, _, last = word.rpartition("_")
    return f"{head}_{_singular_word(last)}" if head else _singular_word(last)


def is_plural(word: str) -> bool:
    """Whether the last word of a snake_case name is a plural (`repos`, not `status`)."""
    return singular(word) != word


def _singular_word(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 2 or word in _SINGULAR_S or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-1] if len(word) <= 4 else f"{word[:-3]}y"
    if word.endswith(_ES_ENDINGS) or _is_us_plural(word):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def _is_us_plural(word: str) -> bool:
    """`statuses`, `bonuses`, `buses`, but not `houses`, `causes` or `excuses`."""
    return word.endswith("uses") and word[-5:-4] not in "aeiou" and word not in _USE_PLURALS
