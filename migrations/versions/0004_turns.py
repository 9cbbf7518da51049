"""turn tree: parent, status, versions, branch shown, model and usage on messages

Existing chats become one branch: each message follows the one before it in the chat's
chronological order (created_at, id), every message is complete, version 1 of 1, and shown.

Revision ID: 0004_turns
Revises: 0003_hardening
"""

import sqlalchemy as sa
from alembic import op

from shared.core.db import UTCDateTime

revision = "0004_turns"
down_revision = "0003_hardening"
branch_labels = None
depends_on = None

STATUS = sa.Enum(
    "pending", "complete", "failed", "stopped",
    name="message_status", native_enum=False, length=16,
)  # fmt: skip

CHAIN = """
UPDATE messages SET parent_id = (
    SELECT previous.prev_id FROM (
        SELECT id, LAG(id) OVER (PARTITION BY chat_id ORDER BY created_at, id) AS prev_id
        FROM messages
    ) AS previous
    WHERE previous.id = messages.id
)
"""


def upgrade():
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("status", STATUS, nullable=False, server_default="complete"))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(
            sa.Column("version_count", sa.Integer(), nullable=False, server_default="1")
        )
        batch.add_column(
            sa.Column("selected", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("updated_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("model", sa.String(100), nullable=True))
        for name in ("prompt_tokens", "completion_tokens", "first_token_ms", "total_ms"):
            batch.add_column(sa.Column(name, sa.Integer(), nullable=True))
        batch.add_column(sa.Column("error_stage", sa.String(8), nullable=True))
        batch.add_column(sa.Column("error_reason", sa.String(40), nullable=True))
        batch.create_foreign_key(
            "fk_messages_parent_id_messages", "messages", ["parent_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index("ix_messages_branch", ["chat_id", "selected", "created_at", "id"])
        batch.create_index("ix_messages_chat_parent", ["chat_id", "parent_id"])
        batch.create_index("ix_messages_parent_id", ["parent_id"])
        batch.create_index("ix_messages_status", ["status"])
    op.execute(CHAIN)
    op.execute("UPDATE messages SET updated_at = created_at")


def downgrade():
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_status")
        batch.drop_index("ix_messages_parent_id")
        batch.drop_index("ix_messages_chat_parent")
        batch.drop_index("ix_messages_branch")
        batch.drop_constraint("fk_messages_parent_id_messages", type_="foreignkey")
        for name in (
            "error_reason", "error_stage", "total_ms", "first_token_ms", "completion_tokens",
            "prompt_tokens", "model", "updated_at", "selected", "version_count", "version",
            "status", "parent_id",
        ):  # fmt: skip
            batch.drop_column(name)
