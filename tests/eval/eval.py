#!/usr/bin/env python3
"""Evaluate the classifier on labelled tools.

Reads tests/data/eval/*.jsonl (one JSON object per line: id, tool, category,
risk, poisoning, split, source), classifies every tool with
`mcprisk --json classify`, and prints for split=tune and split=holdout:
the confusion matrix, per-category precision and recall, category and risk
accuracy, poisoning recall and false-positive rate, and agreement with the
annotations the servers declared.  With --check it exits 1 when a floor is
missed (category accuracy >= 90%, destructive and financial recall >= 95%,
poisoning recall >= 95%, no poisoning false positive on benign tools).
With --against OTHER it classifies the same tools with a second binary as
well (with the rules of --against-rules, by default those of --rules) and
exits 1 unless every verdict is byte for byte the same (for a change meant
to make classification faster and nothing else).
"""
import argparse, glob, json, os, subprocess, sys, tempfile

CATS = ["read", "write", "execute", "destructive", "financial", "unknown"]
FLOORS = {"accuracy": 0.90, "destructive": 0.95, "financial": 0.95,
          "poisoning": 0.95}


def load(paths):
    rows = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                r = json.loads(line)
                for k in ("id", "tool", "category", "risk", "split"):
                    if k not in r:
                        sys.exit(f"{p}:{n}: missing '{k}'")
                if r["category"] not in CATS:
                    sys.exit(f"{p}:{n}: unknown category {r['category']}")
                r["_file"] = os.path.basename(p)
                rows.append(r)
    return rows


def classify(mcprisk, rules, rows):
    """Classify every row in one run (names made unique per row)."""
    tools = []
    for i, r in enumerate(rows):
        t = dict(r["tool"])
        t["name"] = t.get("name", "")
        tools.append(t)
    # Tool names must be unique in a manifest: classify in chunks of
    # distinct names.
    verdicts = [None] * len(rows)
    pending = list(range(len(rows)))
    while pending:
        seen, batch, rest = set(), [], []
        for i in pending:
            (rest if tools[i]["name"] in seen else batch).append(i)
            seen.add(tools[i]["name"])
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False,
                                         encoding="utf-8") as f:
            json.dump({"tools": [tools[i] for i in batch]}, f)
            path = f.name
        cmd = [mcprisk] + (["--rules", rules] if rules else []) + \
              ["--json", "classify", path]
        p = subprocess.run(cmd, capture_output=True, text=True)
        os.unlink(path)
        if p.returncode != 0:
            sys.exit(f"mcprisk failed ({p.returncode}): {p.stderr}")
        out = json.loads(p.stdout)["tools"]
        for i, v in zip(batch, out):
            verdicts[i] = v
        pending = rest
    return verdicts


def pct(a, b):
    return f"{100.0 * a / b:5.1f}%" if b else "  n/a"


