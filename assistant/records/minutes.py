"""A whole møteprotokoll in, one document per case out, plus one for the meeting itself.

Elements, ACOS WebSak and Public 360 print a meeting's minutes as: a header (Utvalg / Møtested / Dato /
Tidspunkt), the attendance (members with function and party, forfall, varamedlemmer with "møtte for"),
the saksliste, then each case: "PS 13/26 Title", "<Body>s behandling av sak 13/2026 i møte den
25.03.2026:", Behandling, proposals, votes and Vedtak. FO (interpellasjoner, spørsmål), RS (referatsaker)
and OS are cases too. Each case document carries the body, municipality, meeting date, case number and
title; the meeting document carries the attendance and the saksliste."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date

from ..documents import Document
from ..metadata import find_municipality, parse_date
from .parties import party_code
from .structure import TREATMENT_HEADER

CASE_HEAD = re.compile(r"^[ \t]*(?P<kind>PS|FO|RS|OS|FS|KS)[ \t]+(?P<number>\d{1,4})/(?P<year>\d{2,4})[ \t]+(?P<title>\S[^\n]*?)[ \t]*$", re.MULTILINE)
FIELD = re.compile(r"^[ \t]*(?P<key>Utvalg|Møtested|Møtedato|Dato|Tidspunkt|Tid|Møtetid)[ \t]*:[ \t]*(?P<value>[^\n]+?)[ \t]*$", re.MULTILINE | re.IGNORECASE)
ATTENDANCE_HEADS = re.compile(
    r"^[ \t]*(?P<head>Følgende faste medlemmer møtte|Følgende medlemmer møtte|Følgende medlemmer hadde forfall|"
    r"Følgende varamedlemmer møtte|Forfall|Møtende medlemmer|Møtende varamedlemmer|Fra administrasjonen møtte|"
    r"Saksliste|Merknader|Protokollen godkjennes)[^\n]*$",
    re.MULTILINE | re.IGNORECASE,
)
COLUMN_SPLIT = re.compile(r"\t+|[ \t]{2,}|\s\|\s")
FUNCTIONS = {"leder", "nestleder", "medlem", "medl", "nestl", "varamedlem", "vara", "varamedl", "ordfører", "varaordfører"}
MIN_CASES = 1


def is_minutes(text: str) -> bool:
    "A whole meeting's minutes: a header with the body, and at least one case with its treatment."
    head = text[:3000]
    return bool(re.search(r"(?im)^[ \t]*Utvalg[ \t]*:", head) or re.search(r"(?i)møteprotokoll", head)) and \
        bool(TREATMENT_HEADER.search(text))


def split_minutes(document: Document) -> list[Document]:
    """The meeting and its cases as documents; the document unchanged when it is not a meeting's minutes."""
    text = document.text
    if not is_minutes(text):
        return [document]
    heads = _case_heads(text)
    if len(heads) < MIN_CASES:
        return [document]
    fields = {m.group("key").casefold(): m.group("value") for m in FIELD.finditer(text[:heads[0].start()])}
    body = fields.get("utvalg") or (TREATMENT_HEADER.search(text).group("body").strip() if TREATMENT_HEADER.search(text) else None)
    day = parse_date(fields.get("møtedato") or fields.get("dato") or "") or _treatment_date(text)
    # "Steinkjer kommune" heads the print; a body named like "Kommunestyre" holds no place name.
    municipality = document.metadata.get("municipality") or find_municipality(text[:heads[0].start()][:4000])
    meeting_text = text[:heads[0].start()]
    attendance = parse_attendance(meeting_text)
    base = {k: v for k, v in document.metadata.items() if k not in ("case_number", "title")}
    common = {**base, **({"body": body} if body else {}), **({"municipality": municipality} if municipality else {}),
              **({"date": day.isoformat()} if day else {})}
    if fields.get("møtested"):
        common["meeting_place"] = fields["møtested"]
    common["meeting_doc"] = document.id

    documents: list[Document] = []
    saksliste = []
    for position, head in enumerate(heads):
        end = heads[position + 1].start() if position + 1 < len(heads) else len(text)
        year = head.group("year")
        year = year if len(year) == 4 else f"20{year}"
        case_number = f"{head.group('kind')} {head.group('number')}/{year}"
        title = " ".join(head.group("title").split())
        # A long title wraps onto the next line, right before the treatment header.
        between = TREATMENT_HEADER.search(text, head.end(), end)
        if between:
            rest = text[head.end():between.start()].strip()
            if rest and "\n" not in rest and len(rest) <= 120:
                title = f"{title} {rest}"
        saksliste.append({"case_number": case_number, "title": title})
        case_text = text[head.start():end].strip()
        metadata = {**common, "case_number": case_number, "doc_type": "saksprotokoll", "case_type": head.group("kind")}
        documents.append(Document(
            id=f"{document.id}::{case_number}", text=case_text, source=document.source, title=title, metadata=metadata,
            page_starts=_shift_pages(document, head.start()),
        ))
    meeting_meta = {**common, "doc_type": "møteprotokoll", "saksliste": json.dumps(saksliste, ensure_ascii=False),
                    "attendance": json.dumps(attendance["present"], ensure_ascii=False),
                    "absent": json.dumps(attendance["absent"], ensure_ascii=False)}
    meeting_meta.pop("meeting_doc", None)
    title = f"Møteprotokoll {body or ''} {day.strftime('%d.%m.%Y') if day else ''}".strip()
    meeting = replace(document, title=title, metadata=meeting_meta, text=meeting_text.strip() or title)
    return [meeting, *documents]


