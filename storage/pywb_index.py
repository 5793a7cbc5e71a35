"""A pywb collection over the archive's own WARC folder, with an index kept current.

``reftrail serve --pywb`` runs pywb beside the app. pywb reads the WARC files where the
crawler wrote them (``warcs/``, never copied) through a collection configured in
``<archive>/pywb/config.yaml``; its index is a folder of CDXJ files, one per closed WARC file,
which pywb merges at query time and re-reads when the folder changes. So a WARC file that
closes while pywb runs becomes replayable as soon as :meth:`PywbCollection.sync` has indexed
it, without restarting pywb. Files still being written (``.open``) are left out: pywb could
not read a record the writer has not flushed. The exclusion list becomes a pywb access-control
file (``acl/exclusions.aclj``), so an excluded capture is not served by pywb either.

Indexing uses ``cdxj-indexer``, the indexer pywb's tools use, so the keys are pywb's own.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from storage.archive import Archive
from storage.exclusions import list_exclusions
from storage.warc.writer import OPEN_SUFFIX

log = logging.getLogger(__name__)

COLLECTION = "reftrail"
WARC_SUFFIXES = (".warc.gz", ".warc")
INDEX_SUFFIX = ".cdxj"
ACL_FILE = "exclusions.aclj"


@dataclass
class SyncReport:
    """What one :meth:`PywbCollection.sync` changed."""

    indexed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    acl_rules: int | None = None  # set when the access-control file was rewritten


class PywbCollection:
    """The ``reftrail`` pywb collection of an archive: config, per-WARC CDXJ files, ACL."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.root = archive.root / "pywb"
        self.index_dir = self.root / "indexes"
        self.acl_dir = self.root / "acl"
        self._failed: dict[str, float] = {}  # WARC name -> mtime it failed at (not retried)
        self._acl = ""

    @property
    def config_path(self) -> Path:
        return self.root / "config.yaml"

    def prepare(self, *, framed: bool = False) -> None:
        """Create the folders and write ``config.yaml`` (rewritten at every start, so a moved
        archive still points at its own folders)."""
        for folder in (self.index_dir, self.acl_dir):
            folder.mkdir(parents=True, exist_ok=True)

        def path(folder: Path) -> str:  # JSON strings are YAML strings: any path is safe
            return json.dumps(str(folder.resolve()) + os.sep)

        self.config_path.write_text(
            "# Written by `reftrail serve --pywb` at each start; edits are overwritten.\n"
            "# pywb replays the archive's WARC files in place from the index reftrail keeps.\n"
            f"framed_replay: {'true' if framed else 'false'}\n"
            "enable_auto_colls: false\n"
            "collections:\n"
            f"  {COLLECTION}:\n"
            f"    index_paths: {path(self.index_dir)}\n"
            f"    archive_paths: {path(self.archive.warc_dir)}\n"
            f"    acl_paths: {path(self.acl_dir)}\n",
            encoding="utf-8",
        )

    def closed_warcs(self) -> dict[str, os.stat_result]:
        """Closed WARC files by name (``.open`` ones are still being written)."""
        found = {}
        with os.scandir(self.archive.warc_dir) as entries:
            for entry in entries:
                if entry.name.endswith(OPEN_SUFFIX) or not entry.name.endswith(WARC_SUFFIXES):
                    continue
                if entry.is_file():
                    found[entry.name] = entry.stat()
        return found

    def sync(self) -> SyncReport:
        """Index every closed WARC file not indexed yet (or changed since, e.g. cut back by
        ``verify --repair``), drop indexes of files gone, and rewrite the ACL if the
        exclusion list changed. Cheap when nothing changed: one folder listing, one query."""
        report = SyncReport()
        warcs = self.closed_warcs()
        indexes = {p.name[: -len(INDEX_SUFFIX)]: p for p in self.index_dir.glob("*" + INDEX_SUFFIX)}
        for name, stat in sorted(warcs.items()):
            index = indexes.get(name)
            if index is not None and index.stat().st_mtime >= stat.st_mtime:
                continue
            if self._failed.get(name) == stat.st_mtime:
                continue
            try:
                self._index(name)
            except Exception as exc:  # a damaged file must not stop the others
                self._failed[name] = stat.st_mtime
                report.failed[name] = f"{type(exc).__name__}: {exc}"
                log.warning("pywb index: cannot index %s: %s", name, exc)
            else:
                self._failed.pop(name, None)
                report.indexed.append(name)
        for name, index in indexes.items():
            if name not in warcs:
                index.unlink(missing_ok=True)
                report.removed.append(name)
        report.acl_rules = self._write_acl()
        return report

    def _index(self, name: str) -> None:
        from cdxj_indexer.main import CDXJIndexer

        target = self.index_dir / (name + INDEX_SUFFIX)
        # pywb reads only *.cdxj: the half-written file is invisible until the rename.
        partial = self.index_dir / f".{name}.partial"
        with open(partial, "w", encoding="utf-8") as out:
            indexer = CDXJIndexer(
                out,
                [str(self.archive.warc_dir / name)],
                sort=True,
                dir_root=str(self.archive.warc_dir),
            )
            indexer.process_all()
        os.replace(partial, target)

    def _write_acl(self) -> int | None:
        """pywb ACL lines (``<surt prefix> - {json}``, reverse-sorted as pywb searches them)
        for the exclusion rules; pywb's match is a plain prefix match, as ours is."""
        rules = list_exclusions(self.archive)
        lines = sorted(
            (f"{r.surt} - {json.dumps({'access': 'exclude', 'url': r.value})}" for r in rules),
            reverse=True,
        )
        text = "".join(line + "\n" for line in lines)
        target = self.acl_dir / ACL_FILE
        if text == self._acl and (target.exists() or not text):
            return None
        self._acl = text
        if not text:
            target.unlink(missing_ok=True)
            return 0
        partial = self.acl_dir / f".{ACL_FILE}.partial"
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)
        return len(lines)
