"""An agent's knowledge files: upload (checked at once, ingested by the worker), list, read,
delete. Only the agent's owner or an admin sees or changes them (others: 404, or 403 on a
public agent they see): guests and other users are answered from them, never shown them."""

from __future__ import annotations

import posixpath
from typing import cast

import sqlalchemy as sa
from flask import Flask, request
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters
from marshmallow import Schema, fields
from sqlalchemy import orm as so

from api import deps
from api.agents import changeable_agent
from api.auth import login_required
from api.extensions import db
from api.http import abort
from api.paging import page_of
from shared.knowledge.formats import Kind, Refused, check, sniff
from shared.knowledge.ingest import recount
from shared.knowledge.models import FileStatus, KnowledgeFile

blp = Blueprint(
    "knowledge", __name__, url_prefix="/api/agents", description="An agent's knowledge files"
)
# Room for the multipart envelope around the file itself.
MULTIPART_OVERHEAD = 64 * 1024


class KnowledgeFileSchema(Schema):
    id = fields.Int(dump_only=True)
    agent_id = fields.Int(dump_only=True)
    name = fields.Str(dump_only=True)
    mime_type = fields.Str(dump_only=True, metadata={"description": "Told from the content"})
    size = fields.Int(dump_only=True, metadata={"description": "Bytes"})
    status = fields.Enum(
        FileStatus,
        by_value=True,
        dump_only=True,
        metadata={"description": "queued, processing, then ready (with chunks) or failed"},
    )
    chunks = fields.Int(dump_only=True, metadata={"description": "Passages once ready"})
    error = fields.Str(allow_none=True, dump_only=True, metadata={"description": "Why it failed"})
    created_at = fields.AwareDateTime(dump_only=True)


class UploadSchema(Schema):
    file = fields.Raw(
        required=True, metadata={"type": "string", "format": "binary", "description": "The file"}
    )


def refuse(status: int, message: str, reason: str) -> None:
    abort(status, message, errors={"reason": reason})


def checked_upload(agent_id: int, data: bytes) -> tuple[bytes, Kind]:
    """The file's bytes and format, or the refusal: too large, one file too many, a format
    not supported, or a file no one could read (nothing is kept)."""
    config = deps.app_config()
    if len(data) > config.max_file_bytes:
        refuse(413, f"Files may be at most {config.max_file_bytes:,} bytes.", "file_too_large")
    count = db.session.scalar(sa.select(sa.func.count()).where(KnowledgeFile.agent_id == agent_id))
    if (count or 0) >= config.max_agent_files:
        limit = config.max_agent_files
        refuse(409, f"An agent may have at most {limit} files.", "too_many_files")
    try:
        kind = sniff(data)
        check(data, kind)
    except Refused as refused:
        refuse(
            415 if refused.reason == "unsupported_file" else 422, refused.message, refused.reason
        )
    return data, kind


def file_of(agent_id: int, file_id: int) -> KnowledgeFile:
    found = db.session.scalar(
        sa.select(KnowledgeFile).where(
            KnowledgeFile.id == file_id, KnowledgeFile.agent_id == agent_id
        )
    )
    if found is None:
        abort(404, "File not found.")
    return found


@blp.route("/<id:agent_id>/files")
class AgentFiles(MethodView):
    @blp.response(200, KnowledgeFileSchema(many=True))
    @blp.paginate()
    @login_required
    def get(
        self, agent_id: int, pagination_parameters: PaginationParameters
    ) -> list[KnowledgeFile]:
        """List the agent's files (owner or admin)"""
        agent = changeable_agent(agent_id)
        query = sa.select(KnowledgeFile).where(KnowledgeFile.agent_id == agent.id)
        return page_of(query.order_by(KnowledgeFile.id), pagination_parameters)

    @blp.arguments(UploadSchema, location="files")
    @blp.response(202, KnowledgeFileSchema)
    @blp.alt_response(413, description="file_too_large")
    @blp.alt_response(415, description="unsupported_file")
    @blp.alt_response(422, description="unreadable_file (corrupt, encrypted, a bomb)")
    @login_required
    def post(self, _upload: dict[str, object], agent_id: int) -> KnowledgeFile:
        """Attach a file (plain text, Markdown, PDF, DOCX, HTML); ingested in the background"""
        agent = changeable_agent(agent_id)
        upload = request.files["file"]
        data, kind = checked_upload(
            agent.id, upload.stream.read(deps.app_config().max_file_bytes + 1)
        )
        name = posixpath.basename((upload.filename or "").replace("\\", "/")).strip()[:255]
        row = KnowledgeFile(
            agent_id=agent.id,
            name=name or "file",
            mime_type=kind.value,
            size=len(data),
            status=FileStatus.QUEUED,
            content=data,
        )
        db.session.add(row)
        db.session.commit()
        deps.knowledge_queue().ingest(row.id)
        return row


@blp.route("/<id:agent_id>/files/<id:file_id>")
class AgentFile(MethodView):
    @blp.response(200, KnowledgeFileSchema)
    @login_required
    def get(self, agent_id: int, file_id: int) -> KnowledgeFile:
        """Get one of the agent's files, with its status"""
        return file_of(changeable_agent(agent_id).id, file_id)

    @blp.response(204)
    @login_required
    def delete(self, agent_id: int, file_id: int) -> None:
        """Delete a file: its passages are never used again"""
        agent = changeable_agent(agent_id)
        db.session.delete(file_of(agent.id, file_id))
        db.session.flush()
        recount(cast(so.Session, db.session), agent.id)
        db.session.commit()


def allow_uploads() -> None:
    """A knowledge file may be larger than other bodies, up to MAX_FILE_BYTES."""
    if request.endpoint != "knowledge.AgentFiles" or request.method != "POST":
        return
    limit = deps.app_config().max_file_bytes
    request.max_content_length = limit + MULTIPART_OVERHEAD
    if (request.content_length or 0) > limit + MULTIPART_OVERHEAD:
        refuse(413, f"Files may be at most {limit:,} bytes.", "file_too_large")


def register(app: Flask) -> None:
    app.before_request(allow_uploads)