def _case_heads(text: str) -> list[re.Match]:
    """Each case's own heading: the last "PS 13/26 Title" line for that number (the saksliste names it first),
    and only where the case's treatment follows it."""
    last: dict[str, re.Match] = {}
    for match in CASE_HEAD.finditer(text):
        last[f"{match.group('kind')} {match.group('number')}/{match.group('year')}"] = match
    heads = []
    for match in sorted(last.values(), key=lambda m: m.start()):
        following = text[match.end():match.end() + 400]
        if TREATMENT_HEADER.search(following) or re.search(r"(?im)^[ \t]*(Behandling|Vedtak)[ \t]*:?[ \t]*$", following):
            heads.append(match)
    return heads


def _treatment_date(text: str) -> date | None:
    header = TREATMENT_HEADER.search(text)
    if not header:
        return None
    try:
        return date(int(header.group("y")), int(header.group("month")), int(header.group("day")))
    except ValueError:
        return None


def _shift_pages(document: Document, offset: int) -> list[tuple[int, int]]:
    "Page starts of the part beginning at `offset`, relative to it (a case keeps its pages in the PDF)."
    if not document.page_starts:
        return []
    first = document.page_at(offset)
    return [(page, max(0, start - offset)) for page, start in document.page_starts if page >= (first or 0)]


def _columns_from_words(words: list[str], absent: list[dict]) -> list[str]:
    """Name, function or "møtte for", party from a line whose column spacing is lost: the party is the last
    word, a function word ends the name; else the member met for is a name on the forfall list."""
    if len(words) < 2 or not (len(words[-1]) <= 5 and words[-1].replace("-", "").isalpha() and words[-1][0].isupper()):
        return [" ".join(words)]
    party, rest = words[-1], words[:-1]
    for position, word in enumerate(rest):
        if word.casefold() in FUNCTIONS and position > 0:
            return [" ".join(rest[:position]), " ".join(rest[position:]), party]
    joined = " ".join(rest)
    for member in absent:
        if joined.endswith(" " + member["name"]):
            return [joined[: -len(member["name"]) - 1], member["name"], party]
    return [joined, party]


def parse_attendance(text: str) -> dict[str, list[dict]]:
    """Members present (name, function, party, møtte for) and absent, from the attendance tables, whose
    columns pdftotext separates by runs of spaces."""
    present: list[dict] = []
    absent: list[dict] = []
    heads = list(ATTENDANCE_HEADS.finditer(text))
    for position, head in enumerate(heads):
        name = head.group("head").casefold()
        end = heads[position + 1].start() if position + 1 < len(heads) else len(text)
        if "saksliste" in name or "merknad" in name or "protokoll" in name or "administrasjonen" in name:
            continue
        target = absent if ("forfall" in name) else present
        substitute = "vara" in name
        for line in text[head.end():end].splitlines():
            columns = [c.strip() for c in COLUMN_SPLIT.split(line.strip()) if c.strip()]
            if len(columns) == 1:
                # Extracted from a PDF the columns lose their spacing: "Gunnar Thorsen Leder AP".
                columns = _columns_from_words(columns[0].split(), absent)
            if len(columns) < 2 or columns[0].casefold() in ("navn", "name"):
                continue
            entry = {"name": columns[0], "function": None, "party": None, "substitute_for": None}
            rest = columns[1:]
            if rest and party_code(rest[-1]) and len(rest[-1]) <= 25 and not any(ch.isdigit() for ch in rest[-1]) \
                    and (len(rest) > 1 or len(rest[-1]) <= 5):
                entry["party"] = party_code(rest[-1])
                rest = rest[:-1]
            for column in rest:
                if column.casefold() in FUNCTIONS:
                    entry["function"] = column
                elif substitute:
                    entry["substitute_for"] = column
            if substitute and entry["function"] is None:
                entry["function"] = "Varamedlem"
            target.append(entry)
    return {"present": present, "absent": absent}
