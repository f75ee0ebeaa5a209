"""One timed run of sequential calls through one HTTP client stack, for `client.py`.

Started by `client.py` in a fresh process, with the Python whose stacks are compared, so it
imports only the standard library, httpx and the stack it times. Every stack sends its calls
to the same `httpx.MockTransport`, whose handler answers 200 with a small JSON body and adds
up its own time; what is reported is each call's time minus the handler's, i.e. what the
client stack itself costs. Calls stop after `--budget` seconds, so a stack that waits between
calls ends quickly and its total is projected. Prints one JSON object:

    {"setup_s": …, "overheads_s": [one figure per call made]}

    python benchmarks/client_calls.py httpx --calls 100 --budget 10 --url https://…/user
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

BODY = {"id": 1, "login": "octocat", "object": "model", "created": 0, "owned_by": "octocat"}
"""Small enough to cost nothing to build, and a valid reply for every stack: GitHub's `User`
model and openai's `Model` (which openai builds without validating)."""

Call = Callable[[], object]


class Handler:
    """The transport's handler: a 200 with `BODY`, its own time summed in `seconds`."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        start = time.perf_counter()
        response = httpx.Response(200, json=BODY)
        self.seconds += time.perf_counter() - start
        return response


def agentflow_stack(transport: httpx.MockTransport, args: argparse.Namespace) -> Call:
    """The generated client with its default configuration (credential from the environment)."""
    sys.path.insert(0, args.package)
    client = getattr(importlib.import_module(args.module), args.client)(transport=transport)
    method: Call = getattr(client, args.method)
    return method


def httpx_stack(transport: httpx.MockTransport, args: argparse.Namespace) -> Call:
    """A bare `httpx.Client`: the floor any httpx-based client builds on."""
    client = httpx.Client(transport=transport)
    return lambda: client.get(args.url).json()


def openai_stack(transport: httpx.MockTransport, args: argparse.Namespace) -> Call:
    """openai-python with its defaults, on its own default httpx client over the transport."""
    openai: Any = importlib.import_module("openai")
    http = openai.DefaultHttpxClient(transport=transport)
    client = openai.OpenAI(api_key="dummy", http_client=http)
    return lambda: client.models.retrieve("gpt-4o")


STACKS: dict[str, Callable[[httpx.MockTransport, argparse.Namespace], Call]] = {
    "agentflow": agentflow_stack,
    "httpx": httpx_stack,
    "openai": openai_stack,
}


def timed_calls(call: Call, handler: Handler, calls: int, budget_s: float) -> list[float]:
    """Each call's seconds minus the handler's; no call is started once `budget_s` is spent."""
    overheads: list[float] = []
    start = time.perf_counter()
    while len(overheads) < calls and time.perf_counter() - start < budget_s:
        before, handled = time.perf_counter(), handler.seconds
        call()
        overheads.append(time.perf_counter() - before - (handler.seconds - handled))
    return overheads


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stack", choices=sorted(STACKS))
    parser.add_argument("--calls", type=int, required=True)
    parser.add_argument("--budget", type=float, required=True, help="seconds")
    parser.add_argument("--url", default="", help="the URL bare httpx calls")
    parser.add_argument("--package", default="", help="folder of the generated package")
    parser.add_argument("--module", default="", help="the generated adapter module")
    parser.add_argument("--client", default="", help="its synchronous client class")
    parser.add_argument("--method", default="", help="the client method to call")
    args = parser.parse_args(argv)
    handler = Handler()
    transport = httpx.MockTransport(handler)
    call = STACKS[args.stack](transport, args)
    overheads = timed_calls(call, handler, args.calls, args.budget)
    print(json.dumps({"overheads_s": overheads}))


if __name__ == "__main__":
    main()
