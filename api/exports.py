"""Chat export (Markdown or JSON downloads) and import of an export file as new chats."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import orm as so

from api.auth import current_caller, login_required
from api.chat_ux_schemas import (
    ExportDocumentSchema,
    ExportQuerySchema,
    ImportResultSchema,
)
from api.chats import chat_or_404
from api.deps import app_config
from api.extensions import db
from api.http import abort
from api.throttle import client_ip, throttle
from shared.auth.access import Caller, own_chats
from shared.chats.export import (
    ImportLimits,
    add_imported_messages,
    agent_for_import,
    chat_document,
    chat_markdown,
    clamped,
    export_document,
    import_problems,
    imported_chat,
)
from shared.core.db import utcnow
from shared.core.models import Agent, Chat, Message
from shared.limits.ratelimit import import_checks

blp = Blueprint("exports", __name__, url_prefix="/api", description="Chat export and import")
NO_AGENT = "No agent you can use has this id or name."
# The one-chat download is JSON or Markdown (`format`), so both bodies are documented.
ONE_CHAT_DOC = {
    "200": {
        "description": "The chat as a file download (Content-Disposition: attachment)",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ExportDocument"}},
            "text/markdown": {"schema": {"type": "string"}},
        },
    }
}


def register(app: Flask) -> None:
    """Before the shared body check reads any body: an import file has its own limit."""
    app.before_request(allow_import_files)


def allow_import_files() -> None:
    """An import file may be larger than other bodies, up to its own configured limit."""
    if request.endpoint != "exports.ChatsImport":
        return
    limit = app_config().max_import_bytes
    request.max_content_length = limit
    if (request.content_length or 0) > limit:
        abort(413, f"The import file is larger than the limit of {limit:,} bytes.")


def download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def history(chat_ids: Sequence[int]) -> dict[int, list[Message]]:
    """The messages of each chat on the branch it shows, oldest first."""
    query = (
        sa.select(Message)
        .where(Message.chat_id.in_(chat_ids), Message.selected.is_(True))  # the branch shown
        .order_by(Message.chat_id, Message.created_at, Message.id)
    )
    by_chat: dict[int, list[Message]] = defaultdict(list)
    for message in db.session.scalars(query):
        by_chat[message.chat_id].append(message)
    return by_chat


def json_download(chats: Sequence[Chat], filename: str) -> Response:
    messages = history([chat.id for chat in chats])
    documents = (chat_document(chat, messages[chat.id]) for chat in chats)
    body = ExportDocumentSchema().dumps(export_document(documents, utcnow()), ensure_ascii=False)
    return download(body, "application/json", filename)


@blp.route("/chats/<id:chat_id>/export")
class ChatExport(MethodView):
    @blp.arguments(ExportQuerySchema, location="query")
    @blp.response(200, ExportDocumentSchema)
    @blp.doc(responses=ONE_CHAT_DOC)
    @login_required
    def get(self, query: dict[str, str], chat_id: int) -> Response:
        """Download a chat as Markdown or as an export file (JSON)"""
        chat = chat_or_404(current_caller(), chat_id)
        if query["format"] == "json":
            return json_download([chat], f"chat-{chat.id}.json")
        markdown = chat_markdown(chat, history([chat.id])[chat.id], utcnow())
        return download(markdown, "text/markdown", f"chat-{chat.id}.md")


@blp.route("/chats/export")
class ChatsExport(MethodView):
    @blp.response(200, ExportDocumentSchema)
    @login_required
    def get(self) -> Response:
        """Download all my chats as one export file (JSON)"""
        query = (
            sa.select(Chat).where(own_chats(current_caller())).options(so.joinedload(Chat.agent))
        )
        chats = list(db.session.scalars(query.order_by(Chat.updated_at.desc(), Chat.id.desc())))
        return json_download(chats, f"chats-{utcnow():%Y-%m-%d}.json")


@blp.route("/chats/import")
class ChatsImport(MethodView):
    @blp.arguments(ExportDocumentSchema)
    @blp.response(201, ImportResultSchema)
    @blp.alt_response(404, description="No agent the caller can use for some chats")
    @blp.alt_response(413, description="The file is larger than MAX_IMPORT_BYTES")
    @login_required
    def post(self, document: dict[str, Any]) -> dict[str, Any]:
        """Import an export file: its chats are added as new chats (nothing is overwritten)"""
        caller = current_caller()
        throttle(import_checks(caller, client_ip()))
        chats = import_chats(caller, document["chats"])
        return {"imported_chats": len(chats), "chats": chats}


def agents_for_import(caller: Caller, exported: list[dict[str, Any]]) -> list[Agent]:
    """The agent each exported chat goes to; 404 (as for any agent the caller cannot see)
    names the chats with none the caller can use."""
    found: dict[tuple[Any, str], Agent | None] = {}
    for data in exported:
        key = (data["agent"].get("id"), data["agent"]["name"])
        if key not in found:
            found[key] = db.session.scalar(agent_for_import(caller, data["agent"]))
    agents = [found[(data["agent"].get("id"), data["agent"]["name"])] for data in exported]
    missing = {str(i): [NO_AGENT] for i, agent in enumerate(agents) if agent is None}
    if missing:
        abort(
            404,
            "Some chats belong to an agent you cannot use; create it or remove those chats.",
            errors={"reason": "agent_unavailable", "chats": missing},
        )
    return [agent for agent in agents if agent is not None]


def import_chats(caller: Caller, exported: list[dict[str, Any]]) -> list[Chat]:
    """Store every exported chat as a new chat of the caller's: all of them or none (422
    when it is over the import's bounds or a message over a typed one's limit)."""
    config = app_config()
    limits = ImportLimits(
        config.max_import_chats,
        config.max_import_messages,
        config.max_message_chars,
        config.max_reply_chars,
    )
    problems = import_problems(exported, limits)
    if problems:
        abort(422, "The import is over its limits.", errors=problems | {"reason": "too_long"})
    now = utcnow()
    exported = [clamped(data, now) for data in exported]
    agents = agents_for_import(caller, exported)
    now = utcnow()
    chats = [
        imported_chat(caller, agent.id, data, now)
        for agent, data in zip(agents, exported, strict=True)
    ]
    db.session.add_all(chats)
    db.session.flush()
    for chat, data in zip(chats, exported, strict=True):
        add_imported_messages(db.session(), chat, caller, data)
    db.session.commit()
    return chats
