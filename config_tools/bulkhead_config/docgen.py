# SPDX-License-Identifier: BSD-3-Clause
"""bulkhead-config docgen: a Markdown reference generated from an XML Schema's annotations.

The schemas (config_tools/schema/*.xsd) document every element and attribute in
xs:annotation/xs:documentation. This module walks a schema from its root element(s),
resolving the named types, element references, groups, attribute groups and extensions
it uses, and writes one Markdown file: the element tree, then a section per element with
its documentation, its text content, its attributes (type, required or optional, default,
allowed values with their documentation, ranges and patterns in words) and its child
elements with how often each may occur.

The output depends only on the schema (and the title), so regenerating a committed
reference from an unchanged schema reproduces it byte for byte. It is written to a
temporary file next to the target and renamed into place.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from lxml import etree

from .errors import EXIT_OK, ConfigError

XS = "http://www.w3.org/2001/XMLSchema"
REPO = Path(__file__).resolve().parents[2]
TOOL = "config_tools/bulkhead-config"
WRAP = 92  # column the prose is wrapped at

# Words for the built-in types the schemas use; anything else is shown as xs:<name>.
BUILTIN_WORDS = {
    "string": "a string",
    "normalizedString": "a string (tabs and line breaks read as spaces)",
    "token": "a string (leading and trailing white space ignored)",
    "boolean": "a boolean: `true` or `false` (`1` and `0` are accepted too)",
    "integer": "a decimal integer",
    "int": "a decimal integer (32-bit)",
    "long": "a decimal integer (64-bit)",
    "nonNegativeInteger": "a decimal integer, 0 or more",
    "positiveInteger": "a decimal integer, 1 or more",
    "unsignedInt": "a decimal integer from 0 to 4294967295",
    "unsignedLong": "a decimal integer from 0 to 18446744073709551615",
    "decimal": "a decimal number",
    "anyURI": "a URI",
    "dateTime": "a date and time (ISO 8601)",
    "anyType": "any content",
}


def q(name: str) -> str:
    """The Clark name {XS}name of an XML Schema element."""
    return f"{{{XS}}}{name}"


def local(qname: str) -> str:
    """The local part of a QName attribute value ("xs:string" -> "string")."""
    return qname.rpartition(":")[2]


def is_builtin(qname: str, nsmap: dict[str | None, str]) -> bool:
    prefix = qname.partition(":")[0] if ":" in qname else None
    return nsmap.get(prefix) == XS


# ----------------------------------------------------------------------------- text

def documentation(node: etree._Element | None) -> str:
    """The xs:documentation text of node's own xs:annotation, paragraphs kept.

    White space inside a paragraph is collapsed (the schemas wrap their prose at
    arbitrary columns); paragraphs are separated by blank lines.
    """
    if node is None:
        return ""
    texts = []
    for doc in node.findall(f"{q('annotation')}/{q('documentation')}"):
        raw = "".join(doc.itertext())
        paragraphs = [" ".join(p.split()) for p in raw.replace("\r", "").split("\n\n")]
        texts.extend(p for p in paragraphs if p)
    return "\n\n".join(texts)


def escape(text: str) -> str:
    """Escapes the few characters Markdown would misread, outside `code spans`."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):  # even parts are outside code spans
        parts[i] = (parts[i].replace("\\", "\\\\").replace("*", "\\*")
                    .replace("<", "&lt;"))
    return "`".join(parts)


def wrap(text: str, indent: str = "", first: str | None = None) -> list[str]:
    """Wraps each paragraph of text; the first line starts with `first` (default indent)."""
    lines: list[str] = []
    for number, paragraph in enumerate(text.split("\n\n")):
        if number:
            lines.append("")
        start = first if (first is not None and number == 0) else indent
        lines.extend(textwrap.wrap(paragraph, WRAP, initial_indent=start,
                                   subsequent_indent=indent, break_long_words=False,
                                   break_on_hyphens=False) or [start.rstrip()])
    return lines


def code(value: str) -> str:
    """value as a Markdown code span (with wider fences if it holds backticks)."""
    fence = "``" if "`" in value else "`"
    pad = " " if "`" in value else ""
    return f"{fence}{pad}{value}{pad}{fence}"


# ----------------------------------------------------------------------------- patterns

class PatternTooHard(Exception):
    """The pattern uses syntax the describer does not put into words."""


