"""`assistant sync elements`: fetch published meeting records from an Elements Publikum portal and ingest
them with the portal's metadata (body, meeting date, case number, title, case id, the case's path).

The portal's JSON API (mapped in ../shared/corpus/minutes/portal_replay/README.md): the year's meetings,
each meeting's agenda (one treatment per case), each treatment with its registry entry (the case's
documents) and the same case's treatments in other bodies. Incremental: a meeting whose agenda did not
change and whose treatments are all in is not read further; a treatment's documents are fetched again
only when its agenda entry changed; bytes equal to what was ingested are not ingested again."""

from __future__ import annotations

import hashlib
import json
import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from ..config import Settings
from ..errors import AssistantError
from .http import NotFound, PoliteClient, PortalError, Unreachable

# Tenants whose municipality is known (Elements names the tenant by the municipality's organisation number).
KNOWN_TENANTS = {"840029212": "Steinkjer"}
from .report import SyncReport
from .state import SyncState, fingerprint, source_lock, write_atomically

# Body short codes as people type them, and the names portals give those bodies.
BODY_CODES = {
    "KS": ("kommunestyre", "kommunestyret", "bystyre", "bystyret", "heradsstyre", "heradsstyret"),
    "FS": ("formannskap", "formannskapet"),
    "FU": ("forretningsutvalg", "forretningsutvalget"),
}
FORMATS = {"RA-PDF": ".pdf", "PDF": ".pdf", "PDFA": ".pdf", "DOCX": ".docx", "RA-DOCX": ".docx"}


@dataclass
class Portal:
    "A portal address as people open it, and what its API needs."
    url: str
    origin: str
    tenant: str

    @classmethod
    def parse(cls, url: str) -> "Portal":
        parts = urlsplit(url.strip())
        path = [p for p in parts.path.split("/") if p]
        if parts.scheme not in ("http", "https") or "publikum" not in path or path.index("publikum") + 1 >= len(path):
            raise AssistantError(f"not an Elements portal address: {url!r} (expected …/publikum/<tenant>, e.g. "
                                 "https://prod01.elementscloud.no/publikum/840029212_PROD-840029212)")
        tenant = path[path.index("publikum") + 1]
        return cls(url, f"{parts.scheme}://{parts.netloc}/" + "/".join(path[:path.index("publikum") + 1]), tenant)

    def api(self, path: str) -> str:
        return f"{self.origin}/api/{path}"

    def document(self, path: str) -> str:
        return f"{self.origin}/Documents/{path}"


