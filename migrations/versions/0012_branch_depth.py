"""branch depth: each message's place in its branch, so a history page's total is read, not counted

A first message (no parent) has depth 1, every other its parent's depth + 1; the shown branch's
length is then the depth of its tip. Existing rows get theirs from one recursive query down the
turn tree (every chat at once, level by level inside the database), written by one UPDATE.

Revision ID: 0012_branch_depth
Revises: 0011_embeddings
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_branch_depth"
down_revision = "0011_embeddings"
branch_labels = None
depends_on = None

# UPDATE ... FROM: PostgreSQL, and SQLite since 3.33 (a correlated subquery would run the
# recursive query once per row there).
DEPTHS = """
WITH RECURSIVE down(id, depth) AS (
    SELECT id, 1 FROM messages WHERE parent_id IS NULL
    UNION ALL
    SELECT child.id, down.depth + 1 FROM messages AS child JOIN down ON child.parent_id = down.id
)
UPDATE messages SET depth = down.depth FROM down WHERE down.id = messages.id
"""


def upgrade():
    # A plain ADD COLUMN with a constant default (no table copy: on SQLite a batch recreate of
    # `messages` would drop its search triggers, see 0005_chat_ux; on PostgreSQL it rewrites
    # nothing), then the real depths.
    op.add_column("messages", sa.Column("depth", sa.Integer(), nullable=False, server_default="1"))
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:  # without statistics the planner hashes every message at every level
        op.execute("ANALYZE messages")  # (minutes for 100,000 messages; under a second with)
    op.execute(DEPTHS)
    # Every writer sets the depth: PostgreSQL refuses a message without one. SQLite keeps the
    # default (dropping it would take the table copy avoided above).
    if postgresql:
        op.alter_column("messages", "depth", server_default=None)


def downgrade():
    # Native DROP COLUMN (SQLite 3.35+), not a batch recreate (see upgrade).
    op.drop_column("messages", "depth")
