"""Names derived from user text are safe identifiers and slugs."""

from __future__ import annotations

import keyword

import pytest

from agentflow.naming import class_name, identifier, slugify, unique_identifiers


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("GitHub", "github"),
        ("Google Cloud Storage", "google_cloud_storage"),
        ("Café Society", "cafe_society"),
        ("3scale", "svc_3scale"),
        ("../../etc/passwd", "etc_passwd"),
        ("日本", ""),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


@pytest.mark.parametrize("text", ["class", "None", "2fa", "user-id", "listRepos", "é", "", "type"])
def test_identifier_is_a_valid_non_keyword_name(text: str) -> None:
    name = identifier(text)
    assert name.isidentifier()
    assert not keyword.iskeyword(name)
    assert name.isascii()


def test_identifier_examples() -> None:
    assert identifier("listRepos") == "list_repos"
    assert identifier("class") == "class_"
    assert identifier("2fa") == "_2fa"


def test_unique_identifiers_resolve_collisions_deterministically() -> None:
    assert unique_identifiers(["a", "A", "a", "b"], taken=["b"]) == ["a", "a_2", "a_3", "b_2"]


def test_class_name_keeps_inner_capitals() -> None:
    assert class_name("GitHub") == "GitHub"
    assert class_name("stripe payments") == "StripePayments"
    assert class_name("9lives") == "_9lives"
    assert class_name("!!!") == "Service"
