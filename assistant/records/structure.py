"""Which part of a meeting record each passage is: the role of every character range.

Saksprotokoll: header ("Formannskaps behandling av sak 3/2026 i møte den 29.01.2026:"), behandling,
habilitet, innstilling, forslag / endringsforslag / tilleggsforslag / alternativ (with proposer, party and
how it went), votering, vedtak, protokolltilførsel. Saksframlegg: saksgang, sammendrag, saksopplysninger,
vurdering, innstilling (kommunedirektørens forslag til vedtak). An answer to "what was decided" quotes the
vedtak; the rest is quoted only labelled."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from .parties import party_code
from .votes import PARTY_PROPOSAL, PROPOSAL_HEADER, INNSTILLING_HEADER, Vote, parse_votes, _kind

DECISION = "vedtak"
PROPOSAL_ROLES = ("forslag", "endringsforslag", "tilleggsforslag", "alternativ")
TREATMENT_HEADER = re.compile(
    r"(?P<body>[A-ZÆØÅ][^\n]{1,120}?)s?\s+behandling\s+av\s+sak\s+(?P<number>\d{1,4})/(?P<year>\d{2,4})\s+i\s+møte\s+den\s+"
    r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<y>\d{4})\s*:?",
)
HEADINGS = [
    # (pattern for a line on its own, role)
    (re.compile(r"^[ \t]*Vedtak[ \t]*:?[ \t]*$", re.MULTILINE), DECISION),
    (re.compile(r"^[ \t]*(?:[A-ZÆØÅ][\wæøåÆØÅ ]{2,60}s[ \t]+)?[Vv]edtak[ \t]*:[ \t]*$", re.MULTILINE), DECISION),
    (re.compile(r"^[ \t]*Behandling[ \t]*:?[ \t]*$", re.MULTILINE), "behandling"),
    (re.compile(r"^[ \t]*Habilitetsvurdering[ \t]*:?[ \t]*$", re.MULTILINE), "habilitet"),
    (re.compile(r"^[ \t]*Protokolltilførsel[^\n]{0,80}$", re.MULTILINE), "protokolltilførsel"),
    (re.compile(r"^[ \t]*Saksgang[ \t]*:?[ \t]*$", re.MULTILINE), "saksgang"),
    (re.compile(r"^[ \t]*(?:Sammendrag|Kort sammendrag)[ \t]*:?[ \t]*$", re.MULTILINE), "sammendrag"),
    (re.compile(r"^[ \t]*(?:Saksopplysninger|Bakgrunn)[ \t]*:?[ \t]*$", re.MULTILINE), "saksopplysninger"),
    (re.compile(r"^[ \t]*(?:Vurdering|Saksvurdering(?:er)?|Kommunedirektørens vurdering|Rådmannens vurdering)[ \t]*:?[ \t]*$", re.MULTILINE), "vurdering"),
    (re.compile(r"^[ \t]*(?:Kommunedirektørens|Rådmannens)[ \t]+(?:forslag[ \t]+til[ \t]+vedtak|innstilling)[ \t]*:?[ \t]*$", re.MULTILINE), "innstilling"),
]
# A procedural outcome ends the proposal before it: "Ordfører motsatte seg å fatte vedtak i saken …".
PROCEDURE_LINE = re.compile(r"^[ \t]*(?:Ordfører(?:en)?|Møteleder(?:en)?|Leder(?:en)?)[ \t]+motsatte[ \t]+seg[^\n]*$|"
                            r"^[ \t]*Saken[ \t]+ble[ \t]+(?:utsatt|trukket|sendt[ \t]+tilbake)[^\n]*$", re.MULTILINE)
HABILITY_LINE = re.compile(r"^[^\n]*(?:habilitetsvurdering|inhabil|fratrådte møtet|vararepresentant i behandling)[^\n]*$", re.MULTILINE | re.IGNORECASE)
LOCAL_WORDS = {"innstilling": "Innstilling", "forslag": "Forslag", "endringsforslag": "Endringsforslag",
               "tilleggsforslag": "Tilleggsforslag", "alternativ": "Alternativt forslag"}


HEADING_LINE = re.compile(r"[ \t]*[^\n]{0,60}?[Vv]edtak[ \t]*:?[ \t]*(?:\n|$)")


def body_start(text: str, part: "Part") -> int:
    """Where a VEDTAK's text begins: after its heading line ("Vedtak", "Formannskapets vedtak:")."""
    heading = HEADING_LINE.match(text, part.start, part.end)
    return heading.end() if heading else part.start


