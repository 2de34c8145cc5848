# SPDX-License-Identifier: BSD-3-Clause
"""The scenario format and loader (config_tools/schema/scenario.xsd, scenario.py)."""
from __future__ import annotations

import dataclasses
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "config_tools"))

from bulkhead_config.board import load_board  # noqa: E402
from bulkhead_config.errors import ConfigError  # noqa: E402
from bulkhead_config.scenario import (DEFAULT_CR0_GUEST_OWNED,  # noqa: E402
                                      DEFAULT_CR4_GUEST_OWNED, GIB, KCONFIG_MAP, MIB,
                                      SCHEMA_PATH, HypervisorSettings, Ownership,
                                      element_path, format_size, load_scenario, parse_scenario,
                                      parse_size)
from bulkhead_config.validate import check, split  # noqa: E402

SAMPLES = {name: REPO / "scenario_xmls" / f"{name}.xml"
           for name in ("partitioned", "shared", "hybrid")}
XS = "{http://www.w3.org/2001/XMLSchema}"
TOOL = REPO / "config_tools" / "bulkhead-config"


# ------------------------------------------------------------------ values


@pytest.mark.parametrize("text,value", [
    ("0", 0), ("4096", 4096), ("0x1000", 0x1000), ("0X1f", 0x1F), ("4K", 4096),
    ("512M", 512 * MIB), ("2G", 2 * GIB), (" 16M ", 16 * MIB),
    ("0xffffffffffffffff", (1 << 64) - 1)])
def test_parse_size(text: str, value: int) -> None:
    assert parse_size(text) == value


@pytest.mark.parametrize("text", ["", "M", "1.5G", "-1", "0x", "12X", "2g",
                                  "99999999999999999999G", "0x10000000000000000"])
def test_parse_size_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_size(text)


def test_format_size() -> None:
    assert [format_size(v) for v in (2 * GIB, 384 * MIB, 16384, 0x1234, 0)] == \
        ["2G", "384M", "16K", "0x1234", "0x0"]


# ------------------------------------------------------------------ samples


def test_partitioned_model() -> None:
    sc = load_scenario(SAMPLES["partitioned"])
    assert (sc.name, sc.board) == ("partitioned", "bochs")
    assert [vm.name for vm in sc.vms] == ["linux-a", "linux-b"]
    a, b = sc.vms
    assert a.load_order == "pre-launched" and a.type == "standard"
    assert a.cpu_affinity == (0, 1) and a.vcpu_count == 2
    assert a.memory_size is None
    assert [(r.hpa, r.gpa, r.size) for r in b.regions] == [
        (0x12000000, 0, 256 * MIB), (0x22000000, 0x10000000, 64 * MIB)]
    assert b.total_memory == 320 * MIB
    assert b.regions[1].path == "/scenario/vm[@id='1']/memory/region[2]"
    assert a.boot is not None and a.boot.kernel == "linux-a-kernel"
    assert a.boot.kernel_type == "bzimage" and a.boot.initrd == "linux-a-initrd"
    assert a.boot.cmdline == "console=ttyS0 root=/dev/ram0"
    assert a.boot.kernel_file is None and a.boot.initrd_file is None
    link = a.vuarts[1]
    assert (link.index, link.type, link.io_port, link.irq, link.target_vm,
            link.target_vuart) == (1, "link", 0x2F8, 3, "linux-b", 1)
    assert [d.bdf for d in a.pci_devices] == ["00:02.0"]
    assert a.ownership == Ownership()  # defaults
    assert b.ownership.cr4_guest_owned == 0x1078F
    assert b.ownership.cr0_guest_owned == DEFAULT_CR0_GUEST_OWNED
    assert [(m.index, m.policy, m.guest_owned) for m in b.ownership.msrs] == [
        (0x1D9, "passthrough", 0), (0xC0000080, "trap", 0x801), (0x1A0, "deny", 0)]
    assert [s.name for s in sc.shared_memory_of(a)] == ["ab-channel"]
    assert sc.shared_memory[0].size == 2 * MIB
    assert sc.shared_memory[0].peers == ("linux-a", "linux-b")


