"""knowledge: files an agent answers from, their chunks and full-text index, message sources

`knowledge_files` keeps each uploaded file's bytes (the API and the worker share only the
database), its status and lease; `knowledge_chunks` its passages. Full text: an FTS5 table kept
by triggers on SQLite, a generated tsvector column with a GIN index on PostgreSQL. Agents count
their ready files (read by every turn with its chat); AI messages keep their sources.

Revision ID: 0009_knowledge
Revises: 0008_imported_chats
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_knowledge"
down_revision = "0008_imported_chats"
branch_labels = None
depends_on = None

# The same statements as shared/knowledge/fulltext.py (a migration stays as it was written).
SQLITE_DDL = (
    "CREATE VIRTUAL TABLE knowledge_chunks_fts USING fts5(heading, text, "
    "content='knowledge_chunks', content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER knowledge_chunks_ai AFTER INSERT ON knowledge_chunks BEGIN "
    "INSERT INTO knowledge_chunks_fts(rowid, heading, text) "
    "VALUES (new.id, new.heading, new.text); END",
    "CREATE TRIGGER knowledge_chunks_ad AFTER DELETE ON knowledge_chunks BEGIN "
    "INSERT INTO knowledge_chunks_fts(knowledge_chunks_fts, rowid, heading, text) "
    "VALUES ('delete', old.id, old.heading, old.text); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS knowledge_chunks_ad",
    "DROP TRIGGER IF EXISTS knowledge_chunks_ai",
    "DROP TABLE IF EXISTS knowledge_chunks_fts",
)
POSTGRES_DDL = (
    "ALTER TABLE knowledge_chunks ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english', heading || ' ' || text)) STORED",
    "CREATE INDEX ix_knowledge_chunks_tsv ON knowledge_chunks USING gin (tsv)",
)


def upgrade() -> None:
    op.create_table(
        "knowledge_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "agent_id", sa.Integer(), sa.ForeignKey("agents.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("mime_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("chunks", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.String(300)),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_knowledge_files_agent_id", "knowledge_files", ["agent_id"])
    op.create_index("ix_knowledge_files_status", "knowledge_files", ["status", "lease_until"])
    op.create_table(
        "knowledge_chunks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "file_id",
            sa.Integer(),
            sa.ForeignKey("knowledge_files.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("heading", sa.String(300), nullable=False),
        sa.Column("page", sa.Integer()),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("embedding", sa.LargeBinary()),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_knowledge_chunks_file_id", "knowledge_chunks", ["file_id"])
    op.create_index("ix_knowledge_chunks_agent_id", "knowledge_chunks", ["agent_id"])
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_DDL if postgres else SQLITE_DDL:
        op.execute(statement)
    with op.batch_alter_table("agents") as batch:
        batch.add_column(
            sa.Column("knowledge_files", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("sources", sa.JSON()))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("sources")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("knowledge_files")
    if op.get_bind().dialect.name != "postgresql":
        for statement in SQLITE_DROP:
            op.execute(statement)
    op.drop_table("knowledge_chunks")
    op.drop_table("knowledge_files")