class ElementsSync:
    def __init__(self, settings: Settings, portal_url: str, municipality: str | None = None,
                 ingest: Callable[[list[Path]], Any] | None = None, client: PoliteClient | None = None,
                 today: date | None = None):
        self.settings = settings
        self.portal = Portal.parse(portal_url)
        self.municipality = municipality or KNOWN_TENANTS.get(self.portal.tenant.split("_")[0])
        if not self.municipality:
            raise AssistantError(f"which municipality is portal tenant {self.portal.tenant}? Name it: --municipality NAME")
        self.prefix = _slug(self.municipality)
        self.folder = settings.data_dir / "sync" / f"elements-{_slug(self.portal.tenant)}"
        self.files = self.folder / "files"
        self.client = client or PoliteClient(settings.sync_requests_per_s, settings.sync_timeout_s, settings.sync_retries,
                                             settings.sync_backoff_s, settings.sync_contact,
                                             headers={"tenant": self.portal.tenant, "Accept": "application/json"})
        self._ingest = ingest
        self.today = today or date.today()

    # ---- the run ------------------------------------------------------------------------------------
    def run(self, since: date | None = None, bodies: list[str] | None = None) -> SyncReport:
        started = time.perf_counter()
        report = SyncReport()
        with source_lock(self.folder):
            state = SyncState(self.folder)
            try:
                for meeting in self._meetings(since, bodies, report):
                    self._meeting(meeting, state, report)
                    state.save()  # after each meeting: a killed run resumes from here
            finally:
                report.requests = self.client.requests
                report.seconds = time.perf_counter() - started
        return report

    def _meetings(self, since: date | None, bodies: list[str] | None, report: SyncReport) -> list[dict]:
        first_year = (since or self.today).year
        listed: list[dict] = []
        for year in range(first_year, self.today.year + 1):
            listed += self._json(self.portal.api(f"PredefinedQuery/DmbMeetings?year={year}"), required=True) or []
        wanted = [b.strip() for b in bodies or [] if b.strip()]
        chosen = []
        for meeting in listed:
            day = _day(meeting.get("MO_START"))
            if day is None or day > self.today or (since and day < since):
                continue  # a meeting not yet held has no protocol
            if wanted and not self._body_matches(meeting, wanted):
                continue
            chosen.append(meeting)
        return sorted(chosen, key=lambda m: (str(m.get("MO_START")), m.get("MO_ID")))

    def _body_matches(self, meeting: dict, wanted: list[str]) -> bool:
        name = str(meeting.get("UT_NAVN") or "").casefold()
        for body in wanted:
            if body.casefold() == name or name in BODY_CODES.get(body.upper(), ()):
                return True
        if any(b.upper() not in BODY_CODES and b.casefold() != name for b in wanted):
            # An unknown short code: the meeting's details name the body's code.
            details = self._json(self.portal.api(f"Meetings/{meeting['MO_ID']}")) or {}
            code = str((details.get("DMB") or {}).get("ShortCode") or "").upper()
            return code in {b.upper() for b in wanted}
        return False

    def _meeting(self, meeting: dict, state: SyncState, report: SyncReport) -> None:
        report.meetings += 1
        meeting_id = str(meeting["MO_ID"])
        agenda = self._json(self.portal.api(f"DmbHandlings/GetByMeetingId/{meeting_id}"))
        if agenda is None:
            report.fail(self.portal.api(f"DmbHandlings/GetByMeetingId/{meeting_id}"), "agenda not readable")
            return
        report.treatments += len(agenda)
        agenda_print = fingerprint(agenda)
        known = state.meetings.get(meeting_id, {})
        if known.get("agenda") == agenda_print and all(state.treatments.get(str(t.get("Id")), {}).get("done") for t in agenda):
            return  # nothing on this meeting changed since it was last read in full
        downloaded: list[tuple[Path, str, str]] = []  # (file, url, sha) waiting for ingest
        pending: dict[str, list[str]] = {}  # treatment id → its document urls in this batch
        for entry in agenda:
            treatment_id = str(entry.get("Id"))
            entry_print = fingerprint(entry)
            seen = state.treatments.get(treatment_id, {})
            if seen.get("entry") == entry_print and seen.get("done"):
                continue
            # A treatment read before whose agenda entry changed may have new documents; a new one only
            # fetches what is not in yet (a case document its earlier treatment brought).
            changed_entry = bool(seen) and seen.get("entry") != entry_print
            urls = self._treatment(entry, meeting, state, report, downloaded, refetch=changed_entry)
            state.treatments[treatment_id] = {"entry": entry_print, "done": False}
            if urls is not None:  # None: the treatment itself was not readable; it stays not done
                pending[treatment_id] = urls
        failed_urls = self._ingest_batch(downloaded, state, report)
        for treatment_id, urls in pending.items():
            state.treatments[treatment_id]["done"] = not (set(urls) & failed_urls) and all(u in state.documents for u in urls)
        state.meetings[meeting_id] = {"agenda": agenda_print}

    def _treatment(self, entry: dict, meeting: dict, state: SyncState, report: SyncReport,
                   downloaded: list, refetch: bool) -> list[str] | None:
        """The treatment's documents, fetched where new or (when its agenda entry changed) maybe changed:
        the urls it expects in the index, or None when the treatment itself could not be read."""
        treatment_id = entry.get("Id")
        url = self.portal.api(f"DmbHandlings/{treatment_id}")
        details = self._json(url)
        if details is None:
            report.fail(url, "treatment not readable")
            return None
        expected: list[str] = []
        if not entry.get("Title") and not details.get("Title"):
            report.skipped["restricted treatment (no title)"] += 1
            return expected
        database = details.get("Database") or meeting.get("Database")
        if not details.get("ProtocolPublished", entry.get("ProtocolPublished")):
            report.skipped["protocol not published"] += 1
        elif details.get("ProtocolRestricted", entry.get("ProtocolRestricted")):
            report.skipped["protocol restricted"] += 1
        else:
            protocol_url = self.portal.document(f"ShowDmbHandlingDocument/{database}/{treatment_id}/Protokoll")
            if self._fetch(protocol_url, ".pdf", self._protocol_sidecar(details, meeting, protocol_url), state, report,
                           downloaded, refetch):
                expected.append(protocol_url)
        registry = details.get("RegistryEntry") or {}
        for item in registry.get("Documents") or []:
            description = item.get("DocumentDescription") or {}
            doc_url = self.portal.document(f"ShowDocument/{database}/{registry.get('Id')}/{description.get('Id')}")
            if not description.get("IsPublished") or description.get("AccessCodeId"):
                report.skipped["case document not published or restricted"] += 1
                continue
            suffix = FORMATS.get(str(description.get("FileFormatId") or "").upper())
            if suffix is None:
                report.skipped[f"case document in format {description.get('FileFormatId')}"] += 1
                continue
            sidecar = self._document_sidecar(description, item, registry, details, doc_url)
            if self._fetch(doc_url, suffix, sidecar, state, report, downloaded, refetch):
                expected.append(doc_url)
        return expected

    # ---- documents -----------------------------------------------------------------------------------
    def _fetch(self, url: str, suffix: str, sidecar: dict, state: SyncState, report: SyncReport, downloaded: list,
               refetch: bool) -> bool:
        """Download one document unless it is in and nothing suggests it changed; True when it belongs in
        the index (fetched now or before)."""
        if url in state.documents and not refetch:
            return True
        if any(d[1] == url for d in downloaded):
            return True  # a case document shared by two treatments of one meeting: fetched once
        try:
            content = self.client.get(url).content
        except NotFound:
            report.skipped["document withdrawn (404)"] += 1
            return False
        except Unreachable as exc:  # a PortalError (a 4xx refusal) stops the run
            report.fail(url, str(exc))
            return True
        problem = _check_bytes(content, suffix)
        if problem:
            report.fail(url, problem)
            return True
        sha = hashlib.sha256(content).hexdigest()
        known = state.documents.get(url)
        if known and known.get("sha") == sha and (self.files / known.get("file", "")).exists():
            report.unchanged += 1
            return True
        name = f"{sidecar['id']}{suffix}"
        write_atomically(self.files / (name + ".meta.json"), json.dumps(sidecar, ensure_ascii=False, indent=1).encode("utf-8"))
        write_atomically(self.files / name, content)
        downloaded.append((self.files / name, url, sha))
        return True

    def _ingest_batch(self, downloaded: list[tuple[Path, str, str]], state: SyncState, report: SyncReport) -> set[str]:
        if not downloaded:
            return set()
        result = self._ingest([d[0] for d in downloaded]) if self._ingest else None
        failed_files = {str(Path(name).resolve()): reason for name, reason in getattr(result, "failed", [])}
        failed_urls = set()
        for file, url, sha in downloaded:
            reason = failed_files.get(str(file.resolve()))
            if reason is not None:
                report.fail(url, f"not ingested: {reason}")
                failed_urls.add(url)
                continue
            if url in state.documents:
                report.changed += 1
            else:
                report.new += 1
            state.documents[url] = {"sha": sha, "file": file.name, "doc_id": file.stem}
            report.ingested.append(file.stem)
        return failed_urls

    # ---- metadata ------------------------------------------------------------------------------------
    def _protocol_sidecar(self, details: dict, meeting: dict, url: str) -> dict:
        path = _case_path(details, self.prefix)
        case_id = _case_id(details)
        metadata = {
            "body": (details.get("Dmb") or {}).get("Name") or meeting.get("UT_NAVN"),
            "date": _iso(((details.get("Meeting") or {}).get("StartDate")) or meeting.get("MO_START")),
            "case_number": _case_number(details), "doc_type": "saksprotokoll", "url": url,
            "case_id": case_id, "case_type": details.get("MeetingCaseTypeId"),
            "meeting_id": details.get("MeetingId") or meeting.get("MO_ID"),
            "case_path": json.dumps(path, ensure_ascii=False), "source": f"elements:{self.portal.tenant}",
            "municipality": self.municipality,
        }
        return {"id": f"{self.prefix}-{details.get('Id')}", "title": details.get("Title"), "metadata": metadata}

    def _document_sidecar(self, description: dict, item: dict, registry: dict, details: dict, url: str) -> dict:
        case_id = _case_id(details)
        kind = "saksframlegg" if item.get("DocumentLinkTypeId") == "SF" else "vedlegg"
        metadata = {"doc_type": kind, "url": url, "date": _iso(registry.get("DocumentDate")), "municipality": self.municipality,
                    "case_id": case_id, "source": f"elements:{self.portal.tenant}"}
        return {"id": f"{self.prefix}-doc-{description.get('Id')}", "title": description.get("DocumentTitle"), "metadata": metadata}

    def _json(self, url: str, required: bool = False) -> Any:
        try:
            return self.client.get(url).json()
        except NotFound:
            if required:
                raise PortalError(f"404 for {url}: is this an Elements portal, and the tenant right?") from None
            return None
        except Unreachable as exc:
            if required:
                raise AssistantError(f"the portal did not answer {url}: {exc}") from exc
            return None
        except ValueError:
            if required:
                raise AssistantError(f"the portal sent something that is not JSON for {url}") from None
            return None


