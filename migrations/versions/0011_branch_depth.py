"""branch depth: each message's place in its branch, so a history page's total is read, not counted

A first message (no parent) has depth 1, every other its parent's depth + 1; the shown branch's
length is then the depth of its tip. Existing rows get theirs from one recursive query down the
turn tree (every chat at once, level by level inside the database), written by one UPDATE.

Revision ID: 0011_branch_depth
Revises: 0010_tools
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_branch_depth"
down_revision = "0010_tools"
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
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("depth", sa.Integer(), nullable=True))
    op.execute(DEPTHS)
    with op.batch_alter_table("messages") as batch:
        batch.alter_column("depth", existing_type=sa.Integer(), nullable=False)


def downgrade():
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("depth")
