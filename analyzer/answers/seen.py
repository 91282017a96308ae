"""Remember the inbox files already stored, so a monthly run does not read them again.

Users keep every monthly download in the inbox; reading and hashing them all on every run
would make a run's cost grow with the years held. As git's index does, a file is known by
what the file system says of it: device, inode, size, modification and change times (the
change time moves on any write and cannot be set back by a user). A file whose status is
exactly the one noted when its bytes were stored is taken as those bytes; any difference
and it is read and hashed as usual. A file changed less than `SETTLE_NS` before it was
read is not noted: a write in the same clock tick could leave its times unchanged.

The index is derived data under `derived/`: missing, damaged or from another version, it is
simply rebuilt by reading every file once; `rebuild` removes it with the rest.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from analyzer.answers.derived import DERIVED
from analyzer.fsutil import FileStatus, file_status, write_bytes_atomic

SEEN = "seen-files.json"
FORMAT_VERSION = 1
SETTLE_NS = 2_000_000_000  # a file changed this recently is read again next time
MAX_ENTRIES = 100_000  # a bound on the index: the oldest entries beyond it are dropped
MAX_INDEX_BYTES = 64 << 20  # a larger file is not read (MAX_ENTRIES take about 30 MB)


class SeenFiles:
    """The inbox files whose bytes are stored, by path, with the status they had then."""

    def __init__(self, root: Path) -> None:
        self.path = root / DERIVED / SEEN
        self.entries: dict[str, tuple[FileStatus, str]] = {}
        self.changed = False
        try:
            if self.path.stat().st_size > MAX_INDEX_BYTES:
                raise ValueError("larger than any index this program writes")
            body = json.loads(self.path.read_text(encoding="utf-8"))
            if body.get("format") == FORMAT_VERSION:
                for name, status, sha256 in body["files"]:
                    key = tuple(int(n) for n in status)
                    if len(key) == 5 and isinstance(name, str) and isinstance(sha256, str):
                        self.entries[name] = (key, sha256)  # type: ignore[assignment]
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            self.entries = {}  # derived: every file is simply read again

    def known(self, path: Path, stat: os.stat_result) -> str | None:
        """Return the sha256 of the file's bytes when its status is the one noted."""
        entry = self.entries.get(_key(path))
        if entry is not None and entry[0] == file_status(stat):
            return entry[1]
        return None

    def note(self, path: Path, stat: os.stat_result, sha256: str) -> None:
        """Note that the file, with this status (taken before its bytes were read), is stored."""
        if time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) < SETTLE_NS:
            return  # changed a moment ago: a write in the same tick would go unseen
        key, value = _key(path), (file_status(stat), sha256)
        if self.entries.get(key) != value:
            self.entries.pop(key, None)  # (re-inserted last: the newest entries are kept)
            self.entries[key] = value
            self.changed = True

    def save(self) -> None:
        """Keep the index when it changed (the caller holds the store's lock)."""
        if not self.changed:
            return
        kept = list(self.entries.items())[-MAX_ENTRIES:]
        files = [[name, list(status), sha256] for name, (status, sha256) in kept]
        text = json.dumps({"format": FORMAT_VERSION, "files": files}, separators=(",", ":"))
        write_bytes_atomic(self.path, text.encode("utf-8"))
        self.changed = False


def _key(path: Path) -> str:
    return os.path.abspath(path)
