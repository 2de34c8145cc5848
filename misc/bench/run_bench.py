#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""make bench: boot the test guest's benchmark in Bochs and report hypervisor costs.

Builds the test guest (tests/guests/), writes a scenario that is a sample from
scenario_xmls/ with every VM's kernel replaced by the test guest (VM 0 runs the
benchmark, bench=1; the others a short check and halt), builds that image and boots it
in Bochs with fixed settings. From the serial log it takes the guest's
`testguest: bench ...` lines and the hypervisor's `boot: entry TSC` line and reports, in
instructions (Bochs's TSC ticks once per instruction), the hypervisor's cost of one
CPUID, RDMSR, vUART port write and MMIO round trip, of booting up to VM 0's first
instruction, and of interrupts: a timer interrupt into a guest handler, its EOI and an
IPI between two vCPUs. The interrupt costs are measured again in two more boots: with
`noapicv` on the hypervisor command line (the software vLAPIC) and with the LAPIC passed
through to a real-time VM (the sample's first VM without physical CPU 0 runs the
benchmark there). See doc/performance.md.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Sequence

sys.dont_write_bytecode = True  # importing tests/e2e must not leave __pycache__ behind

REPO = Path(__file__).resolve().parents[2]
for _path in (REPO / "misc", REPO / "tests" / "e2e", Path(__file__).resolve().parent):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import bench_report  # noqa: E402
import emulator  # noqa: E402
from bench_report import BenchError, Settings  # noqa: E402

DEFAULT_SAMPLE = "partitioned"
# IA32_FEATURE_CONTROL: trapped by the MSR bitmap and emulated (guest/vmsr.c).
DEFAULT_MSR = 0x3A
# The vIOAPIC's IOREGSEL: not mapped in EPT, so an EPT violation, the instruction
# emulator and the vIOAPIC's MMIO handler. (The vLAPIC page is no longer an MMIO path
# where the CPU virtualizes APIC accesses.)
DEFAULT_MMIO = 0xFEC00000
DEFAULT_TIMEOUT = 300.0
DEFAULT_DOC = REPO / "doc" / "performance.md"


def bench_cmdline(name: str, vcpus: int, msr: int, mmio: int) -> str:
    return (f"name={name} vcpus={vcpus} bench=1 bench_msr=0x{msr:x} bench_mmio=0x{mmio:x} "
            "heartbeat=1")


def idle_cmdline(name: str, vcpus: int) -> str:
    """The other VMs: one short test, then halt, so they stay out of the way."""
    return f"name={name} vcpus={vcpus} tests=cpuid heartbeat=1"


def scenario_vms(sample: str) -> list[tuple[int, str, list[int]]]:
    """(id, name, physical CPUs) of every VM in scenario_xmls/<sample>.xml."""
    path = REPO / "scenario_xmls" / f"{sample}.xml"
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as err:
        raise BenchError(f"cannot read scenario {path}: {err}", exit_code=2) from None
    vms = []
    for vm in root.iter("vm"):
        name = (vm.findtext("name") or "").strip() or vm.get("name", "")
        try:
            pcpus = [int((p.text or "").strip(), 0) for p in vm.iterfind("cpu-affinity/pcpu")]
            vms.append((int(vm.get("id", "-1"), 0), name, pcpus))
        except ValueError as err:
            raise BenchError(f"scenario {path}: VM {name}: {err}", exit_code=2) from None
    return vms


def guest_cmdlines(sample: str, msr: int, mmio: int,
                   bench_vm: int = 0) -> tuple[dict[str, str], str]:
    """Command lines for every VM of the sample, and the benchmark VM's.

    VM 0 must have physical CPU 0 (the boot CPU) first: the boot latency compares its
    first TSC with the TSC the hypervisor read on that CPU.
    """
    cmdlines: dict[str, str] = {}
    bench = None
    for vm_id, name, pcpus in scenario_vms(sample):
        vcpus = max(1, len(pcpus))
        if vm_id == 0 and (not pcpus or pcpus[0] != 0):
            raise BenchError(f"scenario {sample}: VM 0 ({name}) must run on physical "
                             f"CPU 0 first, has {pcpus}", exit_code=2)
        if vm_id == bench_vm:
            bench = cmdlines[name] = bench_cmdline(name, vcpus, msr, mmio)
        else:
            cmdlines[name] = idle_cmdline(name, vcpus)
    if bench is None:
        raise BenchError(f"scenario {sample} has no VM with id {bench_vm}", exit_code=2)
    return cmdlines, bench


def lapic_pt_vm(sample: str) -> tuple[int, str]:
    """The VM that gets the LAPIC passed through: the first with two or more physical
    CPUs, none of them CPU 0 (the validator keeps passthrough off the boot CPU)."""
    for vm_id, name, pcpus in scenario_vms(sample):
        if len(pcpus) >= 2 and 0 not in pcpus:
            return vm_id, name
    raise BenchError(f"scenario {sample} has no VM with two or more physical CPUs other "
                     "than CPU 0 to pass the LAPIC through to", exit_code=2)


def _clean_make_environment() -> None:
    # A parent make's flags (jobserver descriptors, O=, V=) are not meant for these
    # builds, which run with their own output directories.
    for var in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        os.environ.pop(var, None)


def build_guest(out: Path, guest: Path | None) -> Path:
    """The test guest: the one given, or built under out/testguest."""
    import guest_scenarios  # tests/e2e: how the e2e tests derive test-guest scenarios

    _clean_make_environment()
    if guest is not None:
        if not guest.is_file():
            raise BenchError(f"test guest {guest} not found", exit_code=2)
        return guest
    progress(f"building the test guest into {out / 'testguest'}")
    try:
        return guest_scenarios.build_testguest(out / "testguest")
    except AssertionError as err:  # guest_scenarios reports failures this way
        raise BenchError(f"build failed: {err}") from None


def build(out: Path, sample: str, cmdlines: dict[str, str], guest: Path,
          settings: dict[str, dict[str, str]] | None = None) -> Path:
    """The scenario and the image under out; returns the ISO."""
    import guest_scenarios

    _clean_make_environment()
    try:
        # One scenario path for every run (an image directory belongs to one scenario),
        # rewritten only when it changes so that a rerun rebuilds nothing.
        scenario = out / "bench-scenario.xml"
        fresh = guest_scenarios.with_testguest(sample, guest, cmdlines,
                                               out / "bench-scenario.xml.new", settings)
        if scenario.is_file() and scenario.read_bytes() == fresh.read_bytes():
            fresh.unlink()
        else:
            fresh.replace(scenario)
        progress(f"building the image for {scenario} ({sample} with the test guest) "
                 f"into {out / 'image'}")
        guest_scenarios.build_image(scenario, out / "image")
    except AssertionError as err:  # guest_scenarios reports failures this way
        raise BenchError(f"build failed: {err}") from None
    return out / "image" / "bulkhead.iso"


def hv_cmdline(image: Path) -> str:
    """CONFIG_HV_CMDLINE of a built image (its include/config/auto.conf)."""
    auto = image / "include" / "config" / "auto.conf"
    try:
        text = auto.read_text(encoding="utf-8")
    except OSError as err:
        raise BenchError(f"cannot read {auto}: {err}") from None
    m = re.search(r'^CONFIG_HV_CMDLINE="(.*)"$', text, re.M)
    return m.group(1).replace('\\"', '"').replace("\\\\", "\\") if m else ""


def iso_with_option(image: Path, option: str, iso: Path) -> Path:
    """The image's ISO again, with option added to the hypervisor command line."""
    import mkiso  # misc/

    cmdline = " ".join(w for w in (hv_cmdline(image), option) if w)
    try:
        args = mkiso.parse_args(["--out", str(iso), "--hypervisor", str(image / "bulkhead.elf"),
                                 "--build-dir", str(image), "--cmdline", cmdline,
                                 "--modules-from", str(image / "generated" / "modules.list")])
        progress(f"writing {iso} (hypervisor command line: {cmdline!r})")
        return mkiso.build_iso(args.out, args.hypervisor, args.cmdline, args.modules)
    except mkiso.MkisoError as err:
        raise BenchError(f"cannot write {iso}: {err}") from None


def boot(iso: Path, out: Path, model: str, cpus: int, vm: int, timeout: float,
         bochs_lines: Sequence[str]) -> tuple[str, str | None]:
    """Boots the ISO in Bochs until VM `vm` ends its benchmark.

    Returns the serial log and, when the run did not get that far (timeout, Bochs
    exited), why. Stops early on a guest fatal error, a hypervisor panic or VM `vm`
    being stopped. What was printed is parsed either way: what is missing is reported
    as missing.
    """
    end = re.compile(
        rf"^vm{vm}\| testguest: (bench done|fatal: .*)$|\*\*\* PANIC on cpu\d+"
        rf"|\bvm{vm} \([^)]*\): stopped", re.M)
    config = emulator.EmulatorConfig(
        emu="bochs", iso=iso, cpus=cpus, model=model, serial_log=out / "serial.log",
        workdir=out / "bochs", keep_workdir=True, extra_bochs_lines=list(bochs_lines))
    progress(f"booting Bochs ({model}, {cpus} CPUs); serial log {out / 'serial.log'}")
    problem = None
    try:
        with emulator.Emulator(config) as emu:
            try:
                emu.wait_for_serial(end, timeout=timeout)
            except emulator.EmulatorError as err:
                problem = str(err)
                progress(f"{problem}; parsing what was printed")
            text = emu.serial_text()
    except emulator.EmulatorError as err:
        raise BenchError(f"cannot run Bochs: {err}", exit_code=err.exit_code) from None
    return text, problem


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _hex(text: str) -> int:
    try:
        return int(text, 16)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a hex number: {text!r}") from None


def _known_names(text: str, known: Sequence[str], what: str) -> list[str]:
    """A comma list of names out of known, or an argparse error naming what is not."""
    names = [n for n in text.split(",") if n]
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {', '.join(unknown)} (known: {', '.join(known)})")
    return names


def _names(text: str) -> list[str]:
    return _known_names(text, bench_report.RESULT_NAMES, "result")


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit status 2 for bad usage
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _configs(text: str) -> list[str]:
    names = _known_names(text, list(bench_report.CONFIGS), "configuration")
    # The default run is the document's frame: always made, always first.
    return [bench_report.DEFAULT_CONFIG] + [n for n in bench_report.CONFIGS
                                            if n in names and n != bench_report.DEFAULT_CONFIG]


def _log_spec(text: str) -> tuple[str, Path]:
    config, sep, path = text.partition("=")
    if not sep:
        return bench_report.DEFAULT_CONFIG, Path(text)
    if config not in bench_report.CONFIGS:
        raise argparse.ArgumentTypeError(
            f"unknown configuration {config!r} in --log (known: "
            f"{', '.join(bench_report.CONFIGS)})")
    return config, Path(path)


def build_parser() -> argparse.ArgumentParser:
    targets = ", ".join(f"{k} <= {v}" for k, v in bench_report.TARGETS.items())
    parser = _ArgumentParser(
        prog="run_bench.py",
        description=__doc__.split("\n\n", 1)[1].strip() if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=textwrap.fill(
            f"Targets (hypervisor instructions per round trip): {targets}. Writes "
            "OUT/results.json (sorted keys, no dates: the same run gives the same bytes), "
            "OUT/serial.log and Bochs's files in OUT/bochs/, and prints the table.", 88)
        + "\n\n" + textwrap.fill(
            "Exit status: 0 all targets met and every required result present; 1 a "
            "target missed, a required result missing, the guest or hypervisor failed, "
            "or the build failed; 2 bad arguments or input.", 88))
    parser.add_argument("--out", type=Path, default=REPO / "build" / "bench", metavar="DIR",
                        help="output directory (default: build/bench)")
    parser.add_argument("--model", default=emulator.DEFAULT_BOCHS_MODEL,
                        help=f"Bochs CPU model (default: {emulator.DEFAULT_BOCHS_MODEL})")
    parser.add_argument("--cpus", type=int, default=4,
                        help="emulated CPUs (default: 4, what board_xmls/bochs.xml says)")
    parser.add_argument("--sample", default=DEFAULT_SAMPLE,
                        help=f"scenario_xmls/ sample whose VMs get the test guest; VM 0 "
                             f"runs the benchmark (default: {DEFAULT_SAMPLE})")
    parser.add_argument("--msr", type=_hex, default=DEFAULT_MSR, metavar="HEX",
                        help=f"MSR the guest reads (a trapped one; default: "
                             f"0x{DEFAULT_MSR:x}, IA32_FEATURE_CONTROL)")
    parser.add_argument("--mmio", type=_hex, default=DEFAULT_MMIO, metavar="HEX",
                        help=f"guest-physical address the guest reads 4 bytes from (an "
                             f"emulated MMIO register; default: 0x{DEFAULT_MMIO:x}, the "
                             "vIOAPIC's IOREGSEL)")
    parser.add_argument("--allow-missing", type=_names, default=["mmio"], metavar="NAMES",
                        help="comma list of results that may be missing without failing "
                             "the run (default: mmio; '' requires all). Known: "
                             + ", ".join(bench_report.RESULT_NAMES))
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"wall-clock limit of the Bochs run (default: "
                             f"{DEFAULT_TIMEOUT:.0f})")
    parser.add_argument("--bochs-line", action="append", default=[], metavar="LINE",
                        help="extra bochsrc line (repeatable)")
    parser.add_argument("--guest", type=Path, default=None, metavar="ELF",
                        help="use this test guest instead of building tests/guests")
    parser.add_argument("--configs", type=_configs, default=list(bench_report.CONFIGS),
                        metavar="NAMES",
                        help="comma list of the runs to make (default: all). Known: "
                             + "; ".join(f"{k}: {v}" for k, v in
                                         bench_report.CONFIGS.items())
                             + f". {bench_report.DEFAULT_CONFIG} is always made")
    parser.add_argument("--log", type=_log_spec, action="append", default=[],
                        metavar="[CONFIG=]FILE",
                        help="parse this serial log of the run CONFIG (default: "
                             f"{bench_report.DEFAULT_CONFIG}) instead of building and "
                             "booting; repeatable, one per run (the other options must "
                             "describe how the logs were made)")
    parser.add_argument("--update-doc", action="store_true",
                        help="rewrite the results table in the documentation file "
                             "between its bench-results markers")
    parser.add_argument("--doc", type=Path, default=DEFAULT_DOC, metavar="FILE",
                        help="documentation file for --update-doc (default: "
                             "doc/performance.md)")
    return parser


