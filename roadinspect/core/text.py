"""Stored text made safe to show: file names, notes and reviewer names come from outside the program.

A file name or a note may hold terminal control sequences (``ESC [ 2 J`` clears a terminal, ``ESC ] 8``
writes a hyperlink, ``U+009B`` is a one-character CSI on some terminals) or Unicode bidirectional
controls (``U+202E`` RIGHT-TO-LEFT OVERRIDE makes ``photo\\u202egpj.exe`` read as ``photoexe.jpg``).
:func:`printable` turns each such character into a visible escape (``\\x1b``, ``\\u202e``) so that what
is shown is exactly what is stored, and nothing is interpreted. Used by the command line's progress
bar, summary and ``info``, and by the HTML report. Qt-free.
"""

from __future__ import annotations

import re

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Unicode bidirectional formatting characters (marks, embeddings, overrides, isolates)."""

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "\u2028\u2029]")
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "\u2028\u2029]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, keep_newlines: bool = False) -> str:
    """``text`` with every control character (C0, DEL, C1), line/paragraph separator and bidi control
    written as a visible escape (``\\x1b``, ``\\n``, ``\\u202e``); other characters (accents, CJK) unchanged.

    ``keep_newlines`` keeps ``\\n`` and ``\\t`` as they are (a multi-line note in a document)."""
    if keep_newlines:
        return _UNSAFE.sub(lambda m: m.group(0) if m.group(0) in "\n\t" else _escape(m), str(text))
    return _UNSAFE.sub(_escape, str(text))


def has_unsafe(text: object) -> bool:
    """True when :func:`printable` would change ``text``."""
    return _UNSAFE.search(str(text)) is not None


def printable_json(text: str) -> str:
    """A JSON document with the C1 controls and bidi controls that ``ensure_ascii=False`` leaves raw
    written as ``\\uXXXX`` escapes (still the same JSON value; C0 controls JSON escapes itself)."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


__all__ = ["BIDI_CONTROLS", "has_unsafe", "printable", "printable_json"]
