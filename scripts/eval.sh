#!/usr/bin/env bash
# The labelled evaluation of stemlint's signal and null-test verdicts (issue 9).
#
# Builds a set of deliveries from real material (sonic-pi-samples recordings, General MIDI
# renders by fluidsynth, espeak-ng speech, sox synthesis) and real processing (ffmpeg
# alimiter / acompressor / loudnorm, sox compand / gain -l, saturation), labelled per rule in
# scripts/eval/labels.tsv, runs stemlint on it and prints per rule the cases, true positives,
# false positives, misses and true negatives, with the false alarms by kind of material.
#
#   scripts/eval.sh [--install] [--rebuild] [--build-only] [--details]
#
#   --install      apt-get install what is missing (needs root)
#   --rebuild      build the set again even when an up-to-date one exists
#   --build-only   build (or check) the set and stop
#   --details      also print stemlint's message for each wrong verdict, the counts per
#                  delivery (a hold-out on its own), and findings of the scored rules on files
#                  not labelled for them
#
# Environment: STEMLINT (the binary; default target/release/stemlint, built with
# `cargo build --release --locked` when absent), PYTHON (an interpreter with numpy).
#
# Output: target/eval/set/ (the deliveries, report.tsv with the measured processing figures),
# target/eval/table.md (the table as Markdown), target/eval/scores.json (every case).
# The set is built in a temporary directory and renamed into place when complete, with a
# stamp of the scripts' and tools' hash: a half-built or stale set is never reused.
# Exit status: 0 whatever the scores; non-zero when a tool is missing or a step fails.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
EVAL_DIR="$ROOT/scripts/eval"
OUT="$ROOT/target/eval"
SET="$OUT/set"

install=0 rebuild=0 build_only=0 details=()
for arg in "$@"; do
  case "$arg" in
    --install) install=1 ;;
    --rebuild) rebuild=1 ;;
    --build-only) build_only=1 ;;
    --details) details=(--details) ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "eval.sh: unknown argument: $arg (see --help)" >&2; exit 2 ;;
  esac
done

SAMPLE_DIRS=(/usr/share/sonic-pi/samples /usr/lib/sonic-pi/etc/samples /usr/share/sonic-pi-samples)
SOUNDFONT=/usr/share/sounds/sf2/FluidR3_GM.sf2

find_python() {
  local candidate
  for candidate in ${PYTHON:-} python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import numpy' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

missing_packages() {
  local packages=()
  command -v sox >/dev/null 2>&1 || packages+=(sox)
  command -v ffmpeg >/dev/null 2>&1 || packages+=(ffmpeg)
  command -v fluidsynth >/dev/null 2>&1 || packages+=(fluidsynth)
  [ -f "$SOUNDFONT" ] || packages+=(fluid-soundfont-gm)
  command -v espeak-ng >/dev/null 2>&1 || packages+=(espeak-ng)
  local found=0 dir
  for dir in "${SAMPLE_DIRS[@]}"; do [ -f "$dir/drum_heavy_kick.flac" ] && found=1; done
  [ "$found" = 1 ] || packages+=(sonic-pi-samples)
  find_python >/dev/null || packages+=(python3-numpy)
  echo "${packages[@]:-}"
}

missing=$(missing_packages)
if [ -n "$missing" ]; then
  if [ "$install" = 1 ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "eval.sh: --install needs root to run apt-get (missing: $missing)" >&2
      exit 1
    fi
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
    missing=$(missing_packages)
    if [ -n "$missing" ]; then
      echo "eval.sh: still missing after apt-get install: $missing" >&2
      exit 1
    fi
  else
    echo "eval.sh: missing: $missing" >&2
    echo "install them with:  sudo apt-get install -y $missing   (or run scripts/eval.sh --install as root)" >&2
    exit 1
  fi
fi
PY=$(find_python)
export PYTHONDONTWRITEBYTECODE=1   # write nothing into the repository tree

# The stamp: what the material depends on (the scripts that build it and the tools' versions).
stamp=$(
  {
    cat "$0" "$EVAL_DIR/audio.py" "$EVAL_DIR/sources.py" "$EVAL_DIR/build.py"
    sox --version 2>&1 | head -1
    ffmpeg -version 2>&1 | head -1
    fluidsynth --version 2>&1 | head -1
    espeak-ng --version 2>&1 | head -1
    "$PY" -c 'import numpy; print(numpy.__version__)'
  } | sha256sum | cut -d' ' -f1
)

if [ "$rebuild" = 0 ] && [ -f "$SET/STAMP" ] && [ "$(cat "$SET/STAMP")" = "$stamp" ]; then
  echo "eval.sh: the set in $SET is up to date"
else
  mkdir -p "$OUT"
  rm -rf "$OUT"/building.*
  tmp=$(mktemp -d "$OUT/building.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  echo "eval.sh: building the set (about four minutes on two cores)."
  start=$(date +%s)
  (cd "$EVAL_DIR" && "$PY" build.py "$tmp/set" "$EVAL_DIR/labels.tsv")
  echo "$stamp" > "$tmp/set/STAMP"
  rm -rf "$SET"
  mv "$tmp/set" "$SET"
  rm -rf "$tmp"
  trap - EXIT
  echo "eval.sh: built $SET in $(( $(date +%s) - start )) s ($(du -sh "$SET" | cut -f1))"
fi

[ "$build_only" = 1 ] && exit 0

BIN=${STEMLINT:-$ROOT/target/release/stemlint}
if [ ! -x "$BIN" ]; then
  if [ -n "${STEMLINT:-}" ]; then
    echo "eval.sh: STEMLINT=$STEMLINT is not an executable" >&2
    exit 1
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    echo "eval.sh: $BIN does not exist and cargo is not on PATH to build it;" >&2
    echo "install Rust (https://rustup.rs) or point STEMLINT at a stemlint binary" >&2
    exit 1
  fi
  echo "eval.sh: building stemlint (cargo build --release --locked)..."
  cargo build --release --locked
fi

"$PY" "$EVAL_DIR/score.py" "$SET" "$EVAL_DIR/labels.tsv" "$BIN" \
  --markdown "$OUT/table.md" --json "$OUT/scores.json" "${details[@]}"
echo
echo "eval.sh: Markdown table in $OUT/table.md, every case in $OUT/scores.json"
