"""The shipped corpora's tokenizers (tools/ship_tokenizers.py) are exactly what the pretraining studio would
train on its first visit, so loading one instead changes nothing a learner sees."""
import pytest

from ui.studio import pretrain as pt


@pytest.mark.parametrize("corpus", pt.shipped_corpora())
def test_shipped_tokenizer_is_the_one_the_page_would_train(corpus):
    documents = pt.documents_of(corpus)
    size = pt.default_vocab_size(corpus, documents)
    shipped = pt.shipped_tokenizer(corpus, size)
    assert shipped is not None, f"run: python -m tools.ship_tokenizers --only {corpus}"
    trained = pt.train_tokenizer(documents, size)
    assert shipped.get_vocab() == trained.get_vocab()
    assert shipped.to_str() == trained.to_str()          # normalizer, pre-tokenizer, template, decoder too
    sample = " ".join(documents[0])[:300]
    assert shipped.encode(sample).ids == trained.encode(sample).ids


def test_other_sizes_and_uploads_are_trained_by_the_page(tmp_path):
    corpus = pt.shipped_corpora()[0]
    assert pt.shipped_tokenizer(corpus, 777) is None
    assert pt.shipped_tokenizer(str(tmp_path / "corpus.txt"), pt.VOCAB_SIZE) is None


def test_a_changed_corpus_does_not_meet_its_old_tokenizer(tmp_path):
    """The file name carries the training text's checksum: another text asks for another file."""
    corpus = pt.shipped_corpora()[0]
    size = pt.default_vocab_size(corpus, pt.documents_of(corpus))
    manifest = pt.read_manifest()
    manifest["corpora"][corpus]["files"]["train"]["sha256"] = "0" * 64
    (tmp_path / "MANIFEST.json").write_text(__import__("json").dumps(manifest))
    assert pt.shipped_tokenizer_path(corpus, size, tmp_path).name != pt.shipped_tokenizer_path(corpus, size).name
