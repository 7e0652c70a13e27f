"""The column of a validity error, worked out from the source because libxml2 gives none.

DTD and XSD validity errors carry a line and an element path but column 0. The line is the
line where the element's start tag *ends* (its `>`), so a start tag spread over several lines
is reported on its last line. We find the element the path names among the elements that
libxml2 put on that line, then the matching start tag in the text (the k-th `<name` whose `>`
is on that line), and point at the attribute the message names when it is on that line, else
at the `<` of the tag, else (a tag begun on an earlier line) at the line's first character.
Columns count characters from 1, as libxml2's own parse-error columns do.
"""

from __future__ import annotations

import bisect
import codecs
import re
from collections.abc import Iterable
from typing import NamedTuple

from lxml import etree

from app.jats.messages import Problem

# Comments, CDATA, processing instructions, the DOCTYPE and end tags are skipped; group 1 is
# the name of a start tag (or empty-element tag). Possessive quantifiers keep the scan linear
# even where a tag never closes.
_TOKENS = re.compile(
    r"<!--.*?-->"
    r"|<!\[CDATA\[.*?\]\]>"
    r"|<\?.*?\?>"
    r"|<!DOCTYPE(?:[^\[>\"']|\"[^\"]*\"|'[^']*')*(?:\[(?:[^\]\"']|\"[^\"]*\"|'[^']*')*\])?\s*>"
    r"|</[^>]*+>"
    r"|<([^\s/>!?][^\s/>]*+)(?:[^>\"']++|\"[^\"]*+\"|'[^']*+')*+>",
    re.DOTALL,
)
_ATTRIBUTE = [
    re.compile(r"^No declaration for attribute (\S+) of element"),
    re.compile(r'^Value ".*" for attribute (\S+) of \S+ is not among'),
    re.compile(r"^Syntax of value for attribute (\S+) of"),
    re.compile(r"^IDREFS? attribute (\S+) references"),
    re.compile(r"^Value for attribute (\S+) of"),
    re.compile(r"^Element '[^']+', attribute '([^']+)':"),
]


def source_text(data: bytes, encoding: str | None) -> str:
    """The document as text in the encoding it was parsed with (a BOM wins, then the
    declaration), so that columns count the characters a person sees."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode(encoding or "utf-8", errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


class _Tag(NamedTuple):
    start: int  # offset of "<"
    end: int  # offset just after ">"


class _Source:
    """Start tags of the text indexed by (line of their ">", name), in document order."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.tags: dict[tuple[int, str], list[_Tag]] = {}

    def index(self, lines: set[int]) -> None:
        """Record the start tags whose ">" is on one of `lines`."""
        starts, tags = self.line_starts, self.tags
        for m in _TOKENS.finditer(self.text):
            name = m.group(1)
            if name:
                line = bisect.bisect_right(starts, m.end() - 1)
                if line in lines:
                    tags.setdefault((line, name), []).append(_Tag(m.start(), m.end()))

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)

    def column_of(self, offset: int) -> int:
        return offset - self.line_starts[self.line_of(offset) - 1] + 1

    def line_text(self, line: int) -> str:
        start = self.line_starts[line - 1]
        end = self.line_starts[line] - 1 if line < len(self.line_starts) else len(self.text)
        return self.text[start:end]


def _written(el: etree._Element) -> str:
    """The element's name as its start tag writes it: "mml:math", "article"."""
    tag = el.tag
    if tag[0] != "{":
        return tag
    prefix = el.prefix
    local = tag[tag.index("}") + 1:]
    return f"{prefix}:{local}" if prefix else local


def _path_name(el: etree._Element) -> str:
    """The element's name in a libxml2 path: "*" for an element of a default namespace."""
    return "*" if el.tag[0] == "{" and not el.prefix else _written(el)


def _attribute(raw: str) -> re.Pattern[str] | None:
    """A pattern for the attribute a libxml2 message is about, as it is written in a tag."""
    for rule in _ATTRIBUTE:
        m = rule.search(raw)
        if m:
            name = m.group(1)
            if name.startswith("{"):  # XSD messages name namespaced attributes {ns}local
                written = r"[\w.\-]+:" + re.escape(name.split("}", 1)[1])
            else:
                written = re.escape(name)
            return re.compile(r"(?<=\s)" + written + r"\s*=")
    return None


