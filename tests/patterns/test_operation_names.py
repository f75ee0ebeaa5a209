"""Derived endpoint method names read like the operation."""

from __future__ import annotations

import pytest

from agentflow.patterns.api.operation_names import operation_name


@pytest.mark.parametrize(
    ("method", "path", "name"),
    [
        ("GET", "/repos/{owner}/{repo}/issues", "list_issues"),
        ("GET", "/repos/{owner}/{repo}", "get_repo"),
        ("GET", "/users/{username}", "get_user"),
        ("GET", "/user", "get_user"),
        ("GET", "/repos/{owner}/{repo}/readme", "get_readme"),
        ("POST", "/repos/{owner}/{repo}/issues", "create_issue"),
        ("POST", "/markdown", "create_markdown"),
        ("POST", "/charges/{id}", "update_charge"),
        ("POST", "/charges/{id}/capture", "capture_charge"),
        ("POST", "/charges/{id}/refunds", "create_refund"),
        ("POST", "/users/{id}/2fa", "create_2fa"),
        ("PUT", "/issues/{id}", "replace_issue"),
        ("PUT", "/repos/{owner}/{repo}/topics", "replace_topics"),
        ("PATCH", "/issues/{id}", "update_issue"),
        ("PATCH", "/user", "update_user"),
        ("DELETE", "/issues/{id}", "delete_issue"),
        ("DELETE", "/userProfiles/{id}/avatar", "delete_avatar"),
        ("HEAD", "/repos/{owner}/{repo}", "head_repo"),
        ("GET", "/", "get"),
        ("POST", "/{id}", "post"),
        ("POST", "/{id}/import", "import_"),
    ],
)
def test_names_read_like_the_operation(method: str, path: str, name: str) -> None:
    assert operation_name(method, path).name == name


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v1/customers", "list_customers"),
        ("/api/v2beta1/payment-intents", "list_payment_intents"),
        ("/v1.1/statuses/home_timeline.json", "get_home_timeline"),
        ("/2010-04-01/Accounts/{sid}/Messages.json", "list_messages"),
        ("/products/{id}.json", "get_product"),
        ("/conversations.list", "get_conversations_list"),
        ("/caf%C3%A9s/~/", "list_cafes"),
    ],
)
def test_versions_extensions_and_symbols_are_skipped(path: str, name: str) -> None:
    assert operation_name("GET", path).name == name


@pytest.mark.parametrize(
    ("method", "path", "qualified"),
    [
        ("GET", "/repos/{owner}/{repo}/issues", "list_repo_issues"),
        ("GET", "/orgs/{org}/issues", "list_org_issues"),
        ("GET", "/user/repos", "list_user_repos"),
        ("GET", "/repos/{owner}/{repo}/issues/{number}", "get_repo_issue"),
        ("POST", "/customers/{c}/sources/{s}/verify", "verify_customer_source"),
        ("GET", "/issues", "list_issues"),
    ],
)
def test_the_qualified_name_adds_the_parent_resource(
    method: str, path: str, qualified: str
) -> None:
    assert operation_name(method, path).qualified == qualified
