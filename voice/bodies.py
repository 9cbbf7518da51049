"""Request body caps, chosen from the request line and headers before any body byte is read.

Only a multipart recording to the voice turn endpoint may be large (MAX_AUDIO_BYTES); every
other body is a small JSON document and gets the API's cap. Quart buffers a body as it
arrives and stops at the cap, so an oversized body is refused while it is being read.
"""

from __future__ import annotations

import re
from typing import Any

from quart import Quart, Request, request
from werkzeug.datastructures import Headers

from shared.web.jsonbody import check_json_body, is_json_media_type

JSON_BODY_LIMIT = 64 * 1024
AUDIO_UPLOAD_PATH = re.compile(r"/voice/chats/[^/]+/messages")


def body_limit(method: str, path: str, content_type: str, audio_limit: int) -> int:
    """The largest body this request may send."""
    media_type = content_type.partition(";")[0].strip().lower()
    if (
        method == "POST"
        and media_type == "multipart/form-data"
        and AUDIO_UPLOAD_PATH.fullmatch(path)
    ):
        return audio_limit
    return JSON_BODY_LIMIT


class CappedRequest(Request):
    """A request whose body cap depends on what it is (see `body_limit`)."""

    def __init__(
        self,
        method: str,
        scheme: str,
        path: str,
        query_string: bytes,
        headers: Headers,
        *args: Any,
        max_content_length: int | None = None,
        **kwargs: Any,
    ) -> None:
        audio_limit = max_content_length or JSON_BODY_LIMIT
        limit = body_limit(method, path, headers.get("Content-Type", ""), audio_limit)
        super().__init__(
            method, scheme, path, query_string, headers, *args, max_content_length=limit, **kwargs
        )
        self.max_content_length = limit


async def check_body() -> None:
    """The shared JSON body rule, before quart-schema parses the body (at most 64 KiB)."""
    if request.mimetype and is_json_media_type(request.mimetype):
        check_json_body(await request.get_data(True, False, False))


def register(app: Quart) -> None:
    app.request_class = CappedRequest
    app.before_request(check_body)
