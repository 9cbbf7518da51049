"""Chats as the user sees them: which history the model reads, search with snippets, and
export/import."""
