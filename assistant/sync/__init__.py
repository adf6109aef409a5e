"""Keeping the index current from where municipalities publish: an Elements portal (`sync elements`) or a
folder an archive system exports into (`sync folder`). Both ingest through the one Ingestor, so what they
bring is indexed, verified and searchable exactly like a file given to `assistant ingest`."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from ..config import Settings
from ..errors import AssistantError
from .report import SyncReport


def sync_elements(settings: Settings, portal_url: str, since: date | None = None, bodies: list[str] | None = None,
                  municipality: str | None = None, today: date | None = None) -> SyncReport:
    from ..ingest import Ingestor
    from .elements import ElementsSync

    ingestor: list[Ingestor] = []  # the model is loaded only when something new is to be embedded

    def ingest(files: list[Path]):
        if not ingestor:
            ingestor.append(Ingestor(settings))
        return ingestor[0].run(files)

    syncer = ElementsSync(settings, portal_url, municipality, ingest=ingest, today=today)
    try:
        return syncer.run(since, bodies)
    finally:
        syncer.client.close()


def sync_folder(settings: Settings, folder: Path) -> SyncReport:
    """Everything under the folder, ingested incrementally (an unchanged file is not embedded again); a file's
    sidecar FILE.meta.json gives its id, title and fields (body, date, case number, case path …)."""
    from ..ingest import Ingestor

    if not folder.is_dir():
        raise AssistantError(f"{folder}: not a folder")
    started = time.perf_counter()
    result = Ingestor(settings).run([folder])
    report = SyncReport(new=len(result.added), changed=len(result.updated), unchanged=len(result.unchanged))
    for name, reason in result.failed:
        report.fail(str(name), reason)
    report.ingested = list(result.added) + list(result.updated)
    report.seconds = time.perf_counter() - started
    return report