KNOWN_CLASSES = {
    frozenset({("0", "9")}): ("a decimal digit", "decimal digits"),
    frozenset({("0", "9"), ("a", "f")}): ("a lowercase hexadecimal digit",
                                          "lowercase hexadecimal digits"),
    frozenset({("0", "9"), ("a", "f"), ("A", "F")}): ("a hexadecimal digit",
                                                      "hexadecimal digits"),
    frozenset({("A", "Z"), ("a", "z")}): ("a letter", "letters"),
}
RANGE_WORDS = {("0", "9"): "digits", ("a", "z"): "lowercase letters",
               ("A", "Z"): "uppercase letters"}
ESCAPE_CLASSES = {"S": ("a non-white-space character", "non-white-space characters"),
                  "s": ("a white-space character", "white-space characters"),
                  "d": ("a decimal digit", "decimal digits"),
                  "w": ("a word character", "word characters")}


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


@dataclass
class _Atom:
    sing: str  # "a decimal digit", "`x` or `X`"
    plural: str  # "decimal digits"
    literal: str | None = None  # a single literal character, merged into runs


class PatternDescriber:
    """Puts the regular expressions the schemas use into words.

    Handles literals, escapes, character classes, groups, alternation and the usual
    quantifiers; anything else raises PatternTooHard and the caller shows only the
    pattern itself.
    """

    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0

    def describe(self) -> str:
        text = self._alternation()
        if self.i != len(self.p):
            raise PatternTooHard(self.p)
        return text

    def _peek(self) -> str:
        return self.p[self.i] if self.i < len(self.p) else ""

    def _alternation(self) -> str:
        branches = [self._sequence()]
        while self._peek() == "|":
            self.i += 1
            branches.append(self._sequence())
        if len(branches) == 1:
            return branches[0]
        if len(branches) == 2:
            return f"either {branches[0]}, or {branches[1]}"
        return "one of: " + "; ".join(branches)

    def _sequence(self) -> str:
        steps: list[str] = []
        run = ""
        while self._peek() not in ("", "|", ")"):
            atom = self._atom()
            quant = self._quantifier()
            if atom.literal is not None and quant is None:
                run += atom.literal
                continue
            if run:
                steps.append(code(run))
                run = ""
            steps.append(self._quantified(atom, quant))
        if run:
            steps.append(code(run))
        if not steps:
            raise PatternTooHard(self.p)
        return "; then ".join(steps)

    @staticmethod
    def _quantified(atom: _Atom, quant: tuple[int, int | None] | None) -> str:
        if quant is None or quant == (1, 1):
            return atom.sing
        low, high = quant
        if (low, high) == (0, 1):
            return f"optionally {atom.sing}"
        if high is None:
            return f"any number of {atom.plural}" if low == 0 else \
                f"{'one' if low == 1 else low} or more {atom.plural}"
        if low == high:
            return f"{low} {atom.plural}"
        return f"{low} to {high} {atom.plural}"

    def _quantifier(self) -> tuple[int, int | None] | None:
        c = self._peek()
        if c in "?*+" and c:
            self.i += 1
            return {"?": (0, 1), "*": (0, None), "+": (1, None)}[c]
        if c == "{":
            end = self.p.find("}", self.i)
            if end < 0:
                raise PatternTooHard(self.p)
            body = self.p[self.i + 1:end]
            self.i = end + 1
            low, comma, high = body.partition(",")
            if not low.isdigit() or (high and not high.isdigit()):
                raise PatternTooHard(self.p)
            return int(low), (int(high) if high else None) if comma else int(low)
        return None

    def _atom(self) -> _Atom:
        c = self._peek()
        if c == "(":
            self.i += 1
            inner = self._alternation()
            if self._peek() != ")":
                raise PatternTooHard(self.p)
            self.i += 1
            return _Atom(inner, f"repetitions of ({inner})")
        if c == "[":
            return self._char_class()
        if c == "\\":
            nxt = self.p[self.i + 1:self.i + 2]
            self.i += 2
            if nxt in ESCAPE_CLASSES:
                return _Atom(*ESCAPE_CLASSES[nxt])
            if nxt and not nxt.isalnum():
                return _Atom(code(nxt), f"{code(nxt)} characters", literal=nxt)
            raise PatternTooHard(self.p)
        if c in ".^$":
            raise PatternTooHard(self.p)
        self.i += 1
        return _Atom(code(c), f"{code(c)} characters", literal=c)

    def _char_class(self) -> _Atom:
        self.i += 1  # [
        if self._peek() == "^":
            raise PatternTooHard(self.p)
        ranges: list[tuple[str, str]] = []
        singles: list[str] = []
        while self._peek() not in ("]", ""):
            c = self._peek()
            if c == "\\":
                c = self.p[self.i + 1:self.i + 2]
                if c.isalnum() or not c:
                    raise PatternTooHard(self.p)
                self.i += 2
            else:
                self.i += 1
            if self._peek() == "-" and self.p[self.i + 1:self.i + 2] not in ("]", ""):
                high = self.p[self.i + 1]
                if high == "\\":
                    raise PatternTooHard(self.p)
                self.i += 2
                ranges.append((c, high))
            else:
                singles.append(c)
        if self._peek() != "]":
            raise PatternTooHard(self.p)
        self.i += 1
        known = KNOWN_CLASSES.get(frozenset(ranges))
        if known and not singles:
            return _Atom(*known)
        if not ranges:
            names = [code(s) for s in singles]
            return _Atom(_or_list(names), f"characters out of {_or_list(names)}")
        if len(ranges) == 1 and not singles and ranges[0][0].isdigit():
            low, high = ranges[0]
            digit_words = f"digits from {low} to {high}" if int(high) - int(low) > 1 \
                else f"digits {low} or {high}"
            sing = f"a digit from {low} to {high}" if int(high) - int(low) > 1 \
                else f"{code(low)} or {code(high)}"
            return _Atom(sing, digit_words)
        parts: list[str] = []
        rest = set(ranges)
        if {("A", "Z"), ("a", "z")} <= rest:
            parts.append("letters")
            rest -= {("A", "Z"), ("a", "z")}
        for low, high in sorted(rest):
            parts.append(RANGE_WORDS.get((low, high), f"{code(low)} to {code(high)}"))
        parts.extend(code(s) for s in singles)
        listed = ", ".join(parts)
        return _Atom(f"one character out of {listed}", f"characters out of {listed}")


