"""Budget: showing a 10 MB note safely (safe_text) takes under 1 s.

Prints the median of 5 runs per kind of text; run: python bench/safe_text.py
"""

from __future__ import annotations

import statistics
import time

from csm_tui.domain.text import safe_text

TEN_MB = 10_000_000
UNITS = {
    "plain ASCII with markup": "Acme Ltd [bold]renewal[/] notes ",
    "CJK and emoji": "阿里巴巴集团 续约 🎉 ",
    "CJK with escapes and newlines": "阿里巴巴\x1b[2J续约\n",
    "nothing but ESC": "\x1b",
    "every other char a bidi override": "阿\u202e",
}


def main() -> None:
    print("safe_text over 10 MB (budget < 1.0 s), median of 5 runs")
    for label, unit in UNITS.items():
        text = unit * (TEN_MB // len(unit))
        times = []
        for _ in range(5):
            start = time.perf_counter()
            safe_text(text)
            times.append(time.perf_counter() - start)
        print(f"  {label:<34} {statistics.median(times):6.3f} s  (min {min(times):.3f})")


if __name__ == "__main__":
    main()
