"""A stricter WACZ check than ``wacz validate``: what a replay tool relies on.

``check_wacz(path)`` raises AssertionError naming the first problem, else returns the parsed
package: every file listed in datapackage.json is present with its size and SHA-256 and
nothing unlisted is there; datapackage-digest.json hashes datapackage.json; WARCs are stored
uncompressed in the ZIP (replay tools read records by range); the CDXJ index is sorted and
each line resolves to a record at its offset and length whose URL, date, type and payload
digest match the line and whose digests verify; every record of every WARC is indexed; every
page in pages.jsonl has a 200 capture in the index.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

SPEC = "1.1.1"


@dataclass
class Package:
    datapackage: dict
    index: list[tuple[str, str, dict]]  # (surt, timestamp, fields)
    pages: list[dict]
    files: dict[str, bytes] = field(repr=False)

    def entries(self, url: str) -> list[dict]:
        return [fields for _, _, fields in self.index if fields["url"] == url]

    def urls(self) -> set[str]:
        return {fields["url"] for _, _, fields in self.index}


def _record(data: bytes, offset: int, length: int) -> tuple[object, bytes, list[str]]:
    chunk = data[offset : offset + length]
    assert len(chunk) == length, f"record at {offset}+{length} runs past the end"
    iterator = ArchiveIterator(io.BytesIO(chunk), check_digests=True)
    record = next(iterator)
    payload = record.raw_stream.read()
    iterator.read_to_end(record)
    problems = list(record.digest_checker.problems) if record.digest_checker else []
    assert iterator.get_record_length() == length, (
        f"the record at {offset} is {iterator.get_record_length()} bytes, index says {length}"
    )
    assert next(iterator, None) is None, f"more than one record at {offset}+{length}"
    return record, payload, problems


def check_wacz(path: Path) -> Package:
    with zipfile.ZipFile(path) as zipped:
        assert zipped.testzip() is None, "a ZIP member is corrupt"
        infos = {info.filename: info for info in zipped.infolist()}
        files = {name: zipped.read(name) for name in infos}
    assert "datapackage.json" in files and "datapackage-digest.json" in files
    package = json.loads(files["datapackage.json"])
    assert package["wacz_version"] == SPEC and package["profile"] == "data-package"
    assert package.get("created") and package.get("software")
    digest = json.loads(files["datapackage-digest.json"])
    expected = "sha256:" + hashlib.sha256(files["datapackage.json"]).hexdigest()
    assert digest["path"] == "datapackage.json" and digest["hash"] == expected

    listed = {resource["path"]: resource for resource in package["resources"]}
    unlisted = set(files) - set(listed) - {"datapackage.json", "datapackage-digest.json"}
    assert not unlisted, f"files not in datapackage.json: {sorted(unlisted)}"
    for name, resource in listed.items():
        assert name in files, f"datapackage.json lists {name}, which is not in the ZIP"
        data = files[name]
        assert resource["bytes"] == len(data), f"{name}: size differs from datapackage.json"
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest(), f"{name} hash"
        assert resource["name"] == Path(name).name

    warcs = {n: d for n, d in files.items() if n.startswith("archive/") and ".warc" in n}
    assert warcs, "no WARC under archive/"
    for name in warcs:
        assert infos[name].compress_type == zipfile.ZIP_STORED, f"{name} is deflated in the ZIP"
    indexes = [n for n in files if n.startswith("indexes/")]
    assert indexes == ["indexes/index.cdx"], indexes

    lines = files["indexes/index.cdx"].decode().splitlines()
    assert lines == sorted(lines), "the index is not sorted"
    index = []
    located: set[tuple[str, int]] = set()
    for line in lines:
        surt, timestamp, rest = line.split(" ", 2)
        fields = json.loads(rest)
        name = "archive/" + fields["filename"]
        assert name in warcs, f"index names {fields['filename']}, not in archive/"
        offset, length = int(fields["offset"]), int(fields["length"])
        record, payload, problems = _record(warcs[name], offset, length)
        headers = record.rec_headers  # type: ignore[attr-defined]
        assert not problems, f"{fields['url']}: {problems}"
        assert headers.get_header("WARC-Target-URI") == fields["url"]
        date = headers.get_header("WARC-Date")
        assert date.replace("-", "").replace(":", "").replace("T", "")[:14] == timestamp
        kind = record.rec_type  # type: ignore[attr-defined]
        assert (kind == "revisit") == (fields.get("mime") == "warc/revisit"), line
        assert headers.get_header("WARC-Payload-Digest") == fields["digest"], line
        if kind == "response":
            algorithm, _, value = fields["digest"].partition(":")
            assert algorithm == "sha1"
            assert base64.b32encode(hashlib.sha1(payload).digest()).decode() == value, line
        status = record.http_headers.get_statuscode()  # type: ignore[attr-defined]
        assert fields["status"] == status, line
        located.add((name, offset))
        index.append((surt, timestamp, fields))
    for name, data in warcs.items():
        iterator = ArchiveIterator(io.BytesIO(data))
        for _record_in_file in iterator:
            assert (name, iterator.get_record_offset()) in located, (
                f"record at {iterator.get_record_offset()} of {name} is not indexed"
            )

    page_lines = files["pages/pages.jsonl"].decode().splitlines()
    header = json.loads(page_lines[0])
    assert header["format"] == "json-pages-1.0"
    pages = [json.loads(line) for line in page_lines[1:]]
    assert pages, "pages.jsonl lists no page"
    for page in pages:
        assert {"id", "url", "ts"} <= set(page)
        assert any(
            f["status"] == "200" for f in Package(package, index, [], {}).entries(page["url"])
        ), f"page {page['url']} has no 200 capture in the index"
    assert len({p["id"] for p in pages}) == len(pages)
    return Package(package, index, pages, files)
