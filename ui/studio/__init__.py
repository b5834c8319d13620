"""The training studio: pretrain, fine-tune and train a seq2seq model live, in the browser session.

live.py        a training run owned by one browser session, advanced by a background worker thread
workspace.py   the session's private temporary folder: uploads are saved there under our own names
plans.py       size controls → validated configs, parameter count, time per step
figures.py     curves, progress, the masking view (figures_more.py: vocabulary, embedding drift,
               confusion matrix, before/after attention, cross-attention time-lapse; figures_text.py:
               their strings)
panel.py       the Streamlit glue every studio page shares: controls, the live fragment, saving
saving.py      a checkpoint → a model folder for the picker, and a zip for download
pretrain.py, pretrain_text.py        the pretraining page's logic and strings
finetune.py, finetune_results.py     the fine-tuning page's logic
seq2seq_live.py, seq2seq_text.py     the encoder-decoder page's logic and strings
"""
