"""Prototype of the `signal/limited` statistics designed in LIMITER-DESIGN.md, run on the
evaluation set: prints every labelled case's figures and verdict, and the score.

Usage: limiter_proto.py SET_DIR LABELS [--window-ms 50] [--grid]

The statistics are computed the way the Rust accumulator would: one pass of non-overlapping
windows, each window reduced to its peak and mean square, those binned into two level
histograms (0.05 dB bins) plus a crest sum per peak bin. Nothing else is kept, so memory does
not depend on the file's length."""

import csv
import itertools
import os
import sys

import numpy as np

import audio

BIN_DB = 0.05
LOW_DB, HIGH_DB = -150.0, 30.0
BINS = int((HIGH_DB - LOW_DB) / BIN_DB)

# The operating point (see LIMITER-DESIGN.md).
POINT = dict(
    live_db=50.0,  # windows whose peak is within this of the loudest window's peak
    wall_db=0.2,  # a window at the ceiling: its peak within this of the loudest
    band_db=3.0,  # the band the wall is measured against
    min_wall_windows=8,  # at least this many windows (0.4 s) at the ceiling
    min_wall_share=0.4,  # share of the band's windows that sit at the ceiling
    min_approach=0.3,  # windows just under the ceiling (in the band, not at it) per wall window...
    dense_share=0.5,  # ...unless the wall holds this share of all live windows
    tone_crest_db=5.5,  # window crest under this: a steady waveform (sine 3, saw 4.8)
    tone_crest_sd_db=0.4,  # wall windows whose crest varies less than this: a steady waveform
    min_body_spread_db=2.0,  # the upper quarter's RMS spread under this: steady level
    max_peak_ratio=0.45,  # upper-quarter peak spread / RMS spread at or below this
    max_peak_spread_db=2.5,  # ...and the peaks' own spread at most this
    squashed_crest_db=2.5,  # upper-quarter windows squarer than this (a sine is 3.01)
    shape_half=16,  # the waveform around each wall window's peak: this many samples either side
    same_shape_db=-40.0,  # two such shapes differing by less than this (RMS, dB) are the same
    max_repeat_share=0.98,  # share of the loudest windows whose shape recurs above which it is a loop
    max_shapes=256,  # shapes kept (the streaming accumulator's bound)
    min_windows=40,  # files shorter than 2 s get no verdict
)


def bin_of(level_db):
    return np.clip(((level_db - LOW_DB) / BIN_DB).astype(np.int64), 0, BINS - 1)


def level_of(b):
    """The middle of bin b, dB."""
    return LOW_DB + (b + 0.5) * BIN_DB


class Accumulator:
    """What the streaming pass keeps: window peak histogram, window RMS histogram, crest sum
    per peak bin."""

    def __init__(self):
        self.peaks = np.zeros(BINS, np.int64)
        self.rms = np.zeros(BINS, np.int64)
        self.crest_sum = np.zeros(BINS)
        self.crest_sq = np.zeros(BINS)

    def push_windows(self, peak, mean_square, shapes):
        ok = peak > 0
        # the shapes of the windows that may still be at the ceiling (the Rust accumulator
        # prunes as the running peak rises, and keeps at most max_shapes)
        self.shape_peaks = peak[ok]
        self.shapes = shapes[ok]
        p_db = 20 * np.log10(peak[ok])
        r_db = 10 * np.log10(mean_square[ok])
        pb, rb = bin_of(p_db), bin_of(r_db)
        np.add.at(self.peaks, pb, 1)
        np.add.at(self.rms, rb, 1)
        np.add.at(self.crest_sum, pb, p_db - r_db)
        np.add.at(self.crest_sq, pb, (p_db - r_db) ** 2)