def _column(source: _Source, tag: _Tag, line: int, raw: str) -> int:
    pattern = _attribute(raw)
    if pattern:
        at = pattern.search(source.text, tag.start, tag.end)
        if at and source.line_of(at.start()) == line:
            return source.column_of(at.start())
    if source.line_of(tag.start) == line:
        return source.column_of(tag.start)
    text = source.line_text(line)
    return len(text) - len(text.lstrip()) + 1


def _unique_start_tag(source: _Source, line: int, path: str) -> int | None:
    """Without a tree: the `<` of the only start tag of the path's last step on the line."""
    name = path.rsplit("/", 1)[-1].split("[", 1)[0]
    if not name or name == "*":
        return None
    found = [m.start() for m in re.finditer("<" + re.escape(name) + r"(?=[\s/>]|$)",
                                            source.line_text(line))]
    return found[0] + 1 if len(found) == 1 else None


class _Line:
    """The elements libxml2 put on one line, each with its rank among same-name ones."""

    def __init__(self, elements: list[etree._Element]) -> None:
        self.rank: dict[etree._Element, tuple[str, int]] = {}
        self.count: dict[str, int] = {}
        for el in elements:
            name = _written(el)
            rank = self.count.get(name, 0)
            self.count[name] = rank + 1
            self.rank[el] = (name, rank)


_STEP = re.compile(r"^(\*|[^\[\]*()]+)(?:\[(\d+)\])?$")


class _Paths:
    """Finds the element a libxml2 node path names ("/article/body/sec[2]/mml:math", "*[3]"
    for an element in a default namespace), keeping each parent's children grouped by name,
    so that many errors among thousands of siblings cost one pass over those siblings."""

    def __init__(self, tree: etree._ElementTree) -> None:
        self.tree = tree
        self.groups: dict[etree._Element, dict[str, list[etree._Element]]] = {}

    def _children(self, parent: etree._Element) -> dict[str, list[etree._Element]]:
        found = self.groups.get(parent)
        if found is None:
            found = {}
            for child in parent.iterchildren(etree.Element):
                found.setdefault("*", []).append(child)
                name = _path_name(child)
                if name != "*":
                    found.setdefault(name, []).append(child)
            self.groups[parent] = found
        return found

    def element(self, path: str) -> etree._Element | None:
        steps = path.split("/")
        if len(steps) < 2 or steps[0]:
            return None
        root = self.tree.getroot()
        node: etree._Element | None = None
        for step in steps[1:]:
            m = _STEP.match(step)
            if not m:
                return None
            if node is None:
                group = [root] if m.group(1) in (_path_name(root), "*") else []
            else:
                group = self._children(node).get(m.group(1), [])
            at = int(m.group(2) or 1)
            if not 1 <= at <= len(group):
                return None
            node = group[at - 1]
        return node


def derive_columns(problems: Iterable[Problem], data: bytes,
                   tree: etree._ElementTree | None) -> None:
    """Fill in `column` (and set `column_derived`) for problems with a line and an element
    path but no column. Leaves the column None when the start tag cannot be told apart."""
    wanted = [p for p in problems if p.column is None and p.line and p.path]
    if not wanted:
        return
    encoding = tree.docinfo.encoding if tree is not None else None
    source = _Source(source_text(data, encoding))
    lines = {p.line for p in wanted if p.line <= len(source.line_starts)}
    source.index(lines)
    on_line: dict[int, list[etree._Element]] = {}
    paths = _Paths(tree) if tree is not None else None
    if tree is not None:
        for el in tree.iter(etree.Element):
            if el.sourceline in lines:
                on_line.setdefault(el.sourceline, []).append(el)
    indexed = {line: _Line(elements) for line, elements in on_line.items()}
    for problem in wanted:
        line = problem.line
        if line not in lines:
            continue
        column = None
        target = paths.element(problem.path) if paths and line in indexed else None
        found = indexed[line].rank.get(target) if target is not None else None
        if found is not None:
            name, rank = found
            tags = source.tags.get((line, name), [])
            if len(tags) == indexed[line].count[name]:  # entity-made elements break pairing
                column = _column(source, tags[rank], line, problem.raw)
        else:
            column = _unique_start_tag(source, line, problem.path)
        if column is not None:
            problem.column, problem.column_derived = column, True
