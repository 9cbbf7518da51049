"""Real files made inside the tests: a PDF (fpdf2), a DOCX (python-docx), and bad ones."""

from __future__ import annotations

import io
import zipfile

import docx
from fpdf import FPDF


def pdf_file(pages: list[str], password: str | None = None) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    if password is not None:
        pdf.set_encryption(owner_password=password, user_password=password)
    return bytes(pdf.output())


def docx_file(sections: list[tuple[str, list[str]]]) -> bytes:
    document = docx.Document()
    for heading, paragraphs in sections:
        document.add_heading(heading, level=1)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_bomb(inflated_mb: int = 500) -> bytes:
    """A valid-looking DOCX whose document part inflates to `inflated_mb` MiB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(inflated_mb):
                part.write(chunk)
    return out.getvalue()


def long_document(needle: str, filler_sections: int = 60) -> str:
    """Markdown with many sections about other things, the needle in one of them."""
    parts = []
    for number in range(filler_sections):
        parts.append(f"## Section {number}\n")
        parts.append(
            f"This section describes routine maintenance item {number}: checking the "
            f"filters, logging the pressure readings and cleaning the intake grille. " * 4
        )
        if number == filler_sections * 2 // 3:
            parts.append(needle)
    return "\n\n".join(parts)
