"""Prototype of a "rounded crests" sign for `signal/limited` (a static curve such as sox
`gain -l`), measured on the evaluation set and dropped: LIMITER-DESIGN.md, "A static curve
rounds the crests (measured, not separable)". Prints, per group of files, the 10th, 50th and
90th percentiles of each figure, and the unprocessed files that read under the median of
`gain -l` 6 dB.

Usage: curvature_proto.py SET_DIR LABELS

At a crest a static curve y = f(x) scales the second derivative by f'(x) and the level by
f(x)/x, so the loud crests of its output are rounder than the waveform under them. The figure,
per window of W samples and channel: the mean of -y''·sgn(y) over |y| among the samples at
0.8 of the window's peak or more, against the same among the samples at 0.3-0.6 of it (y'' the
second difference). A sine reads 1 at every level (-y'' = 2(1 - cos w)·y), and so does a
stationary Gaussian signal (E[-x'' | x = a] = a·m2/m0). Pooled over the loudest quarter of
windows within 20 dB of the loudest; W = 96, 256 and 1024 samples, the largest of the three
taken (a kick's half-cycle is longer than the short windows, a kit's hits change within the
long ones).
- rounding: that figure over the loudest quarter;
- growth: the natural log of the loudest quarter's figure against that of the windows 6-14 dB
  under the loudest (each scale; the largest reported), how much rounder the loud crests are
  than the quieter ones of the same file."""

import csv
import os
import sys

import numpy as np

import audio

SCALES = (96, 256, 1024)


def sums(x, w):
    """-> per window (all channels): peak dB under the file's, and the four band sums."""
    cols = []
    for c in range(x.shape[1]):
        y = x[:, c].astype(np.float64)
        n = (len(y) - 2) // w * w
        if n < w:
            continue
        mid = y[1:n + 1]
        bend = -(y[0:n] - 2 * mid + y[2:n + 2])
        ys, bs = mid.reshape(-1, w), bend.reshape(-1, w)
        peak = np.abs(ys).max(axis=1)
        rel = np.abs(ys) / np.maximum(peak, 1e-12)[:, None]
        sign = np.sign(ys)
        top, low = rel >= 0.8, (rel >= 0.3) & (rel < 0.6)
        cols.append(np.stack([peak, (bs * sign * top).sum(1), (np.abs(ys) * top).sum(1),
                              (bs * sign * low).sum(1), (np.abs(ys) * low).sum(1)], axis=1))
    if not cols:
        return None
    s = np.concatenate(cols)
    s[:, 0] = 20 * np.log10(np.maximum(s[:, 0], 1e-12) / max(s[:, 0].max(), 1e-12))
    return s


def ratio(s, pick):
    t = s[pick].sum(axis=0)
    # A band without curvature (a square's edges) leaves the figure undefined, not huge.
    if pick.sum() < 4 or t[2] <= 0 or t[4] <= 0 or t[3] <= 1e-6 * t[4]:
        return np.nan
    return (t[1] / t[2]) / (t[3] / t[4])


def figures(x):
    rounding, growth = [], []
    for w in SCALES:
        s = sums(x, w)
        if s is None:
            continue
        live = s[:, 0] > -60
        if not live.any():
            continue
        loud = (s[:, 0] >= np.quantile(s[live, 0], 0.75)) & (s[:, 0] > -20)
        lower = (s[:, 0] < -6) & (s[:, 0] >= -14)
        r, q = ratio(s, loud), ratio(s, lower)
        rounding.append(r)
        growth.append(np.log(r / q) if r > 0 and q > 0 else np.nan)
    top = lambda v: np.nanmax(v) if v and not np.all(np.isnan(v)) else np.nan
    return top(rounding), top(growth)


def main():
    set_dir, labels = sys.argv[1], sys.argv[2]
    rows = []
    with open(labels) as f:
        for row in csv.reader(f, delimiter="\t"):
            if (len(row) == 5 and not row[0].startswith("#") and row[3] in ("fire", "quiet")
                    and "signal/limited" in row[2].split(",")):
                rows.append(row)
    groups, lows = {}, []
    for delivery, name, _, label, kind in rows:
        a, _ = audio.read_wav(os.path.join(set_dir, delivery, name))
        with np.errstate(divide="ignore", invalid="ignore"):
            r, g = figures(audio.as2d(a))
        group = ("unprocessed" if label == "quiet" else "gain -l, 6 dB" if "GainL6" in name
                 else "gain -l, 10 dB or more" if kind.startswith("gain-l")
                 else "other limited")
        groups.setdefault(group, []).append((r, g))
        if label == "quiet":
            lows.append((r, delivery + "/" + name, kind))
    print("%-24s %5s  %-20s %-20s" % ("group", "files", "rounding p10/50/90", "growth p10/50/90"))
    for group in sorted(groups):
        v = np.array(groups[group])
        print("%-24s %5d  %s  %s" % (group, len(v), *("%6.2f %6.2f %6.2f" % tuple(np.nanpercentile(v[:, i], [10, 50, 90])) for i in (0, 1))))
    cut = np.nanmedian(np.array(groups.get("gain -l, 6 dB", [(np.nan, np.nan)]))[:, 0])
    under = sorted((t for t in lows if t[0] < cut), key=lambda t: t[0])
    print("unprocessed files reading under gain -l 6 dB's median (%.2f): %d" % (cut, len(under)))
    for r, name, kind in under:
        print("  %.2f  %s (%s)" % (r, name, kind))


if __name__ == "__main__":
    sys.exit(main())
