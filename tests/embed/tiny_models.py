#!/usr/bin/env python3
"""Writes tiny random MPNet and XLM-RoBERTa models (sentence-transformers format, with Dense
modules and every pooling mode) and reference token ids and embeddings computed by an independent
numpy implementation: its own Unigram tokenizer (Viterbi over piece scores), Metaspace, relative
position buckets, position offsets, pooling, Dense layers. Shares only the BERT basic tokenizer,
the safetensors writer and layer norm with tiny_bert.py.

Usage: tiny_models.py OUT_DIR   (needs numpy only; writes OUT_DIR/<model>/... and OUT_DIR/refs.json)

Models:
  mpnet_mean       model_type mpnet: WordPiece tokenizer.json (BertNormalizer, lowercase) with
                   <s>/</s> framing from a RobertaProcessing post-processor, relative position
                   bias (texts past 128 tokens reach the last bucket), mean pooling, Normalize.
  xlmr_weighted    model_type xlm-roberta, "roberta." prefix, F16: Unigram tokenizer.json with
                   normalizers NFKC + Strip(right) + Replace(" {2,}" -> "▁"), Metaspace
                   (legacy add_prefix_space), weighted-mean pooling, Dense Tanh 32->24, Dense
                   Identity 24->16, Normalize.
  xlmr_concat      model_type xlm-roberta, BF16, pad_token_id 0 (another offset): Precompiled
                   normalizer with a real charsmap written by charsmap.py (NFKC of a few blocks,
                   whitespace to ' ', controls removed, multi-character keys) and applied as
                   tokenizers does, Metaspace prepend_scheme "first", pooling
                   cls + mean_sqrt_len + lasttoken concatenated (96 values), no Normalize.
                   (<s> has id 0 here, so it counts as padding for positions.)
  bert_unigram     model_type bert with the Unigram tokenizer, as multilingual-e5-small and
                   paraphrase-multilingual-MiniLM-L12-v2 are: positions 0..n-1, token type 0.
"""
import json
import math
import os
import re
import sys
import unicodedata

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import charsmap  # noqa: E402
import tiny_bert as tb  # noqa: E402

HIDDEN, LAYERS, HEADS, INTERMEDIATE = 32, 2, 4, 64
META = "\u2581"

# ---------------------------------------------------------------- MPNet vocabulary and tokenizer

MPNET_SPECIALS = ["<s>", "<pad>", "</s>", "<unk>", "[UNK]", "<mask>"]


def mpnet_vocab():
    base = [t for t in tb.build_vocab() if t not in tb.SPECIALS]
    return MPNET_SPECIALS + base


def mpnet_tokenize(text, index):
    """BertNormalizer(lowercase) + BertPreTokenizer + WordPiece, specials kept whole."""
    out, i, start, segments = [], 0, 0, []
    while i < len(text):
        special = max((t for t in MPNET_SPECIALS if text.startswith(t, i)), key=len, default=None)
        if special is None:
            i += 1
            continue
        segments += [text[start:i], special]
        i += len(special)
        start = i
    segments.append(text[start:])
    for n, seg in enumerate(segments):
        if n % 2 == 1:
            out.append(index[seg])
            continue
        for w in tb.basic_tokenize(seg, True, True):
            out += [index[p] for p in tb.wordpiece(w, index)]
    return out

# ---------------------------------------------------------------- Unigram vocabulary and tokenizer

UNIGRAM_SPECIALS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
UNIGRAM_WORDS = ["the", "quick", "brown", "fox", "jump", "jumps", "over", "lazy", "dog", "hello",
                 "world", "café", "caf", "über", "über", "niño", "résumé", "multi", "lingual",
                 "multilingual", "embedding", "embed", "ding", "text", "detector", "bias",
                 "voltage", "drift", "привет", "мир", "日本", "日本語", "東京", "한국어", "γειά",
                 "σου", "is", "a", "an", "of", "in", "to", "and", "going", "how", "it", "ok"]
