"""The sync and async client flavours: the code that differs between the two client classes,
so that one template macro writes both."""

from __future__ import annotations

from dataclasses import dataclass

from agentflow.patterns.api.naming import ClassNames

__all__ = ["ASYNC_CLIENT", "SYNC_CLIENT", "ClientFlavor"]


@dataclass(frozen=True)
class ClientFlavor:
    """What differs between the sync and the async client class, so one macro writes both.

    Each field is the code that differs: the `def` keyword, the `await ` prefix (empty for
    sync), the iterator type, the httpx transport and client classes, the `sleep`
    parameter's type and default, the sleeps handed to `_ClientCore`, the context-manager
    and close methods, the rate limiter's acquire method, the raw-response wrapper and the
    page class.
    """

    is_async: bool
    define: str
    await_: str
    iterator: str
    transport: str
    http_client: str
    sleep_type: str
    default_sleep: str
    core_sleeps: str
    enter: str
    exit: str
    close: str
    acquire: str
    raw_wrapper: str
    page: str

    def class_name(self, names: ClassNames) -> str:
        """This client's class name among `names`."""
        return names.async_client if self.is_async else names.client


SYNC_CLIENT = ClientFlavor(
    is_async=False,
    define="def",
    await_="",
    iterator="Iterator",
    transport="httpx.BaseTransport",
    http_client="httpx.Client",
    sleep_type="Callable[[float], None]",
    default_sleep="time.sleep",
    core_sleeps="sleep=sleep, async_sleep=asyncio.sleep",
    enter="__enter__",
    exit="__exit__",
    close="close",
    acquire="acquire",
    raw_wrapper="_raw",
    page="SyncPage",
)
ASYNC_CLIENT = ClientFlavor(
    is_async=True,
    define="async def",
    await_="await ",
    iterator="AsyncIterator",
    transport="httpx.AsyncBaseTransport",
    http_client="httpx.AsyncClient",
    sleep_type="Callable[[float], Awaitable[None]]",
    default_sleep="asyncio.sleep",
    core_sleeps="sleep=time.sleep, async_sleep=sleep",
    enter="__aenter__",
    exit="__aexit__",
    close="aclose",
    acquire="acquire_async",
    raw_wrapper="_async_raw",
    page="AsyncPage",
)
