"""JSON bodies neither service may accept, with the status each must answer."""

from __future__ import annotations

BAD_BODIES: dict[str, tuple[bytes, int]] = {
    "invalid utf-8": (b'{"content": "\xff\xfe", "title": "\xff"}', 400),
    "nested 30,000 deep": (b'{"content": ' + b"[" * 30000 + b"]" * 30000 + b"}", 400),
    "nested 40 deep": (b'{"content": ' + b"[" * 40 + b"]" * 40 + b"}", 400),
    "lone surrogate": (b'{"content": "hi \\ud800 there", "title": "\\udfff"}', 422),
    "NUL in text": (b'{"content": "a\\u0000b", "title": "a\\u0000b", "name": "a\\u0000"}', 422),
    "not JSON": (b'{"content": ', 400),
}