@dataclass
class Part:
    role: str
    start: int
    end: int
    proposer: str | None = None
    party: str | None = None
    outcome: str | None = None  # for proposals and innstillinger that were voted on: vedtatt / falt
    vote: int | None = None  # index into Record.votes of the vote on it

    def as_json(self) -> dict[str, Any]:
        return {"role": self.role, "start": self.start, "end": self.end, "proposer": self.proposer,
                "party": self.party, "outcome": self.outcome, "vote": self.vote}

    def label(self, language: str = "nb") -> str:
        "How a quote from this part is introduced when it is not the decision."
        if self.role in PROPOSAL_ROLES or self.role == "innstilling":
            who = f" fra {self.proposer}" if self.proposer else ""
            who += f" ({self.party})" if self.party and self.proposer else (f" fra {self.party}" if self.party else "")
            state = {"vedtatt": ", vedtatt", "falt": ", falt"}.get(self.outcome or "", "")
            if language == "en":
                kind = {"innstilling": "Recommendation"}.get(self.role, "Proposal")
                state = {"vedtatt": ", adopted", "falt": ", fell"}.get(self.outcome or "", "")
                return f"{kind}{who.replace(' fra ', ' by ')}{state}, not the decision: " if self.outcome != "vedtatt" else f"{kind}{who.replace(' fra ', ' by ')}{state}: "
            word = LOCAL_WORDS[self.role]
            if self.outcome == "vedtatt":
                return f"{word}{who}{state}: "
            return f"{word}{who}{state}, ikke vedtak: "
        return ""


