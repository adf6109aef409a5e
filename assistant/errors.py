class AssistantError(Exception):
    "Base class for errors the assistant reports to the user."


class LoadError(AssistantError):
    "A single input could not be read; the others still go in."


class IndexMismatchError(AssistantError):
    "The index was built with another embedder or format than the one configured."


class LockedError(AssistantError):
    "Another process is writing to the same data directory."
