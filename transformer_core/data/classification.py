"""Labelled sentences for fine-tuning a classifier: read a CSV/TSV, check it, encode it, batch it.

A learner will upload all kinds of files, so every way a file can be wrong gets its own message:
empty, only spaces, not text at all, too big, missing columns, only one class, empty sentences,
labels that are neither numbers nor names, cells without any text, a cell too long for the CSV
reader (an unclosed quote), a table the CSV reader cannot read, more classes than MAX_CLASSES.
Labels can be written as integers (0/1, or −1/1) or as names ("positive", "负面"); either way they
become ids 0…K−1 in sorted order, and ``label_names`` keeps what each id meant.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import Tensor

from ..errors import DataError, Phrase
from ..tokenizer import special_ids
from .batches import EpochCursor
from .files import cap, decode_text, raw_bytes

MAX_BYTES = 20_000_000        # 20 MB: far more than a fine-tuning set needs, small enough for a browser upload
MAX_CLASSES = 50              # a teaching set has a handful of classes; 10,000 labels (a text column read as
                              # labels) made a C × C confusion matrix of 10^8 cells and a 10 GB process
_INTEGER = re.compile(r"[+-]?\d+")


@dataclass(frozen=True)
class LabelledData:
    texts: list[str]
    labels: list[int]          # ids 0 … K−1
    label_names: list[str]     # label_names[id] = the label as written in the file

    def __len__(self) -> int:
        return len(self.texts)


def _decode(raw: bytes, name: str, max_bytes: int) -> str:
    return decode_text(raw, name, max_bytes,
                       expected=Phrase("a header line `text,label` and one example per line", "expect_labelled"),
                       save_as=Phrase("CSV (UTF-8)", "save_as_csv"))


def _rows(text: str, name: str, delimiter: str | None) -> tuple[list[tuple[int, list[str]]], int, int]:
    """Parse the table; return its (line number, cells) data rows and where the text and label columns are."""
    first_line = text.lstrip().split("\n", 1)[0]
    delimiter = delimiter or ("\t" if "\t" in first_line else ",")
    table = _table(text.lstrip(), name, delimiter)
    if not table:
        raise DataError(f"Every cell of {name} is empty (only separators and spaces). It needs a header line "
                        "`text,label` and one example per line.", "cells_all_empty", name=name)
    header = [c.strip().lower() for c in table[0][1]]
    missing = [c for c in ("text", "label") if c not in header]
    if missing:
        cells = table[0][1]
        found = (", ".join(f"'{_short(c)}'" for c in cells[:8]) + (", …" if len(cells) > 8 else "")
                 or Phrase("nothing", "found_nothing"))
        gone = (Phrase(f"{missing[0]!r} is missing", "column_missing", column=missing[0]) if len(missing) == 1
                else Phrase("'text' and 'label' are missing", "both_columns_missing"))
        raise DataError(f"{cap(name)} needs the columns 'text' and 'label' in its first line, but {gone} "
                        f"(found: {found}).", "columns_missing", name=cap(name), gone=gone, found=found)
    return table[1:], header.index("text"), header.index("label")


def _table(text: str, name: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of every row with some text. newline="": the reader itself splits lines, so a
    file with old Mac line ends (a bare \\r) reads as rows too. The CSV module's own errors become messages."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except csv.Error as err:
        line = reader.line_num
        if "field larger than field limit" in str(err):
            limit = csv.field_size_limit()
            raise DataError(f"A cell that ends on line {line} of {name} is longer than {limit:,} characters. "
                            "Is a quote (\") left open, so that the rest of the file became one cell?",
                            "cell_too_long", line=line, name=name, limit=limit) from None
        raise DataError(f"Line {line} of {name} cannot be read as CSV. Check its quotes, or save the file again "
                        "as CSV (UTF-8) from a spreadsheet.", "csv_unreadable", line=line, name=name) from None


def _label_ids(labels: list[str], lines: list[int]) -> tuple[list[int], list[str]]:
    """Integers are sorted as numbers (−1 < 1), names alphabetically; id = place in that order."""
    is_int = [bool(_INTEGER.fullmatch(label)) for label in labels]
    for label, integer, line in zip(labels, is_int, lines, strict=True):
        if not integer and not any(c.isalpha() for c in label):
            label = _short(label)
            raise DataError(f"The label {label!r} on line {line} is neither a whole number nor a name. "
                            "Use labels like 0/1 or positive/negative.", "label_not_a_name", label=label, line=line)
    if any(is_int) and not all(is_int):
        number, word = _short(labels[is_int.index(True)]), _short(labels[is_int.index(False)])
        raise DataError(f"The labels mix numbers ({number!r} on line {lines[is_int.index(True)]}) and names "
                        f"({word!r} on line {lines[is_int.index(False)]}). Use one kind for every example.",
                        "labels_mixed", number=number, number_line=lines[is_int.index(True)], word=word,
                        word_line=lines[is_int.index(False)])
    distinct = set(labels)
    if len(distinct) > MAX_CLASSES:                  # before sorting or counting anything per class
        raise DataError(f"The labels name {len(distinct):,} different classes; at most "
                        f"{MAX_CLASSES} are allowed. Is the label column really the labels (not a text or an id)?",
                        "too_many_classes", n=len(distinct), limit=MAX_CLASSES)
    names = sorted(distinct, key=int if all(is_int) else None)
    if len(names) < 2:
        names = [_short(names[0])]
        raise DataError(f"Every example has the label {names[0]!r}. A classifier needs at least two classes "
                        "to tell apart.", "labels_all_same", label=names[0])
    index = {name: i for i, name in enumerate(names)}
    return [index[label] for label in labels], names


def _short(label: str, most: int = 60) -> str:
    """A label as a message quotes it: a cell of 100,000 characters would bury the message."""
    return label if len(label) <= most else label[:most] + "…"


def read_labelled(path_or_text, *, delimiter: str | None = None, max_bytes: int = MAX_BYTES) -> LabelledData:
    """A CSV (or TSV, detected from a tab in the header) with columns ``text`` and ``label`` → LabelledData.
    ``path_or_text``: a path, the file's bytes (an upload), or the table as a string."""
    raw, name = raw_bytes(path_or_text, max_bytes)
    rows, text_col, label_col = _rows(_decode(raw, name, max_bytes), name, delimiter)
    if not rows:
        raise DataError(f"{cap(name)} has a header but no examples under it.", "header_only", name=cap(name))
    texts, labels, lines = [], [], []
    for line, row in rows:
        if len(row) <= max(text_col, label_col):
            raise DataError(f"Line {line} of {name} has {len(row)} column(s), fewer than the header. "
                            "Is a text with a comma missing its \"quotes\"?", "too_few_columns", line=line, name=name,
                            n=len(row))
        texts.append(row[text_col].strip())
        labels.append(row[label_col].strip())
        lines.append(line)
        if not texts[-1] or not labels[-1]:
            empty = Phrase("text", "cell_text") if not texts[-1] else Phrase("label", "cell_label")
            raise DataError(f"Line {line} of {name} has an empty {empty}. Fill it in or delete the line.",
                            "empty_cell", line=line, name=name, empty=empty)
    ids, names = _label_ids(labels, lines)
    return LabelledData(texts=texts, labels=ids, label_names=names)


