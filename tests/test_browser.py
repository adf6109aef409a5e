"""End to end in a real browser: Debian's chromium driven by Playwright against `streamlit run ui/app.py`
on a free port, over a real index that also holds a planted hostile document. axe-core (the npm package
`make test` installs) checks the chat and search views. Screenshots go to UI_SCREENSHOT_DIR when set.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.cli import page_command

from .conftest import MODEL_CACHE, REPO, make_settings

pytestmark = pytest.mark.slow

AXE = REPO / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
QUESTION = "Hva vedtok kommunestyret om budsjettjusteringer i 2021?"
HOSTILE = """# Planlagt testdokument om skriptsikkerhet

Dette dokumentet er plantet av testene. <script>alert('xss')</script>
Bilde: ![bilde](http://evil.example/x.png) og lenke: [klikk her](http://evil.example/phish) og :red[rød tekst].
"""


def _need(thing: str, found) -> None:
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{thing} is missing (make test / .ci/run install it)")
        pytest.skip(f"{thing} is not installed")


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    _need("Debian's chromium", path)
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from assistant.ingest import Ingestor

    root = tmp_path_factory.mktemp("browser")
    corpus = root / "corpus"
    shutil.copytree(REPO / "corpus", corpus, ignore=shutil.ignore_patterns("*.py", "manifest.json"))
    (corpus / "planted.md").write_text(HOSTILE, encoding="utf-8")
    settings = make_settings(root / "data")
    assert Ingestor(settings).run([corpus]).ok
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(settings.data_dir), "ASSISTANT_MODEL_CACHE_DIR": str(MODEL_CACHE)}
    process = subprocess.Popen(page_command("127.0.0.1", port), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("streamlit did not start: " + process.stdout.read().decode(errors="replace")[-2000:])
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def page(chromium, server):
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(server)
        page.get_by_text("Spør om kommunale vedtak").first.wait_for(timeout=120_000)
        yield page
        browser.close()


def _axe(page) -> list[dict]:
    _need("axe-core", AXE.exists())
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]), "help": v["help"],
             "targets": [n["target"] for n in v["nodes"][:3]]} for v in result["violations"]]  # fmt: skip


def _shot(page, name: str) -> None:
    folder = os.environ.get("UI_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


def _ask(page, question: str) -> float:
    box = page.get_by_placeholder("Spør om et vedtak")
    box.fill(question)
    started = time.perf_counter()
    box.press("Enter")
    page.get_by_test_id("stStatusWidget").or_(page.get_by_text("Søkte i").last).first.wait_for(timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"] [data-testid=\"stSpinner\"]')", timeout=60_000)
    return time.perf_counter() - started


def test_chat_search_filters_export_and_safety_in_a_browser(page):
    report: dict = {}
    # Chat: an answer with a citation, whose source opens with the quote highlighted.
    report["first_answer_s"] = round(_ask(page, QUESTION), 2)
    # The demo's VEDTAK, its vote and its path through the bodies.
    answer = page.get_by_text("90 millioner kroner").first
    answer.wait_for(timeout=60_000)
    assert "[1]" in answer.inner_text()
    page.get_by_text("vedtatt mot 6 stemmer; mot: FRP (6)").first.wait_for(timeout=10_000)
    page.get_by_text("Saksgang: Formannskapet 01.06.2021 (PS 78/2021)").first.wait_for(timeout=10_000)
    page.locator("[data-testid='stExpander'] summary").filter(has_text="[1]").first.click()
    page.locator("[data-testid='stExpanderDetails'] span").filter(has_text="90 millioner").first.wait_for(timeout=10_000)
    page.locator("[data-testid='stExpanderDetails'] code").filter(has_text="Kommunestyret, «").first.wait_for(timeout=10_000)
    report["axe_chat"] = _axe(page)
    _shot(page, "chat-desktop")

    # Search: ranked documents, a CSV of the list, a citation to copy.
    page.get_by_role("tab", name="Søk i vedtak").click()
    query = page.get_by_label("Søkeord, tittel eller saksnummer")
    query.fill("koronautgifter kompensasjon")
    query.press("Enter")
    page.get_by_text("Last ned listen (CSV)").wait_for(timeout=60_000)
    with page.expect_download() as download:
        page.get_by_text("Last ned listen (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows and rows[0]["rank"] == "1" and any("korona" in (r["text"] + r["title"]).lower() for r in rows)
    report["axe_search"] = _axe(page)
    _shot(page, "search-desktop")

    # The planted document: its script, image and links show as characters, nothing runs or loads.
    query.fill("planlagt testdokument skriptsikkerhet")
    query.press("Enter")
    page.get_by_text("<script>alert('xss')</script>", exact=False).first.wait_for(timeout=60_000)
    assert not page.dialogs
    assert page.locator("img[src*='evil.example']").count() == 0
    assert page.locator("a[href*='evil.example']").count() == 0

    # A date filter reaches the question, and the page offers to remove it.
    page.get_by_role("tab", name="Spør").click()
    page.get_by_role("spinbutton", name="day, Fra dato").click()
    page.keyboard.type("01012030")
    page.keyboard.press("Tab")
    _ask(page, QUESTION)
    page.get_by_text("since=2030-01-01").first.wait_for(timeout=60_000)
    assert page.get_by_text("Jeg fant ikke noe vedtak om dette.").last.is_visible()

    # Phone width: nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("tab", name="Søk i vedtak").click()
    page.wait_for_timeout(500)
    _shot(page, "search-phone")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 391
    page.get_by_role("tab", name="Spør").click()
    page.wait_for_timeout(500)
    _shot(page, "chat-phone")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 391

    folder = os.environ.get("UI_SCREENSHOT_DIR")
    if folder:
        (Path(folder) / "browser-report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    # Any violation fails, Streamlit's own too: there are none today (docs/accessibility.md).
    violations = report["axe_chat"] + report["axe_search"]
    assert not violations, violations


def test_meetings_case_page_and_votes_in_a_browser(page):
    report: dict = {}
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()  # a new session: the filters the chat test set are gone
    page.get_by_text("Spør om kommunale vedtak").first.wait_for(timeout=120_000)
    page.get_by_role("tab", name="Møter").click()
    # The demo meeting: each case's VEDTAK, its vote, the proposals that fell.
    page.get_by_text("Vedtak: «1. Kommunestyret tar årsrapporten 2020 til orientering.").first.wait_for(timeout=60_000)
    page.get_by_text("Forslag fra FrP: «Budsjettet for 2021 justeres med 45 millioner kroner.» – falt").first.wait_for(timeout=10_000)
    # A case opens to its path through the bodies: PS 42/2021 came from the formannskap.
    page.locator("[data-testid='stExpander'] summary").filter(has_text="Saksgang og status").nth(1).click()
    page.locator("[data-testid='stExpanderDetails']:visible").filter(has_text="2021-06-01 · Formannskapet · PS 78/2021").first.wait_for(timeout=10_000)
    report["axe_meetings"] = _axe(page)
    _shot(page, "meetings-desktop")
    with page.expect_download() as download:
        page.get_by_text("Last ned «Kort fra møtet» (Markdown)").click()
    brief = Path(download.value.path()).read_text(encoding="utf-8")
    assert brief.startswith("# Kort fra kommunestyremøtet 15. juni 2021")

    page.get_by_role("tab", name="Voteringer").click()
    page.get_by_text("Slik stemte partiene (for / mot / delt)").wait_for(timeout=60_000)
    with page.expect_download() as download:
        page.get_by_text("Last ned voteringene (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    # Every vote of the demo's two meetings.
    assert len(rows) == 12 and {r["outcome"] for r in rows} == {"vedtatt", "falt"}
    report["axe_votes"] = _axe(page)
    _shot(page, "votes-desktop")

    page.set_viewport_size({"width": 390, "height": 844})
    for tab, name in (("Møter", "meetings-phone"), ("Voteringer", "votes-phone")):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(500)
        _shot(page, name)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 391
    violations = report["axe_meetings"] + report["axe_votes"]
    assert not violations, violations