def describe_pattern(pattern: str) -> str:
    """The sentence for one xs:pattern facet: the pattern and, when possible, its words."""
    try:
        words = PatternDescriber(pattern).describe()
    except (PatternTooHard, ValueError):
        return f"The whole value must match the regular expression {code(pattern)}."
    return f"The whole value must match the regular expression {code(pattern)}: {words}."


# ----------------------------------------------------------------------------- model

@dataclass
class SimpleInfo:
    """What a simple type allows, in words."""

    name: str  # how the type is named in the text ("`SizeType`", "xs:string", "")
    doc: str  # the named type's own documentation
    base: str  # words for the built-in base
    facets: list[str] = field(default_factory=list)  # sentences (ranges, patterns, lengths)
    values: list[tuple[str, str]] = field(default_factory=list)  # enumeration and its doc


@dataclass
class Attribute:
    name: str
    required: bool
    default: str | None
    fixed: str | None
    doc: str
    simple: SimpleInfo


@dataclass
class Particle:
    """A child element or a nested compositor, with its occurrence bounds."""

    min: int
    max: int | None  # None: unbounded
    element: "Element | None" = None
    compositor: str = ""  # sequence, all, choice (when element is None)
    children: list["Particle"] = field(default_factory=list)


@dataclass
class Element:
    name: str
    path: str
    doc: str
    type_name: str  # named complex type, "" when anonymous or simple
    type_doc: str
    text: SimpleInfo | None  # simple content, None for element-only or empty content
    attributes: list[Attribute] = field(default_factory=list)
    content: Particle | None = None  # the top compositor
    recursive_of: str = ""  # set when the element repeats an ancestor (not expanded)


