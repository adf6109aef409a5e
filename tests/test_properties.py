"""Property tests (hypothesis): the chunker and the citation parser hold their promises on any input."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings, strategies as st

from assistant.chunking import Chunker, count_tokens
from assistant.documents import Document
from assistant.generation import MARKER, parse_citations

WORDS = st.sampled_from(
    "kommunestyret vedtok forskrift om åpningstider Asker Røyken kl. 20.00 nr. 12 § 3. skal kan ikke hund "
    "båndtvang 1. april – «sitat» PS 45/21 Øvre-Vollen æøå ÆØÅ e-post: post@asker.kommune.no 100 000 kr".split()
)
LONG_WORD = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzæøå"), min_size=30, max_size=400)
SEPARATORS = st.sampled_from([" ", " ", " ", "\n", "\n\n", ". ", ".\n\n§ 4. ", "\n- ", "\t", "\r\n", "\u00a0"])


@st.composite
def documents(draw):
    pieces = draw(st.lists(st.tuples(st.one_of(WORDS, WORDS, WORDS, LONG_WORD), SEPARATORS), min_size=1, max_size=600))
    text = "".join(word + sep for word, sep in pieces)
    return Document("doc", text, "src", "tittel")


@given(documents(), st.sampled_from([40, 120, 180]))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_chunker_offsets_cover_everything_within_bounds(document, target):
    chunker = Chunker(target_tokens=target)
    chunks = chunker.split(document)
    text = document.text
    for chunk in chunks:
        assert text[chunk.start:chunk.end] == chunk.text  # offsets map back to the text
        assert chunk.text.strip() == chunk.text and chunk.text  # trimmed, never empty
        assert count_tokens(chunk.text) <= chunker.hard_max  # size bound
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:]))  # in order, no overlap
    # Nothing dropped: whatever lies between chunks is whitespace.
    cursor = 0
    for chunk in chunks:
        assert text[cursor:chunk.start].strip() == ""
        cursor = chunk.end
    assert text[cursor:].strip() == ""


@given(documents())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_chunker_respects_a_model_token_limit_with_the_header(document):
    # A stricter tokenizer than cl100k (one token per 2 characters) and a 64-token model limit.
    def tokens(text: str) -> int:
        return (len(text) + 1) // 2

    header = "Forskrift om noe, Asker kommune | Asker kommunestyre\n"
    chunker = Chunker(180, 64, tokens)
    for chunk in chunker.split(document, header):
        assert document.text[chunk.start:chunk.end] == chunk.text
        # Only a single unbreakable word may exceed the limit; anything with a space in it was cut.
        assert tokens(header + chunk.text) <= 64 or " " not in chunk.text.strip()


SENTENCE = st.lists(WORDS, min_size=1, max_size=12).map(" ".join)


@st.composite
def cited_answers(draw):
    sentences = []
    for _ in range(draw(st.integers(1, 8))):
        words = draw(SENTENCE)
        markers = "".join(f" [{n}]" for n in draw(st.lists(st.integers(0, 120), max_size=4)))
        sentences.append(f"{words[0].upper()}{words[1:]}{markers}.")
    return " ".join(sentences), set(draw(st.lists(st.integers(1, 12), max_size=8)))


@given(cited_answers())
@settings(max_examples=300, deadline=None)
def test_citation_parser_keeps_only_known_sources_and_loses_no_words(answer):
    text, known = answer
    lines, cites, removed = parse_citations(text, known)
    all_markers = [int(n) for n in MARKER.findall(text)]
    # Every marker left points at a source; every other one is reported as removed, in order.
    left = [int(n) for line in lines for n in MARKER.findall(line)]
    assert set(left) <= known
    assert removed == [n for n in all_markers if n not in known]
    assert sorted(left) == sorted(n for n in all_markers if n in known)
    for line, sources in zip(lines, cites):
        assert sources == list(dict.fromkeys(int(n) for n in MARKER.findall(line)))
    # The words of the answer survive, markers aside.
    def words(s: str) -> list[str]:
        return re.findall(r"\w+", MARKER.sub(" ", s))
    assert words(" ".join(lines)) == words(text)
