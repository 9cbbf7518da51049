"""Write the Postman collection, or check the committed one is fresh.

    python postman/build_collection.py           # regenerate agent-chatbot.postman_collection.json
    python postman/build_collection.py --check   # exit 1 if the committed file is stale

The requests are rows of data in `postman/table/` (one module per group of folders), their checks
named builders in `postman/table/checks.py`; edit those, then regenerate and commit the JSON.
The output is deterministic (fixed key order, nothing generated per run), so CI can compare it.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLLECTION = HERE / "agent-chatbot.postman_collection.json"
REGENERATE = "python postman/build_collection.py"

# Run as a script, Python puts this directory on sys.path; imported (the tests), it may not be.
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from table.collection import collection  # noqa: E402


def render() -> str:
    """The collection as the exact text that is committed."""
    return json.dumps(collection(), indent=2, ensure_ascii=False) + "\n"


def stale_message(path: Path = COLLECTION) -> str | None:
    """None when `path` holds what the builder produces, else what differs and how to fix it."""
    if not path.exists():
        return f"{display(path)} is missing: generate it with `{REGENERATE}` and commit it."
    fresh = render()
    current = path.read_text(encoding="utf-8")
    if current == fresh:
        return None
    diff = difflib.unified_diff(
        current.splitlines(), fresh.splitlines(), "committed", "fresh build", n=1, lineterm=""
    )
    excerpt = "\n".join(list(diff)[:30])
    return (
        f"{display(path)} is stale: it differs from a fresh build of postman/table/.\n"
        f"Regenerate it with `{REGENERATE}` and commit it.\n{excerpt}"
    )


def display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(HERE.parent))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed file is stale")
    parser.add_argument(
        "--output",
        type=Path,
        default=COLLECTION,
        help="the file to write or check (default: the committed one)",
    )
    args = parser.parse_args(argv)
    if args.check:
        message = stale_message(args.output)
        print(
            message or f"{display(args.output)} is up to date",
            file=sys.stderr if message else sys.stdout,
        )
        return 1 if message else 0
    args.output.write_text(render(), encoding="utf-8")
    print(f"wrote {display(args.output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
