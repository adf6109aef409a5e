"""Meeting records on the real Steinkjer protocols: the vote parser against the hand-checked fasit, the
parts and their roles, whole minutes (text and PDF) split into cases, the protocol check, answers that
never present a fallen proposal or an innstilling as the decision, and the votes/case commands."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.records.protocol_check import check_protocol
from assistant.records.structure import PROPOSAL_ROLES, parse_record
from assistant.records.vote_benchmark import run as run_vote_benchmark
from assistant.records.votes import Member, parse_votes

from .conftest import make_settings
from .minutes_fixture import meeting_records, minutes_pdf, minutes_text

ASSISTANT = str(Path(sys.executable).with_name("assistant"))


def records(shared: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in (shared / "corpus/minutes/steinkjer_2026.jsonl").open(encoding="utf-8")]
    return {r["id"]: r for r in rows}


def minutes_questions(shared: Path) -> list[dict]:
    return [json.loads(line) for line in (shared / "eval/minutes_dev.jsonl").open(encoding="utf-8")]


# ---- votes ------------------------------------------------------------------------------------------
def test_vote_parser_against_the_fasit(shared):
    report = run_vote_benchmark(shared / "corpus/minutes")
    assert report["fasit_votes"] >= 50
    assert report["counts_and_outcome"] >= 0.98, report["failures"]
    assert report["members_exact"] >= 0.95, report["failures"]


@pytest.mark.parametrize("text, expected", [
    ("Forslag til vedtak enstemmig vedtatt.", ("innstilling", True, "vedtatt", None, 0)),
    ("Innstillingen ble vedtatt mot 3 stemmer (FrP)", ("innstilling", False, "vedtatt", None, 3)),
    ("Forslaget ble vedtatt med 20 mot 15 stemmer.", ("forslag", False, "vedtatt", 20, 15)),
    ("Forslaget falt med 12 mot 23 stemmer.", ("forslag", False, "falt", 12, 23)),
    ("For forslaget stemte 2: Ola Nordmann (H), Kari\nNordmann (V).\nImot forslaget stemte 1: Per Hansen (AP).\n"
     "Dermed ble tilleggsforslag ikke vedtatt, med ordførers dobbeltstemme.", ("innstilling", False, "falt", 2, 1)),
])
def test_written_forms_of_a_vote(text, expected):
    (vote,) = parse_votes(text)
    assert (vote.subject, vote.unanimous, vote.outcome, vote.for_.count, vote.against.count) == expected
    assert vote.quote == text[vote.start:vote.end] and vote.quote.strip()


def test_wrapped_and_abbreviated_names_resolve_to_the_attendance_list():
    text = ("Janne K. J. Larsen (Høyre) fremmet følgende forslag:\nSaken utsettes.\n"
            "For forslaget stemte 3: Janne K. J. Larsen (H), Tor-\nAndré Hopen (PP), Line M Nordkvelle (AP).\n"
            "Imot forslaget stemte 1: Per Hansen (AP).\nDermed ble forslaget vedtatt.")
    roster = [Member("Janne Kari Johansen Larsen", "H"), Member("Tor-André Hopen", "PP"),
              Member("Line Mari Nordkvelle", "AP"), Member("Per Hansen", "AP")]
    (vote,) = parse_votes(text, roster)
    assert [m.name for m in vote.for_.members] == ["Janne Kari Johansen Larsen", "Tor-André Hopen", "Line Mari Nordkvelle"]
    assert (vote.subject, vote.proposer, vote.party, vote.outcome) == ("forslag", "Janne Kari Johansen Larsen", "H", "vedtatt")
    assert vote.text == "Saken utsettes."


def test_proposals_set_against_each_other(shared):
    text = records(shared)["steinkjer-7740"]["text"]
    votes = parse_votes(text)
    alternatives = votes[1].alternatives
    assert [(a.label, a.count, a.proposer, a.party, a.outcome) for a in alternatives] == [
        ("1", 7, "Thorolf Antonsen", "AP", "vedtatt"), ("2", 5, "Christine Agdestein", "H", "falt")]
    assert [m.name for m in votes[1].absent] == ["Gunnar Thorsen"]


# ---- parts and roles --------------------------------------------------------------------------------
def test_parts_of_a_real_protocol(shared):
    text = records(shared)["steinkjer-7740"]["text"]
    record = parse_record(text)
    assert (record.body, record.case_number, str(record.meeting_date)) == ("Formannskap", "PS 3/2026", "2026-01-29")
    roles = [p.role for p in record.parts if p.role not in ("behandling", "header")]
    assert roles[0] == "habilitet" and roles[-1] == "vedtak"
    proposals = [p for p in record.parts if p.role in PROPOSAL_ROLES]
    assert [(p.proposer, p.outcome) for p in proposals] == [
        ("Line Anita Hammer", "vedtatt"), ("Thorolf Antonsen", "vedtatt"), ("Christine Agdestein", "falt"),
        ("Tor Borgan", "vedtatt"), ("Christine Agdestein", "falt"), ("Christine Agdestein", "falt")]
    decision = text[record.decision[0]:record.decision[1]]
    assert "Steinkjer Håndballklubb gies et tilskudd på 200.000 kr" in decision
    assert "100.000" not in decision  # Høyre's alternative fell


def test_every_record_has_its_decision_and_every_vote_an_outcome(shared):
    parsed = [parse_record(r["text"]) for r in records(shared).values()]
    assert sum(1 for r in parsed if r.decision) >= 360
    votes = [v for r in parsed for v in r.votes]
    assert len(votes) >= 450
    assert all(v.outcome in ("vedtatt", "falt") for v in votes)
    for vote in votes:
        for side in (vote.for_, vote.against, *vote.alternatives):
            if side.count is not None and side.members:
                assert side.count == len(side.members), vote.quote


# ---- whole minutes ----------------------------------------------------------------------------------
def _expected_cases(shared):
    return [(r["case_number"], r["title"]) for r in meeting_records(shared)]


@pytest.mark.parametrize("form", ["txt", "pdf"])
def test_whole_minutes_split_into_cases(shared, tmp_path, form):
    from assistant.ingest import readable_documents

    text = minutes_text(shared)
    path = tmp_path / f"kommunestyre-2026-09-16.{form}"
    if form == "txt":
        path.write_text(text, encoding="utf-8")
    else:
        minutes_pdf(text, path)
    documents = list(readable_documents([path]))
    meeting, cases = documents[0], documents[1:]
    assert meeting.metadata["doc_type"] == "møteprotokoll"
    assert [(d.metadata["case_number"], d.title) for d in cases] == _expected_cases(shared)
    for case in cases:
        assert (case.metadata["body"], case.metadata["municipality"], case.metadata["date"]) == ("Kommunestyre", "Steinkjer", "2026-09-16")
        assert re.search(r"Kommunestyres behandling av sak \d+/2026", case.text)
    present = json.loads(meeting.metadata["attendance"])
    absent = json.loads(meeting.metadata["absent"])
    assert len(present) == 39 and len(absent) == 7
    assert {"name": "Knut Egil Sjøli", "function": "Varamedlem", "party": "AP", "substitute_for": "May Britt Lagesen"} in present
    # The votes of a case split from a PDF are the votes of the protocol itself.
    assert sum(len(parse_votes(c.text)) for c in cases) == 42
    if form == "pdf":
        assert cases[0].page_starts and cases[0].page_starts[0][0] >= 2


def test_ingested_minutes_answer_with_case_metadata_and_full_names(shared, tmp_path):
    from assistant.ingest import Ingestor
    from assistant.service import Assistant

    path = tmp_path / "kommunestyre-2026-09-16.txt"
    path.write_text(minutes_text(shared), encoding="utf-8")
    settings = make_settings(tmp_path / "data")
    report = Ingestor(settings).run([path])
    assert report.ok and len(report.added) == 5
    assistant = Assistant(settings)
    answer = assistant.ask("Blir det vanningsanlegg ved Guldbergaunet fotballstadion?")
    assert not answer.abstained
    cited = answer.citations[0]
    assert (cited.case_number, cited.body, cited.date) == ("PS 49/2026", "Kommunestyre", "2026-09-16")
    votes = assistant.votes(case="PS 47/2026")
    assert len(votes) == 13
    names = {m["name"] for v in votes for side in ("for", "against") for m in v[side]["members"]}
    # "Line M Nordkvelle" and "Tor Andre Eide" in the vote lists are the attendance list's members.
    assert {"Line Mari Nordkvelle", "Tor André Eide"} <= names
    assert "Line M Nordkvelle" not in names


# ---- protocol check ---------------------------------------------------------------------------------
def test_protocol_check_finds_what_the_fasit_found_and_planted_errors(shared, tmp_path):
    text = minutes_text(shared)
    report = check_protocol(text)
    assert (report["cases"], report["votes"], report["present"]) == (4, 42, 39)
    kinds = {(f["kind"], f["message"].split(" (")[0]) for f in report["findings"]}
    # The fasit of this meeting: one member voted without being on the attendance list.
    assert {k for k, _ in kinds} == {"not_on_attendance"}
    assert all("Lena Hanem Bartnes" in message for _, message in kinds)

    broken = text.replace("For forslaget stemte 6: Christine Agdestein", "For forslaget stemte 7: Christine Agdestein", 1)
    broken = broken.replace("Dermed ble forslaget vedtatt.", "", 1) if "Dermed ble forslaget vedtatt." in broken else \
        broken.replace("Dermed ble innstillingen vedtatt.", "", 1)
    broken = broken.replace("Saksliste\n", "Saksliste\nPS 51/26     Eventuelt\n", 1)
    found = {f["kind"] for f in check_protocol(broken)["findings"]}
    assert {"count_mismatch", "no_outcome", "no_treatment", "not_present_total"} <= found

    draft = tmp_path / "utkast.txt"
    draft.write_text(broken, encoding="utf-8")
    result = subprocess.run([ASSISTANT, "protocol-check", str(draft), "--json"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    assert {f["kind"] for f in json.loads(result.stdout)["findings"]} == found


# ---- answers over an index of real records ------------------------------------------------------------
@pytest.fixture(scope="module")
def minutes_settings(tmp_path_factory, shared):
    """The dev questions' records, every other treatment of their cases, and 20 other records."""
    from assistant.ingest import Ingestor

    rows = list(records(shared).values())
    gold = {d for q in minutes_questions(shared) for d in q["gold_doc_ids"]}
    cases = {r["case_id"] for r in rows if r["id"] in gold}
    chosen = [r for r in rows if r["case_id"] in cases]
    others = [r for r in rows if r not in chosen]
    random.Random(7).shuffle(others)
    root = tmp_path_factory.mktemp("minutes")
    subset = root / "steinkjer-subset.jsonl"
    subset.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chosen + others[:20]), encoding="utf-8")
    settings = make_settings(root / "data")
    report = Ingestor(settings).run([subset])
    assert report.ok, report.as_dict()
    return settings


