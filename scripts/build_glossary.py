"""Build the English → Norwegian glossary shipped in assistant/models/glossary_en.json from a hand-written
list (scripts/glossary_en.txt: "english: norsk ord …"), keeping an entry only where one of its Norwegian words
is among the most widespread terms of the council corpora (Lovtidend's council-adopted regulations and
Steinkjer's 2026 minutes), or belongs to a closed class (weekdays, months, holidays, seasons, times of day).
So the glossary is set by what the documents say, not by the questions it is measured on.

    python scripts/build_glossary.py ../shared [TOP]
    python scripts/build_glossary.py ../shared --uncovered   # the minutes' widespread words no entry covers yet"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOSED = {"time", "day", "days", "week", "weekday", "weekdays", "weekend", "month", "year", "years", "morning",
          "evening", "night", "midnight", "summer", "winter", "autumn", "spring", "monday", "tuesday", "wednesday",
          "thursday", "friday", "saturday", "sunday", "sundays", "holiday", "public holiday", "christmas",
          "christmas eve", "new year's eve", "easter", "whitsun", "january", "february", "march", "april", "may",
          "june", "july", "august", "september", "october", "november", "december"}


MINUTES = "corpus/minutes/steinkjer_2026.jsonl"


def document_frequency(sources: list[Path]) -> collections.Counter:
    "In how many documents (JSONL rows: title and text) of the sources each analysed term occurs."
    from assistant.analysis import analyze

    df: collections.Counter = collections.Counter()
    for source in sources:
        for line in source.open(encoding="utf-8"):
            row = json.loads(line)
            df.update(set(analyze(f"{row.get('title', '')} {row.get('text', '')}")))
    return df


def widespread(shared: Path, top: int) -> set[str]:
    df = document_frequency([shared / "corpus/lovtidend/council_adopted.jsonl", shared / MINUTES])
    return {term for term, _ in df.most_common(top)}


def uncovered(shared: Path, top: int = 700) -> list[str]:
    """The Steinkjer minutes' most widespread terms that no Norwegian word of the glossary covers: where English
    questions about meeting records find no Norwegian word to match."""
    from assistant.analysis import analyze

    entries = json.loads((ROOT / "assistant/models/glossary_en.json").read_text(encoding="utf-8"))["entries"]
    covered = {term for words in entries.values() for word in words for term in analyze(word)}
    return [t for t, _ in document_frequency([shared / MINUTES]).most_common(top)
            if t not in covered and not t.isdigit() and len(t) > 3]


def main(shared: str, top: int = 3000) -> None:
    from assistant.analysis import analyze

    known = widespread(Path(shared), top)
    glossary: dict[str, list[str]] = {}
    dropped = []
    seen: set[str] = set()
    for line in (ROOT / "scripts/glossary_en.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        english, norwegian = (part.strip() for part in line.split(":", 1))
        if english in seen:
            raise SystemExit(f"'{english}' is listed twice in scripts/glossary_en.txt: one entry would silently replace the other")
        seen.add(english)
        words = norwegian.split()
        if english in CLOSED or any(set(analyze(w)) & known for w in words):
            glossary[english] = words
        else:
            dropped.append(english)
    out = ROOT / "assistant/models/glossary_en.json"
    out.write_text(json.dumps({"about": __doc__.split("\n\n")[0], "top_terms": top, "entries": glossary},
                              ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{len(glossary)} entries kept, {len(dropped)} dropped: {', '.join(dropped)}", file=sys.stderr)


if __name__ == "__main__":
    if "--uncovered" in sys.argv:
        print(" ".join(uncovered(Path(sys.argv[1]))))
    else:
        main(sys.argv[1], *(int(a) for a in sys.argv[2:3]))
