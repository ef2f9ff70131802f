"""Time re-anchoring after an edit against a plain baseline.

Run: python bench/bench_reanchor.py [N]   (N annotations, default 1000)
Builds a long article, puts N quotes on it, inserts a paragraph near the top,
changes a word in every tenth quote and deletes one quote in fifty, then
re-anchors every annotation (annotator.anchoring). The baseline, measured in
the same run, is the least any method must do: one str.find per quote.
Prints the time, the outcomes, and the ratio to the baseline.
"""

import sys
import time
from collections import Counter

from annotator.anchoring import PositionMap, reanchor
from annotator.text import quote_selector

WORDS = ("the minister said on Tuesday that 72 per cent of voters backed the plan while "
         "critics in the capital called the figure misleading and asked for the survey data").split()


def main(n):
    paragraphs = [" ".join(WORDS[(p * 7 + i) % len(WORDS)] for i in range(60)) + f" (paragraph {p})"
                  for p in range(n // 3 + 1)]
    old = "\n\n".join(paragraphs)
    spans = []
    for p in range(n):
        start = old.index(f"(paragraph {p % len(paragraphs)})")
        spans.append((start, start + len(f"(paragraph {p % len(paragraphs)})")))
    new_paragraphs = ["A new opening paragraph was added by the editor."] + list(paragraphs)
    for p in range(0, len(new_paragraphs), 10):
        new_paragraphs[p] = new_paragraphs[p].replace("(paragraph", "(para")
    new_paragraphs = [q for i, q in enumerate(new_paragraphs) if i % 50 != 25]
    new = "\n\n".join(new_paragraphs)

    selectors = [quote_selector(old, s, e) for s, e in spans]
    started = time.perf_counter()
    for sel in selectors:
        new.find(sel["exact"])
    baseline = time.perf_counter() - started

    started = time.perf_counter()
    position_map = PositionMap(old, new)
    diffed = time.perf_counter() - started
    outcomes = Counter()
    for (s, e), sel in zip(spans, selectors):
        outcomes[reanchor(new, s, e, sel["exact"], sel["prefix"], sel["suffix"], position_map).outcome] += 1
    total = time.perf_counter() - started
    print(f"{n} annotations on a {len(old):,}-character article; edit: +1 paragraph, every 10th quote changed, "
          f"every 50th paragraph deleted")
    print(f"re-anchoring: {total:.3f}s ({total / n * 1e3:.2f} ms per annotation; diff {diffed:.3f}s)")
    print(f"baseline (one str.find per quote): {baseline:.4f}s; ratio {total / baseline:.0f}x")
    print("outcomes:", dict(outcomes))

    # The worst case for a character diff: every paragraph of a long article in a new order.
    reordered = "\n\n".join(paragraphs[::-1])
    started = time.perf_counter()
    position_map = PositionMap(old, reordered)
    outcomes = Counter(reanchor(reordered, s, e, sel["exact"], sel["prefix"], sel["suffix"], position_map).outcome
                       for (s, e), sel in zip(spans, selectors))
    total = time.perf_counter() - started
    print(f"all {len(paragraphs)} paragraphs reversed: {total:.3f}s; outcomes: {dict(outcomes)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
