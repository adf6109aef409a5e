""""Kort fra møtet": a meeting's substantive cases in saksliste order, each with its decision quoted from
the VEDTAK (cut at a sentence end, never paraphrased), how it was voted, the proposals that fell, and a
link to the case record. Formalities (approval of the notice and the minutes, referatsaker and
orienteringer with no decision, eventuelt) are folded away."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from ..analysis import split_sentences
from ..errors import AssistantError
from .index import RecordIndex
from .structure import DECISION, PROPOSAL_ROLES, Record, body_start
from .votes import Vote

FORMALITY_TITLE = re.compile(
    r"godkjenning av (?:innkalling|møteinnkalling|saksliste|protokoll|møteprotokoll|møtebok)|^\s*eventuelt\b|"
    r"^\s*referat(?:er|saker)\b|^\s*delegerte vedtak|^\s*orienteringssaker\b|^\s*spørsmål til ordfører\s*$",
    re.IGNORECASE)
ONLY_NOTED = re.compile(r"^\s*(?:[\wæøåÆØÅ ]{0,60}\s)?(?:tas|tek|blir tatt|vert teke|ble tatt)\s+til\s+orientering\.?\s*$", re.IGNORECASE)
BACKERS = re.compile(r"^(?:Fra|På vegne av|Forslag fra)\s[^.]{0,80}:?$", re.IGNORECASE)
DECISION_CHARS = 320
FALLEN_CHARS = 160
MONTHS_NB = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
             "november", "desember")


def meetings(records: RecordIndex, municipality: str | None = None, body: str | None = None) -> list[dict[str, Any]]:
    "The meetings in the index (municipality, body, date, number of case records), newest first."
    found: dict[tuple, int] = {}
    for doc_id, meta in records.meta.items():
        # A case paper or attachment is not a treatment, and a treatment names its body.
        if meta.get("doc_type") in ("møteprotokoll", "saksframlegg", "vedlegg") or not meta.get("date") or not meta.get("body"):
            continue
        if municipality and str(meta.get("municipality", "")).casefold() != municipality.casefold():
            continue
        if body and str(meta.get("body", "")).casefold() != body.casefold():
            continue
        key = (str(meta.get("municipality") or ""), str(meta.get("body") or ""), str(meta["date"])[:10])
        found[key] = found.get(key, 0) + 1
    rows = [{"municipality": m, "body": b, "date": d, "cases": n} for (m, b, d), n in found.items()]
    return sorted(rows, key=lambda r: (r["date"], r["body"]), reverse=True)


def meeting_digest(records: RecordIndex, body: str, day: date | str, municipality: str | None = None) -> dict[str, Any]:
    day_text = day.isoformat() if isinstance(day, date) else str(day)[:10]
    in_meeting = [
        doc_id for doc_id, meta in records.meta.items()
        if str(meta.get("date", ""))[:10] == day_text and str(meta.get("body", "")).casefold() == body.casefold()
        and (not municipality or str(meta.get("municipality", "")).casefold() == municipality.casefold())
    ]
    if not in_meeting:
        held = ", ".join(m["date"] for m in meetings(records, municipality, body)[:6])
        raise AssistantError(f"no meeting of '{body}' on {day_text} in the index"
                             + (f" (its latest meetings: {held})" if held else ""))
    meeting_docs = [d for d in in_meeting if records.meta[d].get("doc_type") == "møteprotokoll"]
    cases = [d for d in in_meeting if d not in meeting_docs]
    meeting_meta = records.meta[meeting_docs[0]] if meeting_docs else {}
    order = [entry["case_number"] for entry in json.loads(meeting_meta.get("saksliste") or "[]")]
    cases.sort(key=lambda d: _case_order(records.meta[d].get("case_number"), order))
    first = records.meta[cases[0]] if cases else meeting_meta
    present = json.loads(meeting_meta["attendance"]) if meeting_meta.get("attendance") else None
    absent = json.loads(meeting_meta["absent"]) if meeting_meta.get("absent") else None
    digest_cases, folded = [], []
    for doc_id in cases:
        entry = case_entry(records, doc_id)
        (folded if entry["formality"] else digest_cases).append(entry)
    return {
        "meeting": {"body": first.get("body"), "municipality": first.get("municipality"), "date": day_text,
                    "place": meeting_meta.get("meeting_place"), "present": present, "absent": absent,
                    "doc_id": meeting_docs[0] if meeting_docs else None},
        "cases": digest_cases,
        "folded": [{"case_number": e["case_number"], "title": e["title"], "doc_id": e["doc_id"], "url": e["url"]} for e in folded],
    }


def case_entry(records: RecordIndex, doc_id: str) -> dict[str, Any]:
    meta, record, text = records.meta[doc_id], records.records[doc_id], records.texts[doc_id]
    decision = decision_text(record, text)
    title = str(meta.get("title") or "")
    formality = bool(FORMALITY_TITLE.search(title)) or (
        str(meta.get("case_type", "")).upper() in ("RS", "OS") and (not decision or bool(ONLY_NOTED.match(decision))))
    deciding = deciding_vote(record)
    return {
        "case_number": meta.get("case_number"), "title": title, "doc_id": doc_id, "decision": decision,
        "outcome": outcome_text(deciding) if deciding else ("ingen votering i protokollen" if not record.votes else ""),
        "votes": [{"subject": v.subject, "proposer": v.proposer, "party": v.party, "for": v.for_.count,
                   "against": v.against.count, "alternatives": [{"label": a.label, "count": a.count, "proposer": a.proposer,
                                                                  "party": a.party, "outcome": a.outcome} for a in v.alternatives],
                   "unanimous": v.unanimous, "outcome": v.outcome, "quote": v.quote} for v in record.votes],
        "fallen": fallen_lines(record, text), "url": meta.get("url"), "formality": formality,
    }


def decision_text(record: Record, text: str, limit: int = DECISION_CHARS) -> str:
    "The VEDTAK's first sentence or two, whole sentences only, as the record has them."
    part = next((p for p in record.parts if p.role == DECISION), None)
    if part is None:
        return ""
    start = body_start(text, part)
    sentences = [" ".join(text[s:e].split()) for s, e in split_sentences(text[start:part.end], start)]
    sentences = [s for s in sentences if len(s) > 2]
    chosen: list[str] = []
    for sentence in sentences:
        if chosen and len(" ".join(chosen + [sentence])) > limit:
            break
        chosen.append(sentence)
        if len(chosen) == 2:
            break
    if chosen and len(chosen[0]) > limit and len(sentences) > 0:
        return chosen[0]  # one long sentence is quoted whole rather than cut inside it
    return " ".join(chosen)


def deciding_vote(record: Record) -> Vote | None:
    "The vote that made the decision: the last adopted vote on the innstilling or set-against proposals, else the last adopted one."
    adopted = [v for v in record.votes if v.outcome == "vedtatt"]
    main = [v for v in adopted if v.subject == "innstilling" or v.alternatives]
    return (main or adopted or [None])[-1]


def outcome_text(vote: Vote) -> str:
    "'enstemmig', 'vedtatt 19–16; mot: FRP, H', 'forslag 2 vedtatt 9–4'."
    if vote.unanimous:
        return "enstemmig" + (f" ({vote.for_.count} stemmer)" if vote.for_.count else "")
    if vote.alternatives:
        winner = next((a for a in vote.alternatives if a.outcome == "vedtatt"), None)
        counts = "–".join(str(a.count) for a in sorted(vote.alternatives, key=lambda a: -(a.count or 0)))
        return f"forslag {winner.label if winner else '?'} vedtatt {counts}"
    text = "vedtatt"
    if vote.for_.count is not None and vote.against.count is not None:
        text += f" {vote.for_.count}–{vote.against.count}"
    elif vote.against.count:
        text += f" mot {vote.against.count} stemme{'r' if vote.against.count > 1 else ''}"
    parties = list(dict.fromkeys(m.party for m in vote.against.members if m.party))
    if parties:
        text += "; mot: " + ", ".join(parties)
    if vote.casting_vote:
        text += f" ({vote.casting_vote}s dobbeltstemme)"
    return text


def fallen_lines(record: Record, text: str) -> list[str]:
    "One line per proposal that fell: who, what (first sentence), the count."
    lines = []
    for part in record.parts:
        if part.role not in PROPOSAL_ROLES or part.outcome != "falt":
            continue
        body_start = text.find("\n", part.start, part.end)
        body_start = part.start if body_start < 0 else body_start
        sentences = [" ".join(text[s:e].split()) for s, e in split_sentences(text[body_start:part.end], body_start)]
        # "Fra H, INP, PP, V" / "På vegne av …" name the backers, not the proposal.
        first = next((s for s in sentences if len(s) > 3 and not BACKERS.match(s)), next((s for s in sentences if len(s) > 3), ""))
        if len(first) > FALLEN_CHARS:
            first = first[:FALLEN_CHARS].rsplit(" ", 1)[0] + " …"
        who = f"{part.proposer} ({part.party})" if part.proposer and part.party else (part.proposer or part.party or "")
        vote = record.votes[part.vote] if part.vote is not None else None
        counts = ""
        if vote is not None:
            if vote.alternatives:
                mine = next((a for a in vote.alternatives if a.proposer == part.proposer), None)
                counts = f" {mine.count} stemmer" if mine and mine.count is not None else ""
            elif vote.for_.count is not None and vote.against.count is not None:
                counts = f" {vote.for_.count}–{vote.against.count}"
        lines.append(f"Forslag fra {who}: «{first}» – falt{counts}")
    return lines


def digest_markdown(digest: dict[str, Any]) -> str:
    "A news brief in the municipality's own shape: a headline per case, the decision, how it was voted, the source."
    meeting = digest["meeting"]
    day = date.fromisoformat(meeting["date"])
    body = _indefinite(str(meeting.get("body") or "").lower())
    lines = [f"# Kort fra {body}møtet {day.day}. {MONTHS_NB[day.month - 1]} {day.year}", ""]
    if meeting.get("municipality"):
        lines += [f"{meeting['municipality']} · {meeting.get('body')}" + (f" · {meeting['place']}" if meeting.get("place") else ""), ""]
    for case in digest["cases"]:
        lines.append(f"## {_md(case['title'])}")
        lines.append("")
        lines.append(f"Vedtak: «{_md(case['decision'])}»" if case["decision"] else "Protokollen har ingen vedtakstekst.")
        if case["outcome"]:
            lines.append(f"Avstemning: {_md(case['outcome'])}.")
        for fallen in case["fallen"]:
            lines.append(f"- {_md(fallen)}")
        label = case["case_number"] or case["doc_id"]
        source = f"[{_md(label)}]({case['url']})" if case.get("url") else _md(label)
        lines += [f"Kilde: {source}", ""]
    if digest.get("folded"):
        lines.append("Også behandlet: " + "; ".join(f"{f['case_number']} {_md(f['title'])}" for f in digest["folded"]) + ".")
        lines.append("")
    lines.append("Sitatene er ordrett fra møteprotokollen; avstemningene er lest ut av den.")
    return "\n".join(lines) + "\n"


def _indefinite(body: str) -> str:
    "'kommunestyret' → 'kommunestyre', 'formannskapet' → 'formannskap': the form a compound takes."
    if body.endswith(("styret", "rådet", "utvalget", "tinget")):
        return body[:-1] if body.endswith("styret") else body[:-2]
    if body.endswith("skapet"):
        return body[:-2]
    return body


def _md(text: str) -> str:
    "Document text in Markdown as text: the characters Markdown acts on are escaped."
    return MARKDOWN_SPECIAL.sub(lambda m: "\\" + m.group(0), str(text))


MARKDOWN_SPECIAL = re.compile(r"[\\`*_{}\[\]<>#|]")
KIND_ORDER = {"PS": 0, "FO": 1, "RS": 2, "OS": 3}


def _case_order(case_number: Any, order: list[str]) -> tuple:
    number = str(case_number or "")
    if number in order:
        return (0, order.index(number), 0, 0)
    match = re.search(r"(\d+)/(\d+)", number)
    kind = KIND_ORDER.get(number.split(" ")[0].upper(), 4)
    return (1, kind, int(match.group(2)) if match else 0, int(match.group(1)) if match else 0)
