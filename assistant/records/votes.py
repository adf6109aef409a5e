"""Votes as data: every vote in a saksprotokoll or møteprotokoll, read from the text as the minutes print it.

Forms handled (Elements, ACOS WebSak and Public 360 print them, and the civic fasit checks them):
"For forslaget stemte 20: A (AP), B (H) …" / "Imot forslaget stemte 19: …" / "For forslag 2 stemte 10: …"
(proposals set against each other), "Ikke til stede (1): …", "Dermed ble tilleggsforslag ikke vedtatt, med
ordførers dobbeltstemme.", "Forslag til vedtak enstemmig vedtatt.", "Innstillingen ble vedtatt mot 3 stemmer
(FrP)", "vedtatt med 20 mot 15 stemmer", "Forslaget falt med 12 mot 23 stemmer", "7 stemte for å støtte …",
with names wrapped across lines ("Tor-\\nAndré Hopen"). Offsets are into the original text, so `quote` is
an exact substring of it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable

from .parties import party_code

SUBJECT_KINDS = ("innstilling", "forslag", "endringsforslag", "tilleggsforslag", "alternativ")

_NAME = r"[A-ZÆØÅ][\wæøåÆØÅéèüöäÉ.'\-]*(?:[ \t]+(?:[A-ZÆØÅ][\wæøåÆØÅéèüöäÉ.'\-]*|von|van|de|af))*"
PROPOSAL_HEADER = re.compile(
    rf"^[ \t•\-*]*(?:(?P<who>{_NAME})[ \t]*\((?P<party>[^)\n]{{1,40}})\)|(?P<office>Kommunedirektøren|Rådmannen|Ordføreren|Ordfører|Leder|Lederen)"
    rf"|(?P<who2>{_NAME})(?=[ \t]+foreslo))"
    r"[ \t]+(?:fremmet|fremmer|foreslo|la fram|la frem)(?:[ \t]+(?:følgende[ \t]+|slikt[ \t]+)?(?:omforente[ \t]+)?"
    r"(?P<kind>tilleggsforslag|endringsforslag|alternative?t?[ \t]+forslag|alternativt|forslag|framlegg))?",
    re.MULTILINE,
)
# "Forslag fra H og SP:" — a proposal put forward by parties.
PARTY_PROPOSAL = re.compile(r"^[ \t•\-*]*(?P<kind>Forslag|Tilleggsforslag|Endringsforslag|Alternativt forslag)[ \t]+fra[ \t]+(?P<parties>[^:\n]{1,80}):", re.MULTILINE)
INNSTILLING_HEADER = re.compile(
    r"^[ \t]*(?:\d\)[ \t]*)?(?:(?:Kommunedirektørens|Rådmannens|Formannskapets|[A-ZÆØÅ][\wæøå ]{2,60}s)[ \t]+)?"
    r"(?P<word>[Ii]nnstilling(?:en)?|Forslag til vedtak)(?:[ \t]+(?:pkt\.?|punkt)[ \t]*[\d, og\-]+)?[ \t]*:?[ \t]*$",
    re.MULTILINE,
)
ALT_NUMBER = re.compile(r"^[ \t]*(?P<label>\d)\)[ \t]*$", re.MULTILINE)
SET_AGAINST = re.compile(r"^[ \t]*Dette ble satt opp mot[ \t]*:?[ \t]*$", re.MULTILINE)
VOTE_LINE = re.compile(
    r"^[ \t]*(?P<side>For|Imot|Mot|Avholdende)[ \t]+(?:(?:forslaget|innstillingen|forslag[ \t]+(?P<label>\d+)|alternativ[ \t]+(?P<label2>\d+))[ \t]+)?"
    r"stemte[ \t]+(?P<count>\d+)[ \t]*:?",
    re.MULTILINE,
)
ABSENT_LINE = re.compile(r"^[ \t]*Ikke til stede[ \t]*(?:\((?P<count>\d+)\))?[ \t]*:?", re.MULTILINE)
OUTCOME = re.compile(
    r"^[ \t]*Dermed[ \t]+(?:ble[ \t]+)?(?:(?P<what>innstillingen|forslaget|forslag[ \t]+(?P<label>\d+)|tilleggsforslag(?:et)?|"
    r"endringsforslag(?:et)?|alternativt[ \t]+forslag|alternativ[ \t]+(?P<label2>\d+))[ \t]+)?(?P<neg>ikke[ \t]+)?vedtatt"
    r"(?P<casting>,?[ \t]*med[ \t]+(?P<caster>ordførers|leders|møteleders|ordførerens|lederens)[ \t]+dobbeltstemme)?",
    re.MULTILINE | re.IGNORECASE,
)
# "Kommunedirektørens innstilling ble enstemmig vedtatt": whose innstilling it was is not part of what was voted on.
OWNER = r"(?:(?:Kommunedirektørens|Kommunedirektørs|Rådmannens|Formannskapets|Administrasjonens)[ \t]+)?"
UNANIMOUS = re.compile(
    r"^[ \t]*" + OWNER + r"(?P<what>Forslag til vedtak|Innstillingen|[Ii]nnstilling|Forslaget|Tilleggsforslaget|Endringsforslaget|Dette|"
    r"Følgende omforente (?P<kind>tilleggsforslag|endringsforslag|forslag))[ \t]+(?:ble[ \t]+)?enstemmig[ \t\n]+vedtatt(?P<colon>[ \t]*:)?",
    re.MULTILINE,
)
# "Innstillingen ble vedtatt mot 3 stemmer (FrP)", "Forslaget falt med 12 mot 23 stemmer", "Utsettelsesforslaget falt …".
COUNTED_PHRASE = re.compile(
    r"^[ \t]*" + OWNER + r"(?P<what>Forslag til vedtak|Innstillingen|[Ii]nnstilling(?:en)?|[A-ZÆØÅ]?\w*[Ff]orslaget|Endringsforslag|Tilleggsforslag)"
    r"[ \t]+(?:ble[ \t]+)?(?P<res>vedtatt|falt|forkastet)[ \t\n]+(?:med[ \t\n]+(?P<for>\d+)[ \t\n]+mot[ \t\n]+(?P<against>\d+)[ \t\n]+stemmer"
    r"|mot[ \t\n]+(?P<only>\d+)[ \t\n]+stemmer?(?:[ \t\n]*\((?P<who>(?:[^()]|\([^()]*\))*)\))?)",
    re.MULTILINE,
)
# Rådsmøter: "7 stemte for å støtte kommunedirektørens forslag til vedtak" / "0 stemte imot".
PLAIN_COUNT = re.compile(r"^[ \t•\-*]*(?P<count>\d+)[ \t]+stemte[ \t]+(?P<side>for|imot|mot)\b[^\n]*", re.MULTILINE)
BLANK = re.compile(r"\n[ \t\f]*\n")
MEMBER = re.compile(r"([^,()]+?)\s*\(([^()]{1,40})\)")


@dataclass
class Member:
    name: str
    party: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "party": self.party}


@dataclass
class Side:
    count: int | None = None
    members: list[Member] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"count": self.count, "members": [m.as_json() for m in self.members]}


@dataclass
class Alternative:
    label: str
    count: int | None
    members: list[Member]
    subject: str = "forslag"
    text: str = ""
    proposer: str | None = None
    party: str | None = None
    outcome: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "count": self.count, "members": [m.as_json() for m in self.members],
                "subject": self.subject, "text": self.text, "proposer": self.proposer, "party": self.party,
                "outcome": self.outcome}


@dataclass
class Vote:
    subject: str
    text: str
    proposer: str | None
    party: str | None
    for_: Side
    against: Side
    alternatives: list[Alternative]
    unanimous: bool
    outcome: str | None  # "vedtatt" | "falt" | None when the minutes state none
    casting_vote: str | None
    start: int  # the vote passage: from its first vote line to the end of its outcome line
    end: int
    quote: str
    absent: list[Member] = field(default_factory=list)
    abstained: Side | None = None
    subject_start: int | None = None  # where the text voted on begins

    @property
    def margin(self) -> int | None:
        if self.alternatives:
            counts = sorted((a.count or 0 for a in self.alternatives), reverse=True)
            return counts[0] - counts[1] if len(counts) > 1 else None
        if self.for_.count is None or self.against.count is None:
            return None
        return abs(self.for_.count - self.against.count)

    def as_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject, "text": self.text, "proposer": self.proposer, "party": self.party,
            "for": self.for_.as_json(), "against": self.against.as_json(),
            "alternatives": [a.as_json() for a in self.alternatives], "unanimous": self.unanimous,
            "outcome": self.outcome, "casting_vote": self.casting_vote, "quote": self.quote,
            "absent": [m.as_json() for m in self.absent], "start": self.start, "end": self.end,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Vote":
        def side(d):
            return Side(d.get("count"), [Member(m["name"], m.get("party")) for m in d.get("members", [])])
        return cls(
            data["subject"], data.get("text", ""), data.get("proposer"), data.get("party"), side(data["for"]),
            side(data["against"]),
            [Alternative(a["label"], a.get("count"), [Member(m["name"], m.get("party")) for m in a.get("members", [])],
                         a.get("subject", "forslag"), a.get("text", ""), a.get("proposer"), a.get("party"), a.get("outcome"))
             for a in data.get("alternatives", [])],
            bool(data.get("unanimous")), data.get("outcome"), data.get("casting_vote"), int(data.get("start", 0)),
            int(data.get("end", 0)), data.get("quote", ""), [Member(m["name"], m.get("party")) for m in data.get("absent", [])],
        )


@dataclass
class _Subject:
    kind: str
    proposer: str | None
    party: str | None
    text_start: int
    label: str | None = None


def flatten(text: str) -> str:
    "Line breaks inside a sentence or a name list become spaces; a word broken at a hyphen ('Tor-\\nAndré') stays whole."
    text = re.sub(r"-[ \t]*\n[ \t]*(?=[A-ZÆØÅa-zæøå])", "-", text)
    return " ".join(text.split())


def parse_members(listing: str) -> list[Member]:
    "'A (AP), B C (H).' → members with party codes; a name without a party is kept with party None."
    flat = flatten(listing).strip().rstrip(".")
    members = [Member(" ".join(m.group(1).split()).strip(" ,.;:"), party_code(m.group(2))) for m in MEMBER.finditer(flat)]
    if not members and flat:
        members = [Member(name.strip(" .;:")) for name in re.split(r",|\bog\b", flat) if name.strip(" .;:")]
    return [m for m in members if m.name]


def _kind(word: str) -> str:
    word = word.lower()
    if word.startswith("tillegg"):
        return "tilleggsforslag"
    if word.startswith("endring"):
        return "endringsforslag"
    if word.startswith("alternativ"):
        return "alternativ"
    if word.startswith(("innstilling", "forslag til vedtak")):
        return "innstilling"
    return "forslag"


def _line_end(text: str, position: int) -> int:
    end = text.find("\n", position)
    return len(text) if end < 0 else end


def _listing_end(text: str, start: int, stops: list[int]) -> int:
    "A name list runs to the next marker line or blank line."
    blank = BLANK.search(text, start)
    candidates = [s for s in stops if s > start] + ([blank.start()] if blank else []) + [len(text)]
    return min(candidates)


def parse_votes(text: str, roster: Iterable[Member] | None = None) -> list[Vote]:
    """Every vote in the text, in order. `roster`: the meeting's attendance, to which abbreviated names in
    the vote lists ("Line M Nordkvelle") are resolved."""
    events: list[tuple[int, str, re.Match]] = []
    for name, pattern in (("proposal", PROPOSAL_HEADER), ("proposal", PARTY_PROPOSAL), ("innstilling", INNSTILLING_HEADER), ("alt", ALT_NUMBER),
                          ("against", SET_AGAINST), ("vote", VOTE_LINE), ("absent", ABSENT_LINE), ("outcome", OUTCOME),
                          ("unanimous", UNANIMOUS), ("counted", COUNTED_PHRASE), ("plain", PLAIN_COUNT)):
        for match in pattern.finditer(text):
            events.append((match.start(), name, match))
    events.sort(key=lambda e: (e[0], e[1] != "proposal"))
    # Keep one event per line start (a proposal header wins over a looser pattern on the same line).
    unique: list[tuple[int, str, re.Match]] = []
    for event in events:
        if unique and event[0] < unique[-1][2].end() and event[1] not in ("vote", "outcome", "absent"):
            continue
        unique.append(event)
    events = unique
    stops = [e[0] for e in events]

    votes: list[Vote] = []
    subject: _Subject | None = None
    group: list[_Subject] = []  # proposals set against each other ("1) … Dette ble satt opp mot: 2) …")
    grouping = False
    pending_label: str | None = None
    sides: dict[str, Any] = {}
    vote_start: int | None = None
    last_vote_end = 0

    def new_subject(kind: str, proposer, party, text_start: int) -> _Subject:
        nonlocal subject, grouping, pending_label
        subject = _Subject(kind, proposer, party, text_start, pending_label)
        if grouping or pending_label:
            group.append(subject)
            grouping = True
        pending_label = None
        return subject

    def subject_text(subj: _Subject | None, end: int) -> str:
        if subj is None:
            return ""
        return flatten(text[subj.text_start:end])[:2000]

    def finish(end: int, outcome: str | None, casting: str | None, what: str | None, label: str | None) -> None:
        nonlocal sides, vote_start, group, grouping, subject, last_vote_end
        if vote_start is None:
            return
        first_line = min([v[2] for v in sides.get("lines", [])] or [vote_start])
        alternatives: list[Alternative] = []
        for alt_label, (count, members) in sides.get("alts", {}).items():
            subj = next((g for g in group if g.label == alt_label), None)
            if subj is None and group and alt_label.isdigit() and int(alt_label) - 1 < len(group):
                subj = group[int(alt_label) - 1]
            alternatives.append(Alternative(alt_label, count, members, subj.kind if subj else "forslag",
                                            subject_text(subj, _next_after(subj, group, first_line)) if subj else "",
                                            subj.proposer if subj else None, subj.party if subj else None))
        main = group[0] if (alternatives and group) else subject
        if alternatives:
            winner = label or (what or "").split()[-1] if (label or what) else None
            for alt in alternatives:
                if outcome == "vedtatt":
                    alt.outcome = "vedtatt" if alt.label == winner else "falt"
                elif outcome == "falt":
                    alt.outcome = "falt" if alt.label == winner else None
        # "Imot forslaget stemte 39: …" with no "For" line: nobody voted for it.
        for_side = sides.get("for", Side(0) if "against" in sides and not alternatives else Side())
        # "For forslaget stemte 39: …" with no "Imot" line: nobody voted against (the fasit counts it 0).
        against_side = sides.get("against", Side(0) if "for" in sides and not alternatives else Side())
        # With alternatives, `outcome` is the outcome line's ("forslag 2 vedtatt"); each alternative has its own.
        votes.append(Vote(
            subject=main.kind if main else "innstilling", text=subject_text(main, _next_after(main, group, first_line) if alternatives else first_line),
            proposer=main.proposer if main else None, party=main.party if main else None, for_=for_side,
            against=against_side, alternatives=alternatives,
            unanimous=False, outcome=outcome, casting_vote=casting, start=vote_start, end=end, quote=text[vote_start:end],
            absent=sides.get("absent", []), abstained=sides.get("abstained"),
            subject_start=main.text_start if main else None,
        ))
        sides, vote_start = {}, None
        group, grouping = [], False
        last_vote_end = end

    for position, kind, match in events:
        if kind == "proposal":
            if vote_start is not None:
                finish(sides.get("last_end", position), None, None, None, None)
            groups = match.groupdict()
            if "parties" in groups:
                parties = [party_code(p) for p in re.split(r",|\bog\b", groups["parties"]) if p.strip()]
                new_subject(_kind(groups["kind"]), None, ", ".join(p for p in parties if p), _line_end(text, match.end()))
                continue
            who = groups["who"] or groups["office"] or groups["who2"]
            rest = text[match.end():_line_end(text, match.end())].strip(" \t:")
            # "X (R) foreslo å prøve ut …": the proposal is the rest of the sentence.
            text_start = match.end() if (groups["kind"] is None and rest) else _line_end(text, match.end())
            new_subject(_kind(groups["kind"] or "forslag"), " ".join(who.split()), party_code(groups["party"]), text_start)
        elif kind == "innstilling":
            if vote_start is not None:
                finish(sides.get("last_end", position), None, None, None, None)
            label_match = re.match(r"[ \t]*(\d)\)", match.group(0))
            if label_match:
                pending_label = label_match.group(1)
            new_subject("innstilling", None, None, match.end())
        elif kind == "alt":
            if vote_start is not None:
                finish(sides.get("last_end", position), None, None, None, None)
            pending_label = match.group("label")
            if pending_label == "1":
                group.clear()
            grouping = True
        elif kind == "against":
            grouping = True
        elif kind in ("vote", "absent"):
            if vote_start is None:
                vote_start = position + (len(match.group(0)) - len(match.group(0).lstrip()))
            listing_end = _listing_end(text, match.end(), stops)
            members = parse_members(text[match.end():listing_end])
            sides.setdefault("lines", []).append((kind, match, vote_start))
            sides["last_end"] = _trim_end(text, listing_end)
            if kind == "absent":
                sides["absent"] = members
                continue
            count = int(match.group("count"))
            label = match.group("label") or match.group("label2")
            side = match.group("side").lower()
            if label:
                sides.setdefault("alts", {})[label] = (count, members)
            elif side == "for":
                sides["for"] = Side(count, members)
            elif side == "avholdende":
                sides["abstained"] = Side(count, members)
            else:
                sides["against"] = Side(count, members)
        elif kind == "outcome":
            if vote_start is None:
                continue  # "Dermed ble …" with no vote lines before it says nothing countable
            caster = match.group("caster")
            casting = None
            if caster:
                casting = "ordfører" if caster.startswith("ordfører") else "leder"
            finish(_trim_end(text, _line_end(text, match.end())), "falt" if match.group("neg") else "vedtatt", casting,
                   match.group("what"), match.group("label") or match.group("label2"))
        elif kind == "unanimous":
            if vote_start is not None:
                finish(sides.get("last_end", position), None, None, None, None)
            what = match.group("what")
            start = position + (len(match.group(0)) - len(match.group(0).lstrip()))
            if match.group("kind"):
                # "Følgende omforente tilleggsforslag ble enstemmig vedtatt:" — the proposal follows the colon.
                body_end = _listing_end(text, match.end(), stops)
                body = flatten(text[match.end():body_end])
                kind_name = _kind(match.group("kind"))
                proposer = party = None
            else:
                kind_name = "innstilling" if what.lower().startswith(("innstilling", "forslag til")) else (
                    _kind(what) if what.lower().startswith(("tillegg", "endring")) else (subject.kind if subject else "innstilling"))
                current = subject if (subject and subject.text_start > last_vote_end) else None
                body = subject_text(current, start) if current and kind_name == current.kind else ""
                proposer = current.proposer if current and kind_name == current.kind else None
                party = current.party if current and kind_name == current.kind else None
            end = _trim_end(text, _line_end(text, match.end()))
            votes.append(Vote(kind_name, body, proposer, party, Side(), Side(0), [], True, "vedtatt", None, start, end,
                              text[start:end], subject_start=current.text_start if (not match.group("kind") and current
                                                                                  and kind_name == current.kind) else None))
            last_vote_end = end
            group, grouping = [], False
        elif kind == "counted":
            if vote_start is not None:
                finish(sides.get("last_end", position), None, None, None, None)
            start = position + (len(match.group(0)) - len(match.group(0).lstrip()))
            end = _trim_end(text, max(match.end(), _line_end(text, match.end()) if match.group("who") is None else match.end()))
            what = match.group("what")
            kind_name = "innstilling" if what.lower().startswith(("innstilling", "forslag til")) else (
                _kind(what) if what.lower().startswith(("tillegg", "endring")) else (subject.kind if subject else "forslag"))
            outcome = "vedtatt" if match.group("res") == "vedtatt" else "falt"
            if match.group("only"):
                # "vedtatt mot 1 stemme (X)": X voted against; "falt mot 4 stemmer (…)": the four voted for it.
                named = Side(int(match.group("only")), parse_members(match.group("who")) if match.group("who") else [])
                for_side, against = (named, Side()) if outcome == "falt" else (Side(), named)
            else:
                for_side, against = Side(int(match.group("for"))), Side(int(match.group("against")))
            current = subject if (subject and subject.text_start > last_vote_end) else None
            votes.append(Vote(kind_name, subject_text(current, start) if current else "", current.proposer if current else None,
                              current.party if current else None, for_side, against, [], False, outcome, None, start, end,
                              text[start:end], subject_start=current.text_start if current else None))
            last_vote_end = end
        elif kind == "plain":
            side = match.group("side").lower()
            start = position + (len(match.group(0)) - len(match.group(0).lstrip()))
            if vote_start is None:
                vote_start = start
            sides.setdefault("lines", []).append((kind, match, vote_start))
            sides["last_end"] = _trim_end(text, match.end())
            sides["for" if side == "for" else "against"] = Side(int(match.group("count")))
            if "for" in sides and "against" in sides:
                for_count, against_count = sides["for"].count or 0, sides["against"].count or 0
                finish(sides["last_end"], "vedtatt" if for_count > against_count else "falt", None, None, None)
    if vote_start is not None:
        finish(sides.get("last_end", len(text)), None, None, None, None)
    for vote in votes:
        vote.unanimous = vote.unanimous or (not vote.alternatives and bool(vote.for_.count) and vote.against.count == 0
                                            and vote.outcome == "vedtatt")
    if roster is not None:
        resolve_names(votes, list(roster))
    return votes


def _next_after(subject: _Subject | None, group: list[_Subject], default: int) -> int:
    "A proposal's text ends where the next proposal of its group begins (or at the first vote line)."
    if subject is None or subject not in group:
        return default
    position = group.index(subject)
    if position + 1 < len(group):
        return min(group[position + 1].text_start, default)
    return default


def _trim_end(text: str, end: int) -> int:
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


# ---- names ----------------------------------------------------------------------------------------
def fold(name: str) -> str:
    "Case, accents and dots folded: 'Tor Andre Eide' and 'Tor André Eide' compare equal."
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.replace(".", " ").casefold().split())


def _compatible(short: str, full: str) -> bool:
    "'Line M Nordkvelle' ~ 'Line Mari Nordkvelle'; 'Janne K. J. Larsen' ~ 'Janne Kari Johansen Larsen'."
    a, b = fold(short).split(), fold(full).split()
    if not a or not b or a[0] != b[0] or a[-1] != b[-1]:
        return False
    middle_a, middle_b = a[1:-1], b[1:-1]
    if len(middle_a) > len(middle_b):
        return False
    cursor = 0
    for part in middle_a:
        while cursor < len(middle_b) and not (middle_b[cursor] == part or (len(part) == 1 and middle_b[cursor].startswith(part))):
            cursor += 1
        if cursor == len(middle_b):
            return False
        cursor += 1
    return True


def resolve_name(name: str, party: str | None, roster: list[Member]) -> str:
    "The roster's spelling of a name, when exactly one roster member can be meant."
    if any(m.name == name for m in roster):
        return name
    folded = fold(name)
    same = [m for m in roster if fold(m.name) == folded]
    if len(same) == 1:
        return same[0].name
    candidates = [m for m in roster if _compatible(name, m.name) and (party is None or m.party in (None, party))]
    return candidates[0].name if len(candidates) == 1 else name


def resolve_names(votes: list[Vote], roster: list[Member]) -> None:
    for vote in votes:
        sides = [vote.for_, vote.against, *(vote.alternatives)] + ([vote.abstained] if vote.abstained else [])
        for side in sides:
            for member in side.members:
                member.name = resolve_name(member.name, member.party, roster)
        for member in vote.absent:
            member.name = resolve_name(member.name, member.party, roster)
        if vote.proposer:
            vote.proposer = resolve_name(vote.proposer, vote.party, roster)


def voters(vote: Vote) -> list[Member]:
    "Everyone the vote lists as voting, on any side."
    sides = [vote.for_, vote.against, *vote.alternatives] + ([vote.abstained] if vote.abstained else [])
    return [m for side in sides for m in side.members]
