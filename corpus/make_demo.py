"""Regenerates the demo corpus (run once; the outputs are committed). Needs reportlab and python-docx (dev extra).

The demo is the meeting of Asker kommunestyre on 15 June 2021 as a municipality publishes it: the council's
møteprotokoll (PDF, printed the way a records system prints it), the formannskap's møteprotokoll of 1 June
2021 that prepared two of its cases (DOCX), and the saksframlegg of one case (text). The facts come from the
municipality's news article about the meeting (../shared/corpus/seed), restated in our own words. What the
article does not say is INVENTED and labelled so in each document and in manifest.json: every member's
name except the mayor's, the parties' seats, all vote counts, the case numbers, the formannskap meeting,
the fallen proposals and the protocol remarks."""

from __future__ import annotations

import textwrap
from pathlib import Path

HERE = Path(__file__).parent
WIDTH = 112

NOTICE = ("DEMODOKUMENT skrevet av dette prosjektet. Fakta fra Asker kommunes nyhetssak om møtet 15. juni 2021, "
          "gjengitt med egne ord. OPPDIKTET for demoen: navn på medlemmer (unntatt ordføreren), "
          "partifordeling, stemmetall, saksnumre, formannskapsmøtet, forslagene som falt og "
          "protokolltilførselen. Ikke en offisiell protokoll; den offisielle kilden er asker.kommune.no.")

# Invented council of 67: seats per party, then members drawn from the name lists below.
SEATS = [("H", 22), ("AP", 13), ("MDG", 7), ("FRP", 6), ("V", 5), ("SP", 4), ("SV", 4), ("KRF", 3), ("R", 2), ("PP", 1)]
FIRST = ["Anne", "Bjørn", "Cecilie", "Dag", "Eva", "Frode", "Guro", "Henrik", "Ingrid", "Jon", "Kari", "Lars",
         "Marit", "Nils", "Oda", "Per", "Randi", "Sindre", "Tone", "Vegard", "Åse", "Espen", "Hilde", "Magnus"]
LAST = ["Berg", "Dahl", "Eide", "Foss", "Haug", "Holm", "Lie", "Lund", "Moen", "Nes", "Ruud", "Strand", "Sunde",
        "Vik", "Aas", "Bakke", "Brekke", "Hagen", "Kvam", "Myhre", "Rød", "Sand", "Tangen", "Wold", "Ødegård",
        "Aune", "Fjeld", "Grønli", "Hovland"]


def roster() -> list[tuple[str, str]]:
    "(name, party) for the 67 seats; the mayor Lene Conradi (H) is the only real name."
    members = [("Lene Conradi", "H")]
    names = (f"{FIRST[(i * 7) % len(FIRST)]} {LAST[(i * 11) % len(LAST)]}" for i in range(200))
    for party, seats in SEATS:
        for _ in range(seats - (1 if party == "H" else 0)):
            members.append((next(names), party))
    return members


MEMBERS = roster()
ABSENT = {MEMBERS[5][0]: "Tove Kjos", MEMBERS[40][0]: "Arild Sæther"}  # member → the deputy who met (invented)
PRESENT = [(ABSENT.get(name, name), party) for name, party in MEMBERS]


def names_of(parties: set[str]) -> list[str]:
    return [f"{name} ({party})" for name, party in PRESENT if party in parties]


def name_list(entries: list[str]) -> str:
    return ", ".join(entries[:-1]) + (" og " if len(entries) > 1 else "") + entries[-1]


def wrap(text: str) -> str:
    "Each paragraph wrapped as a records system prints it; lines that start a list item stay their own line."
    out = []
    for line in text.strip("\n").splitlines():
        out.extend(textwrap.wrap(line, WIDTH, break_long_words=False, subsequent_indent="  " if line.startswith("- ") else "") or [""])
    return "\n".join(out)


def header(body: str, day: str, place: str, time: str) -> list[str]:
    return ["Asker kommune", "Møteprotokoll", "", wrap(NOTICE), "", f"Utvalg:       {body}", f"Møtested:     {place}",
            f"Dato:         {day}", f"Tidspunkt:    {time}", ""]