class Schema:
    """One parsed schema with its named components."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.root = load_schema(path)
        self.nsmap = dict(self.root.nsmap)
        self.elements = self._named("element")
        self.complex_types = self._named("complexType")
        self.simple_types = self._named("simpleType")
        self.groups = self._named("group")
        self.attribute_groups = self._named("attributeGroup")
        self.attributes = self._named("attribute")

    def _named(self, kind: str) -> dict[str, etree._Element]:
        return {node.get("name"): node for node in self.root.findall(q(kind))}

    def fail(self, node: etree._Element, message: str) -> ConfigError:
        return ConfigError(f"{self.path}:{node.sourceline}: {message}")

    def lookup(self, table: dict[str, etree._Element], qname: str, kind: str,
               node: etree._Element) -> etree._Element:
        found = table.get(local(qname))
        if found is None:
            raise self.fail(node, f"{kind} {qname!r} is not defined in this schema "
                            "(imports and includes are not supported)")
        return found

    # --- roots

    def root_elements(self) -> list[etree._Element]:
        """Global elements no other declaration refers to, in document order."""
        referenced = {local(ref.get("ref")) for ref in self.root.iter(q("element"))
                      if ref.get("ref")}
        roots = [node for name, node in self.elements.items() if name not in referenced]
        if not roots:
            raise ConfigError(f"{self.path}: the schema declares no root element")
        return roots

    # --- simple types

    def simple_info(self, type_qname: str | None, inline: etree._Element | None,
                    node: etree._Element) -> SimpleInfo:
        if inline is not None:
            info = self._restriction(inline, node)
            return info
        if not type_qname:
            return SimpleInfo("", "", BUILTIN_WORDS["string"])
        if is_builtin(type_qname, self.nsmap):
            name = local(type_qname)
            return SimpleInfo(f"xs:{name}", "", BUILTIN_WORDS.get(name, f"xs:{name}"))
        named = self.lookup(self.simple_types, type_qname, "simple type", node)
        info = self._restriction(named, named)
        info.name = code(local(type_qname))
        info.doc = documentation(named)
        return info

    def _restriction(self, simple: etree._Element, node: etree._Element) -> SimpleInfo:
        restriction = simple.find(q("restriction"))
        if restriction is None:
            if simple.find(q("list")) is not None:
                return SimpleInfo("", "", "a white-space separated list")
            if simple.find(q("union")) is not None:
                return SimpleInfo("", "", "a value of any of several types")
            raise self.fail(simple, "simple type without restriction, list or union")
        base_name = restriction.get("base")
        inner = restriction.find(q("simpleType"))
        base = self.simple_info(base_name, inner, node)
        info = SimpleInfo("", "", base.base, list(base.facets), list(base.values))
        if base.name and not is_builtin(base_name or "", self.nsmap):
            info.facets.insert(0, f"Derived from {base.name}.")
        bounds: dict[str, str] = {}
        patterns: list[str] = []
        values: list[tuple[str, str]] = []
        for facet in restriction:
            if not isinstance(facet.tag, str) or facet.tag == q("annotation"):
                continue
            kind = etree.QName(facet).localname
            value = facet.get("value", "")
            if kind == "enumeration":
                values.append((value, documentation(facet)))
            elif kind == "pattern":
                patterns.append(value)
            elif kind in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive",
                          "length", "minLength", "maxLength", "totalDigits",
                          "fractionDigits", "whiteSpace"):
                bounds[kind] = value
            elif kind != "simpleType":
                raise self.fail(facet, f"unsupported facet xs:{kind}")
        if values:
            info.values = values
        info.facets.extend(self._bounds_words(bounds))
        if len(patterns) == 1:
            info.facets.append(describe_pattern(patterns[0]))
        elif patterns:  # several patterns in one step: any one of them may match
            info.facets.append("One of these must match: " + " ".join(
                describe_pattern(p) for p in patterns))
        return info

    @staticmethod
    def _bounds_words(bounds: dict[str, str]) -> list[str]:
        words: list[str] = []
        low = bounds.get("minInclusive")
        high = bounds.get("maxInclusive")
        if low is not None and high is not None:
            words.append(f"From {low} to {high} (inclusive).")
        elif low is not None:
            words.append(f"At least {low}.")
        elif high is not None:
            words.append(f"At most {high}.")
        if "minExclusive" in bounds:
            words.append(f"Greater than {bounds['minExclusive']}.")
        if "maxExclusive" in bounds:
            words.append(f"Less than {bounds['maxExclusive']}.")
        if "length" in bounds:
            words.append(f"Exactly {bounds['length']} characters long.")
        short, long_ = bounds.get("minLength"), bounds.get("maxLength")
        if short is not None and long_ is not None:
            words.append(f"{short} to {long_} characters long.")
        elif short is not None:
            words.append(f"At least {short} characters long.")
        elif long_ is not None:
            words.append(f"At most {long_} characters long.")
        if "totalDigits" in bounds:
            words.append(f"At most {bounds['totalDigits']} digits.")
        if "fractionDigits" in bounds:
            words.append(f"At most {bounds['fractionDigits']} digits after the point.")
        return words

    # --- attributes

    def attribute(self, node: etree._Element) -> Attribute:
        decl = node
        if node.get("ref"):
            decl = self.lookup(self.attributes, node.get("ref"), "attribute", node)
        doc = documentation(node) or documentation(decl)
        return Attribute(
            name=decl.get("name", ""),
            required=node.get("use", decl.get("use", "optional")) == "required",
            default=node.get("default", decl.get("default")),
            fixed=node.get("fixed", decl.get("fixed")),
            doc=doc,
            simple=self.simple_info(decl.get("type"), decl.find(q("simpleType")), decl))

    def attributes_of(self, holder: etree._Element) -> list[Attribute]:
        """Attributes declared directly in holder, attribute groups expanded, in order."""
        result: list[Attribute] = []
        for child in holder:
            if child.tag == q("attribute"):
                if child.get("use") == "prohibited":
                    result = [a for a in result if a.name != child.get("name")]
                    continue
                result.append(self.attribute(child))
            elif child.tag == q("attributeGroup"):
                group = self.lookup(self.attribute_groups, child.get("ref", ""),
                                    "attribute group", child)
                result.extend(self.attributes_of(group))
        return result

    # --- elements

    def element(self, particle: etree._Element, parent_path: str,
                ancestors: tuple[tuple[str, int], ...]) -> Element:
        """The Element for an xs:element particle (local declaration or ref)."""
        decl = particle
        if particle.get("ref"):
            decl = self.lookup(self.elements, particle.get("ref"), "element", particle)
        name = decl.get("name", "")
        path = f"{parent_path}/{name}"
        doc = documentation(particle) or documentation(decl)
        type_qname = decl.get("type")
        complex_node = decl.find(q("complexType"))
        simple_node = decl.find(q("simpleType"))
        type_name = type_doc = ""
        if type_qname and not is_builtin(type_qname, self.nsmap) \
                and local(type_qname) in self.complex_types:
            complex_node = self.complex_types[local(type_qname)]
            type_name = local(type_qname)
            type_doc = documentation(complex_node)
        element = Element(name, path, doc, type_name, type_doc, None)
        if complex_node is None:
            element.text = self.simple_info(type_qname, simple_node, decl)
            if not type_qname and simple_node is None:
                element.text = SimpleInfo("", "", BUILTIN_WORDS["anyType"])
            return element
        key = (name, id(complex_node))
        if key in ancestors:
            element.recursive_of = parent_path
            return element
        self._complex(complex_node, element, ancestors + (key,))
        return element

    def _complex(self, ctype: etree._Element, element: Element,
                 ancestors: tuple[tuple[str, int], ...]) -> None:
        """Fills content and attributes of element from a complexType."""
        simple_content = ctype.find(q("simpleContent"))
        complex_content = ctype.find(q("complexContent"))
        if simple_content is not None:
            derivation = self._derivation(simple_content)
            base = derivation.get("base", "")
            if not is_builtin(base, self.nsmap) and local(base) in self.complex_types:
                self._complex(self.complex_types[local(base)], element, ancestors)
            else:
                element.text = self.simple_info(base, None, derivation)
            element.attributes.extend(self.attributes_of(derivation))
            return
        if complex_content is not None:
            derivation = self._derivation(complex_content)
            base = derivation.get("base", "")
            if derivation.tag == q("extension") and not is_builtin(base, self.nsmap):
                self._complex(self.lookup(self.complex_types, base, "complex type",
                                          derivation), element, ancestors)
            holder = derivation
        else:
            holder = ctype
        if ctype.get("mixed") == "true" or (complex_content is not None and
                                            complex_content.get("mixed") == "true"):
            element.text = SimpleInfo("", "", "text mixed with the child elements")
        for child in holder:
            if child.tag in (q("sequence"), q("all"), q("choice"), q("group")):
                content = self._particle(child, element.path, ancestors)
                if element.content is None:
                    element.content = content
                else:  # an extension appends its particles after the base's
                    element.content = Particle(1, 1, compositor="sequence",
                                               children=[element.content, content])
        element.attributes.extend(self.attributes_of(holder))

    def _derivation(self, content: etree._Element) -> etree._Element:
        for kind in ("extension", "restriction"):
            found = content.find(q(kind))
            if found is not None:
                return found
        raise self.fail(content, "content without extension or restriction")

    def _particle(self, node: etree._Element, path: str,
                  ancestors: tuple[tuple[str, int], ...]) -> Particle:
        low = int(node.get("minOccurs", "1"))
        high_text = node.get("maxOccurs", "1")
        high = None if high_text == "unbounded" else int(high_text)
        if node.tag == q("element"):
            return Particle(low, high, element=self.element(node, path, ancestors))
        if node.tag == q("group"):
            group = self.lookup(self.groups, node.get("ref", ""), "group", node)
            inner = next((c for c in group if c.tag in (q("sequence"), q("all"),
                                                         q("choice"))), None)
            if inner is None:
                raise self.fail(group, "group without sequence, all or choice")
            particle = self._particle(inner, path, ancestors)
            particle.min, particle.max = low, high
            return particle
        if node.tag == q("any"):
            return Particle(low, high, compositor="any")
        particle = Particle(low, high, compositor=etree.QName(node).localname)
        for child in node:
            if child.tag in (q("element"), q("sequence"), q("choice"), q("all"),
                             q("group"), q("any")):
                particle.children.append(self._particle(child, path, ancestors))
        return particle


def load_schema(path: Path) -> etree._Element:
    """Parses path and checks that it is a valid XML Schema; ConfigError otherwise."""
    if not path.exists():
        raise ConfigError(f"{path}: no such file")
    if not path.is_file():
        raise ConfigError(f"{path}: not a file")
    try:
        tree = etree.parse(str(path), etree.XMLParser(remove_comments=True,
                                                      resolve_entities=False))
    except etree.XMLSyntaxError as err:
        line = err.lineno or 0
        raise ConfigError(f"{path}:{line}: not well-formed XML: {err.msg}") from None
    root = tree.getroot()
    if root.tag != q("schema"):
        raise ConfigError(f"{path}:{root.sourceline}: not an XML Schema: the root element "
                          f"is <{etree.QName(root).localname}>, not xs:schema "
                          f"(namespace {XS})")
    try:
        etree.XMLSchema(tree)
    except etree.XMLSchemaParseError as err:
        raise ConfigError(f"{path}: not a valid XML Schema: {err}") from None
    return root


# ----------------------------------------------------------------------------- rendering

def occurs_words(low: int, high: int | None) -> str:
    if (low, high) == (1, 1):
        return "required, exactly once"
    if (low, high) == (0, 1):
        return "optional, at most once"
    if high is None:
        return "optional, any number of times" if low == 0 else \
            f"required, {'once' if low == 1 else f'{low} times'} or more"
    if low == high:
        return f"required, exactly {low} times"
    return f"{low} to {high} times"


def occurs_mark(low: int, high: int | None) -> str:
    """The short mark of the tree: nothing (1), ? (0..1), * (0..n), + (1..n), {m,n}."""
    marks = {(1, 1): "", (0, 1): "?", (0, None): "*", (1, None): "+"}
    if (low, high) in marks:
        return marks[(low, high)]
    return f"{{{low},{'' if high is None else high}}}"


def anchor(path: str) -> str:
    return path.strip("/").replace("/", "-")


def walk(element: Element) -> Iterator[Element]:
    """element and all elements below it, depth first in schema order."""
    yield element
    for child in child_elements(element.content):
        yield from walk(child)


def child_elements(particle: Particle | None) -> Iterator[Element]:
    if particle is None:
        return
    if particle.element is not None:
        yield particle.element
    for child in particle.children:
        yield from child_elements(child)


COMPOSITOR_WORDS = {
    "sequence": "in this order",
    "all": "in any order",
    "choice": "exactly one of these",
}


def render_tree(particle: Particle, depth: int, lines: list[str]) -> None:
    indent = "  " * depth
    if particle.element is not None:
        mark = occurs_mark(particle.min, particle.max)
        element = particle.element
        lines.append(f"{indent}- [`{element.name}`](#{anchor(element.path)}){mark}")
        if element.content is not None:
            render_tree_children(element.content, depth + 1, lines)
        return
    render_tree_children(particle, depth, lines)


def render_tree_children(particle: Particle, depth: int, lines: list[str]) -> None:
    if particle.compositor == "any":
        lines.append(f"{'  ' * depth}- any element")
        return
    nested = particle.compositor == "choice" or (particle.min, particle.max) != (1, 1)
    if nested:
        mark = occurs_mark(particle.min, particle.max)
        lines.append(f"{'  ' * depth}- ({COMPOSITOR_WORDS[particle.compositor]}){mark}")
        depth += 1
    for child in particle.children:
        render_tree(child, depth, lines)


def render_simple(info: SimpleInfo, indent: str) -> list[str]:
    """Bullets describing a simple type's values, each starting with indent."""
    lines: list[str] = []
    if info.name and info.doc:
        lines += wrap(escape(info.doc), indent + "  ", f"{indent}- Type {info.name}: ")
    value_head = f"{indent}- Value: "
    if info.name and not info.doc:
        value_head = f"{indent}- Type {info.name}: "
    if info.values:
        text = " ".join(["One of:"] + info.facets)
    else:
        text = " ".join([info.base + "."] + info.facets)
    lines += wrap(text, indent + "  ", value_head)
    for value, doc in info.values:
        bullet = f"{indent}  - {code(value)}"
        if doc:
            lines += wrap(escape(doc), indent + "    ", f"{bullet}: ")
        else:
            lines.append(bullet)
    return lines


