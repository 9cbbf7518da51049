"""account state (disabled, token generation) and ids that are never reused on SQLite

Revision ID: 0003_hardening
Revises: 0002_anonymous_and_starter
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_hardening"
down_revision = "0002_anonymous_and_starter"
branch_labels = None
depends_on = None


def upgrade():
    # On SQLite the table is rebuilt with AUTOINCREMENT (existing rows and ids are copied), so
    # a deleted account's id is never given to a new one; PostgreSQL sequences never reuse ids.
    with op.batch_alter_table(
        "users", recreate="auto", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(
            sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("token_generation", sa.Integer(), server_default="0", nullable=False)
        )
    if op.get_bind().dialect.name == "sqlite":
        # Continue after the largest id ever seen, including the copied ones.
        op.execute(
            "INSERT INTO sqlite_sequence (name, seq) SELECT 'users', COALESCE(MAX(id), 0) "
            "FROM users WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'users')"
        )


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("token_generation")
        batch_op.drop_column("disabled")
