"""The consistency check on real documents: the plan PDFs edited to deviate from their regulation, and
Lovtidend rules one municipality adopted in several versions."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from assistant.check_benchmark import mutate, run
from assistant.consistency import ConsistencyChecker, provisions, read_draft, statements, topic_of
from assistant.facts import facts
from assistant.retrieval import HybridRetriever

from .conftest import LOVTIDEND_MAP, REPO, make_settings

# Versions of the same rule adopted by one municipality, and a neighbour's rule on the same matter.
VERSIONS = [
    "FOR-1988-10-10-798", "FOR-1994-06-30-759", "FOR-1995-01-11-40",  # Nedre Eiker, opening hours
    "FOR-1987-08-03-710", "FOR-1994-07-26-779",  # Meldal, dogs on leads
    "FOR-1989-11-07-1137", "FOR-1990-06-18-510", "FOR-1991-07-23-584",  # Lørenskog, opening hours
    "FOR-1995-01-11-39", "FOR-1992-10-20-821",  # Lier, opening hours
    "FOR-1987-02-09-109", "FOR-1993-09-20-974", "FOR-1997-11-21-1219",  # Averøy, police by-law
]


def kinds(sentence: str) -> list[tuple[str, str]]:
    return [(f.kind, f.value) for f in facts(sentence)]


def test_facts_read_times_numbers_and_obligations():
    assert kinds("De fire siste søndager før jul kan utsalgssteder holde åpent mellom kl. 1400 og 1900.") == [
        ("number", "4"), ("time", "14:00"), ("time", "19:00"), ("obligation", "permits:kan")]
    assert ("area", "260 m²") in kinds("Maksimalt bebygd areal (BYA) for felt T = 260 m² BYA.")
    assert ("amount", "1500 kr") in kinds("Gebyret er kr 1 500,- per sak.")
    assert kinds("Det tillates ikke solceller.") == [("obligation", "forbids:tillates/ikke")]
    assert ("obligation", "obliges:skal") in kinds("Enhver eier av hund skal holde hunden i bånd.")
    # Still an obligation, but the permission in it became a duty: a different value.
    assert kinds("Eier skal melde fra, og kommunen kan gi fritak.")[-1] != kinds("Eier skal melde fra, og kommunen skal gi fritak.")[-1]
    # Section numbers, legal references and addresses are not quantities a decision sets.
    assert kinds("Jf. § 12 nr. 3 og pkt. 4.1.1.e for Gyldenløves gate 70.") == []
    assert ("purpose", "offentlig/privat tjenesteyting") in kinds("Hele planområdet reguleres til “offentlig eller privat tjenesteyting”.")


def test_topics_and_stated_relations():
    assert topic_of("Forskrift om endring i forskrift om åpningstider for utsalgssteder, Røyken kommune, Buskerud.") == "åpningstider for utsalgssteder"
    found = statements("§ 3. Denne forskrift trer i kraft fra 26. juli 1994. Fra samme tidspunkt oppheves forskrift av 3. august 1987 nr. 710 om bandtvang for hund i Meldal kommune.")
    assert [(s["kind"], s["target"]) for s in found] == [("repeals", "FOR-1987-08-03-710")]


@pytest.fixture(scope="session")
def plan_settings(tmp_path_factory, shared):
    from assistant.ingest import Ingestor

    root = tmp_path_factory.mktemp("plans")
    folder = root / "plans"
    folder.mkdir()
    # The regulation, and two other plan documents as near neighbours.
    for name in ("plan-reguleringsbestemmelser.pdf", "plan-planbeskrivelse-m1.pdf", "plan-horingsuttalelse-nve.pdf"):
        (folder / name).write_bytes((shared / "corpus/pdf" / name).read_bytes())
    settings = make_settings(root / "data")
    report = Ingestor(settings).run([folder, REPO / "corpus"])
    assert report.ok, report.failed
    return settings


def regulation_pairs(result: dict) -> list[dict]:
    item = next(r for r in result["related"] if r["doc_id"].endswith("plan-reguleringsbestemmelser.pdf"))
    return item["pairs"]


def test_planbeskrivelse_with_a_deviation(plan_settings, shared):
    checker = ConsistencyChecker(HybridRetriever(plan_settings))
    text, title = read_draft(shared / "corpus/pdf/plan-planbeskrivelse-avvik.pdf")
    result = checker.check(text, title=title)
    assert result["related"][0]["doc_id"].endswith("plan-reguleringsbestemmelser.pdf")
    pairs = regulation_pairs(result)
    solar = next(p for p in pairs if "Solcellepaneler" in p["draft_quote"])
    assert solar["source_quote"] == "Det tillates ikke solceller."
    assert solar["differences"] == [{"kind": "obligation", "draft": "permits (tillates)", "source": "forbids (tillates ikke)"}]
    # The land use it restates is the regulation's, in other words: consistent.
    use = next(p for p in pairs if "tjenesteyting" in p["draft_quote"])
    assert use["status"] == "consistent" and "tjenesteyting" in use["source_quote"]
    assert_quotes_exact(result, text, plan_settings)


def test_planbeskrivelse_with_several_deviations(plan_settings, shared):
    checker = ConsistencyChecker(HybridRetriever(plan_settings))
    text, title = read_draft(shared / "corpus/pdf/plan-planbeskrivelse-flere-avvik.pdf")
    result = checker.check(text, title=title)
    assert result["related"][0]["doc_id"].endswith("plan-reguleringsbestemmelser.pdf")
    found = {(d["kind"], d["draft"], d["source"]) for p in regulation_pairs(result) for d in p["differences"]}
    assert ("number", "4", "5") in found  # bicycle parking places
    assert ("purpose", "landbruk", "offentlig/ privat tjenesteyting") in found
    solar = next(p for p in regulation_pairs(result) if "Solcellepaneler" in p["draft_quote"])
    assert solar["status"] == "consistent"  # both forbid solar panels
    assert_quotes_exact(result, text, plan_settings)


def assert_quotes_exact(result: dict, draft_text: str, settings) -> None:
    "Every quote is an exact substring of its text: the draft's, or the stored decision's."
    retriever = HybridRetriever(settings)
    checker = ConsistencyChecker(retriever)
    for item in result["related"]:
        _, source_text = checker.document_provisions(item["doc_id"])
        for pair in item["pairs"]:
            assert pair["draft_quote"] in draft_text
            assert pair["source_quote"] in source_text


@pytest.fixture(scope="session")
def versions(shared) -> dict[str, dict]:
    rows = [json.loads(line) for line in (shared / "corpus/lovtidend/council_adopted.jsonl").open(encoding="utf-8")]
    return {r["id"]: r for r in rows if r["id"] in VERSIONS}


@pytest.fixture(scope="session")
def versions_settings(tmp_path_factory, shared, versions):
    from assistant.ingest import Ingestor

    root = tmp_path_factory.mktemp("versions")
    records = root / "versions.jsonl"
    records.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in versions.values()), encoding="utf-8")
    settings = make_settings(root / "data")
    report = Ingestor(settings).run([records, shared / "corpus/lovtidend/asker_area.jsonl"], field_map=LOVTIDEND_MAP)
    assert report.ok, report.as_dict()
    return settings


def test_a_new_version_against_the_earlier_ones(versions_settings, versions):
    draft = versions["FOR-1995-01-11-40"]["text"].replace("kl 20.00", "kl 21.00")
    result = ConsistencyChecker(HybridRetriever(versions_settings)).check(draft, title=versions["FOR-1995-01-11-40"]["title"])
    related = result["related"]
    nedre_eiker = [r for r in related if r["municipality"] == "Nedre Eiker"]
    # The same municipality's versions first, each called an earlier version; the neighbour (Lier) after them.
    assert related[:3] == nedre_eiker and all(r["relation"] == "earlier_version" for r in nedre_eiker)
    assert any(r["municipality"] == "Lier" and r["relation"] == "same_topic" for r in related[3:])
    june = next(r for r in related if r["doc_id"] == "FOR-1994-06-30-759")
    found = {(d["kind"], d["draft"], d["source"]) for p in june["pairs"] for d in p["differences"]}
    assert ("number", "to", "fire") in found  # Sundays before Christmas: four became two
    assert ("time", "kl 21.00", "kl. 20.00") in found  # the changed beer sales time
    unchanged = next(p for p in june["pairs"] if p["draft_quote"].startswith("Utsalgssteder skal være lukket kl 18.00"))
    assert unchanged["status"] == "consistent"
    # As of 1 June 1995 the November 1994 version is in force; the earlier ones were repealed by their successors.
    timeline = {t["doc_id"]: t["status"] for t in ConsistencyChecker(HybridRetriever(versions_settings)).check(
        draft, title=versions["FOR-1995-01-11-40"]["title"], as_of=date(1995, 6, 1))["timeline"]}
    assert timeline["FOR-1995-01-11-40"] == "in force"
    assert timeline["FOR-1994-06-30-759"] == "repealed by FOR-1995-01-11-40"
    assert timeline["FOR-1988-10-10-798"] == "repealed by FOR-1994-06-30-759"


def test_dog_rule_versions_show_the_changed_date(versions_settings, versions):
    rule = versions["FOR-1994-07-26-779"]
    result = ConsistencyChecker(HybridRetriever(versions_settings)).check(rule["text"], title=rule["title"])
    earlier = next(r for r in result["related"] if r["doc_id"] == "FOR-1987-08-03-710")
    assert earlier["relation"] == "earlier_version"
    hunting = next(p for p in earlier["pairs"] if "båndtvangen ikke gjelde" in p["draft_quote"])
    assert {"kind": "date", "draft": "21. august", "source": "15. september"} in hunting["differences"]


def test_timeline_for_an_asker_area_topic(versions_settings):
    # Røyken's opening hours: the 1988 rule and the amendments of 1990 and 1998.
    draft = ("Forskrift om åpningstider for utsalgssteder, Røyken kommune, Buskerud.\n"
             "Utsalgssteder skal være stengt kl. 20.00 på hverdager og kl. 18.00 på lørdager.")
    checker = ConsistencyChecker(HybridRetriever(versions_settings))
    result = checker.check(draft, municipality="Røyken", as_of=date(1995, 1, 1))
    timeline = result["timeline"]
    assert [t["doc_id"] for t in timeline] == ["FOR-1998-06-25-766", "FOR-1990-04-03-252", "FOR-1988-12-01-960"]
    assert [t["date"] for t in timeline] == sorted((t["date"] for t in timeline), reverse=True)
    assert [t["status"] for t in timeline] == ["not yet adopted", "in force (amendment)", "in force"]
    assert [t["relation"] for t in timeline] == ["amends", "amends", "earlier_version"]


def test_generated_changes_are_found(versions_settings, versions):
    report = run(ConsistencyChecker(HybridRetriever(versions_settings)), list(versions.values()), n=8, seed=3)
    summary = report["summary"]
    assert summary["cases"] >= 6
    assert summary["original_first"] >= 0.95
    assert summary["numbers_and_times"]["recall"] >= 0.9 and summary["numbers_and_times"]["precision"] >= 0.9


def test_mutations_are_recorded_exactly():
    text = "§ 1.\nUtsalgssteder skal holde stengt fra kl. 20.00.\n\n§ 2.\nGebyret er 500 kroner for hver søknad om tillatelse."
    draft, changes = mutate(text, random.Random(1), max_changes=3)
    assert len(changes) == 2 and draft != text
    for change in changes:
        assert change.new in change.draft_sentence and change.draft_sentence in draft


def test_check_command(versions_settings, versions, monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(versions_settings.data_dir))
    rule = versions["FOR-1994-07-26-779"]
    done = subprocess.run([sys.executable, "-m", "assistant.cli", "check", "-", "--json"], input=rule["text"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["related"][0]["doc_id"] == "FOR-1994-07-26-779"
    for item in result["related"]:
        assert {"doc_id", "title", "body", "date", "relation", "pairs"} <= set(item)
        for pair in item["pairs"]:
            assert pair["draft_quote"] in rule["text"]
            assert all({"kind", "draft", "source"} == set(d) for d in pair["differences"])
    text = subprocess.run([sys.executable, "-m", "assistant.cli", "check", "-"], input=rule["text"],
                          capture_output=True, text=True, timeout=300)
    assert text.returncode == 0 and "Tidslinje" in text.stdout
    broken = tmp_path / "utkast.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    failed = subprocess.run([sys.executable, "-m", "assistant.cli", "check", str(broken)], capture_output=True, text=True, timeout=300)
    assert failed.returncode == 2 and "utkast.pdf" in failed.stderr and "Traceback" not in failed.stderr
    empty = subprocess.run([sys.executable, "-m", "assistant.cli", "check", "-"], input="  \n", capture_output=True, text=True, timeout=300)
    assert empty.returncode == 2 and "no provisions" in empty.stderr


def test_check_tab_on_the_page(versions_settings, versions, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(versions_settings.data_dir))
    app = AppTest.from_file(str(REPO / "ui" / "app.py"), default_timeout=180)
    app.run()
    draft = versions["FOR-1994-07-26-779"]["text"].replace("1. april", "15. mars")
    app.text_area(key="draft_text").set_value(draft)
    app.button(key="check_button").click().run()
    assert not app.exception
    assert any("Meldal" in e.label and "(tidligere versjon)" in e.label for e in app.expander)
    assert any("dato" in w.value and "15. mars" in w.value for w in app.warning)
    assert app.dataframe  # the timeline
