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
           ("She wrote a [MASK] to her mother.", ("letter", "note", "card", "poem", "message")),
           ("He opened the window to let in some fresh [MASK].", ("air",)),
           ("He read the [MASK] before going to bed.", ("book", "letter", "story", "newspaper", "paper")),
           ("The dog is sleeping under the [MASK].", ("table", "bed", "tree", "chair", "sofa", "floor"))],
    "zh": [("我很喜[MASK]这本书。", ("欢",)),
           ("他是我的好朋[MASK]。", ("友",)),
           ("这件衣服的质[MASK]很好。", ("量",)),
           ("这个手机的价[MASK]太贵了。", ("格", "钱")),
           ("服务员的态[MASK]很好。", ("度",)),
           ("我每天早上六点起[MASK]。", ("床", "来"))],
}

# next-sentence prediction: (A, B, is B the real next sentence?)
NSP = {
    "en": [("The cat sat on the mat because it was tired.", "It fell asleep in the warm sun.", True),
           ("I was very hungry after school.", "So I made myself a big sandwich.", True),
           ("The cat sat on the mat because it was tired.", "Prices of oil rose sharply in the markets.", False),
           ("I was very hungry after school.", "The king sent his army to the northern border.", False)],
    "zh": [("今天天气很好，我们去公园散步。", "公园里有很多人在跑步。", True),
           ("这本书我昨天买的。", "读了一半，觉得非常有意思。", True),
           ("今天天气很好，我们去公园散步。", "政府今年加大了对农业的投资。", False),
           ("我早上喝了一杯牛奶。", "政府宣布了新的经济政策。", False)],
}


def mlm_examples(lang: str) -> list[str]:
    return [sentence for sentence, _ in MLM.get(lang, MLM["en"])]


def nsp_examples(lang: str) -> list[tuple[str, str, bool]]:
    return NSP.get(lang, NSP["en"])
