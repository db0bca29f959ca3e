"""CSV inspection: encoding, BOM, delimiter, header, geometry columns and row count.

The file is streamed once: the first megabyte is decoded and analysed (the delimiter is
sniffed on its first 50 lines or 4 KB, the header and up to 200 records are split), then
the rest is decoded chunk by chunk only to count records and to find a wrong encoding
wherever it shows. Records are split by a small scanner of our own rather than
:mod:`csv` because real files hold WKT fields far above ``csv.field_size_limit()``
(barris_wkt.csv has polygons of 85,000 characters) and we only need each field's first
characters.
"""

from __future__ import annotations

import codecs
import csv
import re
import unicodedata
from collections.abc import Callable

from django.utils.translation import gettext as _

from gisdata.imports.inspection.base import (
    CsvInfo,
    InspectError,
    Limits,
    MiB,
    Opener,
)

DELIMITERS = ",;\t|"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# csv.Sniffer's quote and delimiter guessing is worse than quadratic in its sample: 64 KB
# of ',"' kept it busy for half a minute, 8 KB of '"\n' for seconds. On at most 50 lines
# or 4 KB (the size its documentation reads) the worst case stays near a tenth of a
# second, and the header check in _sniff_delimiter corrects a guess from a short sample.
SNIFF_CHARS = 4 * 1024
SNIFF_LINES = 50
SAMPLE_BYTES = 1 * MiB
SAMPLE_RECORDS = 200
KEEP = 200  # characters kept of each sampled value
UTF8_BOM = b"\xef\xbb\xbf"

# Column-name words, most telling first: Catalan/Spanish/French/English and GIS habits.
X_WORDS = (
    "longitude",
    "longitud",
    "longitut",
    "lon",
    "lng",
    "long",
    "x",
    "easting",
    "este",
    "xcoord",
    "coordx",
    "utmx",
)
Y_WORDS = (
    "latitude",
    "latitud",
    "lat",
    "y",
    "northing",
    "norte",
    "nord",
    "ycoord",
    "coordy",
    "utmy",
)
WKT_VALUE = re.compile(
    r"\s*(?:SRID=\d+;\s*)?(?:MULTI)?(?:POINT|LINESTRING|POLYGON|GEOMETRYCOLLECTION)"
    r"\s*(?:ZM|Z|M)?\s*(?:\(|EMPTY)",
    re.IGNORECASE,
)
DECIMAL_COMMA = re.compile(r"\s*[+-]?\d+,\d+\s*")


def inspect_csv(
    opener: Opener, *, name: str, limits: Limits, encoding: str | None
) -> tuple[CsvInfo, list[str]]:
    """Analyse a CSV; return its :class:`CsvInfo` and the warnings for the user.

    Raises InspectError with code ``not_delimited`` when the text does not split into
    columns (the caller then says "not a format Plaza reads" unless it was named .csv).
    """
    notes: list[str] = []
    with opener() as stream:
        first = stream.read(SAMPLE_BYTES)
        bom = first.startswith(UTF8_BOM)
        label = encoding or "UTF-8"
        codec = encoding or "utf-8"
        if bom:
            if codecs.lookup(codec).name != "utf-8":
                notes.append(
                    _("The file starts with a UTF-8 mark, so it is read as UTF-8, not "
                      "%(label)s.") % {"label": label}
                )
            codec, label = "utf-8-sig", "UTF-8"
        decoder = codecs.getincrementaldecoder(codec)(errors="strict")
        final = len(first) < SAMPLE_BYTES
        text = _decode(decoder, first, final, name=name, label=label, lines_before=0)
        info = _analyse(text, final=final, name=name, limits=limits, notes=notes)
        counter = _RecordCounter()
        counter.feed(text)
        while not final:
            chunk = stream.read(SAMPLE_BYTES)
            final = not chunk
            counter.feed(
                _decode(
                    decoder, chunk, final, name=name, label=label, lines_before=counter.newlines
                )
            )
            if counter.newlines > limits.max_csv_rows + 1:
                raise _too_many_rows(name, limits)
    rows = counter.records() - 1
    if rows > limits.max_csv_rows:
        raise _too_many_rows(name, limits)
    if rows <= 0:
        raise InspectError(
            _("The CSV %(name)s has a header but no rows.")
            % {"name": repr(name)}, code="csv_empty")
    if counter.in_quotes:
        notes.append(_("The CSV ends inside a quoted field: it may be cut short."))
    info.encoding, info.bom, info.rows = label, bom, rows
    return info, notes


