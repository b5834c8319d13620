"""Toy sequence-to-sequence tasks, generated here with no download: copy, reverse, sort, numbers, dates.

Why toy tasks: an encoder-decoder learns them in minutes on a CPU, and each one tests a different
skill — *copy* needs attention to find position i, *reverse* to find position n − i, *sort* to
compare every symbol with every other, *number-zh* to re-order and re-group (English counts in
thousands, Chinese in 万 and 亿), and the date tasks to move fields around and drop words.

Everything is deterministic for a seed, and ``split_pairs`` keeps each source string in one split
only, so a test score measures generalisation, not memory.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from pathlib import Path

from transformer_core.data.errors import DataError

TASKS: tuple[str, ...] = ("copy", "reverse", "sort", "number-zh", "date-iso", "date-zh")

# ---------------------------------------------------------------- numbers in English and Chinese

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**9, "billion"), (10**6, "million"), (10**3, "thousand"))
_ZH_DIGITS = "零一二三四五六七八九"
LARGEST = 10**12 - 1  # "nine hundred and ninety-nine billion …" = 九千九百九十九亿…


def _check_number(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= LARGEST:
        raise DataError(f"Numbers must be whole numbers from 0 to {LARGEST:,}; got {n!r}.")


def _below_100(n: int) -> str:
    """1–99: a hyphen joins tens and units (thirty-two)."""
    return _ONES[n] if n < 20 else _TENS[n // 10] + (f"-{_ONES[n % 10]}" if n % 10 else "")


def _below_1000(n: int) -> str:
    """1–999, British style: "and" after hundred (three hundred and eighty-eight)."""
    hundreds, rest = divmod(n, 100)
    head = f"{_ONES[hundreds]} hundred" if hundreds else ""
    tail = _below_100(rest) if rest else ""
    return f"{head} and {tail}" if head and tail else head or tail


def english_words(n: int) -> str:
    """32388 → "thirty-two thousand three hundred and eighty-eight" (British "and", 1005 → "one thousand and five")."""
    _check_number(n)
    if n == 0:
        return "zero"
    parts = []
    for value, name in _SCALES:
        count, n = divmod(n, value)
        if count:
            parts.append(f"{_below_1000(count)} {name}")
    if n:
        parts.append(("and " if parts and n < 100 else "") + _below_1000(n))
    return " ".join(parts)


def _chinese_group(n: int) -> str:
    """1–9999 with 千百十; zeros between digits are read once as 零 (一千零五, 一千零五十)."""
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit == 0:
            zero = bool(out)
        else:
            out += ("零" if zero else "") + _ZH_DIGITS[digit] + unit
            zero = False
    return out


def chinese_numeral(n: int) -> str:
    """32388 → 三万二千三百八十八.

    Chinese groups digits in fours: 亿 (10⁸), 万 (10⁴), then units. A gap before a group — an empty
    group, or a group below 1000 after a higher one — is read as one 零 (一万零三百, 一亿零一).
    A leading 一十 is said 十 (十五, 十万) but 一十 stays inside a number (一百一十五).
    """
    _check_number(n)
    if n == 0:
        return "零"
    out, zero = "", False
    for group, suffix in ((n // 10**8, "亿"), (n // 10**4 % 10**4, "万"), (n % 10**4, "")):
        if group == 0:
            zero = zero or bool(out)
            continue
        if out and (zero or group < 1000):
            out += "零"
        out += _chinese_group(group) + suffix
        zero = False
    return out[1:] if out.startswith("一十") else out


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
        raise DataError(f"Unknown date style {style!r}. Choose one of: {', '.join(formats)}.")
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
        raise DataError(f"Cannot read {text!r} as a date (try 'March 5, 2021' or '2021-03-05').")
    if name[:3].lower() not in months:
        raise DataError(f"{name!r} is not a month name.")
    return dt.date(int(year), months[name[:3].lower()], int(day))


# ---------------------------------------------------------------- making and splitting pairs


def _one_pair(task: str, rng: random.Random, opts: dict) -> tuple[str, str]:
    if task in ("copy", "reverse", "sort"):
        length = rng.randint(opts.get("min_len", 3), opts.get("max_len", 10))
        source = "".join(rng.choice(opts.get("alphabet", "0123456789")) for _ in range(length))
        return source, {"copy": source, "reverse": source[::-1], "sort": "".join(sorted(source))}[task]
    if task == "number-zh":
        top = opts.get("max_value", 99_999_999)
        digits = rng.randint(1, len(str(top)))  # every length equally likely, so small numbers appear too
        n = rng.randint(0 if digits == 1 else 10 ** (digits - 1), min(top, 10**digits - 1))
        return english_words(n), chinese_numeral(n)
    first, last = dt.date(opts.get("first_year", 1900), 1, 1), dt.date(opts.get("last_year", 2099), 12, 31)
    date = dt.date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))
    return format_date(date, rng.choice(DATE_STYLES)), format_date(date, task.removeprefix("date-"))


def make_pairs(task: str, n: int, seed: int = 0, **options) -> list[tuple[str, str]]:
    """``n`` (source, target) pairs with distinct sources; the same seed always gives the same pairs.

    Options: ``min_len``, ``max_len``, ``alphabet`` (copy / reverse / sort), ``max_value``
    (number-zh, up to 999,999,999,999), ``first_year``, ``last_year`` (dates).
    """
    if task not in TASKS:
        raise DataError(f"Unknown task {task!r}. Choose one of: {', '.join(TASKS)}.")
    if not isinstance(n, int) or n < 0:
        raise DataError(f"The number of pairs must be a whole number ≥ 0; got {n!r}.")
    known = {"min_len", "max_len", "alphabet", "max_value", "first_year", "last_year"}
    if unknown := set(options) - known:
        raise DataError(f"Unknown option(s) {sorted(unknown)} for make_pairs. Known: {sorted(known)}.")
    rng, pairs = random.Random(f"{task}:{seed}"), {}
    for _ in range(20 * n + 100):
        if len(pairs) == n:
            break
        source, target = _one_pair(task, rng, options)
        pairs.setdefault(source, target)
    if len(pairs) < n:
        raise DataError(f"Only {len(pairs)} different {task!r} examples were found for these options; ask for fewer.")
    return list(pairs.items())


def split_pairs(pairs, seed: int = 0, fractions=(0.8, 0.1, 0.1)):
    """(train, validation, test): every source string lands in exactly one split (held-out)."""
    sources = sorted({source for source, _ in pairs})
    random.Random(seed).shuffle(sources)
    n_train = round(fractions[0] * len(sources))
    n_val = round(fractions[1] * len(sources))
    where = {s: 0 if i < n_train else 1 if i < n_train + n_val else 2 for i, s in enumerate(sources)}
    splits: tuple[list, list, list] = ([], [], [])
    for pair in pairs:
        splits[where[pair[0]]].append(tuple(pair))
    return splits


# ---------------------------------------------------------------- a character vocabulary


class CharVocab:
    """One token per character, after four specials: [PAD]=0, [BOS]=1, [EOS]=2, [UNK]=3.

    Characters are enough for these tasks (and show the idea without a tokenizer). Build one vocab
    for both sides, or separate source and target vocabs with ``side=``.
    """

    SPECIALS = ("[PAD]", "[BOS]", "[EOS]", "[UNK]")

    def __init__(self, chars):
        self.tokens = list(self.SPECIALS) + sorted(set(chars) - set(self.SPECIALS))
        self.index = {token: i for i, token in enumerate(self.tokens)}

    @classmethod
    def from_pairs(cls, pairs, side: str = "both") -> CharVocab:
        """``side`` = "source", "target" or "both"."""
        if side not in ("source", "target", "both"):
            raise DataError(f"side must be 'source', 'target' or 'both'; got {side!r}.")
        chosen = [s for pair in pairs for k, s in zip(("source", "target"), pair, strict=True) if side in (k, "both")]
        return cls("".join(chosen))

    pad_id = property(lambda self: 0, doc="padding, ignored by the loss")
    bos_id = property(lambda self: 1, doc="begin-of-sequence: the decoder's first input")
    eos_id = property(lambda self: 2, doc="end-of-sequence: decoding stops here")
    unk_id = property(lambda self: 3, doc="a character never seen when the vocab was built")

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str, add_bos: bool = False, add_eos: bool = False) -> list[int]:
        ids = [self.index.get(ch, self.unk_id) for ch in text]
        return [self.bos_id] * add_bos + ids + [self.eos_id] * add_eos

    def decode(self, ids) -> str:
        """Skips [PAD] and [BOS], stops at the first [EOS], shows unknown characters as [UNK]."""
        out = []
        for i in map(int, ids):
            if i == self.eos_id:
                break
            if i not in (self.pad_id, self.bos_id):
                out.append(self.tokens[i] if 0 <= i < len(self.tokens) else "[UNK]")
        return "".join(out)

    def save(self, path) -> None:
        Path(path).write_text(json.dumps({"tokens": self.tokens}, ensure_ascii=False, indent=0), encoding="utf-8")

    @classmethod
    def load(cls, path) -> CharVocab:
        try:
            tokens = json.loads(Path(path).read_text(encoding="utf-8"))["tokens"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise DataError(f"{path} is not a vocab file saved by CharVocab.save ({error}).") from error
        if tokens[:4] != list(CharVocab.SPECIALS):
            raise DataError(f"{path} does not start with the specials {CharVocab.SPECIALS}.")
        vocab = cls([])
        vocab.tokens, vocab.index = tokens, {t: i for i, t in enumerate(tokens)}
        return vocab