def render_element(element: Element, parent: Element | None,
                   occurs: tuple[int, int | None] | None) -> list[str]:
    lines = [f'<a id="{anchor(element.path)}"></a>', "", f"### `{element.path}`", ""]
    facts = []
    if parent is not None and occurs is not None:
        facts.append(f"In [`{parent.name}`](#{anchor(parent.path)}): "
                     f"{occurs_words(*occurs)}.")
    else:
        facts.append("The root element.")
    if element.type_name:
        facts.append(f"Type `{element.type_name}`.")
    lines += wrap(" ".join(facts))
    lines.append("")
    if element.doc:
        lines += wrap(escape(element.doc))
        lines.append("")
    if element.type_doc:
        lines += wrap(escape(f"`{element.type_name}`: {element.type_doc}"))
        lines.append("")
    if element.recursive_of:
        lines += wrap(f"Its content is that of the enclosing element of the same name "
                      f"(see [`{element.recursive_of}`](#{anchor(element.recursive_of)})).")
        lines.append("")
        return lines
    if element.text is not None:
        lines.append("**Text content:**")
        lines.append("")
        lines += render_simple(element.text, "")
        lines.append("")
    if element.attributes:
        lines.append("**Attributes:**")
        lines.append("")
        for attr in element.attributes:
            use = "required" if attr.required else "optional"
            extra = []
            if attr.default is not None:
                extra.append(f"default {code(attr.default)}")
            if attr.fixed is not None:
                extra.append(f"fixed value {code(attr.fixed)}")
            head = f"- `{attr.name}` ({', '.join([use] + extra)})"
            if attr.doc:
                lines += wrap(escape(attr.doc), "  ", head + ": ")
            else:
                lines.append(head)
            lines += render_simple(attr.simple, "  ")
        lines.append("")
    if element.content is not None:
        lines += render_children(element.content)
        lines.append("")
    if element.text is None and not element.attributes and element.content is None:
        lines.append("Empty: no attributes, no content.")
        lines.append("")
    return lines


