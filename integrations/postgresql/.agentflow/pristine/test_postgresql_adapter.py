"""Tests of the PostgreSQL client.

Offline against a temporary SQLite file; with POSTGRESQL_URL set, the `live`
tests also run against that database, in a schema of their own dropped at the end.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from psycopg import errors as pg_errors
from psycopg.pq import TransactionStatus

from postgresql_adapter import (
    PASSWORD_ENV,
    URL_ENV,
    AsyncPostgreSQLClient,
    CircuitOpenError,
    ConfigurationError,
    PostgreSQLClient,
    PostgreSQLCommitUnknownError,
    PostgreSQLConfig,
    PostgreSQLConnectionError,
    PostgreSQLError,
    PostgreSQLIntegrityError,
    PostgreSQLQueryError,
    PostgreSQLTimeoutError,
    PostgreSQLTransientError,
)

SECRET = "fake-Pa55word-for-tests"


def sqlite_config(path: Path, **options: Any) -> PostgreSQLConfig:
    """A temporary SQLite file; three attempts without waiting unless `options` say else."""
    options = {"max_attempts": 3, "backoff_base": 0, **options}
    return PostgreSQLConfig(url=f"sqlite:///{path / 'test.db'}", **options)


@pytest.fixture
def client(tmp_path: Path) -> Any:
    with PostgreSQLClient(sqlite_config(tmp_path)) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        yield db


def failing_run(client: Any, message: str, failures: int) -> list[int]:
    """Make the next `failures` statements fail with sqlite3's `message`; counts calls."""
    calls: list[int] = []
    real = client._backend.run

    def run(*args: Any) -> Any:
        calls.append(1)
        if len(calls) <= failures:
            raise sqlite3.OperationalError(message)
        return real(*args)

    client._backend.run = run
    return calls


def test_execute_and_fetch_rows_as_dicts(client: Any) -> None:
    assert (
        client.execute("INSERT INTO notes (id, body) VALUES (%s, %s)", (1, "one")) == 1
    )
    client.execute(
        "INSERT INTO notes (id, body) VALUES (%(id)s, %(b)s)", {"id": 2, "b": "two"}
    )
    assert client.fetch_one("SELECT * FROM notes WHERE id = %s", (2,)) == {
        "id": 2,
        "body": "two",
    }
    assert client.fetch_all("SELECT id FROM notes ORDER BY id") == [
        {"id": 1},
        {"id": 2},
    ]
    assert client.fetch_one("SELECT * FROM notes WHERE id = %s", (9,)) is None
    assert client.execute("DELETE FROM notes") == 2


def test_values_travel_as_parameters_only(client: Any) -> None:
    hostile = "x'); DROP TABLE notes; --"
    client.execute("INSERT INTO notes (id, body) VALUES (%s, %s)", (1, hostile))
    assert client.fetch_one("SELECT body FROM notes") == {"body": hostile}
    row = client.fetch_one("SELECT %s || '%%' AS pct", ("5",))
    assert row == {"pct": "5%"}
    assert client.fetch_one("SELECT '100%' AS raw") == {"raw": "100%"}


def test_transaction_commits_at_the_end(client: Any) -> None:
    with client.transaction() as tx:
        tx.execute("INSERT INTO notes (id, body) VALUES (%s, %s)", (1, "a"))
        assert tx.fetch_one("SELECT body FROM notes") == {"body": "a"}
        assert tx.fetch_all("SELECT id FROM notes") == [{"id": 1}]
    assert client.fetch_all("SELECT id FROM notes") == [{"id": 1}]
    assert client.metrics["transaction"].calls == 1


def test_transaction_rolls_back_on_an_error(client: Any) -> None:
    with pytest.raises(ValueError), client.transaction() as tx:
        tx.execute("INSERT INTO notes (id, body) VALUES (%s, %s)", (1, "a"))
        raise ValueError("stop")
    assert client.fetch_all("SELECT * FROM notes") == []
    with pytest.raises(PostgreSQLIntegrityError), client.transaction() as tx:
        tx.execute("INSERT INTO notes (id, body) VALUES (%s, %s)", (2, "b"))
        tx.execute("INSERT INTO notes (id, body) VALUES (%s, %s)", (2, "b"))
    assert client.fetch_all("SELECT * FROM notes") == []


