"""What a model may add to a rendered file: the allow-list of harmless forms, as plain data.

Enrichment exists to make a file clearer (docstrings, comments, names of locals, messages,
more tests), never to give it new powers. So the guard compares an answer with the rendered
template scope by scope (module, class body, function) and lists every *form* the answer
has more often than the template's same scope:

- a name or attribute chain rooted at an imported module (`os.system`, `httpx.post`);
- a builtin (`open`, `getattr`, `vars`);
- an attribute that escapes the object model (`__class__`, `__globals__`, `tb_frame`…) or
  reaches the package's HTTP client (`self._http…`);
- a string constant, in the adapter, outside a message (docstring, exception, log line);
- a binding that changes what a name means (`global`, rebinding an import), a special method
  that runs implicitly (`__del__`, `__init_subclass__`…), a metaclass, a pytest fixture that
  touches files or the session (`tmp_path`, `request`…).

Each listed form must match this allow-list, or be present in the template's same scope as
often (a storage template may `open` files in `_read`; a model may not `open` elsewhere).
Everything else — processes, files, sockets, import machinery, `sys.modules`, `globals()`,
dynamic `getattr`, sending HTTP anywhere but the template's own sending call — is therefore
rejected without being named here. Patterns match dotted names segment by segment (`*` is
one segment, and never a module: `typing.*` allows `typing.Any`, not `typing.sys`).
"""

from __future__ import annotations

import builtins

__all__ = [
    "BUILTINS",
    "CAPABILITY_FIXTURES",
    "EARLY_EXITS",
    "HTTP_CLIENT_CLASSES",
    "INTROSPECTION_ATTRIBUTES",
    "MESSAGE_METHODS",
    "MODULE_FORMS",
    "PATCHING_METHODS",
    "SAFE_DUNDERS",
    "SPECIAL_METHODS",
    "TEST_DECORATORS",
    "TEST_HOOK_NAMES",
]

MODULE_FORMS: tuple[str, ...] = (
    # pure helpers of the standard library
    "asyncio.run",
    "asyncio.gather",
    "asyncio.sleep",
    "asyncio.wait_for",
    "asyncio.CancelledError",
    "asyncio.TimeoutError",
    "collections.abc.*",
    "dataclasses.asdict",
    "dataclasses.dataclass",
    "dataclasses.field",
    "dataclasses.fields",
    "dataclasses.replace",
    "dataclasses.FrozenInstanceError",
    "datetime.date",
    "datetime.datetime",
    "datetime.timedelta",
    "datetime.timezone",
    "datetime.timezone.utc",
    "enum.*",
    "functools.partial",
    "functools.wraps",
    "json.dumps",
    "json.loads",
    "json.JSONDecodeError",
    "logging.getLogger",
    "logging.CRITICAL",
    "logging.DEBUG",
    "logging.ERROR",
    "logging.INFO",
    "logging.WARNING",
    "math.*",
    "re.compile",
    "re.escape",
    "re.findall",
    "re.finditer",
    "re.fullmatch",
    "re.match",
    "re.search",
    "re.split",
    "re.sub",
    "re.subn",
    "re.Match",
    "re.Pattern",
    "re.ASCII",
    "re.DOTALL",
    "re.IGNORECASE",
    "re.MULTILINE",
    "re.VERBOSE",
    "time.monotonic",
    "time.perf_counter",
    "time.sleep",
    "time.time",
    "types.MappingProxyType",
    "types.SimpleNamespace",
    "types.TracebackType",
    "typing.*",
    "urllib.parse.parse_qs",
    "urllib.parse.parse_qsl",
    "urllib.parse.quote",
    "urllib.parse.unquote",
    "urllib.parse.urlencode",
    "urllib.parse.urlsplit",
    "warnings.warn",
    # httpx values and errors; never a client, a transport that sends or a sending function
    "httpx.Headers",
    "httpx.MockTransport",
    "httpx.QueryParams",
    "httpx.Request",
    "httpx.Response",
    "httpx.URL",
    "httpx.codes",
    "httpx.codes.*",
    "httpx.*Error",
    "httpx.*Timeout",
    "httpx.TimeoutException",
    "httpx.TooManyRedirects",
    "httpx.BaseTransport",
    "httpx.AsyncBaseTransport",
    # pytest: assertions and parametrization, never skipping or leaving early
    "pytest.approx",
    "pytest.fixture",
    "pytest.mark.parametrize",
    "pytest.param",
    "pytest.raises",
    "pytest.warns",
    "pytest.CaptureFixture",
    "pytest.LogCaptureFixture",
    "pytest.MonkeyPatch",
)

