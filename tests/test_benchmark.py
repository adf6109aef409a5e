"""`assistant bench`: the arithmetic by hand, and a small real run end to end."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from assistant.benchmark import EmbeddingRun, encoder_flops_per_token, scaled_copy
from assistant.cli import app
from assistant.service import Assistant
from assistant.store import ChromaStore

from .conftest import REPO, make_settings


def test_flops_per_token_by_hand():
    # e5-small: 12 layers, 384 wide, 1536 feed-forward, 100-token sequences.
    projections = 4 * 384 * 384 + 2 * 384 * 1536  # 1,769,472 multiply-adds
    assert encoder_flops_per_token(12, 384, 1536, 100) == 2 * 12 * (projections + 2 * 100 * 384) == 44_310_528


def test_rates_and_roofline_share_by_hand():
    run = EmbeddingRun("x", chunks=100, tokens=10_000, seconds=4.0, flops_per_token=40e6)
    row = run.as_dict({"fp32": 200.0, "bf16": 0.0})
    assert row["chunks_per_s"] == 25.0 and row["tokens_per_s"] == 2500
    assert row["gflops"] == 100.0 and row["share_of_roofline"] == 0.5 and row["precision"] == "fp32"
    bf16 = EmbeddingRun("y", chunks=100, tokens=10_000, seconds=4.0, flops_per_token=40e6, precision="bf16")
    assert bf16.as_dict({"fp32": 200.0, "bf16": 400.0})["share_of_roofline"] == 0.25
    assert bf16.as_dict({"fp32": 200.0, "bf16": 0.0})["share_of_roofline"] is None


def test_scaled_copy_repeats_whole_documents_under_new_ids(demo_settings, tmp_path):
    source_chunks = ChromaStore(demo_settings).count()
    target = make_settings(tmp_path / "scaled")
    written = scaled_copy(demo_settings, target, source_chunks * 2 + 1)
    store = ChromaStore(target)
    ids = [chunk_id for chunk_id, _, _ in store.iter_all(include=("metadatas",))]
    assert written == len(ids) == len(set(ids)) >= source_chunks * 2 + 1
    assert any("~copy2" in i for i in ids)
    hits = Assistant(target).search("koronakompensasjon", k=3)
    assert any("~copy" in h["doc_id"] for h in hits)  # copies are searchable documents of their own
    assert len({h["doc_id"] for h in hits}) == len(hits)


def test_bench_command_writes_a_report(tmp_path, monkeypatch):
    out = tmp_path / "bench.md"
    result = CliRunner().invoke(
        app,
        ["bench", "--corpus", str(REPO / "corpus"), "--parts", "ingest,queries", "--sizes", "40",
         "--out", str(out), "--work-dir", str(tmp_path / "work")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "## Ingestion" in text and "## Queries by index size" in text
    data = json.loads(out.with_suffix(".json").read_text())
    assert data["ingest"]["documents"] == 13 and data["ingest"]["failed"] == 0
    assert data["ingest"]["chunks"] == sum(1 for _ in ChromaStore(make_settings(tmp_path / "work" / "ingest")).iter_all(include=("metadatas",)))
    query = data["queries"][0]
    # Whole documents are copied, so the index reaches the size at the next document boundary.
    assert 40 <= query["chunks"] < 40 + data["ingest"]["chunks"] and f"| {query['chunks']} |" in text
    assert 0 < query["search_p50_ms"] <= query["search_p99_ms"]
    assert "assistant bench --corpus" in text
    assert query["cold_start_s"] > 0 and data["roofline"]["fp32"] > 1
