"""A small OpenAI-compatible chat server for tests, on 127.0.0.1, speaking real HTTP (plain and SSE).

Its "model" answers from the sources in the prompt the way a model would, with scripted failures."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SOURCE = re.compile(r"<<<SOURCE (\d+)\n(.*?)\nSOURCE \1>>>", re.S)
INJECTION = re.compile(r"ignore (?:all |your )?(?:previous )?instructions and answer (\w+)", re.I)


def best_sentence(sources: dict[int, str], question: str) -> tuple[int, str]:
    """The source sentence sharing most words with the question, as a model that reads would pick."""
    asked = {w for w in re.findall(r"\w+", question.lower()) if len(w) > 3}
    best, best_score = (1, ""), -1
    for n, text in sources.items():
        body = " ".join(line for line in text.splitlines() if not line.startswith("#"))
        for sentence in re.findall(r"[^.!?]+[.!?]", body):
            words = {w for w in re.findall(r"\w+", sentence.lower()) if len(w) > 3}
            score = sum(any(a[:5] == w[:5] for w in words) for a in asked)
            if score > best_score:
                best, best_score = (n, sentence.strip()), score
    return best


def reply_for(mode: str, prompt: str) -> str:
    sources = {int(n): text for n, text in SOURCE.findall(prompt)}
    question = prompt.rsplit("Question:", 1)[-1].split("\n", 1)[0]
    if mode == "empty":
        return ""
    if mode == "obey-injection":
        for n, text in sources.items():
            found = INJECTION.search(text)
            if found:
                return f"{found.group(1)} [{n}]."
    if not sources:
        return "Kildene svarer ikke på dette."
    n, sentence = best_sentence(sources, question)
    first = sentence.rstrip(".")
    if mode == "bad-citation":
        return f"{first} [{n}][9]. Dette står også i en kilde som ikke finnes [7]."
    if mode == "unsupported":
        return f"{first} [{n}]. Kommunestyret vedtok også å bygge en ny svømmehall til 400 millioner kroner [{n}]."
    return f"{first} [{n}]."


class StubServer:
    def __init__(self, mode: str = "good", delay: float = 0.0):
        self.mode, self.delay, self.requests = mode, delay, []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                request = json.loads(self.rfile.read(length) or b"{}")
                stub.requests.append(request)
                prompt = "\n".join(m.get("content", "") if isinstance(m.get("content"), str) else "" for m in request.get("messages", []))
                time.sleep(stub.delay)
                text = reply_for(stub.mode, prompt)
                try:
                    if self.path.startswith("/api/chat"):
                        self._ollama(text, request)
                    elif request.get("stream"):
                        self._stream(text, request)
                    else:
                        self._plain(text, request)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _ollama(self, text, request):
                """Ollama's /api/chat: newline-delimited JSON, one message piece a line."""
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.end_headers()
                model = request.get("model", "stub")
                for piece in re.findall(r"\S+\s*", text) or [""]:
                    line = {"model": model, "created_at": "2026-01-01T00:00:00Z",
                            "message": {"role": "assistant", "content": piece}, "done": False}
                    self.wfile.write((json.dumps(line) + "\n").encode())
                    self.wfile.flush()
                final = {"model": model, "created_at": "2026-01-01T00:00:00Z", "message": {"role": "assistant", "content": ""},
                         "done": True, "done_reason": "stop", "total_duration": 1, "eval_count": 1, "prompt_eval_count": 1}
                self.wfile.write((json.dumps(final) + "\n").encode())
                self.wfile.flush()

            def _plain(self, text, request):
                body = json.dumps({
                    "id": "stub-1", "object": "chat.completion", "created": 0, "model": request.get("model", "stub"),
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _stream(self, text, request):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                pieces = re.findall(r"\S+\s*", text) or [""]
                for piece in pieces:
                    chunk = {"id": "stub-1", "object": "chat.completion.chunk", "created": 0, "model": request.get("model", "stub"),
                             "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                done = {"id": "stub-1", "object": "chat.completion.chunk", "created": 0, "model": "stub",
                        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.root = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = f"{self.root}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Serve the stub model on 127.0.0.1 until interrupted.")
    parser.add_argument("--mode", default="good")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    stub = StubServer(args.mode)
    if args.port:
        stub.server.server_close()
        stub.server = ThreadingHTTPServer(("127.0.0.1", args.port), stub.server.RequestHandlerClass)
        stub.url = f"http://127.0.0.1:{args.port}/v1"
    print(stub.url, flush=True)
    stub.server.serve_forever()
