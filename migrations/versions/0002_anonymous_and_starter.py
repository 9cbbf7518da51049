"""anonymous user and public starter agent

Revision ID: 0002_anonymous_and_starter
Revises: 0001_initial
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from shared.core.db import UTCDateTime

revision = "0002_anonymous_and_starter"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

STARTER_NAME = "Helpful Assistant"
STARTER_PROMPT = (
    "You are a friendly, concise assistant in a chat app. Answer clearly in a few sentences, "
    "ask a short question when the request is ambiguous, and say so when you do not know."
)

users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("username", sa.String),
    sa.column("password_hash", sa.String),
    sa.column("is_admin", sa.Boolean),
    sa.column("created_at", UTCDateTime),
)
agents = sa.table(
    "agents",
    sa.column("name", sa.String),
    sa.column("prompt", sa.Text),
    sa.column("owner_id", sa.Integer),
    sa.column("is_public", sa.Boolean),
    sa.column("created_at", UTCDateTime),
    sa.column("updated_at", UTCDateTime),
)


def upgrade():
    bind = op.get_bind()
    now = datetime.now(UTC)
    anonymous_id = bind.scalar(sa.select(users.c.id).where(users.c.username == "anonymous"))
    if anonymous_id is None:
        # No password hash: the anonymous user can never log in.
        bind.execute(
            users.insert().values(
                username="anonymous", password_hash=None, is_admin=False, created_at=now
            )
        )
        anonymous_id = bind.scalar(sa.select(users.c.id).where(users.c.username == "anonymous"))
    bind.execute(
        agents.insert().values(
            name=STARTER_NAME,
            prompt=STARTER_PROMPT,
            owner_id=anonymous_id,
            is_public=True,
            created_at=now,
            updated_at=now,
        )
    )


def downgrade():
    bind = op.get_bind()
    anonymous_id = bind.scalar(sa.select(users.c.id).where(users.c.username == "anonymous"))
    if anonymous_id is not None:
        bind.execute(agents.delete().where(agents.c.owner_id == anonymous_id))
        bind.execute(users.delete().where(users.c.id == anonymous_id))
