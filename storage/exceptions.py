"""Errors raised by the storage layer; each says who raises it and what the user can do."""

from __future__ import annotations


class StorageError(Exception):
    """Base class of every error the storage layer raises."""


class ArchiveError(StorageError):
    """Raised by :class:`storage.archive.Archive` when the archive folder cannot be used."""


class ArchiveFullError(ArchiveError):
    """Raised by the WARC writer when the disk is full; the file ends at a record boundary."""


class DatabaseError(StorageError):
    """Raised when the database cannot be opened or migrated."""


class RecordNotFoundError(StorageError):
    """Raised by the WARC reader when no record sits at the given file and offset."""


class DigestMismatchError(StorageError):
    """Raised by the WARC reader when a record's bytes do not match its recorded digests."""


class ScheduleError(StorageError):
    """Raised by :mod:`storage.schedules` for an unknown or duplicate schedule name."""
