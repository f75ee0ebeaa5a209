"""Secrets from the environment: lookup, missing values, repr and redaction."""

from __future__ import annotations

import pytest

from agentflow.runtime import MissingSecretError, SecretManager

TOKEN = "ghp_9f8e7d6c5b4a"


def test_get_returns_the_value() -> None:
    assert SecretManager({"GITHUB_TOKEN": TOKEN}).get("GITHUB_TOKEN") == TOKEN


@pytest.mark.parametrize("environ", [{}, {"GITHUB_TOKEN": ""}, {"GITHUB_TOKEN": " \n"}])
def test_get_raises_for_unset_or_blank(environ: dict[str, str]) -> None:
    with pytest.raises(MissingSecretError) as info:
        SecretManager(environ).get("GITHUB_TOKEN")
    assert info.value.name == "GITHUB_TOKEN"
    assert "GITHUB_TOKEN" in str(info.value)


def test_get_optional_returns_none_when_unset() -> None:
    secrets = SecretManager({"EMPTY": "  "})
    assert secrets.get_optional("EMPTY") is None
    assert secrets.get_optional("ABSENT") is None


def test_values_are_stripped() -> None:
    assert SecretManager({"KEY": f"  {TOKEN}\n"}).get("KEY") == TOKEN


def test_empty_name_is_rejected() -> None:
    with pytest.raises(ValueError):
        SecretManager({}).get("")


def test_reads_os_environ_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGENTFLOW_TEST_SECRET", raising=False)
    secrets = SecretManager()
    assert secrets.get_optional("AGENTFLOW_TEST_SECRET") is None
    monkeypatch.setenv("AGENTFLOW_TEST_SECRET", TOKEN)
    assert secrets.get("AGENTFLOW_TEST_SECRET") == TOKEN


def test_repr_names_variables_but_never_values() -> None:
    secrets = SecretManager({"B_KEY": TOKEN, "A_KEY": "other-secret"})
    secrets.get("B_KEY")
    secrets.get("A_KEY")
    text = repr(secrets)
    assert text == "SecretManager(read=['A_KEY', 'B_KEY'])"
    assert TOKEN not in text and "other-secret" not in text


def test_missing_secret_error_never_carries_other_values() -> None:
    secrets = SecretManager({"PRESENT": TOKEN})
    secrets.get("PRESENT")
    with pytest.raises(MissingSecretError) as info:
        secrets.get("ABSENT")
    assert TOKEN not in str(info.value) and TOKEN not in repr(info.value)


def test_redact_replaces_every_value_read() -> None:
    secrets = SecretManager({"A": TOKEN, "B": "hunter2", "C": "never-read"})
    secrets.get("A")
    secrets.get("B")
    text = f"auth {TOKEN} failed; retry with {TOKEN} or hunter2; never-read"
    assert secrets.redact(text) == "auth *** failed; retry with *** or ***; never-read"


def test_redact_removes_longest_values_first() -> None:
    secrets = SecretManager({"SHORT": "abc", "LONG": "abcdef"})
    secrets.get("SHORT")
    secrets.get("LONG")
    assert secrets.redact("x=abcdef y=abc") == "x=*** y=***"


def test_redact_treats_values_literally() -> None:
    secrets = SecretManager({"P": "a.b*c"})
    secrets.get("P")
    assert secrets.redact("axbbc a.b*c") == "axbbc ***"


def test_redact_without_secrets_changes_nothing() -> None:
    assert SecretManager({"A": TOKEN}).redact(f"value {TOKEN}") == f"value {TOKEN}"
