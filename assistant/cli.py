"""Command line: parses options, shows progress, calls the library, prints. No logic of its own."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from .config import get_settings
from .errors import AssistantError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False, help="Council decisions: ingest, search, ask with citations.")


def _fail(message: str, code: int = 2) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _settings():
    try:
        return get_settings()
    except AssistantError as exc:
        _fail(str(exc))


def _parse_map(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        canonical, sep, source = pair.partition("=")
        if not sep or not canonical.strip() or not source.strip():
            _fail(f"--map takes CANONICAL=FIELD, got '{pair}'")
        mapping[canonical.strip()] = source.strip()
    return mapping


def _parse_day(value: Optional[str], option: str) -> Optional[date]:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} takes a date as YYYY-MM-DD, got '{value}'")


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files or folders (recursive)."),
    map_: list[str] = typer.Option([], "--map", help="JSONL field mapping CANONICAL=FIELD, e.g. date=adoption_date."),
    prune: bool = typer.Option(False, "--prune", help="Remove documents whose source is gone."),
    reset: bool = typer.Option(False, "--reset", help="Delete the index first and rebuild it (after changing embedder)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing when the index already holds documents."),
):
    """Add or update documents in the index."""
    from tqdm import tqdm

    from .ingest import Ingestor

    field_map = _parse_map(map_)
    settings = _settings()
    if if_empty:
        from .store import ChromaStore

        try:
            count = ChromaStore(settings).count()
        except AssistantError as exc:
            _fail(str(exc))
        if count:
            typer.echo(f"index already holds {count} chunks; not ingesting (drop --if-empty to update it)")
            return
    bar = None

    def progress(done: int, total: int, name: str) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="doc", disable=total < 20, file=sys.stderr, mininterval=1.0)
        bar.set_postfix_str(name[-40:], refresh=False)
        bar.update(done - bar.n)

    try:
        report = Ingestor(settings).run(paths, field_map=field_map, prune=prune, reset=reset, progress=progress)
    except AssistantError as exc:
        _fail(str(exc))
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(
            f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
            f"removed {len(report.removed)}, failed {len(report.failed)} "
            f"({report.chunks_written} chunks embedded in {report.seconds:.1f} s)"
        )
        for name, reason in report.failed:
            typer.secho(f"  failed: {name}: {reason}", fg=typer.colors.YELLOW, err=True)
    if report.failed:
        raise typer.Exit(1)


# Options shared by search and ask.
KOption = Annotated[int, typer.Option("--k", help="Number of documents (default ASSISTANT_TOP_K).")]
BodyOption = Annotated[Optional[str], typer.Option("--body", help='Deciding body, e.g. "Asker kommunestyre".')]
MunicipalityOption = Annotated[Optional[str], typer.Option("--municipality")]
DocTypeOption = Annotated[Optional[str], typer.Option("--doc-type", help="forskrift, møteprotokoll, ...")]
SinceOption = Annotated[Optional[str], typer.Option("--since", help="YYYY-MM-DD")]
UntilOption = Annotated[Optional[str], typer.Option("--until", help="YYYY-MM-DD")]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _filters(body, municipality, doc_type, since, until):
    from .retrieval import Filters

    return Filters(body=body, municipality=municipality, doc_type=doc_type,
                   since=_parse_day(since, "--since"), until=_parse_day(until, "--until"))


@app.command()
def search(query: str, as_json: JsonOption = False, k: KOption = 0, body: BodyOption = None,
           municipality: MunicipalityOption = None, doc_type: DocTypeOption = None, since: SinceOption = None,
           until: UntilOption = None):
    """Ranked documents with their best passage."""
    from .service import Assistant

    try:
        results = Assistant(_settings()).search(query, k=k or None, filters=_filters(body, municipality, doc_type, since, until))
    except AssistantError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps({"results": results}, ensure_ascii=False, indent=2))
        return
    if not results:
        typer.echo("Ingen treff.")
    for r in results:
        typer.secho(f"{r['rank']}. {r['title']}  [{r['doc_id']}]", bold=True)
        typer.echo(f"   {r['body'] or ''} {r['date'] or ''}  score {r['score']:.4f}  {r['url'] or ''}")
        typer.echo("   " + r["text"][:300].replace("\n", " "))


@app.command()
def ask(question: str, as_json: JsonOption = False, k: KOption = 0, body: BodyOption = None,
        municipality: MunicipalityOption = None, doc_type: DocTypeOption = None, since: SinceOption = None,
        until: UntilOption = None):
    """A short answer with numbered citations, or an honest abstention."""
    from .service import Assistant

    from .answering import Answer

    streamed = False
    answer = None
    try:
        for piece in Assistant(_settings()).ask_stream(question, k=k or None, filters=_filters(body, municipality, doc_type, since, until)):
            if isinstance(piece, Answer):
                answer = piece
            elif not as_json:
                typer.echo(piece, nl=False)
                streamed = True
    except AssistantError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(answer.as_json(), ensure_ascii=False, indent=2))
    elif streamed and answer.generator == "llm":
        # The text is on screen already; add what verification found and the sources.
        typer.echo("\n\n" + answer.sources_text())
    else:
        typer.echo(("\n\n" if streamed else "") + answer.as_text())


@app.command()
def check(
    draft: str = typer.Argument(..., help="The draft: a file in any ingestible format, or - for text on stdin."),
    as_json: JsonOption = False,
    body: BodyOption = None,
    municipality: Annotated[Optional[str], typer.Option("--municipality", help="The draft's municipality (default: read from it).")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="What is in force on this date, YYYY-MM-DD (default today).")] = None,
):
    """Check a draft against earlier decisions on the same matter: pairs, differences, timeline."""
    from .consistency import read_draft
    from .service import Assistant
    from .presentation import check_text

    try:
        if draft == "-":
            text, title = sys.stdin.read(), ""
        else:
            text, title = read_draft(Path(draft))
        result = Assistant(_settings()).check(text, title=title, body=body, municipality=municipality,
                                              as_of=_parse_day(as_of, "--as-of"))
    except AssistantError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        typer.echo(check_text(result))


@app.command()
def votes(
    as_json: JsonOption = False,
    case: Annotated[Optional[str], typer.Option("--case", help='Case number ("PS 3/2026") or document id.')] = None,
    body: BodyOption = None,
    municipality: MunicipalityOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    party: Annotated[Optional[str], typer.Option("--party", help="Party short form: AP, H, SP, FRP, SV, R, V, KRF …")] = None,
    member: Annotated[Optional[str], typer.Option("--member", help="A member's name.")] = None,
    outcome: Annotated[Optional[str], typer.Option("--outcome", help="vedtatt or falt.")] = None,
    max_margin: Annotated[Optional[int], typer.Option("--max-margin", help="Close votes: margin at most N.")] = None,
):
    """Votes parsed from the meeting records: who voted how, counts, outcome, the exact vote passage."""
    from .service import Assistant

    if outcome and outcome not in ("vedtatt", "falt"):
        _fail("--outcome takes vedtatt or falt")
    try:
        rows = Assistant(_settings()).votes(case=case, body=body, municipality=municipality,
                                            since=_parse_day(since, "--since"), until=_parse_day(until, "--until"),
                                            party=party, member=member, outcome=outcome, max_margin=max_margin)
    except AssistantError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps({"votes": rows}, ensure_ascii=False, indent=2))
        return
    from .records.answering import vote_summary
    from .records.votes import Vote

    for row in rows:
        typer.secho(f"{row['date']} {row['body']} {row['case_number']}: {row['title']}", bold=True)
        typer.echo(f"   {vote_summary(Vote.from_json(row))}")
    typer.echo(f"{len(rows)} votes")


@app.command()
def case(
    key: str = typer.Argument(..., help='Case number ("PS 3/2026"), case id or document id.'),
    municipality: MunicipalityOption = None,
    as_json: JsonOption = False,
):
    """A case's path through the bodies: date, body, case number, innstilling, vedtak and votes at each step."""
    from .service import Assistant

    try:
        view = Assistant(_settings()).case(key, municipality)
    except AssistantError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(view, ensure_ascii=False, indent=2))
        return
    typer.secho(f"{view['title']} ({view['municipality'] or ''})", bold=True)
    for step in view["path"]:
        typer.echo(f"- {step['date']} {step['body']} {step['case_number']}" + ("" if step.get("indexed") else "  (protokoll ikke i indeksen)"))
        if step.get("vedtak"):
            typer.echo(f"    Vedtak: {step['vedtak'][:300]}")
    if view["status"]:
        typer.echo(view["status"])


