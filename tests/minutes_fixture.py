"""A whole møteprotokoll in the layout Elements prints (header, attendance tables, saksliste, then each
case), assembled from the real texts of one Steinkjer meeting in ../shared: the case protocols from the
JSONL, the meeting's place and time from the portal's meeting list, the attendance from the fasit."""

from __future__ import annotations

import json
from pathlib import Path

MEETING = 1285  # Kommunestyre 16.09.2026: four cases, 42 votes, attendance in fasit/steinkjer/mote-1285.json


def meeting_records(shared: Path, meeting: int = MEETING) -> list[dict]:
    rows = [json.loads(line) for line in (shared / "corpus/minutes/steinkjer_2026.jsonl").open(encoding="utf-8")]
    found = [r for r in rows if r.get("meeting_id") == meeting]
    return sorted(found, key=lambda r: int(r["case_number"].split()[1].split("/")[0]))


def minutes_text(shared: Path, meeting: int = MEETING) -> str:
    records = meeting_records(shared, meeting)
    meetings = json.loads((shared / "corpus/minutes/steinkjer_meetings_2026.json").read_text(encoding="utf-8"))
    info = next(m for m in meetings if m["mote_id"] == meeting)
    attendance = json.loads((shared / f"corpus/minutes/fasit/steinkjer/mote-{meeting}.json").read_text(encoding="utf-8"))["oppmote"]
    day = records[0]["date"]
    dd = f"{day[8:10]}.{day[5:7]}.{day[:4]}"
    lines = ["Steinkjer kommune", "Møteprotokoll", "", f"Utvalg:       {records[0]['body']}", f"Møtested:     {info['sted']}",
             f"Dato:         {dd}", f"Tidspunkt:    {info['dato'][11:16]} - {info.get('slutt') or ''}", "",
             "Følgende faste medlemmer møtte:", "Navn                              Funksjon        Representerer"]
    for member in attendance:
        if not member["vara_for"]:
            lines.append(f"{member['navn']:<34}{member['funksjon']:<16}{member['repr']}")
    lines += ["", "Følgende medlemmer hadde forfall:", "Navn                              Funksjon        Representerer"]
    for member in attendance:
        if member["vara_for"]:
            lines.append(f"{member['vara_for']:<34}{'Medlem':<16}{member['repr']}")
    lines += ["", "Følgende varamedlemmer møtte:", "Navn                              Møtte for       Representerer"]
    for member in attendance:
        if member["vara_for"]:
            lines.append(f"{member['navn']:<34}{member['vara_for']:<24}{member['repr']}")
    lines += ["", "Saksliste", "", "Utvalgs-    Innhold", "saksnr"]
    for record in records:
        number, year = record["case_number"].split()[1].split("/")
        lines.append(f"PS {number}/{year[2:]}     {record['title']}")
    lines.append("")
    for record in records:
        number, year = record["case_number"].split()[1].split("/")
        lines += [f"PS {number}/{year[2:]} {record['title']}", "", record["text"].strip(), ""]
    return "\n".join(lines) + "\n"


def minutes_pdf(text: str, path):
    """The minutes as a PDF, printed line by line in a fixed-width font, the way a records system prints
    them: pages break every 60 lines, long lines wrap between words at 95 characters. `path` is a file
    name or a binary file object (the portal replay prints into memory)."""
    import textwrap

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(path if hasattr(path, "write") else str(path), pagesize=A4, invariant=True)
    page.setFont("Courier", 8)
    y = 800
    for line in text.splitlines():
        for piece in textwrap.wrap(line, 95, break_long_words=False) or [""]:
            if y < 50:
                page.showPage()
                page.setFont("Courier", 8)
                y = 800
            page.drawString(40, y, piece)
            y -= 12.5
    page.showPage()
    page.save()
    return path
