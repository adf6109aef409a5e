"""A generated corpus of broken and hostile inputs beside good ones, each with what ingest must do with it:
"ok" (goes in), "reject" (reported by name with a reason matching a pattern) or "either" (a damaged file a
lenient parser may still read: in the index or reported, never lost). Used by tests/test_reliability.py and
scripts/hostile_corpus.py."""

from __future__ import annotations

import io
import json
import os
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path

NORWEGIAN = [
    "Kommunestyret i Asker vedtok å bygge ny barnehage på Holmen med {n} plasser.",
    "Formannskapet i Røyken godkjente søknaden om støtte til Åros båtforening på {n} kroner.",
    "Bystyret i Bærum ba kommunedirektøren utrede gratis skolemat for {n} elever.",
    "Hovedutvalget for miljø vedtok fartsgrense på {n} km/t i Øvre Vollen.",
    "Kommunestyret i Hurum vedtok at søppeltømming skjer hver {n}. uke på Sætre.",
]


@dataclass
class Input:
    name: str
    expect: str  # ok | reject | either
    reason: str = ""  # a regular expression the reported reason must match, for "reject"
    needle: str = ""  # text the stored document must contain, for "ok"


def _sentence(rng: random.Random, i: int) -> str:
    return rng.choice(NORWEGIAN).format(n=10 + i) + f" Saken har nummer {i}/{2000 + i % 25}."


