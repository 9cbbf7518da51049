"""What the usage ledger says: a caller's budgets now, and the totals administrators see."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.auth.access import Caller
from shared.core.config import Config
from shared.core.db import utcnow
from shared.core.models import ANONYMOUS_USERNAME, UsageEvent, UsageKind, User
from shared.usage.budgets import WINDOW, budgets_for, resets_at, spent_stmt, window_rows_stmt
from shared.usage.speech_budgets import resets_at as speech_resets_at
from shared.usage.speech_budgets import rows_stmt, speech_budgets, used_stmt

Grouping = Literal["day", "model", "user"]
Session = so.Session | so.scoped_session[Any]


def caller_budgets(
    session: Session, config: Config, caller: Caller, ip: str
) -> list[dict[str, Any]]:
    """Each budget of the caller: limit (None = unlimited), used, remaining, when it resets."""
    now, report = utcnow(), []
    for budget in budgets_for(config, caller, ip):
        params = budget.params(now)
        used = int(session.execute(spent_stmt(budget.name), params).one()[0])
        rows = session.execute(window_rows_stmt(budget.name), params).all()
        limit = budget.limit or None
        back_at = resets_at(rows, used, limit, now) if limit and used >= limit else None
        if back_at is None and rows:
            back_at = rows[0][0] + WINDOW
        report.append(
            {
                "name": budget.name,
                "limit": limit,
                "used": used,
                "remaining": max(0, limit - used) if limit else None,
                "resets_at": back_at,
                "unit": "tokens",
            }
        )
    return report + speech_allowances(session, config, caller, ip, now)


def speech_allowances(
    session: Session, config: Config, caller: Caller, ip: str, now: datetime
) -> list[dict[str, Any]]:
    """Each speech allowance of the caller (characters spoken, seconds heard), as budgets."""
    report = []
    for kind in (UsageKind.TTS, UsageKind.STT):
        for allowance in speech_budgets(config, caller, ip, kind):
            params = allowance.params(now)
            used = math.ceil(session.execute(used_stmt(allowance.scope, kind), params).scalar_one())
            rows = session.execute(rows_stmt(allowance.scope, kind), params).all()
            limit = allowance.limit or None
            back_at = rows[0][0] + WINDOW if rows else None
            if limit and used >= limit:
                back_at = speech_resets_at(rows, used, 1, limit, now)
            left = max(0, limit - used) if limit else None
            report.append(
                {"name": allowance.name, "limit": limit, "used": used, "remaining": left}
                | {"resets_at": back_at, "unit": allowance.unit}
            )
    return report


def tokens() -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(UsageEvent.prompt_tokens + UsageEvent.completion_tokens), 0)


def since(moment: datetime) -> sa.ColumnElement[bool]:
    """Ledger rows from `moment` on; a turn still running counts with its reservation, as
    budgets count it."""
    return UsageEvent.created_at >= moment


def user_tokens_stmt(user_ids: list[int], now: datetime) -> sa.Select[int | None, Any, int]:
    """Per account: LLM tokens in the last 24 hours and in all (running turns: reserved)."""
    amount = UsageEvent.prompt_tokens + UsageEvent.completion_tokens
    recent = sa.case((UsageEvent.created_at >= now - WINDOW, amount), else_=0)
    return (
        sa.select(UsageEvent.user_id, sa.func.sum(recent), sa.func.sum(amount))
        .where(
            UsageEvent.user_id.in_(user_ids),
            UsageEvent.guest_id.is_(None),
            UsageEvent.kind == UsageKind.LLM,
        )
        .group_by(UsageEvent.user_id)
    )


def with_usage(session: Session, users: list[User]) -> list[dict[str, Any]]:
    """Accounts as administrators see them: the account plus its token totals."""
    found = session.execute(user_tokens_stmt([user.id for user in users], utcnow()))
    usage = {user_id: (int(today or 0), int(total or 0)) for user_id, today, total in found}
    return [
        {
            "id": user.id,
            "username": user.username,
            "is_admin": user.is_admin,
            "disabled": user.disabled,
            "created_at": user.created_at,
            "tokens_today": usage.get(user.id, (0, 0))[0],
            "tokens_total": usage.get(user.id, (0, 0))[1],
        }
        for user in users
    ]


def users_stmt(query: str | None) -> sa.Select[User]:
    """Accounts (never the anonymous user) matching `query` in the username, by name."""
    stmt = sa.select(User).where(User.username != ANONYMOUS_USERNAME).order_by(User.username)
    if query:
        escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(User.username.like(f"%{escaped}%", escape="\\"))
    return stmt


def group_key(grouping: Grouping, dialect: str) -> sa.ColumnElement[Any]:
    if grouping == "model":
        return sa.func.coalesce(UsageEvent.model, "unknown")
    if grouping == "user":
        guest = sa.case((UsageEvent.guest_id.is_not(None), "guests"))
        return sa.func.coalesce(guest, User.username, "deleted users")
    if dialect == "sqlite":
        return sa.func.strftime("%Y-%m-%d", UsageEvent.created_at)
    return sa.func.to_char(sa.func.timezone("UTC", UsageEvent.created_at), "YYYY-MM-DD")


def totals_stmt(grouping: Grouping, days: int, dialect: str) -> sa.Select[Any]:
    """Tokens, calls and speech per day, model or user over the last `days` days."""
    key = group_key(grouping, dialect).label("key")
    llm = UsageEvent.kind == UsageKind.LLM
    embed = UsageEvent.kind == UsageKind.EMBED
    return (
        sa.select(
            key,
            sa.func.coalesce(sa.func.sum(sa.case((llm, UsageEvent.prompt_tokens))), 0),
            sa.func.coalesce(sa.func.sum(sa.case((llm, UsageEvent.completion_tokens))), 0),
            sa.func.count(sa.case((llm, UsageEvent.id))),
            sa.func.coalesce(sa.func.sum(UsageEvent.speech_seconds), 0.0),
            sa.func.coalesce(sa.func.sum(UsageEvent.speech_characters), 0),
            sa.func.coalesce(sa.func.sum(sa.case((embed, UsageEvent.prompt_tokens))), 0),
            sa.func.count(sa.case((embed, UsageEvent.id))),
        )
        .outerjoin(User, User.id == UsageEvent.user_id)
        .where(since(utcnow() - timedelta(days=days)))
        .group_by(key)
        .order_by(key)
    )


def totals(session: Session, grouping: Grouping, days: int) -> list[dict[str, Any]]:
    dialect = session.get_bind().dialect.name
    rows = session.execute(totals_stmt(grouping, days, dialect))
    return [
        {
            "key": str(key),
            "prompt_tokens": int(prompt),
            "completion_tokens": int(completion),
            "tokens": int(prompt) + int(completion),
            "llm_calls": int(calls),
            "speech_seconds": round(float(seconds), 1),
            "speech_characters": int(characters),
            "embedding_tokens": int(embedded),
            "embedding_calls": int(embeddings),
        }
        for key, prompt, completion, calls, seconds, characters, embedded, embeddings in rows
    ]