def render_children(content: Particle) -> list[str]:
    lines = []
    words = COMPOSITOR_WORDS.get(content.compositor, "")
    head = f"**Child elements** ({words}"
    if (content.min, content.max) != (1, 1):
        head += f"; the group itself {occurs_words(content.min, content.max)}"
    lines.append(head + "):")
    lines.append("")
    lines += render_child_list(content, "")
    return lines


def render_child_list(particle: Particle, indent: str) -> list[str]:
    lines = []
    for child in particle.children:
        if child.element is not None:
            element = child.element
            lines.append(f"{indent}- [`{element.name}`](#{anchor(element.path)}): "
                         f"{occurs_words(child.min, child.max)}")
        elif child.compositor == "any":
            lines.append(f"{indent}- any element: {occurs_words(child.min, child.max)}")
        else:
            lines.append(f"{indent}- {COMPOSITOR_WORDS[child.compositor]} "
                         f"({occurs_words(child.min, child.max)}):")
            lines += render_child_list(child, indent + "  ")
    return lines


def occurrences(element: Element) -> dict[str, tuple[int, int | None]]:
    """Path of each child element -> its occurrence bounds (in its innermost group)."""
    found: dict[str, tuple[int, int | None]] = {}

    def visit(particle: Particle | None) -> None:
        if particle is None:
            return
        if particle.element is not None:
            found[particle.element.path] = (particle.min, particle.max)
        for child in particle.children:
            visit(child)

    visit(element.content)
    return found