def test_a_constraint_violation_is_never_retried(client: Any) -> None:
    client.execute("INSERT INTO notes (id, body) VALUES (%s, %s)", (1, "a"))
    calls = failing_run(client, "unused", 0)
    with pytest.raises(PostgreSQLIntegrityError) as caught:
        client.execute("INSERT INTO notes (id, body) VALUES (%s, %s)", (1, "a"))
    assert caught.value.operation == "execute"
    assert len(calls) == 1
    assert client.circuit_state == "closed"


def test_transient_errors_are_retried(client: Any) -> None:
    calls = failing_run(client, "database is locked", 2)
    assert client.fetch_one("SELECT 1 AS one") == {"one": 1}
    assert len(calls) == 3
    assert (client.metrics["fetch_one"].calls, client.metrics["fetch_one"].errors) == (
        3,
        2,
    )


def test_transient_errors_raise_once_attempts_are_spent(tmp_path: Path) -> None:
    with PostgreSQLClient(sqlite_config(tmp_path, max_attempts=2)) as db:
        calls = failing_run(db, "database is locked", 5)
        with pytest.raises(PostgreSQLTransientError):
            db.fetch_all("SELECT 1")
        assert len(calls) == 2


def lost_commit(backend: Any) -> list[bool]:
    """Make each COMMIT happen, then fail as if the connection dropped before its answer."""
    commits: list[bool] = []
    real = backend.release

    def release(conn: Any, *, commit: bool) -> None:
        real(conn, commit=commit)
        if commit:
            commits.append(True)
            raise sqlite3.OperationalError("disk I/O error")

    backend.release = release
    return commits


def test_a_connection_lost_at_commit_is_reported_and_never_retried(client: Any) -> None:
    calls = failing_run(client, "disk I/O error", 1)
    client.execute("INSERT INTO notes (id, body) VALUES (%s, %s)", (1, "before commit"))
    assert len(calls) == 2  # lost before COMMIT: nothing was applied, so it is retried
    commits = lost_commit(client._backend)
    with pytest.raises(
        PostgreSQLCommitUnknownError, match="outcome is unknown"
    ) as caught:
        client.execute("INSERT INTO notes (id, body) VALUES (%s, %s)", (2, "at commit"))
    assert (caught.value.operation, commits) == ("execute", [True])
    with pytest.raises(PostgreSQLCommitUnknownError), client.transaction() as tx:
        tx.execute("INSERT INTO notes (id, body) VALUES (%s, %s)", (3, "in a block"))
    assert commits == [True, True]
    del client._backend.release
    assert client.fetch_all("SELECT id FROM notes ORDER BY id") == [
        {"id": i} for i in (1, 2, 3)
    ]


def test_the_circuit_opens_after_repeated_failures(tmp_path: Path) -> None:
    config = sqlite_config(tmp_path, max_attempts=1, failure_threshold=2)
    with PostgreSQLClient(config) as db:
        failing_run(db, "database is locked", 5)
        for _ in range(2):
            with pytest.raises(PostgreSQLTransientError):
                db.fetch_all("SELECT 1")
        with pytest.raises(CircuitOpenError):
            db.fetch_all("SELECT 1")
        assert db.circuit_state == "open"


def test_the_circuit_lets_a_trial_call_through_after_the_reset_timeout(
    tmp_path: Path,
) -> None:
    config = sqlite_config(
        tmp_path, max_attempts=1, failure_threshold=1, reset_timeout=0
    )
    with PostgreSQLClient(config) as db:
        failing_run(db, "database is locked", 1)
        with pytest.raises(PostgreSQLTransientError):
            db.fetch_all("SELECT 1")
        assert db.circuit_state == "half_open"
        assert db.fetch_all("SELECT 1 AS one") == [{"one": 1}]
        assert db.circuit_state == "closed"


def test_errors_survive_pickling() -> None:
    error = PostgreSQLIntegrityError("execute: duplicate key", operation="execute")
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.operation) == (
        type(error),
        str(error),
        "execute",
    )
    assert "operation='execute'" in repr(copy)


def test_a_slow_statement_times_out(client: Any) -> None:
    slow = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
        "SELECT count(*) AS c FROM n"
    )
    with pytest.raises(PostgreSQLTimeoutError):
        client.fetch_one(slow, timeout=0.05)
    assert client.fetch_one("SELECT 2 AS two") == {"two": 2}


