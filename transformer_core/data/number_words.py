"""Numbers in English words and in 中文数字, how the number-zh task samples them, and the numbers people type.

``english_words`` and ``chinese_numeral`` write one number both ways. ``sample_number`` draws the
training numbers by *magnitude bucket* (0–20, tens, 21–99, round numbers, years, random numbers of
every digit length): drawing the value uniformly would make almost every number twelve digits long
and leave "seventeen" to chance. ``typed_numbers`` is the evaluation set of numbers a learner types
(every number 0–100, every round number, 50 years); ``MUST_LEARN`` are the ones that can only be
learnt by seeing them, so the train/test split keeps them in training. ``unknown_number_words``
checks a learner's input against the words the generator uses.
"""
from __future__ import annotations

import random
import re

from transformer_core.errors import DataError

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**9, "billion"), (10**6, "million"), (10**3, "thousand"))
_ZH_DIGITS = "零一二三四五六七八九"
LARGEST = 10**12 - 1  # "nine hundred and ninety-nine billion …" = 九千九百九十九亿…
MAX_SOURCE_CHARS = 127  # + [EOS] fits max_len 128; 60% of 12-digit numbers are longer and are drawn again

# every word the generator writes (hyphenated tens split at the hyphen: "forty-two" = forty + two)
NUMBER_WORDS: tuple[str, ...] = (*_ONES, *_TENS[2:], "hundred", "thousand", "million", "billion", "and")


