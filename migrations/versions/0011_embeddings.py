"""embeddings: the vector space of a knowledge file's chunk embeddings

The vectors themselves are float32 blobs in `knowledge_chunks.embedding` (since 0009); a file
records which model (and size) made them, so vectors of another model are never compared.
Embedding calls go to the usage ledger as `kind = 'embed'` (the column is free text).

Revision ID: 0011_embeddings
Revises: 0010_tools
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_embeddings"
down_revision = "0010_tools"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("knowledge_files", sa.Column("embedding_model", sa.String(120)))


def downgrade() -> None:
    with op.batch_alter_table("knowledge_files") as batch:
        batch.drop_column("embedding_model")