UNIGRAM_PARTS = ["qu", "ick", "ing", "er", "tion", "ly", "ed", "es", "s", "la", "zy", "ov", "br",
                 "own", "he", "llo", "wor", "ld", "при", "вет", "語", "1", "2", "3", "12", "123",
                 "fi", "AB", "C"]


def unigram_vocab(seed):
    rng = np.random.default_rng(seed)
    pieces = [(t, 0.0) for t in UNIGRAM_SPECIALS]
    chars = sorted(set("abcdefghijklmnoprstuvwy.,!?'-:;()0123456789ABCDEFGHIJKLMNOPRSTUVWY"
                       "éüñçåöß日本東京한국어γειάσουпривтмрдб"))  # no q, x, z, Q, X, Z, emoji: unknown
    for c in chars + [META]:
        pieces.append((c, float(-rng.uniform(8.0, 12.0))))
    seen = {p for p, _ in pieces}
    for w in UNIGRAM_WORDS:
        for p in (META + w, w):
            if p not in seen:
                seen.add(p)
                pieces.append((p, float(-rng.uniform(2.0, 9.0) + 0.3 * len(p))))
    for p in UNIGRAM_PARTS + [META + p for p in UNIGRAM_PARTS[:10]]:
        if p not in seen:
            seen.add(p)
            pieces.append((p, float(-rng.uniform(3.0, 10.0))))
    return pieces


def viterbi(piece, vocab, ids, unk_id, min_score):
    """Best segmentation of one Metaspace piece by the sum of scores over its UTF-8 bytes."""
    data = piece.encode("utf-8")
    n = len(data)
    longest = max(len(p.encode("utf-8")) for p, _ in vocab)
    best = [None] * (n + 1)  # (score, start, id)
    best[0] = (0.0, None, None)
    starts, pos = [], 0
    for ch in piece:
        starts.append((pos, len(ch.encode("utf-8"))))
        pos += len(ch.encode("utf-8"))
    for at, mblen in starts:
        base = best[at][0]
        single = False
        for length in range(1, min(longest, n - at) + 1):
            try:
                tok = data[at:at + length].decode("utf-8")
            except UnicodeDecodeError:
                continue
            if tok not in ids:
                continue
            cand = base + vocab[ids[tok]][1]
            if best[at + length] is None or cand > best[at + length][0]:
                best[at + length] = (cand, at, ids[tok])
            if length == mblen:
                single = True
        if not single:
            cand = base + min_score - 10.0
            if best[at + mblen] is None or cand > best[at + mblen][0]:
                best[at + mblen] = (cand, at, unk_id)
    tokens, end = [], n  # (text, id), last first
    while end > 0:
        _, start, tid = best[end]
        text = data[start:end].decode("utf-8")
        if tid == unk_id and tokens and tokens[-1][1] == unk_id:
            tokens[-1] = (text + tokens[-1][0], unk_id)  # consecutive unknowns fuse
        else:
            tokens.append((text, tid))
        end = start
    out = []
    for text, tid in reversed(tokens):
        out.append(ids.get(text, unk_id) if tid == unk_id else tid)
    return out


def unigram_tokenize(text, vocab, tok):
    ids = {}
    for i, (p, _) in enumerate(vocab):
        ids[p] = i
    min_score = min(s for _, s in vocab)
    unk_id = ids["<unk>"]
    segments, i, start = [], 0, 0
    while i < len(text):
        special = max((t for t in UNIGRAM_SPECIALS if text.startswith(t, i)), key=len, default=None)
        if special is None:
            i += 1
            continue
        segments.append((text[start:i], start))
        segments.append((special, -1))
        i += len(special)
        start = i
    segments.append((text[start:], start))
    out = []
    for seg, offset in segments:
        if offset < 0:
            out.append(ids[seg])
            continue
        if not seg:
            continue
        if tok["normalizer"] == "precompiled":
            s = charsmap.normalize(seg, CHARSMAP_RULES)
        else:
            s = unicodedata.normalize("NFKC", seg).rstrip()
            s = re.sub(" {2,}", META, s)
        if not s:
            continue
        s = s.replace(" ", META)
        if (tok["prepend"] == "always" or offset == 0) and not s.startswith(META):
            s = META + s
        pieces, cur = [], ""
        for c in s:
            if c == META and cur:
                pieces.append(cur)
                cur = ""
            cur += c
        if cur:
            pieces.append(cur)
        for p in pieces:
            out += viterbi(p, vocab, ids, unk_id, min_score)
    return out