@pytest.fixture(scope="module")
def minutes_assistant(minutes_settings):
    from assistant.service import Assistant

    return Assistant(minutes_settings)


def _lines_outside_the_decision(answer, assistant) -> list[str]:
    """Answer lines that quote a proposal or an innstilling without saying so."""
    index = assistant.records()
    wrong = []
    by_n = {c.n: c for c in answer.citations}
    for line in answer.text.splitlines():
        marker = re.search(r"\[(\d+)\]\s*$", line)
        if not marker or line.lstrip().startswith("«"):
            continue
        citation = by_n[int(marker.group(1))]
        if citation.doc_id not in index.records:
            continue
        quoted = re.sub(r"^[^:]*(?:Forslag|Innstilling|Endringsforslag|Tilleggsforslag|Alternativt forslag|Proposal|"
                        r"Recommendation|Avstemning|Votes|Habilitet|Fra behandlingen)[^:]*: ", "", line[: marker.start()]).strip()
        text, record = index.texts[citation.doc_id], index.records[citation.doc_id]
        flat = " ".join(text.split())
        # The innstilling is often word for word the VEDTAK: the line is right if any occurrence of it is one
        # it may quote as it does.
        positions = [m.start() for m in re.finditer(re.escape(quoted[:80]), flat)]
        if not positions:
            continue  # a summary line from the parsed vote, not a quote
        parts = [record.role_at(_original_offset(text, position)) for position in positions]
        labelled = bool(re.match(r"^\s*(?:.{0,80}? \d\d\.\d\d\.\d{4} \([^)]*\): )?(Forslag|Innstilling|Endringsforslag|Tilleggsforslag|"
                                 r"Alternativt forslag|Framlegg|Proposal|Recommendation)", line))
        if not labelled and all(p is not None and p.role in (*PROPOSAL_ROLES, "innstilling") for p in parts):
            wrong.append(line)
        if labelled and any(p is not None and p.role in PROPOSAL_ROLES and p.outcome == "falt" for p in parts) \
                and not re.search(r"\b(falt|fell|fall)\b", line):
            wrong.append(line)
    return wrong


