"""What the command line, the page and an API show of the records: votes as rows, a case with its path.
One JSON shape per concept."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..errors import AssistantError
from ..metadata import date_to_int
from .answering import case_path, case_status
from .index import RecordIndex
from .structure import DECISION
from .votes import fold, voters


def vote_rows(records: RecordIndex, case: str | None = None, body: str | None = None, municipality: str | None = None,
              since: date | None = None, until: date | None = None, party: str | None = None,
              member: str | None = None, outcome: str | None = None, max_margin: int | None = None) -> list[dict[str, Any]]:
    """Every parsed vote that passes the filters, newest meeting first, in the record's order within one.
    `case`: a case number ("PS 3/2026", "3/2026") or a document id; `party`: votes where that party voted
    or proposed; `member`: votes where that member voted (name folded, abbreviations allowed)."""
    rows = []
    wanted_case = " ".join(case.split()).casefold() if case else None
    party_code = party.upper() if party else None
    member_folded = fold(member) if member else None
    for doc_id, record in records.records.items():
        meta = records.meta[doc_id]
        if wanted_case and wanted_case not in (doc_id.casefold(), str(meta.get("case_number", "")).casefold(),
                                               str(meta.get("case_number", "")).casefold().split(" ")[-1]):
            continue
        if body and str(meta.get("body", "")).casefold() != body.casefold():
            continue
        if municipality and str(meta.get("municipality", "")).casefold() != municipality.casefold():
            continue
        day = date_to_int(meta.get("date"))
        if since and (day is None or day < date_to_int(since)):
            continue
        if until and (day is None or day > date_to_int(until)):
            continue
        for vote in record.votes:
            people = voters(vote)
            if party_code and party_code not in {m.party for m in people} | {vote.party} | {a.party for a in vote.alternatives}:
                continue
            if member_folded and not any(member_folded == fold(m.name) or member_folded in fold(m.name) for m in people):
                continue
            if outcome and vote.outcome != outcome:
                continue
            if max_margin is not None and (vote.margin is None or vote.margin > max_margin):
                continue
            data = vote.as_json()
            rows.append({"doc_id": doc_id, "case_number": meta.get("case_number"), "title": meta.get("title"),
                         "body": meta.get("body"), "municipality": meta.get("municipality"), "date": meta.get("date"),
                         "url": meta.get("url"), **data, "margin": vote.margin})
    rows.sort(key=lambda r: (str(r.get("date") or ""), ), reverse=True)
    return rows


def find_case(records: RecordIndex, key: str, municipality: str | None = None) -> str:
    "A document id for a case id, a document id or a case number ('PS 3/2026'); the newest treatment wins."
    key = " ".join(key.split())
    if key in records.records:
        return key
    matches = []
    for doc_id, meta in records.meta.items():
        if municipality and str(meta.get("municipality", "")).casefold() != municipality.casefold():
            continue
        number = str(meta.get("case_number", ""))
        if key.casefold() in (number.casefold(), number.split(" ")[-1].casefold(), str(meta.get("case_id", "")).casefold()):
            matches.append(doc_id)
    if not matches:
        raise AssistantError(f"no case '{key}' in the index" + (f" for {municipality}" if municipality else ""))
    bodies = {records.meta[d].get("body") for d in matches}
    if len(bodies) > 1 and not any(str(records.meta[d].get("case_id", "")) == key for d in matches):
        # "PS 3/2026" is numbered per body: several bodies have one. Say which, rather than guess.
        listing = ", ".join(sorted(f"{records.meta[d].get('body')} ({d})" for d in matches))
        raise AssistantError(f"'{key}' names cases in several bodies: {listing}; give the document id")
    return sorted(matches, key=lambda d: str(records.meta[d].get("date", "")))[-1]


def case_view(records: RecordIndex, key: str, municipality: str | None = None) -> dict[str, Any]:
    """The case's path through the bodies, each step with its innstilling, vedtak and votes where the
    protocol is indexed, where it stands now, and the original links."""
    doc_id = find_case(records, key, municipality)
    meta = records.meta[doc_id]
    steps = []
    for step in case_path(doc_id, records):
        entry = dict(step)
        other = step.get("doc_id")
        if other in records.records:
            record, text = records.records[other], records.texts[other]
            entry["url"] = records.meta[other].get("url")
            entry["vedtak"] = next((" ".join(text[p.start:p.end].split()[1:]) for p in record.parts if p.role == DECISION), None)
            entry["innstilling"] = next((" ".join(text[p.start:p.end].split()) for p in record.parts if p.role == "innstilling"), None)
            entry["votes"] = [v.as_json() for v in record.votes]
        steps.append(entry)
    return {"doc_id": doc_id, "title": meta.get("title"), "municipality": meta.get("municipality"),
            "case_id": meta.get("case_id"), "case_status": meta.get("case_status"),
            "status": case_status(doc_id, records), "path": steps, "url": meta.get("url")}


def new_decisions(records: RecordIndex, body: str | None = None, municipality: str | None = None,
                  limit: int = 50) -> list[dict[str, Any]]:
    "The newest treatments (of one body), newest first: what a 'new decisions' feed lists."
    rows = []
    for doc_id, meta in records.meta.items():
        if str(meta.get("doc_type", "")) != "saksprotokoll":
            continue
        if body and str(meta.get("body", "")).casefold() != body.casefold():
            continue
        if municipality and str(meta.get("municipality", "")).casefold() != municipality.casefold():
            continue
        rows.append({"doc_id": doc_id, "title": meta.get("title"), "case_number": meta.get("case_number"),
                     "body": meta.get("body"), "date": meta.get("date"), "url": meta.get("url"),
                     "municipality": meta.get("municipality")})
    rows.sort(key=lambda r: (str(r.get("date") or ""), str(r["doc_id"])), reverse=True)
    return rows[:limit]
