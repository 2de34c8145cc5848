"""bulkhead-config docgen: the committed schema references are exactly what the command
generates from the committed schemas, they name every element and attribute, the output
is deterministic, and bad input ends with exit code 2 and a message, not a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "config_tools"))

from bulkhead_config.docgen import PatternDescriber, describe_pattern  # noqa: E402

TOOL = REPO / "config_tools" / "bulkhead-config"
XS = "{http://www.w3.org/2001/XMLSchema}"
# schema -> committed reference
REFERENCES = {
    "scenario": (REPO / "config_tools/schema/scenario.xsd",
                 REPO / "doc/config-reference-scenario.md"),
    "board": (REPO / "config_tools/schema/board.xsd", REPO / "doc/config-reference-board.md"),
}


def run_tool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(TOOL), *map(str, args)], text=True, capture_output=True,
                          check=False)


def regenerate(name: str, out: Path) -> str:
    schema, _ = REFERENCES[name]
    result = run_tool("docgen", "--schema", schema, "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_committed_reference_is_up_to_date(name: str, tmp_path: Path) -> None:
    _, committed = REFERENCES[name]
    generated = regenerate(name, tmp_path / f"{name}.md")
    assert generated.encode("utf-8") == committed.read_bytes(), (
        f"{committed.relative_to(REPO)} is out of date with its schema: regenerate it with "
        f"config_tools/bulkhead-config docgen --schema "
        f"{REFERENCES[name][0].relative_to(REPO)} --out {committed.relative_to(REPO)}")


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_deterministic_and_independent_of_paths(name: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    first = regenerate(name, tmp_path / "a.md")
    # A relative schema path from another working directory gives the same text.
    schema, _ = REFERENCES[name]
    monkeypatch.chdir(REPO / "config_tools")
    result = run_tool("docgen", "--schema", Path("schema") / schema.name,
                      "--out", tmp_path / "b.md")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "b.md").read_text(encoding="utf-8") == first
    assert not list(tmp_path.glob(".*")), "temporary files left behind"


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_every_element_and_attribute_is_documented(name: str) -> None:
    schema, committed = REFERENCES[name]
    text = committed.read_text(encoding="utf-8")
    tree = etree.parse(str(schema))
    elements = {e.get("name") for e in tree.iter(f"{XS}element") if e.get("name")}
    attributes = {a.get("name") for a in tree.iter(f"{XS}attribute") if a.get("name")}
    assert elements and attributes
    missing = sorted(e for e in elements if f"[`{e}`](#" not in text
                     or f"/{e}`\n" not in text)
    assert not missing, f"elements missing from {committed.name}: {missing}"
    missing = sorted(a for a in attributes if f"- `{a}` (" not in text)
    assert not missing, f"attributes missing from {committed.name}: {missing}"
    # Every enumeration value is listed, and no anchor is linked without existing.
    for value in {v.get("value") for v in tree.iter(f"{XS}enumeration")}:
        assert f"- `{value}`" in text, value
    anchors = set(line[len('<a id="'):-len('"></a>')] for line in text.splitlines()
                  if line.startswith('<a id="'))
    links = set(re.findall(r"\]\(#([^)]+)\)", text))
    assert links <= anchors, sorted(links - anchors)


def test_schema_documentation_reaches_the_reference() -> None:
    schema, committed = REFERENCES["scenario"]
    text = " ".join(committed.read_text(encoding="utf-8").split())
    # An enumeration value's own documentation, and a range in words.
    assert "- `round-robin`: vCPUs of the Service VM" in text
    assert "From 0 to 63 (inclusive)." in text
    assert "Type `SizeType`: A size in bytes." in text
    assert text.startswith("<!-- Generated from config_tools/schema/scenario.xsd by "
                           "`config_tools/bulkhead-config docgen")


@pytest.mark.parametrize("pattern, words", [
    ("0x[0-9a-f]+", "`0x`; then one or more lowercase hexadecimal digits"),
    ("0[xX][0-9a-fA-F]{1,4}", "`0`; then `x` or `X`; then 1 to 4 hexadecimal digits"),
    ("none|0[xX][0-9a-fA-F]{1,4}",
     "either `none`, or `0`; then `x` or `X`; then 1 to 4 hexadecimal digits"),
    ("[0-9]{1,20}[KMG]?", "1 to 20 decimal digits; then optionally `K`, `M` or `G`"),
    ("\\S{1,4096}", "1 to 4096 non-white-space characters"),
])
def test_patterns_in_words(pattern: str, words: str) -> None:
    assert PatternDescriber(pattern).describe() == words


def test_unsupported_pattern_falls_back_to_the_expression() -> None:
    assert describe_pattern("[^a]\\p{L}") == \
        "The whole value must match the regular expression `[^a]\\p{L}`."


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", ["missing", "folder", "not-xml", "not-a-schema",
                                  "invalid-schema", "no-out-folder"])
def test_bad_input_exits_2_without_traceback(case: str, tmp_path: Path) -> None:
    out = tmp_path / "out.md"
    if case == "missing":
        schema = tmp_path / "nope.xsd"
    elif case == "folder":
        schema = tmp_path
    elif case == "not-xml":
        schema = write(tmp_path / "s.xsd", "<xs:schema")
    elif case == "not-a-schema":
        schema = REPO / "board_xmls" / "bochs.xml"
    elif case == "invalid-schema":
        schema = write(tmp_path / "s.xsd",
                       '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
                       '<xs:element name="a" type="Undefined"/></xs:schema>')
    else:
        schema = REFERENCES["board"][0]
        out = tmp_path / "no" / "such" / "folder" / "out.md"
    result = run_tool("docgen", "--schema", schema, "--out", out)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("bulkhead-config: ")
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_failed_run_leaves_existing_output_untouched(tmp_path: Path) -> None:
    out = write(tmp_path / "out.md", "previous\n")
    result = run_tool("docgen", "--schema", tmp_path / "missing.xsd", "--out", out)
    assert result.returncode == 2
    assert out.read_text(encoding="utf-8") == "previous\n"


def test_help_names_the_regeneration_commands() -> None:
    result = run_tool("docgen", "--help")
    assert result.returncode == 0
    for _, committed in REFERENCES.values():
        assert f"--out {committed.relative_to(REPO)}" in result.stdout
