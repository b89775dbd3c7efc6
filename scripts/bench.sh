#!/usr/bin/env bash
# Benchmark: stemlint against sox and ffmpeg on the same delivery.
#
# Builds stemlint in release mode, writes a delivery of 24-bit stereo 48 kHz WAV files (pink
# noise, made by sox) into a temporary folder, then times with hyperfine:
#   - stemlint check (every statistic: peaks, true peak, loudness, LRA, clipping, bit depth...)
#     on all cores and on one, and with --fast (headers only);
#   - `sox FILE -n stats` for every file (peak, RMS, DC, bit depth; no loudness, no true peak);
#   - `ffmpeg -af ebur128=peak=true` for every file (loudness + true peak, as stemlint measures).
# The external tools run one file at a time and, for a fair comparison with stemlint's
# parallelism, N files at a time (xargs -P, N = cores).
#
# Usage: scripts/bench.sh [MINUTES_PER_FILE] [FILES]    (default: 4 minutes x 8 files, ~550 MB)
# Installs sox, ffmpeg and hyperfine from Debian's packages if they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-4}
files=${2:-8}
cores=$(nproc)

need=()
for tool in sox ffmpeg hyperfine; do command -v "$tool" >/dev/null || need+=("$tool"); done
if ((${#need[@]})); then
    apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi

cargo build --release --quiet
bin=$PWD/target/release/stemlint

work=$(mktemp -d /tmp/stemlint-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
delivery=$work/delivery
mkdir -p "$delivery"
for index in $(seq -w 1 "$files"); do
    sox -q -n -r 48000 -b 24 -c 2 "$delivery/${index}_Part.wav" synth "$((minutes * 60))" pinknoise vol 0.3
done
printf 'Tempo: 120 BPM\nMeter: 4/4\n' > "$delivery/notes.txt"
bytes=$(du -cb "$delivery"/*.wav | tail -1 | cut -f1)
echo "delivery: $files files x $minutes min, 24-bit stereo 48 kHz, $((bytes / 1000000)) MB, $cores cores"

# Warm the page cache so every command reads from memory, as the second run of a check would.
cat "$delivery"/*.wav > /dev/null

export delivery bin
hyperfine --warmup 1 --runs 3 --export-markdown "$work/results.md" \
    -n "stemlint check (all cores)" "$bin check --quiet --no-progress $delivery || true" \
    -n "stemlint check --jobs 1" "$bin check --quiet --no-progress --jobs 1 $delivery || true" \
    -n "stemlint check --fast" "$bin check --quiet --no-progress --fast $delivery || true" \
    -n "sox stats (1 at a time)" "for f in $delivery/*.wav; do sox \"\$f\" -n stats 2>/dev/null; done" \
    -n "sox stats ($cores at a time)" "ls $delivery/*.wav | xargs -P $cores -I{} sox {} -n stats 2>/dev/null" \
    -n "ffmpeg ebur128 peak=true (1 at a time)" "for f in $delivery/*.wav; do ffmpeg -nostats -hide_banner -i \"\$f\" -af ebur128=peak=true -f null - 2>/dev/null; done" \
    -n "ffmpeg ebur128 peak=true ($cores at a time)" "ls $delivery/*.wav | xargs -P $cores -I{} ffmpeg -nostats -hide_banner -i {} -af ebur128=peak=true -f null - 2>/dev/null"
cat "$work/results.md"
echo "throughput of 'stemlint check': divide $((bytes / 1000000)) MB by the mean above"

# Peak memory of one full check.
/usr/bin/time -v "$bin" check --quiet --no-progress "$delivery" 2> "$work/time.txt" > /dev/null || true
grep -E "Maximum resident set size|Elapsed" "$work/time.txt"
