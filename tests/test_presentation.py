"""What the page renders from document text is inert, and the exports are what they claim."""

from __future__ import annotations

import csv
import io

from assistant.presentation import chat_markdown, escape_markdown, highlighted_passage, reference, results_csv, timeline

HOSTILE = "<script>alert(1)</script> ![bilde](http://evil.example/x.png) [lenke](http://evil.example) :red[rød] $x$ **fet**"


def test_escaped_markdown_has_no_live_syntax():
    import markdown_it

    html = markdown_it.MarkdownIt("commonmark").render(escape_markdown(HOSTILE))
    assert "<script" not in html and "<img" not in html and "<a " not in html and "<strong>" not in html
    assert "&lt;script&gt;" in html and "![bilde](http://evil.example/x.png)" in html


def test_highlight_marks_the_quote_and_escapes_the_rest():
    passage = "Innledning. Kommunestyret vedtok 79 millioner kroner i kompensasjon. <b>Slutt</b>."
    marked = highlighted_passage(passage, "Kommunestyret vedtok 79 millioner kroner i kompensasjon.")
    assert ":orange-background[Kommunestyret vedtok 79 millioner kroner i kompensasjon\\.]" in marked
    assert "\\<b\\>" in marked


def test_reference_in_norwegian_form():
    item = {"body": "Asker kommunestyre", "title": "Forskrift om hund", "date": "1994-02-15", "regulation_id": "FOR-1994-02-15-169", "url": "https://lovdata.no/x"}
    assert reference(item) == "Asker kommunestyre, «Forskrift om hund», 15.02.1994, FOR-1994-02-15-169. https://lovdata.no/x"


def test_csv_keeps_fields_and_defuses_formulas():
    rows = [{"rank": 1, "title": "=HYPERLINK(\"http://evil\")", "date": "2021-06-15", "text": "a, \"b\"\nc"}]
    parsed = list(csv.DictReader(io.StringIO(results_csv(rows))))
    assert parsed[0]["title"].startswith("'=") and parsed[0]["text"] == "a, \"b\"\nc" and parsed[0]["rank"] == "1"


def test_timeline_counts_by_year():
    assert timeline([{"date": "2021-06-15"}, {"date": "2021-01-01"}, {"date": "1999-05-05"}, {"date": None}]) == [
        {"year": 1999, "count": 1}, {"year": 2021, "count": 2}]


def test_chat_export_carries_sources():
    turn = {"question": "Hva ble vedtatt?", "answer": {"answer": "Det ble vedtatt [1].", "citations": [
        {"n": 1, "title": "Møte", "body": "Asker kommunestyre", "date": "2021-06-15", "quote": "<script>x</script>", "doc_id": "d"}]}}
    text = chat_markdown([turn])
    assert "1. Asker kommunestyre, «Møte», 15\\.06\\.2021" in text and "\\<script\\>" in text


def test_the_vote_table_keeps_counts_as_numbers_where_proposals_were_set_against_each_other(shared):
    """A vote between alternative proposals (Steinkjer, PS 41/2026: "1: 6 / 2: 2") has its counts in their own
    column: mixed into "for", numbers and text made Arrow give up on the page's votes table."""
    import json

    import pyarrow

    from assistant.presentation import VOTE_FIELDS, vote_table
    from assistant.records.index import RecordIndex
    from assistant.records.views import vote_rows

    # Each record as one chunk, so that the rows are the ones the page and the CLI get from vote_rows.
    records = [json.loads(line) for line in (shared / "corpus/minutes/steinkjer_2026.jsonl").open(encoding="utf-8")]
    index = RecordIndex.build("test", [(r["id"], r["text"], {**r, "doc_id": r["id"], "start": 0, "end": len(r["text"])})
                                       for r in records])
    table = vote_table(vote_rows(index))
    assert any(row["alternatives"] for row in table) and any(row["for"] is not None for row in table)
    arrow = pyarrow.Table.from_pylist(table)
    assert pyarrow.types.is_integer(arrow.schema.field("for").type) and pyarrow.types.is_integer(arrow.schema.field("against").type)
    assert {row["alternatives"] for row in table if row["case_number"] == "PS 41/2026"} >= {"1: 6 / 2: 2"}
    assert list(table[0]) == list(VOTE_FIELDS)
