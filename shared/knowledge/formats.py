"""Which format a file is, told from its content (never its name), and the quick checks the
API makes before queueing it: a corrupt, encrypted or bomb file is refused at once."""

from __future__ import annotations

import enum
import io
import re
import zipfile


class Kind(enum.StrEnum):
    TEXT = "text/plain"
    MARKDOWN = "text/markdown"
    HTML = "text/html"
    PDF = "application/pdf"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class Refused(Exception):
    """A file no one can read: `reason` is the errors.reason code of the refusal."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def unsupported(message: str) -> Refused:
    return Refused("unsupported_file", message)


def unreadable(message: str) -> Refused:
    return Refused("unreadable_file", message)


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted Office files (and old .doc)
# A DOCX inflates to at most this much, and at most this many times its packed size: a bomb
# is refused from its central directory, before anything is inflated.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_UNPACK_RATIO = 200
_HTML = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)
_MARKDOWN = re.compile(r"^(#{1,6} \S|```|\* \S|- \S|\d+\. \S|> \S)|\[[^\]]+\]\([^)]+\)", re.M)


def sniff(data: bytes) -> Kind:
    """The format of `data`, from its bytes."""
    if data.startswith(b"%PDF-"):
        return Kind.PDF
    if data.startswith(b"PK\x03\x04"):
        return Kind.DOCX  # a zip: checked to be a Word document by `check`
    if data.startswith(OLE_MAGIC):
        raise unreadable("The file is an encrypted or legacy Office document; save it as DOCX.")
    text = decoded(data)
    if _HTML.match(data[:4096]):
        return Kind.HTML
    return Kind.MARKDOWN if len(_MARKDOWN.findall(text[:20000])) >= 2 else Kind.TEXT


def decoded(data: bytes) -> str:
    """Text files are UTF-8 (with or without a BOM); binary content is not text."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise unsupported(
            "Upload plain text, Markdown, HTML, PDF or DOCX (this file is none of them)."
        ) from None
    if "\x00" in text:
        raise unsupported("The file is binary, not text.")
    return text


def check(data: bytes, kind: Kind) -> None:
    """Refuse at once what the worker could never read (cheap: no page or part is parsed)."""
    if not data.strip():
        raise unreadable("The file is empty.")
    if kind is Kind.DOCX:
        check_docx(data)
    elif kind is Kind.PDF:
        check_pdf(data)


def check_docx(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise unreadable("The DOCX file is corrupt (not a readable zip archive).") from None
    with archive:
        entries = archive.infolist()
        if "word/document.xml" not in {entry.filename for entry in entries}:
            raise unsupported("The zip archive is not a Word document (DOCX).")
        unpacked = sum(entry.file_size for entry in entries)
        packed = max(1, sum(entry.compress_size for entry in entries))
        if unpacked > MAX_UNPACKED_BYTES or unpacked > packed * MAX_UNPACK_RATIO:
            raise unreadable("The DOCX file inflates far beyond its size (a zip bomb).")


def check_pdf(data: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise unreadable(f"The PDF file is corrupt ({type(exc).__name__}).") from None
    if encrypted:
        raise unreadable("The PDF file is encrypted; upload it without a password.")
