"""Reading a learner's own files: every way a file can be wrong gets a message that says what to do.

Used for uploaded pretraining corpora (.txt) and labelled sets (.csv/.tsv): too big, empty, only
spaces, binary (a spreadsheet, an archive, an image), or not UTF-8.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import DataError, Phrase

MAX_CORPUS_BYTES = 50_000_000   # 50 MB of text: hours of training on a laptop CPU, still a quick read


def raw_bytes(path_or_text, max_bytes: int) -> tuple[bytes, str]:
    """The file's bytes and a name to use in messages. A str with a line break is the text itself;
    bytes are an upload's content; anything else is a path."""
    if isinstance(path_or_text, bytes):
        return path_or_text, Phrase("the uploaded file", "the_upload")
    if isinstance(path_or_text, str) and ("\n" in path_or_text or not path_or_text.strip()):
        return path_or_text.encode("utf-8"), Phrase("the pasted text", "the_pasted_text")
    path = Path(path_or_text)
    if not path.is_file():
        raise DataError(f"No file at {path}.", "no_file", path=path)
    check_size(path.stat().st_size, path.name, max_bytes)     # before reading it all into memory
    return path.read_bytes(), path.name


def check_size(n_bytes: int, name: str, max_bytes: int) -> None:
    if n_bytes > max_bytes:
        raise DataError(f"{cap(name)} is {n_bytes / 1e6:.3g} MB, over the limit of {max_bytes / 1e6:.3g} MB. "
                        "Use a smaller sample of it.", "file_too_big", name=cap(name), mb=n_bytes / 1e6,
                        limit=max_bytes / 1e6)


def cap(name: str) -> str:
    """ "the uploaded file" starting a sentence; file names stay as they are."""
    if isinstance(name, Phrase):
        return name.capitalized()
    return name[:1].upper() + name[1:] if name.startswith("the ") else name


def decode_text(raw: bytes, name: str, max_bytes: int, expected: str, save_as: str) -> str:
    """Bytes → text, refusing what is too big, empty, binary or not UTF-8 (a BOM is allowed).
    ``expected`` says what the file should hold; ``save_as`` the format to save it in."""
    check_size(len(raw), name, max_bytes)
    if not raw:
        raise DataError(f"{cap(name)} is empty. It needs {expected}.", "file_empty", name=cap(name), expected=expected)
    if b"\x00" in raw[:8192]:
        raise DataError(f"{cap(name)} looks like a binary file (a spreadsheet, an archive or an image?), "
                        f"not text. Save it as {save_as} and try again.", "file_binary", name=cap(name),
                        save_as=save_as)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(f"{cap(name)} is not UTF-8 text (byte {err.start} cannot be read). "
                        f"Save it as {save_as} and try again.", "file_not_utf8", name=cap(name), byte=err.start,
                        save_as=save_as) from None
    if not text.strip():
        raise DataError(f"{cap(name)} contains only spaces and line breaks. It needs {expected}.", "file_blank",
                        name=cap(name), expected=expected)
    return text


def read_corpus_file(path_or_text, max_bytes: int = MAX_CORPUS_BYTES) -> list[list[str]]:
    """A pretraining corpus of one's own → documents of lines. Blank lines separate documents; next-
    sentence prediction needs at least two of them (a "random" sentence must come from another one)."""
    from .corpora import parse_documents
    raw, name = raw_bytes(path_or_text, max_bytes)
    expected = Phrase("text: one sentence per line, a blank line between documents", "expect_documents")
    text = decode_text(raw, name, max_bytes, expected=expected,
                       save_as=Phrase("plain text (.txt, UTF-8)", "save_as_text"))
    documents = parse_documents(text)
    if len(documents) < 2:
        raise DataError(f"{cap(name)} holds one document. Next-sentence prediction draws its \"random\" "
                        "sentences from another document: separate at least two with a blank line.", "one_document",
                        name=cap(name))
    return documents
