"""Raw text → documents → sentences, for English and Chinese.

BERT's next-sentence task needs text cut into sentences and grouped into documents (B is "next"
only if it follows A in the same document). Chinese ends a sentence with 。！？；…, with no space
after; English with . ! ? and a space — but not every full stop ends a sentence: "Mr. Smith",
"e.g. this", "3.5" and "J. K. Rowling" must stay whole.
"""
from __future__ import annotations

import re

# A terminator run, then any closing quotes or brackets that belong to the sentence it ends.
_END = re.compile(r"(?:[。！？；]+|…+|[.!?]+)[”’\"'」』）)\]]*")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LAST_WORD = re.compile(r"(\S+)$")

# Full stops after these never end a sentence (a name or an example follows) ...
_ALWAYS_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "vs", "e.g", "i.e", "cf", "fig",
                         "vol", "mt", "gen", "col", "capt", "rev", "hon"}
# ... these end one only when a capital letter follows ("at 5 p.m. We left" vs "5 p.m. sharp").
_SOMETIMES_ABBREVIATIONS = {"etc", "a.m", "p.m", "no", "approx", "inc", "ltd", "co", "jan", "feb", "aug", "sept",
                            "oct", "nov", "dec"}


def _is_chinese_end(mark: str) -> bool:
    return mark[0] in "。！？；…"


def _ends_sentence(text: str, match: re.Match) -> bool:
    """Is this terminator a sentence boundary? Chinese ones always are; English ones need a space
    (or the end, or a Chinese character) after them, and a full stop must not close an abbreviation."""
    mark, after = match.group(), text[match.end():match.end() + 2]
    if _is_chinese_end(mark):
        return True
    if after and not (after[0].isspace() or _CJK.match(after[0])):
        return False                                   # "3.5", "e.g", "example.com": no space after
    if not mark.startswith("."):
        return True                                    # ! and ? end a sentence when a space follows
    if mark.startswith(".."):
        return _capital_follows(text, match.end())     # "Wait... what?" is one sentence
    word = _LAST_WORD.search(text, max(0, match.start() - 20), match.start())
    word = word.group(1).lstrip("(\"'“‘") if word else ""
    if len(word) == 1 and word.isupper():
        return False                                   # an initial: "J. K. Rowling"
    word = word.lower()
    if word in _ALWAYS_ABBREVIATIONS:
        return False                                   # "Dr. Who"
    if word in _SOMETIMES_ABBREVIATIONS:
        return _capital_follows(text, match.end())
    return True


def _capital_follows(text: str, position: int) -> bool:
    """After an ambiguous full stop: the text ends, or the next word starts with a capital (or 汉字)."""
    rest = text[position:position + 40].lstrip()
    return not rest or rest[0].isupper() or bool(_CJK.match(rest[0]))


def split_sentences(text: str) -> list[str]:
    """Cut text into sentences (stripped, none empty). A blank line always ends a sentence; a single
    line break does not (books are often hard-wrapped), but it is turned into a space."""
    sentences = []
    for paragraph in _BLANK_LINE.split(text):
        start = 0
        for match in _END.finditer(paragraph):
            if _ends_sentence(paragraph, match):
                sentences.append(paragraph[start:match.end()])
                start = match.end()
        sentences.append(paragraph[start:])
    cleaned = (" ".join(s.split()) if not _CJK.search(s) else _join_lines(s) for s in sentences)
    return [s for s in cleaned if s]


def _join_lines(sentence: str) -> str:
    """Chinese has no spaces between words, so a line break inside Chinese text is simply dropped."""
    lines = [line.strip() for line in sentence.strip().splitlines()]
    joined = lines[0] if lines else ""
    for line in lines[1:]:
        needs_space = joined and line and not (_CJK.match(joined[-1]) or _CJK.match(line[0]))
        joined += (" " if needs_space else "") + line
    return joined


def split_documents(text: str) -> list[list[str]]:
    """Documents separated by blank lines (BERT's input format), each cut into sentences.
    Empty documents are dropped."""
    documents = (split_sentences(block) for block in _BLANK_LINE.split(text))
    return [doc for doc in documents if doc]


def split_single_lines(documents: list[list[str]]) -> list[list[str]]:
    """A document of one line (a review, a fortune) is split into its sentences: next-sentence
    prediction can only draw an IsNext pair from a document with two lines or more. Longer documents
    keep their lines (paragraphs) as they are."""
    return [split_sentences(doc[0]) or doc if len(doc) == 1 else doc for doc in documents]
