"""Examples of the PostgreSQL integration; run them with `python examples.py`.

Set POSTGRESQL_URL (and POSTGRESQL_PASSWORD if the database wants a password)
first; without it the examples use postgresql://localhost/dbname.
"""

from __future__ import annotations

import asyncio

from postgresql_adapter import AsyncPostgreSQLClient, PostgreSQLClient, PostgreSQLError


def sync_example() -> None:
    """Ask the server one question, in a transaction, then show the metrics."""
    with PostgreSQLClient() as client:
        try:
            with client.transaction() as tx:
                row = tx.fetch_one("SELECT %s AS answer", (42,))
        except PostgreSQLError as exc:
            print(f"the query failed: {exc}")
            return
        print(row)
        for operation, stats in client.metrics.items():
            print(operation, stats.calls, stats.errors, f"{stats.avg_seconds:.3f}s")


async def async_example() -> None:
    """The same with the async client."""
    async with AsyncPostgreSQLClient() as client:
        try:
            rows = await client.fetch_all("SELECT %(n)s AS n", {"n": 1})
        except PostgreSQLError as exc:
            print(f"the query failed: {exc}")
            return
        print(rows)


if __name__ == "__main__":
    sync_example()
    asyncio.run(async_example())
