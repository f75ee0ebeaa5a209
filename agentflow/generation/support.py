"""The helper modules copied into every generated package.

`agentflow.runtime` is the single source of the retry, rate-limit, circuit-breaker,
metrics, secrets, cache and error helpers. A generated package gets a verbatim copy as its own
`<slug>_utils` package, so it runs without agentflow installed and two generated packages
never collide in one environment.
"""

from __future__ import annotations

from importlib import resources

__all__ = ["support_files"]


def support_files(utils_module: str) -> dict[str, str]:
    """`{relative path: source}` of the helper package, placed under `utils_module/`."""
    package = resources.files("agentflow.runtime")
    return {
        f"{utils_module}/{entry.name}": entry.read_text(encoding="utf-8")
        for entry in sorted(package.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".py")
    }
