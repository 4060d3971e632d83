"""The print-and-mail batch (PR7): one zip per run with the letters, a manifest and checksums."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from exports.documents import InvoiceDocument

# the layout print-and-mail providers such as Nexive take: one row per letter, `;`, UTF-8
MANIFEST_COLUMNS = (
    "document_id",
    "recipient",
    "address",
    "postcode",
    "city",
    "province",
    "pages",
    "file",
)
MANIFEST = "manifest.csv"
CHECKSUMS = "SHA256SUMS"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed entry times: the same letters make the same zip


class PostalError(ValueError):
    """A letter that cannot be posted; the message names the document and the field."""


@dataclass(frozen=True)
class Letter:
    document_id: str
    recipient: str
    address: str
    postcode: str
    city: str
    province: str
    pdf: Path
    enclosures: tuple[Path, ...] = ()  # attachments printed after the invoice

    @classmethod
    def of(cls, doc: InvoiceDocument, pdf: Path) -> Letter:
        a = doc.account.address
        letter = cls(
            doc.invoice_id,
            doc.customer.name,
            a.street,
            a.postcode,
            a.city,
            a.province,
            pdf,
            tuple(att.path for att in doc.attachments),
        )
        letter.check()
        return letter

    def check(self) -> None:
        where = f"{self.document_id}: "
        if not self.recipient.strip():
            raise PostalError(where + "recipient is empty")
        if not self.address.strip():
            raise PostalError(where + "address is empty")
        if not re.fullmatch(r"\d{5}", self.postcode):
            raise PostalError(where + f"postcode {self.postcode!r} is not 5 digits")
        if not self.city.strip():
            raise PostalError(where + "city is empty")
        if not re.fullmatch(r"[A-Z]{2}", self.province):
            raise PostalError(where + f"province {self.province!r} is not 2 capital letters")
        for path in self.enclosures:
            if path.suffix.lower() != ".pdf":
                raise PostalError(
                    where + f"enclosure {path.name} is not a PDF and cannot be printed"
                )


@dataclass(frozen=True)
class PostalBatch:
    batch_id: str
    zip_path: Path
    checksum_path: Path
    sha256: str
    letters: tuple[str, ...]  # document ids, in manifest order
    pages: int


def _letter_pdf(letter: Letter) -> tuple[bytes, int]:
    """The invoice followed by its enclosures, as one PDF to print, and its page count."""
    if not letter.enclosures:
        content = letter.pdf.read_bytes()
        return content, len(PdfReader(io.BytesIO(content)).pages)
    writer = PdfWriter()
    for path in (letter.pdf, *letter.enclosures):
        writer.append(str(path))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue(), len(writer.pages)


def _entry(archive: zipfile.ZipFile, name: str, content: bytes, compress: bool) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    archive.writestr(info, content)


def build_postal_batch(letters: Sequence[Letter], out_dir: Path, batch_id: str) -> PostalBatch:
    """Write `<batch_id>.zip` and `<batch_id>.zip.sha256` into `out_dir`."""
    if not letters:
        raise PostalError(f"{batch_id}: a batch needs at least one letter")
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", batch_id):
        raise PostalError(f"batch_id: {batch_id!r} may hold only letters, digits, _ . -")
    seen: set[str] = set()
    rows, files, sums = [], [], []
    total_pages = 0
    for letter in letters:
        letter.check()
        if letter.document_id in seen:
            raise PostalError(f"{letter.document_id}: appears twice in the batch")
        seen.add(letter.document_id)
        content, pages = _letter_pdf(letter)
        name = f"letters/{re.sub(r'[^A-Za-z0-9_.-]', '-', letter.document_id)}.pdf"
        files.append((name, content))
        sums.append(f"{hashlib.sha256(content).hexdigest()}  {name}")
        total_pages += pages
        rows.append(
            (
                letter.document_id,
                letter.recipient,
                letter.address,
                letter.postcode,
                letter.city,
                letter.province,
                pages,
                name,
            )
        )
    manifest = io.StringIO()
    writer = csv.writer(manifest, delimiter=";", lineterminator="\r\n")
    writer.writerow(MANIFEST_COLUMNS)
    writer.writerows(rows)
    manifest_bytes = manifest.getvalue().encode("utf-8")
    sums.insert(0, f"{hashlib.sha256(manifest_bytes).hexdigest()}  {MANIFEST}")

    out_dir.mkdir(parents=True, exist_ok=True)
    zip_path = out_dir / f"{batch_id}.zip"
    partial = zip_path.with_suffix(".zip.part")
    with zipfile.ZipFile(partial, "w") as archive:
        _entry(archive, MANIFEST, manifest_bytes, compress=True)
        for name, content in files:
            _entry(archive, name, content, compress=False)  # PDFs are compressed already
        _entry(archive, CHECKSUMS, ("\n".join(sums) + "\n").encode(), compress=True)
    partial.replace(zip_path)
    digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    checksum_path = out_dir / f"{batch_id}.zip.sha256"
    checksum_path.write_text(f"{digest}  {zip_path.name}\n")
    return PostalBatch(
        batch_id, zip_path, checksum_path, digest, tuple(r[0] for r in rows), total_pages
    )
