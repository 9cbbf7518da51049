"""The data model both services share: users, agents, chats, messages and revoked tokens."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.core.db import Base, UTCDateTime, utcnow

ANONYMOUS_USERNAME = "anonymous"


class MessageBy(enum.StrEnum):
    USER = "USER"
    AI = "AI"


class MessageStatus(enum.StrEnum):
    """A USER message is always complete; an AI reply is pending while it is written."""

    PENDING = "pending"
    COMPLETE = "complete"
    FAILED = "failed"
    STOPPED = "stopped"


class User(Base):
    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    # None means the account cannot log in (the anonymous user).
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(256))
    is_admin: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # A disabled account is refused by both services; bumping the generation ends every token
    # issued before (see shared/auth/accounts.py).
    disabled: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    token_generation: so.Mapped[int] = so.mapped_column(default=0, server_default="0")

    agents: so.WriteOnlyMapped[Agent] = so.relationship(
        back_populates="owner", passive_deletes=True
    )

    # SQLite reuses the largest rowid after a delete; AUTOINCREMENT never hands out an id twice.
    __table_args__ = {"sqlite_autoincrement": True}

    @property
    def is_anonymous(self) -> bool:
        return self.username == ANONYMOUS_USERNAME

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username}>"


class Agent(Base):
    __tablename__ = "agents"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    prompt: so.Mapped[str] = so.mapped_column(sa.Text)
    owner_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    is_public: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    model: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    voice: so.Mapped[str | None] = so.mapped_column(sa.String(50))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The agent card: what others see instead of the prompt (which only the owner and admins see).
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    starters: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list, server_default="[]")
    avatar_emoji: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    avatar_color: so.Mapped[str | None] = so.mapped_column(sa.String(7))
    # Public names of the tools (GET /api/tools) offered to the model, and the reasoning effort
    # sent to reasoning models (None: OPENAI_REASONING_EFFORT; voice turns: "low").
    tools: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list, server_default="[]")
    reasoning_effort: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    # How many of its knowledge files are ready (shared/knowledge): read with the chat by every
    # turn, so a turn with an agent that has none makes no knowledge query.
    knowledge_files: so.Mapped[int] = so.mapped_column(default=0, server_default="0")

    owner: so.Mapped[User] = so.relationship(back_populates="agents")

    __table_args__ = (sa.Index("ix_agents_is_public", "is_public"),)


class Chat(Base):
    __tablename__ = "chats"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    agent_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("agents.id", ondelete="CASCADE"))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # Set for guest chats (user = anonymous) so one guest never sees another's chats.
    guest_id: so.Mapped[str | None] = so.mapped_column(sa.String(36))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # When the chat came from an export file (null: started here): an imported copy keeps the
    # original's title and times, so this is what tells the two apart.
    imported_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, nullable=True)

    agent: so.Mapped[Agent] = so.relationship()

    __table_args__ = (
        sa.Index("ix_chats_owner_activity", "user_id", "guest_id", "updated_at"),
        sa.Index("ix_chats_agent_id", "agent_id"),
    )


class Message(Base):
    __tablename__ = "messages"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    chat_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("chats.id", ondelete="CASCADE"))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    message_by: so.Mapped[MessageBy] = so.mapped_column(
        sa.Enum(MessageBy, name="message_by", native_enum=False, length=8)
    )
    content: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # The turn tree (see shared/turns): the message this one follows, its place among the
    # versions that follow the same parent, and whether it is on the branch the chat shows.
    parent_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("messages.id", ondelete="CASCADE")
    )
    status: so.Mapped[MessageStatus] = so.mapped_column(
        sa.Enum(
            MessageStatus,
            name="message_status",
            native_enum=False,
            length=16,
            values_callable=lambda kinds: [kind.value for kind in kinds],
        ),
        default=MessageStatus.COMPLETE,
        server_default=MessageStatus.COMPLETE.value,
    )
    version: so.Mapped[int] = so.mapped_column(default=1, server_default="1")
    version_count: so.Mapped[int] = so.mapped_column(default=1, server_default="1")
    selected: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    # Its place in its branch: 1 for a first message, its parent's depth + 1. A branch runs
    # from a first message to its tip, so the tip's depth is the branch's length (the total
    # of a history page) without counting it. Every writer sets it; it has no default.
    depth: so.Mapped[int]
    # Last write of the content (a pending reply is saved as it grows).
    updated_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, default=utcnow)
    # AI replies: the model that wrote it, the tokens and time it took, why it failed.
    model: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    prompt_tokens: so.Mapped[int | None]
    completion_tokens: so.Mapped[int | None]
    first_token_ms: so.Mapped[int | None]
    total_ms: so.Mapped[int | None]
    error_stage: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    error_reason: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    # AI replies that called tools: [{id, name, arguments, status, result, duration_ms}].
    tool_calls: so.Mapped[list[dict[str, Any]] | None] = so.mapped_column(
        sa.JSON(none_as_null=True)
    )
    # AI replies from an agent's files: the passages retrieved for it (its citations).
    sources: so.Mapped[list[dict[str, object]] | None] = so.mapped_column(sa.JSON)

    __table_args__ = (
        sa.Index("ix_messages_chat_history", "chat_id", "created_at", "id"),
        sa.Index("ix_messages_branch", "chat_id", "selected", "created_at", "id"),
        sa.Index("ix_messages_chat_parent", "chat_id", "parent_id"),
        sa.Index("ix_messages_parent_id", "parent_id"),
        sa.Index("ix_messages_status", "status"),
    )

    @property
    def usage(self) -> dict[str, int | None] | None:
        """Tokens and timings of an AI reply (None on USER messages)."""
        if self.message_by is not MessageBy.AI:
            return None
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "first_token_ms": self.first_token_ms,
            "total_ms": self.total_ms,
        }

    @property
    def error(self) -> dict[str, str | bool] | None:
        """Why a failed reply failed, and that asking again may help."""
        if self.status is not MessageStatus.FAILED:
            return None
        return {
            "stage": self.error_stage or "llm",
            "reason": self.error_reason or "provider_error",
            "retryable": True,
        }


class RevokedToken(Base):
    """A JWT refused by both services until it would have expired anyway."""

    __tablename__ = "revoked_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    jti: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)
    revoked_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class UsageKind(enum.StrEnum):
    LLM = "llm"
    STT = "stt"
    TTS = "tts"
    # Embedding calls (knowledge): input tokens only, outside the LLM token budgets.
    EMBED = "embed"


class UsageEvent(Base):
    """One reply-generating or speech call, for budgets and reports (the usage ledger).

    Independent of messages: deleting a chat (or a user) never refunds a budget.
    """

    __tablename__ = "usage_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    guest_id: so.Mapped[str | None] = so.mapped_column(sa.String(36))
    client_ip: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    kind: so.Mapped[UsageKind] = so.mapped_column(
        sa.Enum(
            UsageKind,
            name="usage_kind",
            native_enum=False,
            length=8,
            values_callable=lambda kinds: [kind.value for kind in kinds],
        )
    )
    model: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    prompt_tokens: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    completion_tokens: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    speech_seconds: so.Mapped[float | None] = so.mapped_column(sa.Float)
    speech_characters: so.Mapped[int | None] = so.mapped_column()
    # A turn still running: its tokens are the reservation made when it started.
    pending: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.Index("ix_usage_events_user", "user_id", "created_at"),
        sa.Index("ix_usage_events_guest", "guest_id", "created_at"),
        sa.Index("ix_usage_events_ip", "client_ip", "created_at"),
        sa.Index("ix_usage_events_created_at", "created_at"),
    )


class UsageHour(Base):
    """The LLM tokens of one budget scope's ledger rows in one UTC hour, kept by database
    triggers on `usage_events` (every insert, settlement, release and move between scopes), so
    a budget reads its window from at most 25 of these plus the rows of one partial hour.

    `scope` is a budget's name; `scope_key` its guest id, client IP or user id (as text);
    `largest` the largest finished row (the next reservation's estimate; not lowered when a
    row leaves the hour, forgotten when the hour is emptied)."""

    __tablename__ = "usage_hours"

    scope: so.Mapped[str] = so.mapped_column(sa.String(8), primary_key=True)
    scope_key: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    hour_start: so.Mapped[datetime] = so.mapped_column(UTCDateTime, primary_key=True)
    tokens: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0, server_default="0")
    largest: so.Mapped[int | None] = so.mapped_column()

    # The purge finds the hours past the window by their start.
    __table_args__ = (sa.Index("ix_usage_hours_hour_start", "hour_start"),)
