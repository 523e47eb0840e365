#!/usr/bin/env python3
"""The prompts DSPy 3.3's BootstrapFewShotWithRandomSearch sends, written from its algorithm
(reference/dspy.md §5.1-5.3) with Python's own `random`, for an LM whose every answer passes the
metric. Used by optimize_dspy_sequence_test as an independent reference for the native optimizer.

Input (argv): n_train, n_val, max_bootstrapped_demos, max_labeled_demos, num_candidate_programs.
Train examples are "ex0".."ex{n_train-1}", validation ones follow. Output (stdout, JSON):
{"calls": [[demo ids..., input id], ...], "candidates": [[demo ids...], ...]}, in call order with
one evaluation thread.
"""
import json
import random
import sys


def labeled_few_shot(trainset, k, sample=True):
    k = min(k, len(trainset))
    return random.Random(0).sample(trainset, k) if sample else trainset[:k]


def bootstrap_few_shot(trainset, max_bootstrapped, max_labeled, calls):
    teacher = labeled_few_shot(trainset, max_labeled) if max_labeled else []
    augmented, bootstrapped = [], set()
    for idx, example in enumerate(trainset):
        if len(augmented) >= max_bootstrapped:
            break
        demos = [d for d in teacher if d != example]  # the teacher never sees its own example
        calls.append(demos + [example])
        augmented.append(example)  # every answer passes
        bootstrapped.add(idx)
    validation = [x for i, x in enumerate(trainset) if i not in bootstrapped]
    random.Random(0).shuffle(validation)
    rng = random.Random(0)
    size = max(0, min(max_labeled - len(augmented[:max_bootstrapped]), len(validation)))
    return augmented[:max_bootstrapped] + rng.sample(validation, size)


def random_search(trainset, valset, max_bootstrapped, max_labeled, num_candidates):
    calls, candidates = [], []
    for seed in range(-3, num_candidates):
        if seed == -3:
            demos = []
        elif seed == -2:
            demos = labeled_few_shot(trainset, max_labeled)
        elif seed == -1:
            demos = bootstrap_few_shot(trainset, max_bootstrapped, max_labeled, calls)
        else:
            shuffled = list(trainset)
            random.Random(seed).shuffle(shuffled)
            size = random.Random(seed).randint(1, max_bootstrapped)
            demos = bootstrap_few_shot(shuffled, size, max_labeled, calls)
        candidates.append(demos)
        for example in valset:  # dspy.Evaluate, one thread
            calls.append(demos + [example])
    return calls, candidates


def main():
    n_train, n_val, max_boot, max_labeled, num_candidates = (int(a) for a in sys.argv[1:6])
    ids = ["ex%d" % i for i in range(n_train + n_val)]
    calls, candidates = random_search(ids[:n_train], ids[n_train:], max_boot, max_labeled, num_candidates)
    json.dump({"calls": calls, "candidates": candidates}, sys.stdout)


if __name__ == "__main__":
    main()
