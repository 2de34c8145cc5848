# SPDX-License-Identifier: BSD-3-Clause
"""Where the inspector reads from: an extracted capture tarball, a capture directory, or
the live machine ("/").

A tarball is untrusted input: it is extracted member by member into a private temporary
directory, refusing absolute names, '..', links leading outside the capture, device
files and oversized members. Reads of missing files return None and are recorded.
"""
from __future__ import annotations

import os
import posixpath
import shutil
import stat
import tarfile
import tempfile
from dataclasses import dataclass, field
from types import TracebackType

from ..errors import ConfigError

TOP_DIR = "bulkhead-board"
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # an ACPI table or config file is far smaller
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_MEMBERS = 200_000
MAX_READ_BYTES = 16 * 1024 * 1024


@dataclass
class Source:
    """A file tree shaped like the target's file system."""

    root: str
    live: bool
    missing: list[str] = field(default_factory=list)

    def _path(self, rel: str) -> str:
        rel = rel.lstrip("/")
        return os.path.join(self.root, rel) if rel else self.root

    def _inside(self, path: str) -> bool:
        if self.live:
            return True
        real = os.path.realpath(path)
        root = os.path.realpath(self.root)
        return real == root or real.startswith(root + os.sep)

    def exists(self, rel: str) -> bool:
        path = self._path(rel)
        return self._inside(path) and os.path.exists(path)

    def is_dir(self, rel: str) -> bool:
        path = self._path(rel)
        return self._inside(path) and os.path.isdir(path)

    def listdir(self, rel: str) -> list[str]:
        """Sorted entries of a directory; [] when missing."""
        path = self._path(rel)
        if not self._inside(path):
            return []
        try:
            return sorted(os.listdir(path))
        except OSError:
            return []

    def read_bytes(self, rel: str, record: bool = True) -> bytes | None:
        """Content of a file, None when missing or unreadable (recorded when record)."""
        path = self._path(rel)
        try:
            if not self._inside(path):
                raise OSError("leads outside the capture")
            info = os.stat(path)
            if not stat.S_ISREG(info.st_mode):
                raise OSError("not a regular file")
            with open(path, "rb") as handle:
                return handle.read(MAX_READ_BYTES)
        except OSError:
            if record:
                self.missing.append(rel)
            return None

    def read_text(self, rel: str, record: bool = True) -> str | None:
        """A text file decoded leniently, None when missing."""
        data = self.read_bytes(rel, record)
        return None if data is None else data.decode("utf-8", errors="replace")

    def read_value(self, rel: str) -> str | None:
        """A one-value sysfs file stripped, or the target name of a symlink (live sysfs
        has iommu_group and driver as links; a capture has files holding the name)."""
        path = self._path(rel)
        if os.path.islink(path):
            try:
                return posixpath.basename(os.readlink(path))
            except OSError:
                return None
        text = self.read_text(rel, record=False)
        return None if text is None else text.strip()


class Capture:
    """Context manager giving a Source for a tarball, a directory or "/"."""

    def __init__(self, location: str) -> None:
        self.location = location
        self._tmp: str | None = None

    def __enter__(self) -> Source:
        path = self.location
        if os.path.isdir(path):
            real = os.path.realpath(path)
            if real == "/":
                return Source("/", live=True)
            top = os.path.join(real, TOP_DIR)
            return Source(top if os.path.isdir(top) else real, live=False)
        if not os.path.exists(path):
            raise ConfigError(f"{path}: capture not found (expected a .tar.gz from "
                              "bulkhead-collect.sh, a capture directory, or / for this machine)")
        self._tmp = tempfile.mkdtemp(prefix="bulkhead-capture-")
        try:
            extract_tarball(path, self._tmp)
        except BaseException:
            self._cleanup()
            raise
        top = os.path.join(self._tmp, TOP_DIR)
        if os.path.isdir(top):
            return Source(top, live=False)
        entries = os.listdir(self._tmp)
        if len(entries) == 1 and os.path.isdir(os.path.join(self._tmp, entries[0])):
            return Source(os.path.join(self._tmp, entries[0]), live=False)
        return Source(self._tmp, live=False)

    def _cleanup(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._cleanup()


def _safe_name(name: str) -> str | None:
    """The normalized relative member name, or None if it is absolute or climbs out."""
    if not name or name.startswith("/") or "\\" in name or "\0" in name:
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    return "/".join(parts)


def _link_target_ok(member_name: str, target: str) -> bool:
    """A symlink target must stay inside the capture, resolved from the link's directory."""
    if not target or target.startswith("/") or "\0" in target:
        return False
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(member_name), target))
    return not (joined == ".." or joined.startswith("../"))


