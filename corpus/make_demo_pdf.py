"""Regenerates the demo PDF from the text below (run once; the PDF is committed). Needs reportlab (dev extra)."""

from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

PAGES = [
    [
        ("Title", "Asker kommune – tidsplan for handlingsprogrammet 2022–2025"),
        ("Italic", "Demodokument skrevet av dette prosjektet med egne ord. Offisiell kilde: asker.kommune.no."),
        ("BodyText", "Asker kommunestyre fikk 15. juni 2021 en orientering om veien fram mot handlingsprogrammet "
                     "for 2022–2025 og budsjettet for 2022."),
        ("Heading2", "Datoer"),
        ("BodyText", "Kommunedirektøren legger fram sitt forslag til handlingsprogram 21. september 2021."),
        ("BodyText", "Partiene leverer sine endringsforslag innen 12. november 2021."),
        ("BodyText", "Kommunedirektøren legger fram en tilleggsinnstilling 23. november 2021, etter statsbudsjettet. "
                     "Samtidig legges saken om gebyrer for 2022 fram."),
        ("BodyText", "Kommunestyret vedtar handlingsprogrammet endelig 14. desember 2021."),
    ],
    [
        ("Heading2", "Klimabudsjett"),
        ("BodyText", "Handlingsprogrammet skal inneholde kommunens andre klimabudsjett, for perioden 2022–2025. "
                     "Klimabudsjettet gjør temaplanen Handling mot klimaendringene konkret og styrer kommunens "
                     "klimaprioriteringer."),
    ],
]


def main() -> None:
    target = Path(__file__).with_name("asker-handlingsprogram-tidsplan-2021.pdf")
    styles = getSampleStyleSheet()
    story = []
    for number, page in enumerate(PAGES):
        if number:
            story.append(PageBreak())
        for style, text in page:
            story += [Paragraph(text, styles[style]), Spacer(1, 6)]
    SimpleDocTemplate(str(target), pagesize=A4, title="Asker kommune – tidsplan for handlingsprogrammet 2022–2025",
                      invariant=True).build(story)


if __name__ == "__main__":
    main()