def display_path(path: Path) -> str:
    """path relative to the repository when inside it, else its name (deterministic)."""
    try:
        return path.resolve().relative_to(REPO).as_posix()
    except ValueError:
        return path.name


def render(schema: Schema, title: str | None) -> str:
    roots = [schema.element(node, "", ()) for node in schema.root_elements()]
    source = display_path(schema.path)
    stem = schema.path.stem
    command = f"{TOOL} docgen --schema {source} --out doc/config-reference-{stem}.md"
    if title:
        command += f" --title '{title}'"
    title = title or " and ".join(r.name.capitalize() for r in roots) + " XML reference"
    lines = [
        f"<!-- Generated from {source} by `{command}`. Do not edit: change the schema's "
        "xs:documentation and regenerate. -->",
        "",
        f"# {title}",
        "",
    ]
    lines += wrap(f"Generated from `{source}` by `{command}`; do not edit by hand. "
                  "Every text below is the schema's own documentation "
                  "(xs:annotation/xs:documentation) of the item.")
    lines.append("")
    schema_doc = documentation(schema.root)
    if schema_doc:
        lines += wrap(escape(schema_doc))
        lines.append("")
    lines += [
        "## Element tree",
        "",
    ]
    lines += wrap("Children are listed in the order the schema gives them. After a name, `?` "
                  "means optional (at most once), `*` any number of times, `+` once or "
                  "more; no mark means exactly once. Whether the order is fixed is said in "
                  "each element's section.")
    lines.append("")
    for root in roots:
        tree: list[str] = []
        render_tree(Particle(1, 1, element=root), 0, tree)
        lines += tree
    lines.append("")
    lines += ["## Elements", ""]
    for root in roots:
        parents: dict[str, tuple[Element, tuple[int, int | None]]] = {}
        for element in walk(root):
            for path, occurs in occurrences(element).items():
                parents[path] = (element, occurs)
            parent, occurs = parents.get(element.path, (None, None))
            lines += render_element(element, parent, occurs)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(line.rstrip() for line in lines) + "\n"