def _original_offset(text: str, flat_position: int) -> int:
    count = -1
    previous_space = True
    for offset, ch in enumerate(text):
        if ch.isspace():
            if not previous_space:
                count += 1
                previous_space = True
        else:
            count += 1
            previous_space = False
        if count >= flat_position and not ch.isspace():
            return offset
    return len(text) - 1


def test_no_answer_presents_a_fallen_proposal_or_an_innstilling_as_the_decision(shared, minutes_assistant):
    index = minutes_assistant.records()
    questions = [q["question"] for q in minutes_questions(shared) if q["gold_doc_ids"]]
    # And one question per proposal that fell, asked in its own words.
    for doc_id, record in index.records.items():
        text = index.texts[doc_id]
        for part in record.parts:
            if part.role in PROPOSAL_ROLES and part.outcome == "falt":
                words = " ".join(text[part.start:part.end].split()[8:20])
                questions.append(f"Ble det vedtatt at {words}?")
    assert len(questions) > 60
    wrong = []
    for question in questions:
        answer = minutes_assistant.ask(question)
        if not answer.abstained:
            wrong += _lines_outside_the_decision(answer, minutes_assistant)
    assert not wrong, wrong[:5]


def test_vote_questions_state_counts_and_outcome(shared, minutes_assistant):
    from assistant.evaluation import states_vote

    vote_questions = [q for q in minutes_questions(shared) if q.get("vote")]
    stated = [states_vote(minutes_assistant.ask(q["question"]).text, q["vote"]) for q in vote_questions]
    assert len(stated) >= 15
    assert sum(stated) / len(stated) >= 0.75, stated


