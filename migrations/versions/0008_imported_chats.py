"""imported chats: when a chat came from an export file (null: started here)

An imported copy keeps the original's title and times; `chats.imported_at` is what tells the
two apart (the chat list marks it). Existing chats were all started here: the column is null.

Revision ID: 0008_imported_chats
Revises: 0007_usage_hours
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_imported_chats"
down_revision = "0007_usage_hours"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column: both databases add it in place (no table rebuild on SQLite).
    op.add_column("chats", sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chats") as batch_op:
        batch_op.drop_column("imported_at")