def test_line_numbers_point_at_elements() -> None:
    path = SAMPLES["partitioned"]
    lines = path.read_text(encoding="utf-8").splitlines()
    sc = load_scenario(path)
    for vm in sc.vms:
        assert f'<vm id="{vm.id}"' in lines[vm.line - 1]
        for region in vm.regions:
            assert "<region" in lines[region.line - 1]
        for n, line in enumerate(vm.pcpu_lines):
            assert f"<pcpu>{vm.cpu_affinity[n]}</pcpu>" in lines[line - 1]
    assert "<max-vms>" in lines[sc.hypervisor.line_of("max-vms") - 1]


def test_element_paths_match_model_paths() -> None:
    path = SAMPLES["partitioned"]
    root = etree.parse(str(path)).getroot()
    sc = load_scenario(path)
    vm1 = root.findall("vm")[1]
    assert element_path(vm1) == sc.vms[1].path == "/scenario/vm[@id='1']"
    assert element_path(vm1.findall("memory/region")[1]) == sc.vms[1].regions[1].path
    assert element_path(vm1.find("vuarts/vuart")) == sc.vms[1].vuarts[0].path
    assert element_path(vm1.find("ownership/msr")) == sc.vms[1].ownership.msrs[0].path
    assert element_path(root.find("shared-memory")) == sc.shared_memory[0].path
    assert element_path(root.find("hypervisor/max-vms")) == "/scenario/hypervisor/max-vms"


def test_defaults_applied() -> None:
    text = b"""<scenario name="tiny" board="bochs">
      <vm id="0" name="only"><load-order>service</load-order>
        <cpu-affinity><pcpu>0</pcpu></cpu-affinity><memory size="0x10000000"/></vm>
    </scenario>"""
    sc = parse_scenario(text, "tiny.xml")
    assert sc.hypervisor == HypervisorSettings()
    hv = sc.hypervisor
    assert (hv.build_type, hv.console_loglevel, hv.mem_loglevel, hv.serial_console,
            hv.load_address, hv.max_pcpus, hv.max_vms, hv.max_vcpus_per_vm, hv.heap_size,
            hv.stack_size, hv.scheduler) == ("debug", 3, 4, 0x3F8, 0x1000000, 16, 8, 8,
                                             4 * MIB, 16384, "none")
    vm = sc.vms[0]
    assert vm.type == "standard" and not vm.lapic_passthrough and vm.boot is None
    assert vm.vuarts == () and vm.pci_devices == ()
    assert vm.ownership.cr0_guest_owned == DEFAULT_CR0_GUEST_OWNED
    assert vm.ownership.cr4_guest_owned == DEFAULT_CR4_GUEST_OWNED
    assert vm.ownership.msrs == ()
    assert sc.shared_memory == ()


def test_image_files() -> None:
    text = b"""<scenario name="s" board="b"><vm id="0" name="a">
      <load-order>service</load-order><cpu-affinity><pcpu>0</pcpu></cpu-affinity>
      <memory size="2M"/><boot kernel="k" kernel-type="bzimage" initrd="r"
        kernel-file="../images/bzImage" initrd-file="/srv/rootfs.cpio"/></vm></scenario>"""
    boot = parse_scenario(text, "s.xml").vms[0].boot
    assert boot is not None
    assert (boot.kernel_file, boot.initrd_file) == ("../images/bzImage", "/srv/rootfs.cpio")
    with pytest.raises(ConfigError) as info:
        parse_scenario(text.replace(b"../images/bzImage", b"my kernel"), "s.xml")
    assert info.value.problems[0].rule == "schema"


