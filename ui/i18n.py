"""Every string a learner reads on the architecture page, in English and 中文.

One table instead of strings scattered through the code: a translator edits one file, and a
test checks that no key lacks a language. ``t(key, lang, **values)`` formats placeholders.
"""
from __future__ import annotations

LANGS = {"en": "English", "zh": "中文"}

STRINGS: dict[str, dict[str, str]] = {
    # page
    "app_title": {"en": "Attention Lab", "zh": "注意力实验室"},
    "page_subtitle": {"en": "Architecture: from token ids to predictions", "zh": "架构：从词元 ID 到预测"},
    "intro": {
        "en": "A Transformer encoder such as BERT turns a sentence into one vector per word piece and then "
              "refines all of those vectors together, layer after layer. Inside every layer, self-attention "
              "lets each token look at every other token and pull in what is relevant, and a small "
              "feed-forward network then works on each token on its own. Change the numbers in the sidebar "
              "and watch the parameter count, the tensor shapes and the diagram respond: most weights sit in "
              "the feed-forward networks and the embedding table, while the attention scores grow with the "
              "square of the sequence length.",
        "zh": "像 BERT 这样的 Transformer 编码器先把句子中的每个词元（word piece）变成一个向量，再一层一层地"
              "同时改进所有这些向量。每一层里，自注意力让每个词元查看其他所有词元并吸收相关信息，随后一个小型"
              "前馈网络再单独处理每个词元。调整侧边栏中的数字，观察参数量、张量形状和结构图如何变化：大部分权重"
              "位于前馈网络和词嵌入表中，而注意力分数随序列长度的平方增长。"},
    # sidebar
    "language": {"en": "Language · 语言", "zh": "Language · 语言"},   # same in both: always findable
    "sidebar_model": {"en": "Model", "zh": "模型"},
    "preset": {"en": "Preset", "zh": "预设"},
    "n_layers": {"en": "Layers (N)", "zh": "层数 (N)"},
    "d_model": {"en": "Model width d_model (D)", "zh": "模型宽度 d_model (D)"},
    "n_heads": {"en": "Attention heads (H)", "zh": "注意力头数 (H)"},
    "d_ff": {"en": "Feed-forward width d_ff (F)", "zh": "前馈层宽度 d_ff (F)"},
    "vocab_size": {"en": "Vocabulary size (V)", "zh": "词表大小 (V)"},
    "max_len": {"en": "Max positions (max_len)", "zh": "最大位置数 (max_len)"},
    "position": {"en": "Position encoding", "zh": "位置编码"},
    "pos_learned": {"en": "learned (BERT)", "zh": "可学习 (BERT)"},
    "pos_sinusoidal": {"en": "sinusoidal (Vaswani)", "zh": "正弦 (Vaswani)"},
    "pos_rotary": {"en": "rotary (RoPE)", "zh": "旋转 (RoPE)"},
    "norm": {"en": "LayerNorm placement", "zh": "LayerNorm 位置"},
    "norm_post": {"en": "post-LN (BERT)", "zh": "后置 LN (BERT)"},
    "norm_pre": {"en": "pre-LN (GPT-2 style)", "zh": "前置 LN (GPT-2 风格)"},
    "sidebar_input": {"en": "Input", "zh": "输入"},
    "batch": {"en": "Batch size (B)", "zh": "批大小 (B)"},
    "seq_len": {"en": "Sequence length (T)", "zh": "序列长度 (T)"},
    # results
    "config_error": {"en": "This configuration cannot be built: {message}", "zh": "这个配置无法构建：{message}"},
    "total_params": {"en": "Total parameters", "zh": "参数总量"},
    "params_per_layer": {"en": "Parameters per encoder layer", "zh": "每个编码器层的参数量"},
    "total_params_help": {"en": "Exactly {n} trainable numbers.", "zh": "精确值：{n} 个可训练的数。"},
    "verified": {"en": "✓ Same as counting the PyTorch model's own parameters ({n}); the MLM decoder shares "
                       "the word-embedding matrix, so it is counted once.",
                 "zh": "✓ 与直接统计 PyTorch 模型的参数一致（{n}）；MLM 解码器与词嵌入矩阵共享权重，只计一次。"},
    "mismatch": {"en": "Formula ({formula}) and PyTorch model ({model}) disagree.",
                 "zh": "公式（{formula}）与 PyTorch 模型（{model}）不一致。"},
    "flops": {"en": "Forward FLOPs per token", "zh": "每个词元的前向 FLOPs"},
    "flops_help": {"en": "≈ 2 × (weights a token passes through) + 4·T·D per layer for attention; training "
                         "costs about 3× this.",
                   "zh": "≈ 2 ×（一个词元经过的权重数）+ 每层注意力 4·T·D；训练约为其 3 倍。"},
    "bert_sizes": {"en": "Sanity check: the BERT paper reports ≈ 110M parameters for BERT-Base and ≈ 340M for "
                         "BERT-Large. Counting our presets the same way gives {base} and {large}.",
                   "zh": "核对：BERT 论文给出 BERT-Base 约 1.1 亿（110M）参数，BERT-Large 约 3.4 亿（340M）。"
                         "用同样方法统计我们的预设得到 {base} 和 {large}。"},
    "decoder_note": {"en": "This preset also has {n} decoder layers; this page shows the encoder (BERT) part.",
                     "zh": "该预设还有 {n} 个解码器层；本页只展示编码器（BERT）部分。"},
    "params_header": {"en": "Where the parameters live", "zh": "参数都在哪里"},
    "shapes_header": {"en": "Tensor shapes, measured", "zh": "张量形状（实测）"},
    "shapes_caption": {"en": "Read from the trace of one real forward pass (record=True) of this exact model, run "
                             "on PyTorch's meta device: shapes without the arithmetic, so it is instant even "
                             "for BERT-Large.",
                       "zh": "来自该模型一次真实前向传播（record=True）的记录，在 PyTorch 的 meta 设备上运行："
                             "只算形状不算数值，因此即使是 BERT-Large 也瞬间完成。"},
    "diagram_header": {"en": "The architecture at a glance", "zh": "架构一览"},
    "formula_header": {"en": "The formula at the heart of it", "zh": "核心公式"},
    "formula_caption": {"en": "Each query is compared with every key; √d_k keeps the scores at a steady scale "
                              "so softmax does not saturate; the weights then average the values.",
                        "zh": "每个查询与所有键比较；除以 √d_k 让分数保持稳定的尺度，避免 softmax 饱和；"
                              "得到的权重再对值向量加权平均。"},
    # table columns
    "col_part": {"en": "Part", "zh": "部分"},
    "col_component": {"en": "Component", "zh": "组件"},
    "col_shape": {"en": "Weights", "zh": "权重形状"},
    "col_each": {"en": "Params each", "zh": "单个参数量"},
    "col_repeat": {"en": "×", "zh": "×"},
    "col_total": {"en": "Params total", "zh": "参数合计"},
    "col_stage": {"en": "Stage", "zh": "阶段"},
    "col_tensor": {"en": "Tensor shape", "zh": "张量形状"},
    "col_note": {"en": "What it means", "zh": "含义"},
    # parameter-table parts and components
    "part_embeddings": {"en": "Embeddings", "zh": "嵌入层"},
    "part_layer": {"en": "Encoder layer", "zh": "编码器层"},
    "part_final_norm": {"en": "Final LayerNorm", "zh": "最终 LayerNorm"},
    "part_pooler": {"en": "Pooler", "zh": "池化层"},
    "part_mlm": {"en": "MLM head", "zh": "MLM 头"},
    "part_nsp": {"en": "NSP head", "zh": "NSP 头"},
    "c_word": {"en": "word-piece (token) embeddings", "zh": "词元嵌入"},
    "c_segment": {"en": "segment (sentence A/B) embeddings", "zh": "句段（A/B）嵌入"},
    "c_position": {"en": "learned position embeddings", "zh": "可学习位置嵌入"},
    "c_position_sinusoidal": {"en": "sinusoidal positions (fixed, no weights)", "zh": "正弦位置编码（固定，无权重）"},
    "c_position_rotary": {"en": "rotary positions (inside attention, no weights)",
                          "zh": "旋转位置编码（在注意力内，无权重）"},
    "c_emb_norm": {"en": "embedding LayerNorm (γ, β)", "zh": "嵌入 LayerNorm (γ, β)"},
    "c_wq": {"en": "W_Q query projection", "zh": "W_Q 查询投影"},
    "c_wk": {"en": "W_K key projection", "zh": "W_K 键投影"},
    "c_wv": {"en": "W_V value projection", "zh": "W_V 值投影"},
    "c_wo": {"en": "W_O output projection", "zh": "W_O 输出投影"},
    "c_attn_norm": {"en": "attention LayerNorm", "zh": "注意力 LayerNorm"},
    "c_ffn_w1": {"en": "FFN W₁ (D → F)", "zh": "前馈 W₁ (D → F)"},
    "c_ffn_w2": {"en": "FFN W₂ (F → D)", "zh": "前馈 W₂ (F → D)"},
    "c_ffn_norm": {"en": "FFN LayerNorm", "zh": "前馈 LayerNorm"},
    "c_final_norm": {"en": "LayerNorm after the last layer (pre-LN)", "zh": "最后一层之后的 LayerNorm（前置 LN）"},
    "c_pooler": {"en": "tanh(W·h_[CLS] + b)", "zh": "tanh(W·h_[CLS] + b)"},
    "c_mlm_transform": {"en": "transform W·h + b, then GELU", "zh": "变换 W·h + b，再 GELU"},
    "c_mlm_norm": {"en": "head LayerNorm", "zh": "头部 LayerNorm"},
    "c_mlm_decoder": {"en": "decoder to vocabulary (tied to word embeddings)", "zh": "到词表的解码器（与词嵌入共享）"},
    "c_mlm_bias": {"en": "decoder bias, one per word piece", "zh": "解码器偏置，每个词元一个"},
    "c_nsp": {"en": "IsNext / NotNext classifier", "zh": "IsNext / NotNext 分类器"},
    # shape-flow stages and notes
    "stage_input": {"en": "input ids", "zh": "输入 ID"},
    "note_input": {"en": "(B, T): one integer per word piece", "zh": "(B, T)：每个词元一个整数"},
    "stage_token": {"en": "token embeddings", "zh": "词元嵌入"},
    "note_token": {"en": "(B, T, D): a row of the V × D table per id", "zh": "(B, T, D)：每个 ID 取 V × D 表中的一行"},
    "stage_embed": {"en": "embedding output", "zh": "嵌入输出"},
    "note_embed": {"en": "(B, T, D): token + segment + position, then LayerNorm",
                   "zh": "(B, T, D)：词元 + 句段 + 位置，再 LayerNorm"},
    "stage_qkv": {"en": "Q / K / V per head", "zh": "每个头的 Q / K / V"},
    "note_qkv": {"en": "(B, H, T, Dh): x·W_Q (and W_K, W_V) split into H heads of Dh = D / H",
                 "zh": "(B, H, T, Dh)：x·W_Q（及 W_K、W_V）拆成 H 个头，每头 Dh = D / H 维"},
    "stage_scores": {"en": "attention scores", "zh": "注意力分数"},
    "note_scores": {"en": "(B, H, T, T): QKᵀ / √Dh, every query against every key; softmax per row",
                    "zh": "(B, H, T, T)：QKᵀ / √Dh，每个查询对每个键；逐行 softmax"},
    "stage_context": {"en": "context per head", "zh": "每个头的上下文"},
    "note_context": {"en": "(B, H, T, Dh): attention weights · V", "zh": "(B, H, T, Dh)：注意力权重 · V"},
    "stage_concat": {"en": "heads concatenated", "zh": "拼接各头"},
    "note_concat": {"en": "(B, T, D): H × Dh = D side by side, then mixed by W_O",
                    "zh": "(B, T, D)：H × Dh = D 并排拼接，再经 W_O 混合"},
    "stage_attn_out": {"en": "attention + residual", "zh": "注意力 + 残差"},
    "note_attn_out": {"en": "(B, T, D): x + MultiHead(x)", "zh": "(B, T, D)：x + MultiHead(x)"},
    "stage_ffn": {"en": "FFN hidden", "zh": "前馈隐藏层"},
    "note_ffn": {"en": "(B, T, F): act(x·W₁ + b₁), each token on its own",
                 "zh": "(B, T, F)：act(x·W₁ + b₁)，逐词元独立计算"},
    "stage_layer_out": {"en": "layer output", "zh": "层输出"},
    "note_layer_out": {"en": "(B, T, D): same shape as the input, so {n} layers can stack",
                       "zh": "(B, T, D)：与输入形状相同，因此 {n} 层可以堆叠"},
    "stage_mlm": {"en": "MLM logits", "zh": "MLM logits"},
    "note_mlm": {"en": "(B, T, V): a score for every word piece at every position",
                 "zh": "(B, T, V)：每个位置对词表中每个词元的分数"},
    "stage_nsp": {"en": "NSP logits", "zh": "NSP logits"},
    "note_nsp": {"en": "(B, 2): IsNext / NotNext from the pooled [CLS] vector",
                 "zh": "(B, 2)：由池化后的 [CLS] 向量判断 IsNext / NotNext"},
    # diagram
    "d_input": {"en": "Input ids  [CLS] my dog is cute [SEP] …", "zh": "输入 ID  [CLS] my dog is cute [SEP] …"},
    "d_token": {"en": "Token<br>embedding", "zh": "词元嵌入"},
    "d_segment": {"en": "Segment<br>embedding", "zh": "句段嵌入"},
    "d_position": {"en": "Position<br>embedding", "zh": "位置嵌入"},
    "d_position_sinusoidal": {"en": "Sinusoidal<br>positions", "zh": "正弦位置编码"},
    "d_position_rotary": {"en": "Rotary: inside<br>attention", "zh": "旋转编码：<br>在注意力内"},
    "d_sum_norm": {"en": "Sum  →  LayerNorm", "zh": "相加  →  LayerNorm"},
    "d_mha": {"en": "Multi-head self-attention", "zh": "多头自注意力"},
    "d_heads": {"en": "{h} heads × {dh} dims", "zh": "{h} 个头 × {dh} 维"},
    "d_add_norm": {"en": "Add & Norm", "zh": "残差相加 & 归一化"},
    "d_add": {"en": "Add (residual)", "zh": "残差相加"},
    "d_layernorm": {"en": "LayerNorm", "zh": "LayerNorm"},
    "d_ffn": {"en": "Feed-forward", "zh": "前馈网络"},
    "d_frame": {"en": "× {n} encoder layers", "zh": "× {n} 个编码器层"},
    "d_per_layer": {"en": "{p} params each", "zh": "每层 {p} 参数"},
    "d_final_norm": {"en": "Final LayerNorm", "zh": "最终 LayerNorm"},
    "d_mlm": {"en": "MLM head", "zh": "MLM 头"},
    "d_mlm_sub": {"en": "predict masked words", "zh": "预测被遮盖的词"},
    "d_nsp": {"en": "Pooler → NSP head", "zh": "池化 → NSP 头"},
    "d_nsp_sub": {"en": "[CLS]: is B the next sentence?", "zh": "[CLS]：B 是下一句吗？"},
    "d_params": {"en": "{p} params", "zh": "{p} 参数"},
    "d_no_params": {"en": "no weights", "zh": "无权重"},
    "d_tied": {"en": "shares token embedding", "zh": "与词元嵌入共享权重"},
    "d_residual": {"en": "residual", "zh": "残差"},
}