def test_a_bad_statement_is_a_query_error(client: Any) -> None:
    with pytest.raises(PostgreSQLQueryError):
        client.fetch_all("SELECT * FROM missing_table")
    with pytest.raises(PostgreSQLQueryError):
        client.fetch_all("SELECT %s AS a", ())


def test_an_unreachable_database_is_a_connection_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing' / 'db.sqlite'}"
    with PostgreSQLClient(
        PostgreSQLConfig(url=url, max_attempts=3, backoff_base=0)
    ) as db:
        assert db.health_check() is False
        assert db.metrics["health_check"].calls == 1  # a health check never retries
        with pytest.raises(PostgreSQLConnectionError):
            db.fetch_all("SELECT 1")
        assert db.metrics["fetch_all"].calls == 3


def test_health_check_answers(client: Any) -> None:
    assert client.health_check() is True


def test_the_pool_holds_at_most_pool_size_connections(tmp_path: Path) -> None:
    config = sqlite_config(tmp_path, pool_size=1, connect_timeout=0.05, max_attempts=1)
    with (
        PostgreSQLClient(config) as db,
        db.transaction(),
        pytest.raises(PostgreSQLConnectionError),
    ):
        db.fetch_one("SELECT 1")


def test_a_closed_client_refuses_calls(tmp_path: Path) -> None:
    db = PostgreSQLClient(sqlite_config(tmp_path))
    db.close()
    db.close()
    with pytest.raises(PostgreSQLError):
        db.fetch_all("SELECT 1")


def test_configuration_from_the_environment_keeps_the_password_apart() -> None:
    config = PostgreSQLConfig.from_env(
        {URL_ENV: "sqlite:///env.db", PASSWORD_ENV: SECRET}
    )
    assert (config.url, config.password) == ("sqlite:///env.db", SECRET)
    assert SECRET not in repr(config)
    default = PostgreSQLConfig.from_env({})
    assert default.password is None and "None" in repr(default)
    with pytest.raises(ConfigurationError):
        PostgreSQLConfig(url="ftp://example.com/db")
    with pytest.raises(ConfigurationError):
        PostgreSQLConfig(url="sqlite:///x.db", pool_size=0)


def test_the_default_client_reads_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(URL_ENV, f"sqlite:///{tmp_path / 'env.db'}")
    with PostgreSQLClient() as db:
        assert db.config.url.endswith("env.db")
        assert db.fetch_one("SELECT 3 AS three") == {"three": 3}


async def async_roundtrip(path: Path) -> None:
    async with AsyncPostgreSQLClient(sqlite_config(path)) as db:
        await db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        assert await db.execute("INSERT INTO notes VALUES (%s, %s)", (1, "a")) == 1
        assert await db.fetch_one("SELECT body FROM notes") == {"body": "a"}
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO notes VALUES (%(id)s, %(b)s)", {"id": 2, "b": "b"}
            )
            assert await tx.fetch_one("SELECT count(*) AS n FROM notes") == {"n": 2}
            assert len(await tx.fetch_all("SELECT * FROM notes")) == 2
        with pytest.raises(ValueError):
            async with db.transaction() as tx:
                await tx.execute("DELETE FROM notes")
                raise ValueError("stop")
        with pytest.raises(PostgreSQLIntegrityError):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO notes VALUES (%s, %s)", (1, "again"))
        assert await db.fetch_all("SELECT id FROM notes ORDER BY id") == [
            {"id": 1},
            {"id": 2},
        ]
        with pytest.raises(PostgreSQLQueryError):
            await db.fetch_all("SELECT * FROM missing_table")
        assert await db.health_check() is True
        assert db.metrics["transaction"].calls == 3
    with pytest.raises(PostgreSQLError):
        await db.fetch_all("SELECT 1")


def test_the_async_client_does_what_the_sync_one_does(tmp_path: Path) -> None:
    asyncio.run(async_roundtrip(tmp_path))


async def async_retries(path: Path) -> None:
    async with AsyncPostgreSQLClient(sqlite_config(path, max_attempts=2)) as db:
        calls = failing_run(db._backend, "database is locked", 1)
        assert await db.fetch_one("SELECT 1 AS one") == {"one": 1}
        assert len(calls) == 2
        calls = failing_run(db._backend, "database is locked", 2)
        with pytest.raises(PostgreSQLTransientError):
            await db.fetch_one("SELECT 1 AS one")
        assert len(calls) == 2
    bad = PostgreSQLConfig(url=f"sqlite:///{path / 'no' / 'db'}", max_attempts=1)
    async with AsyncPostgreSQLClient(bad) as db:
        assert await db.health_check() is False


