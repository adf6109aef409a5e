"""Meeting records: møteprotokoll, saksprotokoll and saksframlegg as councils publish them.

The record's parts and their roles (innstilling, proposals, votes, VEDTAK), votes as data, a case's path
through the bodies, whole minutes split into cases, and a check of a draft protocol. This package uses
the core (analysis, documents, metadata, store); the core does not depend on it, except where the
orchestrators (ingest, service, cli) call in."""
