"""Knowledge files: an owner uploads, lists, reads and deletes an agent's files."""

from __future__ import annotations

from .checks import equals, error_reason, header, is_type, one_of, saves, var
from .rows import Folder, Row

AGENT = {"name": "Knowledge tester", "prompt": "Answer from your files.", "is_public": False}
FILES = "/api/agents/{{knowledge_agent_id}}/files"
ONE = FILES + "/{{file_id}}"
FACTS = ({"key": "file", "type": "file", "src": "facts.txt"},)

FOLDER = Folder(
    "Knowledge files",
    "Files attached to an agent (multipart `file`), read in the background by the worker; "
    "only the owner or an admin sees them.",
    (
        Row(
            "Create an agent for files",
            "POST",
            "/api/agents",
            201,
            body=AGENT,
            checks=(saves("knowledge_agent_id", "id"),),
        ),
        Row(
            "Upload a text file",
            "POST",
            FILES,
            202,
            form=FACTS,
            checks=(
                equals("name", "facts.txt"),
                equals("agent_id", var("knowledge_agent_id")),
                one_of("status", ["queued", "processing", "ready"]),
                saves("file_id", "id"),
            ),
        ),
        Row(
            "Upload a file of an unsupported kind",
            "POST",
            FILES,
            415,
            form=({"key": "file", "type": "file", "src": "sample.wav"},),
            checks=(error_reason("unsupported_file"),),
        ),
        Row(
            "List the agent's files",
            "GET",
            FILES,
            200,
            checks=(header("X-Pagination"), is_type("", "array")),
        ),
        Row("Read one file", "GET", ONE, 200, checks=(equals("name", "facts.txt"),)),
        Row("Read one file without a token", "GET", ONE, 401, token=None),
        Row("Delete the file", "DELETE", ONE, 204),
        Row("Read the deleted file", "GET", ONE, 404),
        Row("Delete the agent for files", "DELETE", "/api/agents/{{knowledge_agent_id}}", 204),
    ),
)