def attendance(members: list[tuple[str, str]], chair: str) -> list[str]:
    lines = ["Følgende faste medlemmer møtte:", "Navn                              Funksjon        Representerer"]
    for name, party in members:
        if name not in ABSENT:
            function = "Leder" if name == chair else "Medlem"
            lines.append(f"{name:<34}{function:<16}{party}")
    missing = [(n, p) for n, p in members if n in ABSENT]
    if missing:
        lines += ["", "Følgende medlemmer hadde forfall:", "Navn                              Funksjon        Representerer"]
        lines += [f"{name:<34}{'Medlem':<16}{party}" for name, party in missing]
        lines += ["", "Følgende varamedlemmer møtte:", "Navn                              Møtte for       Representerer"]
        lines += [f"{ABSENT[name]:<34}{name:<24}{party}" for name, party in missing]
    return lines + [""]


def minutes(body: str, genitive: str, day: str, place: str, time: str, members, cases) -> str:
    lines = header(body, day, place, time) + attendance(members, "Lene Conradi")
    lines += ["Saksliste", "", "Utvalgs-    Innhold", "saksnr"]
    lines += [f"PS {number}     {title}" for number, title, _ in cases]
    lines.append("")
    for number, title, text in cases:
        lines += [f"PS {number} {title}", "",
                  f"{genitive} behandling av sak {number.split('/')[0]}/2021 i møte den {day}:", "", wrap(text), ""]
    return "\n".join(lines) + "\n"


FRP = names_of({"FRP"})
FRP_R = names_of({"FRP", "R"})
SV_R = names_of({"SV", "R"})

