"""Model answers on disk, so a rebuild of unchanged requirements makes no provider call.

An entry is keyed by the sha256 of (provider, model, system prompt, prompt, template version)
and written atomically as soon as the answer arrives, so an interrupted build resumes from the
answers it already paid for. An unreadable or corrupt entry is treated as missing.

An answer the guard accepted is marked so (`mark_accepted`): the marker holds what checked it
(agentflow's version, the guard's, the pattern) and the sha256 of the exact text accepted. The
same prompt brings the same reference, facts and dependencies, so a rebuild from the cache
need not parse and check the answer again — but only while the entry still holds that text:
an entry edited on disk no longer matches its marker and is checked like a fresh answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from contextlib import suppress
from pathlib import Path

from agentflow.generation.backends.llm import ChatRequest, ChatResponse
from agentflow.generation.context import TEMPLATE_VERSION

__all__ = ["ResponseCache", "default_cache_root"]


def default_cache_root() -> Path:
    """`cache_dir() / "responses"`."""
    from agentflow.generation.rendering import cache_dir

    return cache_dir() / "responses"


class ResponseCache:
    """A directory of JSON answers named by their key."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or default_cache_root()

    @staticmethod
    def key(provider: str, request: ChatRequest) -> str:
        """The entry name for `request` sent to `provider`."""
        material = [provider, request.model, request.system, request.prompt, TEMPLATE_VERSION]
        return hashlib.sha256(json.dumps(material).encode("utf-8")).hexdigest()

    def get(self, key: str) -> ChatResponse | None:
        """The stored answer, or None when missing or unreadable."""
        try:
            data = json.loads((self.root / f"{key}.json").read_text(encoding="utf-8"))
            return ChatResponse(
                text=str(data["text"]),
                model=str(data["model"]),
                input_tokens=int(data["input_tokens"]),
                output_tokens=int(data["output_tokens"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def is_accepted(self, key: str, *, checked_by: str, text: str) -> bool:
        """Whether `text`, exactly, passed the checks `checked_by` names under `key`."""
        try:
            marker = (self.root / f"{key}.accepted").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return False
        return marker == _marker(checked_by, text)

    def mark_accepted(self, key: str, *, checked_by: str, text: str) -> None:
        """Record that `text` passed the checks `checked_by` names."""
        self._write(f"{key}.accepted", _marker(checked_by, text))

    def discard(self, key: str) -> None:
        """Remove the entry under `key` and its marker, if any."""
        for suffix in (".json", ".accepted"):
            with suppress(OSError):
                (self.root / f"{key}{suffix}").unlink()

    def put(self, key: str, response: ChatResponse) -> None:
        """Store `response` atomically; a cache that cannot be written is skipped."""
        data = {
            "text": response.text,
            "model": response.model,
            "input_tokens": response.input_tokens,
            "output_tokens": response.output_tokens,
        }
        self._write(f"{key}.json", json.dumps(data))

    def _write(self, name: str, text: str) -> None:
        """Replace the entry file `name` atomically, so a build reading it at the same time
        (another thread or process) sees the old text or the new, never a part; a cache that
        cannot be written is skipped."""
        with suppress(OSError):
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                os.replace(tmp, self.root / name)
            finally:
                with suppress(OSError):
                    os.unlink(tmp)


def _marker(checked_by: str, text: str) -> str:
    """What an accepted entry's marker holds: the checks and the sha256 of the text."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"{checked_by}\nsha256 {digest}\n"
