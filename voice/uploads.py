"""Reading a recording from a multipart upload, within the size limit, as what its bytes are."""

from __future__ import annotations

import asyncio
from typing import IO

from quart import request
from werkzeug.exceptions import RequestEntityTooLarge

from shared.core.config import Config
from shared.media.audio import Recording, examine_recording
from voice.errors import Problem

FIELD = "audio"
CHUNK = 1024 * 1024


def too_large(config: Config) -> Problem:
    limit = config.max_audio_bytes / (1024 * 1024)
    return Problem(
        413,
        f"The recording is larger than the {limit:g} MiB limit.",
        {FIELD: [f"At most {config.max_audio_bytes:,} bytes."]},
    )


async def read_recording(config: Config) -> Recording:
    """The uploaded recording, its real container and seconds; 4xx for anything else.

    Quart stops reading the body past MAX_CONTENT_LENGTH, and the file part is read in chunks
    up to the limit, so an oversized upload is never held whole. Nothing is ever saved under
    the client's file name: the data stays in memory or in an anonymous temporary file.
    """
    if request.mimetype != "multipart/form-data":
        raise Problem(415, f"Send the recording as multipart/form-data in the field '{FIELD}'.")
    try:
        files = await request.files
    except RequestEntityTooLarge as exc:
        raise too_large(config) from exc
    upload = files.get(FIELD)
    if upload is None:
        message = f"The field '{FIELD}' with the recording is required."
        raise Problem(422, message, {FIELD: [message]})
    data = await asyncio.to_thread(read_capped, upload.stream, config.max_audio_bytes)
    if data is None:
        raise too_large(config)
    return await asyncio.to_thread(examine_recording, data, config.max_audio_seconds)


def read_capped(stream: IO[bytes], limit: int) -> bytes | None:
    """Up to `limit` bytes of `stream`, or None when it holds more."""
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
