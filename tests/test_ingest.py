from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.embedding import Embedder, get_embedder
from assistant.errors import IndexMismatchError, LockedError
from assistant.ingest import Ingestor, writer_lock
from assistant.keyword import KeywordIndex
from assistant.store import ChromaStore

from .conftest import SMALL_DEMO_DOCUMENTS, make_settings, small_demo


class CountingEmbedder(Embedder):
    """The real model, with a count of passages embedded: proves unchanged input costs no embedding."""

    def __init__(self, inner: Embedder):
        self.inner, self.passages = inner, 0
        self.name, self.dim, self.max_tokens = inner.name, inner.dim, inner.max_tokens

    def embed_passages(self, texts):
        self.passages += len(texts)
        return self.inner.embed_passages(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)

    def count_tokens(self, text):
        return self.inner.count_tokens(text)


def consistent(settings) -> KeywordIndex:
    store = ChromaStore(settings)
    index = KeywordIndex.load(settings.data_dir / "keyword" / settings.collection)
    chroma_ids = sorted(cid for cid, _, _ in store.iter_all(include=("metadatas",)))
    assert index is not None and index.generation == store.generation
    assert sorted(index.chunk_ids) == chroma_ids, "keyword index and Chroma disagree"
    return index


@pytest.fixture
def corpus(tmp_path) -> Path:
    return small_demo(tmp_path / "corpus")


@pytest.fixture
def settings(isolated_data_dir):
    return make_settings(isolated_data_dir)


@pytest.fixture
def embedder(settings):
    return CountingEmbedder(get_embedder(settings))


def test_idempotent_update_and_prune(corpus, settings, embedder):
    ingestor = Ingestor(settings, embedder)
    first = ingestor.run([corpus])
    # Two files; the møteprotokoll splits into its meeting and its two cases: 4 documents.
    assert (len(first.added), len(first.failed)) == (SMALL_DEMO_DOCUMENTS, 0)
    embedded = embedder.passages
    assert embedded == first.chunks_written > 0
    index = consistent(settings)

    second = ingestor.run([corpus])
    assert len(second.unchanged) == SMALL_DEMO_DOCUMENTS and not second.added and not second.updated
    assert embedder.passages == embedded, "unchanged input must not be embedded again"
    assert consistent(settings).generation == index.generation

    paper_id = "corpus/asker-saksframlegg-strategiske-mal-2022-2025.txt"
    paper = corpus / "asker-saksframlegg-strategiske-mal-2022-2025.txt"
    text = paper.read_text(encoding="utf-8")
    paper.write_text(text[:text.index("Videre arbeid")], encoding="utf-8")
    before = set(consistent(settings).chunk_ids)
    third = ingestor.run([corpus])
    assert third.updated == [paper_id] and len(third.unchanged) == SMALL_DEMO_DOCUMENTS - 1
    index = consistent(settings)
    doc_chunks = [c for c, d in zip(index.chunk_ids, index.chunk_docs) if d == paper_id]
    assert not set(doc_chunks) & before, "a new version must be added under new ids, never upserted over the old ones"
    stored = ChromaStore(settings).get(doc_chunks)
    assert all("14. desember" not in text for text, _ in stored.values())
    assert len(doc_chunks) == third.chunks_written

    protocol = "corpus/asker-formannskapet-2021-06-01-moteprotokoll.docx"
    (corpus / "asker-formannskapet-2021-06-01-moteprotokoll.docx").unlink()
    without_prune = ingestor.run([corpus])
    assert protocol in consistent(settings).doc_ids and not without_prune.removed
    pruned = ingestor.run([corpus], prune=True)
    # The file's meeting and both its cases go with it.
    assert sorted(pruned.removed) == [protocol, f"{protocol}::PS 78/2021", f"{protocol}::PS 79/2021"]
    assert not any(d.startswith(protocol) for d in consistent(settings).doc_ids)


def test_bad_inputs_never_stop_the_good_ones(tmp_path, settings, embedder, shared):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "god.md").write_text("# Vedtak\n\nBystyret i Bergen vedtok 1. mai 1990 nye regler.", encoding="utf-8")
    (folder / "arkiv.txt").write_bytes("Formannskapet i Røyken godkjente søknaden om støtte til Åros båtforening.".encode("cp1252"))
    (folder / "tom.txt").write_bytes(b"")
    (folder / "ødelagt.pdf").write_bytes((shared / "corpus/pdf/plan-reguleringsbestemmelser.pdf").read_bytes()[:4000])
    (folder / "regneark.xlsx").write_bytes(b"PK\x03\x04")
    (folder / "linjer.jsonl").write_text('{"id": "J1", "text": "Heradsstyret i Hol vedtok"}\nnot json\n', encoding="utf-8")
    report = Ingestor(settings, embedder).run([folder, tmp_path / "finnes-ikke"])
    assert sorted(report.added) == ["J1", "mixed/arkiv.txt", "mixed/god.md"]
    failed = {Path(name).name: reason for name, reason in report.failed}
    assert set(failed) == {"tom.txt", "ødelagt.pdf", "regneark.xlsx", "linjer.jsonl", "finnes-ikke"}
    assert "empty" in failed["tom.txt"] and "unknown format" in failed["regneark.xlsx"]
    index = consistent(settings)
    assert "Røyken" in index.docs["mixed/arkiv.txt"]["body"]
    stored = ChromaStore(settings).get([c for c, d in zip(index.chunk_ids, index.chunk_docs) if d == "mixed/arkiv.txt"])
    assert any("Åros båtforening" in text for text, _ in stored.values())


