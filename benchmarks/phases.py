"""Where the time of one `agentflow integrate create --no-validate` goes, in one process.

    python benchmarks/phases.py                 # the 200-endpoint spec from specs.py
    python benchmarks/phases.py examples/github.yaml

Wraps, without changing agentflow, the stages that dominate generation: module imports, YAML
loading, Jinja template compilation and rendering, and formatting (the builder's
`format_files`, and black per file if it is called). Output goes to a temporary directory that
is removed afterwards.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.dont_write_bytecode = True  # write nothing into the repository
sys.path.insert(0, str(Path(__file__).resolve().parent))

from specs import write_specs  # noqa: E402

Timings = dict[str, list[tuple[float, str]]]


def timed(timings: Timings, key: str, func: Callable[..., Any], label: Callable[..., str]) -> Any:
    """`func`, recording each call's seconds and `label(*args)` under `key`."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            timings.setdefault(key, []).append((time.perf_counter() - start, label(*args)))

    return wrapper


def rebind(attribute: str, original: Any, wrapper: Callable[..., Any]) -> None:
    """Replace `original` with `wrapper` in every loaded agentflow module that holds it.

    Modules that imported the function by name hold their own reference, so each is rebound.
    """
    for name, module in list(sys.modules.items()):
        in_agentflow = name == "agentflow" or name.startswith("agentflow.")
        if in_agentflow and getattr(module, attribute, None) is original:
            setattr(module, attribute, wrapper)


def lines(source: str, *_: Any) -> str:
    return f"{len(source.splitlines())} lines"


def files(sources: dict[str, str], *_: Any) -> str:
    total = sum(len(text.splitlines()) for text in sources.values())
    return f"{len(sources)} files, {total} lines"


def main() -> int:
    timings: Timings = {}
    start = time.perf_counter()
    import jinja2

    import agentflow.cli
    import agentflow.cli.presenters
    import agentflow.workflows

    imports = time.perf_counter() - start

    stages: dict[tuple[str, str], tuple[str, Callable[..., str]]] = {
        ("agentflow.spec.loader", "load_spec"): ("load_spec", lambda path, *_: str(path)),
        ("agentflow.generation.formatting", "format_files"): ("format_files", files),
    }
    for (module_name, attribute), (key, label) in stages.items():
        original = getattr(sys.modules.get(module_name), attribute, None)
        if original is not None:
            rebind(attribute, original, timed(timings, key, original, label))
    black: Any = sys.modules.get("black")  # wrapped only if the create path imports it
    if black is not None:
        black.format_str = timed(timings, "black.format_str", black.format_str, lines)
    jinja2.Environment.compile = timed(  # type: ignore[method-assign]
        timings, "jinja2 compile", jinja2.Environment.compile, lambda env, src, name=None, *_: name
    )
    jinja2.Template.render = timed(  # type: ignore[method-assign]
        timings, "jinja2 render", jinja2.Template.render, lambda template, *_: template.name
    )
    with tempfile.TemporaryDirectory(prefix="agentflow-phases-") as tmp:
        spec = Path(sys.argv[1]) if len(sys.argv) > 1 else write_specs(Path(tmp) / "in")[0]
        start = time.perf_counter()
        try:
            agentflow.cli.main(
                ["integrate", "create", str(spec), "--output-dir", f"{tmp}/out", "--no-validate"],
                standalone_mode=False,
            )
        finally:
            total = time.perf_counter() - start
    print(f"\nimports of agentflow's create path:               {imports * 1000:7.0f} ms")
    print(f"create, in process after the imports:             {total * 1000:7.0f} ms")
    for key, calls in timings.items():
        spent = sum(seconds for seconds, _ in calls)
        print(f"  {key:18} {len(calls):3d} calls {spent * 1000:7.0f} ms")
        if key in {"black.format_str", "format_files"}:
            for seconds, detail in sorted(calls, reverse=True)[:4]:
                print(f"      {seconds * 1000:7.0f} ms  {detail}")
    formatting = sum(seconds for seconds, _ in timings.get("format_files", []))
    print(f"  all but formatting {(total - formatting) * 1000:17.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