def encode_labelled(data: LabelledData, tokenizer, max_len: int = 128) -> dict[str, Tensor]:
    """Tokenize every text as [CLS] text [SEP], cut to max_len (keeping the final [SEP]), pad to the longest.
    The tokenizer is not changed (enabling its truncation would affect everyone sharing it)."""
    if max_len < 3:
        raise DataError(f"max_len={max_len} is too short: [CLS] text [SEP] needs at least 3 tokens.",
                        "max_len_single", max_len=max_len)
    ids = special_ids(tokenizer)
    rows = [enc.ids if len(enc.ids) <= max_len else enc.ids[:max_len - 1] + [ids["sep"]]
            for enc in tokenizer.encode_batch(data.texts)]
    width = max(len(r) for r in rows)
    input_ids = torch.full((len(rows), width), ids["pad"], dtype=torch.long)        # (N, T)
    attention_mask = torch.zeros(len(rows), width, dtype=torch.long)                 # (N, T)
    for i, r in enumerate(rows):
        input_ids[i, :len(r)] = torch.tensor(r)
        attention_mask[i, :len(r)] = 1
    return {"input_ids": input_ids, "attention_mask": attention_mask,
            "token_type_ids": torch.zeros_like(input_ids),                             # (N, T) one segment
            "labels": torch.tensor(data.labels, dtype=torch.long)}                     # (N,)


class LabelledBatches:
    """Batches of an ``encode_labelled`` dict, seeded shuffle per epoch, each cut to its own longest row.
    Iterating runs the rest of the current epoch; ``state_dict`` saves where, so a resumed run continues
    with exactly the same batches."""

    def __init__(self, encoded: dict[str, Tensor], batch_size: int, seed: int = 0, shuffle: bool = True,
                 drop_last: bool = False):
        self.encoded, self.seed = encoded, seed
        self.cursor = EpochCursor(len(encoded["labels"]), batch_size, seed, shuffle, drop_last)

    def __len__(self) -> int:
        return len(self.cursor)

    def __iter__(self) -> Iterator[dict[str, Tensor]]:
        for index in self.cursor.batches():
            width = int(self.encoded["attention_mask"][index].sum(dim=1).max())
            yield {name: t[index, :width] if t.dim() == 2 else t[index] for name, t in self.encoded.items()}

    def forever(self) -> Iterator[dict[str, Tensor]]:
        while True:
            yield from self

    def state_dict(self) -> dict:
        return self.cursor.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.cursor.load_state_dict(state)
