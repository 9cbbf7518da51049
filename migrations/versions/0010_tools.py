"""tools: the MCP tools an agent offers, its reasoning effort, the tool calls of a reply

Revision ID: 0010_tools
Revises: 0009_knowledge
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_tools"
down_revision = "0009_knowledge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("tools", sa.JSON(), server_default="[]", nullable=False))
        batch.add_column(sa.Column("reasoning_effort", sa.String(length=8), nullable=True))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("tool_calls", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("tool_calls")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("reasoning_effort")
        batch.drop_column("tools")