# ---------------------------------------------------------------- weights

def encoder_weights(rng, arch, vocab_size, max_pos, type_vocab):
    def n(shape, std):
        return rng.normal(0.0, std, size=shape)
    w = {"embeddings.word_embeddings.weight": n((vocab_size, HIDDEN), 0.5),
         "embeddings.position_embeddings.weight": n((max_pos, HIDDEN), 0.5),
         "embeddings.LayerNorm.weight": 1.0 + n((HIDDEN,), 0.1),
         "embeddings.LayerNorm.bias": n((HIDDEN,), 0.1)}
    if type_vocab:
        w["embeddings.token_type_embeddings.weight"] = n((type_vocab, HIDDEN), 0.5)
    if arch == "mpnet":
        w["encoder.relative_attention_bias.weight"] = n((32, HEADS), 1.0)
    for i in range(LAYERS):
        p = "encoder.layer.%d." % i
        for name in layer_names(arch):
            big = "intermediate" in name
            if name.endswith("LayerNorm"):
                w[p + name + ".weight"] = 1.0 + n((HIDDEN,), 0.1)
                w[p + name + ".bias"] = n((HIDDEN,), 0.1)
                continue
            shape = {"intermediate.dense": (INTERMEDIATE, HIDDEN),
                     "output.dense": (HIDDEN, INTERMEDIATE)}.get(name, (HIDDEN, HIDDEN))
            w[p + name + ".weight"] = n(shape, 0.25 if "attn" in name or "self" in name else 0.2)
            w[p + name + ".bias"] = n((shape[0],), 0.1 if not big else 0.1)
    w["pooler.dense.weight"] = n((HIDDEN, HIDDEN), 0.2)
    w["pooler.dense.bias"] = n((HIDDEN,), 0.1)
    return w


def layer_names(arch):
    if arch == "mpnet":
        return ["attention.attn.q", "attention.attn.k", "attention.attn.v", "attention.attn.o",
                "attention.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm"]
    return ["attention.self.query", "attention.self.key", "attention.self.value",
            "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense",
            "output.dense", "output.LayerNorm"]

# ---------------------------------------------------------------- reference forward pass

_erf = np.vectorize(math.erf)


def layer_norm(x, g, b, eps):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def mpnet_bucket(rel, num_buckets=32, max_distance=128):
    """MPNet's relative_position_bucket, float32 logarithm as PyTorch computes it."""
    n = -rel
    num_buckets //= 2
    ret = (n < 0).astype(np.int64) * num_buckets
    n = np.abs(n)
    max_exact = num_buckets // 2
    ratio = (np.log(np.maximum(n, 1).astype(np.float32) / np.float32(max_exact))
             / np.float32(math.log(max_distance / max_exact)) * np.float32(num_buckets - max_exact))
    large = np.minimum(max_exact + ratio.astype(np.int64), num_buckets - 1)
    return ret + np.where(n < max_exact, n, large)