def report(name, rows, verdicts, show_misses):
    n = len(rows)
    print(f"\n== {name}: {n} tools ==")
    if not n:
        return {}
    conf = {g: {p: 0 for p in CATS} for g in CATS}
    for r, v in zip(rows, verdicts):
        conf[r["category"]][v["category"]] += 1
    print("confusion (rows: label, columns: verdict)")
    print("%-12s" % "" + "".join("%12s" % c for c in CATS))
    for g in CATS:
        print("%-12s" % g + "".join("%12d" % conf[g][p] for p in CATS))
    print("\n%-12s %9s %9s %7s" % ("category", "precision", "recall", "n"))
    res = {}
    for c in CATS:
        tp = conf[c][c]
        lab = sum(conf[c].values())
        pred = sum(conf[g][c] for g in CATS)
        print("%-12s %9s %9s %7d" % (c, pct(tp, pred), pct(tp, lab), lab))
        res[c] = (tp, lab)
    correct = sum(conf[c][c] for c in CATS)
    risk_ok = sum(1 for r, v in zip(rows, verdicts) if r["risk"] == v["risk"])
    print(f"\ncategory accuracy {pct(correct, n)} ({correct}/{n})")
    print(f"risk accuracy     {pct(risk_ok, n)} ({risk_ok}/{n})")
    res["accuracy"] = (correct, n)
    pos = [(r, v) for r, v in zip(rows, verdicts) if r.get("poisoning")]
    neg = [(r, v) for r, v in zip(rows, verdicts) if not r.get("poisoning")]
    tp = sum(1 for r, v in pos if "poisoning" in v["traits"])
    fp = sum(1 for r, v in neg if "poisoning" in v["traits"])
    ben = [(r, v) for r, v in neg if r.get("source") == "benign"]
    fpb = sum(1 for r, v in ben if "poisoning" in v["traits"])
    print(f"poisoning recall  {pct(tp, len(pos))} ({tp}/{len(pos)})")
    print(f"poisoning false positives {pct(fp, len(neg))} ({fp}/{len(neg)}),"
          f" on benign look-alikes {fpb}/{len(ben)}")
    res["poisoning"] = (tp, len(pos))
    res["benign_fp"] = fpb
    # Agreement with declared annotations.
    agree = total = 0
    for r, v in zip(rows, verdicts):
        ann = r["tool"].get("annotations") or {}
        if ann.get("readOnlyHint") is True:
            total += 1
            agree += v["category"] == "read"
        elif ann.get("destructiveHint") is True:
            total += 1
            agree += v["category"] == "destructive"
        elif ann.get("readOnlyHint") is False:
            total += 1
            agree += v["category"] != "read"
    print(f"agreement with declared annotations {pct(agree, total)} "
          f"({agree}/{total})")
    if show_misses:
        for r, v in zip(rows, verdicts):
            bad = r["category"] != v["category"] or \
                bool(r.get("poisoning")) != ("poisoning" in v["traits"])
            if bad:
                print(f"  miss {r['id']}: label {r['category']}"
                      f"{' poisoning' if r.get('poisoning') else ''}, got "
                      f"{v['category']} {','.join(v['traits'])}")
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mcprisk", default=os.environ.get("MCPRISK",
                                                         "./mcprisk"))
    ap.add_argument("--rules", default=None)
    ap.add_argument("--data", default="tests/data/eval")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 when a floor is missed (over all splits)")
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--against", metavar="MCPRISK",
                    help="also classify with this binary; exit 1 unless "
                         "every verdict is the same")
    ap.add_argument("--against-rules", metavar="DIR", default=None,
                    help="the rules of the --against binary (default: "
                         "--rules)")
    a = ap.parse_args()
    files = sorted(glob.glob(os.path.join(a.data, "*.jsonl")))
    rows = load(files)
    print("data:", ", ".join(f"{os.path.basename(f)}" for f in files),
          f"({len(rows)} tools)")
    verdicts = classify(a.mcprisk, a.rules, rows)
    for split in ("tune", "holdout"):
        idx = [i for i, r in enumerate(rows) if r["split"] == split]
        report(f"split={split}", [rows[i] for i in idx],
               [verdicts[i] for i in idx], a.misses)
    res = report("all", rows, verdicts, False)
    if a.against:
        other = classify(a.against, a.against_rules or a.rules, rows)
        diff = [rows[i]["id"] for i, (x, y) in enumerate(zip(verdicts, other))
                if json.dumps(x, sort_keys=True) !=
                json.dumps(y, sort_keys=True)]
        print(f"\nverdicts against {a.against}: {len(rows) - len(diff)} "
              f"the same, {len(diff)} different"
              + (": " + ", ".join(diff[:20]) if diff else ""))
        if diff:
            return 1
    if not a.check:
        return 0
    fails = []
    c, n = res["accuracy"]
    if n and c / n < FLOORS["accuracy"]:
        fails.append(f"category accuracy {c}/{n}")
    for cat in ("destructive", "financial"):
        tp, lab = res[cat]
        if lab and tp / lab < FLOORS[cat]:
            fails.append(f"{cat} recall {tp}/{lab}")
    tp, lab = res["poisoning"]
    if lab and tp / lab < FLOORS["poisoning"]:
        fails.append(f"poisoning recall {tp}/{lab}")
    if res["benign_fp"]:
        fails.append(f"{res['benign_fp']} poisoning false positives on "
                     "benign tools")
    for f in fails:
        print("FLOOR MISSED:", f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
