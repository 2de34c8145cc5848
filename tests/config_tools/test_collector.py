"""Tests of config_tools/collector/bulkhead-collect.sh and of the kept captures.

Run: /usr/bin/python3 -m pytest tests/config_tools/test_collector.py

The collector runs with `-r ROOT` on fake /proc and /sys trees built here, under
every POSIX shell that is installed (dash, busybox sh, bash in POSIX mode) and
once with nothing but busybox applets on PATH (what a minimal target has).  The
tests run as root, so "cannot be read" is simulated with a directory where a
file is expected, a FIFO, a dangling symlink and missing directories; one test
drops to uid 65534 with setpriv and reads the real /sys (ACPI tables are
root-only there).

The fixtures in fixtures/ were made with misc/capture/ (see its README.md).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import struct
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
COLLECTOR = REPO / "config_tools" / "collector" / "bulkhead-collect.sh"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TOP = "bulkhead-board"


def _shells() -> list[tuple[str, list[str]]]:
    found = []
    if shutil.which("dash"):
        found.append(("dash", [shutil.which("dash")]))
    if shutil.which("busybox"):
        found.append(("busybox-sh", [shutil.which("busybox"), "sh"]))
    if shutil.which("bash"):
        found.append(("bash-posix", [shutil.which("bash"), "--posix"]))
    return found


SHELLS = _shells()
SHELL_IDS = [name for name, _ in SHELLS]


# ---- fake target tree ------------------------------------------------------------

APIC = b"APIC" + struct.pack("<I", 44) + bytes(range(36))
DSDT_BYTES = bytes(range(256)) * 3 + b"\n\0\xff\r\n"   # every byte value: binary safe?
SSDT_DYN = b"SSDT" + b"\0\x01\x02dyn\xfe"
PCI_CONFIG = bytes([0x86, 0x80, 0x22, 0x29]) + bytes((i * 7) & 0xFF for i in range(252))


def _w(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def make_root(root: Path) -> Path:
    """A small but complete target: 2 CPUs, 2 PCI functions, ACPI, serial, disk, DMI."""
    _w(root / "proc/cpuinfo", "processor\t: 0\napicid\t\t: 0\n\nprocessor\t: 1\napicid\t\t: 2\n")
    _w(root / "proc/iomem", "00000000-00000fff : Reserved\n00001000-0009fbff : System RAM\n")
    _w(root / "proc/ioports", "0000-0cf7 : PCI Bus 0000:00\n  03f8-03ff : serial\n")
    _w(root / "proc/interrupts", "           CPU0       CPU1\n  0:         41          0   IO-APIC   2-edge      timer\n")
    _w(root / "proc/meminfo", "MemTotal:        1000000 kB\n")
    _w(root / "proc/cmdline", "console=ttyS0 quiet\n")
    _w(root / "proc/sys/kernel/hostname", "fakehost\n")
    cpu = root / "sys/devices/system/cpu"
    _w(cpu / "online", "0-1\n")
    _w(cpu / "possible", "0-1\n")
    for n in (0, 1):
        _w(cpu / f"cpu{n}/topology/core_id", f"{n}\n")
        _w(cpu / f"cpu{n}/topology/physical_package_id", "0\n")
        _w(cpu / f"cpu{n}/topology/thread_siblings_list", f"{n}\n")
        _w(cpu / f"cpu{n}/cache/index0/level", "1\n")
        _w(cpu / f"cpu{n}/cache/index0/type", "Data\n")
        _w(cpu / f"cpu{n}/cache/index0/size", "32K\n")
        (cpu / f"cpu{n}/cache/index0/power").mkdir()        # subdirectory: skipped
    _w(cpu / "cpu1/online", "1\n")
    for i, (s, e, t) in enumerate([("0x0", "0x9fbff", "System RAM"),
                                    ("0xf0000", "0xfffff", "Reserved"),
                                    ("0x100000", "0x3ffdffff", "System RAM")]):
        _w(root / f"sys/firmware/memmap/{i}/start", s + "\n")
        _w(root / f"sys/firmware/memmap/{i}/end", e + "\n")
        _w(root / f"sys/firmware/memmap/{i}/type", t + "\n")
    tables = root / "sys/firmware/acpi/tables"
    _w(tables / "APIC", APIC)
    _w(tables / "DSDT", DSDT_BYTES)
    _w(tables / "SSDT1", b"SSDT" + b"\0" * 32)
    _w(tables / "dynamic/SSDT5", SSDT_DYN)
    (tables / "data").mkdir()
    # PCI: real sysfs has the functions under /sys/devices and symlinks in /sys/bus
    devs = root / "sys/devices/pci0000:00"
    for bdf, vendor, device, cls in [("0000:00:00.0", "0x8086", "0x29c0", "0x060000"),
                                     ("0000:00:1f.2", "0x8086", "0x2922", "0x010601")]:
        d = devs / bdf
        _w(d / "config", PCI_CONFIG)
        _w(d / "resource", "0x000000000000c000 0x000000000000c01f 0x0000000000040101\n")
        _w(d / "irq", "16\n")
        _w(d / "vendor", vendor + "\n")
        _w(d / "device", device + "\n")
        _w(d / "class", cls + "\n")
        _w(d / "subsystem_vendor", "0x1af4\n")
        _w(d / "subsystem_device", "0x1100\n")
        link = root / "sys/bus/pci/devices" / bdf
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(f"../../../devices/pci0000:00/{bdf}")
    groups = root / "sys/kernel/iommu_groups"
    (groups / "7").mkdir(parents=True)
    (devs / "0000:00:1f.2/iommu_group").symlink_to("../../../kernel/iommu_groups/7")
    (root / "sys/bus/pci/drivers/ahci").mkdir(parents=True)
    (devs / "0000:00:1f.2/driver").symlink_to("../../../bus/pci/drivers/ahci")
    tty = root / "sys/devices/platform/serial8250/tty"
    for n, port, irq in (("ttyS0", "0x3F8", "4"), ("ttyS1", "0x2F8", "3")):
        for f, v in (("port", port), ("irq", irq), ("type", "4"), ("io_type", "0"),
                     ("iomem_base", "0x0"), ("uartclk", "1843200")):
            _w(tty / n / f, v + "\n")
        (root / "sys/class/tty").mkdir(parents=True, exist_ok=True)
        (root / "sys/class/tty" / n).symlink_to(f"../../devices/platform/serial8250/tty/{n}")
    (root / "sys/class/tty/tty0").mkdir()                   # not a serial port
    _w(root / "sys/block/sda/size", "131072\n")
    _w(root / "sys/block/sda/removable", "0\n")
    _w(root / "sys/block/sda/device/model", "QEMU HARDDISK   \n")
    _w(root / "sys/block/sda/device/vendor", "ATA     \n")
    _w(root / "sys/block/loop0/size", "0\n")
    _w(root / "sys/block/loop0/removable", "0\n")
    dmi = root / "sys/class/dmi/id"
    for f, v in (("sys_vendor", "QEMU"), ("product_name", "Standard PC (Q35 + ICH9, 2009)"),
                 ("bios_vendor", "SeaBIOS"), ("product_serial", "SERIAL-1234"),
                 ("board_serial", "BOARD-5678"), ("chassis_serial", "CH-9"),
                 ("product_uuid", "12345678-1234-1234-1234-123456789abc")):
        _w(dmi / f, v + "\n")
    (dmi / "power").mkdir()
    return root


def break_root(root: Path) -> None:
    """Make some items unreadable in the ways a root-run test can."""
    (root / "proc/interrupts").unlink()
    (root / "proc/interrupts").mkdir()                                 # directory, not a file
    os.mkfifo(root / "sys/firmware/acpi/tables/FACP")                  # would block a reader
    (root / "sys/block/sda/removable").unlink()                        # missing
    (root / "sys/devices/pci0000:00/0000:00:00.0/irq").unlink()
    (root / "sys/devices/pci0000:00/0000:00:00.0/irq").symlink_to("nowhere")   # dangling
    shutil.rmtree(root / "sys/firmware/memmap")                        # missing directory


def run_collector(root: Path | None, out: Path | None, shell: list[str] | None = None,
                  cwd: Path | None = None, env: dict | None = None,
                  extra: list[str] | None = None) -> subprocess.CompletedProcess:
    cmd = list(shell or [shutil.which("dash") or "/bin/sh"]) + [str(COLLECTOR)]
    if root is not None:
        cmd += ["-r", str(root)]
    if out is not None:
        cmd += ["-o", str(out)]
    cmd += extra or []
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=cwd,
                          env=env, stdin=subprocess.DEVNULL)


def read_tar(path: Path) -> dict[str, bytes | None]:
    """Member name -> contents (None for directories).  Checks the single top directory."""
    members: dict[str, bytes | None] = {}
    with tarfile.open(path, "r:gz") as t:
        for m in t.getmembers():
            assert m.name == TOP or m.name.startswith(TOP + "/"), m.name
            assert m.isfile() or m.isdir(), f"{m.name}: only files and directories expected"
            members[m.name] = t.extractfile(m).read() if m.isfile() else None
    return members


def errors_of(members: dict) -> list[str]:
    return members[f"{TOP}/collector/errors"].decode().splitlines()


# ---- the collector on a fake root -------------------------------------------------------

@pytest.mark.parametrize("shell", [s for _, s in SHELLS], ids=SHELL_IDS)
def test_complete_fake_root(tmp_path, shell):
    root = make_root(tmp_path / "root")
    out = tmp_path / "cap.tar.gz"
    r = run_collector(root, out, shell)
    assert r.returncode == 0, r.stderr
    m = read_tar(out)
    p = lambda rel: f"{TOP}/{rel}"                                      # noqa: E731
    assert m[p("collector/version")] == b"1\n"
    info = dict(line.split("=", 1) for line in m[p("collector/info")].decode().splitlines())
    assert info["hostname"] == "fakehost"
    assert info["uid"] == str(os.getuid())
    assert info["busybox"] in ("yes", "no")
    assert {"date", "uname", "collector_version"} <= info.keys()
    assert errors_of(m) == []
    # /proc copied verbatim
    for f in ("cpuinfo", "iomem", "ioports", "interrupts", "meminfo", "cmdline"):
        assert m[p(f"proc/{f}")] == (root / "proc" / f).read_bytes()
    # CPUs: topology, caches (subdirectories skipped), online/possible
    cpu = "sys/devices/system/cpu"
    assert m[p(f"{cpu}/online")] == b"0-1\n" and m[p(f"{cpu}/possible")] == b"0-1\n"
    assert m[p(f"{cpu}/cpu1/topology/core_id")] == b"1\n"
    assert m[p(f"{cpu}/cpu0/cache/index0/size")] == b"32K\n"
    assert m[p(f"{cpu}/cpu1/online")] == b"1\n"
    assert not any("/power" in k for k in m)
    # memory map
    assert m[p("sys/firmware/memmap/2/type")] == b"System RAM\n"
    assert m[p("sys/firmware/memmap/2/start")] == b"0x100000\n"
    # raw ACPI tables, byte for byte, dynamic/ too
    assert m[p("sys/firmware/acpi/tables/APIC")] == APIC
    assert m[p("sys/firmware/acpi/tables/DSDT")] == DSDT_BYTES
    assert m[p("sys/firmware/acpi/tables/dynamic/SSDT5")] == SSDT_DYN
    # PCI: symlinked function directories become directories; links become names
    ahci = "sys/bus/pci/devices/0000:00:1f.2"
    assert m[p(f"{ahci}/config")] == PCI_CONFIG
    for f, v in (("vendor", b"0x8086\n"), ("device", b"0x2922\n"), ("class", b"0x010601\n"),
                 ("irq", b"16\n"), ("subsystem_vendor", b"0x1af4\n"),
                 ("subsystem_device", b"0x1100\n")):
        assert m[p(f"{ahci}/{f}")] == v
    assert m[p(f"{ahci}/resource")].startswith(b"0x000000000000c000")
    assert m[p(f"{ahci}/iommu_group")] == b"7\n"
    assert m[p(f"{ahci}/driver")] == b"ahci\n"
    host = "sys/bus/pci/devices/0000:00:00.0"
    assert m[p(f"{host}/vendor")] == b"0x8086\n"
    assert p(f"{host}/driver") not in m and p(f"{host}/iommu_group") not in m
    # serial ports: the listed attributes only; tty0 is not a serial port
    assert m[p("sys/class/tty/ttyS1/port")] == b"0x2F8\n"
    assert m[p("sys/class/tty/ttyS0/irq")] == b"4\n"
    assert {p(f"sys/class/tty/ttyS0/{f}") for f in ("type", "io_type", "iomem_base")} <= m.keys()
    assert p("sys/class/tty/ttyS0/uartclk") not in m
    assert not any(k.startswith(p("sys/class/tty/tty0")) for k in m)
    # block devices
    assert m[p("sys/block/sda/size")] == b"131072\n"
    assert m[p("sys/block/sda/device/model")] == b"QEMU HARDDISK   \n"
    assert m[p("sys/block/loop0/removable")] == b"0\n"
    # DMI without serial numbers / UUID
    assert m[p("sys/class/dmi/id/sys_vendor")] == b"QEMU\n"
    for f in ("product_serial", "board_serial", "chassis_serial", "product_uuid"):
        assert p(f"sys/class/dmi/id/{f}") not in m
    assert not any(b"SERIAL-1234" in (v or b"") or b"BOARD-5678" in (v or b"") for v in m.values())


@pytest.mark.parametrize("shell", [s for _, s in SHELLS], ids=SHELL_IDS)
def test_unreadable_items_are_recorded(tmp_path, shell):
    root = make_root(tmp_path / "root")
    break_root(root)
    out = tmp_path / "cap.tar.gz"
    r = run_collector(root, out, shell)
    assert r.returncode == 0, r.stderr
    m = read_tar(out)
    errs = errors_of(m)
    by_path = {e.split(": ", 1)[0]: e.split(": ", 1)[1] for e in errs}
    assert "directory" in by_path["/proc/interrupts"]
    assert "regular file" in by_path["/sys/firmware/acpi/tables/FACP"]
    assert "missing" in by_path["/sys/block/sda/removable"]
    assert "symbolic link" in by_path["/sys/bus/pci/devices/0000:00:00.0/irq"]
    assert "missing" in by_path["/sys/firmware/memmap"]
    assert len(errs) == 5, errs
    # everything else is still there
    assert m[f"{TOP}/sys/firmware/acpi/tables/APIC"] == APIC
    assert m[f"{TOP}/proc/cpuinfo"] == (root / "proc/cpuinfo").read_bytes()
    assert f"{TOP}/sys/firmware/acpi/tables/FACP" not in m
    assert f"{TOP}/proc/interrupts" not in m


@pytest.mark.parametrize("shell", [s for _, s in SHELLS], ids=SHELL_IDS)
def test_empty_root_still_writes_tarball(tmp_path, shell):
    root = tmp_path / "empty"
    root.mkdir()
    out = tmp_path / "cap.tar.gz"
    r = run_collector(root, out, shell)
    assert r.returncode == 0, r.stderr
    m = read_tar(out)
    assert m[f"{TOP}/collector/version"] == b"1\n"
    errs = "\n".join(errors_of(m))
    for path in ("/proc/cpuinfo", "/proc/iomem", "/sys/devices/system/cpu",
                 "/sys/firmware/memmap", "/sys/firmware/acpi/tables", "/sys/bus/pci/devices",
                 "/sys/class/tty", "/sys/block", "/sys/class/dmi/id"):
        assert re.search(f"^{re.escape(path)}: ", errs, re.M), (path, errs)


def test_busybox_only_path(tmp_path):
    """Only busybox applets on PATH (no coreutils): the target's situation."""
    bb = shutil.which("busybox")
    assert bb, "busybox is missing: misc/setup.sh installs busybox-static"
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for applet in subprocess.run([bb, "--list"], capture_output=True, text=True).stdout.split():
        (bindir / applet).symlink_to(bb)
    root = make_root(tmp_path / "root")
    out = tmp_path / "cap.tar.gz"
    env = {"PATH": str(bindir), "TMPDIR": str(tmp_path)}
    r = run_collector(root, out, [str(bindir / "sh")], env=env)
    assert r.returncode == 0, r.stderr
    m = read_tar(out)
    assert errors_of(m) == []
    assert m[f"{TOP}/sys/firmware/acpi/tables/DSDT"] == DSDT_BYTES
    assert m[f"{TOP}/sys/bus/pci/devices/0000:00:1f.2/iommu_group"] == b"7\n"
    info = m[f"{TOP}/collector/info"].decode()
    assert "busybox=yes" in info


