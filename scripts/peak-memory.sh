#!/usr/bin/env bash
# Peak memory of a full check of one multi-GiB RF64 file.
#
# SPEC: "memory stays bounded whatever a file's size (a 5 GiB RF64 file must not need 5 GiB)".
# This writes a 24-bit stereo RF64 of white noise (default 768,000,000 frames = 4.6 GB,
# 4 h 27 min at 48 kHz) to a temporary folder, runs the release binary on it under
# /usr/bin/time -v and prints the file size, the frames stemlint decoded, the wall time and
# the peak resident memory. The file is removed at the end, whatever happens.
#
#   scripts/peak-memory.sh                 # 4.6 GB
#   FRAMES=100000000 scripts/peak-memory.sh  # a quicker 600 MB run
#   TMPDIR=/mnt/big scripts/peak-memory.sh   # somewhere with more room
#
# Exits 1 when the peak RSS is above MAX_RSS_MIB (default 256): bounded means a few buffers,
# not a share of the file.
set -euo pipefail

frames=${FRAMES:-768000000}
max_rss_mib=${MAX_RSS_MIB:-256}
bytes_per_frame=6
base=${TMPDIR:-/tmp}
data_bytes=$((frames * bytes_per_frame))

# Leave a GiB spare: filling the disk would hurt more than this measurement helps.
available=$(df --output=avail -B1 "$base" | tail -n 1)
if ((available < data_bytes + (1 << 30))); then
    echo "not enough room in $base: need $((data_bytes >> 20)) MiB + 1 GiB, have $((available >> 20)) MiB" >&2
    exit 2
fi
if [[ ! -x /usr/bin/time ]]; then
    echo "/usr/bin/time (GNU time) is needed for the peak RSS: apt-get install time" >&2
    exit 2
fi

cd "$(dirname "$0")/.."
cargo build --release --quiet

work=$(mktemp -d "$base/stemlint-peak-memory.XXXXXX")
trap 'rm -rf "$work"' EXIT
delivery="$work/delivery"
mkdir "$delivery"
wav="$delivery/01_Long.wav"

# Written in 8 MiB pieces: the writer needs no more memory than the reader should.
python3 - "$wav" "$frames" <<'PY'
import os, struct, sys

path, frames = sys.argv[1], int(sys.argv[2])
channels, rate, bits = 2, 48000, 24
align = channels * bits // 8
data = frames * align
fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * align, align, bits)
# ds64: RIFF size, data size, sample count, table length (EBU Tech 3306).
riff_size = 4 + (8 + 28) + (8 + len(fmt)) + 8 + data
ds64 = struct.pack("<QQQI", riff_size, data, frames, 0)
with open(path, "wb") as out:
    out.write(b"RF64" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE")
    out.write(b"ds64" + struct.pack("<I", len(ds64)) + ds64)
    out.write(b"fmt " + struct.pack("<I", len(fmt)) + fmt)
    out.write(b"data" + struct.pack("<I", 0xFFFFFFFF))
    piece = 8 << 20
    piece -= piece % align
    left = data
    while left:
        size = min(piece, left)
        out.write(os.urandom(size))
        left -= size
PY

size=$(stat -c %s "$wav")
status=0
/usr/bin/time -v -o "$work/time.txt" target/release/stemlint check "$delivery" --format json \
    --no-progress >"$work/report.json" 2>"$work/stderr.txt" || status=$?
# 0 or 1 (findings, e.g. no notes file) are runs that finished; 2 and above are failures.
if ((status > 1)); then
    echo "stemlint exited $status:" >&2
    cat "$work/stderr.txt" "$work/time.txt" >&2
    exit 1
fi

decoded=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["deliveries"][0]["files"][0]["frames"])' "$work/report.json")
peak_kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\) time/ {print $2}' "$work/time.txt")

echo "file:        $size bytes ($((size >> 20)) MiB), 24-bit stereo RF64, $frames frames written"
echo "decoded:     $decoded frames"
echo "wall time:   $wall"
echo "peak RSS:    $peak_kib KiB ($((peak_kib >> 10)) MiB)"
if [[ "$decoded" != "$frames" ]]; then
    echo "decoded frame count differs from what was written" >&2
    exit 1
fi
if ((peak_kib > max_rss_mib * 1024)); then
    echo "peak RSS is above $max_rss_mib MiB: memory grows with the file" >&2
    exit 1
fi
