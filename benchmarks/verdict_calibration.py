"""False-verdict rates and power of the verdict rules in simulated worlds with known truth.

    python benchmarks/verdict_calibration.py [--worlds 400] [--grid-worlds 200]

Prints three tables (claimcheck.verdicts.calibration says how a world is drawn):
1. the bundled experiments' effect configurations: false rate of each direction verdict under no effect, and the
   power at the paper's claimed effect, per run-to-run SD;
2. the bundled value claims: false `refuted` (truth = claim) and false `verified` (truth on the tolerance edge);
3. the grid: seeds 1–5 × queries 100–5,000 × run SD 0–0.02, false rates under no effect and power at Δ 0.02
   and 0.05 (one dataset, query SD 0.15).
Rates are fractions of the worlds; ≤ 0.05 is the bound tests/verdicts/test_calibration.py holds.
"""

from __future__ import annotations

import argparse
import time

from claimcheck.models import Verdict
from claimcheck.verdicts.calibration import (
    BUNDLED_EFFECTS,
    BUNDLED_VALUES,
    NOISES,
    EffectConfig,
    effect_rates,
    false_effect_rates,
    false_value_rates,
    power,
    value_rates,
)


def bundled_effects(worlds: int) -> None:
    print("## bundled effect configurations (no effect → false rates; paper's effect → power)\n")
    print("| configuration | seeds | queries | run SD | false claimed-side | false opposite-side | power at paper |")
    print("|---|---|---|---|---|---|---|")
    for cfg in BUNDLED_EFFECTS:
        for noise in NOISES:
            rates = list(false_effect_rates(effect_rates(cfg, noise, 0.0, worlds, seed=1), cfg.scale).values())
            if cfg.paper_effect is None:
                at_paper = "— (no size in the source)"
            else:
                p = power(effect_rates(cfg, noise, cfg.paper_effect, worlds, seed=2), cfg.scale)
                at_paper = f"{p:.3f} at Δ {cfg.paper_effect:g} ({cfg.paper_source})"
            print(f"| {cfg.name} | {cfg.seeds} | {'+'.join(map(str, cfg.queries))} | {noise.run_sd:g} "
                  f"| {rates[0]:.3f} | {rates[1]:.3f} | {at_paper} |")  # fmt: skip
    print()


def bundled_values(worlds: int) -> None:
    print("## bundled value claims (power: `verified` when the truth equals the claim)\n")
    print("| claim | seeds | tolerance | interval over | run SD | false refuted | false verified | power |")
    print("|---|---|---|---|---|---|---|---|")
    for cfg in BUNDLED_VALUES:
        # a released checkpoint has no run SD, and a claim with its own run SD ignores the noise's
        noises = NOISES[:1] if cfg.drift or cfg.run_sd is not None else NOISES
        for noise in noises:
            rates = false_value_rates(cfg, noise, worlds, seed=3)
            true = value_rates(cfg, noise, 0.0, worlds, seed=4)[Verdict.VERIFIED]
            over = f"drift ±{cfg.drift:g}" if cfg.drift else "seeds (t)"
            run_sd = "—" if cfg.drift else f"{cfg.run_sd if cfg.run_sd is not None else noise.run_sd:g}"
            print(f"| {cfg.name} | {cfg.seeds} | ±{cfg.tolerance:g} | {over} | {run_sd} "
                  f"| {rates['refuted']:.3f} | {rates['verified']:.3f} | {true:.3f} |")  # fmt: skip
    print()


def grid(worlds: int) -> None:
    print("## grid (proxy direction rule, one dataset, query SD 0.15)\n")
    print("| seeds | queries | run SD | false reproduced | false not-reproduced | power Δ 0.02 | power Δ 0.05 |")
    print("|---|---|---|---|---|---|---|")
    for seeds in range(1, 6):
        for queries in (100, 500, 1000, 5000):
            for noise in NOISES:
                cfg = EffectConfig("grid", "-", "proxy", seeds, (queries,), None)
                null = list(false_effect_rates(effect_rates(cfg, noise, 0.0, worlds, seed=4), "proxy").values())
                p2 = power(effect_rates(cfg, noise, 0.02, worlds, seed=5), "proxy")
                p5 = power(effect_rates(cfg, noise, 0.05, worlds, seed=6), "proxy")
                print(f"| {seeds} | {queries} | {noise.run_sd:g} | {null[0]:.3f} | {null[1]:.3f} | {p2:.3f} "
                      f"| {p5:.3f} |")  # fmt: skip
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worlds", type=int, default=400, help="worlds per bundled cell")
    parser.add_argument("--grid-worlds", type=int, default=200, help="worlds per grid cell")
    args = parser.parse_args()
    t0 = time.perf_counter()
    bundled_effects(args.worlds)
    bundled_values(args.worlds)
    grid(args.grid_worlds)
    print(f"{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