def test_path_answer_says_where_the_case_stands(minutes_assistant):
    answer = minutes_assistant.ask("Hvilke utvalg behandlet avviklingen av den kommunale matutleveringen før kommunestyret, og hva ble det endelige vedtaket?")
    assert len({c.doc_id for c in answer.citations}) >= 3
    assert "Saksgang:" in answer.text and "Kommunestyre" in answer.text.split("Saksgang:")[1]
    # One source, one number: each record is cited once however many passages are quoted from it.
    assert len({c.doc_id for c in answer.citations}) == len(answer.citations)


@pytest.mark.parametrize("question, body, said", [
    ("Hva vedtok kontrollutvalget om årsregnskapet for 2025?", "kontrollutvalget",
     "Ingen av de {n} dokumentene i indeksen er fra kontrollutvalget."),
    ("Kva meinte kontrollutvalet om rekneskapen?", "kontrollutvalet", "Ingen av dei {n} dokumenta i indeksen er frå kontrollutvalet."),
    ("What did the audit committee decide on the accounts?", "the audit committee",
     "None of the {n} documents in the index is from the audit committee."),
])
def test_a_question_about_a_body_the_minutes_do_not_hold_is_declined_and_says_so(minutes_assistant, question, body, said):
    """Steinkjer's minutes hold no kontrollutvalg meeting; its report reaches the council as a case, but a
    council decision is not the kontrollutvalg's."""
    answer = minutes_assistant.ask(question)
    n = answer.searched["documents_in_index"]
    assert answer.abstained and not answer.citations
    assert answer.searched["bodies_not_covered"] == [body]
    assert {"kommunestyre", "formannskap"} <= set(answer.searched["bodies_in_index"])
    assert answer.reason.startswith(said.format(n=n)) and answer.as_json()["reason"] == answer.reason
    # A body the minutes do hold is asked about as before.
    assert not minutes_assistant.ask(question.replace(body, "formannskapet" if question[0] != "W" else "executive committee"))\
        .searched.get("bodies_not_covered")


