"""How a NATS package's queues map onto JetStream streams (the `mq.nats` template values).

Each queue is one concrete subject, consumed by a durable pull consumer. A subject captured
by a stream of `streams:` is stored there; the others go to the package's own work-queue
stream, named after the service (`ORDER_EVENTS`). A queue's dead-letter subject
`<subject>.dlq` is stored by whichever stream captures it, else by the package's
`<NAME>_DLQ` stream, kept under limits retention so dead letters can be read again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentflow.patterns.message_queue.brokers import dead_letter_name
from agentflow.patterns.message_queue.requirements import MessageQueueRequirements

__all__ = ["NatsView", "StreamView", "build_nats_view", "captures"]


@dataclass(frozen=True)
class StreamView:
    """One stream the client declares: name, subjects, retention and storage as NATS names them."""

    name: str
    subjects: tuple[str, ...]
    retention: str
    storage: str


@dataclass(frozen=True)
class QueueStream:
    """Where one queue's messages and dead letters are stored."""

    queue: str
    stream: str
    dead_letter_stream: str


@dataclass(frozen=True)
class NatsView:
    """What the NATS transport template prints."""

    streams: tuple[StreamView, ...]
    queue_streams: tuple[QueueStream, ...]


def captures(pattern: str, subject: str) -> bool:
    """Whether stream subject `pattern` (`*` one token, a final `>` the rest) holds `subject`."""
    tokens, wanted = pattern.split("."), subject.split(".")
    for index, token in enumerate(tokens):
        if token == ">":
            return len(wanted) > index
        if index >= len(wanted) or token not in ("*", wanted[index]):
            return False
    return len(tokens) == len(wanted)


def _free_name(base: str, taken: set[str]) -> str:
    """`base`, or `base_2`, `base_3`... if a declared stream already has that name."""
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}_{number}"
    return name


def _holder(subject: str, streams: tuple[StreamView, ...]) -> str | None:
    return next((s.name for s in streams if any(captures(p, subject) for p in s.subjects)), None)


def build_nats_view(requirements: MessageQueueRequirements, *, slug: str) -> NatsView:
    """The declared streams plus the package's queue and dead-letter streams, when needed."""
    declared = tuple(
        StreamView(stream.name, stream.subjects, "limits", "file")
        for stream in requirements.streams or ()
    )
    taken = {stream.name for stream in declared}
    base = re.sub(r"[^A-Za-z0-9_-]", "_", slug.upper())[:56]
    queue_stream = _free_name(base, taken)
    dlq_stream = _free_name(f"{base}_DLQ", taken | {queue_stream})
    queues = requirements.queues
    loose = tuple(q for q in queues if _holder(q.name, declared) is None)
    own = declared
    if loose:
        storage = "file" if any(q.durable for q in loose) else "memory"
        subjects = tuple(q.name for q in loose)
        own = (*own, StreamView(queue_stream, subjects, "workqueue", storage))
    stored = tuple(q for q in queues if q.dead_letter and _holder(_dlq(q.name), own) is None)
    if stored:
        dlq_subjects = tuple(_dlq(q.name) for q in stored)
        own = (*own, StreamView(dlq_stream, dlq_subjects, "limits", "file"))
    placed = tuple(
        QueueStream(
            queue=q.name,
            stream=_holder(q.name, own) or queue_stream,
            dead_letter_stream=_holder(_dlq(q.name), own) or dlq_stream,
        )
        for q in queues
    )
    return NatsView(streams=own, queue_streams=placed)


def _dlq(subject: str) -> str:
    return dead_letter_name("nats", subject)
