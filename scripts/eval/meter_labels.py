"""The signal/loudness and signal/true-peak labels of `film-meters` (build.film_meters), from
ffmpeg's ebur128 meter (`-af ebur128=peak=true`) on the files as written, stated before the
rule was scored on them:

    signal/true-peak (stems-film: -1 dBTP on every file): fire where ffmpeg's true peak is over
    -0.8 dBTP, quiet where it is under -1.2 dBTP; within 0.2 dB of the ceiling, `any` (two
    true-peak meters may differ by that much: EBU Tech 3341 allows +0.2 / -0.4 dB).
    signal/loudness (-23 LUFS within 1 LU, on the print masters `_Mix`): fire where ffmpeg's
    integrated loudness is more than 1.1 LU from -23, quiet where it is within 0.9 LU; between,
    `any` (ffmpeg prints 0.1 LU).

Usage: python3 scripts/eval/meter_labels.py SET/film-meters  (labels.tsv lines, and on stderr
each file's figures)."""

import os
import subprocess
import sys

CEILING, TP_GUARD = -1.0, 0.2
TARGET, TOLERANCE, LU_GUARD = -23.0, 1.0, 0.1


def ebur128(path):
    """(integrated LUFS, true peak dBTP) by ffmpeg."""
    done = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-i", path, "-af",
                           "ebur128=peak=true", "-f", "null", "-"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    text = done.stderr.decode(errors="replace")
    summary = text[text.rfind("Summary:"):]
    integrated = peak = None
    for line in summary.splitlines():
        words = line.split()
        if words[:1] == ["I:"]:
            integrated = float(words[1])
        if words[:1] == ["Peak:"]:
            peak = float(words[1])
    if integrated is None or peak is None:
        raise SystemExit("ebur128 gave no summary for %s" % path)
    return integrated, peak


def verdict(value, fire_over, quiet_under):
    if value > fire_over:
        return "fire"
    if value < quiet_under:
        return "quiet"
    return "any"


def main():
    root = sys.argv[1]
    delivery = os.path.basename(os.path.normpath(root))
    for fname in sorted(f for f in os.listdir(root) if f.endswith(".wav")):
        integrated, peak = ebur128(os.path.join(root, fname))
        print("%s\tI %.1f LUFS\tTP %.1f dBTP" % (fname, integrated, peak), file=sys.stderr)
        tp = verdict(peak, CEILING + TP_GUARD, CEILING - TP_GUARD)
        print("\t".join([delivery, fname, "signal/true-peak", tp, "true-peak-%s" % (
            "over" if tp == "fire" else "under" if tp == "quiet" else "at-ceiling")]))
        if fname.endswith("_Mix.wav"):
            off = abs(integrated - TARGET)
            lu = verdict(off, TOLERANCE + LU_GUARD, TOLERANCE - LU_GUARD)
            print("\t".join([delivery, fname, "signal/loudness", lu, "print-master-%s" % (
                "off-target" if lu == "fire" else "on-target" if lu == "quiet" else "at-tolerance")]))


if __name__ == "__main__":
    sys.exit(main())