def forward(w, ids, m):
    ids = np.array(ids)
    n = len(ids)
    pad = m["pad"]
    if m["arch"] == "bert":
        pos = np.arange(n)
    else:
        mask = (ids != pad).astype(np.int64)
        pos = np.cumsum(mask) * mask + pad  # create_position_ids_from_input_ids
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][pos]
    if "embeddings.token_type_embeddings.weight" in w:
        x = x + w["embeddings.token_type_embeddings.weight"][0]
    eps = m["eps"]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    bias = 0.0
    if m["arch"] == "mpnet":
        rel = np.arange(n)[None, :] - np.arange(n)[:, None]  # key - query
        bias = w["encoder.relative_attention_bias.weight"][mpnet_bucket(rel)].transpose(2, 0, 1)
    names = layer_names(m["arch"])
    d = HIDDEN // HEADS
    for i in range(LAYERS):
        p = "encoder.layer.%d." % i
        lin = lambda v, name: v @ w[p + name + ".weight"].T + w[p + name + ".bias"]
        q, k, v = (lin(x, names[j]).reshape(n, HEADS, d).transpose(1, 0, 2) for j in range(3))
        s = q @ k.transpose(0, 2, 1) / math.sqrt(d) + bias
        s = np.exp(s - s.max(axis=-1, keepdims=True))
        s /= s.sum(axis=-1, keepdims=True)
        ctx = (s @ v).transpose(1, 0, 2).reshape(n, HIDDEN)
        x = layer_norm(x + lin(ctx, names[3]), w[p + names[4] + ".weight"], w[p + names[4] + ".bias"], eps)
        h = lin(x, names[5])
        h = 0.5 * h * (1.0 + _erf(h / math.sqrt(2.0)))
        x = layer_norm(x + lin(h, names[6]), w[p + names[7] + ".weight"], w[p + names[7] + ".bias"], eps)
    return x


def embed(w, dense, ids, m):
    states = forward(w, ids, m)
    n = len(ids)
    parts = []
    for mode in m["pooling"]:
        if mode == "cls":
            parts.append(states[0])
        elif mode == "lasttoken":
            parts.append(states[-1])
        elif mode == "mean":
            parts.append(states.mean(axis=0))
        elif mode == "mean_sqrt_len":
            parts.append(states.sum(axis=0) / math.sqrt(n))
        elif mode == "weightedmean":
            weights = np.arange(1, n + 1, dtype=np.float64)[:, None]
            parts.append((states * weights).sum(axis=0) / weights.sum())
    v = np.concatenate(parts)
    for layer in dense:
        v = layer["w"] @ v + layer["b"]
        if layer["act"] == "Tanh":
            v = np.tanh(v)
    if m["normalize"]:
        v = v / max(np.linalg.norm(v), 1e-12)
    return v

# ---------------------------------------------------------------- model directories

TOKENIZER_TEXTS = [
    "Hello, World! How's it going?",
    "The quick brown fox jumps over the lazy dog",
    "  multiple   spaces\tand\ttabs\nnew\r\nlines  ",
    "Café résumé naïve façade über niño",
    "Привет мир! 日本語 東京 한국어 γειά σου",
    "unknownword xylophone quizzes zzz emoji 😀🚀 test",
    "Ligature ﬁ and full-width ＡＢＣ１２３",
    "half ｶﾞ ﾊﾟ e\u0301 \uff21\u0301 \u210c\u0301 ①②\u3000\u2122 a\u200db \r\n\x1b end",
    "control\x00char\x07s\u200b here \u0085next",
    "<s> x</s>y <mask> <pad> <unk> <s",
    "",
    "   ",
    "ok",
]

LONG = " ".join(["the quick brown fox jumps over the lazy dog and hello world"] * 14)

EMBED_TEXTS = [
    "hello world",
    "The quick brown fox jumps over the lazy dog",
    "Café résumé über niño, multilingual embedding",
    "Привет мир 日本語 東京 한국어",
    "bias voltage drift on an HPGe detector, seen in the control line; the drift is slow and "
    "the voltage keeps going over the limit while the detector cools and the bias is reset",
    LONG,
    "a",
    "",
]

MODELS = [
    dict(name="mpnet_mean", arch="mpnet", prefix="", dtype="F32", pad=1, max_pos=162,
         type_vocab=0, eps=1e-5, pooling=["mean"], normalize=True, dense=[], max_seq=150, seed=11),
    dict(name="xlmr_weighted", arch="xlm-roberta", prefix="roberta.", dtype="F16", pad=1,
         max_pos=66, type_vocab=1, eps=1e-5, pooling=["weightedmean"], normalize=True,
         dense=[(24, "Tanh", True), (16, "Identity", False)], max_seq=24, seed=12,
         tok=dict(normalizer="nfkc", prepend="always")),
    dict(name="xlmr_concat", arch="xlm-roberta", prefix="", dtype="BF16", pad=0, max_pos=41,
         type_vocab=1, eps=1e-5, pooling=["cls", "mean_sqrt_len", "lasttoken"], normalize=False,
         dense=[], max_seq=None, seed=13, tok=dict(normalizer="precompiled", prepend="first")),
    dict(name="bert_unigram", arch="bert", prefix="bert.", dtype="F32", pad=1, max_pos=64,
         type_vocab=2, eps=1e-12, pooling=["mean"], normalize=True, dense=[], max_seq=20, seed=14,
         tok=dict(normalizer="nfkc", prepend="always")),
]

