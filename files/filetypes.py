"""The one place that says which filename extension a sniffed content type gets.

Every name we hand back to a browser or put in an archive (downloads, the raw endpoint, evidence package
entries and their manifest) ends in the extension of the type sniffed from the bytes at upload, never the
one the uploader chose: a PDF named `evidence.bat` is saved as `evidence.bat.pdf`, so the operating system
opens it as what it is, and a "polyglot" sniffed as PDF but named `.html` can never be opened as a page.
"""

from __future__ import annotations

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

# The first extension is the one we add; the others are spellings a name may already end in.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    # Plain-text names a text editor opens as such (never markup or scripts: those get .txt added).
    "text/plain": (".txt", ".text", ".log", ".md", ".ini", ".cfg", ".conf"),
    "text/csv": (".csv",),
    "application/zip": (".zip",),
    XLSX: (".xlsx",),
    DOCX: (".docx",),
    PPTX: (".pptx",),
    "video/mp4": (".mp4", ".m4v"),
    "video/quicktime": (".mov",),
    "video/webm": (".webm",),
}
# Anything we do not know is saved as opaque bytes: never under a name the system would run or render.
UNKNOWN_EXTENSION = ".bin"


def _base(content_type: str) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def extension_for(content_type: str) -> str:
    """The extension we add for `content_type`: `.pdf` for application/pdf, `.bin` for an unknown type."""
    return EXTENSIONS.get(_base(content_type), (UNKNOWN_EXTENSION,))[0]


def name_for(name: str, content_type: str) -> str:
    """`name` ending in the sniffed type's extension: kept when it already does, appended otherwise.

    Appending (rather than replacing) keeps what the uploader called it visible: `evidence.bat.pdf`.
    """
    name = name or "file"
    allowed = EXTENSIONS.get(_base(content_type), (UNKNOWN_EXTENSION,))
    lower = name.lower()
    if any(lower.endswith(ext) and len(name) > len(ext) for ext in allowed):
        return name
    return name.rstrip(" .") + allowed[0]
