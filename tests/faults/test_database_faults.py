"""A generated PostgreSQL client against the real server through a proxy that cuts its
connections: mid-statement, inside a transaction block, and at COMMIT. A call is retried only
when it failed before its commit was sent; a commit whose outcome is unknown is reported as
such, never repeated, so no committed row is lost or written twice."""

from __future__ import annotations

import asyncio
import random
import threading
import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import psycopg
import pytest
from fault_packages import generate
from services import POSTGRESQL, require
from tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow

INSERT = "INSERT INTO {table} (k) VALUES (%s)"
SLOW_INSERT = "INSERT INTO {table} (k) SELECT %s FROM pg_sleep(0.4)"


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The generated adapter, rendered and imported once for this module."""
    requirements = {"connection_string": POSTGRESQL.url, "pool_size": 4}
    folder = tmp_path_factory.mktemp("faults_postgresql")
    return generate(folder, "Faults PostgreSQL", "database", requirements)


@pytest.fixture(scope="module")
def table() -> Iterator[str]:
    """A throw-away table with no unique key, so a row written twice shows twice."""
    require(POSTGRESQL)
    schema = f"faults_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRESQL.url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        admin.execute(f"CREATE TABLE {schema}.writes (k text NOT NULL)")
        try:
            yield f"{schema}.writes"
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def proxy(proxy_factory: Any) -> TcpProxy:
    proxy: TcpProxy = proxy_factory(POSTGRESQL.port)
    return proxy


def config(pg: ModuleType, proxy: TcpProxy, **options: Any) -> Any:
    """Settings through the proxy: quick backoff, and a breaker that tolerates the cuts."""
    url = POSTGRESQL.url.replace(f":{POSTGRESQL.port}/", f":{proxy.port}/")
    settings = {"max_attempts": 4, "backoff_base": 0.01, "failure_threshold": 100, **options}
    return pg.FaultsPostgreSQLConfig(url=url, **settings)


def counts(table: str, keys: list[str]) -> dict[str, int]:
    """How many rows each key has, read directly from the server."""
    with psycopg.connect(POSTGRESQL.url) as conn:
        rows = conn.execute(
            f"SELECT k, count(*) FROM {table} WHERE k = ANY(%s) GROUP BY k", (keys,)
        ).fetchall()
    found = dict(rows)
    return {key: found.get(key, 0) for key in keys}


def key() -> str:
    return uuid.uuid4().hex


def cut_after(proxy: TcpProxy, seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, proxy.cut)
    timer.start()
    return timer


def test_a_cut_during_a_statement_is_retried_on_a_fresh_connection(
    pg: ModuleType, table: str, proxy: TcpProxy
) -> None:
    with pg.FaultsPostgreSQLClient(config(pg, proxy)) as db:
        assert db.health_check() is True
        written = key()
        timer = cut_after(proxy, 0.15)
        assert db.execute(SLOW_INSERT.format(table=table), (written,)) == 1
        timer.join()
        # The cut attempt failed (and a retry too if it drew another cut connection from
        # the pool), then one worked.
        errors = db.metrics["execute"].errors
        assert 1 <= errors == db.metrics["execute"].calls - 1
        after = key()
        assert db.execute(INSERT.format(table=table), (after,)) == 1
        assert db.metrics["execute"].errors == errors  # the broken connections left the pool
    assert counts(table, [written, after]) == {written: 1, after: 1}


def test_a_cut_inside_a_transaction_block_rolls_it_back(
    pg: ModuleType, table: str, proxy: TcpProxy
) -> None:
    first, second, later = key(), key(), key()
    with pg.FaultsPostgreSQLClient(config(pg, proxy)) as db:
        with pytest.raises(pg.FaultsPostgreSQLConnectionError) as caught, db.transaction() as tx:
            tx.execute(INSERT.format(table=table), (first,))
            assert proxy.cut() >= 1
            tx.execute(INSERT.format(table=table), (second,))
        assert not isinstance(caught.value, pg.FaultsPostgreSQLCommitUnknownError)
        assert db.execute(INSERT.format(table=table), (later,)) == 1
    assert counts(table, [first, second, later]) == {first: 0, second: 0, later: 1}


@pytest.mark.parametrize(("deliver", "kept"), [(True, 1), (False, 0)])
def test_a_commit_cut_is_reported_unknown_and_never_repeated(
    pg: ModuleType, table: str, proxy: TcpProxy, deliver: bool, kept: int
) -> None:
    single, block = key(), key()
    with pg.FaultsPostgreSQLClient(config(pg, proxy)) as db:
        sprung = proxy.cut_at(b"COMMIT", deliver=deliver)
        with pytest.raises(pg.FaultsPostgreSQLCommitUnknownError, match="outcome is unknown"):
            db.execute(INSERT.format(table=table), (single,))
        assert sprung.is_set()
        assert db.metrics["execute"].calls == 1
        proxy.cut_at(b"COMMIT", deliver=deliver)
        with (
            pytest.raises(pg.FaultsPostgreSQLCommitUnknownError),
            db.transaction() as tx,
        ):
            tx.execute(INSERT.format(table=table), (block,))
        assert db.fetch_one("SELECT 1 AS up") == {"up": 1}
    assert counts(table, [single, block]) == {single: kept, block: kept}


def test_random_cuts_lose_and_duplicate_no_committed_row(
    pg: ModuleType, table: str, proxy: TcpProxy
) -> None:
    """Many inserts while the proxy cuts every connection at random moments."""
    stop = threading.Event()
    rng = random.Random(11)

    def cutter() -> None:
        while not stop.wait(rng.uniform(0.01, 0.05)):
            proxy.cut()

    committed: list[str] = []
    unknown: list[str] = []
    failed: list[str] = []
    thread = threading.Thread(target=cutter)
    thread.start()
    try:
        with pg.FaultsPostgreSQLClient(config(pg, proxy, max_attempts=6)) as db:
            for _ in range(200):
                written = key()
                try:
                    db.execute(INSERT.format(table=table), (written,))
                except pg.FaultsPostgreSQLCommitUnknownError:
                    unknown.append(written)
                except pg.FaultsPostgreSQLConnectionError:
                    failed.append(written)
                else:
                    committed.append(written)
            retried = db.metrics["execute"].errors
    finally:
        stop.set()
        thread.join()
    assert retried > 0 and len(committed) > 100
    found = counts(table, committed + unknown + failed)
    assert [found[k] for k in committed] == [1] * len(committed)
    assert [found[k] for k in failed] == [0] * len(failed)
    assert all(found[k] <= 1 for k in unknown)


async def async_cuts(pg: ModuleType, proxy: TcpProxy, table: str) -> list[str]:
    written, unknown = key(), key()
    async with pg.AsyncFaultsPostgreSQLClient(config(pg, proxy)) as db:
        assert await db.health_check() is True  # the pool's connection is open before the cut
        timer = cut_after(proxy, 0.15)
        assert await db.execute(SLOW_INSERT.format(table=table), (written,)) == 1
        timer.join()
        proxy.cut_at(b"COMMIT", deliver=True)
        with pytest.raises(pg.FaultsPostgreSQLCommitUnknownError):
            await db.execute(INSERT.format(table=table), (unknown,))
        # the cut statement, its retry (again if it met another cut connection), the commit
        assert db.metrics["execute"].calls >= 3
    return [written, unknown]


def test_the_async_client_recovers_the_same_way(
    pg: ModuleType, table: str, proxy: TcpProxy
) -> None:
    keys = asyncio.run(async_cuts(pg, proxy, table))
    assert counts(table, keys) == dict.fromkeys(keys, 1)
