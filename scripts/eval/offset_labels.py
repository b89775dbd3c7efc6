"""The DC-offset labels of the recorded sources (tracks-bounced, tracks-freesound), from one
definition stated before the rule's quiet-block figure was scored:

    A source carries a DC offset when its largest channel mean is at least -50 dBFS and the
    offset is a constant of the recording: the quietest quarter of its 20 ms blocks with sound
    (RMS at least -60 dBFS) averages at least half of the source's mean, with its sign.

A converter's or a sample's offset sits under the decayed tail as under the attack; the mean of
an asymmetric hit (a kick whose first half-cycle is its largest) comes from its loud part and
dies away with it. Read at the source's own rate, before any looping or rate conversion; the
delivered file must also still average above -50 dBFS for the label to be fire.

Usage: python3 scripts/eval/offset_labels.py  (prints one line per source whose mean is over
the threshold)."""

import os
import subprocess
import sys
import tempfile

import numpy as np

import audio
from sources import BOUNCED_ONE_SHOTS, FREESOUND_STEREO

LIMIT = 10 ** (-50 / 20)
FLOOR = 10 ** (-60 / 20)
BLOCK_SECONDS = 0.02


def native(name):
    """The sample at its own rate and channel count: (frames, channels), rate."""
    path = os.path.join(audio.samples_dir(), name + ".flac")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "x.wav")
        subprocess.run(["sox", path, "-e", "floating-point", "-b", "32", out], check=True)
        return audio.read_wav(out)


def verdict(x, rate):
    means = x.mean(axis=0)
    channel = int(np.argmax(np.abs(means)))
    mean = means[channel]
    if abs(mean) < LIMIT:
        return mean, None
    s = x[:, channel] * np.sign(mean)
    n = int(rate * BLOCK_SECONDS)
    blocks = s[: len(s) // n * n].reshape(-1, n)
    block_means = blocks.mean(axis=1)
    block_rms = np.sqrt((blocks * blocks).mean(axis=1))
    sounding = block_rms >= FLOOR
    order = np.argsort(block_rms[sounding])
    quiet = order[: max(1, len(order) // 4)]
    return mean, block_means[sounding][quiet].mean() / abs(mean)


def main():
    for name in BOUNCED_ONE_SHOTS + FREESOUND_STEREO:
        mean, share = verdict(*native(name))
        if share is None:
            continue
        label = "offset" if share >= 0.5 else "no offset"
        print(f"{name:18s} mean {100 * abs(mean):.2f} %  quiet quarter {share:+.2f}  {label}")


if __name__ == "__main__":
    sys.exit(main())
