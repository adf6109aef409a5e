"""Commands that keep the index current and tell people what is new: `sync elements|folder`,
`follow add|list|remove|run|feed`, and `api` (the read-only HTTP API). Parse, call, print."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from .errors import AssistantError

sync_app = typer.Typer(no_args_is_help=True, help="Fetch new meeting records from where the municipality publishes them.")
follow_app = typer.Typer(no_args_is_help=True, help="Follow a search or a question and be told what is new.")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _cli():
    from . import cli

    return cli


@sync_app.command("elements")
def sync_elements_command(
    portal: Annotated[str, typer.Option("--portal", help="The portal address people open, e.g. https://prod01.elementscloud.no/publikum/840029212_PROD-840029212")],
    since: Annotated[Optional[str], typer.Option("--since", help="Meetings from this date, YYYY-MM-DD (default: this year).")] = None,
    bodies: Annotated[Optional[str], typer.Option("--bodies", help="Bodies by short code or name, comma-separated: KS,FS")] = None,
    municipality: Annotated[Optional[str], typer.Option("--municipality", help="The municipality's name (known for some portals).")] = None,
    as_json: JsonOption = False,
):
    """Fetch published protocols and case documents from an Elements portal and ingest them, incrementally."""
    from .sync import sync_elements

    cli = _cli()
    try:
        report = sync_elements(cli._settings(), portal, cli._parse_day(since, "--since"),
                               [b for b in (bodies or "").split(",") if b.strip()] or None, municipality)
    except AssistantError as exc:
        cli._fail(str(exc), 1)
    typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2) if as_json else report.as_text())
    raise typer.Exit(1 if report.failures else 0)


@sync_app.command("folder")
def sync_folder_command(path: Path, as_json: JsonOption = False):
    """Ingest what an archive system exports into a folder (FILE.meta.json beside a file gives its metadata)."""
    from .sync import sync_folder

    cli = _cli()
    try:
        report = sync_folder(cli._settings(), path)
    except AssistantError as exc:
        cli._fail(str(exc), 1)
    typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2) if as_json else report.as_text())
    raise typer.Exit(1 if report.failures else 0)


@follow_app.command("add")
def follow_add(
    name: str,
    search: Annotated[Optional[str], typer.Option("--search", help="A search to follow: new documents that match it.")] = None,
    question: Annotated[Optional[str], typer.Option("--question", help="A question to ask again: a changed answer.")] = None,
    body: Annotated[Optional[str], typer.Option("--body")] = None,
    municipality: Annotated[Optional[str], typer.Option("--municipality")] = None,
    doc_type: Annotated[Optional[str], typer.Option("--type")] = None,
    as_json: JsonOption = False,
):
    """Save a search or a question to follow."""
    from .follow.runner import add_follow
    from .retrieval import Filters
    from .service import Assistant

    cli = _cli()
    try:
        follow = add_follow(Assistant(cli._settings()), name, search, question, Filters(body=body, municipality=municipality, doc_type=doc_type))
    except AssistantError as exc:
        cli._fail(str(exc))
    typer.echo(json.dumps(follow, ensure_ascii=False, indent=2) if as_json else f"following '{name}' ({follow['seen']} documents match now)")


@follow_app.command("list")
def follow_list(as_json: JsonOption = False):
    """The saved follows."""
    from .follow.runner import list_follows
    from .service import Assistant

    follows = list_follows(Assistant(_cli()._settings()))
    if as_json:
        typer.echo(json.dumps({"follows": follows}, ensure_ascii=False, indent=2))
        return
    for f in follows:
        typer.echo(f"{f['name']}\t{f['kind']}\t{f['query']}\t{f['filters'] or ''}\tlast run: {f['last_run'] or 'never'}")


@follow_app.command("remove")
def follow_remove(name: str):
    """Stop following."""
    from .follow.runner import remove_follow
    from .service import Assistant

    cli = _cli()
    try:
        remove_follow(Assistant(cli._settings()), name)
    except AssistantError as exc:
        cli._fail(str(exc))
    typer.echo(f"removed '{name}'")


@follow_app.command("run")
def follow_run(
    email: Annotated[bool, typer.Option("--email", help="Send what is new by e-mail (ASSISTANT_SMTP_* in .env).")] = False,
    as_json: JsonOption = False,
):
    """What is new for each follow since its last run (after each sync; cron-friendly, idempotent)."""
    from .follow.mail import digest_text, send_digest
    from .follow.runner import run_follows
    from .service import Assistant

    cli = _cli()
    settings = cli._settings()
    try:
        result = run_follows(Assistant(settings))
        if email:
            send_digest(settings, result)
    except AssistantError as exc:
        cli._fail(str(exc), 1)
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2) if as_json else (digest_text(result) or "nothing new"))


@follow_app.command("feed")
def follow_feed(name: str):
    """A follow's Atom feed on standard output."""
    from .follow.atom import follow_feed as make_feed
    from .follow.store import FollowStore

    cli = _cli()
    try:
        follow = FollowStore(cli._settings().data_dir).get(name)
    except AssistantError as exc:
        cli._fail(str(exc))
    typer.echo(make_feed(follow).decode("utf-8"))


def api(host: str = typer.Option("127.0.0.1", "--host"), port: int = typer.Option(8000, "--port")):
    """The read-only HTTP API (search, ask, votes, cases, meetings, feeds; OpenAPI docs at /docs)."""
    import uvicorn

    from .api import create_app

    uvicorn.run(create_app(_cli()._settings()), host=host, port=port, log_level="info")