@app.command()
def meeting(
    body: Annotated[str, typer.Option("--body", help='The body, e.g. "Kommunestyre".')],
    day: Annotated[str, typer.Option("--date", help="The meeting date, YYYY-MM-DD.")],
    municipality: MunicipalityOption = None,
    as_json: JsonOption = False,
    as_md: Annotated[bool, typer.Option("--md", help="A ready news brief in Markdown.")] = False,
):
    """"Kort fra møtet": each substantive case with its decision quoted from the VEDTAK, the vote and the source."""
    from .records.digest import digest_markdown
    from .service import Assistant

    try:
        digest = Assistant(_settings()).meeting(body, _parse_day(day, "--date"), municipality)
    except AssistantError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(digest, ensure_ascii=False, indent=2))
        return
    if as_md:
        typer.echo(digest_markdown(digest), nl=False)
        return
    info = digest["meeting"]
    typer.secho(f"{info['body']} {info['date']} ({info['municipality'] or ''})", bold=True)
    for case in digest["cases"]:
        typer.secho(f"{case['case_number']} {case['title']}", bold=True)
        if case["decision"]:
            typer.echo(f"   Vedtak: «{case['decision']}»")
        if case["outcome"]:
            typer.echo(f"   Avstemning: {case['outcome']}")
        for fallen in case["fallen"]:
            typer.echo(f"   - {fallen}")
        if case["url"]:
            typer.echo(f"   {case['url']}")
    if digest["folded"]:
        typer.echo("Også behandlet: " + "; ".join(f"{f['case_number']} {f['title']}" for f in digest["folded"]))