_UNSAFE_BUILTINS = frozenset(
    {
        "breakpoint",
        "compile",
        "copyright",
        "credits",
        "delattr",
        "dir",
        "eval",
        "exec",
        "exit",
        "getattr",
        "globals",
        "help",
        "input",
        "license",
        "locals",
        "memoryview",
        "open",
        "quit",
        "setattr",
        "vars",
        # exceptions that end the process or the test session rather than fail a test
        "GeneratorExit",
        "KeyboardInterrupt",
        "SystemExit",
    }
)
BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_")) - _UNSAFE_BUILTINS
"""Builtins a model may use anywhere: every public builtin but the ones that reach code,
files, the interpreter's state or the process (`_` names, `__import__` among them, are
interpreter internals)."""

SAFE_DUNDERS = frozenset(
    {
        "__aenter__",
        "__aexit__",
        "__all__",
        "__cause__",
        "__context__",
        "__doc__",
        "__enter__",
        "__exit__",
        "__file__",
        "__init__",
        "__main__",
        "__name__",
        "__qualname__",
        "__version__",
    }
)
"""Dunder names and attributes that reveal nothing and run nothing."""

INTROSPECTION_ATTRIBUTES = frozenset(
    {
        "ag_code",
        "ag_frame",
        "co_code",
        "cr_await",
        "cr_code",
        "cr_frame",
        "f_back",
        "f_builtins",
        "f_code",
        "f_globals",
        "f_locals",
        "f_trace",
        "func_code",
        "func_globals",
        "gi_code",
        "gi_frame",
        "gi_yieldfrom",
        "mro",
        "tb_frame",
        "tb_next",
    }
)
"""Attributes without underscores that still reach frames, code objects and globals."""

SPECIAL_METHODS = frozenset(
    {
        "__aenter__",
        "__aexit__",
        "__aiter__",
        "__anext__",
        "__bool__",
        "__call__",
        "__contains__",
        "__enter__",
        "__eq__",
        "__exit__",
        "__ge__",
        "__getitem__",
        "__gt__",
        "__hash__",
        "__init__",
        "__iter__",
        "__le__",
        "__len__",
        "__lt__",
        "__ne__",
        "__next__",
        "__post_init__",
        "__repr__",
        "__str__",
    }
)
"""Special methods a model may define; the others run implicitly (`__del__`,
`__init_subclass__`, `__getattr__`, `__reduce__`…) and must come from the template."""

HTTP_CLIENT_CLASSES = frozenset({"httpx.Client", "httpx.AsyncClient"})
"""Constructors of objects that send HTTP: what they are bound to is the template's own
sending capability, and every new reference to it is listed."""

MESSAGE_METHODS = frozenset(
    {"critical", "debug", "error", "exception", "info", "log", "print", "warn", "warning"}
)
"""Calls whose string arguments are messages (log lines, warnings, `print`)."""

CAPABILITY_FIXTURES = frozenset(
    {
        "cache",
        "pytestconfig",
        "pytester",
        "request",
        "testdir",
        "tmp_path",
        "tmp_path_factory",
        "tmpdir",
        "tmpdir_factory",
    }
)
"""pytest fixtures that reach files or the test session."""

# --- tests may only get stronger -----------------------------------------------------

EARLY_EXITS = frozenset(
    {
        "exit",
        "os._exit",
        "os.abort",
        "pytest.exit",
        "pytest.importorskip",
        "pytest.skip",
        "pytest.xfail",
        "quit",
        "sys.exit",
    }
)
"""Calls that end a test without failing it."""

TEST_DECORATORS: tuple[str, ...] = ("pytest.mark.parametrize", "pytest.fixture")
"""Decorators a model may put on the tests and fixtures it adds (an autouse fixture is
refused: it would run around every template test)."""

PATCHING_METHODS = frozenset(
    {"chdir", "delattr", "delenv", "delitem", "setattr", "setenv", "setitem", "syspath_prepend"}
)
"""Calls that patch the code or environment under test, refused among the statements a model
adds to a template test."""

TEST_HOOK_NAMES: tuple[str, ...] = (
    "pytest_*",
    "pytestmark",
    "setup",
    "setup_*",
    "setUp*",
    "teardown",
    "teardown_*",
    "tearDown*",
)
"""Module-level names pytest treats as hooks or settings; only the template's may exist."""
