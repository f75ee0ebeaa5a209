"""The stacks `drivers.py` times: each generated client and its bare driver, doing the same work.

Every stack is a session, a context manager that connects and prepares outside the clock and
yields a `Chunk`: a function that does `count` operations and returns each phase's seconds.
`drivers.py` opens the sessions of one service together and has them take turns, chunk by
chunk, so that a change in the machine's load falls on all of them alike. A session cleans up
after itself (throw-away table and queue names with a random suffix, dropped at the end).
The generated clients are imported from the golden packages (`postgresql_adapter`,
`order_queue_adapter`), which `drivers.py` puts on `sys.path`.

PostgreSQL: `ops` lookups by primary key in a 100-row table, each its own committed
transaction. The bare floor is one psycopg connection in autocommit mode with rows as dicts,
which gives every query exactly that guarantee; the generated client adds its pool, circuit
breaker, retry loop, statement timeout, metrics and error mapping. For information, `ops`
single-row INSERTs: the bare driver sends each in autocommit (one round trip, but a cut
connection leaves its outcome unknown), the generated client sends BEGIN with the statement,
then COMMIT (two round trips, so a cut before COMMIT can be retried safely). Both write with
`synchronous_commit` off, so the round trips show rather than the disk's flush.

RabbitMQ: `ops` JSON messages published one by one, then consumed. The bare floor gives the
generated client's guarantees: persistent messages with a message id, each publish waiting
for its publisher confirm (mandatory, so an unroutable message is an error), a queue with a
dead-letter queue, consumption with a manual ack per message and the same prefetch. "pika, no
confirms" drops the confirms only, for information.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

ROWS = 100
PREFETCH = 10
"""The golden RabbitMQ package's prefetch (`examples/rabbitmq-orders.yaml`)."""
QUEUE = "orders"

Chunk = Callable[[int, int], dict[str, float]]
"""`chunk(first, count)`: operations `first` to `first + count - 1`; each phase's seconds."""
Session = Callable[[str], AbstractContextManager[Chunk]]


def _select(table: str) -> str:
    return f"SELECT id, name FROM {table} WHERE id = %s"


def _timed(call: Callable[[int], object]) -> Chunk:
    """A chunk of `call(n)` for each n, timed as one `queries` phase."""

    def chunk(first: int, count: int) -> dict[str, float]:
        start = time.perf_counter()
        for n in range(first, first + count):
            call(n % ROWS + 1)
        return {"queries": time.perf_counter() - start}

    return chunk


@contextmanager
def pg_table(url: str) -> Iterator[str]:
    """A throw-away table of `ROWS` rows, dropped at the end."""
    import psycopg

    table = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY, name text NOT NULL)")
        try:
            with conn.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {table} (id, name) VALUES (%s, %s)",
                    [(n, f"row {n}") for n in range(1, ROWS + 1)],
                )
            yield table
        finally:
            conn.execute(f"DROP TABLE {table}")


@contextmanager
def pg_bare(url: str) -> Iterator[Chunk]:
    """One psycopg connection, autocommit, rows as dicts."""
    import psycopg
    from psycopg.rows import dict_row

    with (
        pg_table(url) as table,
        psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn,
    ):
        sql = _select(table)
        yield _timed(lambda key: conn.execute(sql, (key,)).fetchone())


@contextmanager
def pg_pool(url: str) -> Iterator[Chunk]:
    """psycopg_pool's `ConnectionPool`, a connection taken and returned per query."""
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool

    kwargs = {"autocommit": True, "row_factory": dict_row}
    with pg_table(url) as table, ConnectionPool(url, kwargs=kwargs, min_size=1) as pool:
        sql = _select(table)

        def query(key: int) -> object:
            with pool.connection() as conn:
                return conn.execute(sql, (key,)).fetchone()

        yield _timed(query)


@contextmanager
def pg_adapter(url: str) -> Iterator[Chunk]:
    """The generated `PostgreSQLClient.fetch_one`, default settings but the URL."""
    module: Any = importlib.import_module("postgresql_adapter")
    with pg_table(url) as table, module.PostgreSQLClient(module.PostgreSQLConfig(url=url)) as db:
        sql = _select(table)
        yield _timed(lambda key: db.fetch_one(sql, (key,)))


def _unflushed(url: str) -> str:
    """`url` with commits that do not wait for the disk (the session's setting)."""
    return f"{url}{'&' if '?' in url else '?'}options=-c%20synchronous_commit%3Doff"


def _inserting(call: Callable[[int], object]) -> Chunk:
    """A chunk of `call(n)` with a new key for each n, timed as one `inserts` phase."""

    def chunk(first: int, count: int) -> dict[str, float]:
        start = time.perf_counter()
        for n in range(first, first + count):
            call(ROWS + 1 + n)
        return {"inserts": time.perf_counter() - start}

    return chunk


@contextmanager
def pg_bare_insert(url: str) -> Iterator[Chunk]:
    """One psycopg connection, autocommit: each INSERT one round trip."""
    import psycopg

    with pg_table(url) as table, psycopg.connect(_unflushed(url), autocommit=True) as conn:
        sql = f"INSERT INTO {table} (id, name) VALUES (%s, 'new')"
        yield _inserting(lambda key: conn.execute(sql, (key,)))