def _too_many_rows(name: str, limits: Limits) -> InspectError:
    return InspectError(
        _("The CSV %(name)s has more than %(max_csv_rows)s rows; Plaza imports at most "
          "%(max_csv_rows)s at once: split the file.") % {
            "name": repr(name),
            "max_csv_rows": format(limits.max_csv_rows, ',')},
        code="csv_too_many_rows",
    )


def _decode(
    decoder: codecs.IncrementalDecoder,
    data: bytes,
    final: bool,
    *,
    name: str,
    label: str,
    lines_before: int,
) -> str:
    try:
        return decoder.decode(data, final)
    except UnicodeDecodeError as exc:
        line = lines_before + data[: exc.start].count(b"\n") + 1
        byte = data[exc.start : exc.start + 1].hex().upper() or "end of file"
        raise InspectError(
            _("The CSV %(name)s is not %(label)s text: line %(line)s has the byte "
              "0x%(byte)s. Choose the file's encoding with the encoding option (Spanish "
              "and Catalan files are often Windows-1252 or ISO-8859-1) and try again.") % {
                "name": repr(name),
                "label": label,
                "line": line,
                "byte": byte},
            code="csv_encoding",
        ) from exc
    except UnicodeError as exc:
        # The UTF-16 and UTF-32 decoders raise a bare UnicodeError, without a position,
        # for text that does not start with a byte-order mark.
        raise InspectError(
            _("The CSV %(name)s is not %(label)s text (%(exc)s). Choose the file's "
              "encoding with the encoding option and try again.") % {
                "name": repr(name),
                "label": label,
                "exc": exc},
            code="csv_encoding",
        ) from exc


def _analyse(text: str, *, final: bool, name: str, limits: Limits, notes: list[str]) -> CsvInfo:
    """Delimiter, header and geometry columns from the first megabyte of text."""
    header_end = _first_record_end(text)
    if header_end < 0:
        if not final:
            raise InspectError(
                _("The first line of %(name)s is longer than 1 MB: that is no CSV header "
                  "(too many or too long column names).") % {"name": repr(name)},
                code="csv_too_many_columns",
            )
        header_end = len(text)
    header_text = text[:header_end]
    delimiter = _sniff_delimiter(sniffer_sample(text), header_text)
    body = text[header_end:]
    records = _split_records(body, delimiter or ",", final=final, max_records=SAMPLE_RECORDS)
    complete = [fields for fields, done in records if done] or [f for f, _ in records[:1]]
    if delimiter is None:
        if not (complete and WKT_VALUE.match(complete[0][0])):
            raise InspectError(
                _("%(name)s does not read as CSV: no comma, semicolon, tab or '|' "
                  "separates its first line into columns.") % {"name": repr(name)},
                code="not_delimited",
            )
        delimiter = ","
    header = _split_records(header_text, delimiter, final=True, max_records=1, keep=None)
    if not header:  # e.g. a header line that is only a quote left open: nothing to split
        raise InspectError(_("The CSV %(name)s has no header row.") % {"name": repr(name)},
                           code="csv_no_header")
    columns = [c.strip() for c in header[0][0]]
    if len(columns) > limits.max_csv_columns:
        raise InspectError(
            _("The CSV %(name)s has %(count)s columns; Plaza reads at most "
              "%(max_csv_columns)s. Is the first line really the header?") % {
                "name": repr(name),
                "count": format(len(columns), ','),
                "max_csv_columns": format(limits.max_csv_columns, ',')},
            code="csv_too_many_columns",
        )
    if complete:
        matching = sum(1 for fields in complete if len(fields) == len(columns))
        if matching < 0.8 * len(complete):
            raise InspectError(
                _("%(name)s does not read as CSV: most of its first lines do not have the "
                  "%(count)s %(value)s-separated columns of its header.") % {
                    "name": repr(name),
                    "count": len(columns),
                    "value": DELIMITER_NAMES[delimiter]},
                code="not_delimited",
            )
    _note_odd_names(columns, notes)
    values = {
        column: [f[i] for f in complete if i < len(f) and f[i].strip()]
        for i, column in enumerate(columns)
    }
    info = CsvInfo(encoding="", bom=False, delimiter=delimiter, columns=columns, rows=0)
    info.wkt_columns = [c for c in columns if _mostly(values[c], WKT_VALUE.match)]
    info.x_columns = _axis_columns(columns, X_WORDS, Y_WORDS, values)
    info.y_columns = _axis_columns(columns, Y_WORDS, X_WORDS, values)
    info.decimal_comma_columns = [
        c
        for c in info.x_columns + info.y_columns
        if any(DECIMAL_COMMA.fullmatch(v) for v in values[c])
    ]
    if info.decimal_comma_columns:
        notes.append(
            ", ".join(info.decimal_comma_columns) + " write decimals with a comma (2,17017); "
            "they are converted on import."
        )
    if info.coordinate_pair is None and not info.wkt_columns:
        notes.append(
            _("No coordinate columns (such as lon/lat or x/y) and no WKT column were "
              "recognised: choose the columns that hold the geometry.")
        )
    return info


