#!/usr/bin/env python3
"""Writes tiny randomly initialised BERT models in the sentence-transformers directory format and
reference token ids and embeddings computed by an independent numpy implementation.

Usage: tiny_bert.py OUT_DIR   (needs numpy only; writes OUT_DIR/<model>/... and OUT_DIR/refs.json)

The reference is written from the published BERT / sentence-transformers algorithms, not from the
C++ code: its own BasicTokenizer + WordPiece (Python's unicodedata), its own float64 forward pass,
and its own safetensors writer. Models (each one exercises different loader paths):
  uncased_mean  vocab.txt, do_lower_case, "bert." tensor prefix, F32, mean pooling, Normalize
  cased_cls     tokenizer.json only, cased, no prefix, F16, CLS pooling, no Normalize
  strip_mean    vocab.txt, cased + strip_accents, BF16, mean pooling, Normalize, no
                sentence_bert_config.json (max length from tokenizer_config model_max_length)
  lower_max     tokenizer.json cased + sentence_bert_config do_lower_case, F32, max pooling
"""
import json
import math
import os
import struct
import sys
import unicodedata

import numpy as np

HIDDEN, LAYERS, HEADS, INTERMEDIATE, MAX_POS = 32, 2, 4, 64, 64
EPS = 1e-12
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

# ---------------------------------------------------------------- vocabulary

def build_vocab():
    toks = list(SPECIALS)
    missing = set("qxzQXZ")  # words with these letters (and no whole-word entry) become [UNK]
    for c in map(chr, range(33, 127)):
        if c not in missing:
            toks.append(c)
    for c in "abcdefghijklmnoprstuvwy0123456789":
        toks.append("##" + c)
    toks += ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "hello", "world",
             "how", "it", "going", "multiple", "spaces", "and", "tabs", "new", "##lines", "cafe",
             "resume", "naive", "facade", "uber", "nino", "ang", "##strom", "un", "##known",
             "##word", "##ing", "##s", "##ed", "##es", "stop", "me", "now", "off", "tag", "user",
             "50", "100", "##0", "text", "emoji", "test", "control", "char", "here", "line",
             "greek", "turkish", "istanbul", "vietnamese", "tieng", "viet", "hangul", "family",
             "zero", "width", "joiner", "quoted", "dash", "que", "si", "smart", "quotes",
             "ligature", "full", "space", "non", "breaking", "em", "detector", "bias", "voltage",
             "drift", "on", "an", "a", "of", "in", "to", "is", "##tion", "##ly", "##er",
             "Hello", "World", "The", "Café", "Über", "Ångström", "Greek", "##é", "é", "ü", "##ü",
             "ñ", "##ñ", "å", "ç", "##ç", "É", "Ñ", "Å", "ö", "##ö", "ß", "##ß",
             "中", "文", "字", "日", "本", "括", "弧", "한", "ᄒ", "##ᅡ", "##ᆫ", "ᄀ", "##ᅮ",
             "«", "»", "—", "…", "¿", "¡", "“", "”", "‘", "’", "「",
             "😀", "ο", "##δ", "##ο", "##ς", "##σ", "σ", "##ι", "##υ", "##φ", "οδος", "σισυφος",
             "ﬁ", "ａ", "##ｂ", "##ｃ", "１", "##２", "##３", "i", "##̇", "##ế", "##ệ"]
    seen, out = set(), []
    for t in toks:
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out

# ---------------------------------------------------------------- reference tokenizer

def is_whitespace(c):
    return c in " \t\n\r" or unicodedata.category(c) == "Zs"

def is_control(c):
    if c in "\t\n\r":
        return False
    return unicodedata.category(c).startswith("C")

def is_punctuation(c):
    cp = ord(c)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(c).startswith("P")

def is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or
            0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or
            0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)

def strip_accents(text):
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")

def split_punct(word):
    out, cur = [], ""
    for c in word:
        if is_punctuation(c):
            if cur:
                out.append(cur)
            out.append(c)
            cur = ""
        else:
            cur += c
    if cur:
        out.append(cur)
    return out

def basic_tokenize(text, lower, strip):
    cleaned = []
    for c in text:
        if ord(c) == 0 or ord(c) == 0xFFFD or is_control(c):
            continue
        cleaned.append(" " if is_whitespace(c) else c)
    text = "".join(cleaned)
    text = "".join(" %s " % c if is_cjk(ord(c)) else c for c in text)
    words = []
    for w in text.split():
        if lower:
            w = w.lower()
        if strip:
            w = strip_accents(w)
        words += split_punct(w)
    return " ".join(words).split()

