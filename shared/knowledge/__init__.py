"""Knowledge: files an agent's owner attaches, and the passages every turn answers from.

Extraction (format told from the content, bounded in time and memory, in a child process),
chunking along headings and paragraphs, ingestion as a job on a maintained queue (huey),
and hybrid retrieval (full-text always: FTS5 on SQLite, tsvector + GIN on PostgreSQL; dense
embeddings when a model is configured), fused by reciprocal rank.
"""