def _note_odd_names(columns: list[str], notes: list[str]) -> None:
    if any(not c for c in columns):
        notes.append(_("Some columns have no name in the header; GDAL names them field_N."))
    seen: set[str] = set()
    twice = sorted({c for c in columns if c.lower() in seen or seen.add(c.lower())})
    if twice:
        notes.append(_("Column names appear twice: %(names)s.") % {"names": ", ".join(twice)})


def sniffer_sample(text: str) -> str:
    """What csv.Sniffer may read of ``text``: its first SNIFF_LINES lines, SNIFF_CHARS at most."""
    return "\n".join(text[:SNIFF_CHARS].split("\n", SNIFF_LINES)[:SNIFF_LINES])


def _sniff_delimiter(sample: str, header: str) -> str | None:
    """csv.Sniffer's choice among ``,;\\t|``, checked against the header line.

    The sniffer reads quoting patterns and frequencies over many lines; when it fails or
    picks a character the header does not contain, the header's most frequent candidate
    (outside quotes) decides. None: the header has no candidate at all.
    """
    try:
        found: str | None = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        found = None
    unquoted = "".join(header.split('"')[::2])
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    if found is None or counts.get(found, 0) == 0:
        best = max(DELIMITERS, key=lambda d: counts[d])
        found = best if counts[best] else None
    return found


def _first_record_end(text: str) -> int:
    """Index just after the first record's line break (quotes respected), or -1."""
    pos, in_quotes = 0, False
    # The next line break is searched again only once ``pos`` has passed it: searching at
    # every quote made a megabyte of quotes before one line break take seconds.
    newline = text.find("\n")
    while newline >= 0:
        quote = text.find('"', pos)
        if in_quotes or (0 <= quote < newline):
            if quote < 0:
                return -1
            in_quotes, pos = not in_quotes, quote + 1
            if pos > newline:
                newline = text.find("\n", pos)
            continue
        return newline + 1
    return -1


