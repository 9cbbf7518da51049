"""chat UX: agent cards (description, starters, avatar)

Revision ID: 0005_chat_ux
Revises: 0002_anonymous_and_starter
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_chat_ux"
down_revision = "0002_anonymous_and_starter"
branch_labels = None
depends_on = None


def upgrade():
    # Existing agents get an empty description and no starters; their prompts stay as they were
    # (and are hidden from everyone but the owner and admins from now on).
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("description", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("starters", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch.add_column(sa.Column("avatar_emoji", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("avatar_color", sa.String(length=7), nullable=True))


def downgrade():
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("avatar_color")
        batch.drop_column("avatar_emoji")
        batch.drop_column("starters")
        batch.drop_column("description")
