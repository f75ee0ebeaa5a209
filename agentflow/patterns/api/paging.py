"""How a paginated endpoint's method pages, and the fake pages its generated tests serve."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentflow.patterns import pyrepr
from agentflow.patterns.api.fragments import arguments

__all__ = ["PaginationView"]


@dataclass(frozen=True)
class PaginationView:
    """How a paginated endpoint's method finds the next page, through the client's
    `_page_<style>` walker.

    With a declared item schema, `item_sample` is an item's JSON and `item_parser` what
    makes it the method's item type; the fake pages of tests hold copies of the sample.
    """

    style: str
    method_name: str
    cursor_param: str
    next_field: str
    page_param: str
    has_more_field: str
    id_field: str
    items_field: str | None
    item_sample: Any = None
    item_parser: str = "_as_is"
    item_id_is_number: bool = False

    @property
    def walker(self) -> str:
        """The client method that fetches a page of this style: `_page_link`, …"""
        return f"_page_{self.style}"

    @property
    def kwargs(self) -> str:
        """The keyword arguments the method passes to the client's page walker."""
        extra = {
            "cursor": (("cursor_param", self.cursor_param), ("next_field", self.next_field)),
            "page": (("page_param", self.page_param),),
            "has_more": (
                ("cursor_param", self.cursor_param),
                ("has_more_field", self.has_more_field),
                ("id_field", self.id_field),
            ),
        }.get(self.style, ())
        pairs = (("items_field", self.items_field), *extra)
        return arguments(*(f"{name}={pyrepr(value)}" for name, value in pairs))

    @property
    def replies(self) -> str:
        """The fake service's replies in tests that walk every page: items 1, 2 and 3."""
        first, *rest = self._pages()
        link = ", NEXT_PAGE" if self.style == "link" else ""
        return arguments(f"respond(200, {first}{link})", *(f"respond(200, {b})" for b in rest))

    @property
    def reply_count(self) -> int:
        """How many requests walking every page of `replies` takes."""
        return len(self._pages())

    @property
    def items(self) -> str:
        """The items walking every page of `replies` yields, as code."""
        raw = self._items(1, 2, 3)
        if self.item_sample is None:
            return raw
        return f"[{self.item_parser}(item) for item in {raw}]"

    @property
    def sends_cursor(self) -> bool:
        """Whether each page after the first is asked for with `cursor_param`."""
        return self.style in ("cursor", "has_more")

    @property
    def second_cursor(self) -> str:
        """What the second request of a cursor-style walk sends as `cursor_param`."""
        if self.style != "has_more":
            return "c2"
        return str(self._id(2))

    @property
    def one_item_page(self) -> str:
        """A response body holding the single item 1."""
        return self._page(self._items(1))

    @property
    def last_page(self) -> str:
        """A response body that is the last page: holding item 1, or empty when pages are
        numbered (a page with items may have another after it)."""
        return self._page("[]") if self.style == "page" else self.one_item_page

    def last_page_of(self, item: str) -> str:
        """The last page, holding the one item `item` (code), as code."""
        return self._page(f"[{item}]")

    def _items(self, *numbers: int) -> str:
        """A list of items: the numbers, or objects with those ids for `has_more`; copies
        of the item sample when its schema is declared."""
        if self.style == "has_more":
            base = self.item_sample or {}
            return pyrepr([{**base, self.id_field: self._id(n)} for n in numbers])
        if self.item_sample is not None:
            return pyrepr([self.item_sample for _ in numbers])
        return pyrepr(list(numbers))

    def _id(self, number: int) -> int | str:
        return number if self.item_id_is_number else f"i{number}"

    def _pages(self) -> list[str]:
        """The page bodies of `replies`; page numbering ends at an empty page."""
        pages = [self._page(self._items(1, 2), more=True), self._page(self._items(3))]
        return [*pages, self._page("[]")] if self.style == "page" else pages

    def _page(self, items: str, more: bool = False) -> str:
        """A page body holding the list expression `items`, shaped as this style expects."""
        if self.style == "cursor":
            cursor = f"{pyrepr(self.next_field)}: {pyrepr('c2' if more else None)}"
            return f"{{{pyrepr(self.items_field)}: {items}, {cursor}}}"
        if self.style == "has_more":
            flag = f"{pyrepr(self.has_more_field)}: {pyrepr(more)}"
            return f"{{{pyrepr(self.items_field)}: {items}, {flag}}}"
        if self.items_field:
            return f"{{{pyrepr(self.items_field)}: {items}}}"
        return items
