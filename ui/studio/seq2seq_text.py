"""Every string of the "Train an encoder-decoder, live" page, in English and 中文 (``tr(TEXT, key, lang)``).

Kept apart from the logic in ``seq2seq_live.py`` so that both files stay short enough to read.
"""
from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    # ── header ──────────────────────────────────────────────────────────────────────────────────
    "title": {"en": "Train an encoder-decoder, live", "zh": "现场训练一个编码器-解码器"},
    "intro": {"en": "Pick a small translation task, size a Transformer, and train it here. While it learns, watch "
                    "its **cross-attention** — where each output character looks in the source — turn from a grey "
                    "blur into the pattern the task needs. Then decode with it step by step.",
              "zh": "选一个小小的“翻译”任务，定好 Transformer 的大小，就在这里训练它。训练过程中，观察它的"
                    "**交叉注意力**——每个输出字符在源句里看哪里——如何从一片灰蒙蒙变成任务所需要的图案。"
                    "训练完后，再用它一步一步地解码。"},
    "formula_caption": {"en": "Row i of the cross-attention map: how much output position i reads each source "
                              "position j. Every row sums to 1.",
                        "zh": "交叉注意力图的第 i 行：输出位置 i 读取每个源位置 j 的多少。每一行的和为 1。"},
    # ── 1 · the task ────────────────────────────────────────────────────────────────────────────
    "h_task": {"en": "1 · The task", "zh": "1 · 任务"},
    "task": {"en": "Task (generated here, nothing is downloaded)", "zh": "任务（在本地生成，无需下载）"},
    "task_copy": {"en": "copy digits", "zh": "复制数字串"},
    "task_reverse": {"en": "reverse digits", "zh": "倒写数字串"},
    "task_sort": {"en": "sort digits", "zh": "数字排序"},
    "task_number-zh": {"en": "number words → 中文数字", "zh": "英文数字单词 → 中文数字"},
    "task_date-iso": {"en": "dates → ISO (2021-03-05)", "zh": "日期 → ISO 格式（2021-03-05）"},
    "task_date-zh": {"en": "dates → 2021年3月5日", "zh": "日期 → 2021年3月5日"},
    "what_copy": {"en": "Write the source string again, character by character: 3801 → 3801.",
                  "zh": "把源字符串逐个字符再写一遍：3801 → 3801。"},
    "what_reverse": {"en": "Write the source string backwards: 3801 → 1083.",
                     "zh": "把源字符串倒过来写：3801 → 1083。"},
    "what_sort": {"en": "Write the source's digits in increasing order: 3801 → 0138.",
                  "zh": "把源字符串里的数字从小到大写出来：3801 → 0138。"},
    "what_number-zh": {"en": "Read English number words and write the 中文 numeral: three hundred and five → 三百零五.",
                       "zh": "读英文数字单词，写出中文数字：three hundred and five → 三百零五。"},
    "what_date-iso": {"en": "Read a date as people write it and write it as year-month-day: March 5, 2021 → "
                            "2021-03-05.",
                      "zh": "读一个人们平常写法的日期，写成“年-月-日”：March 5, 2021 → 2021-03-05。"},
    "what_date-zh": {"en": "Read a date as people write it and write it the Chinese way: 5 Mar 2021 → 2021年3月5日.",
                     "zh": "读一个人们平常写法的日期，写成中文格式：5 Mar 2021 → 2021年3月5日。"},
    "expect_copy": {"en": "Once learned, cross-attention should be a **diagonal**: output character i reads source "
                          "character i.",
                    "zh": "学会之后，交叉注意力应当是一条**对角线**：第 i 个输出字符读第 i 个源字符。"},
    "expect_reverse": {"en": "Once learned, cross-attention should be an **anti-diagonal**: the first output "
                             "character reads the last source character, and so on.",
                       "zh": "学会之后，交叉注意力应当是一条**反对角线**：第一个输出字符读最后一个源字符，依此类推。"},
    "expect_sort": {"en": "Once learned, each output digit should look at **where that digit sits** in the source: "
                          "a scattered pattern, different for every string (a repeated digit shares its attention).",
                    "zh": "学会之后，每个输出数字应当去看**这个数字在源串中的位置**：一个分散的图案，每个字符串都"
                          "不一样（重复的数字会分摊注意力）。"},
    "expect_number-zh": {"en": "Once learned, cross-attention should show **aligned chunks**: 三百 reads “three "
                               "hundred”, 零五 reads “and five” — a block staircase, not a thin line.",
                         "zh": "学会之后，交叉注意力应当呈现**成块的对齐**：“三百”读 “three hundred”，“零五”读 "
                               "“and five”——像台阶一样的色块，而不是一条细线。"},
    "expect_date-iso": {"en": "Once learned, cross-attention **jumps**: the year is written first, so the first rows "
                              "read the year at the end of the source, then the month name, then the day.",
                        "zh": "学会之后，交叉注意力会**跳跃**：先写年份，所以前几行读源句末尾的年份，然后是月份名，"
                              "最后是日。"},
    "expect_date-zh": {"en": "Once learned, cross-attention **jumps**: 年 after the year digits at the end of the "
                             "source, 月 after the month name, 日 after the day.",
                       "zh": "学会之后，交叉注意力会**跳跃**：先读源句末尾的年份写出“年”，再读月份名写出“月”，"
                             "最后读日写出“日”。"},
    "examples": {"en": "Five example pairs", "zh": "五个示例"},
    "col_source": {"en": "source", "zh": "源句"},
    "col_target": {"en": "target", "zh": "目标"},
    # ── 2 · settings ────────────────────────────────────────────────────────────────────────────
    "h_settings": {"en": "2 · The model and the run", "zh": "2 · 模型与训练设置"},
    "layers": {"en": "Layers (encoder = decoder)", "zh": "层数（编码器 = 解码器）"},
    "d_model": {"en": "d_model", "zh": "d_model"},
    "heads": {"en": "Heads", "zh": "注意力头数"},
    "d_ff": {"en": "d_ff (feed-forward width)", "zh": "d_ff（前馈层宽度）"},
    "dropout": {"en": "Dropout", "zh": "Dropout"},
    "dropout_help": {"en": "Toy tasks learn faster without dropout: there is little to over-fit in thousands of "
                           "generated pairs, and dropout makes each step noisier (and slower on a CPU).",
                     "zh": "玩具任务不用 dropout 学得更快：几千个生成的样本里没什么可过拟合的，而 dropout 会让每一步"
                           "更嘈杂（在 CPU 上也更慢）。"},
    "n_pairs": {"en": "Pairs generated (80% train, 10% held out)", "zh": "生成的样本对（80% 训练，10% 留出）"},
    "steps": {"en": "Steps", "zh": "训练步数"},
    "batch_size": {"en": "Batch size", "zh": "批大小"},
    "lr": {"en": "Learning rate", "zh": "学习率"},
    "device": {"en": "Device", "zh": "设备"},
    "dev_cpu": {"en": "CPU", "zh": "CPU"},
    "dev_cuda": {"en": "GPU (CUDA)", "zh": "GPU（CUDA）"},
    "params": {"en": "Parameters", "zh": "参数量"},
    "params_help": {"en": "Encoder and decoder stacks, both embedding tables ({vocab} characters + 4 specials "
                          "each) and the output layer.",
                    "zh": "编码器和解码器两叠层、两个嵌入表（各 {vocab} 个字符 + 4 个特殊词元）以及输出层。"},
    "defaults_note": {"en": "The defaults (2 layers, d_model 64, 4 heads, no dropout, 600 steps) learn copy and "
                            "reverse almost perfectly (≈ 98% held-out exact match) in under a minute of CPU time.",
                      "zh": "默认设置（2 层，d_model 64，4 个头，不用 dropout，600 步）用不到一分钟的 CPU 时间"
                            "就能把复制和倒写学得几乎完美（留出集完全匹配率约 98%）。"},
    # validation (names as a sentence uses them)
    "name_layers": {"en": "The number of layers", "zh": "层数"},
    "name_d_model": {"en": "d_model", "zh": "d_model"},
    "name_d_ff": {"en": "d_ff", "zh": "d_ff"},
    "name_n_pairs": {"en": "The number of pairs", "zh": "样本对数"},
    "name_steps": {"en": "The number of steps", "zh": "训练步数"},
    "name_batch_size": {"en": "The batch size", "zh": "批大小"},
    "name_lr": {"en": "The learning rate", "zh": "学习率"},
    "name_dropout": {"en": "Dropout", "zh": "Dropout"},
    "range": {"en": "{name} must be from {lo} to {hi}; got {value}.",
              "zh": "{name} 必须在 {lo} 到 {hi} 之间；现在是 {value}。"},
    "whole": {"en": "{name} must be a whole number; got {value}.", "zh": "{name} 必须是整数；现在是 {value}。"},
    "divisible": {"en": "d_model ({d}) must be divisible by the number of heads ({h}): each head gets "
                        "d_model / heads dimensions. Heads that fit: {options}.",
                  "zh": "d_model（{d}）必须能被头数（{h}）整除：每个头分到 d_model / 头数 个维度。"
                        "可以整除的头数：{options}。"},
    "even": {"en": "d_model ({d}) must be even: the sinusoidal positions pair a sine with a cosine.",
             "zh": "d_model（{d}）必须是偶数：正弦位置编码把一个 sin 和一个 cos 配成一对。"},
    "one_batch": {"en": "{n} pairs leave {train} for training (80%), fewer than one batch of {batch}. Use at least "
                        "{need} pairs, or a smaller batch.",
                  "zh": "{n} 个样本对只留下 {train} 个用于训练（80%），不够一个大小为 {batch} 的批。请至少用 "
                        "{need} 个样本对，或减小批大小。"},
    "task_unknown": {"en": "Unknown task {value!r}.", "zh": "未知的任务 {value!r}。"},
    "device_unknown": {"en": "Device {value!r} is not available here.", "zh": "这里没有设备 {value!r}。"},
    # ── 3 · training ────────────────────────────────────────────────────────────────────────────
    "h_train": {"en": "3 · Train and watch", "zh": "3 · 训练并观察"},
    "fix_first": {"en": "Fix the settings above to start.", "zh": "请先修正上面的设置再开始。"},
    "start_failed": {"en": "The run could not start: {message}", "zh": "训练无法开始：{message}"},
    "run_of": {"en": "This run: {task} · {layers} layers · d_model {d} · {h} heads · {steps} steps.",
               "zh": "本次训练：{task} · {layers} 层 · d_model {d} · {h} 个头 · {steps} 步。"},
    "h_cross": {"en": "Cross-attention forming", "zh": "交叉注意力的形成"},
    "cross_help": {"en": "One held-out pair, run with teacher forcing at every checkpoint. Row i is the decoder "
                         "writing output character i, column j is source character j. Press ▶ or drag the slider "
                         "to replay the checkpoints.",
                   "zh": "取一个留出的样本对，在每个检查点用教师强制（teacher forcing）跑一遍。第 i 行是解码器正在"
                         "写第 i 个输出字符，第 j 列是第 j 个源字符。按 ▶ 或拖动滑块回放各个检查点。"},
    "probe": {"en": "Probe pair: {source} → {target}", "zh": "观察用的样本对：{source} → {target}"},
    "no_frames": {"en": "The first picture appears as soon as the model is built (step 0: random weights).",
                  "zh": "模型一建好就会出现第一张图（第 0 步：随机权重）。"},
    "layer": {"en": "Decoder layer", "zh": "解码器层"},
    "head": {"en": "Head", "zh": "头"},
    "best_head": {"en": "Most aligned head at step {step}: layer {layer}, head {head} (score {score:.2f}).",
                  "zh": "第 {step} 步对齐得最好的头：第 {layer} 层，第 {head} 个头（得分 {score:.2f}）。"},
    "no_alignment": {"en": "This task has no single expected line to score, so there is no “how diagonal is it?” "
                           "chart: compare the picture with the description in section 1.",
                     "zh": "这个任务没有一条固定的预期对齐线可以打分，所以没有“有多像对角线？”的曲线："
                           "请把图和第 1 节中的描述对照着看。"},
    "align_title": {"en": "How aligned is it? (1 = all attention on the expected source character)",
                    "zh": "对齐得怎么样？（1 = 全部注意力都在预期的源字符上）"},
    "align_axis": {"en": "alignment score", "zh": "对齐得分"},
    "align_chosen": {"en": "layer {layer}, head {head}", "zh": "第 {layer} 层，第 {head} 个头"},
    "align_best": {"en": "best head at each checkpoint", "zh": "每个检查点上最好的头"},
    "align_uniform": {"en": "uniform (no idea yet)", "zh": "均匀分布（还什么都没学会）"},
    "step": {"en": "step", "zh": "训练步"},
    # ── 4 · results ─────────────────────────────────────────────────────────────────────────────
    "h_results": {"en": "4 · What it learned", "zh": "4 · 它学会了什么"},
    "exact": {"en": "Held-out exact match", "zh": "留出集完全匹配率"},
    "exact_help": {"en": "Share of {n} held-out sources (never seen in training) that greedy decoding writes "
                         "exactly right, at step {step}.",
                   "zh": "在第 {step} 步，{n} 个留出的源句（训练中从未见过）里，贪心解码写得完全正确的比例。"},
    "decodes": {"en": "Greedy decodes of five held-out sources", "zh": "五个留出源句的贪心解码结果"},
    "col_wrote": {"en": "model wrote", "zh": "模型写出"},
    "col_right": {"en": "right?", "zh": "对吗？"},
    "decode_failed": {"en": "The checkpoint could not be read: {message}", "zh": "无法读取检查点：{message}"},
    # ── 5 · save and explore ────────────────────────────────────────────────────────────────────
    "h_explore": {"en": "5 · Decode step by step", "zh": "5 · 一步一步地解码"},
    "explore_help": {"en": "Add the model to the picker (just below), then open it in the encoder-decoder page: every "
                           "decoding step, the candidates it weighed, and where it looked.",
                     "zh": "先把模型加入模型选择器（就在下面），再到编码器-解码器页面打开它：每一个解码步、它考虑过的"
                           "候选词元，以及它看向源句的哪里。"},
    "open": {"en": "Open in the decoding explorer →", "zh": "在解码页面中打开 →"},
    "default_label": {"en": "My {task} model", "zh": "我的{task}模型"},
}