@contextmanager
def pg_adapter_insert(url: str) -> Iterator[Chunk]:
    """The generated `PostgreSQLClient.execute`: BEGIN and the INSERT, then COMMIT."""
    module: Any = importlib.import_module("postgresql_adapter")
    config = module.PostgreSQLConfig(url=_unflushed(url))
    with pg_table(url) as table, module.PostgreSQLClient(config) as db:
        sql = f"INSERT INTO {table} (id, name) VALUES (%s, 'new')"
        yield _inserting(lambda key: db.execute(sql, (key,)))


def _on_loop(
    loop: asyncio.AbstractEventLoop, call: Callable[[int], Coroutine[Any, Any, object]]
) -> Chunk:
    """A chunk of awaited `call(n)`, run on `loop` (where the connection lives)."""

    async def run(first: int, count: int) -> float:
        start = time.perf_counter()
        for n in range(first, first + count):
            await call(n % ROWS + 1)
        return time.perf_counter() - start

    return lambda first, count: {"queries": loop.run_until_complete(run(first, count))}


@contextmanager
def pg_bare_async(url: str) -> Iterator[Chunk]:
    """One `psycopg.AsyncConnection`, autocommit, rows as dicts."""
    import psycopg
    from psycopg.rows import dict_row

    loop = asyncio.new_event_loop()
    try:
        with pg_table(url) as table:
            conn = loop.run_until_complete(
                psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row)
            )
            sql = _select(table)

            async def query(key: int) -> object:
                return await (await conn.execute(sql, (key,))).fetchone()

            try:
                yield _on_loop(loop, query)
            finally:
                loop.run_until_complete(conn.close())
    finally:
        loop.close()


@contextmanager
def pg_adapter_async(url: str) -> Iterator[Chunk]:
    """The generated `AsyncPostgreSQLClient.fetch_one`."""
    module: Any = importlib.import_module("postgresql_adapter")
    loop = asyncio.new_event_loop()
    try:
        with pg_table(url) as table:
            db = module.AsyncPostgreSQLClient(module.PostgreSQLConfig(url=url))
            sql = _select(table)
            try:
                yield _on_loop(loop, lambda key: db.fetch_one(sql, (key,)))
            finally:
                loop.run_until_complete(db.close())
    finally:
        loop.close()


def _message(n: int) -> dict[str, Any]:
    """A small order, valid against the `orders` queue's schema (the client checks it)."""
    return {"id": f"order-{n}", "total": 9.5, "lines": [{"sku": "A-1", "quantity": 2}]}


@contextmanager
def mq_adapter(url: str) -> Iterator[Chunk]:
    """The generated `OrderQueueClient`: `publish` each message, then `consume` them."""
    module: Any = importlib.import_module("order_queue_adapter")
    namespace = f"bench-{uuid.uuid4().hex[:12]}-"

    def chunk(first: int, count: int) -> dict[str, float]:
        start = time.perf_counter()
        for n in range(first, first + count):
            client.publish(QUEUE, _message(n))
        published = time.perf_counter()
        settled = client.consume(QUEUE, lambda message: None, max_messages=count)
        consumed = time.perf_counter()
        if settled != count:
            raise RuntimeError(f"the generated client consumed {settled} of {count} messages")
        return {"publish": published - start, "consume": consumed - published}

    with module.OrderQueueClient(url, namespace=namespace) as client:
        try:
            yield chunk
        finally:
            client.delete_queues()


@contextmanager
def _pika(url: str, *, confirms: bool) -> Iterator[Chunk]:
    import pika

    queue = f"bench-{uuid.uuid4().hex[:12]}-{QUEUE}"
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    if confirms:
        channel.confirm_delivery()
    channel.basic_qos(prefetch_count=PREFETCH)
    channel.queue_declare(f"{queue}.dlq", durable=True)
    dead_letter = {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": f"{queue}.dlq"}
    channel.queue_declare(queue, durable=True, arguments=dead_letter)

    def chunk(first: int, count: int) -> dict[str, float]:
        start = time.perf_counter()
        for n in range(first, first + count):
            properties = pika.BasicProperties(
                content_type="application/json",
                delivery_mode=2,
                message_id=uuid.uuid4().hex,
                headers={},
            )
            body = json.dumps(_message(n), separators=(",", ":")).encode()
            channel.basic_publish("", queue, body, properties=properties, mandatory=True)
        published = time.perf_counter()
        settled = 0
        for method, _properties, body in channel.consume(queue, inactivity_timeout=5.0):
            if method is None:
                break
            json.loads(body)
            channel.basic_ack(method.delivery_tag)
            settled += 1
            if settled == count:
                break
        channel.cancel()
        consumed = time.perf_counter()
        if settled != count:
            raise RuntimeError(f"pika consumed {settled} of {count} messages")
        return {"publish": published - start, "consume": consumed - published}

    try:
        yield chunk
    finally:
        channel.queue_delete(queue)
        channel.queue_delete(f"{queue}.dlq")
        connection.close()


def mq_pika(url: str) -> AbstractContextManager[Chunk]:
    """Bare pika with the generated client's guarantees (confirms, manual acks)."""
    return _pika(url, confirms=True)


def mq_pika_unconfirmed(url: str) -> AbstractContextManager[Chunk]:
    """Bare pika without publisher confirms (manual acks kept), for information."""
    return _pika(url, confirms=False)
