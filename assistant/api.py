"""The read-only HTTP API beside the page (`assistant api`): the same library calls and the same JSON
shapes as the command line's --json. Bad parameters get 422 with a message; each client gets
ASSISTANT_API_RATE_PER_MINUTE requests a minute; bodies over 64 KB are refused; the one endpoint that
writes (POST /follows) answers only when ASSISTANT_API_KEY is set and sent as X-API-Key."""

# No `from __future__ import annotations`: FastAPI reads the parameter types defined inside create_app.
import threading
import time
from collections import defaultdict, deque
from datetime import date
from typing import Annotated, Any

from fastapi import Body, FastAPI, Header, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from .config import Settings
from .errors import AssistantError
from .retrieval import Filters

MAX_BODY_BYTES = 64 * 1024


def create_app(settings: Settings) -> FastAPI:
    from .service import Assistant

    assistant = Assistant(settings)
    # One request at a time reaches the index: the retriever's caches are per process, not per thread.
    lock = threading.Lock()
    app = FastAPI(title="Council decisions assistant", version="0.1.0",
                  description="Search and ask the council decisions in the index; votes, cases, meetings, feeds. "
                              "Read-only; JSON as `assistant … --json` prints it.")
    recent: dict[str, deque] = defaultdict(deque)
    limit = settings.api_rate_per_minute
    max_chars = settings.api_max_query_chars

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
            return JSONResponse({"detail": f"request body larger than {MAX_BODY_BYTES} bytes"}, status_code=413)
        client = request.client.host if request.client else "?"
        now = time.monotonic()
        window = recent[client]
        while window and now - window[0] > 60:
            window.popleft()
        if len(window) >= limit:
            return JSONResponse({"detail": f"more than {limit} requests a minute; try again shortly"}, status_code=429,
                                headers={"Retry-After": str(int(60 - (now - window[0])) + 1)})
        window.append(now)
        return await call_next(request)

    def call(function, *args, **kwargs) -> Any:
        with lock:
            try:
                return function(*args, **kwargs)
            except AssistantError as exc:
                raise HTTPException(status_code=422, detail=str(exc)) from exc

    Text = Annotated[str, Query(min_length=1, max_length=max_chars)]
    Body_ = Annotated[str | None, Query(max_length=200)]
    Day = Annotated[date | None, Query(description="YYYY-MM-DD")]

    def filters(body, municipality, doc_type, since, until) -> Filters:
        return Filters(body=body, municipality=municipality, doc_type=doc_type, since=since, until=until)

    @app.get("/search", summary="Documents ranked for a query (as `assistant search --json`)")
    def search(q: Text, k: Annotated[int, Query(ge=1, le=50)] = 10, body: Body_ = None, municipality: Body_ = None,
               type: Body_ = None, since: Day = None, until: Day = None) -> dict:
        return {"results": call(assistant.search, q, k=k, filters=filters(body, municipality, type, since, until))}

    @app.get("/ask", summary="An extractive answer with citations (as `assistant ask --json`)")
    def ask(q: Text, body: Body_ = None, municipality: Body_ = None, type: Body_ = None, since: Day = None,
            until: Day = None) -> dict:
        return call(assistant.ask, q, filters=filters(body, municipality, type, since, until)).as_json()

    @app.get("/votes", summary="Parsed votes (as `assistant votes --json`)")
    def votes(case: Body_ = None, body: Body_ = None, municipality: Body_ = None, since: Day = None, until: Day = None,
              party: Body_ = None, member: Body_ = None,
              outcome: Annotated[str | None, Query(pattern="^(vedtatt|falt)$")] = None,
              max_margin: Annotated[int | None, Query(ge=0, le=1000)] = None) -> dict:
        return {"votes": call(assistant.votes, case=case, body=body, municipality=municipality, since=since, until=until,
                              party=party, member=member, outcome=outcome, max_margin=max_margin)}

    @app.get("/cases/{key:path}", summary="A case with its path through the bodies (as `assistant case --json`)")
    def case(key: Annotated[str, Path(max_length=300)], municipality: Body_ = None) -> dict:
        return call(assistant.case, key, municipality)

    @app.get("/meetings", summary="The meetings in the index; with body and date, that meeting's digest "
                                  "(as `assistant meeting --json`)")
    def meetings(body: Body_ = None, municipality: Body_ = None, day: Annotated[date | None, Query(alias="date")] = None) -> dict:
        if day is not None:
            if not body:
                raise HTTPException(status_code=422, detail="a meeting's digest needs body as well as date")
            return call(assistant.meeting, body, day, municipality)
        return {"meetings": call(assistant.meetings, municipality=municipality, body=body)}

    @app.get("/feeds/new/{body}.atom", summary="Atom feed of the newest decisions of a body ('alle' for all)")
    def decisions_feed(body: Annotated[str, Path(max_length=200)]) -> Response:
        from .follow.atom import decisions_feed as make_feed
        from .records.views import new_decisions

        rows = call(lambda: new_decisions(assistant.records(), None if body.casefold() == "alle" else body))
        return Response(make_feed(rows, body), media_type="application/atom+xml")

    @app.get("/feeds/{name}.atom", summary="Atom feed of a saved follow")
    def follow_feed(name: Annotated[str, Path(max_length=60)]) -> Response:
        from .follow.atom import follow_feed as make_feed
        from .follow.store import FollowStore

        follow = call(FollowStore(settings.data_dir).get, name)
        return Response(make_feed(follow), media_type="application/atom+xml")

    @app.post("/follows", summary="Save a follow (only with ASSISTANT_API_KEY set and sent as X-API-Key)", status_code=201)
    def add_follow(payload: Annotated[dict, Body(examples=[{"name": "barnehage", "search": "barnehage"}])],
                   x_api_key: Annotated[str | None, Header()] = None) -> dict:
        if not settings.api_key:
            raise HTTPException(status_code=403, detail="this API is read-only (no ASSISTANT_API_KEY is set)")
        if x_api_key != settings.api_key:
            raise HTTPException(status_code=401, detail="X-API-Key missing or wrong")
        from .follow.runner import add_follow as add

        if not isinstance(payload.get("name"), str):
            raise HTTPException(status_code=422, detail="name (a string) is required")
        return call(add, assistant, payload["name"], payload.get("search"), payload.get("question"),
                    Filters(body=payload.get("body"), municipality=payload.get("municipality")))

    return app