def test_the_async_client_retries_transient_errors(tmp_path: Path) -> None:
    asyncio.run(async_retries(tmp_path))


async def async_lost_commit(path: Path) -> None:
    async with AsyncPostgreSQLClient(sqlite_config(path)) as db:
        await db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
        commits = lost_commit(db._backend._backend)
        with pytest.raises(PostgreSQLCommitUnknownError):
            await db.execute("INSERT INTO notes (id) VALUES (%s)", (1,))
        with pytest.raises(PostgreSQLCommitUnknownError):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO notes (id) VALUES (%s)", (2,))
        assert commits == [True, True]
        del db._backend._backend.release
        assert await db.fetch_all("SELECT id FROM notes ORDER BY id") == [
            {"id": 1},
            {"id": 2},
        ]


def test_the_async_client_never_retries_a_lost_commit(tmp_path: Path) -> None:
    asyncio.run(async_lost_commit(tmp_path))


def test_a_postgresql_url_keeps_its_password_apart() -> None:
    config = PostgreSQLConfig(url=f"postgresql://app:{SECRET}@localhost:5432/app")
    assert config.engine == "postgresql"
    assert (config.url, config.password) == (
        "postgresql://app@localhost:5432/app",
        SECRET,
    )
    assert SECRET not in repr(config)


@pytest.mark.parametrize(
    ("driver_error", "expected"),
    [
        (pg_errors.QueryCanceled, PostgreSQLTimeoutError),
        (pg_errors.UniqueViolation, PostgreSQLIntegrityError),
        (pg_errors.DeadlockDetected, PostgreSQLTransientError),
        (pg_errors.SerializationFailure, PostgreSQLTransientError),
        (pg_errors.AdminShutdown, PostgreSQLConnectionError),
        (pg_errors.UndefinedTable, PostgreSQLQueryError),
    ],
)
def test_psycopg_errors_become_the_package_errors(
    tmp_path: Path, driver_error: type[Exception], expected: type[Exception]
) -> None:
    url = f"postgresql://app:{SECRET}@127.0.0.1:1/app"
    with PostgreSQLClient(PostgreSQLConfig(url=url)) as db:
        error = db._backend.error(driver_error(f"failed for {SECRET}"), "execute")
        assert type(error) is expected
        assert SECRET not in str(error)
        assert db._backend.error(ValueError("not the driver's"), "execute") is None


def test_an_unreachable_server_is_a_connection_error_without_the_password() -> None:
    url = f"postgresql://app:{SECRET}@127.0.0.1:1/app"
    config = PostgreSQLConfig(url=url, connect_timeout=0.2, max_attempts=1)
    with PostgreSQLClient(config) as db:
        with pytest.raises(PostgreSQLConnectionError) as caught:
            db.fetch_one("SELECT 1")
        assert SECRET not in str(caught.value)
        assert db.health_check() is False


async def async_unreachable(config: PostgreSQLConfig) -> None:
    async with AsyncPostgreSQLClient(config) as db:
        with pytest.raises(PostgreSQLConnectionError):
            await db.fetch_one("SELECT 1")


def test_the_async_client_reports_an_unreachable_server() -> None:
    config = PostgreSQLConfig(
        url="postgresql://app@127.0.0.1:1/app", connect_timeout=0.2, max_attempts=1
    )
    asyncio.run(async_unreachable(config))


class FakeCursor:
    def __init__(self, rows: list[dict[str, Any]] | None) -> None:
        self.description = None if rows is None else [("n",)]
        self.rowcount = 7
        self.rows = rows or []

    def fetchall(self) -> list[dict[str, Any]]:
        return self.rows

    async def afetchall(self) -> list[dict[str, Any]]:
        return self.rows


class FakePgConn:
    def __init__(self) -> None:
        self.transaction_status = TransactionStatus.IDLE