def windows(x, rate, ms):
    """-> per window: peak (over all channels), mean square (over all channels), and the
    waveform around the peak (SHAPE_HALF samples either side, in the peak's channel)."""
    w = int(round(rate * ms / 1000))
    n = len(x) // w
    y = x[: n * w]
    peak = np.abs(y.reshape(n, w, -1)).max(axis=(1, 2))
    mean_square = np.square(y.reshape(n, w, -1)).mean(axis=(1, 2))
    h = POINT["shape_half"]
    shapes = np.zeros((n, 2 * h))
    flat = np.abs(y)
    for i in range(n):
        block = flat[i * w:(i + 1) * w]
        at = int(np.argmax(block.max(axis=1)))
        ch = int(np.argmax(block[at]))
        pos = i * w + at
        seg = y[max(0, pos - h):pos + h, ch]
        start = h - (pos - max(0, pos - h))
        shapes[i, start:start + len(seg)] = seg
    return peak, mean_square, shapes


def rank_from_top(hist, rank):
    """The level (bin middle) of the window at `rank` (1 = loudest) in a histogram."""
    c = np.cumsum(hist[::-1])
    i = int(np.searchsorted(c, rank))
    return level_of(BINS - 1 - i)


def statistics(acc, point=POINT):
    """The figures of the design, from the accumulator alone."""
    nonzero = np.nonzero(acc.peaks)[0]
    if len(nonzero) == 0:
        return None
    top = nonzero[-1]
    pmax = level_of(top)
    live_from = bin_of(np.array(pmax - point["live_db"]))
    wall_from = bin_of(np.array(pmax - point["wall_db"]))
    band_from = bin_of(np.array(pmax - point["band_db"]))
    n = int(acc.peaks[live_from:].sum())
    wall_n = wall_all = int(acc.peaks[wall_from:].sum())
    band_n = int(acc.peaks[band_from:].sum())
    wall_crest = acc.crest_sum[wall_from:].sum() / wall_all
    wall_crest_sd = np.sqrt(max(0.0, acc.crest_sq[wall_from:].sum() / wall_all - wall_crest ** 2))
    q75, q98 = max(1, n // 4), max(1, n // 50)
    p75, p98 = rank_from_top(acc.peaks, q75), rank_from_top(acc.peaks, q98)
    r75, r98 = rank_from_top(acc.rms, q75), rank_from_top(acc.rms, q98)
    wall_lin = 10 ** ((pmax - point["wall_db"] - BIN_DB) / 20)
    keep = acc.shape_peaks >= wall_lin
    shapes = acc.shapes[keep][: point["max_shapes"]]
    repeat_share = 0.0
    if len(shapes) >= 2:
        energy = np.sqrt(np.mean(shapes ** 2, axis=1))
        diff = np.sqrt(np.mean((shapes[:, None, :] - shapes[None, :, :]) ** 2, axis=2))
        same = diff <= energy[:, None] * 10 ** (point["same_shape_db"] / 20)
        np.fill_diagonal(same, False)
        repeat_share = float(same.any(axis=1).mean())
    p75_bin = bin_of(np.array(p75))
    upper_crest = acc.crest_sum[p75_bin:].sum() / max(1, acc.peaks[p75_bin:].sum())
    sp, sr = p98 - p75, r98 - r75
    return dict(windows=n, wall_n=wall_n, wall=wall_n / band_n, wall_crest=wall_crest, wall_crest_sd=wall_crest_sd,
                approach=(band_n - wall_all) / wall_all, density=wall_n / n, repeats=repeat_share,
                peak_spread=sp, body_spread=sr, ratio=sp / sr if sr > 0 else float("inf"),
                upper_crest=upper_crest)


def verdict(s, point=POINT):
    """-> (limited?, which detector)."""
    if s is None or s["windows"] < point["min_windows"]:
        return False, "-"
    if s["repeats"] > point["max_repeat_share"]:
        return False, "repeated"
    if (s["wall_n"] >= point["min_wall_windows"] and s["wall"] >= point["min_wall_share"]
            and s["wall_crest"] >= point["tone_crest_db"] and s["wall_crest_sd"] >= point["tone_crest_sd_db"]
            and (s["approach"] >= point["min_approach"] or s["density"] >= point["dense_share"])):
        return True, "wall"
    if s["body_spread"] >= point["min_body_spread_db"]:
        if (s["ratio"] <= point["max_peak_ratio"] and s["peak_spread"] <= point["max_peak_spread_db"]
                and s["upper_crest"] >= point["tone_crest_db"]):
            return True, "peaks"
        if s["upper_crest"] <= point["squashed_crest_db"]:
            return True, "squashed"
    return False, "-"


def labelled(labels):
    rows = []
    with open(labels) as f:
        for r in csv.reader(f, delimiter="\t"):
            if len(r) != 5 or r[0].startswith("#") or r[1] in ("-", "*"):
                continue
            if "signal/limited" in r[2].split(","):
                rows.append((r[0], r[1], r[3], r[4]))
    return rows


def main(argv):
    set_dir, labels = argv[1], argv[2]
    ms = float(argv[argv.index("--window-ms") + 1]) if "--window-ms" in argv else 50.0
    cases = []
    for d, f, expect, kind in labelled(labels):
        x, rate = audio.read_wav(os.path.join(set_dir, d, f))
        acc = Accumulator()
        acc.push_windows(*windows(x, rate, ms))
        cases.append((d, f, expect, kind, acc))

    def score(point):
        tp = fp = fn = tn = 0
        for d, f, expect, kind, acc in cases:
            fired, _ = verdict(statistics(acc, point), point)
            if expect == "fire":
                tp += fired
                fn += not fired
            elif expect == "quiet":
                fp += fired
                tn += not fired
        return tp, fp, fn, tn

    if "--grid" in argv:
        grid = dict(min_wall_share=[0.3, 0.4, 0.5], min_approach=[0.2, 0.3, 0.4], dense_share=[0.4, 0.5, 0.6],
                    tone_crest_db=[5.0, 5.5, 6.0],
                    max_peak_ratio=[0.35, 0.4, 0.45, 0.5], max_peak_spread_db=[1.5, 2.0, 2.5, 3.0],
                    min_body_spread_db=[1.0, 1.5, 2.0, 2.5], squashed_crest_db=[2.0, 2.5, 2.9])
        keys = list(grid)
        results = []
        for values in itertools.product(*(grid[k] for k in keys)):
            point = dict(POINT, **dict(zip(keys, values)))
            tp, fp, fn, tn = score(point)
            results.append((fp, fn, values))
        results.sort()
        print("fp fn  " + " ".join(keys))
        for fp, fn, values in results[:40]:
            print("%2d %2d  %s" % (fp, fn, values))
        return 0

    print("%-5s %-46s %4s %4s %5s %5s %5s %5s %5s %6s %6s %5s %6s  %s" % (
        "exp", "case", "n", "wall", "share", "appr", "dens", "wcr", "wsd", "sP", "sR", "U", "ucr", "verdict") + "  repeats")
    for d, f, expect, kind, acc in sorted(cases, key=lambda c: (c[2], c[0], c[1])):
        s = statistics(acc)
        fired, why = verdict(s)
        mark = "" if expect == "any" or fired == (expect == "fire") else "  <-- WRONG"
        print("%-5s %-46s %4d %4d %5.2f %5.2f %5.2f %5.1f %5.2f %6.2f %6.2f %5.2f %6.1f  %s%s" % (
            expect, (d + "/" + f)[:46], s["windows"], s["wall_n"], s["wall"], s["approach"], s["density"],
            s["wall_crest"], s["wall_crest_sd"],
            s["peak_spread"], s["body_spread"], s["ratio"], s["upper_crest"],
            why if fired else ("quiet" if why == "-" else why), mark) + "  %.2f" % s["repeats"])
    tp, fp, fn, tn = score(POINT)
    print("\nsignal/limited (prototype, %g ms windows): %d cases, %d true positives, %d false positives, "
          "%d misses, %d true negatives" % (ms, tp + fp + fn + tn, tp, fp, fn, tn))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
