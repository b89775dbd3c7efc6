"""Scores stemlint against the labelled evaluation set.

Usage: score.py SET_DIR LABELS STEMLINT [--markdown FILE] [--json FILE] [--details]

Runs `STEMLINT check --format json` on every delivery folder of SET_DIR, compares the
findings with LABELS (labels.tsv) and prints, per rule: cases, true positives, false
positives, misses, true negatives, and the false alarms and misses by kind of material; with
--details also each wrong verdict's message and the same counts per delivery (a hold-out on
its own). The JSON carries the counts per delivery too (`by_delivery`).
Exit status: 0 whatever the scores; 2 on a script error (a label naming a file that is not
there, stemlint failing to run or giving output that does not parse)."""

import collections
import csv
import json
import os
import subprocess
import sys

# A finding at one of these severities counts as the rule firing. `stems/sum-mismatch` also
# reports a skipped null test at info: that is not a verdict on the stems, so it counts as
# quiet (and is listed as skipped).
FIRING = {"error", "warning"}


def die(message):
    print("score.py: " + message, file=sys.stderr)
    sys.exit(2)


def read_labels(path):
    """-> list of (delivery, file, rule, expect, kind); comma lists of rules are expanded."""
    rows = []
    with open(path) as f:
        for number, row in enumerate(csv.reader(f, delimiter="\t"), 1):
            if not row or not row[0].strip() or row[0].startswith("#") or row[0] == "delivery":
                continue
            if len(row) != 5:
                die("%s:%d: want 5 tab-separated columns, found %d" % (path, number, len(row)))
            delivery, fname, rules, expect, kind = (c.strip() for c in row)
            if expect not in ("fire", "quiet", "any"):
                die("%s:%d: expect must be fire, quiet or any, not %r" % (path, number, expect))
            for rule in rules.split(","):
                rows.append((delivery, fname, rule.strip(), expect, kind))
    return rows


