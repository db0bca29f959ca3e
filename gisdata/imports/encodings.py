"""Attribute encodings: one name that both Python and GDAL (iconv) understand.

A planner types `latin-1`, `windows-1252` or `utf8`; Python knows all of them, but GDAL
hands the name to iconv, which knows `ISO-8859-1` and not `latin-1`, and then reads the
bytes as if they were UTF-8 (the import failed on the first accent). So every name is
looked up in Python's codec registry and written back in the spelling iconv uses, and a
name Python does not know as a text encoding is refused when the dataset is created.
"""

from __future__ import annotations

import codecs
import re

# Python's canonical names whose iconv spelling is not a plain upper-casing.
ICONV_NAMES = {
    "mac-roman": "MACINTOSH",
    "utf-8-sig": "UTF-8",  # a CSV's BOM is dropped by the reader, a DBF never has one
    "ascii": "ASCII",
    "utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE",
    "utf-32-le": "UTF-32LE", "utf-32-be": "UTF-32BE",
}
# Text codecs of Python's that are no encoding of a file's text.
NOT_FILE_ENCODINGS = {"idna", "punycode", "raw-unicode-escape", "unicode-escape",
                      "undefined", "charmap", "mbcs", "oem"}


def gdal_encoding(name: str) -> str:
    """The iconv spelling of the encoding `name` (`latin-1` → `ISO-8859-1`).

    Raises LookupError when Python knows no text encoding of that name.
    """
    info = codecs.lookup((name or "").strip())
    canonical = info.name.replace("_", "-")
    if not getattr(info, "_is_text_encoding", True) or canonical in NOT_FILE_ENCODINGS:
        raise LookupError(f"{name!r} is not a text encoding")
    if canonical in ICONV_NAMES:
        return ICONV_NAMES[canonical]
    iso = re.fullmatch(r"iso8859-(\d+)", canonical)
    if iso:
        return f"ISO-8859-{iso.group(1)}"
    return canonical.upper()