def _docx_bytes(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _pdf_bytes(text: str, encrypt: str | None = None) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, encrypt=encrypt)
    page.drawString(72, 760, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def _pdf_from_objects(objects: list[bytes]) -> bytes:
    "A minimal PDF: the objects, numbered from 1, with a correct cross-reference table."
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _looping_pdf(kind: int) -> bytes:
    "A page tree whose /Kids point back at themselves (or at each other)."
    kids = {0: "2 0 R", 1: "3 0 R", 2: "2 0 R 3 0 R"}[kind]
    return _pdf_from_objects([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count 2 >>".encode(),
        b"<< /Type /Pages /Kids [2 0 R] /Count 1 /Parent 2 0 R >>",
    ])


def _slow_pdf(operators: int) -> bytes:
    "One page whose content stream is hundreds of thousands of text operators: slow to extract."
    stream = b"BT /F1 1 Tf " + b"(a) Tj 0.01 0 Td " * operators + b"ET"
    return _pdf_from_objects([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


def _zip_bomb(single: bool) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if single:
            archive.writestr("word/document.xml", b"<w:document>" + b" " * (210 * 1024 * 1024) + b"</w:document>")
        else:
            block = b"0" * (256 * 1024)
            for i in range(840):
                archive.writestr(f"word/media/part{i}.bin", block)
            archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def generate(folder: Path, shared: Path, seed: int = 5, big_text_mb: int = 52) -> list[Input]:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    inputs: list[Input] = []

    def put(name: str, content: bytes, expect: str, reason: str = "", needle: str = "") -> None:
        (folder / name).write_bytes(content)
        inputs.append(Input(name, expect, reason, needle))

    # Good documents in every format and in the encodings Norwegian archives use.
    for i in range(20):
        text = f"# Vedtak {i}\n\n{_sentence(rng, i)}"
        put(f"god-{i:02d} æøå.md" if i % 5 == 0 else f"god-{i:02d}.md", text.encode("utf-8"), "ok", needle=text.split("\n")[-1][:40])
    for i in range(10):
        text = f"Saksprotokoll {i}\n\n{_sentence(rng, 100 + i)} Blåbærsyltetøy og særskilte gebyrer – «vedtatt»."
        put(f"arkiv-cp1252-{i:02d}.txt", text.encode("cp1252"), "ok", needle="Blåbærsyltetøy og særskilte gebyrer – «vedtatt»")
    for i in range(10):
        text = f"Møtebok {i}\n\n{_sentence(rng, 200 + i)} Vedtaket gjelder Østre Ås og Ærø."
        put(f"arkiv-latin1-{i:02d}.txt", text.encode("latin-1"), "ok", needle="Vedtaket gjelder Østre Ås og Ærø.")
    for i in range(2):
        put(f"bom-utf8-{i}.txt", b"\xef\xbb\xbf" + f"Vedtak med BOM {i}: Kommunestyret i Asker sa ja til ny bru.".encode(), "ok",
            needle="Kommunestyret i Asker sa ja til ny bru")
        put(f"utf16-{i}.txt", f"Vedtak i UTF-16 {i}: formannskapet støttet søknaden.".encode("utf-16"), "ok",
            needle="formannskapet støttet søknaden")
    for i in range(10):
        good = f"Kommunestyret vedtok {i}: Særskilt støtte til Ålgård skolekorps på {i * 100} kroner. Æres den som æres bør."
        data = good.encode("utf-8")
        cut = data.index("Ålgård".encode()) + 1  # a lone lead byte in the middle of Å
        put(f"ugyldig-utf8-{i:02d}.txt", data[:cut] + b"\xff" + data[cut + 1:], "ok", needle="Æres den som æres bør")
    for i in range(3):
        put(f"god-{i}.docx", _docx_bytes([f"Vedtak {i}", _sentence(rng, 300 + i)]), "ok", needle="Saken har nummer")
        put(f"god-{i}.html", f"<html><head><title>Vedtak {i}</title></head><body><p>{_sentence(rng, 400 + i)}</p></body></html>".encode(),
            "ok", needle="Saken har nummer")
    for name in ("plan-planbeskrivelse-m1.pdf", "plan-horingsuttalelse-nve.pdf"):
        put(f"ekte-{name}", (shared / "corpus/pdf" / name).read_bytes(), "ok")
    put("god pdf med navn (kopi).pdf", _pdf_bytes("Kommunestyret i Asker vedtok budsjettet for 2022."), "ok", needle="vedtok budsjettet")

    # PDFs: truncated real ones (a lenient parser may read the pages before the cut), random bytes, encrypted,
    # looping page trees, and one slow enough to hit the time limit.
    real = [(shared / "corpus/pdf" / n).read_bytes() for n in
            ("plan-reguleringsbestemmelser.pdf", "Stemmestyrets_m_tebok_-_Egge.pdf", "plan-planbeskrivelse-m1.pdf")]
    for r, data in enumerate(real):
        for k in range(10):
            cut = max(16, int(len(data) * (k + 0.5) / 10.5))
            put(f"avkuttet-{r}-{k}.pdf", data[:cut], "either")
    for i in range(20):
        noise = bytes(rng.getrandbits(8) for _ in range(rng.randint(10, 20000)))
        put(f"tilfeldig-{i:02d}.pdf", (b"%PDF-1.7\n" if i % 2 else b"") + noise, "reject", r"corrupt|unreadable|no extractable|PDF")
    for i in range(5):
        put(f"kryptert-{i}.pdf", _pdf_bytes(f"Hemmelig vedtak {i}", encrypt=f"passord{i}"), "reject", r"encrypted")
    for kind in range(3):
        put(f"sidetre-loekke-{kind}.pdf", _looping_pdf(kind), "reject", r"corrupt|unreadable|no extractable|loop|PDF")
    put("treg.pdf", _slow_pdf(400_000), "reject", r"longer than")

    # Word: zip bombs, things that are not zip files, zips that are not Word documents, truncated documents.
    put("zipbombe-en.docx", _zip_bomb(single=True), "reject", r"zip bomb|unpacks")
    put("zipbombe-mange.docx", _zip_bomb(single=False), "reject", r"zip bomb|unpacks")
    for i in range(5):
        put(f"ikke-zip-{i}.docx", bytes(rng.getrandbits(8) for _ in range(500)) if i else b"Dette er ren tekst.", "reject", r"not a valid \.docx")
    for i in range(2):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hei.txt", "ikke word")
        put(f"zip-uten-word-{i}.docx", buffer.getvalue(), "reject", r"no word/document.xml")
    good_docx = _docx_bytes(["Vedtak", "Kommunestyret vedtok noe."])
    for i in range(3):
        put(f"avkuttet-{i}.docx", good_docx[: len(good_docx) * (i + 1) // 4], "reject", r"docx")

    # HTML nested far deeper than any parser's recursion limit.
    for i, depth in enumerate((10_000, 100_000, 1_000_000)):
        put(f"dyp-{i}.html", b"<div>" * depth + b"Vedtak i dypet" + b"</div>" * depth, "either")
    put("dype-tabeller.html", b"<table><tr><td>" * 50_000 + b"x" + b"</td></tr></table>" * 50_000, "either")

    # Text: too large, binary, empty, whitespace only.
    big = folder / "stor.txt"
    with big.open("wb") as out:
        line = ("Kommunestyret vedtok en veldig lang protokoll. " * 20 + "\n").encode()
        for _ in range(big_text_mb * 1024 * 1024 // len(line) + 1):
            out.write(line)
    inputs.append(Input("stor.txt", "reject", r"larger than"))
    for i in range(10):
        payload = b"\x7fELF\x02\x01\x01\x00" if i == 0 else b""
        put(f"binaer-{i:02d}.txt", payload + bytes(rng.getrandbits(8) for _ in range(4096)) + b"\x00\x00", "reject", r"binary")
    for suffix in (".txt", ".md", ".pdf", ".docx", ".html", ".htm", ".xml", ".jsonl"):
        put(f"tom{suffix}", b"", "reject", r"empty")
    for i in range(3):
        put(f"blank-{i}.txt", b"   \n\n\t  \r\n", "reject", r"no text")

    # JSONL: broken lines, missing ids, duplicate ids (the good records still go in).
    for i in range(5):
        lines = [json.dumps({"id": f"JL{i}-{j}", "title": f"Vedtak {i}-{j}", "text": _sentence(rng, 500 + 10 * i + j)}, ensure_ascii=False)
                 for j in range(3)]
        lines.insert(1, '{"id": "halv", "text": "avbrutt')
        lines.append("[1, 2, 3]")
        put(f"linjer-{i}.jsonl", "\n".join(lines).encode(), "reject", r"invalid JSON|not a JSON object")
        inputs.extend(Input(f"JL{i}-{j}", "ok") for j in range(3))
    for i in range(3):
        lines = [json.dumps({"title": "uten id", "text": "Vedtak uten id."}),
                 json.dumps({"id": f"MID{i}", "text": _sentence(rng, 600 + i)}, ensure_ascii=False)]
        put(f"mangler-id-{i}.jsonl", "\n".join(lines).encode(), "reject", r"missing required field 'id'")
        inputs.append(Input(f"MID{i}", "ok"))
    for i in range(2):
        lines = [json.dumps({"id": f"DUP{i}", "text": _sentence(rng, 700 + i)}, ensure_ascii=False),
                 json.dumps({"id": f"DUP{i}", "text": "Samme id igjen."})]
        put(f"dobbel-id-{i}.jsonl", "\n".join(lines).encode(), "reject", r"duplicate id")
        inputs.append(Input(f"DUP{i}", "ok"))

    # Formats no loader reads.
    for suffix in (".exe", ".zip", ".png", ".xlsx", ".doc", ".odt", ".rtf", ".csv", ".pptx", ".msg"):
        put(f"ukjent{suffix}", bytes(rng.getrandbits(8) for _ in range(300)), "reject", r"unknown format")

    # Permissions and links.
    for i in range(3):
        put(f"laast-{i}.txt", f"Låst vedtak {i}: kommunestyret sa nei.".encode(), "ok" if os.geteuid() == 0 else "reject",
            "" if os.geteuid() == 0 else r"[Pp]ermission denied", needle="kommunestyret sa nei")
        (folder / f"laast-{i}.txt").chmod(0)
    os.symlink(folder / "lenke-b.txt", folder / "lenke-a.txt")
    os.symlink(folder / "lenke-a.txt", folder / "lenke-b.txt")
    inputs += [Input("lenke-a.txt", "reject", r"symbolic link"), Input("lenke-b.txt", "reject", r"symbolic link")]
    os.symlink(folder / "finnes-ikke.txt", folder / "brutt-lenke.txt")
    inputs.append(Input("brutt-lenke.txt", "reject", r"symbolic link"))
    (folder / "undermappe").mkdir()
    os.symlink(folder, folder / "undermappe" / "til-toppen")  # a directory loop: walked once, not forever
    return inputs