def run_stemlint(binary, set_dir, deliveries):
    roots = [os.path.join(set_dir, d) for d in deliveries]
    # Score what this binary measures, not a result cache (binaries without one lack the flag).
    helped = subprocess.run([binary, "check", "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    no_cache = ["--no-cache"] if b"--no-cache" in helped.stdout else []
    done = subprocess.run([binary, "check", "--format", "json", "--no-progress", "--color", "never"] + no_cache + roots,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if done.returncode not in (0, 1):
        die("%s check exited %d: %s" % (binary, done.returncode, done.stderr.decode(errors="replace")[-2000:]))
    try:
        report = json.loads(done.stdout)
    except ValueError as e:
        die("stemlint's JSON does not parse: %s" % e)
    by_root = {}
    for d in report.get("deliveries", []):
        by_root[os.path.basename(os.path.normpath(d["root"]))] = d
    missing = [d for d in deliveries if d not in by_root]
    if missing:
        die("stemlint reported no delivery for: " + ", ".join(missing))
    return by_root


def main(argv):
    if len(argv) < 4:
        die("usage: score.py SET_DIR LABELS STEMLINT [--markdown FILE] [--json FILE] [--details]")
    set_dir, labels_path, binary = argv[1:4]
    options = argv[4:]
    markdown_out = json_out = None
    details = "--details" in options
    for flag in ("--markdown", "--json"):
        if flag in options:
            i = options.index(flag)
            if i + 1 >= len(options):
                die(flag + " needs a file")
            if flag == "--markdown":
                markdown_out = options[i + 1]
            else:
                json_out = options[i + 1]

    labels = read_labels(labels_path)
    deliveries = sorted({d for d, *_ in labels})
    for d in deliveries:
        if not os.path.isdir(os.path.join(set_dir, d)):
            die("labels name delivery %s, not found in %s" % (d, set_dir))
    for d, fname, *_ in labels:
        if fname not in ("-", "*") and not os.path.isfile(os.path.join(set_dir, d, fname)):
            die("labels name %s/%s, not found" % (d, fname))
    reports = run_stemlint(binary, set_dir, deliveries)

    # findings[(delivery, path or '-', rule)] = [messages]; delivery-level rules use '-'
    findings = collections.defaultdict(list)
    skipped = {}
    for d, rep in reports.items():
        for diag in rep.get("diagnostics", []):
            rule = diag["rule"]
            if rule == "stems/sum-mismatch":
                if diag["severity"] in FIRING:
                    findings[(d, "-", rule)].append(diag.get("path", "") + ": " + diag["message"])
                else:
                    skipped[d] = diag["message"]
                continue
            if diag["severity"] in FIRING:
                findings[(d, diag.get("path", "-"), rule)].append(diag["message"])

    results = []  # (rule, delivery, file, expect, kind, fired, messages)
    scored_keys = set()
    for d, fname, rule, expect, kind in labels:
        if fname == "*":
            continue
        key = (d, fname, rule)
        scored_keys.add(key)
        messages = findings.get(key, [])
        results.append((rule, d, fname, expect, kind, bool(messages), messages))

    def counts(rows):
        tp = sum(1 for r in rows if r[3] == "fire" and r[5])
        fn = sum(1 for r in rows if r[3] == "fire" and not r[5])
        fp = sum(1 for r in rows if r[3] == "quiet" and r[5])
        tn = sum(1 for r in rows if r[3] == "quiet" and not r[5])
        other = sum(1 for r in rows if r[3] == "any")
        return {"cases": tp + fn + fp + tn, "tp": tp, "fp": fp, "misses": fn, "tn": tn, "unscored": other}

    rules = sorted({r[0] for r in results})
    table = []
    for rule in rules:
        rows = [r for r in results if r[0] == rule]
        fp_kinds = collections.Counter(r[4] for r in rows if r[3] == "quiet" and r[5])
        fn_kinds = collections.Counter(r[4] for r in rows if r[3] == "fire" and not r[5])
        by_delivery = {d: counts([r for r in rows if r[1] == d]) for d in sorted({r[1] for r in rows})}
        table.append(dict({"rule": rule}, **counts(rows),
                          false_alarms_by_kind=dict(sorted(fp_kinds.items())),
                          misses_by_kind=dict(sorted(fn_kinds.items())),
                          by_delivery=by_delivery))

    def kinds(counter):
        return ", ".join("%s %d" % kv for kv in counter.items()) or "-"

    head = ["rule", "cases", "TP", "FP", "misses", "TN", "false alarms by kind", "misses by kind"]
    lines = []
    for t in table:
        lines.append([t["rule"], str(t["cases"]), str(t["tp"]), str(t["fp"]), str(t["misses"]), str(t["tn"]),
                      kinds(t["false_alarms_by_kind"]), kinds(t["misses_by_kind"])])
    widths = [max(len(x) for x in col) for col in zip(head, *lines)]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    for line in lines:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths)))

    wrong = [r for r in results if (r[3] == "fire") != r[5] and r[3] != "any"]
    if wrong:
        print("\nwrong verdicts:")
        for rule, d, fname, expect, kind, fired, messages in wrong:
            what = "false alarm" if fired else "miss"
            print("  %-12s %-20s %s/%s (%s)%s" % (what, rule, d, fname, kind,
                                                  (": " + messages[0]) if messages and details else ""))
    if skipped:
        print("\nnull tests skipped (info, counted as quiet):")
        for d, message in sorted(skipped.items()):
            print("  %s: %s" % (d, message))
    if details:
        # Per delivery, for the rules scored on more than one: a hold-out read on its own.
        print("\nper delivery (cases, TP, FP, misses, TN; not scored):")
        for t in table:
            if len(t["by_delivery"]) < 2:
                continue
            for d, c in t["by_delivery"].items():
                print("  %-24s %-34s %4d %4d %3d %4d %4d   %d" % (t["rule"], d, c["cases"], c["tp"], c["fp"],
                                                              c["misses"], c["tn"], c["unscored"]))
    unlabelled = sorted(k for k in findings if k not in scored_keys and k[2].startswith(("signal/", "stems/sum")))
    if unlabelled and details:
        print("\nfindings of the scored rules on cases not labelled for them:")
        for d, fname, rule in unlabelled:
            print("  %s %s/%s: %s" % (rule, d, fname, findings[(d, fname, rule)][0]))

    if markdown_out:
        md = ["| rule | cases | true positives | false positives | misses | true negatives | false alarms by kind | misses by kind |",
              "|---|---:|---:|---:|---:|---:|---|---|"]
        for line in lines:
            md.append("| `%s` | %s |" % (line[0], " | ".join(line[1:])))
        with open(markdown_out, "w") as f:
            f.write("\n".join(md) + "\n")
    if json_out:
        with open(json_out, "w") as f:
            json.dump({"rules": table, "cases": [
                {"rule": r[0], "delivery": r[1], "file": r[2], "expect": r[3], "kind": r[4], "fired": r[5],
                 "message": r[6][0] if r[6] else None} for r in results]}, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
