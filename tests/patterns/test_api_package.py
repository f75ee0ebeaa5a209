"""Generated API packages, end to end: they parse, lint, type-check and pass their own tests.

Packages are rendered the way the tool renders them (`render_package`) into temporary
directories. Tests marked `slow` run ruff, black, mypy, pytest and pip in subprocesses,
inside the package directory, exactly as a user of the package would.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from markdown_it import MarkdownIt

from agentflow.generation.generate import render_package
from agentflow.patterns.api import ApiPattern
from agentflow.patterns.api.requirements import ApiRequirements
from agentflow.spec.models import IntegrationSpec

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CANARY = "CANARY"
INJECTION = '"""; import os; os.system("touch CANARY") #'
TEMPLATE_SYNTAX = "{{ 7*7 }}"

HOSTILE: dict[str, Any] = {
    "service": 'Évil "Service" \\ {{ 7*7 }}',
    "description": f"{INJECTION} {TEMPLATE_SYNTAX} {{% if true %}}x{{% endif %}} \\ `id` <b>|",
    "requirements": {
        "base_url": "https://api.example.test/v1",
        "auth": {"type": "api_key", "location": "query", "name": "key"},
        "rate_limit": "10/minute",
        "headers": {"X-Note": f"{INJECTION} {TEMPLATE_SYNTAX} 'q' \\"},
        "endpoints": [
            {
                "method": "GET",
                "path": "/items/{class}/{2fa}/{user-id}",
                "description": "Trailing backslash \\",
                "query": [
                    {"name": "from", "type": "int", "required": True, "description": INJECTION},
                    {"name": "user-id", "type": "bool"},
                    {"name": 'x"); __import__("os").system("touch CANARY"); ("'},
                    "json",
                    {"name": "self", "type": "float"},
                ],
            },
            {"method": "GET", "path": "/items", "name": "close", "pagination": "page"},
            {"method": "GET", "path": "/items/{id}", "description": TEMPLATE_SYNTAX},
            {"method": "POST", "path": "/items", "body": True, "description": "'''\n\n\"\"\""},
            {"method": "DELETE", "path": "/items/{id}/tags/{tag}", "retry": False},
            {
                "method": "GET",
                "path": "/feed",
                "pagination": {"style": "link", "items_field": 'it"ems'},
            },
            {
                "method": "GET",
                "path": "/search",
                "name": "2fa search",
                "pagination": {
                    "style": "cursor",
                    "cursor_param": "after",
                    "next_field": "next",
                    "items_field": "results",
                },
            },
            {"method": "PATCH", "path": "/items/{id}", "retry": True, "body": True},
            {"method": "GET", "path": "/things"},
            {"method": "GET", "path": "/Things"},
            {"method": "GET", "path": "/foo", "name": "foo"},
            {"method": "GET", "path": "/foo/async", "name": "foo_async", "pagination": "link"},
            {"method": "GET", "path": "/bar", "name": "foo_async_pages_walk_every_item"},
        ],
    },
}
# Other auth types and shapes: basic auth and page pagination; a header API key and only
# a POST; no auth and a service name that clashes with the helpers' IntegrationError; a name
# that sorts before "Async…", so imports of its classes must still come out sorted; no
# endpoints at all (the generic client) with an API key in the query and a base path; a
# configuration that retries POST too, so no test may expect a POST not to be retried.
VARIANTS: dict[str, dict[str, Any]] = {
    "labs": {
        "service": "42 Labs",
        "requirements": {
            "base_url": "http://localhost:8080",
            "auth": {"type": "basic"},
            "endpoints": [
                {"method": "GET", "path": "/v1/widgets", "pagination": "page"},
                {"method": "PUT", "path": "/v1/widgets/{widget_id}", "body": True},
            ],
        },
    },
    "weather": {
        "service": "Weather Now",
        "requirements": {
            "base_url": "https://api.weather.example",
            "auth": {"type": "api_key"},
            "rate_limit": "60/minute",
            "headers": {"X-Client": "docs"},
            "endpoints": [{"method": "POST", "path": "/forecasts", "body": True}],
        },
    },
    "acme": {
        "service": "Acme",
        "requirements": {
            "base_url": "https://api.acme.example",
            "auth_type": "bearer",
            "endpoints": [{"method": "GET", "path": "/widgets/{widget_id}"}],
        },
    },
    "integration": {
        "service": "Integration",
        "requirements": {
            "base_url": "https://open.example",
            "endpoints": [{"method": "GET", "path": "/status"}],
        },
    },
    "retrying": {
        "service": "Retry Everything",
        "requirements": {
            "base_url": "https://api.retry.example",
            "auth_type": "bearer",
            "retry": {"retry_non_idempotent": True},
            "endpoints": [
                {"method": "GET", "path": "/items/{item_id}"},
                {"method": "POST", "path": "/items", "body": True},
            ],
        },
    },
    "generic": {
        "service": "Open Data",
        "requirements": {
            "base_url": "https://data.example/api/v2",
            "auth": {"type": "api_key", "location": "query"},
            "rate_limit": "600/minute",
        },
    },
}
# Endpoints grouped into resources (`client.issues.list`), next to client methods.
FIXTURES = Path(__file__).resolve().parent / "fixtures"
RESOURCES = FIXTURES / "resources.yaml"
# Every schema feature, typed pages of every style and typed bodies of every encoding.
TYPED = FIXTURES / "typed.yaml"
ALL = ["github", "stripe", "hostile", "resources", "typed", *VARIANTS]


