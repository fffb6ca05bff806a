"""The files a front end saves for a runner (the console's .ics, .png and .json), one directory
each under ``data_dir/files``, and nowhere else.

A user name reaches a path only through ``safe_name``: ``runcoach chat --user ../../somewhere``
writes under ``data_dir/files`` like anyone else. A name that is already safe is kept as it is,
so existing directories stay where they were; any other name becomes its safe characters plus a
hash of the whole name, so two names that clean up alike still get directories of their own.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

CONSOLE = "console"  # the only front end that saves files; a chat platform sends them instead
MAX_NAME_CHARS = 64
# Letters, digits, '_', '-' and inner dots: never '.', '..', a hidden name or a separator.
_SAFE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*", re.ASCII)
_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9_-]+", re.ASCII)


def safe_name(name: str) -> str:
    """``name`` as one path component that stays inside its directory, on any file system."""
    if len(name) <= MAX_NAME_CHARS and _SAFE.fullmatch(name):
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    readable = _UNSAFE_RUN.sub("_", name).strip("_")[: MAX_NAME_CHARS - len(digest) - 1]
    return f"{readable or 'file'}-{digest}"


class UserFiles:
    """``data_dir/files/<safe name>`` for each console user; the ``FileStore`` port of the core."""

    def __init__(self, data_dir: Path, platform: str = CONSOLE) -> None:
        self.root = data_dir / "files"
        self._platform = platform

    def dir_for(self, user: str) -> Path:
        return self.root / safe_name(user)

    def forget_files(self, platform: str, platform_user_id: str) -> None:
        """Delete every file saved for this user; users of other platforms have none here."""
        if platform != self._platform:
            return
        directory = self.dir_for(platform_user_id)
        # Never follow a link planted in the data directory out of it.
        if directory.is_symlink():
            directory.unlink()
        elif directory.is_dir():
            shutil.rmtree(directory)
