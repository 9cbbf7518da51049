"""Streamed PCM regrouped into whole 16-bit samples, whatever sizes its chunks came in."""

from __future__ import annotations

from collections.abc import AsyncIterator

from shared.media.audio import whole_samples


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_a_sample_split_across_chunks_goes_with_the_second() -> None:
    regrouped = [c async for c in whole_samples(chunks(b"\x01", b"\x02\x03", b"", b"\x04\x05\x06"))]
    assert regrouped == [b"\x01\x02", b"\x03\x04\x05\x06"]


async def test_whole_chunks_pass_unchanged_and_a_trailing_half_sample_is_dropped() -> None:
    regrouped = [c async for c in whole_samples(chunks(b"\x01\x02", b"\x03\x04", b"\x05"))]
    assert regrouped == [b"\x01\x02", b"\x03\x04"]
