"""Every string of the pretraining studio page, in English and 中文."""

TEXT = {
    "title": {"en": "Pretrain a BERT, live", "zh": "现场预训练一个 BERT"},
    "intro": {"en": "Train a small BERT from random weights on a corpus, and watch it learn: the loss falls, the "
                    "masked-word guesses improve, and attention heads that started out uniform begin to specialise. "
                    "Everything runs on this computer, in your browser session only; other visitors cannot see or "
                    "touch your model. Training keeps going while you look at other pages.",
              "zh": "从随机权重开始，在一份语料上训练一个小 BERT，并看着它学习：损失下降，被遮盖词的猜测变准，"
                    "起初平均分配的注意力头开始分工。一切都在这台电脑上运行，只属于你这个浏览器会话；"
                    "其他访问者看不到也碰不到你的模型。你去看其他页面时，训练会继续进行。"},
    "s_corpus": {"en": "1 · The corpus", "zh": "1 · 语料"},
    "corpus": {"en": "Text to learn from", "zh": "用来学习的文本"},
    "corpus_en": {"en": "English (Bible + Jane Austen, public domain)", "zh": "英文（圣经 + 简·奥斯汀，公有领域）"},
    "corpus_zh": {"en": "Chinese (book and product reviews)", "zh": "中文（图书和商品评论）"},
    "corpus_upload": {"en": "My own .txt file", "zh": "我自己的 .txt 文件"},
    "upload": {"en": "A UTF-8 .txt file, at most {mb} MB: one sentence per line, a blank line between documents "
                     "(next-sentence prediction needs at least two documents).",
               "zh": "UTF-8 编码的 .txt 文件，最大 {mb} MB：每行一句，文档之间空一行"
                     "（下一句预测至少需要两篇文档）。"},
    "upload_first": {"en": "Upload a file to continue.", "zh": "请先上传一个文件。"},
    "bad_file": {"en": "This file cannot be used:", "zh": "这个文件无法使用："},
    "stats": {"en": "{documents:,} documents · {lines:,} lines · {characters:,} characters",
              "zh": "{documents:,} 篇文档 · {lines:,} 行 · {characters:,} 个字符"},
    "s_tokenizer": {"en": "2 · The tokenizer: WordPiece, learned from this corpus",
                    "zh": "2 · 分词器：从这份语料学出的 WordPiece"},
    "tokenizer_intro": {"en": "WordPiece starts from single characters and keeps merging the pairs that are most "
                              "worth it, until the vocabulary has the size you ask for. Frequent words end up as one "
                              "piece; rare words are spelled from pieces (## marks a piece that continues a word). "
                              "Chinese is split into single characters first, so its pieces are characters.",
                        "zh": "WordPiece 从单个字符出发，不断合并最值得合并的相邻片段，直到词表达到你要的大小。"
                              "常见词最终成为一个词元；罕见词由多个片段拼出（## 表示接在词中间的片段）。"
                              "中文先被拆成单个汉字，所以中文的词元就是字。"},
    "vocab_size": {"en": "Vocabulary size", "zh": "词表大小"},
    "training_tokenizer": {"en": "Training the tokenizer …", "zh": "正在训练分词器……"},
    "vocab_learned": {"en": "Learned {n:,} pieces.", "zh": "学到了 {n:,} 个词元。"},
    "vocab_search": {"en": "Search the vocabulary", "zh": "在词表中搜索"},
    "vocab_kind": {"en": "Kind of piece", "zh": "词元类型"},
    "sample_tokens": {"en": "The corpus' first line, as this tokenizer cuts it:",
                      "zh": "语料的第一行，被这个分词器切分后的样子："},
    "s_size": {"en": "3 · The model's size", "zh": "3 · 模型大小"},
    "layers": {"en": "Layers", "zh": "层数"},
    "heads": {"en": "Heads", "zh": "头数"},
    "max_len": {"en": "Max length", "zh": "最大长度"},
    "position": {"en": "Positions", "zh": "位置编码"},
    "params": {"en": "Parameters", "zh": "参数量"},
    "step_time": {"en": "Time per step (estimate)", "zh": "每步时间（估计）"},
    "s_data": {"en": "4 · The data as BERT sees it", "zh": "4 · BERT 眼中的数据"},
    "data_intro": {"en": "Each example is two pieces of text, A and B. Half of the time B really follows A "
                         "(IsNext), half of the time it comes from another document (NotNext): that is the "
                         "next-sentence task. Then some tokens are chosen for the masked-word task; of those, most "
                         "become [MASK], some become a random token, some stay as they are — so the model cannot "
                         "learn that only [MASK] positions matter. Change the rates and see.",
                   "zh": "每个样本由两段文本 A 和 B 组成。一半情况下 B 确实紧跟在 A 后面（IsNext），另一半来自另一篇"
                         "文档（NotNext）：这就是下一句预测任务。然后挑选一部分词元做遮盖词预测；被选中的词元大多变成 "
                         "[MASK]，一些变成随机词元，一些保持原样——这样模型就不能只关心 [MASK] 位置。"
                         "调整比例看看效果。"},
    "select": {"en": "Chosen for prediction (%)", "zh": "选中用于预测（%）"},
    "to_mask": {"en": "… of those → [MASK] (%)", "zh": "……其中变成 [MASK]（%）"},
    "to_random": {"en": "… → a random token (%)", "zh": "……变成随机词元（%）"},
    "kept_share": {"en": "… kept unchanged: {keep}%", "zh": "……保持不变：{keep}%"},
    "another": {"en": "Another sample", "zh": "换一个样本"},
    "rates_sum": {"en": "[MASK] and random together can be at most 100% of the chosen tokens.",
                  "zh": "[MASK] 和随机词元合起来最多占被选中词元的 100%。"},
    "counts": {"en": "In this sample: {mask} → [MASK], {random} → random, {kept} kept; {share}% of the ordinary "
                     "tokens were chosen.",
               "zh": "这个样本中：{mask} 个变成 [MASK]，{random} 个变成随机词元，{kept} 个保持不变；"
                     "普通词元中有 {share}% 被选中。"},
    "s_train": {"en": "5 · Train", "zh": "5 · 训练"},
    "steps": {"en": "Steps", "zh": "步数"},
    "batch": {"en": "Batch size", "zh": "批大小"},
    "lr": {"en": "Learning rate", "zh": "学习率"},
    "frames": {"en": "Checkpoints", "zh": "检查点数"},
    "frames_help": {"en": "How many times the model is saved during the run: each save is one frame of the "
                          "time-lapse below, and the last good one survives a failed run.",
                    "zh": "训练中保存模型的次数：每次保存是下方延时回放的一帧，训练出错时保留最后一个正常的检查点。"},
    "pos_learned": {"en": "learned (BERT)", "zh": "可学习（BERT）"},
    "pos_sinusoidal": {"en": "sinusoidal (Vaswani)", "zh": "正弦（Vaswani）"},
    "pos_rotary": {"en": "rotary (RoPE)", "zh": "旋转（RoPE）"},
    "device": {"en": "Device", "zh": "设备"},
    "dev_cpu": {"en": "CPU", "zh": "CPU"},
    "dev_cuda": {"en": "GPU (CUDA)", "zh": "GPU（CUDA）"},
    "total_time": {"en": "Estimated training time: {t} (the run then shows the measured speed).",
                   "zh": "估计训练时间：{t}（开始后显示实测速度）。"},
    "probe": {"en": "Probe sentence (its attention is saved at every checkpoint)",
              "zh": "探针句子（每个检查点都会保存它的注意力）"},
    "fix_first": {"en": "Fix the settings above to start training.", "zh": "请先修正上面的设置，再开始训练。"},
    "s_timelapse": {"en": "Heads forming: the probe's attention at each checkpoint",
                    "zh": "注意力头的形成：每个检查点上探针句子的注意力"},
    "s_drift": {"en": "Embeddings drifting into place", "zh": "词向量逐渐各就各位"},
    "drift_intro": {"en": "The word vectors of the corpus' most frequent words at each checkpoint, projected onto the "
                          "two main directions of the last one. They start as random points; words used alike "
                          "(punctuation, function words, names) drift together.",
                    "zh": "语料中最常见词的词向量在每个检查点的位置，投影到最后一个检查点的两个主方向上。"
                          "它们起初是随机的点；用法相近的词（标点、虚词、人名）会逐渐聚在一起。"},
    "default_label": {"en": "my BERT (trained here)", "zh": "我的 BERT（在这里训练）"},
}
