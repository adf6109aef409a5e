"""How answers and results are shown and exported, kept out of the UI so it stays thin and testable.

Document text is untrusted: it reaches the page only as text or as Markdown in which every character
Markdown, Streamlit or HTML could act on is escaped, so a document holding `<script>`, an image link or
`:red[...]` shows those characters and nothing else.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any, Iterable

# Every character CommonMark, GitHub's extensions (autolinks, tables, strikethrough) or Streamlit
# (:color[...] directives, $...$ maths) acts on; commas, quotes and slashes stay readable in exports.
_PUNCTUATION = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~:$&=])")

UI_TEXT = {
    "nb": {
        "title": "Spør om kommunale vedtak",
        "caption": "Svar hentes ordrett fra dokumentene, med kildehenvisning. Finner den ikke noe, sier den det.",
        "chat": "Spør", "search": "Søk i vedtak", "about": "Om kildene",
        "ask_placeholder": "Spør om et vedtak, f.eks. «Hvor mye ble Asker kompensert for koronautgiftene?»",
        "searching": "Søker i kildene …", "searched": "Søkte i", "done": "Ferdig", "sources": "Kilder",
        "open": "Åpne originalen", "not_found": "Jeg fant ikke noe vedtak om dette.",
        "suggest_filters": "Prøv uten filtrene i sidepanelet: {filters}.",
        "related": "Nærmeste dokumenter", "filters": "Filtre", "body": "Organ", "municipality": "Kommune",
        "doc_type": "Dokumenttype", "since": "Fra dato", "until": "Til dato", "any": "(alle)",
        "query": "Søkeord, tittel eller saksnummer", "sort": "Sorter etter", "relevance": "relevans", "newest": "nyeste først",
        "download_csv": "Last ned listen (CSV)", "timeline": "Tidslinje", "cite": "Kopier kildehenvisning",
        "export": "Last ned samtalen (Markdown)", "no_results": "Ingen treff.",
        "documents": "dokumenter", "chunks": "tekstbiter", "dates": "Datoer", "updated": "Sist oppdatert",
        "bodies": "Organer", "upload": "Legg til dokumenter", "upload_done": "Lagt inn: {n}", "upload_failed": "Ikke lagt inn",
        "language": "Språk", "passage": "Utdrag (det siterte er uthevet)", "page": "side",
        "check": "Sjekk mot tidligere vedtak", "draft": "Lim inn utkastet", "draft_file": "… eller last opp utkastet",
        "check_button": "Sjekk utkastet", "check_none": "Fant ingen tidligere vedtak om samme sak.",
        "draft_label": "Utkast", "decision_label": "Vedtak", "consistent": "samsvarer", "differs": "avviker",
        "added": "Nytt i utkastet", "dropped": "Ikke videreført fra vedtaket", "in_force_as_of": "Gjeldende per",
        "draft_municipality": "Utkastets kommune (tomt: les fra teksten)",
        "meetings": "Møter", "meeting": "Møte", "no_meetings": "Ingen møteprotokoller i indeksen.",
        "cases": "saker", "vote_label": "Avstemning", "fallen": "Forslag som falt", "folded": "Også behandlet",
        "case_path": "Saksgang og status", "digest_md": "Last ned «Kort fra møtet» (Markdown)",
        "no_decision": "Protokollen har ingen vedtakstekst.", "votes": "Voteringer", "party": "Parti",
        "member": "Representant (navn)", "outcome": "Utfall", "all": "alle", "adopted": "vedtatt", "fell": "falt",
        "max_margin": "Bare jevne avstemninger: margin høyst (0 = alle)", "no_votes": "Ingen voteringer med disse valgene.",
        "party_chart": "Slik stemte partiene (for / mot / delt)", "download_votes": "Last ned voteringene (CSV)",
        "positions_text": "Partienes stemmer som tekst",
        "follow": "Følg dette søket", "follow_name": "Navn på søket (blir navnet på nyhetsstrømmen)",
        "follow_saved": "Følger «{name}». Nye treff vises under «Nytt siden sist».", "news": "Nytt siden sist",
        "news_check": "Se etter nytt", "news_none": "Ingenting nytt siden forrige gang.", "no_follows": "Du følger ingen søk ennå.",
        "feed": "Nyhetsstrøm (Atom)",
    },
    "en": {
        "title": "Ask about council decisions",
        "caption": "Answers are quoted from the documents, with citations. When nothing is found, it says so.",
        "chat": "Ask", "search": "Search decisions", "about": "About the sources",
        "ask_placeholder": "Ask about a decision, e.g. “How much was Asker compensated for corona costs?”",
        "searching": "Searching the sources …", "searched": "Searched", "done": "Done", "sources": "Sources",
        "open": "Open the original", "not_found": "I found no decision about this.",
        "suggest_filters": "Try without the sidebar filters: {filters}.",
        "related": "Nearest documents", "filters": "Filters", "body": "Body", "municipality": "Municipality",
        "doc_type": "Document type", "since": "From", "until": "To", "any": "(any)",
        "query": "Words, title or case number", "sort": "Sort by", "relevance": "relevance", "newest": "newest first",
        "download_csv": "Download the list (CSV)", "timeline": "Timeline", "cite": "Copy citation",
        "export": "Download the conversation (Markdown)", "no_results": "No results.",
        "documents": "documents", "chunks": "passages", "dates": "Dates", "updated": "Last updated",
        "bodies": "Bodies", "upload": "Add documents", "upload_done": "Added: {n}", "upload_failed": "Not added",
        "language": "Language", "passage": "Passage (the quoted part highlighted)", "page": "page",
        "check": "Check against earlier decisions", "draft": "Paste the draft", "draft_file": "… or upload the draft",
        "check_button": "Check the draft", "check_none": "Found no earlier decision on the same matter.",
        "draft_label": "Draft", "decision_label": "Decision", "consistent": "consistent", "differs": "differs",
        "added": "New in the draft", "dropped": "Not carried over from the decision", "in_force_as_of": "In force as of",
        "draft_municipality": "The draft's municipality (empty: read from the text)",
        "meetings": "Meetings", "meeting": "Meeting", "no_meetings": "No meeting records in the index.",
        "cases": "cases", "vote_label": "Vote", "fallen": "Proposals that fell", "folded": "Also treated",
        "case_path": "Path through the bodies and status", "digest_md": "Download the meeting brief (Markdown)",
        "no_decision": "The minutes record no decision text.", "votes": "Votes", "party": "Party",
        "member": "Member (name)", "outcome": "Outcome", "all": "all", "adopted": "adopted", "fell": "fell",
        "max_margin": "Close votes only: margin at most (0 = all)", "no_votes": "No votes with these choices.",
        "party_chart": "How the parties voted (for / against / split)", "download_votes": "Download the votes (CSV)",
        "positions_text": "The parties' votes as text",
        "follow": "Follow this search", "follow_name": "Name of the search (names its feed)",
        "follow_saved": "Following “{name}”. New matches show under “New since last time”.", "news": "New since last time",
        "news_check": "Check for news", "news_none": "Nothing new since last time.", "no_follows": "You follow no searches yet.",
        "feed": "News feed (Atom)",
    },
}


def escape_markdown(text: str) -> str:
    escaped = _PUNCTUATION.sub(r"\\\1", text or "")
    # Markdown joins single line breaks; a document's lines are kept as they were.
    return escaped.replace("\r", "").replace("\n", "  \n")


def highlighted_passage(passage: str, quote: str) -> str:
    """The passage as safe Markdown with each quoted sentence marked; the quote's pieces are found verbatim."""
    spans: list[tuple[int, int]] = []
    for piece in re.split(r"\s*(?:…|\.\.\.)\s*", quote or ""):
        piece = piece.strip()
        if len(piece) < 8:
            continue
        start = passage.find(piece)
        if start >= 0:
            spans.append((start, start + len(piece)))
    spans.sort()
    out, cursor = [], 0
    for start, end in spans:
        if start < cursor:
            continue
        out.append(escape_markdown(passage[cursor:start]))
        # A highlighted span stays on one line: Streamlit's directive does not cross paragraph breaks.
        out.append(":orange-background[" + escape_markdown(" ".join(passage[start:end].split())) + "]")
        cursor = end
    out.append(escape_markdown(passage[cursor:]))
    return "".join(out)


