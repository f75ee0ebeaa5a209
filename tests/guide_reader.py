"""Reading the user guide's Python blocks and running them as its reader would.

The guide lives outside the project (`../shared/guide/` beside the checkout, or wherever
`AGENTFLOW_GUIDE` points) and is read in place, never copied. Its ```python blocks run in
order, each once, in one namespace per `##` section; a section may start from the names of
earlier ones (the quick start's `orchestrator`, `builder` and `package`). Where a block stands
for the reader's own code (`api.call()`, `requests.get(url)`, `result`…), a stand-in is put
in the namespace; the agentflow calls run exactly as written. Tracebacks point at guide lines.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parent.parent
GUIDE_NAME = "INTEGRATION_FRAMEWORK_GUIDE.md"


def guide_path() -> Path:
    """`AGENTFLOW_GUIDE`, else the guide beside the checkout: `../shared/guide/`."""
    configured = os.environ.get("AGENTFLOW_GUIDE")
    return Path(configured) if configured else ROOT.parent / "shared" / "guide" / GUIDE_NAME


def require_guide() -> Path:
    """The guide's path; skips when it is absent (it lives outside the project), and fails
    when `AGENTFLOW_GUIDE` names a missing file."""
    path = guide_path()
    if path.is_file():
        return path
    message = f"the user guide is not at {path}; set AGENTFLOW_GUIDE to its path"
    if os.environ.get("AGENTFLOW_GUIDE"):
        pytest.fail(f"AGENTFLOW_GUIDE names no file: {message}")
    pytest.skip(message)


@dataclass(frozen=True)
class Block:
    """One ```python block: its `##` section, the heading right above it, where it starts."""

    section: str
    heading: str
    line: int  # of the block's first line of code, counted from 1
    code: str


def read_blocks(path: Path) -> list[Block]:
    """Every ```python block of the guide, in order."""
    blocks: list[Block] = []
    headings: dict[int, str] = {}
    tokens = MarkdownIt("commonmark").parse(path.read_text(encoding="utf-8"))
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            level = int(token.tag[1:])
            headings = {k: v for k, v in headings.items() if k < level}
            headings[level] = tokens[index + 1].content
        elif token.type == "fence" and token.info.strip() == "python":
            assert token.map is not None
            nearest = headings[max(headings)]
            blocks.append(Block(headings.get(2, ""), nearest, token.map[0] + 2, token.content))
    return blocks


class StandInAPI:
    """The reader's own API client: `call()` answers, or raises the failure it was given."""

    def __init__(self, failure: BaseException | None = None) -> None:
        self.failure = failure
        self.calls = 0

    def call(self) -> dict[str, str]:
        self.calls += 1
        if self.failure is not None:
            raise self.failure
        return {"status": "ok"}


class StandInRequests:
    """The reader's HTTP library: `get(url)` answers at once and remembers the URL."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def get(self, url: str) -> dict[str, Any]:
        self.urls.append(url)
        return {"url": url, "status": 200}


def standins() -> dict[str, Any]:
    """Fresh stand-ins for the names the guide leaves to its reader."""
    return {
        "api": StandInAPI(),
        "requests": StandInRequests(),
        "url": "https://api.example.com/status",
        "result": {"answer": 42},
        "error": ConnectionError("connection reset by peer"),
        "attempt": 1,
        "max_attempts": 3,
    }


@dataclass(frozen=True)
class Outcome:
    """What running a block did: the error it raised, what it printed and logged, and the
    names of its section just after it."""

    error: BaseException | None
    stdout: str
    warnings: list[str]
    names: dict[str, Any]


@dataclass(frozen=True)
class Expectation:
    """How a block must end, and what its reader supplies: environment variables and
    stand-ins for the reader's own code, beyond `standins()`."""

    check: Callable[[Outcome], None]
    env: Mapping[str, str] = field(default_factory=dict)
    standins: Mapping[str, Callable[[], Any]] = field(default_factory=dict)


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _agentflow_warnings() -> Iterator[list[str]]:
    handler, logger = _Warnings(), logging.getLogger("agentflow")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


class Reader:
    """Runs the guide's blocks in order, each once, and keeps what each did."""

    def __init__(
        self,
        path: Path,
        expectations: Mapping[str, Expectation],
        seeds: Mapping[str, Sequence[str]],
    ) -> None:
        self.path = path
        self.blocks = read_blocks(path)
        self.expectations = expectations
        self.seeds = seeds
        self.outcomes: dict[str, Outcome] = {}
        self.namespaces: dict[str, dict[str, Any]] = {}

    def block(self, heading: str) -> Block:
        """The block under `heading`."""
        found = [b for b in self.blocks if b.heading == heading]
        assert len(found) == 1, f"the guide has {len(found)} python blocks under {heading!r}"
        return found[0]

    def outcome(self, heading: str) -> Outcome:
        """What the block under `heading` did, after every block before it has run."""
        target = self.block(heading)
        for block in self.blocks:
            if block.heading not in self.outcomes:
                self.outcomes[block.heading] = self._run(block)
            if block is target:
                break
        return self.outcomes[heading]

    def _namespace(self, section: str) -> dict[str, Any]:
        """The section's names: first those of the sections it builds on, then stand-ins."""
        if section not in self.namespaces:
            names: dict[str, Any] = {"__name__": "guide"}
            for earlier in self.seeds[section]:
                names.update(self.namespaces.get(earlier, {}))
            self.namespaces[section] = {**names, **standins()}
        return self.namespaces[section]

    def _run(self, block: Block) -> Outcome:
        expectation = self.expectations[block.heading]
        names = self._namespace(block.section)
        names.update({name: make() for name, make in expectation.standins.items()})
        code = compile("\n" * (block.line - 1) + block.code, str(self.path), "exec")
        printed = io.StringIO()
        error: BaseException | None = None
        with pytest.MonkeyPatch.context() as env, _agentflow_warnings() as warnings:
            for name, value in expectation.env.items():
                env.setenv(name, value)
            try:
                with contextlib.redirect_stdout(printed):
                    exec(code, names)
            except Exception as exc:  # what the block raised is its outcome
                error = exc
        return Outcome(error, printed.getvalue(), list(warnings), dict(names))