class FakeConnection:
    """Records what the backend sends, one list per round trip (a pipeline is one); the
    live and fault tests send it to the real server."""

    def __init__(self, rows: list[dict[str, Any]] | None) -> None:
        self.trips: list[list[str]] = []
        self.rows = rows
        self.broken = False
        self.pgconn = FakePgConn()
        self.piped = False

    @property
    def sent(self) -> list[str]:
        return [sql for trip in self.trips for sql in trip]

    def execute(self, sql: str, params: Any = None) -> FakeCursor:
        if not self.piped:
            self.trips.append([])
        timeout = "statement_timeout" in sql
        self.trips[-1].append(f"SET {params[0]}" if timeout else sql)
        if sql == "BEGIN":
            self.pgconn.transaction_status = TransactionStatus.INTRANS
        return FakeCursor(self.rows)

    @contextmanager
    def pipeline(self) -> Iterator[None]:
        self.trips.append([])
        self.piped = True
        try:
            yield
        finally:
            self.piped = False

    def commit(self) -> None:
        self.end("COMMIT")

    def rollback(self) -> None:
        self.end("ROLLBACK")

    def end(self, sql: str) -> None:
        self.trips.append([sql])
        self.pgconn.transaction_status = TransactionStatus.IDLE


class AsyncFakeConnection(FakeConnection):
    async def execute(self, sql: str, params: Any = None) -> Any:  # type: ignore[override]
        cursor = FakeConnection.execute(self, sql, params)
        cursor.fetchall = cursor.afetchall  # type: ignore[method-assign, assignment]
        return cursor

    @asynccontextmanager
    async def pipeline(self) -> AsyncIterator[None]:  # type: ignore[override]
        with FakeConnection.pipeline(self):
            yield

    async def commit(self) -> None:  # type: ignore[override]
        FakeConnection.commit(self)

    async def rollback(self) -> None:  # type: ignore[override]
        FakeConnection.rollback(self)


def offline_backend(db: Any) -> Any:
    """The client's PostgreSQL backend, its pool taking back connections without a server."""

    def putconn(conn: Any) -> None:
        return None

    async def aputconn(conn: Any) -> None:
        return None

    backend = db._backend
    backend._pool.putconn = (
        aputconn if isinstance(db, AsyncPostgreSQLClient) else putconn
    )
    return backend


OFFLINE_URL = "postgresql://app@127.0.0.1:1/app"


def test_a_read_is_one_round_trip_and_a_write_commits_after_its_own() -> None:
    with PostgreSQLClient(PostgreSQLConfig(url=OFFLINE_URL)) as db:
        backend = offline_backend(db)
        read = FakeConnection([{"n": 1}])
        assert backend.run(read, "SELECT %s AS n", (1,), 1.5) == ([{"n": 1}], 1)
        backend.release(read, commit=True)
        backend.run(read, "SELECT 2", None, 1.5)
        backend.release(read, commit=True)
        assert read.trips == [["SET 1500ms", "SELECT %s AS n"], ["SELECT 2"]]
        write = FakeConnection(None)
        assert backend.run(write, "DELETE FROM t WHERE k = %s", (1,), 1.5) == ([], 7)
        backend.release(write, commit=True)
        backend.run(write, "DELETE FROM t", None, 1.5)
        backend.release(write, commit=False)
        assert write.trips == [
            ["BEGIN", "SET 1500ms", "DELETE FROM t WHERE k = %s"],
            ["COMMIT"],
            ["BEGIN", "DELETE FROM t"],
            ["ROLLBACK"],
        ]


@pytest.mark.parametrize(
    ("sql", "read"),
    [
        ("SELECT id FROM t WHERE id = %s", True),
        ("  -- a note\n/* (a) */ (select 1) UNION (select 2);", True),
        ("SHOW search_path", True),
        ("VALUES (1), (2)", True),
        ("TABLE t", True),
        ("EXPLAIN SELECT 1", True),
        ("EXPLAIN ANALYZE DELETE FROM t", False),
        ("explain (analyse) select 1", False),
        ("SELECT * INTO t2 FROM t", False),
        ("WITH gone AS (DELETE FROM t RETURNING *) SELECT * FROM gone", False),
        ("SELECTED", False),
        ("INSERT INTO t VALUES (1)", False),
        ("update t SET k = 1", False),
        ("CREATE TABLE t2 (k int)", False),
        ("SELECT 1; DELETE FROM t", False),
    ],
)
def test_only_a_read_runs_outside_a_transaction(sql: str, read: bool) -> None:
    with PostgreSQLClient(PostgreSQLConfig(url=OFFLINE_URL)) as db:
        backend = offline_backend(db)
        conn = FakeConnection(None)
        backend.run(conn, sql, None, 1.0)
        backend.release(conn, commit=True)
        began = conn.trips[0][0] == "BEGIN"
        assert (began, conn.trips[-1] == ["COMMIT"]) == (not read, not read)
        assert (
            conn.trips[-2 if began else -1][-1] == sql
        )  # the statement, as it was given


