#!/usr/bin/env python3
"""validate-table.py - the acceptance table of scripts/validate.sh, from
the files it wrote in DIR (tl-eval's JSON reports, the scored rows, the
half-life model) and the training seeds' last-period files.

usage: validate-table.py DIR SEED TRAIN LEARNERS END HORIZON STRICT PROFILE
                         TRAIN-LAST-PERIOD.csv ...
The acceptance table of validate.sh from its files; see validate-table(1).
  -h, --help  show this help

Every criterion has the columns v1 (the v1 rules), v2 (the v2 rules) and
learned (tl-model, fitted on the training seeds); a criterion passes when
one of its columns meets the target, and each failure gets one line with
the reason. Then the operating points of the precision and recall targets
(the rule's, the learned argmax's and what any threshold of the learned
class probability attains), and the velocity predictions beside their
baselines, on all learners and on the learners active in the next period.
"""
import csv
import json
import sys

TOL = 0.10       # tl-eval's default --tolerance


def load_json(d, name):
    with open(f"{d}/{name}") as f:
        return json.load(f)


def rows_of(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(x):
    return None if x in ("", None) else float(x)


def fmt(x):
    return "-" if x is None else "%.4f" % x


def cls(rep, a, key):
    c = rep["classes"].get(a)
    return c[key] if c else None


def shrink_factor(paths):
    """least squares through the origin of next_velocity_actual on the
    last period's velocity v_K, over the training seeds' learners"""
    sxy = sxx = 0.0
    for p in paths:
        for r in rows_of(p):
            x, y = num(r["velocity"]), num(r["next_velocity_actual"])
            if x is not None and y is not None:
                sxy += x * y
                sxx += x * x
    return sxy / sxx if sxx > 0 else 0.0


def vstats(pairs):
    """MAE, share within +-TOL, RMSE of (prediction, actual) pairs"""
    n = len(pairs)
    if not n:
        return None, None, None
    err = [abs(p - a) for p, a in pairs]
    return (sum(err) / n, sum(e <= TOL + 1e-9 for e in err) / n,
            (sum(e * e for e in err) / n) ** 0.5)


def curve(pairs):
    """(precision, recall) at each threshold of the (score, positive) pairs,
    from the highest score down, tied scores taken together"""
    pts = sorted(pairs, key=lambda sp: -sp[0])
    npos = sum(p for _, p in pts)
    out, tp, i = [], 0, 0
    while i < len(pts):
        j = i
        while j < len(pts) and pts[j][0] == pts[i][0]:
            tp += pts[j][1]
            j += 1
        out.append((tp / j, tp / npos if npos else 0.0))
        i = j
    return out


def operating_points(learned, c2, cl, targets):
    """for each (class, 'precision' or 'recall', t): the v2 rule's and the
    argmax's (precision, recall), the other measure of p_CLASS at the rule's
    value of the target's measure, and the best other measure of p_CLASS
    where the target's measure reaches t"""
    out = {}
    for a, key, t in targets:
        c = curve([(float(r["p_" + a]), r["true_archetype"] == a) for r in learned])
        rule = (cls(c2, a, "precision"), cls(c2, a, "recall"))
        k = 0 if key == "precision" else 1          # the target's measure
        at = lambda v: max((pt[1 - k] for pt in c if pt[k] >= v - 1e-12), default=0.0)
        out[a] = (rule, (cls(cl, a, "precision"), cls(cl, a, "recall")), at(rule[k]), at(t))
    return out


def velocity(d, c):
    """the velocity predictions on the evaluation seed, all learners and the
    active ones: {name: ((mae, within, rmse) all, (...) active)}, n, n active,
    the share of inactive learners, and the share with a nonzero next velocity
    among the tenth most likely to be active by the two-part model"""
    learned = rows_of(f"{d}/learned.csv")
    last = rows_of(f"{d}/last-period.csv")
    if [r["learner_id"] for r in learned] != [r["learner_id"] for r in last]:
        sys.exit("validate.sh: the last-period rows are not the learners of the scored rows")
    preds = {
        "constant 0": lambda r, l: 0.0,
        "last period v_K": lambda r, l: num(l["velocity"]),
        "shrunk last period": lambda r, l: None if num(l["velocity"]) is None else c * num(l["velocity"]),
        "velocity_simple (v1)": lambda r, l: num(r["velocity_simple"]),
        "velocity_next (v2)": lambda r, l: num(r["velocity_next"]),
        "two-part (learned)": lambda r, l: num(r["velocity_pred"]),
    }
    table = [(r, {k: f(r, l) for k, f in preds.items()}) for r, l in zip(learned, last)]
    table = [(r, p) for r, p in table
             if num(r["next_velocity_actual"]) is not None and None not in p.values()]
    active = [(r, p) for r, p in table if r["next_active"] == "1"]
    out = {}
    for k in preds:
        out[k] = tuple(vstats([(p[k], float(r["next_velocity_actual"])) for r, p in rs])
                       for rs in (table, active))
    top = sorted(table, key=lambda rp: -float(rp[0]["p_active"]))[:max(1, len(table) // 10)]
    nonzero_top = sum(float(r["next_velocity_actual"]) > 0 for r, _ in top) / len(top)
    return out, len(table), len(active), 1 - len(active) / len(table), nonzero_top


def main(argv):
    d, seed, train, learners, end, horizon, strict, profile = argv[1:9]
    c = shrink_factor(argv[9:])
    c1, c2, cl = (load_json(d, f"class-{v}.json") for v in ("v1", "v2", "learned"))
    ch = [load_json(d, f"churn-{v}.json")["roc_auc"] for v in ("v1", "v2", "learned")]
    vel, n_all, n_act, inactive, nonzero_top = velocity(d, c)

    v2rows = rows_of(f"{d}/v2.csv")
    spec = [float(r["domain_concentration"]) for r in v2rows
            if r["true_archetype"] == "specialist" and r["domain_concentration"] != ""]
    spec_share = sum(x > 0.65 for x in spec) / len(spec) if spec else None
    hl = [r["half_life_days"] for r in rows_of(f"{d}/model.csv") if r["capability"] != "*"]
    hv = sorted(float(h) for h in hl if h != "")
    hl_share = sum(30 <= h <= 60 for h in hv) / len(hv) if hv else None
    ncap = sum(int(r["capabilities"] or 0) for r in v2rows)
    reuses = sum(int(r["reuses"] or 0) for r in v2rows) / ncap if ncap else None

    V = ("velocity_simple (v1)", "velocity_next (v2)", "two-part (learned)")
    B = ("constant 0", "last period v_K", "shrunk last period")
    base = [min(vel[b][i][0] for b in B) for i in (0, 1)]

    def vcol(i, j):
        return tuple(vel[k][i][j] for k in V)

    ge = lambda t: lambda v: v is not None and v >= t
    rows = [   # name, target, (v1, v2, learned), ok
        ("fast_learner recall", ">= 0.90",
         tuple(cls(r, "fast_learner", "recall") for r in (c1, c2, cl)), ge(0.90)),
        ("specialist precision", ">= 0.95",
         tuple(cls(r, "specialist", "precision") for r in (c1, c2, cl)), ge(0.95)),
        ("long_term_retainer precision", ">= 0.88",
         tuple(cls(r, "long_term_retainer", "precision") for r in (c1, c2, cl)), ge(0.88)),
        ("archetype macro F1 > v1", "> %.4f" % c1["macro_f1"], (c1["macro_f1"], c2["macro_f1"], cl["macro_f1"]),
         lambda v: v is not None and v > c1["macro_f1"]),
        ("churn ROC AUC", ">= 0.80", tuple(ch), ge(0.80)),
        ("velocity within +-0.10 (all)", ">= 0.85", vcol(0, 1), ge(0.85)),
        ("velocity within +-0.10 (active)", ">= 0.85", vcol(1, 1), ge(0.85)),
        ("velocity MAE < baselines (all)", "< %.4f" % base[0], vcol(0, 0), lambda v: v is not None and v < base[0]),
        ("velocity MAE < baselines (active)", "< %.4f" % base[1], vcol(1, 0), lambda v: v is not None and v < base[1]),
        ("specialists concentration > 0.65", ">= 0.80", (None, spec_share, None), ge(0.80)),
        ("half-lives in [30, 60] days", ">= 0.80", (None, hl_share, None), ge(0.80)),
    ]
    targets = (("fast_learner", "recall", 0.90), ("specialist", "precision", 0.95),
               ("long_term_retainer", "precision", 0.88))
    ops = operating_points(rows_of(f"{d}/learned.csv"), c2, cl, targets)

    # the reason of a failure, beyond the best value and its column
    def attainable(a, key, t):
        other = "recall" if key == "precision" else "precision"
        return "no threshold of p_%s does better than %s %s at %s >= %.2f" % (a, other, fmt(ops[a][3]), key, t)
    why = {
        "fast_learner recall": attainable(*targets[0]),
        "specialist precision": attainable(*targets[1]),
        "long_term_retainer precision": attainable(*targets[2]),
        "half-lives in [30, 60] days":
            "the median fitted half-life is %s days: DESIGN 6.3's is the median time from a capability's adoption"
            " to its last use (reused %s times on average here), tl-loadgen's the half-life of its reuse"
            " propensity, another quantity" % (fmt(hv[len(hv) // 2] if hv else None), fmt(reuses)),
        "velocity within +-0.10 (all)":
            "constant 0 reaches %.4f: %.0f%% of learners have no event in the next period"
            % (vel["constant 0"][0][1], 100 * inactive),
        "velocity within +-0.10 (active)":
            "among the learners active next period constant 0 reaches %.4f"
            % vel["constant 0"][1][1],
        "velocity MAE < baselines (all)":
            ("constant 0 has MAE %.4f: %.0f%% of learners have no event in the next period, and of the "
             "tenth likeliest to be active (two-part) %.0f%% have a nonzero next velocity, so 0 is %s "
             "the median, the prediction of least absolute error; RMSE two-part %.4f, constant 0 %.4f")
            % (vel["constant 0"][0][0], 100 * inactive, 100 * nonzero_top,
               "even there" if nonzero_top < 0.5 else "for most learners",
               vel["two-part (learned)"][0][2], vel["constant 0"][0][2]),
    }

    cols = ("v1", "v2", "learned")
    head = f"validate.sh: seed {seed}, {learners} learners, as-of {end}, horizon {horizon}"
    print(head + ("" if profile == "default" else f", profile {profile}") + f"; trained on seeds {train}")
    print("%-34s %-9s %8s %8s %8s  %s" % ("criterion", "target", *cols, "result"))
    failed = []
    for name, target, vals, ok in rows:
        met = [ok(v) for v in vals]
        res = "pass" if any(met) else "FAIL"
        print("%-34s %-9s %8s %8s %8s  %s" % (name, target, *map(fmt, vals), res))
        if res == "FAIL":
            best = max((v, k) for v, k in zip(vals, cols) if v is not None) if not name.startswith("velocity MAE") \
                else min((v, k) for v, k in zip(vals, cols) if v is not None)
            failed.append("%s: best %.4f (%s), target %s%s" % (name, best[0], best[1], target,
                          "; " + why[name] if name in why else ""))
    print()
    for f in failed:
        print("FAIL " + f)
    if failed:
        print()
    print("%-36s %-16s %-16s %s" % ("operating points", "v2 rule", "learned argmax", "learned p_CLASS, any threshold"))
    print("%-36s %-7s %-8s %-7s %-8s %-16s %s" % ("", "P", "R", "P", "R", "at the rule's", "at the target"))
    for a, key, t in targets:
        rule, am, at_rule, at_t = ops[a]
        other = "R" if key == "precision" else "P"
        print("%-36s %-7s %-8s %-7s %-8s %-16s %s" % ("%s %s >= %.2f" % (a, key, t), *map(fmt, rule + am),
                                                      other + " " + fmt(at_rule), other + " " + fmt(at_t)))
    print("  P precision, R recall; a threshold of p_CLASS set where the target's measure (P or R) equals")
    print("  the v2 rule's, or reaches the target, gives at best the other measure shown")
    print()
    print("velocity: next_velocity_actual of (as-of, as-of + 7d]; all learners n = %d, active next period n = %d"
          % (n_all, n_act))
    print("%-22s %8s %8s %8s   %8s %8s %8s" % ("prediction", "MAE", "within", "RMSE", "MAE", "within", "RMSE"))
    for k in B + V:
        print("%-22s %8s %8s %8s   %8s %8s %8s" % (k, *map(fmt, vel[k][0] + vel[k][1])))
    print("  shrunk last period = %.4f x v_K, the least-squares factor on the training seeds" % c)
    print("  on all learners constant 0 is within +-0.10 for %.4f of them: that share measures inactivity;"
          % vel["constant 0"][0][1])
    print("  the active learners' columns measure the prediction of a velocity")
    print("  two-part = P(next_active) x E[next_velocity_active], tl-model on config/velocity.features")
    print()
    print("notes: a criterion passes when one of its columns meets the target.")
    print("  churn score (label churned): v1 days_since_last, v2 churn_risk, learned tl-model on")
    print("  config/churn.features", end="")
    print(";\n  churn_risk ranks the churners worse than days_since_last alone (AUC %.4f against %.4f)"
          % (ch[1], ch[0]) if ch[1] < ch[0] else "")
    print("  archetypes: v1, v2 rules, learned tl-model --kind multinomial on config/archetype.features")
    print("  (its argmax); a column is empty where it has no prediction")
    print("  specialists: true_archetype = specialist (n = %d)" % len(spec))
    med = hv[len(hv) // 2] if hv else None
    print("  half-lives: %d capabilities with a half-life (median %s days), %d without"
          % (len(hv), fmt(med), len(hl) - len(hv)))
    print("  macro F1 over %d learners; %d of %d criteria fail" % (c2["n"], len(failed), len(rows)))
    return 1 if failed and strict == "1" else 0


def usage_text():
    """The help: the docstring from its usage line to the first blank line."""
    return __doc__[__doc__.index("usage: "):].split("\n\n")[0]


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(usage_text())
        sys.exit(0)
    if len(sys.argv) < 10 or sys.argv[1].startswith("-") or sys.argv[7] not in ("0", "1"):
        print(usage_text().split("\n")[0], file=sys.stderr)
        sys.exit(64)
    sys.exit(main(sys.argv))
