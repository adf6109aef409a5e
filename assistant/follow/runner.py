"""Adding, listing, removing and running follows. A saved search reports the documents that match it and
were not there at the last run (on adding, what already matches is taken as seen); a saved question is
asked again, and when the documents its answer cites change (another set, or new versions), the old and
the new answer are kept side by side, both with their citations."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..analysis import analyze, content_terms
from ..errors import AssistantError
from ..retrieval import Filters
from .store import MAX_ITEMS, FollowStore, check_name, now

SEARCH_DEPTH = 50  # documents a saved search looks through per run


def filters_json(filters: Filters | None) -> dict[str, Any]:
    f = filters or Filters()
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in (
        ("body", f.body), ("municipality", f.municipality), ("doc_type", f.doc_type), ("since", f.since), ("until", f.until)) if v}


def filters_from(data: dict[str, Any]) -> Filters:
    return Filters(body=data.get("body"), municipality=data.get("municipality"), doc_type=data.get("doc_type"),
                   since=date.fromisoformat(data["since"]) if data.get("since") else None,
                   until=date.fromisoformat(data["until"]) if data.get("until") else None)


def add_follow(assistant, name: str, search: str | None = None, question: str | None = None,
               filters: Filters | None = None) -> dict[str, Any]:
    check_name(name)
    if bool(search) == bool(question):
        raise AssistantError("follow either a search (--search) or a question (--question)")
    follow: dict[str, Any] = {"name": name, "kind": "search" if search else "question", "query": (search or question).strip(),
                              "filters": filters_json(filters), "created": now(), "last_run": None, "items": [],
                              "seen": [], "answer": None, "answer_signature": None, "changes": []}
    if search:
        follow["seen"] = sorted(d["doc_id"] for d in matching(assistant, follow))
    else:
        answer = assistant.ask(follow["query"], filters=filters_from(follow["filters"]))
        follow["answer"], follow["answer_signature"] = answer.as_json(), signature(assistant, answer)
    store = FollowStore(assistant.settings.data_dir)
    with store.locked() as data:
        if name in data["follows"]:
            raise AssistantError(f"a follow named '{name}' exists; remove it first or pick another name")
        data["follows"][name] = follow
    return summary(follow)


def list_follows(assistant) -> list[dict[str, Any]]:
    return [summary(f) for f in FollowStore(assistant.settings.data_dir).read()["follows"].values()]


def remove_follow(assistant, name: str) -> None:
    with FollowStore(assistant.settings.data_dir).locked() as data:
        if data["follows"].pop(name, None) is None:
            raise AssistantError(f"no follow named '{name}'")


def run_follows(assistant) -> dict[str, Any]:
    """Each follow's news since its last run: `{"follows": [{"name", "new": [...], "answer_changed": {...} | null}]}`.
    Run twice with nothing new in between, the second run reports nothing."""
    results = []
    with FollowStore(assistant.settings.data_dir).locked() as data:
        for follow in data["follows"].values():
            entry: dict[str, Any] = {"name": follow["name"], "kind": follow["kind"], "new": [], "answer_changed": None}
            if follow["kind"] == "search":
                seen = set(follow["seen"])
                found = [row for row in matching(assistant, follow) if row["doc_id"] not in seen]
                stamp = now()
                entry["new"] = [item(row) for row in found]
                follow["seen"] = sorted(seen | {row["doc_id"] for row in found})
                follow["items"] = ([{**i, "found": stamp} for i in entry["new"]] + follow["items"])[:MAX_ITEMS]
            else:
                answer = assistant.ask(follow["query"], filters=filters_from(follow["filters"]))
                new_signature = signature(assistant, answer)
                if new_signature != follow["answer_signature"]:
                    change = {"before": follow["answer"], "after": answer.as_json(), "at": now()}
                    entry["answer_changed"] = {"before": change["before"], "after": change["after"]}
                    follow["changes"] = ([change] + follow["changes"])[:20]
                    follow["items"] = ([{"doc_id": c["doc_id"], "title": c["title"], "case_number": c.get("case_number"),
                                         "body": c.get("body"), "date": c.get("date"), "url": c.get("url"), "found": change["at"],
                                         "summary": answer.text.split("\n")[0][:300]} for c in change["after"]["citations"]]
                                       + follow["items"])[:MAX_ITEMS]
                    follow["answer"], follow["answer_signature"] = change["after"], new_signature
            follow["last_run"] = now()
            results.append(entry)
    return {"follows": results}


def matching(assistant, follow: dict[str, Any]) -> list[dict[str, Any]]:
    """Documents that match a saved search: among the best SEARCH_DEPTH for it, those whose title and best
    passage hold every content word of the query (a follow must not fire on a merely similar decision)."""
    terms = set(content_terms(follow["query"])) or set(analyze(follow["query"]))
    rows = assistant.search(follow["query"], k=SEARCH_DEPTH, filters=filters_from(follow["filters"]))
    return [row for row in rows if terms <= set(analyze(f"{row.get('title') or ''} {row.get('text') or ''}"))
            and row.get("doc_type") != "møteprotokoll"]


def signature(assistant, answer) -> list[list[str]]:
    "What the answer rests on: each cited document with the version indexed now."
    docs = assistant.retriever.index.docs
    return sorted([c.doc_id, str(docs.get(c.doc_id, {}).get("content_hash", ""))] for c in answer.citations) + \
        [["abstained", str(answer.abstained)]]


def item(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in ("doc_id", "title", "case_number", "body", "date", "url")}


def summary(follow: dict[str, Any]) -> dict[str, Any]:
    return {"name": follow["name"], "kind": follow["kind"], "query": follow["query"], "filters": follow["filters"],
            "created": follow["created"], "last_run": follow["last_run"], "seen": len(follow.get("seen", [])),
            "items": len(follow.get("items", []))}
