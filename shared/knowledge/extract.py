"""Text out of a file, as blocks (headings and paragraphs with their page), by maintained
libraries: pypdf, python-docx, inscriptis. Run by the worker in a child process
(`bounded.py`), so a file that takes too long or inflates too far ends the child, never the
worker."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from shared.knowledge.formats import Kind, Refused, check, decoded, unreadable


@dataclass(frozen=True)
class Block:
    """A heading (`level` 1-6) or a paragraph (`level` 0), and the page it is on (PDF)."""

    text: str
    level: int = 0
    page: int | None = None


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_PARAGRAPHS = re.compile(r"\n\s*\n")


def extract(data: bytes, kind: Kind, max_chars: int) -> list[Block]:
    """The blocks of `data`; Refused when it is unreadable or holds more than `max_chars`."""
    check(data, kind)
    if kind is Kind.PDF:
        blocks = pdf_blocks(data)
    elif kind is Kind.DOCX:
        blocks = docx_blocks(data)
    elif kind is Kind.HTML:
        blocks = text_blocks(html_text(decoded(data)))
    elif kind is Kind.MARKDOWN:
        blocks = markdown_blocks(decoded(data))
    else:
        blocks = text_blocks(decoded(data))
    total = sum(len(block.text) for block in blocks)
    if total > max_chars:
        raise unreadable(
            f"The file holds {total:,} characters of text; the limit is {max_chars:,}."
        )
    if total == 0:
        raise unreadable("The file holds no text (a scanned PDF needs OCR first).")
    return blocks


def text_blocks(text: str, page: int | None = None) -> list[Block]:
    parts = (" ".join(part.split()) for part in _PARAGRAPHS.split(text))
    return [Block(part, 0, page) for part in parts if part]


def markdown_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.extend(text_blocks("\n".join(paragraph)))
            paragraph.clear()

    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            flush()
            blocks.append(Block(heading.group(2), len(heading.group(1))))
        elif line.strip():
            paragraph.append(line)
        else:
            flush()
    flush()
    return blocks


def pdf_blocks(data: bytes) -> list[Block]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise unreadable(f"The PDF file is corrupt ({type(exc).__name__}).") from None
    blocks: list[Block] = []
    for number, text in enumerate(pages, start=1):
        blocks.extend(text_blocks(text, number))
    return blocks


def docx_blocks(data: bytes) -> list[Block]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise unreadable(f"The DOCX file is corrupt ({type(exc).__name__}).") from None
    except Exception as exc:  # lxml's syntax errors and zip errors have no common base
        raise unreadable(f"The DOCX file is corrupt ({type(exc).__name__}).") from None
    blocks: list[Block] = []
    for paragraph in document.paragraphs:
        text = " ".join(paragraph.text.split())
        if text:
            blocks.append(
                Block(text, heading_level(paragraph.style.name if paragraph.style else ""))
            )
    return blocks


def heading_level(style: str | None) -> int:
    """Word's "Heading 2" style is a level-2 heading; "Title" a level-1 one."""
    if not style:
        return 0
    if style == "Title":
        return 1
    match = re.fullmatch(r"Heading (\d)", style)
    return min(6, int(match.group(1))) if match else 0


def html_text(html: str) -> str:
    from inscriptis import get_text

    try:
        return get_text(html)
    except Exception as exc:  # lxml refuses some documents outright
        raise unreadable(f"The HTML file cannot be read ({type(exc).__name__}).") from None


__all__ = ["Block", "Kind", "Refused", "extract"]
