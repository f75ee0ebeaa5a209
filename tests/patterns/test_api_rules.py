"""The API pattern's rules: a good package passes; each hand-made breakage is reported."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import yaml

from agentflow.generation.generate import render_package
from agentflow.patterns.api import ApiPattern
from agentflow.patterns.api.requirements import ApiRequirements
from agentflow.patterns.api.rules import check_api_package
from agentflow.spec.models import IntegrationSpec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# Endpoints grouped into resources (`client.issues.list`), next to client methods.
RESOURCES = Path(__file__).resolve().parent / "fixtures" / "resources.yaml"
ADAPTER = "github_adapter.py"
TESTS = "test_github_adapter.py"


@cache
def _rendered(example: str) -> tuple[tuple[str, str], ...]:
    source = RESOURCES if example == RESOURCES.name else EXAMPLES / example
    spec = IntegrationSpec.model_validate(yaml.safe_load(source.read_text()))
    files = render_package(spec, ApiPattern(), ApiRequirements.model_validate(spec.requirements))
    return tuple(files.items())


def package(example: str = "github.yaml") -> dict[str, str]:
    """A fresh, mutable copy of a rendered example package."""
    return dict(_rendered(example))


# How the generated sync client's get_user sends its request.
GET_USER_CALL = """return self._call(
            "GET",
            "/user",
            operation="get_user",
            params=_query({}, extra_query),
            options=_CallOptions(extra_headers, timeout, max_retries),
            parse=User.model_validate,
        )"""


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, f"{old!r} not found"
    return text.replace(old, new, 1)


def only_problem(files: dict[str, str], *phrases: str) -> str:
    problems = check_api_package(files)
    assert len(problems) == 1, problems
    for phrase in phrases:
        assert phrase in problems[0]
    return problems[0]


@pytest.mark.parametrize("example", ["github.yaml", "stripe.yaml"])
def test_generated_packages_follow_the_rules(example: str) -> None:
    files = package(example)
    assert check_api_package(files) == []
    assert ApiPattern().validate(files) == []


def test_an_untested_endpoint_method_is_reported() -> None:
    files = package()
    files[TESTS] = files[TESTS].replace("get_user", "get_someone")
    problems = check_api_package(files)
    assert len(problems) == 2, problems
    for problem, client in zip(problems, ["GitHubClient", "AsyncGitHubClient"], strict=True):
        assert problem.startswith(f"{ADAPTER}:")
        assert f"endpoint method {client}.get_user is never called in {TESTS}" in problem


def test_a_new_public_method_without_a_test_is_reported() -> None:
    files = package()
    files[ADAPTER] = replace_once(
        files[ADAPTER],
        "    def get_user(\n",
        "    def get_gists(self, *, timeout: float | None = None, max_retries: int | None = None,"
        ' extra_headers: Mapping[str, str] | None = None) -> Any:\n        return self._call("GET",'
        ' "/gists", operation="get_gists")\n\n    def get_user(\n',
    )
    only_problem(files, "GitHubClient.get_gists is never called")


def test_an_endpoint_method_without_per_call_options_is_reported() -> None:
    files = package()
    files[ADAPTER] = replace_once(
        files[ADAPTER],
        "        timeout: float | None = None,\n"
        "        max_retries: int | None = None,\n"
        '    ) -> User:\n        """Send GET /user.',
        '    ) -> User:\n        """Send GET /user.',
    )
    only_problem(files, "GitHubClient.get_user takes no timeout, max_retries")


def test_a_missing_status_error_class_is_reported() -> None:
    files = package()
    files[ADAPTER] = replace_once(
        files[ADAPTER],
        "class ConflictError(APIStatusError):",
        "class _Conflict(APIStatusError):",
    ).replace("409: ConflictError", "409: _Conflict")
    only_problem(files, "defines no ConflictError")


def test_a_direct_client_call_bypassing_the_request_path_is_reported() -> None:
    files = package()
    files[ADAPTER] = replace_once(
        files[ADAPTER],
        GET_USER_CALL,
        'return self._http.get("/user").json()',
    )
    only_problem(files, "GitHubClient.get_user", "self._http.get()", "outside _request")


