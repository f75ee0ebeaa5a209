"""Examples of the Stripe integration; run them with `python examples.py`.

Set STRIPE_API_KEY first. The examples call the real service.
"""

from __future__ import annotations

import asyncio

from stripe_adapter import AsyncStripeClient, StripeClient, StripeError


def sync_example() -> None:
    """Call one endpoint, then show the per-operation metrics."""
    with StripeClient() as client:
        try:
            result = client.list_charges()
        except StripeError as exc:
            print(f"the call failed: {exc}")
            return
        print(result)
        for operation, stats in client.metrics.items():
            print(operation, stats.calls, stats.errors, f"{stats.avg_seconds:.3f}s")


def pagination_example(limit: int = 10) -> None:
    """Walk the pages of a listing, stopping after `limit` items."""
    with StripeClient() as client:
        page = client.list_charges()
        for count, item in enumerate(page, start=1):
            print(item)
            if count >= limit:
                break


async def async_example() -> None:
    """Make concurrent calls with the async client; the rate limit still applies."""
    async with AsyncStripeClient() as client:
        results = await asyncio.gather(
            client.list_charges(),
            client.list_charges(),
            return_exceptions=True,
        )
        for result in results:
            print(result)


def main() -> None:
    """Run every example in turn."""
    sync_example()
    pagination_example()
    asyncio.run(async_example())


if __name__ == "__main__":
    main()