def _reject(tar_path: str, name: str, why: str) -> ConfigError:
    return ConfigError(f"{tar_path}: unsafe capture member {name!r}: {why}; "
                       "the tarball was not extracted (re-run bulkhead-collect.sh)")


def extract_tarball(tar_path: str, dest: str) -> None:
    """Check every member of tar_path, then extract it into dest. ConfigError if unsafe."""
    try:
        with tarfile.open(tar_path, "r:*") as tar:
            members = []
            symlinks: set[str] = set()
            total = 0
            for member in tar:
                if len(members) >= MAX_MEMBERS:
                    raise ConfigError(f"{tar_path}: more than {MAX_MEMBERS} members; "
                                      "not a board capture")
                name = _safe_name(member.name)
                if name is None:
                    raise _reject(tar_path, member.name, "absolute path or '..'")
                parts = name.split("/")
                if any("/".join(parts[:i]) in symlinks for i in range(1, len(parts))):
                    raise _reject(tar_path, member.name,
                                  "placed through a symbolic link, which leads outside "
                                  "the plain capture tree")
                if member.isfile():
                    if member.size > MAX_MEMBER_BYTES:
                        raise _reject(tar_path, member.name,
                                      f"{member.size} bytes, more than the "
                                      f"{MAX_MEMBER_BYTES} allowed for one file")
                    total += member.size
                    if total > MAX_TOTAL_BYTES:
                        raise ConfigError(f"{tar_path}: members add up to more than "
                                          f"{MAX_TOTAL_BYTES} bytes; not a board capture")
                elif member.issym():
                    if not _link_target_ok(name, member.linkname):
                        raise _reject(tar_path, member.name,
                                      f"symbolic link to {member.linkname!r} leads outside "
                                      "the capture")
                    symlinks.add(name)
                elif member.islnk():
                    target = _safe_name(member.linkname)
                    if target is None:
                        raise _reject(tar_path, member.name,
                                      f"hard link to {member.linkname!r} leads outside "
                                      "the capture")
                elif not member.isdir():
                    raise _reject(tar_path, member.name,
                                  "device file, FIFO or other special file")
                members.append((name, member))
            _extract_members(tar, members, dest)
    except ConfigError:
        raise
    except (tarfile.TarError, EOFError, OSError, ValueError) as err:
        raise ConfigError(f"{tar_path}: cannot read the capture tarball: {err}") from None


def _extract_members(tar: tarfile.TarFile,
                     members: list[tuple[str, tarfile.TarInfo]], dest: str) -> None:
    written: dict[str, str] = {}
    links = []
    for name, member in members:
        if not name:
            continue
        path = os.path.join(dest, *name.split("/"))
        if member.isdir():
            os.makedirs(path, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.lexists(path):
            if os.path.islink(path) or not os.path.isfile(path):
                raise ConfigError(f"member {member.name!r} appears twice; "
                                  "not a board capture")
            os.unlink(path)
        if member.issym():
            links.append((path, member.linkname))
            continue
        if member.islnk():
            source = written.get(_safe_name(member.linkname) or "")
            if source is None:
                continue  # link to a member not extracted: treat as missing
            shutil.copyfile(source, path)
        else:
            handle = tar.extractfile(member)
            if handle is None:
                continue
            with handle, open(path, "wb") as out:
                shutil.copyfileobj(handle, out)
        os.chmod(path, 0o600)
        written[name] = path
    # Symlinks last so no file is ever written through one.
    root = os.path.realpath(dest)
    for path, target in links:
        if os.path.lexists(path):
            continue
        os.symlink(target, path)
        real = os.path.realpath(path)
        if real != root and not real.startswith(root + os.sep):
            raise ConfigError(f"symbolic link {os.path.relpath(path, dest)!r} to {target!r} "
                              "leads outside the capture; the tarball was not used")