@pytest.mark.parametrize(
    ("snippet", "callee"),
    [
        ('def fetch() -> object:\n    return httpx.get("https://x.example")\n', "httpx.get()"),
        (
            'def fetch() -> object:\n    return httpx.Client().post("https://x.example")\n',
            "httpx.Client().post()",
        ),
        (
            "def fetch() -> object:\n    with httpx.Client() as raw:\n"
            '        return raw.request("GET", "https://x.example")\n',
            "raw.request()",
        ),
        (
            "from httpx import stream\n\n\ndef fetch() -> object:\n"
            '    return stream("GET", "https://x.example")\n',
            "stream()",
        ),
        (
            "import httpx as web\n\nsession = web.AsyncClient()\n\n\nasync def fetch() -> object:\n"
            '    return await session.send(web.Request("GET", "https://x.example"))\n',
            "session.send()",
        ),
    ],
)
def test_module_level_httpx_requests_are_reported(snippet: str, callee: str) -> None:
    files = package()
    files[ADAPTER] += "\n\n" + snippet
    only_problem(files, f"{callee} outside _request", "fetch")


def test_dictionary_gets_are_not_mistaken_for_requests() -> None:
    files = package()
    lookup = 'def lookup(table: dict[str, str]) -> str | None:\n    return table.get("k")\n'
    files[ADAPTER] += "\n\n" + lookup
    assert check_api_package(files) == []


@pytest.mark.parametrize(
    ("line", "duty"),
    [
        ("            self._breaker.before_call(operation)\n", "the circuit breaker"),
        ("                self._limiter.acquire()\n", "the rate limiter"),
        ("            self._sleep(delay)\n", "a wait between retries"),
    ],
)
def test_a_request_path_missing_a_safeguard_is_reported(line: str, duty: str) -> None:
    files = package()
    indent = line[: len(line) - len(line.lstrip())]
    files[ADAPTER] = replace_once(files[ADAPTER], line, f"{indent}pass\n")
    only_problem(files, f"GitHubClient._request never consults {duty}")


def test_a_client_without_a_request_path_is_reported() -> None:
    files = package()
    files[ADAPTER] = (
        files[ADAPTER]
        .replace("def _request(", "def _send_it(")
        .replace("self._request(", "self._send_it(")
    )
    problems = check_api_package(files)
    assert any("GitHubClient has endpoint methods but no _request" in p for p in problems)
    assert any("AsyncGitHubClient has endpoint methods but no _request" in p for p in problems)


def test_missing_files_and_syntax_errors_are_reported() -> None:
    files = package()
    tests_text = files.pop(TESTS)
    only_problem(files, f"{ADAPTER} has no test module; expected {TESTS}")
    files[TESTS] = tests_text + "\ndef broken(:\n"
    only_problem(files, TESTS, "does not parse")
    files[TESTS] = tests_text
    files.pop(ADAPTER)
    only_problem(files, "no adapter module")


# Built by concatenation so this file itself holds no credential-shaped literal.
LEAKS = [
    ("github_adapter.py", "API_TOKEN = " + '"' + "a1b2c3d4" * 3 + '"', "secret name"),
    ("config.yaml", "password: " + '"' + "Zq9" * 6 + '"', "secret name"),
    ("examples.py", 'HEADERS = {"Authorization": "Bearer ' + "9f8e7d6c" * 3 + '"}', "Bearer"),
    ("GITHUB_INTEGRATION.md", "key " + "AKIA" + "Q3EGRTWY5NKDC2XE", "AWS"),
    ("pyproject.toml", "# " + "sk_" + "live_" + "4eC39HqLyjWD" + "arjtT1zdp7dc", "Stripe"),
    ("test_github_adapter.py", "# " + "ghp_" + "x7Yb2" * 8, "GitHub token"),
    ("config.yaml", "url: https://deploy:" + "pa55w0rd" + "x@git.example", "URL"),
    ("examples.py", "# -----BEGIN " + "RSA PRIVATE KEY-----", "private key"),
]


@pytest.mark.parametrize(("path", "line", "kind"), LEAKS)
def test_hard_coded_secrets_are_reported(path: str, line: str, kind: str) -> None:
    files = package()
    files[path] += "\n" + line + "\n"
    problem = only_problem(files, path, "hard-coded secret", kind)
    secret_part = line.split()[-1].strip('"}')
    assert secret_part not in problem


@pytest.mark.parametrize(
    "line",
    [
        '_TOKEN_ENV = "ACME_SERVICE_API_TOKEN_V2"',
        'token = os.environ["GITHUB_TOKEN"]',
        'FAKE_SECRETS = {"GITHUB_TOKEN": "fake-credential-1234567890"}',
        "password: ${DATABASE_PASSWORD_FROM_VAULT}",
        'api_key = "your-api-key-goes-here-12345"',
        "Authorization: Bearer <token>",
        'base_url = "https://user:pw@example.test"',
    ],
)
def test_placeholders_and_environment_lookups_are_not_secrets(line: str) -> None:
    files = package()
    files["examples.py"] += "\n" + line + "\n"
    assert check_api_package(files) == []


