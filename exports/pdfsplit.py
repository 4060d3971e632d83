"""Cut a PDF of several invoices, as Typst writes it, into one standalone PDF per invoice.

Typst lays out a run of invoices much faster than the same invoices one compile each (the fonts
are subset, compressed and written once, and the per-compile work is shared), so the template lays
out a run and marks where each invoice starts with a bookmark titled by its position in the run.
Cutting is plain byte work: Typst writes every object uncompressed in the file's body with a classic
cross-reference table, and only stream contents are compressed, so the objects a page needs are
found by following the `N 0 R` references of the dictionaries, renumbered and written out again.
Each piece gets its own catalog, page tree, document information and cross-reference table; fonts
shared by the run are copied into every piece that uses them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_OBJECT = re.compile(rb"(?m)^(\d+) 0 obj\n")
_REF = re.compile(rb"(\d+) 0 R")
_KIDS = re.compile(rb"/Type/Pages/Count \d+/Kids\[([^\]]*)\]")
_BOOKMARK = re.compile(rb"/Title\((\d+)\)/Dest (\d+) 0 R")
_DEST_PAGE = re.compile(rb"^\[(\d+) 0 R")
_PARENT = re.compile(rb"/Parent \d+ 0 R")
_STREAM = b"stream\n"


class SplitError(ValueError):
    """The PDF is not laid out as this module expects (the Typst version changed its writer?)."""


def _objects(pdf: bytes) -> dict[int, bytes]:
    """Every object's text between `N 0 obj` and `endobj`, by number."""
    body_end = pdf.rfind(b"\nxref\n")
    if body_end < 0:
        raise SplitError("no classic cross-reference table")
    starts = [(int(m.group(1)), m.end()) for m in _OBJECT.finditer(pdf, 0, body_end)]
    objects = {}
    for i, (number, start) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else body_end
        text = pdf[start:end]
        cut = text.rfind(b"endobj")
        if cut < 0:
            raise SplitError(f"object {number} has no endobj")
        objects[number] = text[:cut].rstrip(b"\n")
    return objects


def _dictionary(text: bytes) -> bytes:
    """The part of an object that may hold references: all of it, or a stream's dictionary."""
    cut = text.find(_STREAM)
    return text if cut < 0 else text[:cut]


def _pdf_string(text: str) -> bytes:
    """A PDF text string: UTF-16 with a byte order mark, so any language's title survives."""
    encoded = ("\ufeff" + text).encode("utf-16-be")
    return b"<" + encoded.hex().encode() + b">"


def _write(objects: dict[int, bytes], pages: Sequence[int], lang: str, title: str) -> bytes:
    # the objects the pages need, in the order met: pages first, then what they reference
    page_set = set(pages)
    order: list[int] = []
    seen: set[int] = set()
    stack = list(reversed(pages))
    while stack:
        number = stack.pop()
        if number in seen:
            continue
        seen.add(number)
        order.append(number)
        text = objects[number]
        if number in page_set:
            text = _PARENT.sub(b"", text)
        refs = [int(r) for r in _REF.findall(_dictionary(text))]
        stack.extend(r for r in reversed(refs) if r not in seen)
    new = {old: i + 1 for i, old in enumerate(order)}
    tree, catalog, info = len(order) + 1, len(order) + 2, len(order) + 3

    def renumber(text: bytes) -> bytes:
        return _REF.sub(lambda m: b"%d 0 R" % new[int(m.group(1))], text)

    out = bytearray(b"%PDF-1.7\n%\x80\x80\x80\x80\n")
    offsets = []
    for old in order:
        text = objects[old]
        cut = text.find(_STREAM)
        head, tail = (text, b"") if cut < 0 else (text[:cut], text[cut:])
        head = renumber(_PARENT.sub(b"", head) if old in page_set else head)
        if old in page_set:
            head = head.replace(b"/Type/Page", b"/Type/Page/Parent %d 0 R" % tree, 1)
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
    kids = _KIDS.search(pdf)
    if kids is None:
        raise SplitError("no page tree")
    all_pages = [int(r) for r in _REF.findall(kids.group(1))]
    index = {page: i for i, page in enumerate(all_pages)}
    starts: dict[int, int] = {}
    for position, dest in _BOOKMARK.findall(pdf):
        target = _DEST_PAGE.match(objects[int(dest)])
        if target is None:
            raise SplitError(f"bookmark {position.decode()} has no page")
        starts[int(position)] = index[int(target.group(1))]
    if sorted(starts) != list(range(count)):
        raise SplitError(f"expected {count} invoice bookmarks, found {len(starts)}")
    first_pages = [starts[i] for i in range(count)] + [len(all_pages)]
    pieces = []
    for i in range(count):
        pages = all_pages[first_pages[i] : first_pages[i + 1]]
        if not pages:
            raise SplitError(f"invoice {i} has no pages")
        pieces.append(_write(objects, pages, languages[i], titles[i]))
    return pieces
