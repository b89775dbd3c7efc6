"""The signal/phase labels of the stereo files that had none, from the consequence the rule is
about, measured on the files as written (numpy, not stemlint), stated before it was scored:

    The part folded to mono, (L + R) / 2, against the channels' mean power: fire where it is
    7 dB or more under them (the channels cancel: two channels that shared nothing would be
    3 dB under), quiet where it is 5 dB or less under; between, `any` (the rule's default,
    correlation -0.5 at equal levels, sits at 6 dB).

Usage: python3 scripts/eval/phase_labels.py SET LABELS  (labels.tsv lines for every stereo
file of the set's deliveries that LABELS gives no signal/phase row, and on stderr each fire)."""

import csv
import os
import sys

import numpy as np

import audio

FIRE_DB, QUIET_DB = 7.0, 5.0


def fold_db(path):
    """How far the mono fold-down is under the channels' mean power, dB (None: not stereo or
    a silent channel)."""
    x, _ = audio.read_wav(path)
    if x.shape[1] != 2:
        return None
    x = x - x.mean(axis=0)
    channels = (x * x).mean(axis=0)
    if channels.min() <= 0:
        return None
    mono = ((x[:, 0] + x[:, 1]) / 2) ** 2
    return -10 * np.log10(max(mono.mean(), 1e-30) / channels.mean())


def main():
    root, labels_path = sys.argv[1], sys.argv[2]
    labelled = set()
    with open(labels_path) as f:
        for row in csv.reader(f, delimiter="\t"):
            if len(row) >= 3 and not row[0].startswith("#") and "signal/phase" in row[2].split(","):
                labelled.add((row[0], row[1]))
    for delivery in sorted(os.listdir(root)):
        folder = os.path.join(root, delivery)
        if not os.path.isdir(folder) or not delivery.startswith("tracks-"):
            continue
        for fname in sorted(f for f in os.listdir(folder) if f.endswith(".wav")):
            if (delivery, fname) in labelled:
                continue
            drop = fold_db(os.path.join(folder, fname))
            if drop is None:
                continue
            expect = "fire" if drop >= FIRE_DB else "quiet" if drop <= QUIET_DB else "any"
            kind = "anti-phase-render" if expect != "quiet" else "stereo"
            if expect != "quiet":
                print("%s/%s: mono fold-down %.1f dB under" % (delivery, fname, drop), file=sys.stderr)
            print("\t".join([delivery, fname, "signal/phase", expect, kind]))


if __name__ == "__main__":
    sys.exit(main())
