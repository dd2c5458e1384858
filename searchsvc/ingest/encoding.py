"""Legacy encodings of text files that are not UTF-8, guessed with charset-normalizer."""

from __future__ import annotations

import codecs

#: The encodings a news article that is not UTF-8 is likely to be in, preferred first
#: when several read equally well: Western European (a superset of Latin-1's printable
#: characters), then Cyrillic for Russian and Ukrainian, then Central European. A
#: detector free to choose among all the encodings it knows reads the BBC's one
#: Latin-1 file as Shift JIS: a pound sign alone can be a katakana.
LEGACY_ENCODINGS = ("cp1252", "cp1251", "koi8_r", "koi8_u", "cp866", "cp1250")

# UTF-32's little-endian mark begins with UTF-16's, so it is tried first.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf_32"),
    (codecs.BOM_UTF32_BE, "utf_32"),
    (codecs.BOM_UTF16_LE, "utf_16"),
    (codecs.BOM_UTF16_BE, "utf_16"),
)
# Two candidates this close in mess, then in coherence, read equally well.
_CHAOS_TIE = 0.01
_COHERENCE_TIE = 0.02


def guess_encoding(data: bytes) -> str | None:
    """The encoding that ``data`` (not UTF-8) reads best in, or None when none fits.

    A byte order mark names UTF-16 or UTF-32. Otherwise a NUL byte means binary
    data, which no legacy encoding is tried on; and text that another encoding
    reads clearly better (Greek, say) is not forced into one of ours as mojibake.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    if b"\0" in data:
        return None
    # Imported here: UTF-8 files, nearly all of them, never need the detector.
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)))
    if not matches:
        return None
    least_chaos = min(match.chaos for match in matches)
    fits = [match for match in matches if match.chaos <= least_chaos + _CHAOS_TIE]
    most_coherent = max(match.coherence for match in fits)
    fits = [match for match in fits if match.coherence >= most_coherent - _COHERENCE_TIE]
    other = from_bytes(data).best()
    if (
        other is not None
        and other.chaos < least_chaos - _CHAOS_TIE
        and other.coherence > most_coherent + _COHERENCE_TIE
    ):
        return None
    names = {name for match in fits for name in match.could_be_from_charset}
    return next((name for name in LEGACY_ENCODINGS if name in names), None)


def utf8_problem(head: bytes, kind: str) -> str | None:
    """Why a file that must be UTF-8 and begins with ``head`` cannot be read at all, or None.

    Only what spoils the whole file is a problem here: binary data, or a text
    whose byte-order mark says UTF-16 or UTF-32. A stray byte that is not UTF-8
    spoils only its own record, which the reader rejects. ``kind`` names the
    format in the message ("JSON Lines").
    """
    for bom, name in _BOMS:
        if head.startswith(bom):
            encoding = name.replace("_", "-").upper()
            return (
                f"{encoding} text (it starts with a byte-order mark), not UTF-8; {kind} files must be UTF-8"
            )
    if b"\0" in head:
        # UTF-8 allows a NUL byte, but no JSON or CSV text holds one.
        return "binary data, not text (it holds NUL bytes)"
    try:
        # Not final: the head may end inside a character.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        if looks_binary(head):
            return "binary data, not text"
    return None


def looks_binary(data: bytes) -> bool:
    """Whether ``data`` is no text at all, rather than text in an encoding we do not read."""
    if b"\0" in data:
        return True
    from charset_normalizer import is_binary

    return is_binary(data)