# ── frame: navigation, shared sidebar, messages every page uses (see app.py, ui/st/page.py) ──
FRAME: dict[str, dict[str, str]] = {
    "sec_start": {"en": "Start", "zh": "开始"},
    "sec_foundations": {"en": "Foundations", "zh": "基础"},
    "sec_attention": {"en": "Attention", "zh": "注意力"},
    "sec_bert": {"en": "BERT", "zh": "BERT"},
    "sec_seq2seq": {"en": "Encoder-decoder", "zh": "编码器-解码器"},
    "sec_training": {"en": "Training", "zh": "训练"},
    "p_home": {"en": "Home: the whole model", "zh": "首页：整个模型"},
    "p_architecture": {"en": "Model sizes", "zh": "模型规模"},
    "p_tokenization": {"en": "Tokenization", "zh": "分词"},
    "p_embeddings": {"en": "Embeddings", "zh": "嵌入"},
    "p_positions": {"en": "Positional encoding", "zh": "位置编码"},
    "p_attention_head": {"en": "One head, step by step", "zh": "单个注意力头，逐步计算"},
    "p_multi_head": {"en": "Multi-head attention", "zh": "多头注意力"},
    "p_inside_layer": {"en": "Inside a layer", "zh": "层的内部"},
    "p_mlm": {"en": "Masked language model", "zh": "掩码语言模型"},
    "p_nsp": {"en": "Next sentence prediction", "zh": "下一句预测"},
    "p_sentiment": {"en": "Sentiment", "zh": "情感分类"},
    "p_seq2seq": {"en": "Encoder-decoder", "zh": "编码器-解码器"},
    "sb_lost_session_model": {"en": "This link named a model trained in another browser session. Models trained in "
                                    "the studio belong to the session that trained them (download the zip to keep "
                                    "one), so a model of this language is shown instead.",
                             "zh": "这个链接指向另一个浏览器会话里训练的模型。训练工作室里训练的模型只属于训练它的会话"
                                   "（想保留就下载 zip），所以这里改为显示同一语言的模型。"},
    "p_train_pretrain": {"en": "Pretrain a BERT", "zh": "预训练 BERT"},
    "p_train_finetune": {"en": "Fine-tune a classifier", "zh": "微调分类器"},
    "p_train_seq2seq": {"en": "Train an encoder-decoder", "zh": "训练编码器-解码器"},
    "p_timelapse": {"en": "Heads forming (time-lapse)", "zh": "注意力头的形成（延时回放）"},
    "sb_model": {"en": "Model", "zh": "模型"},
    "sb_open_folder": {"en": "Open a model folder on this computer", "zh": "打开本机上的模型文件夹"},
    "sb_folder_path": {"en": "Folder path (Hugging Face BERT layout)", "zh": "文件夹路径（Hugging Face BERT 格式）"},
    "sb_folder_help": {"en": "A folder with config.json, model.safetensors and vocab.txt or tokenizer.json, "
                             "e.g. a downloaded bert-base-uncased.",
                       "zh": "包含 config.json、model.safetensors 以及 vocab.txt 或 tokenizer.json 的文件夹，"
                             "例如下载好的 bert-base-chinese。"},
    "sb_open": {"en": "Open", "zh": "打开"},
    "sb_opened": {"en": "Opened {name}.", "zh": "已打开 {name}。"},
    "sb_text": {"en": "Sentence", "zh": "句子"},
    "sb_pair": {"en": "Second sentence (for NSP)", "zh": "第二个句子（用于 NSP）"},
    "sb_present": {"en": "Presentation mode (projector)", "zh": "演示模式（投影仪）"},
    "sb_link": {"en": "The address bar holds this view: copy it to share.",
                "zh": "地址栏保存了当前视图：复制链接即可分享。"},
    "random_warning": {"en": "No trained model is installed, so this is a BERT with **random weights**: the shapes "
                             "and the maths are real, the predictions are noise.",
                       "zh": "没有安装训练好的模型，这是一个**随机权重**的 BERT：形状和计算是真实的，但预测没有意义。"},
    "show_code": {"en": "Show the code that computed this", "zh": "查看计算这些结果的代码"},
    "formula": {"en": "The formula", "zh": "公式"},
    "input_empty": {"en": "Type a sentence first: the box is empty (or only spaces).",
                    "zh": "请先输入一个句子：输入框是空的（或只有空格）。"},
    "note_chars_cut": {"en": "Your text has {n:,} characters; only the first {limit:,} are used.",
                       "zh": "文本有 {n:,} 个字符，只使用前 {limit:,} 个。"},
    "note_control_removed": {"en": "{n} invisible control character(s) were removed.",
                             "zh": "已删除 {n} 个不可见的控制字符。"},
    "note_truncated": {"en": "The text became {n} pieces but this model reads at most {limit} (its max_len), so "
                             "it was cut to fit.",
                       "zh": "文本被切成 {n} 个词元，但该模型最多读取 {limit} 个（max_len），因此已截断。"},
    "note_unknown": {"en": "{n} piece(s) are [UNK]: the vocabulary cannot spell them (emoji, rare scripts…).",
                     "zh": "有 {n} 个词元是 [UNK]：词表无法表示它们（表情符号、罕见文字等）。"},
    "model_error": {"en": "This model cannot be used: {message}", "zh": "无法使用这个模型：{message}"},
    "needs_mlm": {"en": "{model} has no masked-LM head, so it cannot fill in [MASK]; showing {other} instead.",
                  "zh": "{model} 没有 MLM 头，无法填补 [MASK]；改用 {other}。"},
    "layer": {"en": "Layer", "zh": "层"},
    "head": {"en": "Head", "zh": "头"},
}
STRINGS.update(FRAME)


