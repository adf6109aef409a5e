"""A draft møteprotokoll checked before it is signed: vote counts that do not match the names listed or
the members present, a member voting who is not on the attendance list, a vote with no outcome line, and
a case in the saksliste with no treatment. Every finding quotes the passage it is about."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..documents import Document
from .minutes import CASE_HEAD, split_minutes
from .votes import Member, Vote, _compatible, fold, parse_votes


@dataclass
class Finding:
    kind: str  # count_mismatch | not_present_total | not_on_attendance | no_outcome | no_treatment
    case_number: str | None
    message: str
    quote: str

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "case_number": self.case_number, "message": self.message, "quote": self.quote}


def check_protocol(text: str, name: str = "draft") -> dict[str, Any]:
    documents = split_minutes(Document(id=name, text=text, source=name))
    meeting = documents[0] if documents[0].metadata.get("doc_type") == "møteprotokoll" else None
    cases = [d for d in documents if d is not meeting]
    present = [Member(m["name"], m.get("party")) for m in json.loads(meeting.metadata.get("attendance", "[]"))] if meeting else []
    findings: list[Finding] = []
    total_votes = 0
    for case in cases:
        case_number = case.metadata.get("case_number")
        votes = parse_votes(case.text, present or None)
        total_votes += len(votes)
        for vote in votes:
            findings += _vote_findings(vote, case_number, present)
    if meeting is not None:
        treated = {d.metadata.get("case_number") for d in cases}
        listed = json.loads(meeting.metadata.get("saksliste", "[]"))
        for match in CASE_HEAD.finditer(meeting.text):
            year = match.group("year") if len(match.group("year")) == 4 else f"20{match.group('year')}"
            number = f"{match.group('kind')} {match.group('number')}/{year}"
            if number not in treated and number not in {e["case_number"] for e in listed if e["case_number"] in treated}:
                findings.append(Finding("no_treatment", number, f"{number} står i sakslisten, men protokollen har ingen behandling av saken",
                                        match.group(0).strip()))
    return {"cases": len(cases), "votes": total_votes, "present": len(present),
            "findings": [f.as_json() for f in _merge_repeats(findings)]}


def _merge_repeats(findings: list[Finding]) -> list[Finding]:
    "A member missing from the attendance list is one finding per case, not one per vote."
    merged: dict[tuple, Finding] = {}
    repeats: dict[tuple, int] = {}
    for finding in findings:
        key = (finding.kind, finding.case_number, finding.message) if finding.kind == "not_on_attendance" else (id(finding),)
        if key in merged:
            repeats[key] += 1
            continue
        merged[key], repeats[key] = finding, 1
    for key, finding in merged.items():
        if repeats[key] > 1:
            finding.message += f" (i {repeats[key]} voteringer)"
    return list(merged.values())


def _vote_findings(vote: Vote, case_number: str | None, present: list[Member]) -> list[Finding]:
    found: list[Finding] = []
    quote = vote.quote
    sides = [("for", vote.for_), ("mot", vote.against)] + [(f"forslag {a.label}", a) for a in vote.alternatives]
    for label, side in sides:
        if side.count is not None and side.members and side.count != len(side.members):
            found.append(Finding("count_mismatch", case_number,
                                 f"{label}: oppgitt {side.count} stemmer, men {len(side.members)} navn er ført opp", quote))
    if vote.outcome is None:
        found.append(Finding("no_outcome", case_number, "avstemningen har ingen linje om utfallet (vedtatt / ikke vedtatt)", quote))
    if present:
        counted = sum(side.count or 0 for _, side in sides) + (vote.abstained.count if vote.abstained and vote.abstained.count else 0)
        away = len(vote.absent)
        if counted and not vote.unanimous and counted + away != len(present):
            found.append(Finding("not_present_total", case_number,
                                 f"{counted} stemmer{f' og {away} ikke til stede' if away else ''} gir ikke de {len(present)} som møtte",
                                 quote))
        names = {fold(m.name) for m in present}
        for _, side in sides:
            for member in side.members:
                if fold(member.name) not in names and not any(_compatible(member.name, m.name) for m in present):
                    found.append(Finding("not_on_attendance", case_number,
                                         f"{member.name} ({member.party or '?'}) stemte, men står ikke på oppmøtelisten", quote))
    return found


def format_findings(report: dict[str, Any]) -> str:
    lines = [f"{report['cases']} saker, {report['votes']} voteringer, {report['present']} til stede"]
    if not report["findings"]:
        lines.append("Ingen avvik funnet.")
    for finding in report["findings"]:
        snippet = re.sub(r"\s+", " ", finding["quote"])[:120]
        lines.append(f"- [{finding['kind']}] {finding['case_number'] or ''}: {finding['message']}\n    «{snippet}»")
    return "\n".join(lines)