def test_a_test_defined_twice_is_reported() -> None:
    files = package()
    duplicate = "\n\ndef test_get_user_sends_its_request() -> None:\n    assert True\n"
    files[TESTS] += duplicate
    only_problem(files, f"{TESTS}:", "test_get_user_sends_its_request is defined again")


def test_a_method_defined_twice_in_a_class_is_reported() -> None:
    files = package()
    files[ADAPTER] = replace_once(
        files[ADAPTER],
        "    def close(self) -> None:",
        "    def close(self) -> None:\n        pass\n\n    def close(self) -> None:",
    )
    only_problem(files, f"{ADAPTER}:", "close is defined again")


def test_a_property_setter_is_not_a_redefinition() -> None:
    files = package()
    files["extra.py"] = (
        "class A:\n    @property\n    def x(self) -> int:\n        return 1\n\n"
        "    @x.setter\n    def x(self, value: int) -> None:\n        pass\n"
    )
    assert check_api_package(files) == []


def test_typed_overloads_are_not_redefinitions() -> None:
    files = package()
    files["extra.py"] = (
        "from typing import overload\n\n\n@overload\ndef f(x: int) -> int: ...\n\n\n"
        "@overload\ndef f(x: str) -> str: ...\n\n\ndef f(x: object) -> object:\n    return x\n"
    )
    assert check_api_package(files) == []
    files["extra.py"] += "\n\ndef f(x: object) -> object:\n    return None\n"
    only_problem(files, "extra.py:16:", "f is defined again (first at line 12)")


# --- resource objects are held to the same rules ------------------------------------


def test_a_package_with_resources_follows_the_rules() -> None:
    files = package(RESOURCES.name)
    assert check_api_package(files) == []
    assert ApiPattern().validate(files) == []


def test_a_resource_method_without_per_call_options_is_reported() -> None:
    files = package(RESOURCES.name)
    files["octo_adapter.py"] = replace_once(
        files["octo_adapter.py"],
        "        timeout: float | None = None,\n"
        "        max_retries: int | None = None,\n"
        "    ) -> SyncPage[Any]:\n"
        '        """Send GET /repos/{owner}/{repo}/issues.',
        '    ) -> SyncPage[Any]:\n        """Send GET /repos/{owner}/{repo}/issues.',
    )
    only_problem(files, "OctoIssuesResource.list takes no timeout, max_retries")


def test_an_untested_resource_method_is_reported() -> None:
    files = package(RESOURCES.name)
    files["test_octo_adapter.py"] = files["test_octo_adapter.py"].replace(".capture", ".kapture")
    problems = check_api_package(files)
    assert len(problems) == 2, problems
    for problem, cls in zip(
        problems, ["OctoChargesResource", "AsyncOctoChargesResource"], strict=True
    ):
        assert f"endpoint method {cls}.capture is never called" in problem


def test_moving_methods_into_a_hand_written_resource_escapes_no_rule() -> None:
    files = package()
    files[ADAPTER] = replace_once(
        files[ADAPTER],
        "    def get_user(\n",
        "    @property\n    def gists(self) -> Gists:\n        return Gists(client=self)\n\n"
        "    def get_user(\n",
    )
    files[ADAPTER] += (
        "\n\nclass Gists:\n    def __init__(self, client: GitHubClient) -> None:\n"
        "        self._client = client\n\n"
        "    def starred(self) -> Any:\n"
        '        return self._client._call("GET", "/gists/starred", operation="starred")\n'
    )
    problems = check_api_package(files)
    assert len(problems) == 2, problems
    assert "Gists.starred takes no timeout, max_retries, extra_headers" in problems[0]
    assert "endpoint method Gists.starred is never called" in problems[1]


def test_a_client_whose_methods_are_all_on_resources_has_endpoint_methods() -> None:
    files = package(RESOURCES.name)
    adapter = files["octo_adapter.py"]
    for name in ("get_repo", "get_user"):
        adapter = adapter.replace(f"    def {name}(", f"    def _{name}(")
    files["octo_adapter.py"] = adapter
    assert check_api_package(files) == []
