"""The studio's training engine: a LiveRun owned by one session, its workspace, saving and the size plan."""
import gc
import time
import weakref
import zipfile
from pathlib import Path

import pytest
import torch

from transformer_core import load_pretrained
from transformer_core.train.config import TrainConfig
from transformer_core.train.snapshots import read as read_snapshots
from ui.i18n import error_text
from ui.studio import live, plans, saving
from ui.studio.live import LiveRun, checkpoint_steps, wait_for
from ui.studio.workspace import Workspace

TINY = {"n_layers": 1, "d_model": 32, "n_heads": 2, "d_ff": 64}


def small_corpus() -> str:
    """60 documents of the shipped English corpus in a file: building a run then takes a fraction of a second."""
    from transformer_core.data.corpora import format_documents, load_documents
    path = Path(__file__).parent / ".cache_small_corpus.txt"
    if not path.is_file():
        path.write_text(format_documents(load_documents("en", "train")[:60]), encoding="utf-8")
    return str(path)


def config(steps=12, **changes) -> TrainConfig:
    settings = dict(task="pretrain", preset="tiny", model=TINY, corpus=small_corpus(), vocab_size=400, max_len=32,
                    batch_size=4, steps=steps, eval_batches=1)
    return TrainConfig(**{**settings, **changes})


@pytest.fixture
def ws():
    workspace = Workspace()
    yield workspace
    workspace.close()


