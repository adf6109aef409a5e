"""Answers from meeting records: the VEDTAK of the deciding body is what was decided; an innstilling or a
proposal is quoted only labelled, and one that fell is always said to have fallen; vote questions get the
counts and the outcome from the parsed vote; a case's path says where it stands. Everything quoted is an
exact passage of the record, cited as one source per record."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from ..analysis import question_language, question_terms, split_sentences
from ..answering import Answer, Citation, ExtractiveAnswerer, closest, coverage, what_was_searched
from ..keyword import KeywordIndex
from ..retrieval import DocumentHit, Filters
from .index import RecordIndex
from .structure import DECISION, PROPOSAL_ROLES, Part, Record, body_start
from .votes import Vote, fold
from .parties import QUESTION_NAMES

VOTE_QUESTION = re.compile(
    r"\b(stemte|stemmer|stemmene|stemme|røysta|røyster|røystene|enstemmig|samrøystes|jevnt|jamt|flertall|fleirtal|"
    r"votert?e?|vote[sd]?|voting|unanimous|majority|dobbeltstemme)\b", re.IGNORECASE)
PROPOSAL_QUESTION = re.compile(
    r"\b(forslag\w*|framlegg\w*|foreslo|foreslått|gjennomslag|stoppe|proposal|proposed|amendment|alternativ\w*)\b", re.IGNORECASE)
LIST_QUESTION = re.compile(r"\b(hvilke saker|kva saker|kva for saker|i hvilke saker|which cases|what cases)\b", re.IGNORECASE)
AGAINST_QUESTION = re.compile(r"\b(stemte|røysta|voted)\b[^?.]{0,40}?\b(mot|imot|against)\b", re.IGNORECASE)
FOR_QUESTION = re.compile(r"\b(stemte|røysta|voted)\b[^?.]{0,40}?\b(for|in favour of)\b", re.IGNORECASE)
MAX_LISTED = 15
WHO_QUESTION = re.compile(r"\b(hvem|kven|who|which members)\b", re.IGNORECASE)
PATH_QUESTION = re.compile(
    r"\b(hvilke utvalg|kva utval|hvilken vei|kva veg|gjennom utvalgene|før kommunestyret|først|fyrst|which bodies|"
    r"behandlet .{0,40} og kommunestyret|handsama|saksgang|path|bodies)\b", re.IGNORECASE)
BODY_WORDS = {
    "kommunestyre": "Kommunestyre", "formannskap": "Formannskap", "eldrerådet": "Eldrerådet", "eldreråd": "Eldrerådet",
    "ungdomsråd": "Ungdomsrådet", "råfim": "Rådet for personer", "funksjonsnedsettelse": "Rådet for personer",
    "hovedutvalg for plan": "Hovedutvalg plan", "hovudutval for plan": "Hovedutvalg plan",
    "hovedutvalg for oppvekst": "Hovedutvalg oppvekst", "hovudutvalet for oppvekst": "Hovedutvalg oppvekst",
    "hovedutvalg for helse": "Hovedutvalg helse", "hovudutval for helse": "Hovedutvalg helse",
    "municipal council": "Kommunestyre", "executive committee": "Formannskap", "council for the elderly": "Eldrerådet",
    "administrasjonsutvalg": "Administrasjonsutvalget", "arbeidsmiljøutvalg": "Arbeidsmiljøutvalget",
    "trafikksikkerhetsutvalg": "Trafikksikkerhetsutvalget", "forretningsutvalg": "Forretningsutvalget",
}
OUTCOME_WORDS = {
    "nb": {"vedtatt": "Vedtatt", "falt": "Falt"}, "nn": {"vedtatt": "Vedteke", "falt": "Fall"},
    "en": {"vedtatt": "Adopted", "falt": "Fell"},
}
UNANIMOUS_WORDS = {"nb": "enstemmig", "nn": "samrøystes", "en": "unanimously"}
AGAINST_WORD = {"nb": "mot", "nn": "mot", "en": "to"}
SUBJECT_WORDS = {
    "innstilling": "innstillingen", "forslag": "forslaget", "endringsforslag": "endringsforslaget",
    "tilleggsforslag": "tilleggsforslaget", "alternativ": "det alternative forslaget",
}
# Nine decisions in ten are shorter (Steinkjer 2026: median 173, 90th percentile 1,007 characters): quoted whole.
MAX_DECISION_CHARS = 1000
MAX_PROPOSAL_CHARS = 600  # a proposal this short is quoted whole; a longer one by its best sentences
NO_DECISION = {"nb": "Protokollen har ingen vedtakstekst for saken.", "nn": "Protokollen har inga vedtakstekst for saka.",
               "en": "The minutes record no decision text for this case."}
CASE_PAPER = {"nb": "Saksframlegg – kommunedirektørens utredning før politisk behandling, ikke vedtak.",
              "nn": "Saksframlegg – kommunedirektøren si utgreiing før politisk handsaming, ikkje vedtak.",
              "en": "Case paper – the administration's report before the political treatment, not a decision."}
PROCEEDINGS_LABEL = {"nb": "Fra behandlingen: ", "nn": "Frå handsaminga: ", "en": "From the proceedings: "}
CONTEXT_ROLES = ("habilitet", "protokolltilførsel")
# Share of the question's weighted words a habilitet or protokolltilførsel part must hold to be quoted beside
# the decision: most of them, so that it is quoted only when the question is about it.
CONTEXT_MIN_COVERAGE = 0.35
CONTEXT_LABELS = {
    "nb": {"habilitet": "Habilitet: ", "protokolltilførsel": "Protokolltilførsel: "},
    "nn": {"habilitet": "Habilitet: ", "protokolltilførsel": "Protokolltilførsel: "},
    "en": {"habilitet": "Impartiality: ", "protokolltilførsel": "Entered in the minutes: "},
}


@dataclass
class _Quote:
    doc_id: str
    start: int
    end: int
    label: str = ""
    summary: str = ""  # a statement from the parsed vote, shown before the quote it rests on
    show_quote: bool = True  # the quote on its own line under the summary (it is in the citation either way)


class RecordAnswerer(ExtractiveAnswerer):
    """Extractive answers that know the parts of a meeting record. Documents that are not records are
    answered by the general extractive answerer."""

    def __init__(self, records: Callable[[], RecordIndex], threshold: float = 0.875, max_sentences: int = 4,
                 threshold_en: float | None = None, model=None):
        super().__init__(threshold, max_sentences, threshold_en, model)
        self.records = records

    def answer(self, question: str, hits: list[DocumentHit], index: KeywordIndex, filters: Filters | None = None) -> Answer:
        records = self.records()
        if not hits or not any(h.doc_id in records.records for h in hits[:3]):
            return super().answer(question, hits, index, filters)
        language = question_language(question)
        searched = what_was_searched(hits, index, filters, question)
        if self.outside_index(question, index, searched):
            return self._abstain(question, language, searched, 0.0)
        listing = self._party_listing(question, records, language, searched)
        if listing is not None:
            return listing
        top = hits[0]
        if top.doc_id not in records.records:
            return super().answer(question, hits, index, filters)
        answers, evidence = self.decide(question, hits, index, self.evidence(question, top, index, []), language)
        if not answers:
            return self._abstain(question, language, searched, evidence)
        # Whether to answer is decided on the ranking's first case, as the abstention model was fitted; the case
        # quoted is the one whose treatment answers closest (mdev-005: the culture school's free places, not a
        # consultation on integration grants), among those that fit a body or month the question names as well
        # as the first one does.
        top = self._closest_case(question, hits, records, index)

        terms = question_terms(question)
        weights = {t: index.idf(t) for t in terms}
        quotes: list[_Quote] = []
        if PATH_QUESTION.search(question) and len(records.treatments(top.doc_id)) > 1:
            for doc_id in records.treatments(top.doc_id):
                quotes += self._record_quotes(doc_id, records, weights, question, language, decision_sentences=3, brief=True)
        else:
            quotes += self._record_quotes(top.doc_id, records, weights, question, language,
                                          decision_sentences=self.max_sentences)
        if not quotes:
            return super().answer(question, hits, index, filters)
        answer = self._compose_records(question, language, quotes, records, searched, evidence)
        status = case_status(top.doc_id, records, language)
        if status:
            answer.text += "\n" + status
        return answer

    def _closest_case(self, question: str, hits: list[DocumentHit], records: RecordIndex, index: KeywordIndex) -> DocumentHit:
        "Each case by its treatment the ranking put first (the deciding one), the closest of them (answering.closest)."
        firsts: dict[str, DocumentHit] = {}
        for hit in hits:
            if hit.doc_id in records.records:
                firsts.setdefault(records.case_key(hit.doc_id), hit)
        bodies, months = named_bodies_and_months(question)
        fit = {hit.doc_id: _fits(records.meta.get(hit.doc_id, {}), bodies, months) for hit in firsts.values()}
        candidates = [hit for hit in firsts.values() if fit[hit.doc_id] >= fit[hits[0].doc_id]]
        return closest(candidates, lambda hit: self.evidence(question, hit, index, []))

    def _party_listing(self, question: str, records: RecordIndex, language: str, searched: dict[str, Any]) -> Answer | None:
        """"Hvilke saker stemte Høyre mot i februar?": the votes where the named party voted that way, from the
        vote records, each cited to its vote passage."""
        if not LIST_QUESTION.search(question):
            return None
        parties = parties_in(question)
        side = "against" if AGAINST_QUESTION.search(question) else ("for" if FOR_QUESTION.search(question) else None)
        if len(parties) != 1 or side is None:
            return None
        party = next(iter(parties))
        bodies, months = named_bodies_and_months(question)
        quotes: list[_Quote] = []
        for doc_id, record in sorted(records.records.items(), key=lambda item: str(records.meta[item[0]].get("date", ""))):
            meta = records.meta[doc_id]
            day = str(meta.get("date", ""))
            if months and not (len(day) >= 7 and day[5:7].isdigit() and int(day[5:7]) in months):
                continue
            if bodies and not any(b.casefold() in str(meta.get("body", "")).casefold() for b in bodies):
                continue
            for vote in record.votes:
                members = (vote.against if side == "against" else vote.for_).members
                count = sum(1 for m in members if m.party == party)
                if count:
                    who = f"{party} ({count})"
                    summary = f"«{meta.get('title')}»: {who} " + (
                        "stemte mot" if side == "against" else "stemte for") + f" – {vote_summary(vote, language)}"
                    # The vote passage is cited, not repeated: a list of many votes stays readable.
                    quotes.append(_Quote(doc_id, vote.start, vote.end, summary=summary, show_quote=False))
        if not quotes:
            return None
        return self._compose_records(question, language, quotes[:MAX_LISTED], records, searched, 1.0)

    # ---- what to quote from one record -----------------------------------------------------------
    def _record_quotes(self, doc_id: str, records: RecordIndex, weights: dict[str, float], question: str,
                       language: str, decision_sentences: int, brief: bool = False) -> list[_Quote]:
        record = records.records[doc_id]
        text = records.texts[doc_id]
        quotes: list[_Quote] = []
        wants_vote = bool(VOTE_QUESTION.search(question))
        wants_proposal = bool(PROPOSAL_QUESTION.search(question))
        vote = best_vote(record, text, weights, question, prefer_adopted=not wants_proposal)

        decision = [p for p in record.parts if p.role == DECISION]
        decided = self._decision_quotes(doc_id, text, decision, weights, decision_sentences, brief) if decision else []
        quotes += decided
        if decision and not decided:
            # "Vedtak" with nothing after it (some protocols are published so): say so, and quote how the
            # treatment ended instead.
            quotes.append(_Quote(doc_id, decision[0].start, decision[0].start, summary=NO_DECISION[language]))
            quotes += self._closing_quotes(doc_id, record, text, decision[0], language)
        if not brief:
            quotes += self._context_quotes(doc_id, record, text, weights, language)
        if vote is None and wants_proposal:
            proposal = best_proposal(record, text, weights, question)
            if proposal is not None:
                for start, end in _best_sentences(text, proposal, weights, 3):
                    quotes.append(_Quote(doc_id, start, end, label=proposal.label(language)))
        if vote is not None:
            position = record.votes.index(vote)
            # The proposal voted on (each of them, when proposals were set against each other), labelled with
            # how it went; an innstilling is not quoted here: what it became is in the VEDTAK.
            subjects = [p for p in record.parts if p.vote == position and p.role in PROPOSAL_ROLES]
            for subject in subjects:
                if wants_proposal or wants_vote or subject.outcome == "falt":
                    for start, end in _best_sentences(text, subject, weights, 3):
                        quotes.append(_Quote(doc_id, start, end, label=subject.label(language)))
            if wants_vote or wants_proposal or not brief or not vote.unanimous:
                summary = vote_summary(vote, language, names=bool(WHO_QUESTION.search(question)))
                sides = how_they_voted(vote, question, language)
                quotes.append(_Quote(doc_id, vote.start, vote.end, summary=summary + (f". {sides}" if sides else "")))
        elif not decision:
            if str(records.meta[doc_id].get("doc_type", "")).casefold() == "saksframlegg":
                return self._case_paper_quotes(doc_id, record, text, weights, language, decision_sentences)
            return []
        return quotes

    def _case_paper_quotes(self, doc_id: str, record: Record, text: str, weights: dict[str, float], language: str,
                           limit: int) -> list[_Quote]:
        """A saksframlegg answers facts from its report but decides nothing: that is said first, and a
        sentence from its innstilling is labelled as one."""
        scored = []
        for part in record.parts:
            if part.role in ("header", "saksgang"):
                continue
            for start, end in split_sentences(text[part.start:part.end], part.start):
                start = _after_heading_lines(text, start, end)
                if end - start < 15:
                    continue
                scored.append((coverage(text[start:end], weights), start, end, part))
        best = sorted(scored, key=lambda s: -s[0])[:limit]
        if not best or best[0][0] <= 0:
            return []
        quotes = [_Quote(doc_id, best[0][1], best[0][1], summary=CASE_PAPER[language])]
        for _, start, end, part in sorted(best, key=lambda s: s[1]):
            label = part.label(language) if part.role in (*PROPOSAL_ROLES, "innstilling") else ""
            quotes.append(_Quote(doc_id, start, end, label=label))
        return quotes

    def _closing_quotes(self, doc_id: str, record: Record, text: str, decision: Part, language: str) -> list[_Quote]:
        "The last sentence of the treatment before an empty VEDTAK: how the case ended."
        before = [p for p in record.parts if p.end <= decision.start + 1 and p.role in ("behandling", *PROPOSAL_ROLES)
                  and text[p.start:p.end].strip()]
        if not before:
            return []
        part = before[-1]
        spans = [(s, e) for s, e in split_sentences(text[part.start:part.end], part.start) if len(text[s:e].strip()) > 3]
        return [_Quote(doc_id, spans[-1][0], spans[-1][1], label=PROCEEDINGS_LABEL[language])] if spans else []

    def _context_quotes(self, doc_id: str, record: Record, text: str, weights: dict[str, float], language: str) -> list[_Quote]:
        """What the behandling, a habilitet assessment or a protokolltilførsel says, when it answers the question
        better than the decision does ("Hvorfor deltok ikke ordføreren?"): quoted labelled, whole if short."""
        best: tuple[float, Part] | None = None
        for part in record.parts:
            if part.role not in CONTEXT_ROLES:
                continue
            score = coverage(text[part.start:part.end], weights)
            if best is None or score > best[0]:
                best = (score, part)
        if best is None or best[0] < CONTEXT_MIN_COVERAGE:
            return []
        part = best[1]
        if part.end - part.start <= MAX_DECISION_CHARS:
            start, end = part.start, part.end
            while end > start and text[end - 1].isspace():
                end -= 1
            while start < end and text[start].isspace():
                start += 1
            return [_Quote(doc_id, start, end, label=CONTEXT_LABELS[language].get(part.role, ""))]
        spans = [(s, e) for s, e in split_sentences(text[part.start:part.end], part.start) if len(text[s:e].strip()) > 3]
        scored = sorted(spans, key=lambda se: -coverage(text[se[0]:se[1]], weights))
        return [_Quote(doc_id, s, e, label=CONTEXT_LABELS[language].get(part.role, "")) for s, e in sorted(scored[:2])]

    def _decision_quotes(self, doc_id: str, text: str, parts: list[Part], weights: dict[str, float], limit: int,
                         brief: bool) -> list[_Quote]:
        spans = []
        for part in parts:
            # The heading line ("Vedtak", "Formannskapets vedtak:") is not part of the quote.
            start = body_start(text, part)
            spans += split_sentences(text[start:part.end], start)
        spans = [(s, e) for s, e in spans if len(text[s:e].strip()) > 3]
        if not spans:
            return []
        whole = " ".join(text[spans[0][0]:spans[-1][1]].split())
        if len(whole) <= (MAX_DECISION_CHARS if not brief else MAX_DECISION_CHARS // 2):
            return [_Quote(doc_id, spans[0][0], spans[-1][1])]
        scored = []
        for position, (start, end) in enumerate(spans):
            score = coverage(text[start:end], weights) - 0.01 * position
            scored.append((score, start, end))
        chosen = sorted(sorted(scored, key=lambda s: -s[0])[:limit], key=lambda s: s[1])
        return [_Quote(doc_id, start, end) for _, start, end in chosen]

    # ---- the answer ---------------------------------------------------------------------------------
    def _compose_records(self, question: str, language: str, quotes: list[_Quote], records: RecordIndex,
                         searched: dict[str, Any], evidence: float) -> Answer:
        citations: dict[str, Citation] = {}
        shown: dict[str, list[tuple[int, int]]] = {}  # the passages each citation shows, in reading order
        lines: list[str] = []
        seen: set[tuple[str, int, int]] = set()
        for quote in quotes:
            key = (quote.doc_id, quote.start, quote.end)
            if key in seen:
                continue
            seen.add(key)
            text = records.texts[quote.doc_id]
            quoted = text[quote.start:quote.end].strip()
            citation = citations.get(quote.doc_id)
            if citation is None:
                meta = records.meta[quote.doc_id]
                citation = citations[quote.doc_id] = Citation(
                    n=len(citations) + 1, doc_id=quote.doc_id, chunk_id=records.chunk_at(quote.doc_id, quote.start),
                    title=str(meta.get("title", "")), body=meta.get("body"), date=meta.get("date"),
                    page=records.page_at(quote.doc_id, quote.start),
                    quote=quoted, url=meta.get("url"), case_number=meta.get("case_number"), passage="",
                    section=(records.records[quote.doc_id].role_at(quote.start) or Part("", 0, 0)).role,
                    municipality=meta.get("municipality"),
                )
            elif quoted and quoted not in citation.quote:
                citation.quote = f"{citation.quote} … {quoted}" if citation.quote else quoted
            if quoted:
                shown.setdefault(quote.doc_id, []).append(_context_span(records.records[quote.doc_id], text, quote.start, quote.end))
            lead = ""
            if len(citations) > 1 or len({q.doc_id for q in quotes}) > 1:
                meta = records.meta[quote.doc_id]
                lead = f"{meta.get('body', '')} {_day(meta.get('date'))} ({meta.get('case_number', '')}): " if quote is _first_of(quotes, quote.doc_id) else ""
            if quote.summary and not quoted:
                lines.append(f"{lead}{quote.summary}")
            elif quote.summary:
                lines.append(f"{lead}{quote.summary} [{citation.n}]")
                if quote.show_quote:
                    lines.append(f"    «{' '.join(quoted.split())}» [{citation.n}]")
            else:
                lines.append(f"{lead}{quote.label}{' '.join(quoted.split())} [{citation.n}]")
        for doc_id, citation in citations.items():
            text = records.texts[doc_id]
            merged: list[tuple[int, int]] = []
            for start, end in sorted(shown.get(doc_id, [])):
                if merged and start <= merged[-1][1]:
                    merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
                else:
                    merged.append((start, end))
            citation.passage = "\n…\n".join(text[s:e].strip() for s, e in merged)
        return Answer(question, "\n".join(lines), False, list(citations.values()), language, searched, evidence)


PASSAGE_WINDOW = 800  # characters of context shown on each side of a quote inside a long part


def _context_span(record: Record, text: str, start: int, end: int) -> tuple[int, int]:
    "The part a quote comes from, as the passage shown around it; a long part is cut to a window around the quote."
    part = record.role_at(start)
    low, high = (part.start, part.end) if part else (start, end)
    if high - low > 2 * PASSAGE_WINDOW + (end - start):
        low, high = max(low, start - PASSAGE_WINDOW), min(high, end + PASSAGE_WINDOW)
    return low, max(high, end)


def _first_of(quotes: list[_Quote], doc_id: str) -> _Quote:
    return next(q for q in quotes if q.doc_id == doc_id)


def _after_heading_lines(text: str, start: int, end: int) -> int:
    """Past the short unpunctuated lines a sentence starts with: headings ("Videre arbeid") that the text
    gives no full stop, so that sentence splitting joins them to the sentence after."""
    while True:
        newline = text.find("\n", start, end)
        line = text[start:newline].strip() if newline >= 0 else ""
        if newline < 0 or not line or len(line) > 50 or line[-1] in ".:!?;," or newline + 1 >= end:
            return start
        start = newline + 1


def _best_sentences(text: str, part: Part, weights: dict[str, float], n: int) -> list[tuple[int, int]]:
    """The part's sentences that share most of the question's words (the first ones on a tie), in reading
    order, after its header line; consecutive ones are quoted as one passage."""
    body_start = text.find("\n", part.start, part.end)
    body_start = part.start if body_start < 0 else body_start
    spans = [(s, e) for s, e in split_sentences(text[body_start:part.end], body_start) if len(text[s:e].strip()) > 3]
    if len(spans) <= n or (spans and len(" ".join(text[spans[0][0]:spans[-1][1]].split())) <= MAX_PROPOSAL_CHARS):
        return [(spans[0][0], spans[-1][1])] if spans else []
    scored = sorted(range(len(spans)), key=lambda i: (-coverage(text[spans[i][0]:spans[i][1]], weights), i))[:n]
    chosen = sorted(scored)
    merged: list[tuple[int, int]] = []
    for i in chosen:
        if merged and i - 1 in chosen:
            merged[-1] = (merged[-1][0], spans[i][1])
        else:
            merged.append(spans[i])
    return merged


def best_vote(record: Record, text: str, weights: dict[str, float], question: str, prefer_adopted: bool) -> Vote | None:
    """The vote the question is about: the one whose proposal shares most of the question's rarer words, or
    whose proposer or party the question names; for a plain "what was decided", the vote that adopted."""
    if not record.votes:
        return None
    named_parties = parties_in(question)
    folded_question = fold(question)
    best, best_score = None, float("-inf")
    for position, vote in enumerate(record.votes):
        about = vote.text + " " + " ".join(a.text for a in vote.alternatives)
        score = coverage(about, weights)
        people = [vote.proposer or ""] + [a.proposer or "" for a in vote.alternatives]
        if any(p and fold(p.split()[-1]) in folded_question for p in people):
            score += 0.3
        if named_parties and ({vote.party} | {a.party for a in vote.alternatives}) & named_parties:
            # "Hva foreslo Høyre …": the named party's own proposal, not a proposal that shares its words.
            score += 0.5 if not prefer_adopted else 0.2
        if prefer_adopted and vote.outcome == "vedtatt":
            score += 0.25
        if vote.unanimous and not vote.for_.count:
            score -= 0.05  # "enstemmig vedtatt" without counts says less than a counted vote
        score -= 0.001 * position
        if score > best_score:
            best, best_score = vote, score
    return best


def best_proposal(record: Record, text: str, weights: dict[str, float], question: str) -> Part | None:
    "The proposal the question is about, for proposals that were never voted on."
    named = parties_in(question)
    folded = fold(question)
    best, best_score = None, 0.0
    for part in record.parts:
        if part.role not in PROPOSAL_ROLES:
            continue
        score = coverage(text[part.start:part.end], weights)
        if part.proposer and fold(part.proposer.split()[-1]) in folded:
            score += 0.3
        if named and part.party and set(re.split(r",\s*|\s+og\s+", part.party)) & named:
            score += 0.3
        if score > best_score:
            best, best_score = part, score
    return best


def how_they_voted(vote: Vote, question: str, language: str = "nb") -> str:
    """For a question that names members or parties: how each voted, read from the vote lists
    ("Gunnar Thorsen (AP) stemte for; SV: 2 for, 0 mot")."""
    folded = fold(question)
    sides = [("for", vote.for_.members), ("mot", vote.against.members)] + [
        (f"forslag {a.label}", a.members) for a in vote.alternatives]
    words = {"for": "for", "mot": "against"} if language == "en" else {"for": "for", "mot": "mot"}
    found: list[str] = []
    for side, members in sides:
        for member in members:
            last, first = fold(member.name).split()[-1], fold(member.name).split()[0]
            if re.search(rf"\b{re.escape(first)}\b.*\b{re.escape(last)}\b", folded):
                verb = "voted" if language == "en" else "stemte"
                found.append(f"{member.name} ({member.party}) {verb} {words.get(side, side)}")
    for party in sorted(parties_in(question)):
        counts = [(words.get(side, side), sum(1 for m in members if m.party == party)) for side, members in sides]
        if any(n for _, n in counts):
            found.append(f"{party}: " + ", ".join(f"{n} {side}" for side, n in counts))
    return "; ".join(dict.fromkeys(found))


def parties_in(question: str) -> set[str]:
    lowered = question.casefold()
    found = set()
    for name, code in QUESTION_NAMES.items():
        if len(name) <= 3:
            if re.search(rf"(?<![\wæøå]){re.escape(name)}(?![\wæøå])", lowered) and name not in ("a", "r", "v", "h"):
                found.add(code)
        elif name in lowered:
            found.add(code)
    return found


def vote_summary(vote: Vote, language: str = "nb", names: bool = False) -> str:
    "'Vedtatt med 20 mot 19 stemmer; mot: H (4), SP (8)' — read from the parsed vote, never guessed."
    words = OUTCOME_WORDS.get(language, OUTCOME_WORDS["nb"])
    subject = SUBJECT_WORDS.get(vote.subject, "forslaget") if language != "en" else vote.subject
    who = f" ({vote.proposer}{', ' + vote.party if vote.party and vote.proposer else ''})" if vote.proposer else (
        f" ({vote.party})" if vote.party else "")
    if vote.alternatives:
        parts = []
        for alternative in vote.alternatives:
            by = f" ({alternative.proposer}{', ' + alternative.party if alternative.party else ''})" if alternative.proposer else ""
            state = words.get(alternative.outcome or "", "")
            parts.append(f"forslag {alternative.label}{by}: {alternative.count} {'votes' if language == 'en' else 'stemmer'}"
                         + (f" – {state.lower()}" if state else ""))
        return ("Votes: " if language == "en" else "Avstemning: ") + "; ".join(parts)
    outcome = words.get(vote.outcome or "", "Uten utfall i protokollen" if language != "en" else "No outcome recorded")
    head = f"{subject.capitalize()}{who}: " if language != "en" else f"{subject.capitalize()}{who}: "
    if vote.unanimous:
        count = f" ({vote.for_.count} {'votes' if language == 'en' else 'stemmer'})" if vote.for_.count else ""
        return f"{head}{outcome.lower()} {UNANIMOUS_WORDS.get(language, 'enstemmig')}{count}"
    counts = ""
    if vote.for_.count is not None and vote.against.count is not None:
        counts = f" {'by' if language == 'en' else 'med'} {vote.for_.count} {AGAINST_WORD.get(language, 'mot')} {vote.against.count} {'votes' if language == 'en' else 'stemmer'}"
    elif vote.against.count is not None:
        counts = f" {'against' if language == 'en' else 'mot'} {vote.against.count} {'votes' if language == 'en' else 'stemmer'}"
    elif vote.for_.count is not None:
        counts = f" {'with' if language == 'en' else 'med'} {vote.for_.count} {'votes for' if language == 'en' else 'stemmer for'}"
    casting = ""
    if vote.casting_vote:
        casting = f", {'with the chair' if language == 'en' else 'med'} {vote.casting_vote}s dobbeltstemme" if language != "en" else ", by the chair's casting vote"
    sides = ""
    for label, side in (("for", vote.for_), ("against" if language == "en" else "mot", vote.against)):
        if side.members and vote.against.members:
            sides += f"; {label}: " + _party_tally(side.members)
    if names and vote.against.members and len(vote.against.members) <= MAX_NAMED:
        sides += ("; against: " if language == "en" else "; imot: ") + ", ".join(
            f"{m.name} ({m.party})" if m.party else m.name for m in vote.against.members)
    return f"{head}{outcome.lower()}{counts}{casting}{sides}"


MAX_NAMED = 12  # a "who voted against" answer names the members when they are this few


def _party_tally(members) -> str:
    tally: dict[str, int] = {}
    for member in members:
        tally[member.party or "?"] = tally.get(member.party or "?", 0) + 1
    return ", ".join(f"{p} ({n})" for p, n in tally.items())


def named_bodies_and_months(question: str) -> tuple[set[str], set[int]]:
    lowered = question.casefold()
    bodies = {value for key, value in BODY_WORDS.items() if key in lowered}
    months = {number for name, number in _MONTHS.items() if re.search(rf"\b{name}\b", lowered)}
    return bodies, months


def _fits(meta: dict[str, Any], bodies: set[str], months: set[int]) -> int:
    "2 for the body the question names, 1 for the month it names."
    score = 0
    if bodies and any(b.casefold() in str(meta.get("body", "")).casefold() for b in bodies):
        score += 2
    day = str(meta.get("date", ""))
    if months and len(day) >= 7 and day[5:7].isdigit() and int(day[5:7]) in months:
        score += 1
    return score


CASE_WINDOW = 20  # how deep in the fused ranking treatments are gathered into their case
NAMED_BOOST = 0.1  # per point of fit (body 2, month 1) of a case's best-fitting treatment to what the question names


def case_order(records: Callable[[], RecordIndex],
               meta_of: Callable[[str], dict[str, Any]] | None = None) -> Callable[[str, list[str], dict[str, float]], list[str]]:
    """A reordering for the retriever: a case is treated by several bodies, and several of its treatments
    matching is strong evidence for it, so the top of the ranking is scored by case (its best treatment's fused
    score); within a case the treatment by the body or in the month the question names
    comes first, else the latest (the decision that stands). Documents that are not records keep their place."""

    def reorder(query: str, ranked: list[str], fused: dict[str, float]) -> list[str]:
        index = records()
        head = ranked[:CASE_WINDOW]
        if not any(d in index.records for d in head):
            return ranked
        bodies, months = named_bodies_and_months(query)
        groups: dict[str, list[str]] = {}
        for doc_id in head:
            key = index.case_key(doc_id) if doc_id in index.records else f"doc:{doc_id}"
            groups.setdefault(key, []).append(doc_id)

        def meta(doc_id: str) -> dict[str, Any]:
            # A document that is not a record fits the named body by its own metadata: else every record of that
            # body would be lifted past the one non-record document that answers.
            return index.meta.get(doc_id) or (meta_of(doc_id) if meta_of else {}) or {}

        def group_score(members: list[str]) -> float:
            # The best treatment decides: adding the others' scores let a case with four lukewarm treatments
            # outrank the one record that answers (minutes dev R@1 0.85 with the best alone, 0.68 with +0.15 each).
            score = max(fused.get(d, 0.0) for d in members)
            if bodies or months:
                score *= 1 + NAMED_BOOST * max(_fits(meta(d), bodies, months) for d in members)
            return score

        def within(doc_id: str) -> tuple:
            meta = index.meta.get(doc_id, {})
            return (-_fits(meta, bodies, months), *( (0,) if (bodies or months) else ()),
                    "" if doc_id not in index.records else _neg(str(meta.get("date", ""))))

        ordered = sorted(groups.values(), key=lambda members: -group_score(members))
        result = [d for members in ordered for d in sorted(members, key=within)]
        return result + ranked[CASE_WINDOW:]

    return reorder


def _neg(day: str) -> str:
    "Sorts later dates first."
    return "".join(chr(0x10FFFF - ord(ch)) for ch in day)


_MONTHS = {"januar": 1, "februar": 2, "mars": 3, "april": 4, "mai": 5, "juni": 6, "juli": 7, "august": 8,
           "september": 9, "oktober": 10, "november": 11, "desember": 12, "january": 1, "february": 2,
           "march": 3, "may": 5, "june": 6, "july": 7, "october": 10, "december": 12}


def _day(value: Any) -> str:
    try:
        d = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value or "")
    return f"{d.day:02d}.{d.month:02d}.{d.year}"


def case_path(doc_id: str, records: RecordIndex) -> list[dict[str, Any]]:
    """Every treatment of the case, oldest first: from the portal's case path where the record has one,
    else from the indexed treatments of the same case."""
    meta = records.meta.get(doc_id, {})
    steps: list[dict[str, Any]] = []
    raw = meta.get("case_path")
    if raw:
        try:
            for step in json.loads(raw):
                steps.append({"doc_id": step.get("treatment_id"), "body": step.get("body"), "date": step.get("date"),
                              "case_number": step.get("case_number")})
        except (ValueError, TypeError, AttributeError):
            steps = []
    if not steps:
        for other in records.treatments(doc_id):
            m = records.meta[other]
            steps.append({"doc_id": other, "body": m.get("body"), "date": m.get("date"), "case_number": m.get("case_number")})
    for step in steps:
        step["indexed"] = step.get("doc_id") in records.records
        record = records.records.get(step.get("doc_id") or "")
        step["outcome"] = None
        if record is not None and record.decision:
            step["outcome"] = "behandlet"
    return sorted(steps, key=lambda s: (str(s.get("date") or ""), str(s.get("case_number") or "")))


FINAL_BODIES = ("kommunestyre", "bystyre", "heradsstyre", "fylkesting")


def case_status(doc_id: str, records: RecordIndex, language: str = "nb") -> str:
    """Where the case stands, from its path: a body's decision that goes on to the council is not final
    until the council has treated it."""
    steps = case_path(doc_id, records)
    if len(steps) < 2:
        return ""
    here = next((i for i, s in enumerate(steps) if s.get("doc_id") == doc_id), None)
    path = " → ".join(f"{s.get('body')} {_day(s.get('date'))} ({s.get('case_number')})" for s in steps)
    label = {"nb": "Saksgang", "nn": "Saksgang", "en": "Path through the bodies"}[language]
    line = f"{label}: {path}."
    if here is not None and here < len(steps) - 1:
        later = steps[here + 1:]
        final = next((s for s in later if any(b in str(s.get("body", "")).casefold() for b in FINAL_BODIES)), later[-1])
        if language == "en":
            line += f" This was not the last treatment: the case went on to {final.get('body')} {_day(final.get('date'))}"
            line += "." if final.get("indexed") else " (no protocol of that treatment in the index)."
        else:
            line += f" Dette var ikke siste behandling: saken gikk videre til {final.get('body')} {_day(final.get('date'))}"
            line += "." if final.get("indexed") else " (protokollen fra den behandlingen er ikke i indeksen)."
    return line
