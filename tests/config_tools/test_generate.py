"""bulkhead-config generate: golden output for every sample scenario on its board,
determinism, all-or-nothing output, the Kconfig fragment, and the host-side
config_check that compiles the generated tables before the hypervisor does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "config_tools"))

from bulkhead_config import cemit  # noqa: E402
from bulkhead_config.generate import generate  # noqa: E402
from bulkhead_config.output import write_all  # noqa: E402

TOOL = REPO / "config_tools" / "bulkhead-config"
GOLDEN = Path(__file__).resolve().parent / "golden"
BOARD = REPO / "board_xmls" / "bochs.xml"
SCENARIOS = sorted((REPO / "scenario_xmls").glob("*.xml"))
# Set BULKHEAD_UPDATE_GOLDEN=1 to rewrite the golden files after an intended change.
UPDATE = os.environ.get("BULKHEAD_UPDATE_GOLDEN") == "1"


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(TOOL), *args], text=True, capture_output=True, check=False)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_golden_output(scenario: Path) -> None:
    files = generate(str(BOARD), str(scenario))
    # The ACPI tables (acpi/vmN/*, also in vm_configs.c) are checked in test_acpi_tables.
    files = {name: text for name, text in files.items() if not name.startswith("acpi/")}
    assert sorted(files) == ["modules.list", "scenario.config", "vm_configs.c"]
    golden_dir = GOLDEN / scenario.stem
    for name, text in files.items():
        assert isinstance(text, str)
        golden = golden_dir / name
        # modules.list holds absolute paths of this checkout: compared after stripping them.
        text = text.replace(str(REPO) + "/", "") if name == "modules.list" else text
        if UPDATE:
            golden_dir.mkdir(parents=True, exist_ok=True)
            golden.write_text(text, encoding="utf-8")
        assert golden.is_file(), f"no golden file {golden} (BULKHEAD_UPDATE_GOLDEN=1 makes it)"
        assert text == golden.read_text(encoding="utf-8"), f"{scenario.stem}/{name} changed"


def test_output_is_deterministic() -> None:
    first = generate(str(BOARD), str(SCENARIOS[0]))
    second = generate(str(BOARD), str(SCENARIOS[0]))
    assert first == second


def test_invalid_scenario_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    out.mkdir()
    (out / "vm_configs.c").write_text("previous\n")
    bad = tmp_path / "bad.xml"
    text = (REPO / "scenario_xmls" / "partitioned.xml").read_text()
    # Both VMs on the same CPUs: pre-launched VMs must not share one.
    bad.write_text(text.replace("<pcpu>2</pcpu>", "<pcpu>0</pcpu>", 1))
    result = run_tool("generate", "--board", str(BOARD), "--scenario", str(bad),
                      "--out", str(out))
    assert result.returncode == 2, result.stderr
    assert "error [" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["vm_configs.c"]
    assert (out / "vm_configs.c").read_text() == "previous\n"


def test_unchanged_files_are_not_rewritten(tmp_path: Path) -> None:
    files = {"a.c": "one\n", "b.config": "two\n"}
    write_all(tmp_path, files)
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    os.utime(tmp_path / "a.c", ns=(1, 1))
    write_all(tmp_path, {"a.c": "one\n", "b.config": "changed\n"})
    assert (tmp_path / "a.c").stat().st_mtime_ns == 1, "an unchanged file was rewritten"
    assert (tmp_path / "b.config").read_text() == "changed\n"
    assert set(before) == {p.name for p in tmp_path.iterdir()}, "temporary files left over"


def test_kconfig_fragment_sets_the_scenario_settings() -> None:
    files = generate(str(BOARD), str(REPO / "scenario_xmls" / "partitioned.xml"))
    lines = files["scenario.config"].splitlines()
    assert "CONFIG_BUILD_DEBUG=y" in lines or "CONFIG_BUILD_RELEASE=y" in lines
    assert any(line.startswith("CONFIG_MAX_VMS=") for line in lines)
    assert any(line.startswith("CONFIG_SERIAL_PIO_BASE=0x") for line in lines)


def compile_check(tmp_path: Path, c_text: str) -> subprocess.CompletedProcess[str]:
    """Builds hypervisor/config/check/config_check.c with c_text as the tables, as the
    build does, and runs it."""
    tables = tmp_path / "vm_configs.c"
    tables.write_text(c_text)
    autoconf = tmp_path / "autoconf.h"
    autoconf.write_text("#define CONFIG_HV_LOAD_ADDR 0x1000000\n#define CONFIG_MAX_VMS 8\n"
                        "#define CONFIG_MAX_VCPUS_PER_VM 8\n#define CONFIG_MAX_PCPUS 16\n")
    exe = tmp_path / "config-check"
    hv = REPO / "hypervisor"
    subprocess.run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror",
                    f"-I{hv}/include", f"-I{hv}/arch/x86/include", "-include", str(autoconf),
                    "-o", str(exe), str(hv / "config/check/config_check.c"),
                    str(hv / "core/vm_config.c"), str(tables)],
                   check=True, capture_output=True, text=True)
    return subprocess.run([str(exe)], text=True, capture_output=True, check=False)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_generated_tables_pass_the_c_check(tmp_path: Path, scenario: Path) -> None:
    text = generate(str(BOARD), str(scenario))["vm_configs.c"]
    result = compile_check(tmp_path, text)
    assert result.returncode == 0, result.stderr
    assert ": ok" in result.stdout


def test_c_check_catches_what_the_validator_would(tmp_path: Path) -> None:
    """A generator bug must not reach the hypervisor: hand-broken tables fail the check."""
    text = generate(str(BOARD), str(REPO / "scenario_xmls" / "partitioned.xml"))["vm_configs.c"]
    broken = text.replace(".cr4_guest_owned = 0x", ".cr4_guest_owned = 0x2000 | 0x", 1)
    result = compile_check(tmp_path, broken)
    assert result.returncode == 1
    assert "CR4.VMXE/SMXE must stay host-owned" in result.stderr


def test_c_string_escapes() -> None:
    assert cemit.c_string('a"b\\c') == '"a\\"b\\\\c"'
    assert cemit.c_string("tab\there") == '"tab\\011here"'
    assert cemit.c_string("??=") == '"\\077\\077="'
    assert cemit.c_string("é") == '"\\303\\251"'
    assert cemit.c_string(None) == "NULL"


def test_c_literals_reject_out_of_range_values() -> None:
    with pytest.raises(ValueError):
        cemit.c_hex(1 << 64)
    with pytest.raises(ValueError):
        cemit.bitmap([64])
    with pytest.raises(ValueError):
        cemit.c_array("u32", "empty", [])


INVALID = sorted((Path(__file__).resolve().parent / "invalid_scenarios").glob("*.xml"))


@pytest.mark.parametrize("scenario", INVALID, ids=lambda p: p.stem)
def test_invalid_scenario_generates_nothing(tmp_path: Path, scenario: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Every invalid scenario stops generate with exit code 2 and a located message,
    and leaves the output directory exactly as it was."""
    from bulkhead_config.cli import main

    out = tmp_path / "generated"
    out.mkdir()
    (out / "vm_configs.c").write_text("previous\n")
    code = main(["generate", "--board", str(BOARD), "--scenario", str(scenario),
                 "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"{scenario}:" in err and "error [" in err and "fix:" in err, err
    assert "Traceback" not in err
    assert [p.name for p in out.iterdir()] == ["vm_configs.c"]
    assert (out / "vm_configs.c").read_text() == "previous\n"
