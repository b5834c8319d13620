"""A 200-step sanity run: a small BERT must be able to memorise a handful of sentences.

If the gradients, the tied decoder, the masks or the loss were wired wrongly, it could not."""
import torch

from transformer_core import BertForPreTraining, TransformerConfig
from transformer_core.tokenizer import train_wordpiece

SENTENCES = ["the cat sat on the mat", "a dog ran in the park", "attention lets every word look at every other",
             "注意力机制让每个字都能看到其他字"]


def test_small_bert_overfits_a_few_sentences():
    torch.manual_seed(0)
    tokenizer = train_wordpiece(SENTENCES, vocab_size=200, min_frequency=1)
    encodings = [tokenizer.encode(s) for s in SENTENCES]
    width = max(len(e.ids) for e in encodings)
    ids = torch.tensor([e.ids + [0] * (width - len(e.ids)) for e in encodings])
    special = ids <= 4                                              # [PAD] [UNK] [CLS] [SEP] [MASK]
    config = TransformerConfig(vocab_size=tokenizer.get_vocab_size(), d_model=64, n_layers=2, n_heads=4, d_ff=128,
                               max_len=32, dropout=0.0, attn_dropout=0.0)
    model = BertForPreTraining(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    warmup = lambda step: min(1.0, (step + 1) / 20)                  # 20 steps up, then hold
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup)
    mask_id = tokenizer.token_to_id("[MASK]")
    losses = []
    for _ in range(200):
        chosen = (torch.rand(ids.shape) < 0.15) & ~special            # dynamic masking: new positions every step
        chosen[torch.arange(len(ids)), torch.randint(1, 5, (len(ids),))] = True
        labels = torch.where(chosen, ids, -100)
        out = model(ids.masked_fill(chosen, mask_id), labels=labels, masked_logits_only=True)
        optimizer.zero_grad()
        out.loss.backward()
        optimizer.step()
        schedule.step()
        losses.append(out.loss.item())
    final = sorted(losses[-21:])[10]                              # median of the last 21 steps
    assert final < 0.1, f"MLM loss after 200 steps: {final:.3f} (started at {losses[0]:.2f})"
    assert losses[0] > 4.0