def norwegian_date(value: str | None) -> str:
    try:
        return date.fromisoformat(str(value)[:10]).strftime("%d.%m.%Y")
    except (TypeError, ValueError):
        return str(value or "")


def reference(item: dict[str, Any]) -> str:
    "A reference as Norwegian archives write one: body, «title», date, id, url."
    ident = item.get("regulation_id") or item.get("case_number") or item.get("doc_id")
    parts = [item.get("body"), f"«{item.get('title') or item.get('doc_id')}»", norwegian_date(item.get("date")), ident]
    text = ", ".join(str(p) for p in parts if p)
    return text + (f". {item['url']}" if item.get("url") else ".")


CSV_FIELDS = ("rank", "title", "body", "date", "municipality", "doc_type", "regulation_id", "case_number", "page", "url", "doc_id", "score", "text")


def results_csv(results: Iterable[dict[str, Any]], fields: tuple[str, ...] = CSV_FIELDS) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for row in results:
        # A cell starting with = + - @ is a formula to a spreadsheet; a document must not run one.
        writer.writerow({k: ("'" + v if isinstance(v, str) and v[:1] in "=+-@" else v) for k, v in row.items()})
    return buffer.getvalue()


VOTE_FIELDS = ("date", "body", "case_number", "title", "subject", "proposer", "party", "for", "against", "alternatives",
               "outcome", "margin", "text", "url", "doc_id")


