"""Example inputs the BERT pages offer, chosen because the shipped default models get them right.

A teacher clicks one and knows what the class will see; ``tests/test_examples.py`` checks every example
against the shipped models, so a retrained model that loses one fails a test instead of a lesson.
(These are shown to learners; the classroom sets in ``assets/eval`` that *measure* the models are
separate, so the examples cannot flatter the scores.)
"""
from __future__ import annotations

# masked-LM: one [MASK] each, with the answers a person would accept
MLM = {
    "en": [("She opened the [MASK] and walked in.", ("door", "gate")),
           ("He drank a cup of [MASK].", ("tea", "coffee", "water", "milk", "wine")),
           ("The children are playing in the [MASK].", ("park", "garden", "yard", "street", "snow", "water", "sand")),
           ("I brush my [MASK] every morning.", ("teeth", "hair")),
           ("The sun rises in the [MASK].", ("east", "morning", "sky")),
           ("Paris is the capital of [MASK].", ("france",))],
    "zh": [("我们去公[MASK]散步。", ("园",)),
           ("我很喜[MASK]这本书。", ("欢",)),
           ("他是我的好朋[MASK]。", ("友",)),
           ("今天天[MASK]很好。", ("气",)),
           ("这家饭店的菜很好[MASK]。", ("吃",)),
           ("我每天早上六点起[MASK]。", ("床", "来"))],
}

# next-sentence prediction: (A, B, is B the real next sentence?)
NSP = {
    "en": [("The cat sat on the mat because it was tired.", "It fell asleep in the warm sun.", True),
           ("I was very hungry after school.", "So I made myself a big sandwich.", True),
           ("The cat sat on the mat because it was tired.", "The bank raised its interest rates again.", False),
           ("We packed our bags for the beach.", "The committee will vote on the budget next year.", False)],
    "zh": [("今天天气很好，我们去公园散步。", "公园里有很多人在跑步。", True),
           ("这本书我昨天买的。", "读了一半，觉得非常有意思。", True),
           ("今天天气很好，我们去公园散步。", "这台电脑的内存只有四个G。", False),
           ("我早上喝了一杯牛奶。", "政府宣布了新的经济政策。", False)],
}


def mlm_examples(lang: str) -> list[str]:
    return [sentence for sentence, _ in MLM.get(lang, MLM["en"])]


def nsp_examples(lang: str) -> list[tuple[str, str, bool]]:
    return NSP.get(lang, NSP["en"])