CHARSMAP_RULES = charsmap.rules()

ACTIVATIONS = {"Tanh": "torch.nn.modules.activation.Tanh", "Identity": "torch.nn.modules.linear.Identity"}


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)


def write_tokenizer(d, m, vocab):
    if m["arch"] == "mpnet":
        write_json(os.path.join(d, "tokenizer.json"), {
            "version": "1.0", "truncation": None, "padding": None,
            "added_tokens": [{"id": i, "content": t, "special": True} for i, t in enumerate(MPNET_SPECIALS)],
            "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                           "strip_accents": None, "lowercase": True},
            "pre_tokenizer": {"type": "BertPreTokenizer"},
            "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
                               "trim_offsets": True, "add_prefix_space": False},
            "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
            "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                      "max_input_chars_per_word": 100, "vocab": {t: i for i, t in enumerate(vocab)}}})
        write_json(os.path.join(d, "tokenizer_config.json"), {
            "do_lower_case": True, "bos_token": "<s>", "eos_token": "</s>", "unk_token": "[UNK]",
            "sep_token": "</s>", "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>",
            "model_max_length": 512, "tokenizer_class": "MPNetTokenizer"})
        return
    if m["tok"]["normalizer"] == "precompiled":
        normalizer = {"type": "Precompiled", "precompiled_charsmap": charsmap.charsmap_base64(CHARSMAP_RULES)}
        pre = {"type": "Metaspace", "replacement": META, "prepend_scheme": "first", "split": True}
        post = {"type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                           {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                "pair": [], "special_tokens": {}}
    else:
        normalizer = {"type": "Sequence", "normalizers": [
            {"type": "NFKC"}, {"type": "Strip", "strip_left": False, "strip_right": True},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": META}]}
        pre = {"type": "Metaspace", "replacement": META, "add_prefix_space": True}
        post = {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
                "trim_offsets": True, "add_prefix_space": True}
    write_json(os.path.join(d, "tokenizer.json"), {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": t, "special": True} for i, t in enumerate(UNIGRAM_SPECIALS)],
        "normalizer": normalizer, "pre_tokenizer": pre, "post_processor": post,
        "decoder": {"type": "Metaspace", "replacement": META, "add_prefix_space": True},
        "model": {"type": "Unigram", "unk_id": 3, "vocab": [[p, s] for p, s in vocab], "byte_fallback": False}})
    write_json(os.path.join(d, "tokenizer_config.json"), {
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
        "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>", "model_max_length": 512,
        "tokenizer_class": "XLMRobertaTokenizer"})


def write_model(root, m):
    d = os.path.join(root, m["name"])
    os.makedirs(os.path.join(d, "1_Pooling"), exist_ok=True)
    vocab = mpnet_vocab() if m["arch"] == "mpnet" else unigram_vocab(m["seed"])
    config = {"architectures": [{"mpnet": "MPNetModel", "bert": "BertModel"}.get(m["arch"], "XLMRobertaModel")],
              "model_type": m["arch"], "hidden_size": HIDDEN, "num_hidden_layers": LAYERS,
              "num_attention_heads": HEADS, "intermediate_size": INTERMEDIATE, "hidden_act": "gelu",
              "max_position_embeddings": m["max_pos"], "vocab_size": len(vocab),
              "layer_norm_eps": m["eps"], "pad_token_id": m["pad"], "bos_token_id": 0, "eos_token_id": 2}
    if m["arch"] == "mpnet":
        config["relative_attention_num_buckets"] = 32
    else:
        config["type_vocab_size"] = m["type_vocab"]
        config["position_embedding_type"] = "absolute"
    write_json(os.path.join(d, "config.json"), config)
    write_tokenizer(d, m, vocab)
    if m["max_seq"] is not None:
        write_json(os.path.join(d, "sentence_bert_config.json"), {"max_seq_length": m["max_seq"], "do_lower_case": False})
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    rng = np.random.default_rng(m["seed"])
    dense, width = [], HIDDEN * len(m["pooling"])
    for k, (out, act, bias) in enumerate(m["dense"]):
        path = "%d_Dense" % (k + 2)
        os.makedirs(os.path.join(d, path), exist_ok=True)
        modules.append({"idx": len(modules), "name": str(len(modules)), "path": path,
                        "type": "sentence_transformers.models.Dense"})
        write_json(os.path.join(d, path, "config.json"), {
            "in_features": width, "out_features": out, "bias": bias, "activation_function": ACTIVATIONS[act]})
        tensors = {"linear.weight": rng.normal(0.0, 0.3, size=(out, width))}
        if bias:
            tensors["linear.bias"] = rng.normal(0.0, 0.1, size=(out,))
        values = tb.write_safetensors(os.path.join(d, path, "model.safetensors"), tensors, m["dtype"])
        dense.append({"w": values["linear.weight"], "b": values.get("linear.bias", 0.0), "act": act})
        width = out
    if m["normalize"]:
        modules.append({"idx": len(modules), "name": str(len(modules)), "path": "%d_Normalize" % len(modules),
                        "type": "sentence_transformers.models.Normalize"})
    write_json(os.path.join(d, "modules.json"), modules)
    modes = ["cls_token", "max_tokens", "mean_tokens", "mean_sqrt_len_tokens", "weightedmean_tokens", "lasttoken"]
    names = {"cls": "cls_token", "mean": "mean_tokens", "mean_sqrt_len": "mean_sqrt_len_tokens",
             "weightedmean": "weightedmean_tokens", "lasttoken": "lasttoken"}
    pooling_cfg = {"word_embedding_dimension": HIDDEN}
    for mode in modes:
        pooling_cfg["pooling_mode_" + mode] = mode in [names[p] for p in m["pooling"]]
    pooling_cfg["include_prompt"] = True
    write_json(os.path.join(d, "1_Pooling", "config.json"), pooling_cfg)
    weights = encoder_weights(rng, m["arch"], len(vocab), m["max_pos"], m["type_vocab"])
    values = tb.write_safetensors(os.path.join(d, "model.safetensors"),
                                  {m["prefix"] + k: v for k, v in weights.items()}, m["dtype"])
    return d, vocab, {k[len(m["prefix"]):]: v for k, v in values.items()}, dense, width


def main():
    root = sys.argv[1]
    os.makedirs(root, exist_ok=True)
    refs = {"tokenizer_texts": TOKENIZER_TEXTS, "embed_texts": EMBED_TEXTS, "models": []}
    for m in MODELS:
        d, vocab, w, dense, width = write_model(root, m)
        if m["arch"] == "mpnet":
            index = {t: i for i, t in enumerate(vocab)}
            tokenize = lambda s: mpnet_tokenize(s, index)
            cls, sep = index["<s>"], index["</s>"]
        else:
            tokenize = lambda s: unigram_tokenize(s, vocab, m["tok"])
            cls, sep = 0, 2
        limit = m["max_seq"] if m["max_seq"] is not None else min(512, m["max_pos"] - m["pad"] - 1)
        embeds, embed_ids = [], []
        for s in EMBED_TEXTS:
            ids = [cls] + tokenize(s)[:limit - 2] + [sep]
            embed_ids.append(ids)
            embeds.append(embed(w, dense, ids, m).tolist())
        refs["models"].append({"name": m["name"], "dir": d, "pooling": m["pooling"],
                               "normalize": m["normalize"], "max_seq_length": limit, "dim": width,
                               "dense_modules": len(dense),
                               "token_ids": [tokenize(s) for s in TOKENIZER_TEXTS],
                               "embed_ids": embed_ids, "embeddings": embeds})
    write_json(os.path.join(root, "refs.json"), refs)


if __name__ == "__main__":
    main()
