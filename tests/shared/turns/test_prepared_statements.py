"""Statements run on the driver's cursor (shared/prepared.py) behave as through SQLAlchemy.

On the test database (SQLite, or PostgreSQL with TEST_DATABASE_URL), against a table of the
column types the turn's statements use, each result is compared with `Connection.execute`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from shared import prepared
from shared.core.db import UTCDateTime, engine_options, sync_url


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


COUNTER = iter(range(1, 10_000))
METADATA = sa.MetaData()
ITEMS = sa.Table(
    "prepared_probe_items",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(40), nullable=False),
    sa.Column(
        "colour", sa.Enum(Colour, native_enum=False, values_callable=lambda e: [m.value for m in e])
    ),
    sa.Column("at", UTCDateTime),
    sa.Column("shown", sa.Boolean, default=True),
    sa.Column("rank", sa.Integer, default=lambda: next(COUNTER)),
    sa.Column("tags", sa.JSON),
)

INSERT = (
    sa.insert(ITEMS)
    .values(
        name=sa.bindparam("p_name", type_=sa.String),
        colour=sa.bindparam("p_colour", type_=ITEMS.c.colour.type),
        at=sa.bindparam("p_at", type_=UTCDateTime),
        tags=sa.bindparam("p_tags", type_=sa.JSON),
    )
    .returning(*ITEMS.c)
)
BY_COLOUR = (
    sa.select(ITEMS.c.id, ITEMS.c.colour, ITEMS.c.at, ITEMS.c.shown, ITEMS.c.tags)
    .where(ITEMS.c.colour == sa.bindparam("p_colour", type_=ITEMS.c.colour.type))
    .order_by(ITEMS.c.id)
)


@pytest.fixture
def connection(database_url: str) -> Iterator[sa.Connection]:
    engine = sa.create_engine(sync_url(database_url), **engine_options(database_url))
    METADATA.drop_all(engine)
    METADATA.create_all(engine)
    with engine.connect() as connection:
        yield connection
        connection.rollback()
    METADATA.drop_all(engine)
    engine.dispose()


def item(name: str, colour: Colour = Colour.RED) -> dict[str, Any]:
    return {
        "p_name": name,
        "p_colour": colour,
        "p_at": datetime(2026, 12, 1, 12, 30, 15, 123456, tzinfo=UTC),
        "p_tags": {"a": [1, 2]},
    }


def test_rows_come_back_as_through_sqlalchemy(connection: sa.Connection) -> None:
    inserted = prepared.first(connection, INSERT, item("first"))
    prepared.run(connection, INSERT, item("second", Colour.BLUE))
    assert inserted.name == "first" and inserted.colour is Colour.RED
    assert inserted.at == datetime(2026, 12, 1, 12, 30, 15, 123456, tzinfo=UTC)
    assert inserted.shown is True and isinstance(inserted.rank, int)  # Python-side defaults
    ours = prepared.run(connection, BY_COLOUR, {"p_colour": Colour.RED})
    theirs = connection.execute(BY_COLOUR, {"p_colour": Colour.RED}).all()
    assert [tuple(row) for row in ours] == [tuple(row) for row in theirs]
    assert ours[0].tags == {"a": [1, 2]} and ours[0].at.tzinfo is UTC


def test_the_engines_cursor_events_see_each_statement(connection: sa.Connection) -> None:
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement.split()[0])

    sa.event.listen(connection.engine, "before_cursor_execute", before)
    try:
        prepared.run(connection, INSERT, item("counted"))
        prepared.run(connection, BY_COLOUR, {"p_colour": Colour.BLUE})
    finally:
        sa.event.remove(connection.engine, "before_cursor_execute", before)
    assert seen == ["INSERT", "SELECT"]


def test_a_driver_error_is_sqlalchemys_and_the_transaction_rolls_back(
    connection: sa.Connection,
) -> None:
    row = prepared.first(connection, INSERT, item("once"))
    duplicate = sa.insert(ITEMS).values(id=sa.bindparam("p_id", type_=sa.Integer), name="again")
    with pytest.raises(sa.exc.IntegrityError):
        prepared.run(connection, duplicate, {"p_id": row.id})
    connection.rollback()
    assert prepared.run(connection, BY_COLOUR, {"p_colour": Colour.RED}) == []


def test_a_missing_parameter_is_refused_before_anything_runs(connection: sa.Connection) -> None:
    with pytest.raises(sa.exc.InvalidRequestError):
        prepared.run(connection, BY_COLOUR, {})


def test_statements_rewritten_per_execution_are_refused(connection: sa.Connection) -> None:
    expanding = sa.select(ITEMS.c.id).where(ITEMS.c.colour.in_([Colour.RED, Colour.BLUE]))
    with pytest.raises(ValueError, match="expanding"):
        prepared.run(connection, expanding, {})
