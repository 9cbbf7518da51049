import os, time, json
_F = open(f"/tmp/trace-{os.getpid()}.jsonl", "a", buffering=1)
def mark(tag: str, key: int) -> None:
    _F.write(json.dumps([key, tag, time.time()]) + "\n")
