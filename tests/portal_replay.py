"""A local Elements portal on 127.0.0.1 that replays the recorded API responses of Steinkjer's portal
(../shared/corpus/minutes/portal_replay) and serves PDFs made from the shared protocol texts, with faults
on demand: a timeout, a 500, malformed JSON, a truncated PDF, a 403, for a given path and number of times.

    python -m tests.portal_replay [--port 8765]     # all 16 meetings, for trying `assistant sync elements`
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

from .minutes_fixture import minutes_pdf

TENANT = "840029212_PROD-840029212"


class Replay:
    def __init__(self, shared: Path, meetings: set[int] | None = None, hidden: set[int] | None = None):
        root = shared / "corpus/minutes/portal_replay"
        self.listing = json.loads((root / "moter.json").read_text(encoding="utf-8"))
        self.recorded = {int(p.stem): json.loads(p.read_text(encoding="utf-8")) for p in (root / "moter").glob("*.json")}
        if meetings is not None:
            self.recorded = {k: v for k, v in self.recorded.items() if k in meetings}
        self.hidden = set(hidden or ())
        self.texts = {}
        for line in (shared / "corpus/minutes/steinkjer_2026.jsonl").open(encoding="utf-8"):
            row = json.loads(line)
            self.texts[int(row["id"].split("-")[1])] = row
        self.treatments = {t["Id"]: (mid, t) for mid, m in self.recorded.items() for t in m["behandlinger"]}
        self.faults: dict[str, list[str]] = defaultdict(list)  # path → faults to apply, one per request
        self.log: list[str] = []
        self.on_request: Callable[[int, str], None] | None = None
        self._pdfs: dict[str, bytes] = {}
        self._lock = threading.Lock()

    # ---- what the portal answers ------------------------------------------------------------------
    def visible(self, meeting_id: int) -> bool:
        return meeting_id in self.recorded and meeting_id not in self.hidden

    def respond(self, path: str, headers) -> tuple[int, str, bytes]:
        api = re.match(r"/publikum/api/(.+)$", path)
        if api:
            if headers.get("tenant") != TENANT:
                return 400, "application/json", b'{"message": "tenant header missing"}'
            return self._api(api.group(1))
        document = re.match(r"/publikum/Documents/(ShowDmbHandlingDocument|ShowDocument)/[^/]+/(\d+)/(\w+)$", path)
        if document:
            return self._document(document.group(1), int(document.group(2)), document.group(3))
        return 404, "text/plain", b"not found"

    def _api(self, route: str) -> tuple[int, str, bytes]:
        if route.startswith("PredefinedQuery/DmbMeetings"):
            # Other bodies' meetings are listed as the portal lists them; of the kommunestyre and the formannskap
            # (the recorded bodies) only the meetings this replay has and does not hide.
            rows = [m for m in self.listing if m["UT_NAVN"] not in ("Kommunestyre", "Formannskap") or self.visible(m["MO_ID"])]
            return self._json(rows)
        match = re.match(r"Meetings/(\d+)$", route)
        if match and self.visible(int(match.group(1))):
            return self._json(self.recorded[int(match.group(1))]["detaljer"])
        match = re.match(r"DmbHandlings/GetByMeetingId/(\d+)$", route)
        if match and self.visible(int(match.group(1))):
            agenda = [{**t, "RegistryEntry": None, "AdditionalDmbHandlings": []} for t in self.recorded[int(match.group(1))]["behandlinger"]]
            return self._json(agenda)
        match = re.match(r"DmbHandlings/(\d+)$", route)
        if match and int(match.group(1)) in self.treatments and self.visible(self.treatments[int(match.group(1))][0]):
            return self._json(self.treatments[int(match.group(1))][1])
        return 404, "application/json", b'{"message": "not found"}'

    def _document(self, kind: str, owner: int, last: str) -> tuple[int, str, bytes]:
        if kind == "ShowDmbHandlingDocument":
            row = self.texts.get(owner)
            if row is None or owner not in self.treatments:
                return 404, "text/plain", b"not found"
            return 200, "application/pdf", self._pdf(f"p{owner}", row["text"])
        for _, treatment in self.treatments.values():
            registry = treatment.get("RegistryEntry") or {}
            for item in registry.get("Documents") or []:
                description = item["DocumentDescription"]
                if registry.get("Id") == owner and str(description["Id"]) == last:
                    text = (f"Saksframlegg\n\n{description['DocumentTitle']}\n\n" if item.get("DocumentLinkTypeId") == "SF" else
                            f"Vedlegg\n\n{description['DocumentTitle']}\n\n") + \
                        f"Dokument {description['Id']} i arkivsak {registry.get('Id')}, Steinkjer kommune.\n"
                    return 200, "application/pdf", self._pdf(f"d{description['Id']}", text)
        return 404, "text/plain", b"not found"

    def _pdf(self, key: str, text: str) -> bytes:
        with self._lock:
            if key not in self._pdfs:
                self._pdfs[key] = make_pdf(text)
            return self._pdfs[key]

    @staticmethod
    def _json(value) -> tuple[int, str, bytes]:
        return 200, "application/json; charset=utf-8", json.dumps(value, ensure_ascii=False).encode("utf-8")

    # ---- serving ------------------------------------------------------------------------------------
    def serve(self, port: int = 0) -> "ReplayServer":
        return ReplayServer(self, port)


def make_pdf(text: str) -> bytes:
    "The text printed as Elements' protocol PDFs read when extracted (tests/minutes_fixture.py), in memory."
    buffer = io.BytesIO()
    minutes_pdf(text, buffer)
    return buffer.getvalue()


class ReplayServer:
    def __init__(self, replay: Replay, port: int = 0):
        self.replay = replay
        handler = _handler(replay)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/publikum/{TENANT}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _handler(replay: Replay):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            with replay._lock:
                replay.log.append(self.path)
                count = len(replay.log)
                fault = replay.faults[self.path].pop(0) if replay.faults.get(self.path) else None
            if replay.on_request:
                replay.on_request(count, self.path)
            if fault == "timeout":
                time.sleep(2.0)  # longer than the test client's timeout; the client has gone
                return
            if fault == "500":
                return self._send(500, "text/plain", b"internal error")
            if fault == "403":
                return self._send(403, "text/plain", b"forbidden")
            status, kind, body = replay.respond(self.path, self.headers)
            if fault == "badjson" and status == 200:
                body = body[: len(body) // 2]
            if fault == "truncated" and status == 200:
                body = body[: len(body) // 2]
            self._send(status, kind, body)

        def _send(self, status: int, kind: str, body: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.end_headers()  # no Content-Length, as the portal sends documents
                self.wfile.write(body)
                self.close_connection = True
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared")
    args = parser.parse_args()
    server = Replay(args.shared).serve(args.port)
    print(f"replaying on {server.url}  (Ctrl-C to stop)")
    try:
        server.thread.join()
    except KeyboardInterrupt:
        server.close()