def test_a_script_of_several_statements_is_sent_after_its_begin() -> None:
    with PostgreSQLClient(PostgreSQLConfig(url=OFFLINE_URL)) as db:
        backend = offline_backend(db)
        conn = FakeConnection(None)
        backend.run(conn, "DELETE FROM a; DELETE FROM b", None, 2.0)
        backend.release(conn, commit=True)
        assert conn.trips == [
            ["BEGIN"],
            ["SET 2000ms"],
            ["DELETE FROM a; DELETE FROM b"],
            ["COMMIT"],
        ]


def test_the_timeout_is_sent_only_when_the_connection_lacks_it() -> None:
    with PostgreSQLClient(PostgreSQLConfig(url=OFFLINE_URL)) as db:
        backend = offline_backend(db)
        conn = FakeConnection([{"n": 1}])
        for timeout in (1.5, 1.5, 2.0):
            backend.run(conn, "SELECT 1", None, timeout)
        backend.release(conn, commit=True)
        backend.run(conn, "SELECT 1", None, 2.0)
        backend.release(conn, commit=False)  # a failed call may have undone the setting
        backend.run(conn, "SELECT 1", None, 2.0)
        backend.release(conn, commit=True)
        backend.run(conn, "INSERT INTO t VALUES (1)", None, 2.0)
        backend.release(conn, commit=False)  # a rollback may undo a setting sent in it
        backend.run(conn, "SELECT 1", None, 2.0)
        timeouts = [sql for sql in conn.sent if sql.startswith("SET")]
        assert timeouts == ["SET 1500ms", "SET 2000ms", "SET 2000ms", "SET 2000ms"]


async def async_backend(db: AsyncPostgreSQLClient) -> None:
    backend = offline_backend(db)
    read = AsyncFakeConnection([{"n": 1}])
    assert await backend.run(read, "SELECT %s AS n", (1,), 0.25) == ([{"n": 1}], 1)
    await backend.release(read, commit=True)
    await backend.run(read, "SELECT 1", None, 0.25)
    await backend.release(read, commit=False)  # forgotten: sent again
    await backend.run(read, "SELECT 1", None, 0.25)
    await backend.release(read, commit=True)
    assert read.trips == [
        ["SET 250ms", "SELECT %s AS n"],
        ["SELECT 1"],
        ["SET 250ms", "SELECT 1"],
    ]
    write = AsyncFakeConnection(None)
    assert await backend.run(write, "DELETE FROM t", None, 1) == ([], 7)
    await backend.release(write, commit=True)
    await backend.run(write, "DELETE FROM a; DELETE FROM b", None, 1)
    await backend.release(write, commit=False)
    assert write.trips == [
        ["BEGIN", "SET 1000ms", "DELETE FROM t"],
        ["COMMIT"],
        ["BEGIN"],
        ["DELETE FROM a; DELETE FROM b"],
        ["ROLLBACK"],
    ]


def test_the_async_postgresql_backend_reads_and_writes_as_the_sync_one() -> None:
    db = AsyncPostgreSQLClient(PostgreSQLConfig(url=OFFLINE_URL))
    asyncio.run(async_backend(db))


LIVE_URL = os.environ.get(URL_ENV)
live = pytest.mark.skipif(not LIVE_URL, reason=f"{URL_ENV} is not set")


@pytest.fixture(scope="module")
def live_db() -> Iterator[tuple[PostgreSQLClient, str]]:
    """A client of the real database and a schema of its own, dropped at the end."""
    schema = f"agentflow_test_{uuid.uuid4().hex[:12]}"
    with PostgreSQLClient() as db:
        db.execute(f"CREATE SCHEMA {schema}")
        try:
            db.execute(
                f"CREATE TABLE {schema}.items (id integer PRIMARY KEY, name text)"
            )
            yield db, schema
        finally:
            db.execute(f"DROP SCHEMA {schema} CASCADE")