# ---- Kommunestyret 15.06.2021 -----------------------------------------------------------------------
KS_CASES = [
    ("40/21", "Godkjenning av innkalling og saksliste", """
Behandling
Innkalling og saksliste ble godkjent uten merknader.

Vedtak
Innkalling og saksliste godkjennes.
"""),
    ("41/21", "Årsrapport, årsregnskap og finans- og gjeldsforvaltning 2020", """
Behandling
Ordfører Lene Conradi (H) innledet. 2020 var det første driftsåret for nye Asker kommune, og samme år ble
Norge rammet av koronapandemien. Pandemien berørte alle kommunens tjenesteområder. Ordføreren framholdt
at Asker er en stor, ny kommune med sterk økonomi og gode tjenester, og at de ansatte har levert tjenester
døgnet rundt og samtidig håndtert krisen over lang tid.

Under behandlingen av årsrapport, årsregnskap og finans- og gjeldsforvaltning ble det lagt fram forslag om
å justere budsjettet for 2021, se sak 42/21.

Innstillingen ble enstemmig vedtatt.

Vedtak
1. Kommunestyret tar årsrapporten 2020 til orientering. Rapporten viser resultater og innsats innenfor
satsingsområdene i kommuneplanen og status for handlingsprogrammet, og peker på temaer kommunen skal
arbeide videre med.
2. Kommunestyret merker seg at mange tjenester har lagt om driften for å ivareta smittevern og nye behov,
at nye tjenester er etablert, og at nye rutiner, retningslinjer og digitale løsninger er tatt i bruk.
3. Asker kommunes merutgifter til koronapandemien følges opp og rapporteres til Statsforvalteren.
Asker kommune er kompensert med 79 millioner kroner for koronautgiftene i 1. halvår. Staten har varslet
at kommunesektoren skal kompenseres fullt ut for merutgiftene.
4. Årsregnskapet for 2020 godkjennes.
5. Rapporten om finans- og gjeldsforvaltning for 2020 tas til orientering.
"""),
    ("42/21", "Budsjettjusteringer 2021", f"""
Behandling
Formannskapets innstilling forelå.

Forslag fra FrP:
Budsjettet for 2021 justeres med 45 millioner kroner. Resten av økningen dekkes ikke inn.
Forslaget falt mot 6 stemmer ({name_list(FRP)})

Innstillingen ble vedtatt mot 6 stemmer ({name_list(FRP)})

Vedtak
Budsjettet for 2021 justeres med om lag 90 millioner kroner for å styrke en rekke ulike tjenester, i tråd
med kommunedirektørens forslag til justeringer.
"""),
    ("43/21", "Strategiske mål og økonomiske rammer for handlingsprogrammet 2022-2025", f"""
Behandling
Ordføreren viste til at kommuneproposisjonen stiller kommunesektoren overfor krav om effektivisering og
omstilling, blant annet på grunn av en økende eldrebefolkning og lavere oljeinntekter. Asker kommune har
høyere gjeldsgrad enn handlingsregelen tilsier, og står overfor store investeringer de kommende årene for å
sikre skolekapasitet, sykehjemsdekning og annen infrastruktur for befolkningsveksten.

1)
Innstilling:
Formannskapets innstilling, se vedtaket nedenfor.
Dette ble satt opp mot:

2)
Ingrid Lund (SV) fremmet på vegne av SV og R følgende alternative forslag:
Kommunestyret ber om at rammene for handlingsprogrammet ikke forutsetter nye effektiviseringskrav i
helse og omsorg.
For forslag 1 stemte {67 - len(SV_R)}: {", ".join(m for m in names_of({p for p, _ in SEATS}) if m not in SV_R)}.
For forslag 2 stemte {len(SV_R)}: {", ".join(SV_R)}.
Dermed ble forslag 1 vedtatt.

Vedtak
1. Kommunestyret vedtar strategiske mål og økonomiske rammer for kommunens aktiviteter framover. Målene og
rammene gir retning for arbeidet med handlingsprogram og budsjett for neste år, også for veien ut av
koronapandemien, gjenåpningen av samfunnet og pandemiens langtidsvirkninger.
2. Planleggingen skal ta høyde for at kommunen vil merke virkningene av pandemien i flere år, blant annet for
personer som er kommet lenger unna arbeidsmarkedet, personer som har mistet habiliterings- og
rehabiliteringstilbud, og utsatte barn og unge.
3. Handlingsprogrammet 2022-2025 skal inneholde kommunens andre klimabudsjett, for perioden 2022-2025.
Klimabudsjettet konkretiserer temaplanen Handling mot klimaendringene og skal være førende for kommunens
klimaprioriteringer.
4. Tidsplan: Kommunedirektørens forslag til handlingsprogram legges fram 21. september 2021. Partienes
endringsforslag leveres innen 12. november 2021. Kommunedirektøren legger fram en tilleggsinnstilling
23. november 2021, basert på statsbudsjettet; samtidig legges sak om gebyrer for 2022 fram. Kommunestyret
vedtar handlingsprogrammet endelig 14. desember 2021.
"""),
    ("44/21", "Tilstandsrapport for grunnskolen i Asker 2020", """
Behandling
Tilstandsrapporten behandles årlig etter opplæringsloven § 13-3e, slik at skoleeier kjenner kvaliteten i
opplæringen og kan bruke den i drøfting og planlegging. Rapporten omhandler lærertetthet, tidlig innsats og
spesialundervisning, læringsmiljø, læringsresultater og gjennomføring av videregående opplæring.
Ordføreren berømmet innsatsen til ansatte, elever og foreldre gjennom pandemien.

Innstillingen ble enstemmig vedtatt.

Vedtak
1. Kommunestyret tar tilstandsrapporten for grunnskolen i Asker 2020 til orientering. Rapporten er behandlet
etter opplæringsloven § 13-3e.
2. Grunnskolen i Asker har samlet sett resultater på et høyt nivå. Elevenes faglige resultater ligger over
det nasjonale gjennomsnittet, litt under Bærum og noe høyere enn Drammen.
3. Lærernormen for lærertetthet er oppfylt på alle hovedtrinn. Andelen lærertimer til spesialundervisning er
høyere enn nasjonalt nivå. Andelen som gjennomfører og består videregående opplæring ligger godt over
nasjonalt nivå.
4. Det er variasjoner mellom skolene. Kommunedirektøren skal videreutvikle læringen mellom skolene, og
forebyggende arbeid mot mobbing og systematisk arbeid med psykisk helse skal prioriteres.
5. Pandemien har preget skolehverdagen siden 12. mars 2020. De fleste elevene ventes å klare seg godt, men en
betydelig gruppe barn og unge vil trenge ekstra oppfølging faglig, sosialt og for psykisk helse.

Protokolltilførsel fra FrP:
FrP ønsker at neste tilstandsrapport sammenligner hver enkelt skole med landsgjennomsnittet.
"""),
    ("45/21", "Temaplan for barnehage- og skolekapasitet", f"""
Behandling
Det har vært stort engasjement om temaplanen. Høringsinnspillene viser at innbyggerne er opptatt av
skolenes og barnehagenes betydning for nærmiljøet og for barn og unges oppvekst.

Forslag fra SV og R:
Behandlingen av temaplanen utsettes til høsten 2021.
Utsettelsesforslaget falt mot 6 stemmer ({name_list(SV_R)})

Innstillingen ble enstemmig vedtatt.

Vedtak
1. Kommunestyret vedtar temaplan for barnehage- og skolekapasitet. Målet er rett bygg – på rett sted – til
rett tid. Sammen med kommuneplanen skal planen bidra til å realisere område- og boligutviklingen i kommunen.
2. Planen har fem strategier:
- Utnytte kapasitet i eksisterende barnehage- og skolebygg
- Utvide eksisterende barnehager og skoler
- Midlertidige bygg og lokaler
- Bygge nye barnehager og skoler
- Sette av eller erverve tomter til framtidige barnehage- og skolebygg
3. Innsatsområdene er samlet i fire geografiske områder: Asker nord (Landøya og Torstad), Asker sentrum
(Solvang, Borgen og Risenga), Asker midt (Hovedgården, Vollen og Slemmestad) og Asker sør (Røyken,
Spikkestad, Sætre og Tofte).
4. Ved endringer i skolekretser skal geografisk tilhørighet vektlegges, og eksisterende tilknytning til
skolene ivaretas i overgangsperioder.
"""),
    ("46/21", "Temaplan fysisk aktivitet, idrett og friluftsliv", """
Behandling
Innstillingen ble enstemmig vedtatt.

Vedtak
Kommunestyret vedtar temaplan for fysisk aktivitet, idrett og friluftsliv. Planen skal legge til rette for at
alle innbyggerne har god helse og høy livskvalitet i hverdagen, gjennom aktivitetsglede, fellesskap og
mestring, et bredt aktivitetstilbud og tilgang til varierte anlegg og møteplasser for fysisk aktivitet,
idrett og friluftsliv i hele kommunen. Organisasjonslivet, næringslivet, grunneiere og private aktører
arbeider sammen med kommunen for planens mål og strategier.
"""),
    ("47/21", "Temaplan Handling mot klimaendringene", f"""
Behandling
Ordfører Lene Conradi (H) innledet: Klimautfordringene er globale, men må også løses lokalt.

Innstillingen ble vedtatt mot 6 stemmer ({name_list(FRP)})

Vedtak
1. Kommunestyret vedtar temaplanen Handling mot klimaendringene. Planen konkretiserer kommuneplanens mål om at
Asker-samfunnet handler umiddelbart mot klimaendringene og deres konsekvenser og er i front for
lavutslippssamfunnet, og viser hvordan omstilling til sirkulær økonomi inngår i alle innsatsområdene.
2. Planen bygger på Parisavtalen, der Norge har forpliktet seg til å bidra til at den globale oppvarmingen
holdes godt under 2 grader, helst under 1,5 grader, sammenlignet med førindustriell tid; på Norges løfte
om å kutte klimagassutslippene med 50-55 prosent innen 2030 sammenlignet med 1990; og på klimalovens mål
om at Norge skal bli et lavutslippssamfunn innen 2050. Satsingsområdet springer ut fra FNs bærekraftsmål
nr. 13 – Stoppe klimaendringene.
3. Kommunen legger inn ekstra innsats for å redusere utslippene på seks områder:
- Endring, ledelse og kommunikasjon
- Klimasmart mat
- Bærekraftig forbruk
- Framtidsrettede bygg og anlegg
- Grønn mobilitet
- Naturen som karbonlager
"""),
]

