from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from assistant.errors import LoadError
from assistant.loaders import discover, load_file
from assistant.loaders.encoding import decode_bytes

NORWEGIAN = "Kommunestyret i Asker vedtok å bevilge 79 millioner kroner til skolebygg på Sætre – «viktig» sak."


def load(path: Path, field_map=None):
    return load_file(path, path.parent, field_map)


def test_cp1252_and_latin1_text_keeps_norwegian_letters(tmp_path):
    cp1252 = tmp_path / "vedtak-cp1252.txt"
    cp1252.write_bytes(NORWEGIAN.encode("cp1252"))
    latin1 = tmp_path / "vedtak-latin1.txt"
    latin1.write_bytes("Søknad om bruk av grøntområdet ved Årvoll".encode("latin-1"))
    (doc,), _ = load(cp1252)
    assert doc.text == NORWEGIAN
    (doc,), _ = load(latin1)
    assert doc.text == "Søknad om bruk av grøntområdet ved Årvoll"


def test_utf8_with_bom_and_crlf(tmp_path):
    path = tmp_path / "notat.md"
    path.write_bytes(b"\xef\xbb\xbf# Overskrift\r\n\r\nTekst med \xc3\xa6\xc3\xb8\xc3\xa5.\r\n")
    (doc,), _ = load(path)
    assert doc.title == "Overskrift"
    assert doc.text == "# Overskrift\n\nTekst med æøå.\n"


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n\t", "no text"),
        ("binary.txt", b"\x00\x01\x02binary\x00", "binary"),
        ("archive.rar", b"Rar!\x1a\x07", "unknown format"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "PDF"),
        ("notzip.docx", b"this is not a word file", "not a valid .docx"),
    ],
)
def test_bad_inputs_are_rejected_with_a_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError, match=reason):
        load(path)


def test_truncated_real_pdf_is_reported(tmp_path, shared):
    original = (shared / "corpus/pdf/plan-reguleringsbestemmelser.pdf").read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(original[: len(original) // 3])
    with pytest.raises(LoadError):
        load(path)


def test_encrypted_pdf_is_reported(tmp_path, shared):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(shared / "corpus/pdf/plan-horingsuttalelse-nve.pdf").pages:
        writer.add_page(page)
    writer.encrypt(user_password="hemmelig", owner_password="eier")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(LoadError, match="encrypted"):
        load(path)


def test_real_pdf_keeps_pages(shared):
    (doc,), _ = load(shared / "corpus/pdf/Stemmestyrets_m_tebok_-_Egge.pdf")
    pages = [number for number, _ in doc.page_starts]
    assert pages == sorted(pages) and len(pages) >= 2
    last_page_start = doc.page_starts[-1][1]
    assert doc.page_at(last_page_start + 1) == pages[-1]
    assert doc.page_at(0) == pages[0]


def test_word_per_line_pdf_is_joined_into_prose(shared):
    (doc,), _ = load(shared / "corpus/pdf/plan-planbeskrivelse-avvik.pdf")
    assert "GYLDENLØVES GATE 70" in doc.text.upper()
    lines = [line for line in doc.text.splitlines() if line.strip()]
    assert sum(len(line.split()) for line in lines) / len(lines) > 5


def test_html_drops_scripts_and_keeps_structure(tmp_path):
    path = tmp_path / "sak.html"
    path.write_text(
        "<html><head><title>Sak 12/21</title><script>alert('x')</script></head><body>"
        "<h2>Vedtak</h2><p>Bystyret i Bergen vedtok forslaget.</p><ul><li>første</li><li>andre</li></ul></body></html>",
        encoding="utf-8",
    )
    (doc,), _ = load(path)
    assert doc.title == "Sak 12/21"
    assert "alert" not in doc.text
    assert "## Vedtak" in doc.text and "- første\n- andre" in doc.text


def test_raw_lovdata_xml_carries_its_metadata(shared):
    (doc,), _ = load(shared / "corpus/lovtidend/raw_asker_area/lf-19920914-0656.xml")
    assert doc.id == "FOR-1992-09-14-656"
    assert doc.title.startswith("Forskrift om vedtekter til plan- og bygningsloven, Asker kommune")
    assert doc.metadata["url"] == "https://lovdata.no/dokument/LTII/forskrift/1992-09-14-656"
    assert "Fastsett av Asker kommunestyre 6. februar 1991" in doc.text


def test_every_raw_asker_file_loads(shared):
    folder = shared / "corpus/lovtidend/raw_asker_area"
    ids = set()
    for file, root in discover([folder]):
        (doc,), _ = load_file(file, root)
        ids.add(doc.id)
        assert doc.text.strip()
    assert len(ids) == 54


def test_docx_headings_become_sections(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("PS 45/21 Temaplan for skolekapasitet", level=2)
    document.add_paragraph("Kommunestyret vedtok temaplanen 15. juni 2021.")
    path = tmp_path / "protokoll.docx"
    document.save(path)
    (doc,), _ = load(path)
    assert doc.text.startswith("## PS 45/21 Temaplan for skolekapasitet")
    assert "vedtok temaplanen" in doc.text


def test_docx_zip_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<a/>")
        archive.writestr("padding.bin", b"\0" * (210 * 1024 * 1024))
    with pytest.raises(LoadError, match="zip bomb"):
        load(path)


def test_jsonl_maps_fields_and_reports_bad_lines(tmp_path):
    path = tmp_path / "rules.jsonl"
    path.write_text(
        '{"id": "A-1", "text": "Tekst en", "adoption_date": "1996-01-24", "adopting_body": "Hol kommunestyre", "extra": 5}\n'
        "{broken json\n"
        '{"text": "no id"}\n'
        '{"id": "A-1", "text": "duplicate"}\n'
        '{"id": "A-2", "text": ""}\n'
        '{"id": "A-3", "text": "Tekst tre", "title": "Tittel"}\n',
        encoding="utf-8",
    )
    documents, problems = load(path, {"date": "adoption_date", "body": "adopting_body"})
    assert [d.id for d in documents] == ["A-1", "A-3"]
    assert documents[0].metadata == {"date": "1996-01-24", "body": "Hol kommunestyre", "extra": 5}
    assert documents[1].title == "Tittel"
    assert len(problems) == 4
    assert any("invalid JSON" in p for p in problems) and any("'id'" in p for p in problems)
    assert any("duplicate id" in p for p in problems) and any("'text'" in p for p in problems)


def test_decode_prefers_utf8_over_cp1252():
    assert decode_bytes("blåbær".encode("utf-8")) == "blåbær"
    assert decode_bytes("blåbær".encode("cp1252")) == "blåbær"
