"""What one sync run did, in the one JSON shape the command line, the API and the tests share."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SyncReport:
    meetings: int = 0
    treatments: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason → count
    failures: list[dict[str, str]] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0
    ingested: list[str] = field(default_factory=list)  # document ids added or changed in the index

    def fail(self, url: str, reason: str) -> None:
        self.failures.append({"url": url, "reason": reason})

    def as_json(self) -> dict[str, Any]:
        return {
            "meetings": self.meetings, "treatments": self.treatments,
            "documents": {"new": self.new, "changed": self.changed, "unchanged": self.unchanged,
                          "skipped": sum(self.skipped.values()), "failed": len(self.failures)},
            "skipped": dict(self.skipped), "failures": self.failures, "requests": self.requests,
            "seconds": round(self.seconds, 1), "ingested": self.ingested,
        }

    def as_text(self) -> str:
        docs = self.as_json()["documents"]
        lines = [f"{self.meetings} meetings, {self.treatments} treatments read; documents: {docs['new']} new, "
                 f"{docs['changed']} changed, {docs['unchanged']} unchanged, {docs['skipped']} skipped, "
                 f"{docs['failed']} failed ({self.requests} requests, {self.seconds:.0f} s)"]
        lines += [f"  skipped: {count} {reason}" for reason, count in sorted(self.skipped.items())]
        lines += [f"  failed: {f['url']}: {f['reason']}" for f in self.failures[:20]]
        if len(self.failures) > 20:
            lines.append(f"  … and {len(self.failures) - 20} more")
        return "\n".join(lines)