# ----------------------------------------------------------------------------- command

def write_atomically(out: Path, text: str) -> None:
    """Writes text to out through a temporary file in the same folder and a rename."""
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise ConfigError(f"{out}: the folder {folder} does not exist")
    if out.is_dir():
        raise ConfigError(f"{out}: is a folder, not a file name")
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def generate_reference(schema_path: str, title: str | None = None) -> str:
    """The Markdown reference of the schema at schema_path."""
    return render(Schema(Path(schema_path)), title)


def run(args: argparse.Namespace) -> int:
    text = generate_reference(args.schema, args.title)
    write_atomically(Path(args.out), text)
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "docgen", help="write a Markdown reference of a schema from its annotations",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Write a Markdown reference of one XML Schema, built from its "
        "xs:documentation: the element tree, then for every element its documentation,\n"
        "attributes (type, required or optional, default, allowed values, ranges and "
        "patterns) and child elements with their occurrences.\n\n"
        "The committed references are regenerated with:\n"
        f"  {TOOL} docgen --schema config_tools/schema/scenario.xsd "
        "--out doc/config-reference-scenario.md\n"
        f"  {TOOL} docgen --schema config_tools/schema/board.xsd "
        "--out doc/config-reference-board.md\n\n"
        "The output depends only on the schema and the title. Exit code 0 on success, "
        "2 when the schema is missing or not a valid XML Schema.")
    parser.add_argument("--schema", required=True, metavar="XSD", help="the schema file")
    parser.add_argument("--out", required=True, metavar="FILE.md",
                        help="the Markdown file to write (replaced atomically)")
    parser.add_argument("--title", metavar="TITLE",
                        help="document title (default: from the root element, e.g. "
                        "'Scenario XML reference')")
    parser.set_defaults(handler=run)
