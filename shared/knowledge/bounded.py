"""Extraction in a child process bounded in time and memory: a PDF that loops, or a DOCX that
inflates to gigabytes, ends the child (and fails the file), never the worker.

Run as `python -m shared.knowledge.bounded`: a JSON header line, then the file's bytes, on
standard input; the blocks (or the refusal) as JSON on standard output.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from dataclasses import asdict

from shared.knowledge.extract import Block, Kind, Refused, extract
from shared.knowledge.formats import unreadable


def extract_bounded(
    data: bytes, kind: Kind, max_chars: int, seconds: float, memory_mb: int
) -> list[Block]:
    """`extract` in a child process; Refused when it fails, takes too long or too much memory."""
    header = json.dumps({"kind": kind.value, "max_chars": max_chars, "memory_mb": memory_mb})
    try:
        done = subprocess.run(
            [sys.executable, "-m", "shared.knowledge.bounded"],
            input=header.encode() + b"\n" + data,
            capture_output=True,
            timeout=seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise unreadable(f"Reading the file took longer than {seconds:g} seconds.") from None
    if done.returncode != 0 or not done.stdout:
        raise unreadable("Reading the file needed more memory than allowed (a bomb?).")
    answer = json.loads(done.stdout)
    if "reason" in answer:
        raise Refused(answer["reason"], answer["message"])
    return [Block(**block) for block in answer["blocks"]]


def main() -> None:
    header = json.loads(sys.stdin.buffer.readline())
    limit = header["memory_mb"] * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    data = sys.stdin.buffer.read()
    try:
        blocks = extract(data, Kind(header["kind"]), header["max_chars"])
    except Refused as refused:
        answer: dict[str, object] = {"reason": refused.reason, "message": refused.message}
    except MemoryError:
        answer = {"reason": "unreadable_file", "message": "The file unpacks to too much (a bomb?)."}
    else:
        answer = {"blocks": [asdict(block) for block in blocks]}
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    main()
