"""The training studio: pretrain, fine-tune and train a seq2seq model live, in the browser session.

live.py        a training run owned by one browser session, advanced by a background worker thread
workspace.py   the session's private temporary folder: uploads are saved there under our own names
plans.py       size controls → validated configs, parameter count, time per step
figures.py     curves, progress, the masking view, vocabulary, embedding drift, confusion matrix …
"""
