"""Profile a service under one benchmark scenario with py-spy (`python -m bench.profile`).

Starts the stack, records the API or voice workers with py-spy while the scenario runs, and
prints the functions with the most inclusive samples (collapsed stacks are kept in the log
directory for a flame graph).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.client import Session, http_client, small_webm
from bench.services import BIN, Stack, database_url
from bench.voice_stream import PACE, streamed


async def load(stack: Stack, kind: str, seconds: float, concurrency: int) -> int:
    http = http_client()
    sessions = [await Session.guest(http, stack.api, stack.voice) for _ in range(concurrency)]
    audio = small_webm()
    done = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds

    async def worker(session: Session) -> None:
        nonlocal done
        while loop.time() < deadline:
            if kind == "text":
                await session.text_turn()
            elif kind == "read":
                await session.tail_page()
            elif kind == "voice":
                await session.voice_turn(audio)
            elif kind == "stream":
                await session.stream_turn()
            elif kind == "voicestream":
                await streamed(session, audio)
            done += 1

    await asyncio.gather(*(worker(s) for s in sessions))
    await http.aclose()
    return done


def summarize(raw: Path, top: int, focus: str) -> str:
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():  # py-spy's own messages in the file
            continue
        n = int(count)
        total += n
        frames = {
            f.split(" (")[0] + " (" + f.split(" (")[-1] if " (" in f else f
            for f in stack.split(";")
        }
        for frame in frames:
            if focus in frame:
                inclusive[frame] += n
    lines = [f"{total} samples; inclusive share of frames matching {focus!r}:"]
    for frame, n in inclusive.most_common(top):
        lines.append(f"{100 * n / max(total, 1):5.1f}%  {frame}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=["text", "read", "voice", "stream", "voicestream"])
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--focus", default="", help="only frames containing this text")
    parser.add_argument("--idle", action="store_true", help="include idle (waiting) samples")
    parser.add_argument(
        "--gil", action="store_true", help="only the thread holding the GIL (Python CPU time)"
    )
    parser.add_argument("--port-base", type=int, default=19500)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="bench-profile-")
    url = database_url(args.database, workdir, "bench_profile")
    stack = Stack(url, args.port_base + 1, args.port_base + 2, args.port_base + 3)
    try:
        stack.start()
        stack.set_upstream(latency=args.latency)
        if args.kind == "voicestream":  # the streamed voice bench's pace and six sentences
            stack.set_upstream(**PACE)
        server = "gunicorn" if args.kind in ("text", "read") else "hypercorn"
        workers = stack.worker_pids(server)
        raw = Path(workdir) / f"{args.kind}.raw"
        spies = []
        for pid in workers:
            command = [
                str(BIN / "py-spy"),
                "record",
                "--format",
                "raw",
                "--rate",
                "200",
                "-o",
                f"{raw}.{pid}",
                "-d",
                str(int(args.seconds)),
                "--pid",
                str(pid),
                "--nonblocking",
            ]
            if args.idle:
                command.append("--idle")
            if args.gil:
                command.append("--gil")
            spies.append(
                subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
        done = asyncio.run(load(stack, args.kind, args.seconds, args.concurrency))
        for spy in spies:
            spy.wait(timeout=60)
        raw.write_text(
            "".join(
                Path(f"{raw}.{pid}").read_text(errors="replace")  # py-spy may cut a frame name
                for pid in workers
                if Path(f"{raw}.{pid}").exists()
            )
        )
        print(
            f"{done} {args.kind} requests in {args.seconds:.0f} s at concurrency "
            f"{args.concurrency}; workers {workers}"
        )
        print(summarize(raw, args.top, args.focus))
        print(f"(collapsed stacks: {raw.name} in the temp directory)", file=sys.stderr)
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