def _case_path(details: dict, prefix: str) -> list[dict]:
    "This treatment and the same case's treatments in other bodies, oldest first (the JSONL's case_path)."
    steps = [details, *(details.get("AdditionalDmbHandlings") or [])]
    path = [{"treatment_id": f"{prefix}-{s.get('Id')}", "body": (s.get("Dmb") or {}).get("Name"),
             "date": _iso((s.get("Meeting") or {}).get("StartDate")), "case_number": _case_number(s)} for s in steps]
    # By date, then body: the order the shared JSONL has (all 149 recorded treatments).
    return sorted(path, key=lambda s: (s["date"] or "", str(s["body"] or "")))


def _case_id(details: dict) -> int | None:
    """One id for all treatments of a case: the lowest treatment id among the case's treatments in the year
    of this one (the convention of the shared JSONL, which it matches for all 367 records)."""
    year = str((details.get("Meeting") or {}).get("StartDate") or "")[:4]
    steps = [details, *(details.get("AdditionalDmbHandlings") or [])]
    ids = [s["Id"] for s in steps if isinstance(s.get("Id"), int) and str((s.get("Meeting") or {}).get("StartDate") or "")[:4] == year]
    return min(ids) if ids else details.get("Id")


def _case_number(treatment: dict) -> str | None:
    if treatment.get("SequenceNumber") is None or not treatment.get("Year"):
        return None
    return f"{treatment.get('MeetingCaseTypeId') or 'PS'} {treatment['SequenceNumber']}/{treatment['Year']}"


def _iso(value: Any) -> str | None:
    day = _day(value)
    return day.isoformat() if day else None


def _day(value: Any) -> date | None:
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", str(value or ""))
    if not match or match.group(1) == "0001":
        return None
    return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))


def _check_bytes(content: bytes, suffix: str) -> str | None:
    "A truncated or mislabelled download is caught before it reaches the index (and fetched again next run)."
    if not content:
        return "empty response"
    if suffix == ".pdf":
        if not content.startswith(b"%PDF"):
            return "not a PDF (no %PDF header)"
        if b"%%EOF" not in content[-2048:]:
            return "truncated PDF (no %%EOF at the end)"
    if suffix == ".docx" and not content.startswith(b"PK"):
        return "not a DOCX (not a zip archive)"
    return None


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("ø", "o").replace("Ø", "O").replace("æ", "ae").replace("Æ", "AE"))
    return re.sub(r"[^a-z0-9]+", "-", folded.encode("ascii", "ignore").decode().lower()).strip("-") or "portal"