def test_default_output_name(tmp_path):
    root = make_root(tmp_path / "root")
    work = tmp_path / "cwd"
    work.mkdir()
    r = run_collector(root, None, cwd=work)
    assert r.returncode == 0, r.stderr
    files = os.listdir(work)
    assert len(files) == 1 and re.fullmatch(r"bulkhead-board-fakehost-\d{8}-\d{6}\.tar\.gz",
                                            files[0]), files
    read_tar(work / files[0])


def test_relative_output_and_no_staging_left(tmp_path):
    root = make_root(tmp_path / "root")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp))
    (tmp_path / "sub").mkdir()
    r = run_collector(root, Path("sub/c.tar.gz"), cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    read_tar(tmp_path / "sub/c.tar.gz")
    assert os.listdir(tmp) == []          # staging directory removed


def test_unwritable_output_exits_1(tmp_path):
    root = make_root(tmp_path / "root")
    out = tmp_path / "no" / "such" / "dir" / "cap.tar.gz"
    r = run_collector(root, out)
    assert r.returncode == 1
    assert "cannot write" in r.stderr
    assert not out.exists()


def test_bad_usage(tmp_path):
    r = run_collector(None, None, extra=["-h"])
    assert r.returncode == 0 and "Usage:" in r.stdout and "-o FILE" in r.stdout
    r = run_collector(None, None, extra=["-x"], cwd=tmp_path)
    assert r.returncode == 1 and "Usage:" in r.stderr
    r = run_collector(tmp_path / "missing", tmp_path / "c.tar.gz")
    assert r.returncode == 1 and "not a directory" in r.stderr
    assert not (tmp_path / "c.tar.gz").exists()


def test_unprivileged_live_system(tmp_path):
    """Unprivileged on the real /proc and /sys (root drops to uid 65534 with setpriv):
    root-only items are recorded as errors and the tarball is still written."""
    apic = Path("/sys/firmware/acpi/tables/APIC")
    apic_root_only = apic.exists() and not apic.stat().st_mode & stat.S_IROTH
    uid = 65534 if os.getuid() == 0 else os.getuid()
    drop = (["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
            if os.getuid() == 0 else [])
    work = Path(tempfile.mkdtemp(prefix="bulkhead-collect-test."))
    try:
        work.chmod(0o777)
        script = work / "collect.sh"
        shutil.copyfile(COLLECTOR, script)
        script.chmod(0o755)
        out = work / "cap.tar.gz"
        r = subprocess.run(drop + [shutil.which("dash") or "/bin/sh", str(script), "-o", str(out)],
                           capture_output=True, text=True, timeout=120, cwd=work,
                           env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                "TMPDIR": str(work)})
        assert r.returncode == 0, r.stderr
        m = read_tar(out)
        errs = "\n".join(errors_of(m))
        if apic_root_only:
            assert "/sys/firmware/acpi/tables/APIC: Permission denied" in errs
        assert f"/proc/iomem: read as uid {uid}" in errs
        if any(Path("/sys/bus/pci/devices").iterdir()):
            assert re.search(r"^/sys/bus/pci/devices/[^:]+:[^:]+:[^/]+/config: short read: 64 of "
                             r"\d+ bytes", errs, re.M), errs
        assert m[f"{TOP}/proc/cpuinfo"]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_posix_syntax():
    for sh in ("dash", "busybox"):
        assert shutil.which(sh), f"{sh} is missing: misc/setup.sh installs it"
        cmd = [sh, "-n"] if sh == "dash" else [sh, "sh", "-n"]
        r = subprocess.run(cmd + [str(COLLECTOR)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr


# ---- the kept captures --------------------------------------------------------------------

FIXTURE_NAMES = ["qemu-q35.tar.gz", "bochs.tar.gz", "host.tar.gz"]


@pytest.fixture(scope="module", params=FIXTURE_NAMES)
def capture(request):
    path = FIXTURES / request.param
    if not path.exists():
        pytest.fail(f"{path} missing (make it with misc/capture/, see its README.md)")
    assert path.stat().st_size < 2_000_000, "fixtures are committed: keep them small"
    return request.param, read_tar(path)


def _pci_functions(m: dict) -> list[str]:
    pat = re.compile(rf"^{TOP}/sys/bus/pci/devices/([0-9a-f]{{4}}:[0-9a-f]{{2}}:[0-9a-f]{{2}}\.[0-7])/config$")
    return sorted(mm.group(1) for k in m if (mm := pat.match(k)))


def _cpus(m: dict) -> set[str]:
    pat = re.compile(rf"^{TOP}/sys/devices/system/cpu/(cpu\d+)/topology/")
    return {mm.group(1) for k in m if (mm := pat.match(k))}


def test_capture_layout(capture):
    name, m = capture
    assert m[f"{TOP}/collector/version"].strip() == b"1"
    info = dict(line.split("=", 1) for line in m[f"{TOP}/collector/info"].decode().splitlines())
    assert info["uid"] == "0", f"{name} was not captured as root"
    for f in ("cpuinfo", "iomem", "ioports", "interrupts", "meminfo", "cmdline"):
        assert m.get(f"{TOP}/proc/{f}"), f"{name}: proc/{f}"
    # ACPI: MADT present, a real table (signature and length match the file)
    apic = m.get(f"{TOP}/sys/firmware/acpi/tables/APIC")
    assert apic and apic[:4] == b"APIC"
    assert struct.unpack_from("<I", apic, 4)[0] == len(apic)
    assert sum(apic) % 256 == 0, "MADT checksum"
    # PCI functions with full config space, matching the vendor file
    funcs = _pci_functions(m)
    assert funcs, f"{name}: no PCI functions"
    for bdf in funcs:
        d = f"{TOP}/sys/bus/pci/devices/{bdf}"
        cfg = m[f"{d}/config"]
        assert len(cfg) >= 256, f"{bdf}: config is {len(cfg)} bytes (not captured as root?)"
        assert int(m[f"{d}/vendor"], 16) == struct.unpack_from("<H", cfg, 0)[0]
        assert int(m[f"{d}/device"], 16) == struct.unpack_from("<H", cfg, 2)[0]
        for f in ("resource", "irq", "class", "subsystem_vendor", "subsystem_device"):
            assert f"{d}/{f}" in m, f"{d}/{f}"
    # firmware memory map
    entries = {k.split("/")[4] for k in m if k.startswith(f"{TOP}/sys/firmware/memmap/")
               and k.count("/") == 5}
    assert entries, f"{name}: no memmap entries"
    for e in entries:
        base = f"{TOP}/sys/firmware/memmap/{e}"
        assert int(m[f"{base}/start"], 16) <= int(m[f"{base}/end"], 16)
        assert m[f"{base}/type"].strip()
    assert any(m[f"{TOP}/sys/firmware/memmap/{e}/type"].strip() == b"System RAM" for e in entries)
    # CPUs: topology for every processor in cpuinfo
    nproc = m[f"{TOP}/proc/cpuinfo"].decode().count("processor\t:")
    assert len(_cpus(m)) == nproc >= 1
    # never serial numbers
    for f in ("product_serial", "board_serial", "chassis_serial", "product_uuid"):
        assert f"{TOP}/sys/class/dmi/id/{f}" not in m


def test_qemu_capture_details():
    m = read_tar(FIXTURES / "qemu-q35.tar.gz")
    tables = f"{TOP}/sys/firmware/acpi/tables"
    for sig in ("APIC", "FACP", "DSDT", "MCFG", "DMAR", "HPET"):
        assert m.get(f"{tables}/{sig}", b"")[:4] == sig.encode(), sig
    assert len(_cpus(m)) == 4
    funcs = _pci_functions(m)
    assert "0000:00:1f.2" in funcs and "0000:01:00.0" in funcs      # AHCI, e1000e behind a port
    d = f"{TOP}/sys/bus/pci/devices"
    assert m[f"{d}/0000:00:1f.2/driver"] == b"ahci\n"
    assert m[f"{d}/0000:01:00.0/driver"] == b"e1000e\n"
    assert all(m.get(f"{d}/{b}/iommu_group", b"").strip().isdigit() for b in funcs)
    assert len(m[f"{d}/0000:01:00.0/config"]) == 4096                # PCIe extended space
    assert m[f"{TOP}/sys/class/tty/ttyS0/port"].strip().lower() == b"0x3f8"
    assert f"{TOP}/sys/block/sda/size" in m
    assert errors_of(m) == []


def test_bochs_capture_details():
    m = read_tar(FIXTURES / "bochs.tar.gz")
    tables = f"{TOP}/sys/firmware/acpi/tables"
    for sig in ("APIC", "FACP", "DSDT"):
        assert m.get(f"{tables}/{sig}", b"")[:4] == sig.encode(), sig
    assert len(_cpus(m)) == 4
    assert b"Haswell" in m[f"{TOP}/proc/cpuinfo"] or b"4770" in m[f"{TOP}/proc/cpuinfo"]
    funcs = _pci_functions(m)
    assert "0000:00:00.0" in funcs and "0000:00:01.1" in funcs       # i440FX, PIIX IDE
    assert m[f"{TOP}/sys/bus/pci/devices/0000:00:00.0/vendor"] == b"0x8086\n"
    assert m[f"{TOP}/sys/class/tty/ttyS0/port"].strip().lower() == b"0x3f8"


def test_recollect_extracted_capture(tmp_path):
    """-r on an extracted capture reproduces it (iommu_group/driver files are copied)."""
    src = FIXTURES / "qemu-q35.tar.gz"
    with tarfile.open(src, "r:gz") as t:
        t.extractall(tmp_path, filter="data") if hasattr(tarfile, "data_filter") \
            else t.extractall(tmp_path)
    out = tmp_path / "again.tar.gz"
    r = run_collector(tmp_path / TOP, out)
    assert r.returncode == 0, r.stderr
    before = {k: v for k, v in read_tar(src).items() if not k.endswith("collector/info")}
    after = {k: v for k, v in read_tar(out).items() if not k.endswith("collector/info")}
    assert before == after