def _split_records(
    text: str, delimiter: str, *, final: bool, max_records: int, keep: int | None = KEEP
) -> list[tuple[list[str], bool]]:
    """Split records as GDAL and RFC 4180 do, keeping ``keep`` characters of each field.

    Returns (fields, complete) pairs; the last record is incomplete when ``text`` was cut
    (``final`` False) inside it. Blank lines are skipped.
    """
    stop = re.compile("[" + re.escape(delimiter) + "\r\n]")
    records: list[tuple[list[str], bool]] = []
    pos, size = 0, len(text)
    while pos < size and len(records) < max_records:
        fields: list[str] = []
        complete = False
        while True:
            if text.startswith('"', pos):
                end = _closing_quote(text, pos + 1, final=final)
                if end < 0:
                    fields.append(_cut(text[pos + 1 :], keep).replace('""', '"'))
                    pos = size
                    break
                fields.append(_cut(text[pos + 1 : end], keep).replace('""', '"'))
                pos = end + 1
                match = stop.search(text, pos)  # anything after the quote is ignored
            else:
                match = stop.search(text, pos)
                end = match.start() if match else size
                fields.append(text[pos : end if keep is None else min(end, pos + keep)])
            if match is None:
                pos, complete = size, final
                break
            pos = match.end()
            if match.group() == delimiter:
                continue
            if match.group() == "\r" and text.startswith("\n", pos):
                pos += 1
            complete = True
            break
        if fields != [""]:
            records.append((fields, complete))
    return records


def _cut(value: str, keep: int | None) -> str:
    return value if keep is None else value[:keep]


def _closing_quote(text: str, start: int, *, final: bool) -> int:
    pos = start
    while True:
        end = text.find('"', pos)
        if end < 0 or (end + 1 == len(text) and not final):
            return -1  # cut inside the field (or between the two quotes of a "")
        if not text.startswith('"', end + 1):
            return end
        pos = end + 2


def _normalise(column: str) -> str:
    plain = unicodedata.normalize("NFKD", column)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")


def _axis_rank(column: str, words: tuple[str, ...]) -> int | None:
    norm = _normalise(column)
    if norm.replace("_", "") in words:
        return words.index(norm.replace("_", ""))
    hits = [words.index(token) for token in norm.split("_") if token in words]
    return len(words) + min(hits) if hits else None


def _axis_columns(
    columns: list[str],
    words: tuple[str, ...],
    other: tuple[str, ...],
    values: dict[str, list[str]],
) -> list[str]:
    """Columns named like this axis (and not the other), holding numbers, best first."""
    ranked = []
    for index, column in enumerate(columns):
        rank = _axis_rank(column, words)
        if rank is None or _axis_rank(column, other) is not None:
            continue
        if not values[column] or not _mostly(values[column], _is_number, share=1.0):
            continue
        ranked.append((rank, index, column))
    return [column for _rank, _index, column in sorted(ranked)]


_COORDINATE = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def parse_coordinate(text: str) -> float:
    """Read one coordinate written ``2.17017`` or ``2,17017`` (a decimal comma).

    Raises ValueError, like ``float()``, for anything else — empty cells, ``nan``,
    thousands separators (``1.234,5``), text — with a message naming the value. ``1,234``
    is read as 1.234: in the files we import, a lone comma is a decimal comma.
    """
    stripped = text.strip().replace("\u00a0", "")
    if not stripped:
        raise ValueError("The coordinate is empty.")
    if not _COORDINATE.fullmatch(stripped):
        raise ValueError(
            f"{text[:40]!r} is not a coordinate: write a number such as 2.17017 or 2,17017."
        )
    return float(stripped.replace(",", "."))


def _is_number(value: str) -> bool:
    try:
        parse_coordinate(value)
    except ValueError:
        return False
    return True


def _mostly(values: list[str], test: Callable[[str], object], share: float = 0.8) -> bool:
    return bool(values) and sum(1 for v in values if test(v)) >= share * len(values)


class _RecordCounter:
    """Counts line breaks outside double quotes, over text fed chunk by chunk."""

    def __init__(self) -> None:
        self.newlines = 0
        self.in_quotes = False
        self.lines_before_last_content: int | None = None

    def feed(self, text: str) -> None:
        if not text:
            return
        pieces = text.split('"')
        for index, piece in enumerate(pieces):
            if not self.in_quotes:
                self.newlines += piece.count("\n")
            if index < len(pieces) - 1:
                self.in_quotes = not self.in_quotes
        content_end = len(text.rstrip())
        if content_end:
            self.lines_before_last_content = self.newlines - text[content_end:].count("\n")

    def records(self) -> int:
        """Records seen: trailing blank lines do not count, a last unterminated line does."""
        if self.lines_before_last_content is None:
            return 0
        return self.lines_before_last_content + 1