def read_log(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise BenchError(f"cannot read {path}: {err}", exit_code=2) from None
    return emulator.clean_serial_text(text)


def bench_vm_of(config: str, sample: str) -> int:
    return lapic_pt_vm(sample)[0] if config == "lapic-pt" else 0


def make_run(config: str, args: argparse.Namespace, out: Path, guest: Path,
             default_iso: Path | None) -> tuple[str, str | None]:
    """Builds what the configuration needs and boots it; its serial log and any problem.

    default: out/ (image, serial.log, bochs/); the others under out/<config>/."""
    run_dir = out if config == bench_report.DEFAULT_CONFIG else out / config
    run_dir.mkdir(parents=True, exist_ok=True)
    vm = bench_vm_of(config, args.sample)
    if config == bench_report.DEFAULT_CONFIG:
        cmdlines, _ = guest_cmdlines(args.sample, args.msr, args.mmio)
        iso = build(out, args.sample, cmdlines, guest)
    elif config == "noapicv":
        assert default_iso is not None, "the default run comes first"
        iso = iso_with_option(default_iso.parent, "noapicv", run_dir / "bulkhead.iso")
    else:  # lapic-pt
        _, name = lapic_pt_vm(args.sample)
        cmdlines, _ = guest_cmdlines(args.sample, args.msr, args.mmio, bench_vm=vm)
        iso = build(run_dir, args.sample, cmdlines, guest,
                    {name: {"type": "real-time", "lapic-passthrough": "true"}})
    return boot(iso, run_dir, args.model, args.cpus, vm, args.timeout, args.bochs_line)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.cpus <= 64:
        raise BenchError(f"--cpus must be 1..64, not {args.cpus}", exit_code=2)
    _, bench = guest_cmdlines(args.sample, args.msr, args.mmio)
    settings = Settings(model=args.model, cpus=args.cpus, scenario=args.sample, vm=0,
                        guest_cmdline=bench, msr=args.msr, mmio=args.mmio)
    out = args.out.resolve()
    runs: dict[str, bench_report.LogFacts] = {}
    if args.log:
        logs = dict(args.log)
        if len(logs) != len(args.log):
            raise BenchError("--log names one configuration twice", exit_code=2)
        if bench_report.DEFAULT_CONFIG not in logs:
            raise BenchError(f"--log: the {bench_report.DEFAULT_CONFIG} run's log is "
                             "needed (a FILE without CONFIG=)", exit_code=2)
        for config in bench_report.CONFIGS:
            if config in logs:
                runs[config] = bench_report.parse_log(read_log(logs[config]),
                                                      vm=bench_vm_of(config, args.sample))
    else:
        out.mkdir(parents=True, exist_ok=True)
        guest = build_guest(out, args.guest.resolve() if args.guest is not None else None)
        default_iso = None
        for config in args.configs:
            text, problem = make_run(config, args, out, guest, default_iso)
            if config == bench_report.DEFAULT_CONFIG:
                default_iso = out / "image" / "bulkhead.iso"
            runs[config] = bench_report.parse_log(text, vm=bench_vm_of(config, args.sample))
            if problem:
                runs[config].trouble.append(problem)

    facts = runs.pop(bench_report.DEFAULT_CONFIG)
    document = bench_report.evaluate(facts, settings, allow_missing=args.allow_missing,
                                     other_runs=runs)
    out.mkdir(parents=True, exist_ok=True)
    results = out / "results.json"
    results.write_text(bench_report.to_json(document), encoding="utf-8")

    print(bench_report.table(document), end="")
    for failure in document["failures"]:
        print(f"FAILED {failure}")
    print(f"results: {results}")

    if args.update_doc:
        measured = [r for r in document["results"].values() if "instructions" in r]
        if not measured:
            raise BenchError(f"nothing was measured: {args.doc} left as it is")
        try:
            old = args.doc.read_text(encoding="utf-8")
        except OSError as err:
            raise BenchError(f"cannot read {args.doc}: {err}", exit_code=2) from None
        new = bench_report.update_doc(old, bench_report.doc_section(document))
        if new != old:
            args.doc.write_text(new, encoding="utf-8")
        print(f"{args.doc}: {'updated' if new != old else 'unchanged'}")
    return 0 if document["passed"] else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    emulator.install_signal_handlers()
    try:
        return run(args)
    except BenchError as err:
        print(f"bench: error: {err}", file=sys.stderr)
        return err.exit_code


if __name__ == "__main__":
    sys.exit(main())