def test_model_is_frozen() -> None:
    sc = load_scenario(SAMPLES["shared"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        sc.vms[0].name = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        sc.hypervisor.max_vms = 1  # type: ignore[misc]


def test_kconfig_values() -> None:
    assert load_scenario(SAMPLES["shared"]).hypervisor.kconfig() == {
        "BUILD_DEBUG": "n", "BUILD_RELEASE": "y", "CONSOLE_LOGLEVEL": "2",
        "MEM_LOGLEVEL": "4", "SERIAL_CONSOLE": "y", "SERIAL_PIO_BASE": "0x3f8",
        "HV_LOAD_ADDR": "0x1000000", "MAX_PCPUS": "16", "MAX_VMS": "8",
        "MAX_VCPUS_PER_VM": "8", "HEAP_SIZE": "4194304", "STACK_SIZE": "16384"}
    no_console = HypervisorSettings(serial_console=None).kconfig()
    assert no_console["SERIAL_CONSOLE"] == "n" and "SERIAL_PIO_BASE" not in no_console


def test_kconfig_map_matches_kconfig_and_schema() -> None:
    kconfig = (REPO / "Kconfig").read_text(encoding="utf-8")
    declared = set(re.findall(r"^config (\w+)", kconfig, re.M))
    for entry in KCONFIG_MAP:
        assert set(entry.symbols) <= declared, entry
        assert set(entry.convert(getattr(HypervisorSettings(), entry.attribute))) <= \
            set(entry.symbols)
    schema = etree.parse(str(SCHEMA_PATH))
    children = {el.get("name") for el in schema.iterfind(
        f"{XS}complexType[@name='HypervisorType']/{XS}all/{XS}element")}
    assert children == {entry.element for entry in KCONFIG_MAP} | {"scheduler"}
    # The defaults are Kconfig's defaults.
    for symbol, value in HypervisorSettings().kconfig().items():
        block = re.search(rf"^config {symbol}\n(.*?)(?=^\S|\Z)", kconfig, re.M | re.S)
        assert block, symbol
        default = re.search(r"^\s+default (\S+)", block.group(1), re.M)
        if default and symbol not in ("BUILD_DEBUG", "BUILD_RELEASE"):
            expected = default.group(1)
            assert int(value, 0) == int(expected, 0) if expected[0].isdigit() \
                else value == expected, symbol


# ------------------------------------------------------------------ schema


def test_every_element_and_attribute_documented() -> None:
    schema = etree.parse(str(SCHEMA_PATH))
    items = [el for el in schema.iter(f"{XS}element", f"{XS}attribute", f"{XS}simpleType",
                                      f"{XS}enumeration") if el.get("name") or
             el.tag == f"{XS}enumeration"]
    assert len(items) > 60
    for el in items:
        if el.tag == f"{XS}simpleType" and not el.get("name"):
            continue
        doc = el.find(f"{XS}annotation/{XS}documentation")
        label = el.get("name") or el.get("value")
        assert doc is not None and len((doc.text or "").split()) >= 2, label


def test_schema_documents_defaults_and_units() -> None:
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    for phrase in ("Default: debug", "Default: 3", "Default: 0x3f8", "Default: 16.",
                   "Default: 8.", "Default: 4M", "Default: 16K", "Default: none",
                   "Default: standard", "512M", "2 MiB", "KiB"):
        assert phrase in text, phrase


# ------------------------------------------------------------------ loading errors


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_scenario(tmp_path / "none.xml")
    assert str(info.value).startswith(
        f"{tmp_path / 'none.xml'}: /: error [scenario-unreadable]: cannot read the scenario")


def test_syntax_error_has_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_scenario(b'<scenario name="a" board="b">\n\n<vm>\n</scenario>', "bad.xml")
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.rule) == ("bad.xml", 4, "xml-syntax")


def test_schema_errors_all_reported() -> None:
    text = b"""<scenario name="s" board="b">
      <vm id="0" name="a"><load-order>sometimes</load-order>
        <cpu-affinity><pcpu>0</pcpu></cpu-affinity><memory size="1T"/></vm>
    </scenario>"""
    with pytest.raises(ConfigError) as info:
        parse_scenario(text, "s.xml")
    problems = info.value.problems
    assert {p.rule for p in problems} == {"schema"}
    assert [p.line for p in problems] == [2, 3]
    assert "'sometimes'" in problems[0].message and "'1T'" in problems[1].message
    assert problems[0].path == "/scenario/vm[@id='0']/load-order"
    assert all(p.hint for p in problems)


def test_entities_are_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    text = f"""<?xml version="1.0"?>
<!DOCTYPE scenario [<!ENTITY x SYSTEM "file://{secret}">]>
<scenario name="s" board="b"><vm id="0" name="a"><load-order>service</load-order>
<cpu-affinity><pcpu>0</pcpu></cpu-affinity><memory size="2M"/>
<boot kernel="k" kernel-type="elf"><cmdline>&x;</cmdline></boot></vm></scenario>"""
    try:
        sc = parse_scenario(text.encode(), "e.xml")
    except ConfigError:
        return
    assert sc.vms[0].boot is not None and "TOPSECRET" not in sc.vms[0].boot.cmdline


# ------------------------------------------------------------------ mutation


def _mutate(rng: random.Random, data: bytes) -> bytes:
    """One random structural or textual change to a scenario."""
    kind = rng.randrange(8)
    if kind == 7:  # garbage bytes somewhere in the raw text
        pos = rng.randrange(len(data))
        garbage = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
        return data[:pos] + garbage + data[pos + rng.randrange(0, 8):]
    root = etree.fromstring(data)
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    el = rng.choice(elements)
    if kind == 0 and el is not root:  # delete an element
        el.getparent().remove(el)
    elif kind == 1 and el.attrib:  # delete an attribute
        del el.attrib[rng.choice(list(el.attrib))]
    elif kind == 2:  # swap two attribute values anywhere
        attrs = [(e, a) for e in elements for a in e.attrib]
        if len(attrs) >= 2:
            (e1, a1), (e2, a2) = rng.sample(attrs, 2)
            v1, v2 = e1.get(a1), e2.get(a2)
            e1.set(a1, v2)
            e2.set(a2, v1)
    elif kind == 3:  # swap two elements' texts
        texts = [e for e in elements if e.text and e.text.strip()]
        if len(texts) >= 2:
            e1, e2 = rng.sample(texts, 2)
            e1.text, e2.text = e2.text, e1.text
    elif kind == 4:  # garbage value
        value = rng.choice(["", "0", "-1", "0x", "99999999999999999999", "0xffffffffffffffff",
                            "1G", "none", "link", "x" * 40, "\u00e9\u4e2d", "3", "0x3f8",
                            "pre-launched", "real-time", "true", "00:02.0", "alpha"])
        if el.attrib and rng.random() < 0.6:
            el.set(rng.choice(list(el.attrib)), value)
        else:
            el.text = value
    elif kind == 5 and el is not root:  # duplicate an element
        el.addnext(etree.fromstring(etree.tostring(el)))
    else:  # move an element under another parent
        target = rng.choice(elements)
        if el is not root and el not in target.iterancestors() and el is not target:
            target.append(el)
    return etree.tostring(root)


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from test_validator import BOCHS_BOARD_XML
    path = tmp_path_factory.mktemp("board") / "bochs.xml"
    path.write_text(BOCHS_BOARD_XML, encoding="utf-8")
    return load_board(path)


def test_random_mutations_never_crash(board) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(20261122)
    originals = [p.read_bytes() for p in SAMPLES.values()]
    outcomes = {"valid": 0, "problems": 0, "rejected": 0}
    for iteration in range(600):
        data = rng.choice(originals)
        for _ in range(rng.randrange(1, 4)):
            try:
                data = _mutate(rng, data)
            except etree.XMLSyntaxError:
                break  # garbage made it unparsable; feed that to the loader
        try:
            scenario = parse_scenario(data, "mutant.xml")
        except ConfigError as err:
            assert err.problems and all(p.file == "mutant.xml" for p in err.problems)
            outcomes["rejected"] += 1
            continue
        except Exception as err:  # pragma: no cover - the failure being tested for
            pytest.fail(f"iteration {iteration}: {type(err).__name__}: {err}\n"
                        f"{data.decode('utf-8', 'replace')}")
        try:
            errors, _ = split(check(scenario, board))
        except Exception as err:  # pragma: no cover
            pytest.fail(f"iteration {iteration}: {type(err).__name__}: {err}\n"
                        f"{data.decode('utf-8', 'replace')}")
        for problem in errors:
            assert problem.line and problem.path.startswith("/scenario") and problem.hint
        outcomes["problems" if errors else "valid"] += 1
    # The mutations reach every stage: parse/schema errors, semantic errors, valid.
    assert all(count > 10 for count in outcomes.values()), outcomes


def test_mutants_via_command_line(board, tmp_path: Path) -> None:  # type: ignore
    rng = random.Random(7)
    data = SAMPLES["hybrid"].read_bytes()
    codes = set()
    board_file = tmp_path / "bochs.xml"
    from test_validator import BOCHS_BOARD_XML
    board_file.write_text(BOCHS_BOARD_XML, encoding="utf-8")
    for n in range(12):
        mutant = data
        if n:  # the first run is the unchanged sample
            try:
                mutant = _mutate(rng, mutant)
            except etree.XMLSyntaxError:
                pass
        file = tmp_path / f"m{n}.xml"
        file.write_bytes(mutant)
        result = subprocess.run(["/usr/bin/python3", str(TOOL), "validate", "--board",
                                 str(board_file), "--scenario", str(file)],
                                capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode in (0, 2), result.stderr
        assert "Traceback" not in result.stderr
        codes.add(result.returncode)
    assert codes == {0, 2}