def vote_table(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Vote rows flattened for a table and a CSV: counts as numbers, the proposal text shortened. A vote between
    proposals set against each other has its counts in "alternatives" ("1: 29 / 2: 10"), so that "for" and
    "against" hold numbers only (a column of numbers and text is no column to a table or a spreadsheet)."""
    table = []
    for row in rows:
        alternatives = row.get("alternatives") or []
        table.append({
            "date": row.get("date"), "body": row.get("body"), "case_number": row.get("case_number"),
            "title": row.get("title"), "subject": row.get("subject"), "proposer": row.get("proposer") or "",
            "party": row.get("party") or "",
            "for": row["for"]["count"] if not alternatives else None,
            "against": row["against"]["count"] if not alternatives else None,
            "alternatives": " / ".join(f"{a['label']}: {a['count']}" for a in alternatives),
            "outcome": row.get("outcome"), "margin": row.get("margin"),
            "text": " ".join(str(row.get("text") or "").split())[:300], "url": row.get("url"), "doc_id": row.get("doc_id"),
        })
    return table


def party_positions(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """How each party voted in each vote: for, against or split, with the counts, one row per party and vote
    (for a chart, and as text for screen readers). Votes on proposals set against each other are left out."""
    positions = []
    for row in rows:
        if row.get("alternatives"):
            continue
        label = f"{row.get('date')} {row.get('case_number')} {row.get('subject')}" + (f" ({row['proposer']})" if row.get("proposer") else "")
        tally: dict[str, list[int]] = {}
        for side, index in (("for", 0), ("against", 1)):
            for member in row[side]["members"]:
                tally.setdefault(member.get("party") or "?", [0, 0])[index] += 1
        for party, (yes, no) in sorted(tally.items()):
            position = "for" if yes and not no else ("mot" if no and not yes else "delt")
            positions.append({"vote": label, "party": party, "position": position, "for": yes, "against": no})
    return positions


def sort_results(results: list[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    if by == "date":
        return sorted(results, key=lambda r: str(r.get("date") or ""), reverse=True)
    return sorted(results, key=lambda r: r["rank"])


def timeline(results: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    "Decisions per year, oldest first, for a chart."
    years: dict[int, int] = {}
    for row in results:
        year = str(row.get("date") or "")[:4]
        if year.isdigit():
            years[int(year)] = years.get(int(year), 0) + 1
    return [{"year": year, "count": years[year]} for year in sorted(years)]


def chat_markdown(turns: list[dict[str, Any]], language: str = "nb") -> str:
    "The conversation with every answer's sources; document text escaped so the export renders as written."
    words = UI_TEXT[language]
    lines = [f"# {words['title']}", ""]
    for turn in turns:
        answer = turn["answer"]
        lines += [f"**{escape_markdown(turn['question'])}**", "", escape_markdown(answer["answer"]), ""]
        if answer["citations"]:
            lines.append(f"{words['sources']}:")
            for citation in answer["citations"]:
                lines.append(f"{citation['n']}. {escape_markdown(reference(citation))}")
                lines.append(f"   > {escape_markdown(citation['quote'])}")
            lines.append("")
    return "\n".join(lines)


RELATION_NB = {
    "earlier_version": "tidligere versjon", "later_version": "senere versjon", "amends": "endringsforskrift",
    "repeals": "opphevingsvedtak", "same_topic": "samme tema",
}
KIND_NB = {
    "number": "tall", "amount": "beløp", "time": "klokkeslett", "date": "dato", "distance": "avstand",
    "area": "areal", "percent": "prosent", "duration": "varighet", "zone": "sone/felt", "purpose": "arealformål",
    "responsible": "ansvarlig", "obligation": "plikt/adgang/forbud",
}
STATUS_NB = {"in force": "i kraft", "in force (amendment)": "i kraft (endring)", "not yet adopted": "ikke vedtatt ennå",
             "repeal in force": "opphevingen gjelder"}


def status_nb(status: str) -> str:
    "A timeline status in Norwegian: 'repealed by FOR-…' → 'opphevet ved FOR-…'."
    return STATUS_NB.get(status) or status.replace("repealed by", "opphevet ved").replace("superseded by", "erstattet av")


def check_text(result: dict[str, Any]) -> str:
    "The consistency check as plain text: each related decision, its differing pairs, then the timeline."
    draft = result["draft"]
    lines = [f"Utkast: {draft['title']}  ({draft['provisions']} bestemmelser"
             + (f", {draft['municipality']}" if draft.get("municipality") else "") + ")", ""]
    if not result["related"]:
        lines.append("Fant ingen tidligere vedtak om samme sak.")
    for n, item in enumerate(result["related"], start=1):
        differing = [p for p in item["pairs"] if p["differences"]]
        lines.append(f"[{n}] {item['title']}  ({RELATION_NB.get(item['relation'], item['relation'])})")
        lines.append(f"    {reference(item)}")
        lines.append(f"    {len(item['pairs'])} parede bestemmelser: {len(item['pairs']) - len(differing)} samsvarer, "
                     f"{len(differing)} avviker; {len(item['added'])} nye i utkastet, {len(item['dropped'])} ikke videreført")
        for pair in differing:
            lines.append(f"    - Utkast: «{pair['draft_quote']}»")
            lines.append(f"      Vedtak: «{pair['source_quote']}»")
            for difference in pair["differences"]:
                lines.append(f"      {KIND_NB.get(difference['kind'], difference['kind'])}: "
                             f"utkast {difference['draft'] or '–'} / vedtak {difference['source'] or '–'}")
        lines.append("")
    if result["timeline"]:
        lines.append(f"Tidslinje (nyeste først, gjeldende per {norwegian_date(result['as_of'])}):")
        for entry in result["timeline"]:
            status = status_nb(entry["status"])
            lines.append(f"  {norwegian_date(entry['date'])}  {entry['title']}  [{entry['doc_id']}]  – {status}")
    return "\n".join(lines)