# transformer_core's ConfigError keys → 中文 (English is the error's own sentence)
ERRORS_ZH: dict[str, str] = {
    "whole_number": "{name} 必须是 ≥ 1 的整数，现在是 {value!r}。",
    "heads_divide": "d_model（{d_model}）必须能被 n_heads（{n_heads}）整除：每个注意力头分到 "
                    "d_model / n_heads 维。可以试试 n_heads ∈ {options}。",
    "rotary_even": "旋转位置编码按维度成对旋转：d_model / n_heads（{d_head}）必须是偶数。",
    "sinusoid_even": "正弦位置编码把 sin 和 cos 成对使用：d_model（{d_model}）必须是偶数。",
    "one_of": "{name} 只能取 {allowed} 之一，现在是 {value!r}。",
    "unit_interval": "{name} 必须在 [0, 1) 之间，现在是 {value!r}。",
    "non_negative": "{name} 必须 ≥ 0，现在是 {value!r}。",
    "pad_id": "pad_token_id（{pad}）必须小于词表大小 vocab_size（{vocab_size}）。",
    "too_long": "输入有 {length} 个词元，但这个模型最多只支持 max_len = {max_len} 个。请缩短输入或截断。",
}


def error_text(err: Exception, lang: str = "en") -> str:
    """A ConfigError in the learner's language when a translation exists, else its English sentence."""
    template = ERRORS_ZH.get(getattr(err, "key", None)) if lang == "zh" else None
    return template.format(**err.values) if template else str(err)


def tr(table: dict[str, dict[str, str]], key: str, lang: str = "en", **values) -> str:
    """Like ``t`` for a page's own strings table (each page keeps its strings next to its code)."""
    entry = table[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text


def t(key: str, lang: str = "en", **values) -> str:
    """The string for ``key`` in ``lang`` (falling back to English), with ``{placeholders}`` filled."""
    entry = STRINGS[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text
