"""usage ledger: one row per reply-generating or speech call

Revision ID: 0006_usage
Revises: 0005_chat_ux
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_usage"
down_revision = "0005_chat_ux"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("guest_id", sa.String(length=36), nullable=True),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completion_tokens", sa.Integer(), server_default="0", nullable=False),
        sa.Column("speech_seconds", sa.Float(), nullable=True),
        sa.Column("speech_characters", sa.Integer(), nullable=True),
        sa.Column("pending", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_usage_events_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_events")),
    )
    with op.batch_alter_table("usage_events", schema=None) as batch_op:
        batch_op.create_index("ix_usage_events_user", ["user_id", "created_at"], unique=False)
        batch_op.create_index("ix_usage_events_guest", ["guest_id", "created_at"], unique=False)
        batch_op.create_index("ix_usage_events_ip", ["client_ip", "created_at"], unique=False)
        batch_op.create_index("ix_usage_events_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("usage_events", schema=None) as batch_op:
        batch_op.drop_index("ix_usage_events_created_at")
        batch_op.drop_index("ix_usage_events_ip")
        batch_op.drop_index("ix_usage_events_guest")
        batch_op.drop_index("ix_usage_events_user")
    op.drop_table("usage_events")