# ---- Formannskapet 01.06.2021 (invented meeting that prepared cases 42/21 and 43/21) ----------------
FS_SEATS = {"H": 5, "AP": 3, "MDG": 1, "FRP": 1, "V": 1, "SP": 1, "SV": 1}
FS_MEMBERS = [m for party, seats in FS_SEATS.items() for m in [x for x in MEMBERS if x[1] == party][:seats]]
FS_FRP = [f"{n} ({p})" for n, p in FS_MEMBERS if p == "FRP"]
FS_SV = [f"{n} ({p})" for n, p in FS_MEMBERS if p == "SV"]
FS_CASES = [
    ("78/21", "Budsjettjusteringer 2021", f"""
Behandling
Kommunedirektørens innstilling ble vedtatt mot 1 stemme ({name_list(FS_FRP)})

Vedtak
Formannskapet innstiller til kommunestyret:
Budsjettet for 2021 justeres med om lag 90 millioner kroner for å styrke en rekke ulike tjenester, i tråd
med kommunedirektørens forslag til justeringer.
"""),
    ("79/21", "Strategiske mål og økonomiske rammer for handlingsprogrammet 2022-2025", f"""
Behandling
Forslag fra SV:
Rammene skal ikke forutsette nye effektiviseringskrav i helse og omsorg.
Forslaget falt mot 1 stemme ({name_list(FS_SV)})

Kommunedirektørens innstilling ble enstemmig vedtatt.

Vedtak
Formannskapet innstiller til kommunestyret:
Kommunestyret vedtar strategiske mål og økonomiske rammer for kommunens aktiviteter framover, som
retning for arbeidet med handlingsprogram 2022-2025 og budsjett 2022.
"""),
]