@app.command("protocol-check")
def protocol_check(
    draft: str = typer.Argument(..., help="A draft møteprotokoll: a file in any ingestible format, or - for stdin."),
    as_json: JsonOption = False,
):
    """Check a draft møteprotokoll before it is signed: counts, attendance, outcome lines, saksliste (exit 1 on findings)."""
    from .consistency import read_draft
    from .records.protocol_check import check_protocol, format_findings

    try:
        text = sys.stdin.read() if draft == "-" else read_draft(Path(draft))[0]
    except AssistantError as exc:
        _fail(str(exc))
    report = check_protocol(text, name=draft)
    typer.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else format_findings(report))
    if report["findings"]:
        raise typer.Exit(1)


@app.command()
def verify(
    repair: bool = typer.Option(False, "--repair", help="Make the keyword index and manifest agree with Chroma again."),
    as_json: JsonOption = False,
):
    """Check that Chroma, the keyword index and the document manifest agree (exit 1 if not)."""
    from .verify import verify as run_verify

    try:
        report = run_verify(_settings(), repair=repair)
    except AssistantError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(f"{report.documents} documents, {report.chunks} chunks: " + ("consistent" if report.ok else "NOT consistent"))
        for line in report.repaired:
            typer.echo(f"  repaired: {line}")
        for source in report.reingest:
            typer.echo(f"  ingest again: {source}")
        for problem in report.problems:
            typer.secho(f"  problem: {problem}", fg=typer.colors.YELLOW, err=True)
        if report.problems and not repair:
            typer.echo("Run `assistant verify --repair` to rebuild what can be rebuilt.", err=True)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def stats(as_json: bool = typer.Option(False, "--json")):
    """What the index holds."""
    from .service import Assistant

    try:
        info = Assistant(_settings()).stats()
    except AssistantError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    typer.echo(f"documents: {info['documents']}\nchunks: {info['chunks']}\nembedder: {info['embedder']}")
    typer.echo(f"dates: {info['date_range'][0]} – {info['date_range'][1]}\nlast ingest: {info['last_ingest']}")
    typer.echo("bodies: " + ", ".join(f"{b} ({n})" for b, n in info["bodies"].items()))


