"""Cut a PDF of several invoices, as Typst writes it, into one standalone PDF per invoice.

Typst lays out a run of invoices much faster than the same invoices one compile each (the fonts
are subset, compressed and written once, and the per-compile work is shared), so the template lays
out a run and marks where each invoice starts with a bookmark titled by its position in the run.
Cutting is plain byte work: Typst writes every object in the file's body with a classic
cross-reference table, so each object is read at its offset, and the objects a page needs are
found by following the `N 0 R` references of the dictionaries, numbered from 1 and written out
again. Each piece gets its own catalog, page tree, document information and cross-reference
table; fonts shared by the run are copied into every piece that uses them. Every object is
packed and cut at its references once per run, so a piece renumbers by joining.

The renderer asks Typst for its plain ("pretty") output, whose page contents are not compressed:
Typst compresses with zlib at its default level, a tenth of a run's time, so the cut compresses
them instead, at `LEVEL`, once each. Streams Typst wrote hex-encoded (fonts, colour profiles) are
decoded back to their compressed bytes, and streams already compressed are copied as they are.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

# zlib level of page contents: 1 costs a third of 6 and makes a PDF about 6% larger
LEVEL = 1

_REF = re.compile(rb"(\d+) 0 R")
_KIDS = re.compile(rb"/Type\s*/Pages\s*/Count \d+\s*/Kids\s*\[([^\]]*)\]")
_BOOKMARK = re.compile(rb"/Title\s*\((\d+)\)\s*/Dest (\d+) 0 R")
_DEST_PAGE = re.compile(rb"^\[(\d+) 0 R")
_PAGE = re.compile(rb"/Type\s*/Page\b")
_PARENT_TREE = re.compile(rb"/Parent \d+ 0 R")
_LENGTH = re.compile(rb"/Length (\d+)(?!\s+\d+\s+R)")
_INDIRECT_LENGTH = re.compile(rb"/Length \d+\s+\d+\s+R")
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/\w+)")
_HEX_FLATE = re.compile(rb"^\[\s*/ASCIIHexDecode\s*/FlateDecode\s*\]$")
_HEADER = re.compile(rb"^(\d+) 0 obj\s")
_WHITESPACE = re.compile(rb"\s+")
_STREAM = b"stream\n"


class SplitError(ValueError):
    """The PDF is not laid out as this module expects (the Typst version changed its writer?)."""


def _objects(pdf: bytes) -> dict[int, bytes]:
    """Every object's text between `N 0 obj` and `endobj`, by number, found by its offset."""
    xref = pdf.rfind(b"\nxref\n")
    if xref < 0:
        raise SplitError("no classic cross-reference table")
    lines = pdf[xref + 6 : pdf.find(b"trailer", xref)].split()
    first, count = int(lines[0]), int(lines[1])
    entries = lines[2:]
    if len(entries) != 3 * count:
        raise SplitError("the cross-reference table is not one section")
    spans = sorted(
        (int(entries[3 * i]), first + i) for i in range(count) if entries[3 * i + 2] == b"n"
    )
    objects = {}
    for i, (offset, number) in enumerate(spans):
        end = spans[i + 1][0] if i + 1 < len(spans) else xref + 1
        text = pdf[offset:end]
        header = _HEADER.match(text)
        cut = text.rfind(b"endobj")
        if header is None or int(header.group(1)) != number or cut < 0:
            raise SplitError(f"object {number} is not where the cross-reference table says")
        objects[number] = text[header.end() : cut].strip(b"\n")
    return objects


def _dictionary(text: bytes) -> bytes:
    """The part of an object that may hold references: all of it, or a stream's dictionary."""
    cut = text.find(_STREAM)
    return text if cut < 0 else text[:cut]


def _packed(text: bytes) -> bytes:
    """A stream object with its data compressed: plain data deflated, hex-encoded data decoded."""
    cut = text.find(_STREAM)
    if cut < 0:
        return text
    head = text[:cut]
    length = _LENGTH.search(head)
    if length is None or _INDIRECT_LENGTH.search(head):
        raise SplitError("a stream without a direct /Length")
    start = cut + len(_STREAM)
    end = start + int(length.group(1))
    if not text[end:].lstrip(b"\r\n").startswith(b"endstream"):
        raise SplitError("a stream's /Length does not end at endstream")
    data = text[start:end]
    filters = _FILTER.search(head)
    if filters is None:
        data = zlib.compress(data, LEVEL)
        head = head[: length.start()] + b"/Filter /FlateDecode " + head[length.start() :]
    elif _HEX_FLATE.match(filters.group(1)) and b"/DecodeParms" not in head:
        data = _unhex(data)
        head = head[: filters.start()] + b"/Filter /FlateDecode" + head[filters.end() :]
    else:
        return text
    head = _LENGTH.sub(b"/Length %d" % len(data), head, count=1)
    return head + _STREAM + data + b"\nendstream"


def _unhex(data: bytes) -> bytes:
    """ASCIIHexDecode (PDF 1.7, 7.4.2): whitespace ignored, `>` ends it, an odd digit is x0."""
    digits = _WHITESPACE.sub(b"", data.split(b">", 1)[0])
    if len(digits) % 2:
        digits += b"0"
    try:
        return bytes.fromhex(digits.decode("ascii"))
    except ValueError as error:
        raise SplitError(f"a hex-encoded stream holds something else: {error}") from error