SAKSFRAMLEGG = f"""Saksframlegg: Strategiske mål og økonomiske rammer for handlingsprogrammet 2022-2025
Asker kommune

{wrap(NOTICE)}

Saksnr.: 21/1234 (oppdiktet)

Saksgang
Utvalg              Møtedato     Saksnr.
Formannskapet       01.06.2021   79/21
Kommunestyret       15.06.2021   43/21

Kommunedirektørens innstilling
Kommunestyret vedtar strategiske mål og økonomiske rammer for kommunens aktiviteter framover, som retning
for arbeidet med handlingsprogram 2022-2025 og budsjett 2022.

Saksutredning

Bakgrunn
{wrap('''Kommuneproposisjonen viser at kommunesektoren står overfor krav om effektivisering og omstilling i årene som kommer, blant annet fordi eldrebefolkningen øker og oljeinntektene blir lavere.
Asker kommune har en høyere gjeldsgrad enn handlingsregelen tilsier. Kommunen står likevel overfor store investeringer de kommende årene for å sikre tilstrekkelig skolekapasitet, sykehjemsdekning og annen infrastruktur som skal understøtte befolkningsveksten.''')}

Etter korona
{wrap('''Slitasje i kommunal sektor etter halvannet år med korona, behovet for langsiktige tiltak og tilstrekkelige rammer for å håndtere pandemiens langtidsvirkninger diskuteres i kommunene og mellom Kommunenes sentralforbund (KS) og regjeringen. Kommunedirektøren legger til grunn at kommunene vil merke virkningene av pandemien i flere år, blant annet for personer som er kommet lenger unna arbeidsmarkedet, personer som har mistet habiliterings- og rehabiliteringstilbud, og utsatte barn og unge.''')}

Klimabudsjett
{wrap('''Asker kommune vil i neste handlingsprogram legge fram sitt andre klimabudsjett, for 2022-2025. Klimabudsjettet konkretiserer den vedtatte temaplanen for handling mot klimaendringer.''')}

Videre arbeid
{wrap('''Kommunedirektørens forslag til handlingsprogram legges fram 21. september. Partienes endringsforslag skal leveres 12. november. Basert på statsbudsjettet legger kommunedirektøren fram en tilleggsinnstilling 23. november, sammen med sak om gebyrer for 2022. Endelig vedtak av handlingsprogrammet skjer i kommunestyret 14. desember. Kommuneplanen gir de overordnede målene for kommunens utvikling.''')}
"""


def write_pdf(text: str, path: Path, title: str) -> None:
    "Printed line by line in a fixed-width font, as records systems print minutes; 60 lines a page."
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path), pagesize=A4, invariant=True)
    page.setTitle(title)
    page.setFont("Courier", 7.5)
    y = 800
    for line in text.splitlines():
        if y < 50:
            page.showPage()
            page.setFont("Courier", 7.5)
            y = 800
        page.drawString(40, y, line)
        y -= 12.5
    page.showPage()
    page.save()


def write_docx(text: str, path: Path, title: str) -> None:
    "One paragraph per line, the attendance columns as tabs (Word keeps them, as exported minutes do)."
    import re

    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = "Demo"
    for line in text.splitlines():
        document.add_paragraph(re.sub(r" {2,}", "\t", line))
    document.save(str(path))


def main() -> None:
    ks = minutes("Kommunestyret", "Kommunestyrets", "15.06.2021", "Asker rådhus, kommunestyresalen", "18:00 - 23:10",
                 MEMBERS, KS_CASES)
    fs = minutes("Formannskapet", "Formannskapets", "01.06.2021", "Asker rådhus, møterom Formannskapssalen",
                 "09:00 - 12:30", FS_MEMBERS, FS_CASES)
    write_pdf(ks, HERE / "asker-kommunestyret-2021-06-15-moteprotokoll.pdf", "Møteprotokoll Kommunestyret 15.06.2021")
    write_docx(fs, HERE / "asker-formannskapet-2021-06-01-moteprotokoll.docx", "Møteprotokoll Formannskapet 01.06.2021")
    (HERE / "asker-saksframlegg-strategiske-mal-2022-2025.txt").write_text(SAKSFRAMLEGG, encoding="utf-8")


if __name__ == "__main__":
    main()
