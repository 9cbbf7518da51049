"""One way to serve a page of a query, with the total for the `X-Pagination` header."""

from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa
from flask_smorest.pagination import PaginationParameters

from api.deps import app_config
from api.extensions import db
from api.http import abort

T = TypeVar("T")


def page_of(
    query: sa.Select[T],
    pagination: PaginationParameters,
    *,
    reverse: bool = False,
    total: sa.Select[int] | None = None,
) -> list[T]:
    """The requested page of `query` (in its order; `reverse` flips the page's items).

    `total` reads how many rows `query` has where that is known without counting them (a
    chat's history: its branch's length); by default they are counted.
    A page past the end is empty without running the query, so absurd page numbers cost
    nothing and never reach the database as huge offsets.
    """
    check_page_size(pagination)
    if total is None:
        total = counting(query)
    if pagination.first_item == 0:  # the usual first page: its rows and the total at once
        return first_page(query, pagination, reverse, total)
    count = db.session.scalar(total) or 0
    pagination.item_count = count
    if pagination.first_item >= count:
        return []
    items = list(
        db.session.scalars(query.offset(pagination.first_item).limit(pagination.page_size))
    )
    return items[::-1] if reverse else items


def check_page_size(pagination: PaginationParameters) -> None:
    """MAX_PAGE_SIZE (at most the documented 100) applies to every paginated listing."""
    largest = app_config().max_page_size
    if pagination.page_size > largest:
        message = f"Must be at most {largest} (MAX_PAGE_SIZE)."
        abort(
            422, f"Invalid input: page_size: {message}", errors={"query": {"page_size": [message]}}
        )


def first_page(
    query: sa.Select[T], pagination: PaginationParameters, reverse: bool, total: sa.Select[int]
) -> list[T]:
    """The first page with the total beside each row, in one statement. The total is an
    uncorrelated subquery (run once, from the index) rather than a window over every row."""
    column = total.correlate(None).scalar_subquery().label("total")
    paged = query.add_columns(column).limit(pagination.page_size)
    rows = db.session.execute(paged).all()
    pagination.item_count = rows[0].total if rows else 0
    items: list[T] = [row[0] for row in rows]
    return items[::-1] if reverse else items


def counting(query: sa.Select[T]) -> sa.Select[int]:
    """How many rows `query` has (its order dropped)."""
    return query.with_only_columns(sa.func.count()).order_by(None)