@dataclass
class Record:
    parts: list[Part]
    votes: list[Vote]
    body: str | None = None
    case_number: str | None = None
    meeting_date: date | None = None
    decision: tuple[int, int] | None = None  # the VEDTAK's span

    def role_at(self, offset: int) -> Part | None:
        found = None
        for part in self.parts:
            if part.start <= offset < part.end:
                found = part
        return found

    def as_json(self) -> dict[str, Any]:
        return {"parts": [p.as_json() for p in self.parts], "votes": [v.as_json() for v in self.votes],
                "body": self.body, "case_number": self.case_number,
                "meeting_date": self.meeting_date.isoformat() if self.meeting_date else None,
                "decision": list(self.decision) if self.decision else None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Record":
        return cls(
            [Part(p["role"], p["start"], p["end"], p.get("proposer"), p.get("party"), p.get("outcome"), p.get("vote"))
             for p in data.get("parts", [])],
            [Vote.from_json(v) for v in data.get("votes", [])], data.get("body"), data.get("case_number"),
            date.fromisoformat(data["meeting_date"]) if data.get("meeting_date") else None,
            tuple(data["decision"]) if data.get("decision") else None,
        )


def is_record(text: str, meta: dict[str, Any] | None = None) -> bool:
    "A meeting record: its type says so, or it reads like one (a treatment header, or vote lines and a VEDTAK)."
    doc_type = str((meta or {}).get("doc_type", "")).casefold()
    if doc_type in ("saksprotokoll", "møteprotokoll", "saksframlegg", "protokoll", "motebok", "møtebok", "meeting"):
        return True
    return bool(TREATMENT_HEADER.search(text[:2000])) or (
        bool(re.search(r"^[ \t]*Vedtak[ \t]*:?[ \t]*$", text, re.MULTILINE)) and "stemte" in text)


def parse_record(text: str, roster=None) -> Record:
    """The record's parts in order. Boundaries: headings on their own line, proposal and innstilling
    headers, vote passages; each part runs to the next boundary."""
    votes = parse_votes(text, roster)
    boundaries: list[tuple[int, int, Part]] = []  # (start, priority, part); priority orders same-offset marks

    for pattern, role in HEADINGS:
        for match in pattern.finditer(text):
            boundaries.append((match.start(), 1, Part(role, match.start(), 0)))
    for match in PROPOSAL_HEADER.finditer(text):
        groups = match.groupdict()
        who = groups.get("who") or groups.get("office") or groups.get("who2")
        boundaries.append((match.start(), 0, Part(_kind(groups.get("kind") or "forslag"), match.start(), 0,
                                                  " ".join(who.split()) if who else None, party_code(groups.get("party")))))
    for match in PARTY_PROPOSAL.finditer(text):
        boundaries.append((match.start(), 0, Part(_kind(match.group("kind")), match.start(), 0, None, match.group("parties").strip())))
    for match in INNSTILLING_HEADER.finditer(text):
        boundaries.append((match.start(), 2, Part("innstilling", match.start(), 0)))
    for match in PROCEDURE_LINE.finditer(text):
        boundaries.append((match.start(), 4, Part("behandling", match.start(), 0)))
    for match in HABILITY_LINE.finditer(text):
        boundaries.append((match.start(), 3, Part("habilitet", match.start(), 0)))
    for index, vote in enumerate(votes):
        boundaries.append((vote.start, 0, Part("votering", vote.start, 0, vote=index)))
        boundaries.append((vote.end, 5, Part("_resume", vote.end, 0)))

    header = TREATMENT_HEADER.search(text[:2000])
    body = case_number = None
    meeting_date = None
    if header:
        body = header.group("body").strip()
        year = header.group("year")
        case_number = f"PS {header.group('number')}/{year}"
        try:
            meeting_date = date(int(header.group("y")), int(header.group("month")), int(header.group("day")))
        except ValueError:
            meeting_date = None
        boundaries.append((header.start(), 0, Part("header", header.start(), 0)))

    boundaries.sort(key=lambda b: (b[0], b[1]))
    parts: list[Part] = []
    seen_offsets: set[int] = set()
    in_decision = False
    for position, _, part in boundaries:
        if position in seen_offsets and part.role != "_resume":
            continue
        if part.role == "_resume":
            # After a vote passage the text goes back to the behandling (the next proposal starts its own part).
            if in_decision:
                continue
            part = Part("behandling", position, 0)
        elif part.role == "habilitet" and parts and parts[-1].role == "habilitet":
            continue
        elif in_decision and part.role in ("habilitet", "innstilling", *PROPOSAL_ROLES):
            # Inside the VEDTAK a line that merely mentions a proposal or an innstilling is still the decision.
            continue
        seen_offsets.add(position)
        if parts:
            parts[-1].end = position
        parts.append(part)
        in_decision = part.role == DECISION
    if parts:
        parts[-1].end = len(text)
    if not parts or parts[0].start > 0:
        parts.insert(0, Part("header" if parts else "behandling", 0, parts[0].start if parts else len(text)))

    # How each proposal and innstilling went: from the vote whose subject it is.
    for vote_index, vote in enumerate(votes):
        for part in parts:
            if part.role in (*PROPOSAL_ROLES, "innstilling") and part.vote is None and part.start < vote.start:
                if vote.subject_start is not None and part.start <= vote.subject_start <= part.end:
                    part.outcome, part.vote = vote.outcome, vote_index
        if vote.alternatives:
            # "1) … Dette ble satt opp mot: 2) …": the proposals just before the vote, in order.
            candidates = [p for p in parts if p.role in (*PROPOSAL_ROLES, "innstilling") and p.end <= vote.start + 1]
            if len(candidates) < len(vote.alternatives):
                # Fewer proposals written out than set against each other: which is which is not stated,
                # and a guess could call a fallen proposal adopted. Left without an outcome.
                continue
            for alternative, part in zip(vote.alternatives, candidates[-len(vote.alternatives):]):
                part.outcome, part.vote = alternative.outcome, vote_index
        elif vote.unanimous and vote.subject_start is None:
            before = [p for p in parts if p.role in (*PROPOSAL_ROLES, "innstilling") and p.end <= vote.start + 1 and p.vote is None]
            if before and vote.subject != "innstilling":
                before[-1].outcome, before[-1].vote = vote.outcome, vote_index
    decision = next(((p.start, p.end) for p in parts if p.role == DECISION), None)
    return Record(parts, votes, body, case_number, meeting_date, decision)
