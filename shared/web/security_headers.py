"""Security headers on every response of both services.

JSON responses get a CSP that allows nothing (they are data, never a page). The Swagger UI
pages (`/api/docs`, `/voice/docs`) run an inline script on the origin that holds the tokens,
so their CSP allows exactly that script by its hash and the locally served assets, nothing
else. The web UI sets its own, stricter-scoped CSP (shared/web/webui.py), which is kept.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

NO_CONTENT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def script_hashes(html: str) -> list[str]:
    """CSP source expressions for each inline script of `html`."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in INLINE_SCRIPT.findall(html)
    ]


def docs_csp(html: str) -> str:
    """The CSP of a Swagger UI page: its own inline scripts by hash, local assets only."""
    scripts = " ".join(["'self'", *script_hashes(html)])
    return (
        f"default-src 'none'; script-src {scripts}; style-src 'self'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'none'"
    )


def is_docs_page(path: str, mimetype: str | None) -> bool:
    return mimetype == "text/html" and path in ("/api/docs", "/voice/docs")


def missing_headers(
    present: Iterable[str], path: str, mimetype: str | None, html: str | None
) -> dict[str, str]:
    """The security headers a response still lacks (headers it already has are kept)."""
    wanted = dict(COMMON)
    wanted["Content-Security-Policy"] = (
        docs_csp(html) if html is not None and is_docs_page(path, mimetype) else NO_CONTENT_CSP
    )
    have = {name.lower() for name in present}
    return {name: value for name, value in wanted.items() if name.lower() not in have}