def test_votes_and_case_commands(minutes_settings, tmp_path):
    env_args = dict(capture_output=True, text=True, timeout=300,
                    env={"ASSISTANT_DATA_DIR": str(minutes_settings.data_dir), "PATH": "/usr/bin:/bin",
                         "ASSISTANT_MODEL_CACHE_DIR": str(minutes_settings.model_cache_dir)})
    result = subprocess.run([ASSISTANT, "votes", "--json", "--body", "Formannskap", "--party", "H", "--outcome", "falt"], **env_args)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["votes"]
    assert rows and all(r["body"] == "Formannskap" and r["outcome"] == "falt" for r in rows)
    assert set(rows[0]) >= {"doc_id", "case_number", "body", "municipality", "date", "subject", "text", "proposer", "party",
                            "for", "against", "alternatives", "unanimous", "outcome", "casting_vote", "quote"}
    assert any(m["party"] == "H" for r in rows for side in ("for", "against") for m in r[side]["members"])

    result = subprocess.run([ASSISTANT, "case", "steinkjer-7982", "--json"], **env_args)
    assert result.returncode == 0, result.stderr
    view = json.loads(result.stdout)
    bodies = [step["body"] for step in view["path"]]
    assert bodies[-1] == "Kommunestyre" and len(bodies) >= 4
    assert view["path"][-1]["vedtak"] and view["path"][-1]["votes"]

    result = subprocess.run([ASSISTANT, "case", "PS 999/2026"], **env_args)
    assert result.returncode == 2 and "no case" in result.stderr

    result = subprocess.run([ASSISTANT, "meeting", "--body", "Kommunestyre", "--date", "2026-02-04", "--json"], **env_args)
    assert result.returncode == 0, result.stderr
    digest = json.loads(result.stdout)
    assert set(digest["meeting"]) >= {"body", "municipality", "date", "place", "present", "absent"}
    assert digest["cases"] and set(digest["cases"][0]) >= {"case_number", "title", "doc_id", "decision", "outcome", "votes", "fallen", "url"}
    result = subprocess.run([ASSISTANT, "meeting", "--body", "Kommunestyre", "--date", "2026-02-04", "--md"], **env_args)
    assert result.returncode == 0 and result.stdout.startswith("# Kort fra kommunestyremøtet 4. februar 2026")
    result = subprocess.run([ASSISTANT, "meeting", "--body", "Kommunestyre", "--date", "2026-02-05"], **env_args)
    assert result.returncode == 2 and "no meeting" in result.stderr


# ---- meeting digest -------------------------------------------------------------------------------------
def _record_index_of(shared, predicate):
    "The record index over real protocols, each given whole as its one stored chunk (no embedding needed)."
    from assistant.records.index import RecordIndex

    chunks = []
    for row in records(shared).values():
        if predicate(row):
            meta = {k: v for k, v in row.items() if k not in ("id", "text")} | {"doc_id": row["id"], "start": 0,
                                                                              "end": len(row["text"]), "chunk_index": 0}
            chunks.append((f"{row['id']}#0", row["text"], meta))
    return RecordIndex.build("test", chunks)


def test_digest_of_a_kommunestyre_meeting(shared):
    from assistant.records.digest import digest_markdown, meeting_digest

    index = _record_index_of(shared, lambda r: r["body"] == "Kommunestyre" and r["date"] == "2026-02-04")
    digest = meeting_digest(index, "Kommunestyre", "2026-02-04", "Steinkjer")
    numbers = [c["case_number"] for c in digest["cases"]]
    assert numbers[:4] == ["PS 1/2026", "PS 2/2026", "PS 3/2026", "PS 4/2026"]  # saksliste order
    by_number = {c["case_number"]: c for c in digest["cases"]}
    for case in digest["cases"]:
        text = " ".join(records(shared)[case["doc_id"]]["text"].split())
        decision_part = text[text.rfind("Vedtak"):]
        assert " ".join(case["decision"].split()) in decision_part  # quoted from the VEDTAK, word for word
    # The outcomes as the eval set's hand-checked answers give them (mdev-016: 36 to 2, FrP against).
    assert by_number["PS 3/2026"]["outcome"] == "vedtatt 36–2; mot: FRP"
    assert by_number["PS 3/2026"]["decision"].startswith("1.Innherredsbyen som satsing i et partnerskap videreføres også etter 2027.")
    assert by_number["PS 2/2026"]["outcome"].startswith("enstemmig")
    # mdev-027: Høyre's proposal on the NTE power fund fell 13 to 25.
    assert any("Pkt 6" in line and line.endswith("falt 13–25") for line in by_number["PS 1/2026"]["fallen"])
    brief = digest_markdown(digest)
    assert brief.startswith("# Kort fra kommunestyremøtet 4. februar 2026")
    assert "## Innherredsbyen - utvikling og drift av partnerskap - også etter 2027" in brief


