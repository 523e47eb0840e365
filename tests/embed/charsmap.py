#!/usr/bin/env python3
"""Writes a real SentencePiece precompiled_charsmap (as tokenizer.json's "Precompiled" normalizer
carries it) for a small rule set, and normalizes text with those rules the way Hugging Face's
tokenizers applies a charsmap. Python 3 standard library only; an implementation of the format
independent of src/embed/local/precompiled_charsmap.cc.

Blob: uint32 LE trie size in bytes, a darts-clone double array (uint32 LE units), then the
replacement strings (UTF-8, NUL-terminated; a key's value is the byte offset of its string).
Units: label in bits 0-7, has_leaf bit 8, offset (own position XOR the node's base) from bit 10
(bit 9 set: shifted left by 8); a value unit has bit 31 set and the value in bits 0-30, and sits
at the base of the node whose key ends there (the slot of label 0).

Normalization (tokenizers' Precompiled): per extended grapheme cluster; a cluster of fewer than 6
UTF-8 bytes is looked up whole first, else (or when nothing matches) each code point alone; a
lookup takes the SHORTEST rule key that is a byte prefix of the chunk (a NUL byte ends the key)
and replaces the whole chunk. Clusters come from a small UAX #29 segmenter (CR LF, controls,
Extend / ZWJ / SpacingMark, Hangul syllables, regional-indicator pairs, emoji ZWJ sequences; no
Prepend or Indic conjunct rules), enough for the texts the tests use.

Usage: charsmap.py   prints {"charsmap": base64, "rules": n, "cases": [[text, normalized], ...]}
"""
import base64
import json
import struct
import sys
import unicodedata

# Blocks whose NFKC mapping becomes a rule (a little of what SentencePiece's nmt_nfkc holds).
NFKC_BLOCKS = [(0x00A0, 0x00FF), (0x2000, 0x206F), (0x2100, 0x218F), (0x2460, 0x24FF),
               (0x3000, 0x303F), (0xFB00, 0xFB4F), (0xFF00, 0xFFEF)]
SPACES = "\t\n\r\x0b\x0c\u0085\u2028\u2029\u200d"


def rules():
    """{key: replacement}: NFKC of the blocks above, whitespace to ' ', other controls removed,
    and a few multi-character keys."""
    r = {}
    for lo, hi in NFKC_BLOCKS:
        for cp in range(lo, hi + 1):
            c = chr(cp)
            if unicodedata.category(c) == "Cn":
                continue
            n = unicodedata.normalize("NFKC", c)
            if n != c:
                r[c] = n
    for cp in list(range(0x01, 0x20)) + list(range(0x7F, 0xA0)):
        r[chr(cp)] = ""
    for c in SPACES:
        r[c] = " "
    r["\u200b"] = ""
    r["\uff76\uff9e"] = "\u30ac"      # ｶﾞ -> ガ: a 6-byte cluster, so tokenizers never uses it
    r["e\u0301"] = "\u00e9"            # e + combining acute -> é (a 3-byte cluster)
    r["\u210c\u0301"] = "\u1e22"      # ℌ + acute -> Ḣ, but the shorter key ℌ -> H wins
    r["\u2460\u2461"] = "12"           # ①② is two clusters: never used
    return r


class Node:
    def __init__(self):
        self.children = {}
        self.value = None


def encode_offset(offset):
    if offset < (1 << 21):
        return offset << 10
    assert offset % 256 == 0 and (offset >> 8) < (1 << 21), offset
    return ((offset >> 8) << 10) | (1 << 9)


def double_array(values):
    """darts-clone units for {key bytes: value}, placed greedily node by node (breadth first)."""
    root = Node()
    for key, value in values.items():
        node = root
        for b in key:
            node = node.children.setdefault(b, Node())
        node.value = value
    units, used, bases = [0], {0}, set()
    free_from = 1
    queue = [(root, 0)]
    while queue:
        node, pos = queue.pop(0)
        labels = sorted(node.children)
        slots = ([0] if node.value is not None else []) + labels
        if not slots:
            continue
        while free_from in used:
            free_from += 1
        candidate = free_from
        while True:
            base = candidate ^ slots[0]
            if base not in bases and base != 0 and all((base ^ s) not in used for s in slots):
                break
            candidate += 1
            while candidate in used:
                candidate += 1
        bases.add(base)
        for s in slots:
            used.add(base ^ s)
        need = max(base ^ s for s in slots) + 1
        if need > len(units):
            units.extend([0] * (need - len(units)))
        units[pos] |= encode_offset(pos ^ base)
        if node.value is not None:
            units[base] = 0x80000000 | node.value
        for b in labels:
            child = node.children[b]
            units[base ^ b] = b | ((1 << 8) if child.value is not None else 0)
            queue.append((child, base ^ b))
    units.extend([0] * (-len(units) % 256))  # whole blocks of 256, as darts-clone sizes them
    return units


def charsmap_blob(rule_map):
    strings = b""
    values = {}
    for key in sorted(rule_map, key=lambda k: (-len(rule_map[k].encode()), k)):
        r = rule_map[key].encode("utf-8") + b"\0"
        at = strings.find(r)  # a suffix of a longer string is shared: "fi" inside "ffi"
        if at < 0:
            at = len(strings)
            strings += r
        values[key.encode("utf-8")] = at
    units = double_array(values)
    trie = b"".join(struct.pack("<I", u) for u in units)
    return struct.pack("<I", len(trie)) + trie + strings


