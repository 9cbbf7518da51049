"""JSON bodies are checked by the shared rule (shared/web/jsonbody.py) before any view parses them.

A refused body raises BadBody, answered by the shared error table (shared/web/error_table.py).

A body sent without a length (`Transfer-Encoding: chunked`) is read here up to the request's
limit, one byte more telling that it is over: 413, as for a body whose length says so (Werkzeug
would cut it at the limit and the rest would look like broken JSON). A view that allows a larger
body (uploads, imports) raises the limit before reading, and sized bodies are refused before a
byte is read, as before.
"""

from __future__ import annotations

import io

from flask import Flask, request

from api.http import abort
from shared.web.error_table import describe_limit
from shared.web.jsonbody import check_json_body, is_json_media_type


def check_body() -> None:
    if request.mimetype and is_json_media_type(request.mimetype):
        if request.content_length is None:
            buffer_unsized_body(request.max_content_length)
        check_json_body(request.get_data(cache=True))


def buffer_unsized_body(limit: int | None) -> None:
    """Read a body of unknown length whole (413 past `limit`), then serve it as a sized one."""
    environ = request.environ
    if limit is None or "wsgi.input_terminated" not in environ:
        return  # the server does not end such streams: Werkzeug reads none of it
    body = environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        abort(413, f"The request body is larger than the {describe_limit(limit)} limit.")
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)


def register(app: Flask) -> None:
    app.before_request(check_body)
