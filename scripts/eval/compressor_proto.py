"""Prototype of a "steady level with transients" sign for `signal/limited` (a fast compressor
on a mix), measured on the evaluation set and dropped: LIMITER-DESIGN.md, "A fast compressor
on a mix". Prints, per group of files, the range of each figure, and every unprocessed file
that passes the gates.

Usage: compressor_proto.py SET_DIR LABELS

Figures (first channels' mean where a band is read, all channels for levels):
- range: the 90th minus the 10th percentile of the 100 ms windows' level, over the windows
  within 40 dB of the loudest, dB (how far the level moves);
- transients: 5 ms blocks whose first-difference energy is at least 9 dB over the mean of the
  four blocks before, within 30 dB of the loudest block, at least 50 ms after the last one
  counted, per second;
- brightness swing: the 90th minus the 10th percentile of the first difference's level minus
  the level, per 100 ms window of the channels' mean, dB (how far the spectral balance moves).
The gates tried: range at most 3.75 dB, at least 0.6 transients a second, and the rule's own
figures for a tone or a loop (loudest quarter's crest at least 7 dB, periodicity at most 0.7,
repeat and loudest-quarter loop shares at most 0.5, 40 windows or more)."""

import csv
import json
import os
import subprocess
import sys

import numpy as np

import audio

LIVE_DB = 40.0
MAX_RANGE_DB = 3.75
MIN_TRANSIENTS = 0.6


def levels(x, rate, ms=100):
    w = rate * ms // 1000
    n = len(x) // w
    x = x[: n * w]
    squares = (x * x).reshape(n, -1).mean(axis=1)
    return 10 * np.log10(np.maximum(squares, 1e-30))


def figures(a, rate):
    lev = levels(a, rate)
    live = lev >= lev.max() - LIVE_DB
    level_range = np.percentile(lev[live], 90) - np.percentile(lev[live], 10)
    b = rate // 200
    d = np.diff(a, axis=0, prepend=np.zeros((1, a.shape[1])))
    m = len(d) // b
    energy = (d[: m * b] ** 2).sum(axis=1).reshape(m, b).sum(axis=1)
    floor = energy.max() * 10 ** (-30 / 10)
    count, last = 0, -99
    for i in range(4, m):
        if energy[i] >= energy[i - 4:i].mean() * 10 ** 0.9 and i - last >= 10:
            last = i
            count += energy[i] >= floor
    mean = a.mean(axis=1)
    mid = levels(mean, rate)
    ok = mid >= mid.max() - LIVE_DB
    bright = levels(np.diff(mean, prepend=0.0), rate) - mid
    swing = np.percentile(bright[ok], 90) - np.percentile(bright[ok], 10)
    return level_range, count / (len(a) / rate), swing


def main():
    set_dir, labels = sys.argv[1], sys.argv[2]
    expect = {}
    with open(labels) as f:
        for row in csv.reader(f, delimiter="\t"):
            if len(row) == 5 and not row[0].startswith("#") and "signal/limited" in row[2].split(","):
                expect[(row[0], row[1])] = (row[3], row[4])
    deliveries = sorted({d for d, _ in expect})
    stemlint = os.environ.get("STEMLINT", "target/release/stemlint")
    report = json.loads(subprocess.run(
        [stemlint, "check", "--format", "json", "--no-cache", "--no-progress"]
        + [os.path.join(set_dir, d) for d in deliveries], stdout=subprocess.PIPE, check=False).stdout)
    groups = {}
    for delivery in report["deliveries"]:
        name = os.path.basename(delivery["root"].rstrip("/"))
        for f in delivery["files"]:
            if (name, f["path"]) not in expect or not f["analysis"].get("limiter"):
                continue
            label, kind = expect[(name, f["path"])]
            a, rate = audio.read_wav(os.path.join(set_dir, name, f["path"]))
            level_range, transients, swing = figures(a, rate)
            lim, duck = f["analysis"]["limiter"], f["analysis"].get("ducking") or {}
            not_tone = (lim["upper_crest_db"] >= 7.0 and (duck.get("periodicity") or 0) <= 0.7
                        and lim["repeat_share"] <= 0.5 and lim["upper_loop_share"] <= 0.5
                        and lim["windows"] >= 40)
            passes = not_tone and level_range <= MAX_RANGE_DB and transients >= MIN_TRANSIENTS
            group = ("compressor on a mix" if "Comp_Hard" in f["path"] and kind.endswith("/mix")
                     else "dry mix" if kind == "mix" else kind.split("/")[0] if label != "fire"
                     else "other limited")
            groups.setdefault(group, []).append((level_range, transients, swing))
            if passes and label == "quiet":
                print("passes, unprocessed: %s/%s (%s) range %.2f dB, %.1f transients/s, swing %.2f dB"
                      % (name, f["path"], kind, level_range, transients, swing))
    print("%-28s %5s  %-14s %-14s %-14s" % ("group", "files", "range dB", "transients/s", "swing dB"))
    for group in sorted(groups):
        v = np.array(groups[group])
        print("%-28s %5d  %5.2f - %5.2f  %5.1f - %5.1f  %5.2f - %5.2f"
              % (group, len(v), v[:, 0].min(), v[:, 0].max(), v[:, 1].min(), v[:, 1].max(),
                 v[:, 2].min(), v[:, 2].max()))


if __name__ == "__main__":
    sys.exit(main())