def charsmap_base64(rule_map=None):
    return base64.b64encode(charsmap_blob(rules() if rule_map is None else rule_map)).decode("ascii")

# ---------------------------------------------------------------- reference normalization

OTHER_GRAPHEME_EXTEND = {0x200C, 0xFF9E, 0xFF9F, 0x09BE, 0x09D7, 0x0B3E, 0x0B57, 0x0BBE, 0x0BD7,
                         0x0CC2, 0x0CD5, 0x0CD6, 0x0D3E, 0x0D57, 0x0DCF, 0x0DDF, 0x1D165,
                         0x1D16E, 0x1D16F, 0x1D170, 0x1D171, 0x1D172}


def gcb(c):
    o, cat = ord(c), unicodedata.category(c)
    if c == "\r":
        return "CR"
    if c == "\n":
        return "LF"
    if o == 0x200D:
        return "ZWJ"
    if o in OTHER_GRAPHEME_EXTEND or cat in ("Mn", "Me") or 0xE0020 <= o <= 0xE007F or 0x1F3FB <= o <= 0x1F3FF:
        return "Extend"
    if 0x1F1E6 <= o <= 0x1F1FF:
        return "RI"
    if cat in ("Cc", "Cf", "Zl", "Zp", "Cs"):
        return "Control"
    if cat == "Mc":
        return "SpacingMark"
    if 0x1100 <= o <= 0x115F or 0xA960 <= o <= 0xA97C:
        return "L"
    if 0x1160 <= o <= 0x11A7 or 0xD7B0 <= o <= 0xD7C6:
        return "V"
    if 0x11A8 <= o <= 0x11FF or 0xD7CB <= o <= 0xD7FB:
        return "T"
    if 0xAC00 <= o <= 0xD7A3:
        return "LV" if (o - 0xAC00) % 28 == 0 else "LVT"
    if o in (0xA9, 0xAE, 0x203C, 0x2049, 0x2122, 0x2139) or 0x2600 <= o <= 0x27BF or 0x1F000 <= o <= 0x1FAFF:
        return "Pict"
    return "Other"


def graphemes(text):
    out = []
    for i, c in enumerate(text):
        if not out:
            out.append(c)
            continue
        prev, cur = gcb(text[i - 1]), gcb(c)
        join = False
        if prev == "CR" and cur == "LF":
            join = True
        elif prev in ("Control", "CR", "LF") or cur in ("Control", "CR", "LF"):
            join = False
        elif (prev == "L" and cur in ("L", "V", "LV", "LVT")) or (prev in ("LV", "V") and cur in ("V", "T")) \
                or (prev in ("LVT", "T") and cur == "T"):
            join = True
        elif cur in ("Extend", "ZWJ", "SpacingMark"):
            join = True
        elif prev == "ZWJ" and cur == "Pict":
            k = i - 2
            while k >= 0 and gcb(text[k]) == "Extend":
                k -= 1
            join = k >= 0 and gcb(text[k]) == "Pict"
        elif prev == "RI" and cur == "RI":
            k, n = i - 1, 0
            while k >= 0 and gcb(text[k]) == "RI":
                k, n = k - 1, n + 1
            join = n % 2 == 1
        if join:
            out[-1] += c
        else:
            out.append(c)
    return out


def transform(rule_bytes, chunk):
    data = chunk.encode("utf-8").split(b"\0")[0]
    for n in range(1, len(data) + 1):
        if data[:n] in rule_bytes:
            return rule_bytes[data[:n]]
    return None


def normalize(text, rule_map=None):
    rule_map = rules() if rule_map is None else rule_map
    rule_bytes = {k.encode("utf-8"): v for k, v in rule_map.items()}
    out = []
    for g in graphemes(text):
        if len(g.encode("utf-8")) < 6:
            r = transform(rule_bytes, g)
            if r is not None:
                out.append(r)
                continue
        for c in g:
            r = transform(rule_bytes, c)
            out.append(c if r is None else r)
    return "".join(out)


CASES = [
    "plain ascii stays",
    "Ligature \ufb01 and \ufb03, full-width \uff21\uff22\uff23\uff11\uff12\uff13 \u2460\u2461\u2462",
    "ideographic\u3000space, nbsp\u00a0here, em\u2003space",
    "tab\tnew\nline\r\ncrlf\rcr",
    "control\x00char\x07s\x1b\x7f\u0085\u200b here",
    "halfwidth \uff76\uff9e \uff8a\uff9f \uff71",
    "combining e\u0301 \u210c\u0301 \uff21\u0301 \uff21\u0301\u0301 \u00c5",
    "zwj a\u200db \uff21\u200d \U0001F468\u200d\U0001F469 flags \U0001F1EF\U0001F1F5",
    "\ud55c\uad6d\uc5b4 \u1100\u1161\u11a8 \u0921\u093c\u0940 \u0e44\u0e21\u0e48",
    "\u2122 \u2116 \u2160 \u00bd \u00b2 \u2026",
]


def main():
    r = rules()
    json.dump({"charsmap": charsmap_base64(r), "rules": len(r),
               "cases": [[t, normalize(t, r)] for t in CASES]}, sys.stdout, ensure_ascii=True)


if __name__ == "__main__":
    main()
