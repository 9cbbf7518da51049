"""The data model both services share: users, agents, chats, messages and revoked tokens."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.db import Base, UTCDateTime, utcnow

ANONYMOUS_USERNAME = "anonymous"


class MessageBy(enum.StrEnum):
    USER = "USER"
    AI = "AI"


class User(Base):
    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    # None means the account cannot log in (the anonymous user).
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(256))
    is_admin: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # A disabled account is refused by both services; bumping the generation ends every token
    # issued before (see shared/accounts.py).
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

    __table_args__ = (sa.Index("ix_messages_chat_history", "chat_id", "created_at", "id"),)


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