@app.command("eval")
def eval_(
    qa_file: Path = typer.Argument(..., help="QA set, one JSON object a line (council_dev.jsonl format)."),
    as_json: bool = typer.Option(False, "--json"),
    k: int = typer.Option(10, "--k"),
    compare: bool = typer.Option(False, "--compare", help="Also rank with each retriever alone and with the baselines, on the same index."),
    baselines: str = typer.Option("minilm,langchain,bare_chunks,header_chunks", "--baselines", help="Baselines for --compare (empty = none)."),
    no_answers: bool = typer.Option(False, "--no-answers", help="Retrieval metrics only."),
    out: Optional[Path] = typer.Option(None, "--out", help="Also write the JSON report here."),
):
    """Retrieval and answer quality on a QA set, against the index in ASSISTANT_DATA_DIR."""
    from .evaluation import evaluate, format_report, load_qa
    from .service import Assistant

    try:
        items = load_qa(qa_file)
        modes = ["bm25", "bm25_docs", "bm25_chunks", "dense", "dense+bm25_chunks"] if compare else []
        assistant = Assistant(_settings())
        others = {}
        if compare and baselines.strip():
            from .baselines import make_baselines

            typer.echo("[eval] preparing baselines (first run embeds their chunks; cached after)", err=True)
            others = make_baselines(assistant, tuple(b.strip() for b in baselines.split(",") if b.strip()))
        report = evaluate(assistant, items, k=k, modes=modes, answers=not no_answers, baselines=others)
    except AssistantError as exc:
        _fail(str(exc))
    if out:
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    typer.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else format_report(report))


@app.command()
def bench(
    corpus: list[Path] = typer.Option([], "--corpus", help="Files or folders to ingest (default: the Lovtidend set in ../shared, else corpus/)."),
    map_: list[str] = typer.Option([], "--map", help="JSONL field mapping CANONICAL=FIELD, as for ingest."),
    questions: Optional[Path] = typer.Option(None, "--questions", help="QA file whose questions time search/ask."),
    sizes: str = typer.Option("2000,20000,100000", "--sizes", help="Index sizes in chunks for the query timings."),
    parts: str = typer.Option("embedding,ingest,queries", "--parts", help="Which benchmarks to run."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the Markdown report here (and the JSON beside it)."),
    work_dir: Optional[Path] = typer.Option(None, "--work-dir", help="Where the benchmark's own indexes go (default: a temp dir)."),
):
    """Speed: matmul roofline, embedding per engine, ingestion phases, search/ask latency and memory by index size."""
    from .benchmark import render, run
    from .evaluation import load_qa

    repo = Path(__file__).resolve().parent.parent
    lovtidend = repo.parent / "shared" / "corpus" / "lovtidend" / "council_adopted.jsonl"
    field_map = _parse_map(map_)
    if not corpus:
        corpus = [lovtidend] if lovtidend.exists() else [repo / "corpus"]
        if lovtidend.exists() and not field_map:
            field_map = {"date": "adoption_date", "body": "adopting_body", "url": "lovdata_url"}
    qa = questions or repo.parent / "shared" / "eval" / "council_dev.jsonl"
    try:
        asked = [item.question for item in load_qa(qa)] if qa.exists() else [
            "Hva vedtok kommunestyret om koronakompensasjon?", "Når er det båndtvang for hunder?", "Who decides opening hours?",
        ]
        size_list = [int(s) for s in sizes.split(",") if s.strip()]
    except (AssistantError, ValueError) as exc:
        _fail(str(exc))
    command = " ".join(
        ["assistant bench", *(f"--corpus {c}" for c in corpus), *(f"--map {m}" for m in map_),
         *([f"--questions {questions}"] if questions else []), f"--sizes {sizes}", f"--parts {parts}",
         *([f"--out {out}"] if out else [])]
    )  # fmt: skip
    try:
        report = run(
            corpus, _settings(), asked, field_map, size_list, tuple(p.strip() for p in parts.split(",")), work_dir,
            progress=lambda message: typer.echo(f"[bench] {message}", err=True),
        )
    except AssistantError as exc:
        _fail(str(exc))
    report["command"] = command
    markdown = render(report)
    if out:
        out.write_text(markdown + "\n", encoding="utf-8")
        out.with_suffix(".json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    typer.echo(markdown)


@app.command()
def serve(host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8501, "--port")):
    """Start the chat page."""
    import subprocess

    raise typer.Exit(subprocess.call(page_command(host, port)))


def page_command(host: str, port: int) -> list[str]:
    "How the page is served: by `serve`, the browser test and the page-latency script alike."
    app_path = Path(__file__).resolve().parent.parent / "ui" / "app.py"
    return [
        sys.executable, "-m", "streamlit", "run", str(app_path), "--server.address", host,
        "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",
    ]  # fmt: skip


from .cli_sync import api, follow_app, sync_app  # noqa: E402  (keeping the index current; the HTTP API)

app.add_typer(sync_app, name="sync")
app.add_typer(follow_app, name="follow")
app.command()(api)


def main() -> None:
    app()


if __name__ == "__main__":
    main()

