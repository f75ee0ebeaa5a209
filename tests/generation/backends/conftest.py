"""Provider client tests run against the fake provider in `llm_server`."""

from .llm_server import llm_server_fixture  # noqa: F401
