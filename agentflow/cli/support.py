"""What every agentflow command shares: exit codes and the one exception-to-exit mapping.

Exit codes (documented in the README):
    0  success
    1  failure: validation below the minimum score, or a generation error
    2  usage or input error: bad options, an invalid requirements or config file, an unsafe
       output path, a missing or refused model provider key (unless fallback was asked for)
    3  `update` wrote a merge with conflicts: files hold conflict markers to resolve
  130  interrupted

Warnings the library logs (a refused key passed over because fallback was asked for) are shown
as `warning: …` on stderr, each once, so `--json` output on stdout stays clean.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from agentflow.errors import AgentflowError

__all__ = [
    "EXIT_CONFLICTS",
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "emit_json",
    "error_json",
    "backend_options",
    "handle_errors",
    "min_score_option",
]

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_CONFLICTS = 3


def emit_json(data: Any) -> None:
    """Print `data` as stable, human-readable JSON on stdout."""
    click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))


def handle_errors(command: F) -> F:
    """Map agentflow's exceptions to messages and exit codes, in this one place."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        as_json = bool(kwargs.get("as_json"))
        try:
            with _warnings_on_stderr():
                return command(*args, **kwargs)
        except AgentflowError as exc:
            if as_json:
                emit_json(error_json(exc))
            else:
                click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)

    return wrapper  # type: ignore[return-value]


@contextmanager
def _warnings_on_stderr() -> Iterator[None]:
    """Show agentflow's logged warnings while a command runs: each distinct message once, as
    `warning: …` on stderr. Logging is imported here, not at start-up: `--help` needs none."""
    import logging

    shown: set[str] = set()

    class StderrWarnings(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if message not in shown:
                shown.add(message)
                click.echo(f"warning: {message}", err=True)

    logger, handler = logging.getLogger("agentflow"), StderrWarnings(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


def error_json(exc: AgentflowError) -> dict[str, Any]:
    """The JSON form of an error: type, message, exit code and located diagnostics."""
    return {
        "error": {
            "type": type(exc).__name__,
            "message": exc.message,
            "exit_code": exc.exit_code,
            "diagnostics": [
                {
                    "file": d.file,
                    "line": d.line,
                    "column": d.column,
                    "field": d.field,
                    "message": d.message,
                    "hint": d.hint,
                    "level": d.level,
                }
                for d in exc.diagnostics
            ],
        }
    }


def min_score_option(help_text: str) -> Callable[[F], F]:
    """The `--min-score` option every gating command shares (0–100, default 90)."""
    return click.option(
        "--min-score",
        type=click.FloatRange(0, 100),
        default=90.0,
        show_default=True,
        help=help_text,
    )


_BACKEND_OPTIONS = ("backend", "model", "base_url", "max_cost", "fallback")


def backend_options(command: F) -> F:
    """The options choosing a model backend, passed to `command` as `backend_choice`: a dict
    of `BackendSettings` field names to the values given (None when not given)."""
    options = (
        click.option(
            "--backend",
            help="template (offline, the default), openai, anthropic, deepseek or ollama.",
        ),
        click.option("--model", help="Model for every file, instead of the model table."),
        click.option("--base-url", help="Address of the model provider (a proxy or local server)."),
        click.option(
            "--max-cost",
            type=click.FloatRange(min=0),
            help="Spend at most this many USD on model calls per package.",
        ),
        click.option(
            "--fallback",
            multiple=True,
            metavar="PROVIDER",
            help="Provider to try when the backend fails (repeatable, in order).",
        ),
    )

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        choice = {key: kwargs.pop(key) for key in _BACKEND_OPTIONS}
        choice["fallback"] = choice["fallback"] or None
        return command(*args, backend_choice=choice, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]
