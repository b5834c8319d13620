"""A learner's own pretraining corpus: each way a file can be wrong gets a message, not a traceback."""
import pytest

from transformer_core.data.files import read_corpus_file
from transformer_core.errors import DataError


@pytest.mark.parametrize("content,words", [
    (b"", "is empty"),
    (b"   \n\n  \t\n", "only spaces"),
    (b"PK\x03\x04\x00\x00binary", "binary file"),
    ("caf\u00e9 au lait\n\nencore".encode("latin-1"), "not UTF-8"),
    (b"one sentence.\nanother one.\n", "holds one document"),
])
def test_bad_corpus_files_are_explained(tmp_path, content, words):
    path = tmp_path / "mine.txt"
    path.write_bytes(content)
    with pytest.raises(DataError, match=words):
        read_corpus_file(path)


def test_size_limit_is_stated(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("a line\n\nanother\n" * 1000, encoding="utf-8")
    with pytest.raises(DataError, match="over the limit of 0.001 MB"):
        read_corpus_file(path, max_bytes=1000)


def test_good_corpus_file_reads_documents(tmp_path):
    path = tmp_path / "ok.txt"
    path.write_text("\ufeffFirst line.\nSecond line.\n\n第二篇。\n", encoding="utf-8")
    assert read_corpus_file(path) == [["First line.", "Second line."], ["第二篇。"]]
    with pytest.raises(DataError, match="No file at"):
        read_corpus_file(tmp_path / "missing.txt")
