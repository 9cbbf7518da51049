"""A turn's writes batched into single statements where the database allows it.

On PostgreSQL, data-modifying statements can be combined in one `WITH` (each runs exactly once,
to completion, in the same snapshot), and a single statement is atomic on its own, so it needs
no BEGIN and COMMIT of its own: finishing a reply and settling its charge is one round trip.
A turn's new rows (question, pending reply, ledger reservation) are likewise one INSERT
statement. SQLite has no data-modifying `WITH`; there the same writes run one by one in a
transaction (in-process, where a statement costs no round trip). These Core statements run on
the session's connection (its transaction), not through `Session.execute`, whose ORM layer
costs more than they do.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.core.db import first_row
from shared.core.models import Message, UsageEvent


def writes_at_once(session: so.Session) -> bool:
    """Whether several writes can go in one statement (PostgreSQL)."""
    return session.get_bind().dialect.name == "postgresql"


@dataclass(frozen=True)
class Inserted:
    question_id: int | None
    reply_id: int | None
    reservation_id: int | None


def insert_turn(
    session: so.Session,
    question: dict[str, Any] | None,
    reply: dict[str, Any] | None,
    reserving: dict[str, Any] | None,
) -> Inserted:
    """INSERT a turn's new rows: its question, its pending reply (after the question when both
    are new) and its ledger reservation. One statement on PostgreSQL, else one per row."""
    if writes_at_once(session):
        return _insert_at_once(session, question, reply, reserving)
    question_id = _insert(session, Message, question)
    if reply is not None and question_id is not None:
        reply = {**reply, "parent_id": question_id}
    return Inserted(
        question_id, _insert(session, Message, reply), _insert(session, UsageEvent, reserving)
    )


def _insert(session: so.Session, model: type[Any], values: dict[str, Any] | None) -> int | None:
    if values is None:
        return None
    keys = tuple(sorted(values))
    return int(first_row(session, _insert_one(model.__table__, keys), values)[0])


# The statements are built once per shape and executed with parameters: building a statement
# with its values costs more CPU than running it.
@functools.cache
def _insert_one(table: sa.Table, keys: tuple[str, ...]) -> sa.Insert:
    values = {k: sa.bindparam(k, type_=table.c[k].type) for k in keys}
    return sa.insert(table).values(values).returning(table.c.id)


Keys = tuple[str, ...] | None


def _insert_at_once(
    session: so.Session,
    question: dict[str, Any] | None,
    reply: dict[str, Any] | None,
    reserving: dict[str, Any] | None,
) -> Inserted:
    shape = (_keys(question), _keys(reply, skip="parent_id" if question else ""), _keys(reserving))
    params: dict[str, Any] = {}
    for prefix, values in zip(PREFIXES, (question, reply, reserving), strict=True):
        params.update({f"{prefix}{key}": value for key, value in (values or {}).items()})
    row = first_row(session, _turn_insert(shape), params)
    return Inserted(row[0], row[1], row[2])


PREFIXES = ("q_", "r_", "u_")


def _keys(values: dict[str, Any] | None, skip: str = "") -> Keys:
    return None if values is None else tuple(sorted(k for k in values if k != skip))


@functools.cache
def _turn_insert(shape: tuple[Keys, Keys, Keys]) -> sa.Select[Any, Any, Any]:
    """WITH asked AS (INSERT question), answered AS (INSERT reply after it), reserved AS
    (INSERT ledger row) SELECT their ids; a part whose keys are None is left out."""
    ids: list[sa.ScalarSelect[Any] | sa.Null] = []
    ctes: list[sa.CTE] = []
    messages, ledger = cast(sa.Table, Message.__table__), cast(sa.Table, UsageEvent.__table__)
    tables = (messages, messages, ledger)
    asked: sa.CTE | None = None
    for name, prefix, table, keys in zip(
        ("asked", "answered", "reserved"), PREFIXES, tables, shape, strict=True
    ):
        if keys is None:
            ids.append(sa.null())
            continue
        values: dict[str, Any] = {k: sa.bindparam(prefix + k, type_=table.c[k].type) for k in keys}
        if name == "answered" and asked is not None:  # the reply follows the question just added
            values["parent_id"] = sa.select(asked.c.id).scalar_subquery()
        cte = sa.insert(table).values(values).returning(table.c.id).cte(name)
        asked = cte if name == "asked" else asked
        ctes.append(cte)
        ids.append(sa.select(cte.c.id).scalar_subquery())
    return sa.select(*ids).add_cte(*ctes)
