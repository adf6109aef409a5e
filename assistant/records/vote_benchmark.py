"""The vote parser against the hand-checked fasit (shared/corpus/minutes/fasit/steinkjer): the share of votes
with exact counts and outcome, and of votes whose members are named exactly.

    python -m assistant.records.vote_benchmark [SHARED_MINUTES_DIR] [--json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .votes import Member, Vote, fold, parse_votes


def _fasit_counts(vote: dict) -> tuple:
    if vote["alternativer"]:
        return ("alt", tuple((a["forslag"], a["antall"]) for a in vote["alternativer"]))
    return (vote["antall_for"], vote["antall_mot"])


def _our_counts(vote: Vote) -> tuple:
    if vote.alternatives:
        return ("alt", tuple((a.label, a.count) for a in vote.alternatives))
    return (vote.for_.count or 0, vote.against.count or 0)


def _fasit_members(vote: dict) -> tuple:
    if vote["alternativer"]:
        return tuple(frozenset(fold(n) for n in a["navn"]) for a in vote["alternativer"])
    return (frozenset(fold(n) for n in vote["for"]), frozenset(fold(n) for n in vote["mot"]))


def _our_members(vote: Vote) -> tuple:
    if vote.alternatives:
        return tuple(frozenset(fold(m.name) for m in a.members) for a in vote.alternatives)
    return (frozenset(fold(m.name) for m in vote.for_.members), frozenset(fold(m.name) for m in vote.against.members))


def _exact_names(fasit: dict, ours: Vote) -> bool:
    "Names as the fasit spells them (after resolution to the attendance list), not only folded."
    if fasit["alternativer"]:
        theirs = [sorted(a["navn"]) for a in fasit["alternativer"]]
        mine = [sorted(m.name for m in a.members) for a in ours.alternatives]
    else:
        theirs = [sorted(fasit["for"]), sorted(fasit["mot"])]
        mine = [sorted(m.name for m in ours.for_.members), sorted(m.name for m in ours.against.members)]
    return theirs == mine


def cases(minutes_dir: Path) -> list[tuple[str, str, list[dict], list[Member] | None]]:
    """(name, text, fasit votes, roster) for every fasit file with votes."""
    fasit_dir = minutes_dir / "fasit" / "steinkjer"
    records = {}
    with open(minutes_dir / "steinkjer_2026.jsonl", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            records[record["id"]] = record
    found = []
    for path in sorted(fasit_dir.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if not data.get("voteringer"):
            continue
        if path.stem.startswith("mote-"):
            meeting = int(path.stem.split("-")[1])
            roster = [Member(p["navn"], p.get("repr")) for p in data.get("oppmote", [])]
            in_meeting = sorted((r for r in records.values() if r.get("meeting_id") == meeting),
                                key=lambda r: int(r["case_number"].split()[1].split("/")[0]))
            by_case: dict[str, list[dict]] = {}
            for vote in data["voteringer"]:
                by_case.setdefault(vote["saksnr"].split("/")[0].split()[-1], []).append(vote)
            for record in in_meeting:
                number = record["case_number"].split()[1].split("/")[0]
                found.append((f"{path.stem}/{record['id']}", record["text"], by_case.get(number, []), roster))
        else:
            text_file = path.with_suffix(".txt")
            record_id = "steinkjer-" + path.stem.split("-")[1]
            text = text_file.read_text(encoding="utf-8") if text_file.exists() else records.get(record_id, {}).get("text")
            if text:
                found.append((path.stem, text, data["voteringer"], None))
    return found


def run(minutes_dir: Path) -> dict[str, Any]:
    total = counts_ok = outcome_ok = both_ok = members_ok = names_ok = parsed_total = 0
    failures = []
    for name, text, fasit_votes, roster in cases(minutes_dir):
        ours = parse_votes(text, roster)
        parsed_total += len(ours)
        for position, fasit in enumerate(fasit_votes):
            total += 1
            mine = ours[position] if position < len(ours) else None
            counts = mine is not None and _our_counts(mine) == _fasit_counts(fasit)
            outcome = mine is not None and mine.outcome == fasit["resultat"]
            members = mine is not None and _our_members(mine) == _fasit_members(fasit)
            exact = mine is not None and _exact_names(fasit, mine)
            counts_ok += counts
            outcome_ok += outcome
            both_ok += counts and outcome
            members_ok += members
            names_ok += exact
            if not (counts and outcome and members and exact):
                failures.append({"file": name, "vote": position + 1, "fasit": [_fasit_counts(fasit), fasit["resultat"]],
                                 "ours": [_our_counts(mine), mine.outcome] if mine else None,
                                 "members_ok": members, "names_exact": exact})
    return {
        "fasit_votes": total, "parsed_votes": parsed_total,
        "counts_and_outcome": both_ok / total if total else 0.0, "counts": counts_ok / total if total else 0.0,
        "outcome": outcome_ok / total if total else 0.0, "members_folded": members_ok / total if total else 0.0,
        "members_exact": names_ok / total if total else 0.0, "failures": failures,
    }


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args
    args = [a for a in args if a != "--json"]
    minutes_dir = Path(args[0]) if args else Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "minutes"
    report = run(minutes_dir)
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    else:
        print(f"fasit votes {report['fasit_votes']} (parsed {report['parsed_votes']} in the same texts)")
        for key in ("counts_and_outcome", "counts", "outcome", "members_folded", "members_exact"):
            print(f"  {key}: {report[key]:.3f}")
        for failure in report["failures"]:
            print("  miss:", failure)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