def _check_number(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= LARGEST:
        raise DataError(f"Numbers must be whole numbers from 0 to {LARGEST:,}; got {n!r}.", "number_range",
                        LARGEST=LARGEST, n=n)


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
    A leading 一十 is said 十 (十五, 十万) but 一十 stays inside a number (一百一十五, 一千零一十).
    二 is used everywhere, also before 百/千/万/亿 (二百, 二千万; everyday speech often says 两).
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


# ---------------------------------------------------------------- sampling by magnitude

def _random_length(rng: random.Random, top: int, max_chars: int = MAX_SOURCE_CHARS) -> int:
    """Uniform over the digit length (1 … digits of top), then uniform within that length among the numbers
    whose English fits max_chars (redrawn at the same length: only 40% of 12-digit numbers fit 127)."""
    digits = rng.randint(1, len(str(top)))
    low, high = 0 if digits == 1 else 10 ** (digits - 1), min(top, 10**digits - 1)
    for _ in range(100):
        n = rng.randint(low, high)
        if len(english_words(n)) <= max_chars:
            break
    return n


# name: (share of the draws, sampler). Shares are of training *pairs*: small numbers repeat on purpose.
BUCKETS: dict[str, tuple[float, object]] = {
    "0-20": (0.06, lambda rng, top: rng.randint(0, 20)),
    "tens": (0.03, lambda rng, top: 10 * rng.randint(2, 9)),
    "21-99": (0.06, lambda rng, top: rng.randint(21, 99)),
    "round": (0.10, lambda rng, top: rng.randint(1, 9) * 10 ** rng.randint(2, 11)),       # 300, 7000, 2 000 000
    "round-2": (0.05, lambda rng, top: rng.randint(11, 99) * 10 ** rng.randint(1, 10)),   # 150, 2500, 35 000
    "years": (0.10, lambda rng, top: rng.randint(1000, 2100)),
    "random": (0.60, _random_length),                  # max_chars is passed to this one
}


def sample_number(rng: random.Random, top: int = LARGEST, max_chars: int = MAX_SOURCE_CHARS) -> tuple[int, str]:
    """(number, bucket name): a bucket by its share, then a number in it that is ≤ top and whose English
    has at most max_chars characters (else another number of the same bucket; a bucket with none, e.g.
    years when top < 1000, gives way to another bucket)."""
    names, shares = list(BUCKETS), [share for share, _ in BUCKETS.values()]
    for _ in range(200):
        bucket = rng.choices(names, shares)[0]
        for _ in range(50):
            n = _random_length(rng, top, max_chars) if bucket == "random" else BUCKETS[bucket][1](rng, top)
            if n <= top and len(english_words(n)) <= max_chars:
                return n, bucket
    raise DataError(f"No number ≤ {top:,} fits in {max_chars} characters of English.", "no_number_fits",
                    top=top, max_chars=max_chars)


def number_pairs(n: int, rng: random.Random, top: int = LARGEST,
                 max_chars: int = MAX_SOURCE_CHARS) -> list[tuple[str, str]]:
    """n (English, 中文) pairs drawn by ``sample_number``; sources repeat (there are only 21 numbers ≤ 20)."""
    _check_number(top)
    numbers = [sample_number(rng, top, max_chars)[0] for _ in range(n)]
    return [(english_words(x), chinese_numeral(x)) for x in numbers]


def held_out_numbers(n: int, exclude, seed: int = 1, top: int = LARGEST,
                     max_chars: int = MAX_SOURCE_CHARS) -> list[int]:
    """Up to n distinct random numbers (uniform over digit length, as in the "random" bucket) whose English
    is not in ``exclude`` (the training sources): the held-out random split, numbers never seen. Short
    lengths come out rarer than 1/12 each, because most short numbers are in training."""
    exclude, rng, out = set(exclude), random.Random(f"held-out:{seed}"), {}
    for _ in range(50 * n):
        if len(out) == n:
            break
        x = _random_length(rng, top, max_chars)
        words = english_words(x)
        if words not in exclude and len(words) <= max_chars:
            out.setdefault(words, x)
    return list(out.values())


# ---------------------------------------------------------------- the numbers people type

def round_numbers(top: int = LARGEST) -> list[int]:
    """Every power of ten and 1–9 × every power of ten up to top (1, 2, … 9, 10, 20, … 900 000 000 000)."""
    return sorted(d * 10**k for k in range(len(str(top))) for d in range(1, 10) if d * 10**k <= top)


def typed_years(count: int = 50) -> list[int]:
    """``count`` years from 1000 to 2100, read as numbers ("two thousand and twenty-four"): half from
    1900–2100, half from the whole range, none of them a round number (those are in the set already)."""
    rng, round_ = random.Random("typed-years"), set(round_numbers())
    recent = rng.sample([y for y in range(1900, 2101) if y not in round_], count // 2)
    older = rng.sample([y for y in range(1000, 1900) if y not in round_], count - count // 2)
    return sorted(recent + older)


def typed_numbers() -> list[int]:
    """The "typed numbers" evaluation set: every number 0–100, the round numbers up to 10¹² (10¹² itself,
    "one trillion", is past the generator's range), then 50 years — 240 numbers, each once, in that order."""
    head = list(range(101))
    rounds = [x for x in round_numbers() if x > 100]
    return head + rounds + typed_years()


def typed_pairs() -> list[tuple[str, str]]:
    return [(english_words(x), chinese_numeral(x)) for x in typed_numbers()]


def typed_tsv() -> str:
    """The committed file assets/eval/numbers_typed.tsv, exactly."""
    return "english\tchinese\n" + "".join(f"{e}\t{c}\n" for e, c in typed_pairs())


# sources that can only be learnt by seeing them: split_pairs keeps them in training
MUST_LEARN: frozenset[str] = frozenset(english_words(x) for x in range(101)) | frozenset(
    english_words(x) for x in round_numbers())


# ---------------------------------------------------------------- checking a learner's input

def number_words_in(text: str) -> list[str]:
    """The words of ``text`` as the generator writes them: split at spaces and hyphens, lower case."""
    return [w for w in re.split(r"[\s\-]+", text.lower()) if w]


def unknown_number_words(text: str) -> list[str]:
    """The words of ``text`` that are not English number words of the generator ("hello world" →
    ["hello", "world"]; "two million" → []), each once, in order. Pure: no model needed."""
    known = set(NUMBER_WORDS)
    return list(dict.fromkeys(w for w in number_words_in(text) if w not in known))
