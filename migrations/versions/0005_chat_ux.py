"""chat UX: agent cards (description, starters, avatar) and the chat search indexes

Revision ID: 0005_chat_ux
Revises: 0004_turns

Search (see shared/chats/search.py): PostgreSQL gets GIN full-text indexes on the folded (lower-case,
unaccented) title and message text; SQLite gets FTS5 tables kept in sync by triggers. A later
migration that recreates `chats` or `messages` on SQLite (batch mode copies the table) drops
their triggers: it must call `create_sqlite_search_triggers()` again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_chat_ux"
down_revision = "0004_turns"
branch_labels = None
depends_on = None

# (FTS table, source table, indexed column)
SQLITE_SEARCHED = (("chats_fts", "chats", "title"), ("messages_fts", "messages", "content"))

POSTGRES_FOLD = """
CREATE OR REPLACE FUNCTION chat_search_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$
"""


def upgrade():
    # Plain ADD COLUMNs (string defaults): on SQLite a batch *recreate* of `agents` would drop
    # the table, and with foreign keys on that cascades into every chat.
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("description", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("starters", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("avatar_emoji", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("avatar_color", sa.String(length=7), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        create_postgres_search()
    else:
        create_sqlite_search()


def create_postgres_search():
    # unaccent is a trusted extension (PostgreSQL 13+): a database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public")
    op.execute(POSTGRES_FOLD)
    for table, column in (("chats", "title"), ("messages", "content")):
        op.execute(
            f"CREATE INDEX IF NOT EXISTS ix_{table}_search ON {table} USING gin "
            f"(to_tsvector('simple'::regconfig, chat_search_fold({column})))"
        )


def create_sqlite_search():
    for fts, source, column in SQLITE_SEARCHED:
        op.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({column}, content='{source}', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        # Index what is already stored: existing chats are searchable at once.
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    create_sqlite_search_triggers()


def create_sqlite_search_triggers():
    for fts, source, column in SQLITE_SEARCHED:
        remove = (
            f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
        )
        add = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column});"
        op.execute(
            f"CREATE TRIGGER IF NOT EXISTS {fts}_insert AFTER INSERT ON {source} BEGIN {add} END"
        )
        op.execute(
            f"CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON {source} BEGIN {remove} END"
        )
        op.execute(
            f"CREATE TRIGGER IF NOT EXISTS {fts}_update AFTER UPDATE OF {column} ON {source} "
            f"BEGIN {remove} {add} END"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_messages_search")
        op.execute("DROP INDEX IF EXISTS ix_chats_search")
        op.execute("DROP FUNCTION IF EXISTS chat_search_fold(text)")
    else:
        for fts, _source, _column in SQLITE_SEARCHED:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{event}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
    # Native DROP COLUMN (SQLite 3.35+), not a batch recreate (see upgrade).
    for column in ("avatar_color", "avatar_emoji", "starters", "description"):
        op.drop_column("agents", column)