def test_interrupted_write_is_repaired_on_next_run(corpus, settings, embedder):
    ingestor = Ingestor(settings, embedder)
    ingestor.run([corpus])
    store = ChromaStore(settings)
    state = store.doc_states()["corpus/asker-saksframlegg-strategiske-mal-2022-2025.txt"]
    # What a crash between two upsert batches leaves: part of a document, and a stale generation.
    store.delete(sorted(state.chunk_ids)[:1])
    store.begin_write(embedder.signature)
    report = Ingestor(settings, embedder).run([corpus])
    assert report.updated == ["corpus/asker-saksframlegg-strategiske-mal-2022-2025.txt"]
    index = consistent(settings)
    assert len([d for d in index.chunk_docs if d == "corpus/asker-saksframlegg-strategiske-mal-2022-2025.txt"]) == state.n_chunks


def test_one_writer_per_data_dir(corpus, settings, embedder):
    with writer_lock(settings.data_dir):
        with pytest.raises(LockedError, match="another process is ingesting"):
            Ingestor(settings, embedder).run([corpus])


def test_querying_with_another_embedder_is_a_clear_error(corpus, settings, embedder):
    Ingestor(settings, embedder).run([corpus])
    other = make_settings(settings.data_dir, embedder="sentence-transformers")
    minilm = get_embedder(other)
    with pytest.raises(IndexMismatchError, match="re-index|--reset"):
        ChromaStore(other, minilm.signature)
    report = Ingestor(other, minilm).run([corpus], reset=True)
    assert len(report.added) == SMALL_DEMO_DOCUMENTS
    assert ChromaStore(other, minilm.signature).info()["embedder"] == minilm.signature


def test_lovtidend_jsonl_goes_in_as_it_is(tmp_path, settings, embedder, shared):
    rows = [l for l in (shared / "corpus/lovtidend/asker_area.jsonl").open(encoding="utf-8")][:8]
    path = tmp_path / "lovtidend.jsonl"
    path.write_text("".join(rows), encoding="utf-8")
    report = Ingestor(settings, embedder).run([path], field_map={"date": "adoption_date", "body": "adopting_body", "url": "lovdata_url"})
    assert len(report.added) == 8 and report.ok
    index = consistent(settings)
    first = json.loads(rows[0])
    meta = index.docs[first["id"]]
    assert meta["url"] == first["lovdata_url"]
    assert meta["date_int"] == int(first["adoption_date"].replace("-", ""))
    assert meta["adoption_note"] == first["adoption_note"]


def test_the_index_inside_an_ingested_folder_is_not_ingested(tmp_path, embedder):
    folder = tmp_path / "arkiv"
    folder.mkdir()
    (folder / "vedtak.md").write_text("# Vedtak\n\nFormannskapet i Asker vedtok 3. mars 2020 å støtte tiltaket.", encoding="utf-8")
    (folder / "løkke").mkdir()
    (folder / "løkke" / "seg-selv").symlink_to(folder / "løkke")
    inside = make_settings(folder / "data")
    first = Ingestor(inside, embedder).run([folder])
    second = Ingestor(inside, embedder).run([folder])
    assert first.added == ["arkiv/vedtak.md"] and first.ok
    assert second.unchanged == ["arkiv/vedtak.md"] and second.ok, second.failed


def test_a_relative_path_is_read_from_the_callers_folder(tmp_path, monkeypatch, settings, embedder):
    """The parser child runs in the package's folder: a relative path must still name the caller's file, not a
    file of the same name in the repository (the demo's saksframlegg was read in its place)."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "asker-saksframlegg-strategiske-mal-2022-2025.txt").write_text(
        "Heradsstyret i Hol vedtok 3. mars 1996 at hundar skal vere i band.", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    report = Ingestor(settings, embedder).run([Path("corpus")])
    assert report.added == ["corpus/asker-saksframlegg-strategiske-mal-2022-2025.txt"] and not report.failed
    index = consistent(settings)
    stored = ChromaStore(settings).get(index.chunk_ids)
    assert all("Heradsstyret i Hol" in text and "Saksframlegg" not in text for text, _ in stored.values())
