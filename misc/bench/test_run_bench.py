# SPDX-License-Identifier: BSD-3-Clause
"""Unit tests of the benchmark runner (no emulator, no build): log parsing, the results
document and its JSON, the table, the doc/performance.md update and the CLI on a
recorded log.

    /usr/bin/python3 -m pytest -p no:cacheprovider misc/bench
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_report  # noqa: E402
import run_bench  # noqa: E402
from bench_report import DOC_BEGIN, DOC_END, BenchError, Settings  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

# What a run prints, trimmed: hypervisor lines with their log prefix, both VMs' guest
# lines interleaved, the MMIO read refused.
LOG = """\
\x1b[H\x1b[J  Booting `Bulkhead'
[    0.000000] cpu0 I: Bulkhead 0.1.0-dev (debug build) starting
[    0.000000] cpu0 I: boot: entry TSC 267093460
[    0.213408] cpu0 I: vm0 (linux-a): started on 2 vCPU(s), boot 1
vm1| testguest: first_tsc 304841397
vm0| testguest: boot 1 vm linux-a vcpus 2 privileged 0 bench 1
vm0| testguest: first_tsc 305873397
vm1| testguest: bench cpuid min 999 median 999 baseline 5
vm0| testguest: PASS boot.long_mode
vm0| testguest: bench empty min 5 median 5 baseline 5
vm0| testguest: bench cpuid min 215 median 217 baseline 5
vm0| testguest: bench rdmsr min 200 median 200 baseline 5
vm0| testguest: bench out min 385 median 390 baseline 5
[    0.394938] cpu0 W: vm0 vcpu0: read of guest-physical 0xfee00030 outside its memory: #GP
vm0| testguest: bench mmio skipped: reading 0xfee00030 raises #GP(0)
vm0| testguest: bench timer min 1200 median 1205 baseline 430
vm0| testguest: bench eoi min 5 median 5 baseline 5
vm0| testguest: bench ipi min 1425 median 1430 baseline 430
vm0| testguest: bench ipi_send min 450 median 450 baseline 5
vm0| testguest: bench done
vm0| testguest: done: 1 passed, 0 failed
"""

SETTINGS = Settings(model="corei7_haswell_4770", cpus=4, scenario="partitioned", vm=0,
                    guest_cmdline="name=linux-a bench=1", msr=0x3A, mmio=0xFEE00030)


def with_cpuid(log: str, ticks: int) -> str:
    return log.replace("bench cpuid min 215 median 217",
                       f"bench cpuid min {ticks} median {ticks}")


# -- parsing -------------------------------------------------------------------------


def test_parse_log_reads_vm0_and_the_hypervisor() -> None:
    facts = bench_report.parse_log(LOG)
    assert facts.entry_tsc == 267093460
    assert facts.first_tsc == 305873397  # VM 1's first_tsc comes earlier and is ignored
    assert facts.samples["cpuid"] == bench_report.Sample(215, 217, 5)  # not VM 1's
    assert facts.samples["out"] == bench_report.Sample(385, 390, 5)
    assert facts.skipped == {"mmio": "reading 0xfee00030 raises #GP(0)"}
    assert facts.done
    assert (facts.version, facts.build_type) == ("0.1.0-dev", "debug")
    assert facts.trouble == []


def test_parse_log_other_vm() -> None:
    facts = bench_report.parse_log(LOG, vm=1)
    assert facts.first_tsc == 304841397
    assert set(facts.samples) == {"cpuid"}
    assert not facts.done


def test_parse_log_keeps_the_first_boot_and_collects_trouble() -> None:
    log = (LOG + "vm0| testguest: first_tsc 999999999999\n"
           "vm0| testguest: bench cpuid min 1 median 1 baseline 1\n"
           "vm0| testguest: FAIL boot.unexpected_exception: #UD at rip 0x1\n"
           "[    1.0] cpu2 E: *** PANIC on cpu2: out of memory\n"
           "[    1.0] cpu0 I: vm0 (linux-a): stopped: triple fault\n"
           "[    1.0] cpu2 I: vm1 (linux-b): stopped: triple fault\n")
    facts = bench_report.parse_log(log)
    assert facts.first_tsc == 305873397
    assert facts.samples["cpuid"].minimum == 215
    assert facts.trouble == [
        "vm0| testguest: FAIL boot.unexpected_exception: #UD at rip 0x1",
        "*** PANIC on cpu2: out of memory",
        "vm0 (linux-a): stopped: triple fault",
    ]


@pytest.mark.parametrize("junk", ["", "\x00\xff garbage", "vmX| testguest: bench cpuid",
                                  "vm0| testguest: bench cpuid min x median 1 baseline 1",
                                  "vm0| testguest: first_tsc -5", "boot: entry TSC 0x10"])
def test_parse_log_ignores_what_it_does_not_know(junk: str) -> None:
    facts = bench_report.parse_log(junk)
    assert facts.samples == {} and facts.first_tsc is None and facts.entry_tsc is None


# -- evaluation ----------------------------------------------------------------------


def evaluate(log: str, **kwargs: object) -> dict:
    return bench_report.evaluate(bench_report.parse_log(log), SETTINGS, **kwargs)


def test_evaluate_subtracts_the_baseline_and_checks_targets() -> None:
    doc = evaluate(LOG)
    cpuid, out, rdmsr = (doc["results"][n] for n in ("cpuid", "out", "rdmsr"))
    assert (cpuid["instructions"], cpuid["instructions_median"]) == (210, 212)
    assert cpuid["target"] == 150 and cpuid["status"] == bench_report.OVER
    assert (out["instructions"], out["target"], out["status"]) == (380, 400, "ok")
    assert (rdmsr["instructions"], rdmsr["target"], rdmsr["status"]) == (195, None, "ok")
    assert doc["failures"] == [
        "cpuid: 210 hypervisor instructions per round trip, target at most 150"]
    assert doc["passed"] is False


def test_evaluate_targets_are_inclusive() -> None:
    doc = evaluate(with_cpuid(LOG, 155))
    assert doc["results"]["cpuid"]["instructions"] == 150
    assert doc["results"]["cpuid"]["status"] == "ok"
    assert doc["passed"] is True
    log = with_cpuid(LOG, 155).replace("bench out min 385", "bench out min 406")
    assert evaluate(log)["failures"] == [
        "out: 401 hypervisor instructions per round trip, target at most 400"]


def test_evaluate_boot_latency() -> None:
    boot = evaluate(LOG)["results"]["boot"]
    assert boot == {"entry_tsc": 267093460, "first_tsc": 305873397,
                    "instructions": 305873397 - 267093460, "status": "ok", "target": None,
                    "what": "hypervisor entry to VM 0's first instruction"}


def test_evaluate_boot_latency_needs_a_later_guest_tsc() -> None:
    log = with_cpuid(LOG, 100).replace("first_tsc 305873397", "first_tsc 1000")
    doc = evaluate(log)
    assert doc["results"]["boot"]["status"] == bench_report.MISSING
    assert "not after the hypervisor's entry TSC" in doc["results"]["boot"]["reason"]
    assert doc["failures"][0].startswith("boot: missing: VM 0's first_tsc 1000")


def test_evaluate_mmio_missing_is_allowed_by_default_with_the_reason() -> None:
    doc = evaluate(with_cpuid(LOG, 100))
    mmio = doc["results"]["mmio"]
    assert mmio["status"] == bench_report.MISSING_ALLOWED
    assert mmio["reason"] == "the guest skipped it: reading 0xfee00030 raises #GP(0)"
    assert doc["passed"] is True


def test_evaluate_required_result_missing_fails() -> None:
    doc = evaluate(with_cpuid(LOG, 100), allow_missing=())
    assert doc["failures"] == [
        "mmio: missing: the guest skipped it: reading 0xfee00030 raises #GP(0)"]
    log = with_cpuid(LOG, 100).replace("[    0.000000] cpu0 I: boot: entry TSC 267093460\n", "")
    assert evaluate(log)["failures"] == [
        "boot: missing: no 'boot: entry TSC' line from the hypervisor"]


def test_evaluate_unfinished_run() -> None:
    log = LOG.split("vm0| testguest: bench rdmsr")[0]
    doc = evaluate(log)
    for name in ("rdmsr", "out"):
        assert doc["results"][name]["reason"] == (
            "the guest did not finish the benchmark (no 'bench done' line)")
    assert not doc["passed"]


def test_evaluate_mmio_measured() -> None:
    log = with_cpuid(LOG, 100).replace(
        "vm0| testguest: bench mmio skipped: reading 0xfee00030 raises #GP(0)",
        "vm0| testguest: bench mmio min 905 median 905 baseline 5")
    mmio = evaluate(log, allow_missing=())["results"]["mmio"]
    assert (mmio["instructions"], mmio["status"]) == (900, "ok")


def test_evaluate_trouble_fails_the_run() -> None:
    log = with_cpuid(LOG, 100) + "[    1.0] cpu0 E: *** PANIC on cpu0: boom\n"
    assert evaluate(log)["failures"] == ["run: *** PANIC on cpu0: boom"]


# -- JSON, table, doc ----------------------------------------------------------------


def test_json_is_deterministic_and_date_free() -> None:
    first = bench_report.to_json(evaluate(LOG))
    second = bench_report.to_json(evaluate(LOG))
    assert first == second and first.endswith("}\n")
    data = json.loads(first)
    assert first == json.dumps(data, indent=2, sort_keys=True) + "\n"
    assert data["model"] == "corei7_haswell_4770" and data["schema"] == bench_report.SCHEMA
    assert not any(word in first.lower() for word in ("date", "time\"", "2024", "2025"))


def test_table_rows() -> None:
    text = bench_report.table(evaluate(LOG))
    lines = text.splitlines()
    assert len(lines) == 2 + len(bench_report.config_results(bench_report.DEFAULT_CONFIG))
    assert lines[7] == ("| timer | TSC-deadline timer: deadline to the guest's handler | 1200 "
                        "| 1205 | 430 | 770 | 775 |  | ok |")
    assert lines[2] == ("| cpuid | CPUID leaf 0 | 215 | 217 | 5 | 210 | 212 | <= 150 "
                        "| over target |")
    assert lines[3].startswith("| rdmsr | RDMSR 0x3a | 200 | 200 | 5 | 195 | 195 |  | ok")
    assert "missing (allowed): the guest skipped it: reading 0xfee00030" in lines[5]
    assert lines[6].startswith(f"| boot | hypervisor entry to VM 0's first instruction "
                               f"|  |  |  | {305873397 - 267093460} |")


# The same guest lines from the other runs: noapicv in VM 0, lapic-pt in VM 1.
NOAPICV_LOG = """\
vm0| testguest: bench empty min 5 median 5 baseline 5
vm0| testguest: bench timer min 1355 median 1355 baseline 430
vm0| testguest: bench eoi min 665 median 665 baseline 5
vm0| testguest: bench ipi min 1570 median 1575 baseline 430
vm0| testguest: bench ipi_send min 450 median 450 baseline 5
vm0| testguest: bench done
"""
LAPIC_PT_LOG = """\
vm0| testguest: bench timer min 9999 median 9999 baseline 430
vm1| testguest: bench timer min 425 median 425 baseline 430
vm1| testguest: bench eoi min 5 median 5 baseline 5
vm1| testguest: bench ipi min 790 median 795 baseline 430
vm1| testguest: bench ipi_send min 455 median 455 baseline 5
vm1| testguest: bench done
"""


def evaluate_all(noapicv: str = NOAPICV_LOG, lapic_pt: str = LAPIC_PT_LOG,
                 **kwargs: object) -> dict:
    others = {"noapicv": bench_report.parse_log(noapicv, vm=0),
              "lapic-pt": bench_report.parse_log(lapic_pt, vm=1)}
    return bench_report.evaluate(bench_report.parse_log(with_cpuid(LOG, 120)), SETTINGS,
                                 other_runs=others, **kwargs)


def test_evaluate_interrupt_results_of_every_run() -> None:
    doc = evaluate_all()
    results = doc["results"]
    assert list(results) == list(bench_report.RESULT_NAMES)
    assert (results["timer"]["instructions"], results["ipi"]["instructions"]) == (770, 995)
    assert results["eoi:noapicv"]["instructions"] == 660
    # VM 1's lines, not VM 0's; passthrough costs can be one Bochs quantum below zero.
    assert results["timer:lapic-pt"]["instructions"] == -5
    assert results["ipi:lapic-pt"]["instructions_median"] == 365
    assert "LAPIC passthrough" in results["ipi:lapic-pt"]["what"]
    assert doc["configs"]["lapic-pt"]["vm"] == 1 and doc["passed"] is True
    assert "cpuid:noapicv" not in results


def test_evaluate_other_run_missing_and_trouble_fail() -> None:
    log = NOAPICV_LOG.replace("vm0| testguest: bench ipi min 1570 median 1575 baseline 430\n",
                              "vm0| testguest: bench ipi skipped: AP 1 did not receive the "
                              "IPI\n") + "*** PANIC on cpu2: boom\n"
    doc = evaluate_all(noapicv=log)
    assert doc["failures"] == [
        "ipi:noapicv: missing: the guest skipped it: AP 1 did not receive the IPI",
        "run noapicv: *** PANIC on cpu2: boom"]
    assert evaluate_all(noapicv=log, allow_missing=("mmio", "ipi:noapicv"))["failures"] == [
        "run noapicv: *** PANIC on cpu2: boom"]


def test_evaluate_default_run_needs_its_interrupt_results() -> None:
    log = with_cpuid(LOG, 120).replace("vm0| testguest: bench ipi min 1425 median 1430 "
                                       "baseline 430\n", "")
    assert evaluate(log)["failures"] == [
        "ipi: missing: the guest printed no result for it"]


def test_evaluate_refuses_an_unknown_run() -> None:
    with pytest.raises(BenchError):
        bench_report.evaluate(bench_report.parse_log(LOG), SETTINGS,
                              other_runs={"turbo": bench_report.parse_log("")})


def test_doc_section_names_the_other_runs() -> None:
    section = bench_report.doc_section(evaluate_all())
    assert "`noapicv`, software vLAPIC" in section
    assert "`lapic-pt`, LAPIC passthrough (a real-time VM), the test guest in VM 1" in section
    assert "| ipi:lapic-pt |" in section


def test_update_doc_replaces_only_between_the_markers() -> None:
    text = f"# Title\n\nintro\n\n{DOC_BEGIN}\nold table\n{DOC_END}\n\n## After\n"
    new = bench_report.update_doc(text, "NEW\n")
    assert new == f"# Title\n\nintro\n\n{DOC_BEGIN}\nNEW\n{DOC_END}\n\n## After\n"
    assert bench_report.update_doc(new, "NEW\n") == new


@pytest.mark.parametrize("text", ["no markers\n", f"{DOC_BEGIN}\n", f"{DOC_END}\n{DOC_BEGIN}",
                                  f"{DOC_BEGIN}\n{DOC_END}\n{DOC_BEGIN}\n{DOC_END}\n",
                                  f"{DOC_BEGIN}{DOC_END}\n"])
def test_update_doc_refuses_bad_markers(text: str) -> None:
    with pytest.raises(BenchError) as err:
        bench_report.update_doc(text, "x\n")
    assert err.value.exit_code == 2


def test_the_real_doc_has_one_results_section() -> None:
    text = (REPO / "doc" / "performance.md").read_text(encoding="utf-8")
    section = bench_report.doc_section(evaluate(LOG))
    updated = bench_report.update_doc(text, section)
    assert section in updated
    assert updated.split(DOC_BEGIN)[0] == text.split(DOC_BEGIN)[0]
    assert updated.split(DOC_END)[1] == text.split(DOC_END)[1]


# -- scenario and CLI ----------------------------------------------------------------


def test_guest_cmdlines_for_the_partitioned_sample() -> None:
    cmdlines, bench = run_bench.guest_cmdlines("partitioned", 0x3A, run_bench.DEFAULT_MMIO)
    assert bench == cmdlines["linux-a"] == (
        "name=linux-a vcpus=2 bench=1 bench_msr=0x3a bench_mmio=0xfec00000 heartbeat=1")
    assert cmdlines["linux-b"] == "name=linux-b vcpus=2 tests=cpuid heartbeat=1"


def test_lapic_pt_run_uses_the_vm_without_cpu0() -> None:
    assert run_bench.lapic_pt_vm("partitioned") == (1, "linux-b")
    cmdlines, bench = run_bench.guest_cmdlines("partitioned", 0x3A, 0xFEE00030, bench_vm=1)
    assert bench == cmdlines["linux-b"] and "bench=1" in bench
    assert cmdlines["linux-a"] == "name=linux-a vcpus=2 tests=cpuid heartbeat=1"


def test_hv_cmdline_of_a_built_image(tmp_path: Path) -> None:
    auto = tmp_path / "include" / "config" / "auto.conf"
    auto.parent.mkdir(parents=True)
    auto.write_text('CONFIG_A=y\nCONFIG_HV_CMDLINE="loglevel=4 x=\\"y\\""\n',
                    encoding="utf-8")
    assert run_bench.hv_cmdline(tmp_path) == 'loglevel=4 x="y"'
    auto.write_text("CONFIG_A=y\n", encoding="utf-8")
    assert run_bench.hv_cmdline(tmp_path) == ""


def test_guest_cmdlines_unknown_sample() -> None:
    with pytest.raises(BenchError) as err:
        run_bench.guest_cmdlines("no-such-sample", 0x3A, 0xFEE00030)
    assert err.value.exit_code == 2


def run_cli(tmp_path: Path, log: str, *args: str) -> int:
    path = tmp_path / "serial.log"
    path.write_text(log, encoding="utf-8")
    return run_bench.main(["--log", str(path), "--out", str(tmp_path / "out"), *args])


def test_cli_missed_target_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(tmp_path, LOG) == 1
    out = capsys.readouterr().out
    assert "FAILED cpuid: 210 hypervisor instructions per round trip" in out
    data = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert data["passed"] is False and data["results"]["cpuid"]["instructions"] == 210


def test_cli_same_log_same_bytes(tmp_path: Path) -> None:
    run_cli(tmp_path, LOG)
    first = (tmp_path / "out" / "results.json").read_bytes()
    run_cli(tmp_path, LOG)
    assert (tmp_path / "out" / "results.json").read_bytes() == first


def test_cli_targets_met_exits_0(tmp_path: Path) -> None:
    assert run_cli(tmp_path, with_cpuid(LOG, 120)) == 0
    assert run_cli(tmp_path, with_cpuid(LOG, 120), "--allow-missing", "") == 1


def test_cli_update_doc(tmp_path: Path) -> None:
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Perf\n{DOC_BEGIN}\n{DOC_END}\ntail\n", encoding="utf-8")
    assert run_cli(tmp_path, with_cpuid(LOG, 120), "--update-doc", "--doc", str(doc)) == 0
    text = doc.read_text(encoding="utf-8")
    assert "| cpuid | CPUID leaf 0 | 120 | 120 | 5 | 115 | 115 | <= 150 | ok |" in text
    assert text.startswith(f"# Perf\n{DOC_BEGIN}\nBochs `corei7_haswell_4770`, 4 CPUs")
    assert text.endswith(f"{DOC_END}\ntail\n")


def test_cli_update_doc_refuses_an_empty_run(tmp_path: Path) -> None:
    doc = tmp_path / "performance.md"
    original = f"{DOC_BEGIN}\nkeep\n{DOC_END}\n"
    doc.write_text(original, encoding="utf-8")
    assert run_cli(tmp_path, "nothing here\n", "--update-doc", "--doc", str(doc)) == 1
    assert doc.read_text(encoding="utf-8") == original


def test_cli_logs_of_every_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "noapicv.log").write_text(NOAPICV_LOG, encoding="utf-8")
    (tmp_path / "pt.log").write_text(LAPIC_PT_LOG, encoding="utf-8")
    assert run_cli(tmp_path, with_cpuid(LOG, 120), "--log", f"noapicv={tmp_path}/noapicv.log",
                   "--log", f"lapic-pt={tmp_path}/pt.log") == 0
    out = capsys.readouterr().out
    assert "| eoi:noapicv |" in out and "| ipi:lapic-pt |" in out
    data = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert sorted(data["configs"]) == ["default", "lapic-pt", "noapicv"]


def test_cli_logs_need_the_default_run(tmp_path: Path) -> None:
    (tmp_path / "noapicv.log").write_text(NOAPICV_LOG, encoding="utf-8")
    assert run_bench.main(["--log", f"noapicv={tmp_path}/noapicv.log",
                           "--out", str(tmp_path / "out")]) == 2


def test_configs_option_keeps_the_default_run_first() -> None:
    args = run_bench.build_parser().parse_args(["--configs", "lapic-pt,noapicv"])
    assert args.configs == ["default", "noapicv", "lapic-pt"]
    assert run_bench.build_parser().parse_args([]).configs == list(bench_report.CONFIGS)


@pytest.mark.parametrize("args", [["--msr", "xyz"], ["--allow-missing", "cpuid,nope"],
                                  ["--no-such-option"], ["--configs", "noapicv,turbo"],
                                  ["--log", "turbo=x.log"]])
def test_cli_bad_arguments_exit_2(args: list[str]) -> None:
    with pytest.raises(SystemExit) as err:
        run_bench.main(args)
    assert err.value.code == 2


def test_cli_missing_log_exits_2(tmp_path: Path) -> None:
    assert run_bench.main(["--log", str(tmp_path / "absent.log"),
                           "--out", str(tmp_path / "out")]) == 2