def _pdf_string(text: str) -> bytes:
    """A PDF text string: UTF-16 with a byte order mark, so any language's title survives."""
    encoded = ("\ufeff" + text).encode("utf-16-be")
    return b"<" + encoded.hex().encode() + b">"


class _Run:
    """The objects of a run, with what the pieces share worked out once: each object packed and
    cut at its references, so a piece renumbers by joining, without searching the text again."""

    def __init__(self, objects: dict[int, bytes], tree: int) -> None:
        self.objects = objects
        self.tree = tree  # the run's page tree: a piece gets its own
        self._parts: dict[int, tuple[list[bytes], list[int], bytes]] = {}

    def parts(self, number: int) -> tuple[list[bytes], list[int], bytes]:
        """The object's dictionary as the text between its references, the references, and the
        rest (a stream's data); a page's /Parent is left out."""
        if number not in self._parts:
            text = _packed(self.objects[number])
            cut = text.find(_STREAM)
            head, tail = (text, b"") if cut < 0 else (text[:cut], text[cut:])
            pieces = _REF.split(_PARENT_TREE.sub(b"", head) if _PAGE.search(head) else head)
            self._parts[number] = (pieces[::2], [int(r) for r in pieces[1::2]], tail)
        return self._parts[number]

    def refs(self, number: int) -> list[int]:
        """What the object needs in a piece: the run's page tree is replaced by the piece's."""
        return [r for r in self.parts(number)[1] if r != self.tree]


def _write(run: _Run, pages: Sequence[int], lang: str, title: str) -> bytes:
    """One piece: its pages and what they reference, numbered from 1 in the order met."""
    page_set = set(pages)
    order: list[int] = []
    seen: set[int] = set()
    stack = list(reversed(pages))
    while stack:  # pages first, then what they reference
        number = stack.pop()
        if number in seen:
            continue
        seen.add(number)
        order.append(number)
        stack.extend(r for r in reversed(run.refs(number)) if r not in seen)
    new = {old: i + 1 for i, old in enumerate(order)}
    tree, catalog, info = len(order) + 1, len(order) + 2, len(order) + 3
    new[run.tree] = tree

    out = bytearray(b"%PDF-1.7\n%\x80\x80\x80\x80\n")
    offsets = []
    for old in order:
        texts, refs, tail = run.parts(old)
        joined = [texts[0]]
        for ref, text in zip(refs, texts[1:], strict=True):
            joined += (b"%d 0 R" % new[ref], text)
        head = b"".join(joined)
        if old in page_set:
            head = _PAGE.sub(b"/Type /Page /Parent %d 0 R" % tree, head, count=1)
        offsets.append(len(out))
        out += b"%d 0 obj\n" % new[old] + head + tail + b"\nendobj\n"
    kids = b" ".join(b"%d 0 R" % new[p] for p in pages)
    extra = [
        b"<</Type/Pages/Count %d/Kids[%s]>>" % (len(pages), kids),
        b"<</Type/Catalog/Pages %d 0 R/Lang%s>>" % (tree, _pdf_string(lang)),
        b"<</Creator(Typst)/Title%s>>" % _pdf_string(title),
    ]
    for number, text in zip((tree, catalog, info), extra, strict=True):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + text + b"\nendobj\n"
    xref = len(out)
    # one subsection from 0, as a file never updated has (PDF 1.7, 7.5.4)
    out += b"xref\n0 %d\n0000000000 65535 f\r\n" % (len(offsets) + 1)
    out += b"".join(b"%010d 00000 n\r\n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root %d 0 R/Info %d 0 R>>\nstartxref\n%d\n%%%%EOF" % (
        len(offsets) + 1,
        catalog,
        info,
        xref,
    )
    return bytes(out)


def split(pdf: bytes, titles: Sequence[str], languages: Sequence[str]) -> list[bytes]:
    """The invoices of a run, each a PDF of its own pages (bookmark `i` starts invoice i).

    `titles` and `languages` hold one entry per invoice: its document title and language.
    """
    count = len(titles)
    objects = _objects(pdf)
    trees: dict[int, list[int]] = {}
    starts: dict[int, int] = {}
    bookmarks: list[tuple[bytes, bytes]] = []
    for number, text in objects.items():
        dictionary = _dictionary(text)
        kids = _KIDS.search(dictionary)
        if kids is not None:
            trees[number] = [int(r) for r in _REF.findall(kids.group(1))]
        bookmarks.extend(_BOOKMARK.findall(dictionary))
    if len(trees) != 1:
        raise SplitError(f"expected one flat page tree, found {len(trees)} page tree nodes")
    ((tree, all_pages),) = trees.items()
    index = {page: i for i, page in enumerate(all_pages)}
    for position, dest in bookmarks:
        target = _DEST_PAGE.match(objects[int(dest)])
        if target is None:
            raise SplitError(f"bookmark {position.decode()} has no page")
        starts[int(position)] = index[int(target.group(1))]
    if sorted(starts) != list(range(count)):
        raise SplitError(f"expected {count} invoice bookmarks, found {len(starts)}")
    first_pages = [starts[i] for i in range(count)] + [len(all_pages)]
    run = _Run(objects, tree)
    pieces = []
    for i in range(count):
        pages = all_pages[first_pages[i] : first_pages[i + 1]]
        if not pages:
            raise SplitError(f"invoice {i} has no pages")
        pieces.append(_write(run, pages, languages[i], titles[i]))
    return pieces