def spec_data(name: str) -> dict[str, Any]:
    if name == "hostile":
        return HOSTILE
    if name in VARIANTS:
        return VARIANTS[name]
    source = {"resources": RESOURCES, "typed": TYPED}.get(name, EXAMPLES / f"{name}.yaml")
    data: dict[str, Any] = yaml.safe_load(source.read_text())
    return data


def render(name: str) -> tuple[str, dict[str, str]]:
    """(slug, files) of the package generated for spec `name`."""
    spec = IntegrationSpec.model_validate(spec_data(name))
    requirements = ApiRequirements.model_validate(spec.requirements)
    return spec.slug, render_package(spec, ApiPattern(), requirements)


@dataclass(frozen=True)
class Package:
    slug: str
    root: Path
    files: dict[str, str]

    @property
    def adapter(self) -> str:
        return f"{self.slug}_adapter"

    def text(self, path: str) -> str:
        return self.files[path]

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run `python -m <args>` in the package directory, without its credentials set."""
        prefix = self.slug.upper() + "_"
        env = {k: v for k, v in os.environ.items() if not k.startswith(prefix)}
        env.pop("PYTEST_ADDOPTS", None)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return subprocess.run(
            [sys.executable, "-m", *args],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


@cache
def _rendered(name: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    slug, files = render(name)
    return slug, tuple(files.items())


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Package]:
    result = {}
    for name in ALL:
        slug, items = _rendered(name)
        root = tmp_path_factory.mktemp(name)
        for path, text in items:
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text, encoding="utf-8")
        result[name] = Package(slug, root, dict(items))
    return result


def assert_ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stdout + result.stderr


# --- fast: the files themselves ----------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_package_has_the_expected_files(packages: dict[str, Package], name: str) -> None:
    package = packages[name]
    slug, upper = package.slug, package.slug.upper()
    top = {path for path in package.files if "/" not in path}
    assert top == {
        f"{slug}_adapter.py",
        f"test_{slug}_adapter.py",
        f"{upper}_INTEGRATION.md",
        "config.yaml",
        "examples.py",
        "pyproject.toml",
        "py.typed",
    }
    assert f"{slug}_utils/__init__.py" in package.files


@pytest.mark.parametrize("name", ALL)
def test_every_python_file_parses(packages: dict[str, Package], name: str) -> None:
    for path, text in packages[name].files.items():
        if path.endswith(".py"):
            ast.parse(text, filename=path)


@pytest.mark.parametrize("name", ALL)
def test_package_follows_the_pattern_rules(packages: dict[str, Package], name: str) -> None:
    assert ApiPattern().validate(packages[name].files) == []


@pytest.mark.parametrize("name", ALL)
def test_no_generated_name_is_defined_twice(packages: dict[str, Package], name: str) -> None:
    for path, text in packages[name].files.items():
        if path.endswith(".py"):
            tree = ast.parse(text)
            scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef))]
            for scope in scopes:
                defined = [
                    n.name
                    for n in scope.body
                    if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                    and not _is_overload_stub(n)
                ]
                assert len(defined) == len(set(defined)), (path, sorted(defined))


def _is_overload_stub(node: ast.stmt) -> bool:
    """A `typing.overload` signature, which the implementation that follows completes."""
    decorators = getattr(node, "decorator_list", [])
    return any(ast.unparse(d) in ("overload", "typing.overload") for d in decorators)


@pytest.mark.parametrize("name", ["github", "hostile"])
def test_rendering_is_byte_identical(name: str) -> None:
    assert render(name) == render(name)


@pytest.mark.parametrize("name", ALL)
def test_adapter_depends_on_httpx_and_its_own_helpers_only(
    packages: dict[str, Package], name: str
) -> None:
    package = packages[name]
    tree = ast.parse(package.text(f"{package.adapter}.py"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module.split(".")[0])
    third_party = modules - set(sys.stdlib_module_names) - {"__future__"}
    # These declare response schemas, whose models are pydantic's.
    typed = {"pydantic"} if name in ("github", "stripe", "typed") else set()
    assert third_party == {"httpx", f"{package.slug}_utils", *typed}


def test_github_public_api(packages: dict[str, Package]) -> None:
    tree = ast.parse(packages["github"].text("github_adapter.py"))
    exported = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "__all__"
    )
    assert {
        "GitHubClient",
        "AsyncGitHubClient",
        "GitHubConfig",
        "GitHubError",
        "APIStatusError",
        "BadRequestError",
        "AuthenticationError",
        "PermissionDeniedError",
        "NotFoundError",
        "ConflictError",
        "UnprocessableEntityError",
        "RateLimitError",
        "InternalServerError",
        "APIConnectionError",
        "APITimeoutError",
        "CircuitOpenError",
        "MissingSecretError",
    } <= set(exported)
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    client = classes["GitHubClient"]
    assert [ast.unparse(base) for base in client.bases] == ["_ClientCore"]
    members = [*client.body, *classes["_ClientCore"].body]
    methods = {n.name for n in members if isinstance(n, ast.FunctionDef)}
    assert {"get_repo", "list_issues", "create_issue", "get_user"} <= methods
    assert {"create_issue", "close", "config", "metrics", "_request"} <= methods


def test_config_yaml_holds_the_normalized_settings(packages: dict[str, Package]) -> None:
    config = yaml.safe_load(packages["github"].text("config.yaml"))
    assert config["base_url"] == "https://api.github.com"
    assert config["auth"] == {"type": "bearer", "env_var": "GITHUB_TOKEN"}
    assert config["rate_limit"]["requests"] == 5000
    assert config["rate_limit"]["per"] == "hour"
    assert config["retry"]["max_attempts"] == 3
    assert [e["method_name"] for e in config["endpoints"]] == [
        "create_issue",
        "get_repo",
        "get_user",
        "list_issues",
    ]
    assert "5000 requests per hour (1.39/s sustained)" in packages["github"].text("config.yaml")


def test_pyproject_builds_an_installable_package(packages: dict[str, Package]) -> None:
    meta = tomllib.loads(packages["github"].text("pyproject.toml"))
    assert meta["project"]["name"] == "github-integration"
    assert meta["project"]["dependencies"] == ["httpx>=0.25", "pydantic>=2.7"]
    untyped = tomllib.loads(packages["hostile"].text("pyproject.toml"))
    assert untyped["project"]["dependencies"] == ["httpx>=0.25"]
    wheel = meta["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["only-include"] == ["github_utils"]
    assert wheel["force-include"] == {
        "github_adapter.py": "github_adapter/__init__.py",
        "py.typed": "github_adapter/py.typed",
    }
    assert meta["tool"]["pytest"]["ini_options"]["markers"][0].startswith("live:")
    assert meta["tool"]["mypy"]["strict"] is True


def test_docs_cover_configuration_endpoints_and_errors(packages: dict[str, Package]) -> None:
    docs = packages["stripe"].text("STRIPE_INTEGRATION.md")
    for needle in [
        "`STRIPE_API_KEY`",
        "`STRIPE_BASE_URL`",
        "100 requests per second",
        "`list_charges(*, limit=None, customer=None)`",
        "`SyncPage`",
        "RateLimitError",
        "extra_headers=",
        "pytest -m live",
    ]:
        assert needle in docs
    github = packages["github"].text("GITHUB_INTEGRATION.md")
    assert "5000 requests per hour (1.39/s sustained)" in github


def test_hostile_text_stays_literal(packages: dict[str, Package]) -> None:
    package = packages["hostile"]
    own = {p: t for p, t in package.files.items() if "/" not in p}
    assert not any("49" in text for text in own.values())
    module_doc = ast.get_docstring(ast.parse(own[f"{package.adapter}.py"])) or ""
    assert INJECTION in " ".join(module_doc.split())
    assert yaml.safe_load(own["config.yaml"])["service"] == HOSTILE["service"]
    description = tomllib.loads(own["pyproject.toml"])["project"]["description"]
    assert TEMPLATE_SYNTAX in description
    rendered = MarkdownIt("commonmark").render(own[f"{package.slug.upper()}_INTEGRATION.md"])
    assert "<b>" not in rendered and "&lt;b&gt;" in rendered
    assert TEMPLATE_SYNTAX in rendered


def test_no_test_expects_a_post_unretried_when_the_config_retries_it(
    packages: dict[str, Package],
) -> None:
    package = packages["retrying"]
    tests = package.text(f"test_{package.slug}_adapter.py")
    assert "def test_create_item_sends_its_request()" in tests
    assert "is_not_retried_by_default" not in tests
    assert "is_not_retried_by_default" in packages["github"].text("test_github_adapter.py")


# --- slow: the package's own toolchain ----------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
def test_ruff_and_black_accept_the_package(packages: dict[str, Package], name: str) -> None:
    package = packages[name]
    assert_ok(package.run("ruff", "check", "--no-cache", "."))
    assert_ok(package.run("black", "--check", "--quiet", "."))


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
def test_mypy_strict_accepts_the_package(packages: dict[str, Package], name: str) -> None:
    package = packages[name]
    slug = package.slug
    files = [f"{slug}_adapter.py", f"{slug}_utils", "examples.py", f"test_{slug}_adapter.py"]
    assert_ok(package.run("mypy", "--strict", "--no-incremental", *files))


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
def test_package_tests_pass_with_coverage(packages: dict[str, Package], name: str) -> None:
    package = packages[name]
    result = package.run(
        "pytest", "-q", "-p", "no:cacheprovider", f"--cov={package.adapter}",
        "--cov-report=term", "--cov-fail-under=90",
    )  # fmt: skip
    assert_ok(result)
    total = re.search(r"^TOTAL\s+\d+\s+\d+\s+(\d+)%", result.stdout, re.MULTILINE)
    assert total is not None, result.stdout
    assert int(total.group(1)) >= 90
    assert " failed" not in result.stdout
    assert not (package.root / CANARY).exists()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["github", "hostile"])
def test_examples_do_nothing_on_import(packages: dict[str, Package], name: str) -> None:
    package = packages[name]
    result = package.run("pydoc", "examples")  # imports the module without running it
    assert_ok(result)
    assert "sync_example" in result.stdout
    assert not (package.root / CANARY).exists()


RENDER_AND_HASH = """
import hashlib, json, sys
from agentflow.generation.generate import render_package
from agentflow.patterns.api import ApiPattern
from agentflow.patterns.api.requirements import ApiRequirements
from agentflow.spec.models import IntegrationSpec
spec = IntegrationSpec.model_validate(json.load(open(sys.argv[1])))
files = render_package(spec, ApiPattern(), ApiRequirements.model_validate(spec.requirements))
print(hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest())
"""


@pytest.mark.slow
def test_rendering_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    spec_file = tmp_path / "hostile.json"
    spec_file.write_text(json.dumps(HOSTILE))
    digests = set()
    for seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", RENDER_AND_HASH, str(spec_file)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert_ok(result)
        digests.add(result.stdout.strip())
    assert len(digests) == 1


@pytest.mark.slow
def test_wheel_holds_the_adapter_and_helpers_only(
    packages: dict[str, Package], tmp_path: Path
) -> None:
    package = packages["github"]
    result = package.run(
        "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", str(tmp_path), "."
    )
    assert_ok(result)
    wheel = next(tmp_path.glob("github_integration-0.1.0-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {n for n in names if not n.startswith("github_integration-0.1.0.dist-info/")}
    assert {"github_adapter/__init__.py", "github_adapter/py.typed"} <= modules
    assert {"github_utils/retry.py", "github_utils/py.typed"} <= modules
    assert all(n.startswith(("github_adapter/", "github_utils/")) for n in modules)
    assert "github_utils/cache.py" not in modules
