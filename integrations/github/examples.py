"""Examples of the GitHub integration; run them with `python examples.py`.

Set GITHUB_TOKEN first. The examples call the real service.
"""

from __future__ import annotations

import asyncio

from github_adapter import AsyncGitHubClient, GitHubClient, GitHubError


def sync_example() -> None:
    """Call one endpoint, then show the per-operation metrics."""
    with GitHubClient() as client:
        try:
            result = client.get_user()
        except GitHubError as exc:
            print(f"the call failed: {exc}")
            return
        print(result)
        for operation, stats in client.metrics.items():
            print(operation, stats.calls, stats.errors, f"{stats.avg_seconds:.3f}s")


def pagination_example(limit: int = 10) -> None:
    """Walk the pages of a listing, stopping after `limit` items."""
    with GitHubClient() as client:
        page = client.list_issues("owner", "repo")
        for count, item in enumerate(page, start=1):
            print(item)
            if count >= limit:
                break


async def async_example() -> None:
    """Make concurrent calls with the async client; the rate limit still applies."""
    async with AsyncGitHubClient() as client:
        results = await asyncio.gather(
            client.get_user(),
            client.get_user(),
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
