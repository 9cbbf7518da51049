"""The turn tree of a chat: messages follow a parent; siblings are versions; one branch is shown.

The shown branch is the chain of messages with `selected` set. It is chronological (a child is
always written after its parent), so its newest messages come from the history index like a
plain chat's, and changing it touches only the part that changes: the cost of a turn does not
grow with the length of the chat or the number of its branches.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Protocol, cast

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.core.db import all_rows
from shared.core.models import Message, MessageBy, MessageStatus

NEWEST_FIRST = (Message.created_at.desc(), Message.id.desc())
OLDEST_FIRST = (Message.created_at, Message.id)
# What the model sees of a reply: finished text (a stopped reply's partial text counts).
IN_CONTEXT = (MessageStatus.COMPLETE, MessageStatus.STOPPED)


def shown_branch(chat_id: int) -> sa.Select[Message]:
    """The messages of the branch the chat shows, unordered."""
    return sa.select(Message).where(shown(chat_id))


def branch_length(chat_id: int) -> sa.Select[int]:
    """How many messages the shown branch has: the depth of its tip (the branch runs from a
    first message to it), one index lookup however long the chat is."""
    return sa.select(Message.depth).where(shown(chat_id)).order_by(*NEWEST_FIRST).limit(1)


def shown(chat_id: int) -> sa.ColumnElement[bool]:
    return sa.and_(Message.chat_id == chat_id, Message.selected.is_(True))


def branch_tip(session: so.Session, chat_id: int) -> Message | None:
    """The newest message of the shown branch: where the next question goes."""
    return session.scalar(shown_branch(chat_id).order_by(*NEWEST_FIRST).limit(1))


class BranchEnd(Protocol):
    """A message of the shown branch as `branch_end` reads it."""

    id: int
    message_by: MessageBy
    content: str
    status: MessageStatus
    has_children: bool
    depth: int


def branch_end(session: so.Session, chat_id: int, limit: int) -> Sequence[BranchEnd]:
    """The newest `limit` messages of the shown branch, newest first (its tip first), with
    whether each has children and its depth: the columns a turn needs, in one statement, no
    ORM objects."""
    params = {"branch_chat": chat_id, "branch_limit": limit}
    return cast(Sequence[BranchEnd], all_rows(session, _BRANCH_END, params))


def _branch_end() -> sa.Select[int, MessageBy, str, MessageStatus, bool, int]:
    """Built once (an aliased subquery costs more to build than to run), run with parameters."""
    child = so.aliased(Message)
    has_children = sa.exists().where(child.parent_id == Message.id).label("has_children")
    columns = (
        Message.id,
        Message.message_by,
        Message.content,
        Message.status,
        has_children,
        Message.depth,
    )
    return (
        sa.select(*columns)
        .where(
            Message.chat_id == sa.bindparam("branch_chat", type_=sa.Integer),
            Message.selected.is_(True),
        )
        .order_by(*NEWEST_FIRST)
        .limit(sa.bindparam("branch_limit", type_=sa.Integer))
    )


_BRANCH_END = _branch_end()


def in_context(newest_first: Sequence[BranchEnd]) -> list[BranchEnd]:
    """What the model may see of them: questions, and replies with finished text."""
    return [row for row in newest_first if row.status in IN_CONTEXT]


def siblings(chat_id: int, parent_id: int | None) -> sa.ColumnElement[bool]:
    parent = Message.parent_id.is_(None) if parent_id is None else Message.parent_id == parent_id
    return sa.and_(Message.chat_id == chat_id, parent)


def next_version(session: so.Session, chat_id: int, parent_id: int | None) -> int:
    """The version number a new child of `parent_id` gets; its siblings learn the new count."""
    count = session.scalar(sa.select(sa.func.count()).where(siblings(chat_id, parent_id))) or 0
    if count == 0:  # the usual case: a message at the end of the branch
        return 1
    session.execute(
        sa.update(Message)
        .where(siblings(chat_id, parent_id))
        .values(version_count=count + 1)
        .execution_options(synchronize_session=False)
    )
    return count + 1


def make_room(session: so.Session, chat_id: int, node: Message | None) -> int:
    """Make the shown branch end at `node` (None: show nothing) with room for a new child of
    `node`: the version that child gets; its siblings learn the new count. One UPDATE when
    `node` is on the shown branch (regenerating or editing what the chat shows); else the
    branch is moved to it first (and `node`, changed, is expired)."""
    params: dict[str, object] = {"room_chat": chat_id}
    if node is not None:
        params |= {"room_node": node.id, "room_node_at": node.created_at}
        if not node.selected:
            show_path(session, chat_id, node)
            session.expire(node)  # not read again here: its caller reloads it when used
    rows = all_rows(session, _make_room(node is None), params)
    parent_id = params.get("room_node")
    return 1 + sum(1 for row in rows if row.parent_id == parent_id)


@functools.cache
def _make_room(root: bool) -> sa.Update:
    """UPDATE the shown messages after the node (no longer shown) and the node's children
    (their version count, from a count of them) in one statement, built once per shape: a
    message that is both is updated once."""
    messages = cast(sa.Table, Message.__table__)
    chat = sa.bindparam("room_chat", type_=sa.Integer)
    node = sa.bindparam("room_node", type_=sa.Integer)
    node_at = sa.bindparam("room_node_at", type_=Message.created_at.type)

    def child_of_node(table: sa.FromClause) -> sa.ColumnElement[bool]:
        return table.c.parent_id.is_(None) if root else table.c.parent_id == node

    later: sa.ColumnElement[bool] = messages.c.selected.is_(True)
    if not root:
        after = sa.tuple_(messages.c.created_at, messages.c.id) > sa.tuple_(node_at, node)
        later = sa.and_(later, after)
    others = messages.alias("siblings")
    count = sa.select(sa.func.count()).where(others.c.chat_id == chat, child_of_node(others))
    sibling = child_of_node(messages)
    return (
        sa.update(messages)
        .where(messages.c.chat_id == chat, sa.or_(later, sibling))
        .values(
            selected=sa.case((later, sa.false()), else_=messages.c.selected),
            version_count=sa.case(
                (sibling, count.scalar_subquery() + 1), else_=messages.c.version_count
            ),
        )
        # The parent, not `sibling` itself: SQLite 3.40 returns `parent_id IS NULL` wrongly.
        .returning(messages.c.parent_id)
    )


def cut_after(session: so.Session, chat_id: int, node: Message | None) -> None:
    """Make the shown branch end at `node` (None: show nothing), ready for a new child."""
    if node is not None and not node.selected:
        show_path(session, chat_id, node)
    later: sa.ColumnElement[bool] = Message.selected.is_(True)
    if node is not None:
        later = sa.and_(
            later, sa.tuple_(*OLDEST_FIRST) > sa.tuple_(sa.literal(node.created_at), node.id)
        )
    session.execute(
        sa.update(Message)
        .where(Message.chat_id == chat_id, later)
        .values(selected=False)
        .execution_options(synchronize_session=False)
    )


def show_path(session: so.Session, chat_id: int, node: Message) -> None:
    """Show the branch from the root to `node`; below `node` the branch is cut."""
    up = _hidden_ancestors(node.id).cte("up", recursive=True)
    parent = so.aliased(Message)
    up = up.union_all(
        sa.select(parent.id, parent.parent_id, parent.selected)
        .join(up, parent.id == up.c.parent_id)
        .where(up.c.selected.is_(False))
    )
    rows = session.execute(sa.select(up.c.id, up.c.selected)).all()
    fork_id = next((row.id for row in rows if row.selected), None)
    fork = session.get(Message, fork_id) if fork_id is not None else None
    cut_after(session, chat_id, fork)
    _select(session, [row.id for row in rows if not row.selected])


def show_through(session: so.Session, chat_id: int, node: Message) -> None:
    """Show the branch through `node`: its ancestors, then its newest descendants."""
    if node.selected:
        return
    show_path(session, chat_id, node)
    _select(session, newest_descendants(session, node.id))


def newest_descendants(session: so.Session, node_id: int) -> list[int]:
    """Below `node_id`, the newest child at each step down to a leaf."""
    down = sa.select(Message.id).where(Message.id == node_id).cte("down", recursive=True)
    child = so.aliased(Message)
    newer = so.aliased(Message)
    is_newest = ~sa.exists().where(newer.parent_id == child.parent_id, newer.id > child.id)
    down = down.union_all(
        sa.select(child.id).join(down, child.parent_id == down.c.id).where(is_newest)
    )
    return [row_id for row_id in session.scalars(sa.select(down.c.id)) if row_id != node_id]


def _hidden_ancestors(node_id: int) -> sa.Select[int, int | None, bool]:
    return sa.select(Message.id, Message.parent_id, Message.selected).where(Message.id == node_id)


def _select(session: so.Session, ids: list[int]) -> None:
    if ids:
        session.execute(
            sa.update(Message)
            .where(Message.id.in_(ids))
            .values(selected=True)
            .execution_options(synchronize_session=False)
        )