def wordpiece(word, vocab):
    if len(word) > 100:
        return ["[UNK]"]
    pieces, start = [], 0
    while start < len(word):
        end, cur = len(word), None
        while start < end:
            sub = word[start:end]
            if start > 0:
                sub = "##" + sub
            if sub in vocab:
                cur = sub
                break
            end -= 1
        if cur is None:
            return ["[UNK]"]
        pieces.append(cur)
        start = end
    return pieces

def tokenize(text, vocab, tok):
    """Special tokens written literally in the text ("[SEP]") stay whole, as in Hugging Face."""
    if tok["sbert_lower"]:
        text = text.lower()
    out, i, start = [], 0, 0
    segments = []
    while i < len(text):
        special = next((t for t in SPECIALS if text.startswith(t, i)), None)
        if special is None:
            i += 1
            continue
        segments += [text[start:i], special]
        i += len(special)
        start = i
    segments.append(text[start:])
    for n, seg in enumerate(segments):
        if n % 2 == 1:
            out.append(seg)
            continue
        for w in basic_tokenize(seg, tok["lower"], tok["strip"]):
            out += wordpiece(w, vocab)
    return out

# ---------------------------------------------------------------- weights and safetensors

def to_f16(a):
    return a.astype(np.float16)

def to_bf16_bits(a):
    bits = a.astype(np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16  # round to nearest even
    return rounded.astype(np.uint16)

def from_bf16_bits(b):
    return (b.astype(np.uint32) << 16).view(np.float32)

def stored(a, dtype):
    """(bytes written, float64 value the reader must see)."""
    a = a.astype(np.float32)
    if dtype == "F32":
        return a.tobytes(), a.astype(np.float64)
    if dtype == "F16":
        h = to_f16(a)
        return h.tobytes(), h.astype(np.float64)
    b = to_bf16_bits(a)
    return b.tobytes(), from_bf16_bits(b).astype(np.float64)

def write_safetensors(path, tensors, dtype):
    header, blobs, offset, values = {"__metadata__": {"format": "pt"}}, [], 0, {}
    for name, arr in tensors.items():
        data, value = stored(arr, dtype)
        header[name] = {"dtype": dtype, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        values[name] = value
        offset += len(data)
    raw = json.dumps(header).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)
    return values

def random_weights(rng, vocab_size):
    w = {}
    def n(shape, std):
        return rng.normal(0.0, std, size=shape)
    w["embeddings.word_embeddings.weight"] = n((vocab_size, HIDDEN), 0.5)
    w["embeddings.position_embeddings.weight"] = n((MAX_POS, HIDDEN), 0.5)
    w["embeddings.token_type_embeddings.weight"] = n((2, HIDDEN), 0.5)
    w["embeddings.LayerNorm.weight"] = 1.0 + n((HIDDEN,), 0.1)
    w["embeddings.LayerNorm.bias"] = n((HIDDEN,), 0.1)
    for i in range(LAYERS):
        p = "encoder.layer.%d." % i
        for m in ("query", "key", "value"):
            w[p + "attention.self.%s.weight" % m] = n((HIDDEN, HIDDEN), 0.25)
            w[p + "attention.self.%s.bias" % m] = n((HIDDEN,), 0.1)
        w[p + "attention.output.dense.weight"] = n((HIDDEN, HIDDEN), 0.2)
        w[p + "attention.output.dense.bias"] = n((HIDDEN,), 0.1)
        w[p + "attention.output.LayerNorm.weight"] = 1.0 + n((HIDDEN,), 0.1)
        w[p + "attention.output.LayerNorm.bias"] = n((HIDDEN,), 0.1)
        w[p + "intermediate.dense.weight"] = n((INTERMEDIATE, HIDDEN), 0.2)
        w[p + "intermediate.dense.bias"] = n((INTERMEDIATE,), 0.1)
        w[p + "output.dense.weight"] = n((HIDDEN, INTERMEDIATE), 0.2)
        w[p + "output.dense.bias"] = n((HIDDEN,), 0.1)
        w[p + "output.LayerNorm.weight"] = 1.0 + n((HIDDEN,), 0.1)
        w[p + "output.LayerNorm.bias"] = n((HIDDEN,), 0.1)
    w["pooler.dense.weight"] = n((HIDDEN, HIDDEN), 0.2)  # present in real checkpoints, unused
    w["pooler.dense.bias"] = n((HIDDEN,), 0.1)
    return w

# ---------------------------------------------------------------- reference forward pass

_erf = np.vectorize(math.erf)

def layer_norm(x, g, b):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + EPS) * g + b

