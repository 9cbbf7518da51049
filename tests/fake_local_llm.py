"""A fake local OpenAI-compatible server in the shape Ollama serves on its default port.

`GET /v1/models` lists models (or answers `models_status` / a non-list, to play a server that
is something else), and `POST /v1/chat/completions` answers plain or streamed, with "local: "
in front of the last user message, so a test can tell it from the fake OpenAI upstream.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class LocalBehaviour:
    models: list[str] = field(default_factory=lambda: ["llama3.2:1b", "qwen2.5:0.5b"])
    models_status: int = 200
    models_body: Any = None  # when set, sent instead of the model list
    requests: list[dict[str, Any]] = field(default_factory=list)

    def reply_to(self, request: dict[str, Any]) -> str:
        said = [m["content"] for m in request.get("messages", []) if m.get("role") == "user"]
        return f"local: {said[-1] if said else ''}"


class LocalHandler(BaseHTTPRequestHandler):
    server: FakeLocalServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        behaviour = self.server.behaviour
        behaviour.requests.append({"path": self.path})
        if self.path != "/v1/models":
            self._json(404, {"error": {"message": "not found"}})
            return
        listing = [{"id": m, "object": "model", "owned_by": "library"} for m in behaviour.models]
        body = behaviour.models_body if behaviour.models_body is not None else {"data": listing}
        self._json(
            behaviour.models_status, {"object": "list", **body} if isinstance(body, dict) else body
        )

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        self.server.behaviour.requests.append({"path": self.path, **request})
        if self.path != "/v1/chat/completions":
            self._json(404, {"error": {"message": "not found"}})
            return
        text = self.server.behaviour.reply_to(request)
        if request.get("stream"):
            self._stream(text, request.get("model", ""))
        else:
            self._json(200, completion(text, request.get("model", "")))

    def _stream(self, text: str, model: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        for index, word in enumerate(text.split(" ")):
            piece = word if index == 0 else f" {word}"
            delta = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": model}
            delta["choices"] = [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]
            self.wfile.write(f"data: {json.dumps(delta)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")
        self.close_connection = True

    def _json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def completion(text: str, model: str) -> dict[str, Any]:
    message = {"role": "assistant", "content": text}
    return {
        "id": "local-1",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
    }


class FakeLocalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), LocalHandler)
        self.behaviour = LocalBehaviour()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def start(self) -> FakeLocalServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
