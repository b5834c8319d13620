"""Why an uploaded file was refused, or a run could not be built, in the learner's language.

``transformer_core`` explains every bad file in English (its messages also serve the command line).
The studio's 中文 pages match the common cases by pattern and say them in Chinese, keeping the numbers;
anything unmatched is shown in English, after a Chinese lead-in, rather than not at all.
"""
from __future__ import annotations

import re

PATTERNS = [   # (English message pattern, Chinese template with the same named groups)
    (r"is (?P<mb>[\d.]+) MB, over the limit of (?P<limit>[\d.]+) MB",
     "文件有 {mb} MB，超过了 {limit} MB 的上限。请只用其中的一部分。"),
    (r"is empty\.", "文件是空的。"),
    (r"looks like a binary file",
     "这看起来是二进制文件（电子表格、压缩包或图片？），不是文本。请另存为 UTF-8 编码的纯文本后再试。"),
    (r"is not UTF-8 text \(byte (?P<byte>\d+)",
     "文件不是 UTF-8 编码的文本（第 {byte} 个字节无法读取）。请另存为 UTF-8 编码后再试。"),
    (r"contains only spaces and line breaks", "文件里只有空格和换行。"),
    (r"holds one document", "文件里只有一篇文档。下一句预测要从另一篇文档里抽“随机”句子：请用空行分开至少两篇文档。"),
    (r"needs the columns 'text' and 'label'", "文件的第一行必须有 text 和 label 两列（列名）。"),
    (r"has a header but no examples", "文件只有表头，下面没有样本。"),
    (r"Line (?P<line>\d+) of .* fewer than the header",
     "第 {line} 行的列数比表头少。是不是某段含逗号的文本没有加引号？"),
    (r"Line (?P<line>\d+) of .* has an empty", "第 {line} 行的文本或标签是空的。请补上或删除这一行。"),
    (r"Every example has the label", "所有样本的标签都相同。分类器至少需要两个类别。"),
    (r"The labels mix numbers", "标签里既有数字又有名称。请所有样本都用同一种。"),
    # found while a run is built (shown when it stops)
    (r"Only (?P<n>\d+) .* for training, but one batch needs (?P<b>\d+)",
     "用于训练的样本只有 {n} 个，而一个批次需要 {b} 个。请用更多数据，或把批大小调小。"),
    (r"(?P<share>\d+%) of the word pieces of .* are \[UNK\]",
     "{share} 的词元都是 [UNK]：这个模型的分词器是在别的文本（另一种语言？）上训练的，模型从这些文本里学不到东西。"
     "请先用这种语言预训练一个模型，再从它开始。"),
    (r"vocab_size=(?P<v>\d+) is too small: .* Choose vocab_size ≥ (?P<need>\d+)",
     "词表大小 {v} 太小：特殊词元、文本中的不同字符和它们的续接片段就已经需要 {need} 个位置。"
     "请把词表大小设为 ≥ {need}。"),
    (r"is neither a whole number nor a name",
     "有的标签既不是整数也不是名称。请用 0/1 或 positive/negative 这样的标签。"),
]


def explain(message: str, lang: str) -> str:
    """The message for a refused file in ``lang`` ("en" returns it unchanged)."""
    if lang != "zh":
        return message
    for pattern, chinese in PATTERNS:
        found = re.search(pattern, message)
        if found:
            return chinese.format(**found.groupdict())
    return f"（英文说明）{message}"
