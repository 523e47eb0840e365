#!/usr/bin/env python3
"""Writes a tiny BERT model (sentence-transformers format) whose embeddings behave like a neural
model's for relevance tests: texts sharing words are close, unrelated texts are NOT near 0 but
around 0.6 (a common direction shared by every word), much as many real models put unrelated texts
at 0.3-0.8. The encoder layers are zeroed, so a text's embedding is the mean of its (layer-normed)
word vectors: a bag of words the local embedder computes through its real loader, tokenizer,
encoder and pooling.

Usage: topic_bert.py OUT_DIR   (needs numpy; writes OUT_DIR/topic_mean/)
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tiny_bert as tb  # noqa: E402

HIDDEN = 256
_RANDOM_WEIGHTS = tb.random_weights  # the shapes and names every tensor needs
COMMON = 0.5  # weight of the direction every word shares (unrelated texts: cosine ~0.6)


def topic_weights(rng, vocab_size):
    w = _RANDOM_WEIGHTS(rng, vocab_size)
    for k in list(w):
        if k.startswith("encoder.") or k.startswith("pooler."):
            w[k] = np.zeros_like(w[k])
    h = tb.HIDDEN
    common = rng.normal(0.0, 1.0, size=h)
    common -= common.mean()
    common /= np.linalg.norm(common)
    words = rng.normal(0.0, 1.0, size=(vocab_size, h))
    words /= np.linalg.norm(words, axis=1, keepdims=True)
    emb = COMMON * common + words
    for i, t in enumerate(tb.build_vocab()):
        if t in tb.SPECIALS:
            emb[i] = 0.0  # [CLS], [SEP], [PAD]: no content
    w["embeddings.word_embeddings.weight"] = emb
    w["embeddings.position_embeddings.weight"] = np.zeros((tb.MAX_POS, h))
    w["embeddings.token_type_embeddings.weight"] = np.zeros((2, h))
    w["embeddings.LayerNorm.weight"] = np.ones(h)
    w["embeddings.LayerNorm.bias"] = np.zeros(h)
    for i in range(tb.LAYERS):
        p = "encoder.layer.%d." % i
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[p + ln + ".weight"] = np.ones(h)
            w[p + ln + ".bias"] = np.zeros(h)
    return w


def main():
    root = sys.argv[1]
    tb.HIDDEN = HIDDEN  # wider than the tokenizer tests' models: random words are near-orthogonal
    os.makedirs(root, exist_ok=True)
    base = [m for m in tb.MODELS if m["name"] == "uncased_mean"][0]
    model = dict(base, name="topic_mean", seed=18)
    tb.random_weights = topic_weights  # write_model draws its weights through this name
    try:
        d, _ = tb.write_model(root, model, tb.build_vocab())
    finally:
        tb.random_weights = _RANDOM_WEIGHTS
    print(d)


if __name__ == "__main__":
    main()
