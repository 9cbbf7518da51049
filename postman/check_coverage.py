"""Fail when an endpoint in a running service's OpenAPI has no request in the collection.

Usage: `python postman/check_coverage.py API_URL [VOICE_URL]` (bin/postman-check runs it).
"""

from __future__ import annotations

import json
import re
import sys
import urllib.request
from pathlib import Path

COLLECTION = Path(__file__).resolve().parent / "agent-chatbot.postman_collection.json"
PARAMETER = re.compile(r"\{\{?[^}]+\}\}?|(?<=/)\d+(?=/|$)")


def documented_operations(openapi_url: str) -> set[tuple[str, str]]:
    with urllib.request.urlopen(openapi_url, timeout=10) as response:
        spec = json.load(response)
    return {
        (method.upper(), PARAMETER.sub("{}", path))
        for path, operations in spec["paths"].items()
        for method in operations
        if method != "parameters"
    }


def collection_operations() -> set[tuple[str, str]]:
    collection = json.loads(COLLECTION.read_text())
    operations = set()
    for folder in collection["item"]:
        for item in folder["item"]:
            url = re.sub(r"^\{\{\w+_url\}\}", "", item["request"]["url"]).split("?")[0]
            operations.add((item["request"]["method"], PARAMETER.sub("{}", url)))
    return operations


def main(urls: list[str]) -> int:
    prefixes = ["/api/openapi.json", "/voice/openapi.json"]
    documented: set[tuple[str, str]] = set()
    for base, path in zip(urls, prefixes, strict=False):
        documented |= documented_operations(base.rstrip("/") + path)
    missing = sorted(documented - collection_operations())
    for method, path in missing:
        print(f"not in the Postman collection: {method} {path}", file=sys.stderr)
    covered = len(documented) - len(missing)
    print(f"collection covers {covered}/{len(documented)} documented operations")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
