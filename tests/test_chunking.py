from __future__ import annotations

import json

import pytest

from assistant.chunking import Chunker, count_tokens
from assistant.documents import Document

REGULATION = """Forskrift om åpningstider, Hurum kommune.

§ 1. Virkeområde
Forskriften gjelder alle utsalgssteder i kommunen.

§ 2. Åpningstider
Utsalgssteder kan holde åpent til kl. 20.00 på hverdager.
På lørdager kan de holde åpent til kl. 18.00.

§ 3. Søndager før jul
De tre siste søndagene før jul kan det holdes åpent mellom kl. 14.00 og 19.00.
"""


def check_offsets(document: Document, chunks) -> None:
    for chunk in chunks:
        assert document.text[chunk.start:chunk.end] == chunk.text
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:]))


def test_sections_stay_whole_and_are_labelled():
    document = Document("d", REGULATION, "src", "Forskrift om åpningstider")
    chunks = Chunker(target_tokens=40).split(document)
    check_offsets(document, chunks)
    for marker in ("§ 1.", "§ 2.", "§ 3."):
        holders = [c for c in chunks if marker in c.text]
        assert len(holders) == 1
        section_start = REGULATION.index(marker)
        section_end = REGULATION.find("§", section_start + 1)
        section = REGULATION[section_start: section_end if section_end > 0 else None].strip()
        assert section in holders[0].text, f"{marker} was split"
    assert any(c.section.startswith("§ 2") for c in chunks)


def test_nothing_dropped_and_sizes_bounded(shared):
    rows = [json.loads(l) for l in (shared / "corpus/lovtidend/asker_area.jsonl").open(encoding="utf-8")]
    chunker = Chunker(target_tokens=120)
    for row in rows[:30]:
        document = Document(row["id"], row["text"], "src", row["title"])
        chunks = chunker.split(document)
        check_offsets(document, chunks)
        kept = " ".join(c.text for c in chunks).split()
        assert kept == document.text.split()
        assert all(count_tokens(c.text) <= chunker.hard_max for c in chunks)


def test_chunks_fit_the_embedding_models_own_tokenizer(shared):
    """all-MiniLM cuts Norwegian into many pieces: a chunk sized in cl100k tokens must still fit its 256."""
    from assistant.config import Settings
    from assistant.embedding import get_embedder

    embedder = get_embedder(Settings(_env_file=None, embedder="sentence-transformers"))
    row = json.loads(next(iter((shared / "corpus/lovtidend/council_adopted.jsonl").open(encoding="utf-8"))))
    long_text = "\n\n".join([row["text"]] * 3)
    header = "Forskrift om motorferdsel i utmark og vassdrag, Porsanger kommune | Porsanger kommunestyre\n"
    document = Document("long", long_text, "src", row["title"])
    unbounded = Chunker(target_tokens=400).split(document, header)
    assert any(embedder.count_tokens(header + c.text) > embedder.max_tokens for c in unbounded)
    bounded = Chunker(400, embedder.max_tokens, embedder.count_tokens).split(document, header)
    check_offsets(document, bounded)
    assert all(embedder.count_tokens(header + c.text) <= embedder.max_tokens for c in bounded)
    assert " ".join(c.text for c in bounded).split() == long_text.split()


def test_one_enormous_sentence_is_cut_at_words():
    text = " ".join(f"ord{i}" for i in range(3000))
    document = Document("d", text, "src")
    chunks = Chunker(target_tokens=50).split(document)
    check_offsets(document, chunks)
    assert len(chunks) > 10
    assert " ".join(c.text for c in chunks).split() == text.split()


def test_pages_follow_offsets():
    first = "Kommunestyret behandlet årsrapporten og årsregnskapet for det første driftsåret."
    second = "Formannskapet vedtok å justere budsjettet med om lag nitti millioner kroner."
    text = f"{first}\n\n{second}"
    document = Document("d", text, "src", page_starts=[(1, 0), (2, text.index(second))])
    chunks = Chunker(target_tokens=30).split(document)  # each paragraph fits, both together do not
    assert [(c.text, c.page) for c in chunks] == [(first, 1), (second, 2)]


def test_rejects_silly_size():
    with pytest.raises(ValueError):
        Chunker(target_tokens=2)


def test_an_abbreviation_does_not_end_a_chunk():
    "'t.o.m. 30. juni 1990' is one sentence: a chunk may not end after 't.o.m.' (the quote would lose the date)."
    text = " ".join(f"Forskrift nr. {n} forlenges f.o.m. 1. juli 1989 t.o.m. 30. juni 1990 i sone {n}." for n in range(60))
    chunks = Chunker(target_tokens=60).split(Document("d", text, "src", "Forskrift"))
    assert len(chunks) > 3
    assert all(not c.text.rstrip().endswith(("t.o.m.", "f.o.m.", "nr.")) for c in chunks)
