"""Audio decompression bombs: a few KB of FLAC that decode to hours of silence.

Each FLAC frame holds one CONSTANT subframe (the same sample 65,535 times) in 15-20 bytes,
so ten hours of 8 kHz audio fit in about 70 KB. Written by hand, since an encoder would need
minutes to produce them.
"""

from __future__ import annotations

import struct

BLOCK = 65535
RATE = 8000


def crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def utf8_number(value: int) -> bytes:
    """FLAC codes frame numbers like UTF-8 code points (beyond U+10FFFF too)."""
    if value < 0x80:
        return bytes([value])
    return chr(value).encode("utf-8", "surrogatepass")


def frame(number: int) -> bytes:
    # Fixed blocking; block size from the 16-bit field; 8 kHz; mono; 16 bits per sample.
    header = b"\xff\xf8" + bytes([0x74, 0x08]) + utf8_number(number) + struct.pack(">H", BLOCK - 1)
    header += bytes([crc8(header)])
    body = header + b"\x00" + b"\x00\x00"  # CONSTANT subframe, sample value 0
    return body + struct.pack(">H", crc16(body))


def streaminfo(total_samples: int) -> bytes:
    bits = (RATE << 44) | (0 << 41) | (15 << 36) | total_samples  # rate, channels-1, bps-1
    info = struct.pack(">HH", BLOCK, BLOCK) + b"\x00" * 6 + bits.to_bytes(8, "big") + b"\x00" * 16
    return b"fLaC" + bytes([0x80, 0, 0, len(info)]) + info


def silent_flac(seconds: float, declare_length: bool = True) -> bytes:
    """`seconds` of silence; with `declare_length` False the header does not say how long."""
    frames = max(1, int(seconds * RATE) // BLOCK)
    total = frames * BLOCK if declare_length else 0
    return streaminfo(total) + b"".join(frame(n) for n in range(frames))