def wait_steps(run: LiveRun, n: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while run.view().step < n:
        assert time.monotonic() < deadline, run.view().status
        time.sleep(0.01)


def test_checkpoint_steps_include_the_start_and_the_end():
    assert checkpoint_steps(100, 4) == [0, 25, 50, 75, 100]
    assert checkpoint_steps(3, 10) == [0, 1, 2, 3]


def test_a_run_trains_saves_snapshots_and_frames(ws):
    capture = lambda model, parts: {"norm": float(model.bert.embeddings.word.weight.detach().norm())}  # noqa: E731
    run = LiveRun(config(steps=12), ws.new_folder("run"), capture=capture, checkpoints=3)
    run.start()
    view = wait_for(run)
    assert view.status == "done", view.message
    assert [h["step"] for h in view.history] == list(range(1, 13))
    assert [f.step for f in view.frames] == [0, 4, 8, 12]
    assert view.evaluations == []                               # a file has no held-out split (shipped ones do)
    assert view.checkpoint_step == 12 and view.checkpoint.is_dir()
    meta, _ = read_snapshots(view.checkpoint)
    assert meta["steps"] == [0, 4, 8, 12]
    model, tokenizer = load_pretrained(view.checkpoint)
    assert tokenizer is not None and model.config.n_layers == 1
    assert run.trainer is None and run.parts is None            # finished: model and optimiser released


def test_a_file_corpus_with_a_heldout_file_beside_it_gets_held_out_scores(ws):
    from transformer_core.data.corpora import format_documents, load_documents
    documents = load_documents("en", "train")[:40]
    ws.save_upload(format_documents(documents[:30]).encode(), "corpus.txt")
    ws.save_upload(format_documents(documents[30:]).encode(), "corpus-heldout.txt")
    run = LiveRun(config(steps=4, corpus=str(ws.file("corpus.txt"))), ws.new_folder("run"), checkpoints=1)
    run.start()
    view = wait_for(run)
    assert [e["step"] for e in view.evaluations] == [0, 4] and "mlm_top1" in view.evaluations[0]


def test_pause_resume_and_stop_keep_the_model_so_far(ws):
    run = LiveRun(config(steps=5000), ws.new_folder("run"), checkpoints=2)
    run.start()
    wait_steps(run, 3)
    run.pause(wait=30)
    paused_at = run.view().step
    time.sleep(0.5)
    assert run.view().status == "paused" and run.view().step == paused_at
    run.resume()
    wait_steps(run, paused_at + 3)
    run.stop()
    run.join(30)
    view = run.view()
    assert view.status == "stopped" and not run.thread.is_alive()
    assert view.checkpoint_step == view.step                     # the model at the moment of stopping
    assert load_pretrained(view.checkpoint)[0] is not None


def test_a_nan_stops_the_run_and_keeps_the_last_good_checkpoint(ws):
    run = LiveRun(config(steps=5000), ws.new_folder("run"), checkpoints=2)
    run.start()
    wait_for(run, ("running",))
    wait_steps(run, 2)
    run.pause(wait=30)
    with torch.no_grad():
        run.trainer.model.bert.embeddings.word.weight.fill_(float("nan"))   # what a diverging run does
    run.resume()
    view = wait_for(run)
    assert view.status == "error" and view.error == "nan", view.message
    assert "not a finite number" in view.message
    model, _ = load_pretrained(view.checkpoint)
    assert view.checkpoint_step == 0 and torch.isfinite(model.bert.embeddings.word.weight).all()


@pytest.mark.parametrize("changes, kind, words", [
    ({"corpus": "no-such-corpus"}, "data", "no corpus called"),
    ({"corpus": "sentiment-zh"}, "data", "for finetune, not for pretrain"),
])
def test_bad_settings_found_while_building_become_a_message(ws, changes, kind, words):
    run = LiveRun(config(**changes), ws.new_folder("run"))
    run.start()
    view = wait_for(run)
    assert (view.status, view.error) == ("error", kind) and words in view.message
    assert view.checkpoint is None
    assert error_text(view.failure, "en") == view.message and "语料库" in error_text(view.failure, "zh")


def test_out_of_memory_is_explained(ws):
    def build(_config):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
    run = LiveRun(config(), ws.new_folder("run"), build=build)
    run.start()
    view = wait_for(run)
    assert view.error == "memory" and "smaller batch size" in view.message
    assert error_text(view.failure, "en") == view.message and "内存" in error_text(view.failure, "zh")


def test_a_disconnected_tab_pauses_its_run(ws):
    connected = {"yes": True}
    run = LiveRun(config(steps=5000), ws.new_folder("run"), alive=lambda: connected["yes"])
    run.start()
    wait_steps(run, 2)
    connected["yes"] = False
    view = wait_for(run, ("paused",))
    assert view.message == "tab"
    run.stop()
    run.join(30)


def test_a_dropped_session_frees_its_run_and_its_files():
    """Streamlit drops a closed tab's session state; nothing else holds the run, so it is collected,
    its worker ends, and the workspace folder is deleted."""
    session = {"ws": Workspace()}
    session["run"] = LiveRun(config(steps=5000), session["ws"].new_folder("run"))
    session["run"].start()
    wait_steps(session["run"], 2)
    thread, folder = session["run"].thread, session["ws"].path
    run_ref = weakref.ref(session["run"])
    session.clear()
    deadline = time.monotonic() + 10
    while (run_ref() is not None or thread.is_alive()) and time.monotonic() < deadline:
        gc.collect()
        time.sleep(0.1)
    assert run_ref() is None and not thread.is_alive()
    assert not folder.exists()


def test_repeated_runs_do_not_grow_memory(ws):
    def rss() -> int:
        return int(Path("/proc/self/statm").read_text().split()[1]) * 4096
    sizes = []
    for _ in range(5):
        run = LiveRun(config(steps=6), ws.new_folder("run"), checkpoints=1)
        run.start()
        assert wait_for(run).status == "done"
        del run
        gc.collect()
        sizes.append(rss())
    assert sizes[-1] - sizes[1] < 40e6, [f"{s / 1e6:.0f} MB" for s in sizes]


def test_only_a_few_runs_may_train_at_once(ws, monkeypatch):
    monkeypatch.setattr(live, "MAX_ACTIVE", 1)
    first = LiveRun(config(steps=5000), ws.new_folder("run"))
    first.start()
    second = LiveRun(config(steps=5000), ws.new_folder("run"))
    with pytest.raises(live.Busy, match="already using"):
        second.start()
    first.pause()
    second.start()                                              # a paused run leaves its place
    with pytest.raises(live.Busy):
        first.resume()
    for run in (first, second):
        run.stop()
        run.join(30)


# ── the workspace ───────────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("name", ["../x.txt", "/etc/passwd", "a/b.txt", "my file.txt", "", ".hidden", "x.exe"])
def test_the_workspace_takes_only_its_own_names(ws, name):
    with pytest.raises(ValueError):
        ws.file(name)


def test_uploads_are_saved_under_our_name_inside_the_workspace(ws):
    path = ws.save_upload(b"hello\n\nworld\n", "corpus.txt")
    assert path.parent == ws.path and path.read_bytes() == b"hello\n\nworld\n"
    assert sorted(p.name for p in ws.path.iterdir()) == ["corpus.txt"]
    other = Workspace()
    assert other.path != ws.path and not (other.path / "corpus.txt").exists()
    other.close()
    assert not other.path.exists()


# ── saving and download ─────────────────────────────────────────────────────────────────────────────

def test_export_and_zip_leave_the_trainer_state_out(ws):
    run = LiveRun(config(steps=2), ws.new_folder("run"), checkpoints=1)
    run.start()
    view = wait_for(run)
    source = saving.export_model(view.checkpoint, ws.new_folder("model"), "my  model\x07", "en")
    assert source.origin == "session" and source.architecture == "BertForPreTraining"
    names = {p.name for p in Path(source.folder).iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= names
    assert not names & set(saving.TRAINER_ONLY)
    archive = zipfile.ZipFile(__import__("io").BytesIO(saving.zip_bytes(source.folder)))
    assert "model/model.safetensors" in archive.namelist()
    assert not any("trainer_state" in n for n in archive.namelist())
    assert saving.clean_label("  \x07 ", "fallback") == "fallback"
    assert saving.clean_label("x" * 200, "f") == "x" * saving.MAX_LABEL


def test_an_exported_model_loads_in_hugging_face_transformers(ws):
    transformers = pytest.importorskip("transformers")
    run = LiveRun(config(steps=2), ws.new_folder("run"), checkpoints=1)
    run.start()
    source = saving.export_model(wait_for(run).checkpoint, ws.new_folder("model"), "m", "en")
    ours, tokenizer = load_pretrained(source.folder)
    theirs = transformers.BertForPreTraining.from_pretrained(source.folder).eval()
    ids = torch.tensor([tokenizer.encode("in the beginning").ids])
    with torch.no_grad():
        assert torch.allclose(ours.eval()(input_ids=ids).logits, theirs(input_ids=ids).prediction_logits, atol=1e-5)


# ── the size plan ───────────────────────────────────────────────────────────────────────────────────

SIZES = {"n_layers": 2, "d_model": 64, "n_heads": 4, "d_ff": 128, "max_len": 64, "position": "learned"}


def test_a_good_plan_counts_parameters_and_estimates_time():
    plan = plans.model_plan(SIZES, 1000, 16, "en")
    assert plan.problems == [] and plan.config.d_model == 64
    from ui.params import parameter_total
    assert plan.params == parameter_total(plan.config)
    assert 0 < plan.step_seconds < 10


@pytest.mark.parametrize("change, en, zh", [
    ({"d_model": 66}, "divisible by the number of heads", "整除"),
    ({"n_layers": 7}, "from 1 to 6", "之间的整数"),
    ({"d_model": 36, "n_heads": 4, "position": "rotary"}, "must be even", "偶数"),
    ({"n_layers": 6, "d_model": 512, "d_ff": 2048, "max_len": 512}, None, None),
])
def test_bad_sizes_get_a_message_in_the_learners_language(change, en, zh):
    sizes = {**SIZES, **change}
    vocab = 30000 if en is None else 1000
    for lang, words in (("en", en), ("zh", zh)):
        plan = plans.model_plan(sizes, vocab, 16, lang)
        if words is None:            # 6 × 512 with a 30k vocabulary is ≈ 35M: allowed
            assert plan.problems == [], plan.problems
        else:
            assert plan.config is None and words in plan.problems[0]


def test_a_model_over_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(plans, "MAX_PARAMS", 10_000)
    plan = plans.model_plan(SIZES, 1000, 16, "zh")
    assert plan.config is None and "命令行" in plan.problems[0]