def forward(w, ids):
    """Token states [n, HIDDEN] for one unpadded sequence."""
    n = len(ids)
    x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
         + w["embeddings.token_type_embeddings.weight"][0])
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    d = HIDDEN // HEADS
    for i in range(LAYERS):
        p = "encoder.layer.%d." % i
        lin = lambda v, name: v @ w[p + name + ".weight"].T + w[p + name + ".bias"]
        q = lin(x, "attention.self.query").reshape(n, HEADS, d).transpose(1, 0, 2)
        k = lin(x, "attention.self.key").reshape(n, HEADS, d).transpose(1, 0, 2)
        v = lin(x, "attention.self.value").reshape(n, HEADS, d).transpose(1, 0, 2)
        s = q @ k.transpose(0, 2, 1) / math.sqrt(d)
        s = np.exp(s - s.max(axis=-1, keepdims=True))
        s /= s.sum(axis=-1, keepdims=True)
        ctx = (s @ v).transpose(1, 0, 2).reshape(n, HIDDEN)
        x = layer_norm(x + lin(ctx, "attention.output.dense"),
                       w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
        h = lin(x, "intermediate.dense")
        h = 0.5 * h * (1.0 + _erf(h / math.sqrt(2.0)))
        x = layer_norm(x + lin(h, "output.dense"),
                       w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    return x

def embed(w, ids, pooling, normalize):
    states = forward(w, ids)
    if pooling == "cls":
        v = states[0]
    elif pooling == "max":
        v = states.max(axis=0)
    else:
        v = states.mean(axis=0)
    if normalize:
        v = v / max(np.linalg.norm(v), 1e-12)
    return v

# ---------------------------------------------------------------- model directories

TOKENIZER_TEXTS = [
    "Hello, World! How's it going?",
    "  multiple   spaces\tand\ttabs\nnew\r\nlines  ",
    "Café résumé naïve façade Ångström über niño",
    "ÅÉÎÕÜ Ñ Ç ß ẞ Öl",
    "中文字符和日本語のテキスト 日本",
    "emoji 😀 test 🚀🚀 zero-width joiner 👨\u200d👩\u200d👧 family",
    "unknownword qqqq xylophone quickly Zebra",
    "a" * 100 + " " + "b" * 101 + " ok",
    "control\x00char\x07s\u200b here\ufffd \x1b[31m \u0085next",
    "«quoted» — dash… ¿qué? ¡sí! “smart” ‘quotes’ 「括弧」",
    "don't stop-me now: a+b=c; 50% off $100 #tag @user ~tilde^caret `back` <x> {y} [z] |p|",
    "non-breaking\u00a0space and\u2003em space\u3000ideographic\u2028line\u2029para",
    "Ligature ﬁ and full-width ＡＢＣ１２３",
    "Greek ΟΔΟΣ Σίσυφος Σ",
    "Turkish İstanbul",
    "Vietnamese Tiếng Việt",
    "Hangul 한국어 한",
    "combining a\u0301 e\u0308 n\u0303",
    "",
    "   ",
    "[CLS] [SEP] [UNK] x[MASK]y [cls] [PAD",
]

EMBED_TEXTS = [
    "hello world",
    "The quick brown fox jumps over the lazy dog",
    "Café résumé naïve Ångström über niño",
    "bias voltage drift on an HPGe detector, seen in the control line; the drift is slow and the "
    "voltage keeps going over the limit while the detector cools and the bias is reset twice",
    "中文 日本 한국어 😀 «quoted» — dash",
    "a",
    "",
    "how it going ? ! ...",
]

MODELS = [
    # name, tokenizer files, tok settings, prefix, dtype, pooling, normalize, sbert config, tcfg
    dict(name="uncased_mean", vocab_txt=True, tok_json=False, prefix="bert.", dtype="F32",
         pooling="mean", normalize=True, tok=dict(lower=True, strip=True, sbert_lower=False),
         sbert={"max_seq_length": 24, "do_lower_case": False},
         tcfg={"do_lower_case": True, "model_max_length": 512, "tokenizer_class": "BertTokenizer"},
         normalizer=None, seed=1),
    dict(name="cased_cls", vocab_txt=False, tok_json=True, prefix="", dtype="F16",
         pooling="cls", normalize=False, tok=dict(lower=False, strip=False, sbert_lower=False),
         sbert={"max_seq_length": 32, "do_lower_case": False},
         tcfg={"do_lower_case": False, "model_max_length": 512},
         normalizer={"lowercase": False, "strip_accents": None}, seed=2),
    dict(name="strip_mean", vocab_txt=True, tok_json=False, prefix="", dtype="BF16",
         pooling="mean", normalize=True, tok=dict(lower=False, strip=True, sbert_lower=False),
         sbert=None, tcfg={"do_lower_case": False, "strip_accents": True, "model_max_length": 20},
         normalizer=None, seed=3),
    dict(name="lower_max", vocab_txt=False, tok_json=True, prefix="bert.", dtype="F32",
         pooling="max", normalize=False, tok=dict(lower=False, strip=False, sbert_lower=True),
         sbert={"max_seq_length": 28, "do_lower_case": True}, tcfg=None,
         normalizer={"lowercase": False, "strip_accents": None}, seed=4),
]

def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2)

def write_model(root, m, vocab):
    d = os.path.join(root, m["name"])
    os.makedirs(os.path.join(d, "1_Pooling"), exist_ok=True)
    write_json(os.path.join(d, "config.json"), {
        "architectures": ["BertModel"], "model_type": "bert", "hidden_size": HIDDEN,
        "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "intermediate_size": INTERMEDIATE,
        "hidden_act": "gelu", "max_position_embeddings": MAX_POS, "type_vocab_size": 2,
        "vocab_size": len(vocab), "layer_norm_eps": EPS, "position_embedding_type": "absolute",
        "pad_token_id": 0, "torch_dtype": "float32"})
    if m["vocab_txt"]:
        with open(os.path.join(d, "vocab.txt"), "w", encoding="utf-8") as f:
            f.write("".join(t + "\n" for t in vocab))
    if m["tok_json"]:
        write_json(os.path.join(d, "tokenizer.json"), {
            "version": "1.0", "truncation": None, "padding": None,
            "added_tokens": [{"id": i, "content": t, "special": True} for i, t in enumerate(SPECIALS)],
            "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                           **m["normalizer"]},
            "pre_tokenizer": {"type": "BertPreTokenizer"},
            "post_processor": {"type": "TemplateProcessing"},
            "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
            "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                      "max_input_chars_per_word": 100, "vocab": {t: i for i, t in enumerate(vocab)}}})
    if m["tcfg"] is not None:
        write_json(os.path.join(d, "tokenizer_config.json"), dict(m["tcfg"], cls_token="[CLS]",
                   sep_token="[SEP]", unk_token="[UNK]", pad_token="[PAD]", mask_token="[MASK]"))
    if m["sbert"] is not None:
        write_json(os.path.join(d, "sentence_bert_config.json"), m["sbert"])
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    if m["normalize"]:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize",
                        "type": "sentence_transformers.models.Normalize"})
    write_json(os.path.join(d, "modules.json"), modules)
    write_json(os.path.join(d, "1_Pooling", "config.json"), {
        "word_embedding_dimension": HIDDEN, "pooling_mode_cls_token": m["pooling"] == "cls",
        "pooling_mode_mean_tokens": m["pooling"] == "mean", "pooling_mode_max_tokens": m["pooling"] == "max",
        "pooling_mode_mean_sqrt_len_tokens": False, "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False, "include_prompt": True})
    rng = np.random.default_rng(m["seed"])
    weights = random_weights(rng, len(vocab))
    values = write_safetensors(os.path.join(d, "model.safetensors"),
                               {m["prefix"] + k: v for k, v in weights.items()}, m["dtype"])
    return d, {k[len(m["prefix"]):]: v for k, v in values.items()}

def max_seq_length(m):
    if m["sbert"] is not None:
        return m["sbert"]["max_seq_length"]
    return min(MAX_POS, m["tcfg"]["model_max_length"])

def main():
    root = sys.argv[1]
    os.makedirs(root, exist_ok=True)
    vocab = build_vocab()
    index = {t: i for i, t in enumerate(vocab)}
    refs = {"tokenizer_texts": TOKENIZER_TEXTS, "embed_texts": EMBED_TEXTS, "models": []}
    for m in MODELS:
        d, w = write_model(root, m, vocab)
        token_ids = [[index[t] for t in tokenize(s, index, m["tok"])] for s in TOKENIZER_TEXTS]
        limit = max_seq_length(m)
        embeds, embed_ids = [], []
        for s in EMBED_TEXTS:
            pieces = [index[t] for t in tokenize(s, index, m["tok"])]
            ids = [index["[CLS]"]] + pieces[:limit - 2] + [index["[SEP]"]]
            embed_ids.append(ids)
            embeds.append(embed(w, ids, m["pooling"], m["normalize"]).tolist())
        refs["models"].append({"name": m["name"], "dir": d, "pooling": m["pooling"],
                               "normalize": m["normalize"], "max_seq_length": limit, "dim": HIDDEN,
                               "token_ids": token_ids, "embed_ids": embed_ids, "embeddings": embeds})
    write_json(os.path.join(root, "refs.json"), refs)

if __name__ == "__main__":
    main()
