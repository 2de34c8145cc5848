# SPDX-License-Identifier: BSD-3-Clause
"""The collector's own files: collector/{version,info,errors}."""
from __future__ import annotations

from dataclasses import dataclass, field

from .findings import Findings
from .source import Source


@dataclass
class CaptureInfo:
    version: str
    info: dict[str, str] = field(default_factory=dict)


def parse_capture_info(source: Source, findings: Findings) -> CaptureInfo:
    if source.live:
        return CaptureInfo("live")
    version = source.read_text("collector/version", record=False)
    if version is None:
        findings.warn("capture", "no collector/version: not made by bulkhead-collect.sh?")
        version = "unknown"
    elif version.strip() != "1":
        findings.warn("capture", f"collector format version {version.strip()!r}; this "
                      "inspector reads version 1")
    info = {}
    for line in (source.read_text("collector/info", record=False) or "").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            info[key.strip()] = value.strip()
    for line in (source.read_text("collector/errors", record=False) or "").splitlines():
        if line.strip():
            findings.warn("collector", line.strip())
    return CaptureInfo(version.strip() or "unknown", info)
