"""Atom feeds (RFC 4287): one per saved follow, and "new decisions" of a body from the records in the index.
Written with the standard library's XML writer, so titles and summaries are escaped, never interpreted."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 50


def follow_feed(follow: dict[str, Any], base_url: str = "urn:council-assistant") -> bytes:
    title = f"Følger: {follow['query']}" if follow["kind"] == "search" else f"Spørsmål: {follow['query']}"
    updated = follow.get("last_run") or follow.get("created")
    return _feed(f"{base_url}:follow:{follow['name']}", title, updated, follow.get("items", []), base_url)


def decisions_feed(rows: list[dict[str, Any]], body: str, base_url: str = "urn:council-assistant") -> bytes:
    "The newest treatments of one body (or all, body = 'alle'), newest first."
    updated = max((str(r.get("date") or "") for r in rows), default="") or None
    items = [{**r, "found": r.get("date")} for r in rows[:MAX_ENTRIES]]
    return _feed(f"{base_url}:decisions:{body}", f"Nye vedtak: {body}", updated, items, base_url)


def _feed(feed_id: str, title: str, updated: str | None, items: list[dict[str, Any]], base_url: str) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = feed_id
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(updated)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "Council decisions assistant"
    for entry_data in items[:MAX_ENTRIES]:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"{base_url}:doc:{entry_data['doc_id']}"
        heading = " ".join(str(x) for x in (entry_data.get("case_number"), entry_data.get("title")) if x)
        ET.SubElement(entry, f"{{{ATOM}}}title").text = heading or str(entry_data["doc_id"])
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(entry_data.get("found") or entry_data.get("date"))
        if entry_data.get("url"):
            ET.SubElement(entry, f"{{{ATOM}}}link", {"href": str(entry_data["url"]), "rel": "alternate"})
        summary = entry_data.get("summary") or " · ".join(str(x) for x in (entry_data.get("body"), entry_data.get("date")) if x)
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = summary or heading
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


def _stamp(value: str | None) -> str:
    "An RFC 3339 time: a date becomes its midnight UTC; nothing becomes now."
    if not value:
        return datetime.now(timezone.utc).isoformat(timespec="seconds")
    text = str(value)
    if len(text) == 10:
        return f"{text}T00:00:00+00:00"
    return text
