"""`assistant sync elements` against a local replay of Steinkjer's Elements portal (real recorded API
responses, PDFs made from the real protocol texts), then `follow`, the Atom feeds and the e-mail digest."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from assistant.errors import AssistantError
from assistant.sync import sync_elements, sync_folder
from assistant.verify import verify

from .conftest import MODEL_CACHE, make_settings
from .portal_replay import Replay

SINCE = date(2026, 1, 1)
TODAY = date(2026, 12, 1)


def settings_for(tmp_path: Path, **extra):
    return make_settings(tmp_path / "data", sync_requests_per_s=50, sync_timeout_s=1.0, sync_backoff_s=0.05, **extra)


def published(replay: Replay, meeting: int) -> dict[str, dict]:
    "The treatments of a meeting whose protocol the portal publishes, as the shared JSONL has them."
    ids = [t["Id"] for t in replay.recorded[meeting]["behandlinger"] if t["ProtocolPublished"] and not t["ProtocolRestricted"]]
    return {f"steinkjer-{i}": replay.texts[i] for i in ids}


def case_documents(replay: Replay, meetings: list[int]) -> set[str]:
    return {f"steinkjer-doc-{d['DocumentDescription']['Id']}" for m in meetings for t in replay.recorded[m]["behandlinger"]
            for d in ((t.get("RegistryEntry") or {}).get("Documents") or []) if d["DocumentDescription"]["IsPublished"]}


@pytest.fixture
def replay(shared):
    replay = Replay(shared, meetings={1230, 1240, 1245}, hidden={1245})
    server = replay.serve()
    replay.url = server.url
    yield replay
    server.close()


def run_sync(settings, replay):
    return sync_elements(settings, replay.url, since=SINCE, bodies=["KS", "FS"], today=TODAY)


@pytest.mark.slow
def test_sync_is_incremental_and_follow_reports_what_is_new(replay, tmp_path):
    from assistant.follow.atom import decisions_feed, follow_feed
    from assistant.follow.mail import send_digest
    from assistant.follow.runner import add_follow, run_follows
    from assistant.follow.store import FollowStore
    from assistant.records.views import new_decisions
    from assistant.service import Assistant

    settings = settings_for(tmp_path)
    first = run_sync(settings, replay)
    expected = {**published(replay, 1230), **published(replay, 1240)}
    documents = case_documents(replay, [1230, 1240])
    assert first.failures == [] and set(first.ingested) == set(expected) | documents
    assert first.as_json()["documents"]["new"] == len(expected) + len(documents)
    assert first.skipped == {"protocol not published": 3}  # the three referatsaker of 1230

    # Every treatment with the portal's metadata, as the shared JSONL has it.
    assistant = Assistant(settings)
    records = assistant.records()
    for doc_id, row in expected.items():
        meta = records.meta[doc_id]
        for key in ("title", "body", "date", "case_number", "municipality", "doc_type", "case_id", "case_type", "meeting_id", "case_path"):
            assert str(meta.get(key)) == str(row[key]), (doc_id, key)
        assert meta["url"].split("/publikum/")[1] == row["url"].split("/publikum/")[1]
        assert " ".join(row["text"].split())[:200] in " ".join(records.texts[doc_id].split())

    # Follows: one matches a treatment of the meeting still to come, one matches only what is in now.
    add_follow(assistant, "tronder-mat", search="trøndersk mat")
    add_follow(assistant, "grunnrente", search="grunnrentebeskatning")
    add_follow(assistant, "ntefond", question="Hva er retningslinjene for NTE-utbyttet?")
    assert [f["seen"] for f in FollowStore(settings.data_dir).read()["follows"].values()][:2] == [[], ["steinkjer-7811"]]

    # A second run reads the agendas and fetches no document again.
    before = len(replay.log)
    second = run_sync(settings, replay)
    assert second.as_json()["documents"] == {"new": 0, "changed": 0, "unchanged": 0, "skipped": 0, "failed": 0}
    assert not any("/Documents/" in path for path in replay.log[before:]) and second.ingested == []

    # The portal publishes one more meeting: the third run adds exactly its treatments.
    replay.hidden.clear()
    third = run_sync(settings, replay)
    new_protocols = published(replay, 1245)
    assert {d for d in third.ingested if "-doc-" not in d} == set(new_protocols)
    assert {d for d in third.ingested if "-doc-" in d} == case_documents(replay, [1245]) - documents
    assert verify(settings).ok

    result = run_follows(Assistant(settings))
    by_name = {f["name"]: f for f in result["follows"]}
    mat = [i for i in by_name["tronder-mat"]["new"]]
    assert [i["doc_id"] for i in mat if "-doc-" not in i["doc_id"]] == ["steinkjer-7791"] and mat[0]["body"] == "Formannskap"
    assert by_name["grunnrente"]["new"] == []
    assert by_name["ntefond"]["answer_changed"] is None
    again = run_follows(Assistant(settings))
    assert all(not f["new"] and f["answer_changed"] is None for f in again["follows"]), "follow run is idempotent"

    # Atom: the follow's feed and the formannskap's new decisions parse as valid feeds.
    import feedparser

    feed = feedparser.parse(follow_feed(FollowStore(settings.data_dir).get("tronder-mat")))
    assert not feed.bozo and any("trøndersk mat" in e.title.lower() for e in feed.entries)
    rows = new_decisions(Assistant(settings).records(), "Formannskap")
    news = feedparser.parse(decisions_feed(rows, "Formannskap"))
    assert not news.bozo and news.entries[0].title.startswith(rows[0]["case_number"]) and len(news.entries) == len(rows)

    # E-mail: the digest reaches a local SMTP server.
    from aiosmtpd.controller import Controller

    class Sink:
        messages: list[str] = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope.content.decode("utf-8", "replace"))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        mail = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_tls": "none",
                                           "mail_to": "redaksjonen@example.org"})
        assert send_digest(mail, result)
    finally:
        controller.stop()
    assert len(sink.messages) == 1 and "tronder-mat" in sink.messages[0] and "redaksjonen@example.org" in sink.messages[0]


def test_faults_lose_nothing_and_leave_no_duplicates(shared, tmp_path):
    replay = Replay(shared, meetings={1240})
    server = replay.serve()
    replay.url = server.url
    try:
        database = "b069d4f5-192a-4fee-be37-dc006441e271"
        protocol = f"/publikum/Documents/ShowDmbHandlingDocument/{database}/%d/Protokoll"
        replay.faults[protocol % 7693] = ["500", "500"]       # retried, then fetched
        replay.faults[protocol % 7701] = ["timeout"]          # retried, then fetched
        replay.faults[protocol % 7741] = ["truncated"]        # refused, fetched on the next run
        replay.faults["/publikum/api/DmbHandlings/7688"] = ["badjson"]  # the treatment fails this run
        settings = settings_for(tmp_path)
        first = run_sync(settings, replay)
        failed = sorted(f["url"].rsplit("/", 2)[-2] if "Protokoll" in f["url"] else f["url"].rsplit("/", 1)[-1] for f in first.failures)
        assert failed == ["7688", "7741"], first.failures
        assert "truncated PDF" in " ".join(f["reason"] for f in first.failures)
        assert {"steinkjer-7693", "steinkjer-7701"} <= set(first.ingested) and "steinkjer-7741" not in first.ingested

        second = run_sync(settings, replay)
        assert second.failures == [] and {"steinkjer-7741", "steinkjer-7688"} <= set(second.ingested)
        assert not set(second.ingested) & set(first.ingested), "nothing ingested twice"
        assert verify(settings).ok
        from assistant.store import ChromaStore

        in_index = set(ChromaStore(settings).doc_states())
        assert set(published(replay, 1240)) <= in_index

        # A refusal (403) is a clear stop, not a retry loop.
        replay.faults["/publikum/api/PredefinedQuery/DmbMeetings?year=2026"] = ["403"]
        with pytest.raises(AssistantError, match="403"):
            run_sync(settings, replay)
        # A portal address without a tenant is refused before any request.
        with pytest.raises(AssistantError, match="publikum/<tenant>"):
            sync_elements(settings, server.url.rsplit("/", 1)[0], today=TODAY)
    finally:
        server.close()


@pytest.mark.slow
def test_a_sync_killed_mid_run_resumes_without_duplicates(shared, tmp_path):
    replay = Replay(shared, meetings={1230})
    server = replay.serve()
    data = tmp_path / "data"
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data), "ASSISTANT_MODEL_CACHE_DIR": str(MODEL_CACHE),
           "ASSISTANT_SYNC_REQUESTS_PER_S": "50"}
    command = [sys.executable, "-m", "assistant.cli", "sync", "elements", "--portal", server.url, "--since", "2026-01-01",
               "--bodies", "FS", "--json"]
    try:
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        killed = []

        def kill_at_twentieth_document(count: int, path: str) -> None:
            # Deterministic: the kill lands when the portal serves its 20th document, mid-meeting.
            if "/Documents/" in path and sum("/Documents/" in p for p in replay.log) == 20 and not killed:
                killed.append(path)
                os.kill(process.pid, signal.SIGKILL)

        replay.on_request = kill_at_twentieth_document
        process.communicate(timeout=600)
        assert killed and process.returncode == -signal.SIGKILL
        replay.on_request = None
        finish = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        assert finish.returncode == 0, finish.stderr
        report = json.loads(finish.stdout)
        assert report["documents"]["failed"] == 0
        settings = make_settings(data)
        assert verify(settings).ok
        from assistant.store import ChromaStore

        states = ChromaStore(settings).doc_states()
        assert set(published(replay, 1230)) <= set(states)
        assert case_documents(replay, [1230]) <= set(states)
        # Each document once: as many documents in the index as the portal published.
        assert len(states) == len(published(replay, 1230)) + len(case_documents(replay, [1230]))
    finally:
        server.close()


def test_sync_folder_ingests_an_archive_export_with_its_metadata(tmp_path, shared):
    folder = tmp_path / "eksport"
    folder.mkdir()
    row = json.loads((shared / "corpus/minutes/steinkjer_2026.jsonl").open(encoding="utf-8").readline())
    (folder / "protokoll.txt").write_text(row["text"], encoding="utf-8")
    (folder / "protokoll.txt.meta.json").write_text(json.dumps({"id": row["id"], "title": row["title"], "metadata": {
        k: row[k] for k in ("body", "date", "case_number", "municipality", "doc_type", "case_id", "case_path")}}), encoding="utf-8")
    (folder / "ødelagt.pdf").write_bytes(b"%PDF-1.4 cut")
    settings = settings_for(tmp_path)
    first = sync_folder(settings, folder)
    assert first.ingested == [row["id"]] and len(first.failures) == 1 and "ødelagt.pdf" in first.failures[0]["url"]
    second = sync_folder(settings, folder)
    assert second.as_json()["documents"]["unchanged"] == 1 and second.ingested == []
    from assistant.service import Assistant

    meta = Assistant(settings).records().meta[row["id"]]
    assert (meta["body"], meta["case_number"], meta["case_id"]) == (row["body"], row["case_number"], row["case_id"])

    # A followed question whose cited record gets a new version: the old and the new answer, both cited.
    from assistant.follow.runner import add_follow, run_follows

    add_follow(Assistant(settings), "sporsmal", question=f"Hva ble vedtatt om {row['title']}?")
    assert run_follows(Assistant(settings))["follows"][0]["answer_changed"] is None
    (folder / "protokoll.txt").write_text(row["text"] + "\nProtokolltilførsel:\nRettet etter møtet.\n", encoding="utf-8")
    assert sync_folder(settings, folder).as_json()["documents"]["changed"] == 1
    changed = run_follows(Assistant(settings))["follows"][0]["answer_changed"]
    assert changed and changed["before"]["citations"][0]["doc_id"] == changed["after"]["citations"][0]["doc_id"] == row["id"]
