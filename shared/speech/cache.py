"""Spoken messages kept so a replay costs no second synthesis.

The key names the message's exact text, the voice and the speech engine, so an edited message
or another voice is a miss, never a stale clip. In one process the cache is an LRU bounded by
bytes; with Redis (`REDIS_URL`) every worker shares it, each entry expiring after `ttl`.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any, Protocol

from shared.providers.base import SpeechAudio

DEFAULT_TTL_SECONDS = 7 * 24 * 3600
REDIS_PREFIX = "speech:v1:"


def speech_key(message_id: int, text: str, voice: str, engine: str) -> str:
    digest = hashlib.sha256(f"{engine}\0{voice}\0{text}".encode()).hexdigest()[:32]
    return f"{message_id}:{digest}"


class SpeechCache(Protocol):
    async def get(self, key: str) -> SpeechAudio | None: ...

    async def put(self, key: str, audio: SpeechAudio) -> None: ...


class MemorySpeechCache:
    """Least recently used clips, at most `max_bytes` of audio in all."""

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._size = 0
        self._clips: OrderedDict[str, SpeechAudio] = OrderedDict()

    async def get(self, key: str) -> SpeechAudio | None:
        clip = self._clips.get(key)
        if clip is not None:
            self._clips.move_to_end(key)
        return clip

    async def put(self, key: str, audio: SpeechAudio) -> None:
        if len(audio.data) > self._max_bytes:
            return  # larger than the whole cache: not worth evicting everything for
        if (old := self._clips.pop(key, None)) is not None:
            self._size -= len(old.data)
        self._clips[key] = audio
        self._size += len(audio.data)
        while self._size > self._max_bytes:
            _, evicted = self._clips.popitem(last=False)
            self._size -= len(evicted.data)


class RedisSpeechCache:
    """Clips shared by every worker through Redis; a Redis failure is a miss, never an error."""

    def __init__(self, client: Any, max_entry_bytes: int, ttl: int = DEFAULT_TTL_SECONDS) -> None:
        self._redis = client
        self._max_entry_bytes = max_entry_bytes
        self._ttl = ttl

    async def get(self, key: str) -> SpeechAudio | None:
        try:
            found = await self._redis.hgetall(REDIS_PREFIX + key)
        except Exception:  # the cache is an optimisation: without Redis, synthesise again
            return None
        if not found or b"data" not in found:
            return None
        return SpeechAudio(
            data=found[b"data"],
            mime_type=found[b"mime_type"].decode(),
            extension=found[b"extension"].decode(),
        )

    async def put(self, key: str, audio: SpeechAudio) -> None:
        if len(audio.data) > self._max_entry_bytes:
            return
        fields = {"data": audio.data, "mime_type": audio.mime_type, "extension": audio.extension}
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(REDIS_PREFIX + key, mapping=fields)
                pipe.expire(REDIS_PREFIX + key, self._ttl)
                await pipe.execute()
        except Exception:
            return


def speech_cache(redis_url: str, max_bytes: int) -> SpeechCache:
    """Redis when configured (shared by all workers), else this process's memory."""
    if redis_url:
        import redis.asyncio as redis

        return RedisSpeechCache(redis.from_url(redis_url), max_entry_bytes=max_bytes // 4)
    return MemorySpeechCache(max_bytes)