@live
@pytest.mark.live
def test_live_roundtrip_and_transactions(live_db: tuple[PostgreSQLClient, str]) -> None:
    db, schema = live_db
    assert db.health_check() is True
    db.execute(f"INSERT INTO {schema}.items (id, name) VALUES (%s, %s)", (1, "one"))
    row = db.fetch_one(f"SELECT * FROM {schema}.items WHERE id = %(id)s", {"id": 1})
    assert row == {"id": 1, "name": "one"}
    with pytest.raises(ValueError), db.transaction() as tx:
        tx.execute(f"INSERT INTO {schema}.items (id, name) VALUES (%s, %s)", (2, "two"))
        raise ValueError("roll back")
    with db.transaction() as tx:
        tx.execute(
            f"INSERT INTO {schema}.items (id, name) VALUES (%s, %s)", (3, "three")
        )
    ids = db.fetch_all(f"SELECT id FROM {schema}.items ORDER BY id")
    assert ids == [{"id": 1}, {"id": 3}]


@live
@pytest.mark.live
def test_live_errors_are_typed(live_db: tuple[PostgreSQLClient, str]) -> None:
    db, schema = live_db
    db.execute(f"INSERT INTO {schema}.items (id, name) VALUES (%s, %s)", (10, "x"))
    with pytest.raises(PostgreSQLIntegrityError):
        db.execute(f"INSERT INTO {schema}.items (id, name) VALUES (%s, %s)", (10, "x"))
    with pytest.raises(PostgreSQLTimeoutError):
        db.fetch_one("SELECT pg_sleep(2)", timeout=0.2)
    with pytest.raises(PostgreSQLQueryError):
        db.fetch_all(f"SELECT * FROM {schema}.missing")
    assert db.fetch_one("SELECT 1 AS one") == {"one": 1}


@live
@pytest.mark.live
def test_live_each_call_runs_under_its_own_timeout(
    live_db: tuple[PostgreSQLClient, str],
) -> None:
    db = live_db[0]
    show = "SELECT current_setting('statement_timeout') AS t"
    for timeout, shown in ((1.5, "1500ms"), (1.5, "1500ms"), (2.25, "2250ms")):
        assert db.fetch_one(show, timeout=timeout) == {"t": shown}
    with pytest.raises(ValueError), db.transaction(timeout=3.5) as tx:
        assert tx.fetch_one(show) == {"t": "3500ms"}
        raise ValueError("roll back")
    assert db.fetch_one(show, timeout=3.5) == {"t": "3500ms"}
    assert db.fetch_one(show, timeout=2.25) == {"t": "2250ms"}


@live
@pytest.mark.live
def test_live_a_connection_cut_by_the_server_is_retried(
    live_db: tuple[PostgreSQLClient, str],
) -> None:
    db, schema = live_db
    one = PostgreSQLConfig(
        url=os.environ[URL_ENV], password=os.environ.get(PASSWORD_ENV), pool_size=1
    )
    with PostgreSQLClient(one) as victim, PostgreSQLClient() as admin:
        pid = victim.fetch_one("SELECT pg_backend_pid() AS pid")
        assert pid is not None
        admin.execute("SELECT pg_terminate_backend(%s)", (pid["pid"],))
        victim.execute(
            f"INSERT INTO {schema}.items (id, name) VALUES (%s, %s)", (30, "kept")
        )
        assert victim.metrics["execute"].errors == 1  # the cut connection, then a retry
    rows = db.fetch_all(f"SELECT name FROM {schema}.items WHERE id = %s", (30,))
    assert rows == [{"name": "kept"}]


async def async_live(schema: str) -> None:
    async with AsyncPostgreSQLClient() as db:
        assert await db.health_check() is True
        await db.execute(
            f"INSERT INTO {schema}.items (id, name) VALUES (%s, %s)", (20, "a")
        )
        async with db.transaction() as tx:
            await tx.execute(
                f"UPDATE {schema}.items SET name = %s WHERE id = %s", ("b", 20)
            )
        row = await db.fetch_one(
            f"SELECT name FROM {schema}.items WHERE id = %s", (20,)
        )
        assert row == {"name": "b"}
        with pytest.raises(PostgreSQLIntegrityError):
            await db.execute(f"INSERT INTO {schema}.items (id) VALUES (%s)", (20,))
        with pytest.raises(PostgreSQLTimeoutError):
            await db.fetch_one("SELECT pg_sleep(2)", timeout=0.2)


@live
@pytest.mark.live
def test_live_async_client(live_db: tuple[PostgreSQLClient, str]) -> None:
    asyncio.run(async_live(live_db[1]))
