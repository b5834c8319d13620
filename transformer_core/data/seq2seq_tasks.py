"""Toy sequence-to-sequence tasks, generated here with no download: copy, reverse, sort, numbers, dates.

Why toy tasks: an encoder-decoder learns them in minutes on a CPU, and each one tests a different
skill — *copy* needs attention to find position i, *reverse* to find position n − i, *sort* to
compare every symbol with every other, *number-zh* to re-order and re-group (English counts in
thousands, Chinese in 万 and 亿), and the date tasks to move fields around and drop words.

Everything is deterministic for a seed, and ``split_pairs`` keeps each source string in one split
only, so a test score measures generalisation, not memory. The numbers themselves (both languages,
sampling by magnitude, the "typed numbers" set, checking input words) are in ``number_words.py``.
"""

from __future__ import annotations

import datetime as dt
import random
import re

from transformer_core.data.number_words import (  # noqa: F401  (re-exported: the number task lives here too)
    LARGEST,
    MAX_SOURCE_CHARS,
    MUST_LEARN,
    NUMBER_WORDS,
    chinese_numeral,
    english_words,
    held_out_numbers,
    number_pairs,
    typed_numbers,
    typed_pairs,
    typed_tsv,
    unknown_number_words,
)
from transformer_core.errors import DataError

TASKS: tuple[str, ...] = ("copy", "reverse", "sort", "number-zh", "date-iso", "date-zh")

# ---------------------------------------------------------------- dates

MONTHS = "January February March April May June July August September October November December".split()
DATE_STYLES = ("us", "uk", "short")  # March 5, 2021 · 5 March 2021 · 5 Mar 2021


def format_date(date: dt.date, style: str) -> str:
    """A date written as people write it (``us``, ``uk``, ``short``) or as a target (``iso``, ``zh``)."""
    month = MONTHS[date.month - 1]
    formats = {
        "us": f"{month} {date.day}, {date.year}",
        "uk": f"{date.day} {month} {date.year}",
        "short": f"{date.day} {month[:3]} {date.year}",
        "iso": date.isoformat(),
        "zh": f"{date.year}年{date.month}月{date.day}日",
    }
    if style not in formats:
        raise DataError(f"Unknown date style {style!r}. Choose one of: {', '.join(formats)}.", "unknown_date_style",
                        style=style, choices=', '.join(formats))
    return formats[style]


def parse_date(text: str) -> dt.date:
    """The inverse of ``format_date`` for every style, so the tasks can be checked both ways."""
    text = text.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})|(\d{4})年(\d{1,2})月(\d{1,2})日", text):
        year, month, day = (int(g) for g in m.groups() if g is not None)
        return dt.date(year, month, day)
    months = {name[:3].lower(): i + 1 for i, name in enumerate(MONTHS)}
    if m := re.fullmatch(r"([A-Za-z]+) (\d{1,2}), (\d{4})", text):
        name, day, year = m.groups()
    elif m := re.fullmatch(r"(\d{1,2}) ([A-Za-z]+) (\d{4})", text):
        day, name, year = m.groups()
    else:
        raise DataError(f"Cannot read {text!r} as a date (try 'March 5, 2021' or '2021-03-05').", "not_a_date",
                        text=text)
    if name[:3].lower() not in months:
        raise DataError(f"{name!r} is not a month name.", "not_a_month", name=name)
    return dt.date(int(year), months[name[:3].lower()], int(day))


# ---------------------------------------------------------------- making and splitting pairs


def _one_pair(task: str, rng: random.Random, opts: dict) -> tuple[str, str]:
    if task in ("copy", "reverse", "sort"):
        length = rng.randint(opts.get("min_len", 3), opts.get("max_len", 10))
        source = "".join(rng.choice(opts.get("alphabet", "0123456789")) for _ in range(length))
        return source, {"copy": source, "reverse": source[::-1], "sort": "".join(sorted(source))}[task]
    first, last = dt.date(opts.get("first_year", 1900), 1, 1), dt.date(opts.get("last_year", 2099), 12, 31)
    date = dt.date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))
    return format_date(date, rng.choice(DATE_STYLES)), format_date(date, task.removeprefix("date-"))


def make_pairs(task: str, n: int, seed: int = 0, **options) -> list[tuple[str, str]]:
    """``n`` (source, target) pairs; the same seed always gives the same pairs.

    Sources are distinct, except in number-zh: its numbers are drawn by magnitude (``number_words.
    sample_number``), so "seventeen" comes back as often as a learner needs to see it.
    Options: ``min_len``, ``max_len``, ``alphabet`` (copy / reverse / sort), ``max_value`` (number-zh, up
    to 999,999,999,999), ``max_chars`` (number-zh: longest English source, default 127), ``first_year``,
    ``last_year`` (dates).
    """
    if task not in TASKS:
        raise DataError(f"Unknown task {task!r}. Choose one of: {', '.join(TASKS)}.", "unknown_task", task=task,
                        choices=', '.join(TASKS))
    if not isinstance(n, int) or n < 0:
        raise DataError(f"The number of pairs must be a whole number ≥ 0; got {n!r}.", "n_pairs", n=n)
    known = {"min_len", "max_len", "alphabet", "max_value", "max_chars", "first_year", "last_year"}
    if unknown := set(options) - known:
        raise DataError(f"Unknown option(s) {sorted(unknown)} for make_pairs. Known: {sorted(known)}.",
                        "unknown_options", unknown=sorted(unknown), known=sorted(known))
    rng, pairs = random.Random(f"{task}:{seed}"), {}
    if task == "number-zh":
        return number_pairs(n, rng, options.get("max_value", LARGEST), options.get("max_chars", MAX_SOURCE_CHARS))
    for _ in range(20 * n + 100):
        if len(pairs) == n:
            break
        source, target = _one_pair(task, rng, options)
        pairs.setdefault(source, target)
    if len(pairs) < n:
        raise DataError(f"Only {len(pairs)} different {task!r} examples were found for these options; ask for fewer.",
                        "too_few_pairs", found=len(pairs), task=task)
    return list(pairs.items())


def split_pairs(pairs, seed: int = 0, fractions=(0.8, 0.1, 0.1), keep_in_train=MUST_LEARN):
    """(train, validation, test): every source string lands in exactly one split (held-out).

    Sources in ``keep_in_train`` always go to train: by default the number words that can only be
    learnt by seeing them (0–100 and the round numbers — "seventeen" has nothing to generalise from).
    They match no source of the other tasks, whose splits are unchanged."""
    sources = sorted({source for source, _ in pairs})
    random.Random(seed).shuffle(sources)
    n_train = round(fractions[0] * len(sources))
    n_val = round(fractions[1] * len(sources))
    where = {s: 0 if i < n_train or s in keep_in_train else 1 if i < n_train + n_val else 2
             for i, s in enumerate(sources)}
    splits: tuple[list, list, list] = ([], [], [])
    for pair in pairs:
        splits[where[pair[0]]].append(tuple(pair))
    return splits