def test_digest_of_a_formannskap_meeting_and_of_minutes_from_a_file(shared):
    from assistant.records.digest import meeting_digest
    from assistant.records.index import RecordIndex
    from assistant.records.minutes import split_minutes
    from assistant.documents import Document

    index = _record_index_of(shared, lambda r: r["body"] == "Formannskap" and r["date"] == "2026-01-29")
    case = next(c for c in meeting_digest(index, "Formannskap", "2026-01-29")["cases"] if c["case_number"] == "PS 3/2026")
    # The fasit of this protocol (vedtak-7740): proposals 1 and 2 set against each other 7 to 5; Høyre's two fell 4–7 and 2–9.
    assert case["outcome"] == "forslag 1 vedtatt 7–5"
    assert [line.rsplit(" – ", 1)[1] for line in case["fallen"]] == ["falt 5 stemmer", "falt 4–7", "falt 2–9"]

    documents = split_minutes(Document("ks.txt", minutes_text(shared), "ks.txt"))
    chunks = [(f"{d.id}#0", d.text, {**d.metadata, "title": d.title, "doc_id": d.id, "start": 0, "end": len(d.text),
                                     "chunk_index": 0}) for d in documents]
    digest = meeting_digest(RecordIndex.build("t", chunks), "Kommunestyre", "2026-09-16")
    assert digest["meeting"]["place"] == "Steinkjer rådhus" and len(digest["meeting"]["present"]) == 39
    assert [c["case_number"] for c in digest["cases"]] == [r["case_number"] for r in meeting_records(shared)]
    assert next(c for c in digest["cases"] if c["case_number"] == "PS 49/2026")["decision"].startswith(
        "1. Vanningsanlegg ved Guldbergaunet fotballstadion etableres.")


def test_which_cases_a_party_voted_against_in_a_month(minutes_assistant):
    answer = minutes_assistant.ask("Hvilke saker stemte Høyre mot i februar?")
    assert not answer.abstained and answer.citations
    index = minutes_assistant.records()
    lines = [line for line in answer.text.splitlines() if line.strip()]
    assert all("H (" in line and "stemte mot" in line and re.search(r"\[\d+\]$", line) for line in lines)
    for citation in answer.citations:
        assert str(citation.date)[5:7] == "02"
        # Høyre's members are on the against side of every vote the answer lists from this record.
        record = index.records[citation.doc_id]
        assert any(any(m.party == "H" for m in vote.against.members) and vote.quote in index.texts[citation.doc_id]
                   for vote in record.votes)


# ---- which case is quoted ----------------------------------------------------------------------------
def test_the_case_quoted_is_the_one_whose_treatment_answers_closest(minutes_assistant, shared, monkeypatch):
    """The ranking is turned round so that every other case comes before the culture school's free places:
    the answer still quotes that case's deciding treatment. Whether to answer at all is the abstention model's
    call on the first case (tests/test_abstention.py); on this turned ranking it may decline, so here the
    answer is to be given and the test asks only which case it quotes."""
    monkeypatch.setattr(minutes_assistant.extractive, "decide", lambda *args: (True, 1.0))
    question = next(q for q in minutes_questions(shared) if q["id"] == "mdev-005")["question"]
    index, records_index = minutes_assistant.retriever.index, minutes_assistant.records()
    hits = minutes_assistant.retriever.search(question, k=5, passages_per_doc=6)
    case = records_index.case_key("steinkjer-8265")
    turned = [h for h in hits if records_index.case_key(h.doc_id) != case] + \
             [h for h in hits if records_index.case_key(h.doc_id) == case]
    assert turned[0].doc_id in records_index.records and records_index.case_key(turned[0].doc_id) != case
    assert any(records_index.case_key(h.doc_id) == case for h in hits)
    answer = minutes_assistant.extractive.answer(question, turned, index)
    assert not answer.abstained
    assert [records_index.case_key(c.doc_id) for c in answer.citations][:1] == [case], answer.text


def test_a_case_that_fits_the_body_and_month_named_stays_before_a_closer_one(isolated_data_dir, shared):
    """T:lab applied twice to the business fund: in June (formannskapet, case 8211) and again in September
    (case 8404). Asked about "formannskapet i september", the September case is quoted though the June
    formannskap treatment reads closer to the question."""
    from assistant.config import Settings
    from assistant.ingest import Ingestor
    from assistant.service import Assistant

    rows = [r for r in records(shared).values() if r["case_id"] in (8211, 8404, 8406)]
    path = isolated_data_dir.parent / "tlab.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    settings = Settings()
    assert Ingestor(settings).run([path]).ok
    assistant = Assistant(settings)
    question = "Fikk T:lab støtte fra kommunalt næringsfond da søknaden kom tilbake til formannskapet i september?"
    index = assistant.retriever.index
    hits = assistant.retriever.search(question, k=5, passages_per_doc=6)
    by_id = {h.doc_id: h for h in hits}
    assert hits[0].doc_id == "steinkjer-8404"
    # The test means something only if the June treatment reads closer.
    assert assistant.extractive.evidence(question, by_id["steinkjer-8311"], index, []) > \
        assistant.extractive.evidence(question, by_id["steinkjer-8404"], index, [])
    assert [c.doc_id for c in assistant.ask(question).citations] == ["steinkjer-8404"]
