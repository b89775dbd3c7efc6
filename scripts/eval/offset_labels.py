"""The DC-offset labels of the recorded sources (tracks-bounced, tracks-freesound,
tracks-holdout4), from one definition stated before the rule's quiet-block figure was scored:

    A source carries a DC offset when the offset is a constant of the recording: the quietest
    quarter of its 20 ms blocks with sound (RMS at least -60 dBFS) averages at least half of
    the source's mean, with its sign, or is mostly the offset (their mean at least half their
    RMS: a fade-out at the end of a sample scales its offset with the rest). The delivered file
    must also average at least -50 dBFS (the rule's threshold) for the label to be fire.

A converter's or a sample's offset sits under the decayed tail as under the attack; the mean of
an asymmetric hit (a kick whose first half-cycle is its largest) comes from its loud part and
dies away with it. Read at the source's own rate, before any looping or rate conversion.

The second clause came with tracks-holdout4: tabla_ghe2 carries -3 % under its whole decay and
fades it out with the tone over its last 0.8 s, which filled the quietest quarter. It changes
no label of the sets before.

The bounces of `--labels` are read as delivered (as the mixes of `--mix-labels` always were),
not as their one-shot before it is placed: what a mixing engineer receives is the bounce, whose
next hit covers the one-shot's very end. Read on its source, `elec_twang` (0.2 % off zero under
its decay, back at zero in its last 0.15 s) and `tabla_ghe4` with 1.5 % baked in (-1.2 % in
every window of its bounce, its source's very end past its own faded -2.5 % leaning the other
way) were labelled quiet though their bounces carry a steady offset. Read as delivered, those
two labels of the 295 change and no other does (every set's files checked).

Usage: python3 scripts/eval/offset_labels.py  (one line per source whose mean is within 6 dB
of the threshold or over it), or
       python3 scripts/eval/offset_labels.py --mix-labels SET
(the signal/dc-offset lines of the 36 dry mixes of tracks-mixes and tracks-holdout3, each mix
its own source, read as rendered), or
       python3 scripts/eval/offset_labels.py --labels SET/tracks-holdout5 HOLDOUT5_ONE_SHOTS
(the labels.tsv lines of a delivery built by build.bounced_holdout: every signal rule quiet
on the bounces, signal/limited fire on the `_ALim6` patterns, whose build measures 5.4-7 dB
off the peaks, and signal/dc-offset as defined above, every bounce read as delivered), or
       python3 scripts/eval/offset_labels.py --delivery-labels SET/tracks-mono-in-stereo2
(the signal/dc-offset verdict of each file of a delivery, read as delivered, with its mean)."""

import os
import subprocess
import sys
import tempfile

import numpy as np

import audio
import sources
from sources import BOUNCED_ONE_SHOTS, FREESOUND_STEREO, HOLDOUT4_ONE_SHOTS

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
    """(the largest channel mean, whether it is a constant of the recording or None when no
    block has sound)."""
    means = x.mean(axis=0)
    channel = int(np.argmax(np.abs(means)))
    mean = means[channel]
    s = x[:, channel] * np.sign(mean)
    n = int(rate * BLOCK_SECONDS)
    blocks = s[: len(s) // n * n].reshape(-1, n)
    block_means = blocks.mean(axis=1)
    block_rms = np.sqrt((blocks * blocks).mean(axis=1))
    sounding = block_rms >= FLOOR
    if mean == 0 or not sounding.any():
        return mean, None
    order = np.argsort(block_rms[sounding])
    quiet = order[: max(1, len(order) // 4)]
    quiet_mean = block_means[sounding][quiet].mean()
    quiet_rms = np.sqrt((block_rms[sounding][quiet] ** 2).mean())
    return mean, quiet_mean >= abs(mean) / 2 or quiet_mean >= quiet_rms / 2


def bounced_labels(root, one_shots):
    """labels.tsv lines for the files of a `build.bounced_holdout` delivery in `root`."""
    delivery = os.path.basename(os.path.normpath(root))
    kept = ["signal/limited", "signal/clipping", "signal/dc-offset", "signal/silent",
            "signal/padded-bit-depth"]
    lines = []
    for fname in sorted(f for f in os.listdir(root) if f.endswith(".wav")):
        name = one_shots[int(fname[:2])]
        if fname.endswith("_ALim6.wav"):
            lines.append((fname, "signal/limited", "fire", "alimiter/bounced-hits"))
            continue
        delivered, rate = audio.read_wav(os.path.join(root, fname))
        if fname.endswith("_Sample_DC.wav"):
            kind = "offset-in-sample"
        elif fname.endswith("_Converter_DC.wav"):
            kind = "converter-offset"
        else:
            kind = "offset-in-sample/" + name
        _, offset = verdict(delivered, rate)
        offset = bool(offset) and np.max(np.abs(delivered.mean(axis=0))) >= LIMIT
        one_velocity = "Humanised" not in fname and not fname.endswith("_DC.wav")
        rules = [rule for rule in kept if not (offset and rule == "signal/dc-offset")]
        if offset:
            lines.append((fname, "signal/dc-offset", "fire", kind))
        lines.append((fname, ",".join(rules), "quiet",
                      "bounced-repeated-hit" if one_velocity else "bounced-humanised-hits"))
    for fname, rules, expect, kind in lines:
        print("\t".join([delivery, fname, rules, expect, kind]))


def mix_labels(root):
    """labels.tsv lines for the dry mixes of a set built by `build.py` in `root`: a mix is its
    own source (its pads' General MIDI samples carry offsets), read as rendered."""
    for delivery, pattern, count in (("tracks-mixes", "%02d_Dry.wav", 24),
                                     ("tracks-holdout3", "Mix%02d_Dry.wav", 12)):
        for index in range(count):
            fname = pattern % index
            x, rate = audio.read_wav(os.path.join(root, delivery, fname))
            _, offset = verdict(x, rate)
            fire = bool(offset) and np.max(np.abs(x.mean(axis=0))) >= LIMIT
            print("\t".join([delivery, fname, "signal/dc-offset", "fire" if fire else "quiet",
                             "offset-in-mix" if fire else "mix"]))


def delivery_labels(root):
    """The signal/dc-offset verdict of every file of a delivery, read as delivered (the
    mono-in-stereo sets, whose General MIDI renders carry their samples' offsets)."""
    delivery = os.path.basename(os.path.normpath(root))
    for fname in sorted(f for f in os.listdir(root) if f.endswith(".wav")):
        x, rate = audio.read_wav(os.path.join(root, fname))
        mean, offset = verdict(x, rate)
        fire = bool(offset) and abs(mean) >= LIMIT
        print("\t".join([delivery, fname, "signal/dc-offset", "fire" if fire else "quiet",
                         "%.3f %%" % (100 * abs(mean))]))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--delivery-labels":
        return delivery_labels(sys.argv[2])
    if len(sys.argv) == 4 and sys.argv[1] == "--labels":
        return bounced_labels(sys.argv[2], getattr(sources, sys.argv[3]))
    if len(sys.argv) == 3 and sys.argv[1] == "--mix-labels":
        return mix_labels(sys.argv[2])
    for name in BOUNCED_ONE_SHOTS + FREESOUND_STEREO + HOLDOUT4_ONE_SHOTS:
        mean, offset = verdict(*native(name))
        if offset is None or abs(mean) < LIMIT / 2:
            continue
        label = "offset" if offset else "no offset"
        print(f"{name:18s} mean {100 * abs(mean):.2f} %  {label}")


if __name__ == "__main__":
    sys.exit(main())
