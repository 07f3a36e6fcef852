#!/usr/bin/env python3
"""abtest-check.py - check a tl-abtest JSON report against learner rows.

usage: abtest-check.py ROWS.csv REPORT.json [--metric F]... [--binary F]...
                       [--by F] [--covariate F] [--arm F] [--control NAME]
                       [--alpha A] [--correction holm|bh|none] [--expect C:T]

Recomputes every number of the report from the learner rows with the Python
standard library only (no scipy, no mpmath, nothing shared with tl):
  * means and variances in exact rational arithmetic (fractions);
  * the Student t tail I_x(df/2, 1/2) by tanh-sinh quadrature of the beta
    integrand, the t and normal quantiles by bisection;
  * the chi-square tail by the power series of the incomplete gamma.
Prints one line per mismatch and exits 1 when there is any, else prints
"ok N checks".
"""
import csv
import functools
import json
import math
import sys
from fractions import Fraction

# ---- special functions, independently ----


def beta_integral(a, b, x):
    """int_0^x u^(a-1) (1-u)^(b-1) du by tanh-sinh quadrature."""
    if x <= 0:
        return 0.0
    h, total = 1.0 / 32, 0.0   # relative error below 1e-10 on the reference cases
    for k in range(-5 * 32, 5 * 32 + 1):
        t = k * h
        s = math.pi / 2 * math.sinh(t)
        if abs(s) > 350:
            continue
        w = math.pi / 2 * math.cosh(t) / math.cosh(s) ** 2
        u = x / (1 + math.exp(-2 * s))              # x (1 + tanh s) / 2
        one_minus_u = (1 - x) + x / (1 + math.exp(2 * s))
        if u <= 0 or one_minus_u <= 0:
            continue
        total += w * math.exp((a - 1) * math.log(u) + (b - 1) * math.log(one_minus_u))
    return total * h * x / 2


def t_sf2(t, df):
    """P(|T| >= |t|) = I_x(df/2, 1/2), x = df/(df + t^2)."""
    a, b = df / 2, 0.5
    lbeta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    x = df / (df + t * t)
    return beta_integral(a, b, x) / math.exp(lbeta)


def bisect(f, lo, hi, n=56):
    """the root of a decreasing f on [lo, hi]"""
    for _ in range(n):
        mid = (lo + hi) / 2
        if f(mid) > 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


@functools.lru_cache(maxsize=None)
def t_crit(alpha, df):
    """log-scale bisection for the t with P(|T| >= t) = alpha"""
    return math.exp(bisect(lambda u: t_sf2(math.exp(u), df) - alpha, -10, 10))


@functools.lru_cache(maxsize=None)
def z_crit(alpha):
    return bisect(lambda z: math.erfc(z / math.sqrt(2)) - alpha, 0, 40)


def chi2_sf(x, k):
    """Q(k/2, x/2) = 1 - P by the series P(a,y) = y^a e^-y sum y^n/Gamma(a+n+1)."""
    a, y = k / 2, x / 2
    if y <= 0:
        return 1.0
    term = math.exp(a * math.log(y) - y - math.lgamma(a + 1))
    s, n = term, 0
    while term > 1e-18 * s:
        n += 1
        term *= y / (a + n)
        s += term
    return 1 - s


# ---- statistics from rows, exactly ----


class Arm:
    def __init__(self, values):
        self.n = len(values)
        self.vals = values
        self.mean = sum(values, Fraction(0)) / self.n if self.n else None
        self.var = (sum((v - self.mean) ** 2 for v in values) / (self.n - 1)
                    if self.n > 1 else None)


def welch(c, t, alpha):
    vc, vt = c.var / c.n, t.var / t.n
    v = vc + vt
    df = float(v * v / (vc * vc / (c.n - 1) + vt * vt / (t.n - 1)))
    diff = float(t.mean - c.mean)
    se = math.sqrt(v)
    tt = diff / se
    h = t_crit(alpha, df) * se
    return dict(diff=diff, t=tt, df=df, p=t_sf2(tt, df), diff_ci_low=diff - h,
                diff_ci_high=diff + h), float(vc), float(vt)


def wilson(x, n, z):
    p = x / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(mid - h, 0), min(mid + h, 1)


def two_prop(c, t, alpha):
    xc, xt = sum(c.vals), sum(t.vals)
    pc, pt = float(xc) / c.n, float(xt) / t.n
    pool = float(xc + xt) / (c.n + t.n)
    z = (pt - pc) / math.sqrt(pool * (1 - pool) * (1 / c.n + 1 / t.n))
    zc = z_crit(alpha)
    lc, uc = wilson(float(xc), c.n, zc)
    lt, ut = wilson(float(xt), t.n, zc)
    d = pt - pc
    return dict(diff=d, z=z, p=math.erfc(abs(z) / math.sqrt(2)),
                diff_ci_low=d - math.hypot(pt - lt, uc - pc),
                diff_ci_high=d + math.hypot(ut - pt, pc - lc)), pc * (1 - pc) / c.n, pt * (1 - pt) / t.n


def adjust(ps, how):
    idx = sorted((p, i) for i, p in enumerate(ps) if p is not None)
    k, out = len(idx), list(ps)
    if how == 'holm':
        run = 0
        for j, (p, i) in enumerate(idx):
            run = max(run, min(1, (k - j) * p))
            out[i] = run
    elif how == 'bh':
        run = 1
        for j in range(k - 1, -1, -1):
            p, i = idx[j]
            run = min(run, min(1, k / (j + 1) * p))
            out[i] = run
    return out


def analyse(ctl, trt, kind, alpha):
    """the expected metrics item of two arms' value lists"""
    c, t = Arm(ctl), Arm(trt)
    if kind == 'binary':
        r, vmc, vmt = two_prop(c, t, alpha)
    else:
        r, vmc, vmt = welch(c, t, alpha)
    mc, mt = float(c.mean), float(t.mean)
    lift = r['diff'] / mc
    h = z_crit(alpha) * math.sqrt(vmt / mc ** 2 + mt ** 2 * vmc / mc ** 4)
    r.update(n_control=c.n, n_treatment=t.n, mean_control=mc, mean_treatment=mt,
             sd_control=math.sqrt(c.var), sd_treatment=math.sqrt(t.var),
             lift=lift, lift_ci_low=lift - h, lift_ci_high=lift + h)
    if kind == 'binary':
        zc = z_crit(alpha)
        for name, arm in (('control', c), ('treatment', t)):
            lo, hi = wilson(float(sum(arm.vals)), arm.n, zc)
            r['ci_%s_low' % name], r['ci_%s_high' % name] = lo, hi
    else:
        for name, arm in (('control', c), ('treatment', t)):
            h = t_crit(alpha, arm.n - 1) * math.sqrt(arm.var / arm.n)
            r['ci_%s_low' % name] = float(arm.mean) - h
            r['ci_%s_high' % name] = float(arm.mean) + h
    return r


def sequential(c, t, kind, alpha, tau_rel):
    """one look of the mixture SPRT (normal approximation)"""
    c, t = Arm(c), Arm(t)
    mc, mt = float(c.mean), float(t.mean)
    if kind == 'binary':
        v = mc * (1 - mc) / c.n + mt * (1 - mt) / t.n
    else:
        v = float(c.var / c.n + t.var / t.n)
    sd = math.sqrt(float((c.var * (c.n - 1) + t.var * (t.n - 1)) / (c.n + t.n - 2)))
    tau2 = (tau_rel * sd) ** 2
    d = mt - mc
    lam = math.sqrt(v / (v + tau2)) * math.exp(d * d * tau2 / (2 * v * (v + tau2)))
    h = math.sqrt(v * (v + tau2) / tau2 * (math.log((v + tau2) / v) - 2 * math.log(alpha)))
    return dict(p=min(1, 1 / lam), cs_low=d - h, cs_high=d + h)


def power(c, t, kind, alpha, target, mde):
    """power of the input and the sample size for mde (normal approximation)"""
    c, t = Arm(c), Arm(t)
    mc = float(c.mean)
    if kind == 'binary':
        sd = math.sqrt(mc * (1 - mc))
        se = math.sqrt(mc * (1 - mc) / c.n + float(t.mean) * (1 - float(t.mean)) / t.n)
    else:
        sd = math.sqrt(float(c.var))
        se = math.sqrt(float(c.var / c.n + t.var / t.n))
    za, zb = z_crit(alpha), z_crit(2 * (1 - target))
    out = dict(baseline_mean=mc, baseline_sd=sd, detectable_lift=(za + zb) * se / abs(mc))
    if mde:
        d = mde * abs(mc) / se
        ncdf = lambda x: math.erfc(-x / math.sqrt(2)) / 2
        out['n_per_arm'] = math.ceil(2 * sd * sd * (za + zb) ** 2 / (mde * mc) ** 2)
        out['achieved_power'] = ncdf(d - za) + ncdf(-d - za)
    return out


def cuped(pairs_c, pairs_t):
    """adjusted values y - theta (x - mean x), theta from both arms pooled"""
    allp = pairs_c + pairs_t
    mx = sum(x for x, _ in allp) / len(allp)
    my = sum(y for _, y in allp) / len(allp)
    sxx = sum((x - mx) ** 2 for x, _ in allp)
    theta = sum((x - mx) * (y - my) for x, y in allp) / sxx
    adj = lambda ps: [y - theta * (x - mx) for x, y in ps]
    return adj(pairs_c), adj(pairs_t), float(theta)


# ---- the check ----


class Checker:
    def __init__(self):
        self.n = 0
        self.bad = 0

    def near(self, what, got, want, rel=1e-9, absol=1e-12):
        self.n += 1
        if got is None or want is None or not math.isfinite(want):
            ok = got is None and (want is None or not math.isfinite(want))
        else:
            ok = abs(got - want) <= max(rel * abs(want), absol)
        if not ok:
            self.bad += 1
            print('MISMATCH %s: report %r, expected %r' % (what, got, want))

    def same(self, what, got, want):
        self.n += 1
        if got != want:
            self.bad += 1
            print('MISMATCH %s: report %r, expected %r' % (what, got, want))


def parse_args(argv):
    o = dict(metrics=[], by=None, covariate=None, arm='arm', control='control', alpha=0.05,
             correction='holm', expect=(1.0, 1.0), sequential=False, power=0, mde=0)
    o['mixture-sd'] = 0.1
    rows, report = argv[0], argv[1]
    i = 2
    while i < len(argv):
        k = argv[i]
        if k == '--sequential':
            o['sequential'] = True
            i += 1
            continue
        v = argv[i + 1]
        i += 2
        if k == '--metric':
            o['metrics'].append((v, 'numeric'))
        elif k == '--binary':
            o['metrics'].append((v, 'binary'))
        elif k == '--expect':
            a, b = v.split(':')
            o['expect'] = (float(a), float(b))
        elif k in ('--alpha', '--power', '--mde', '--mixture-sd'):
            o[k[2:]] = float(v)
        else:
            o[k[2:]] = v
    return rows, report, o


def values(rows, o, name, kind, seg):
    """per arm: the metric values (with the covariate for CUPED)"""
    out = {0: [], 1: []}
    for r in rows:
        if seg is not None and r[o['by']] != seg or r[name] == '':
            continue
        a = 0 if r[o['arm']] == o['control'] else 1
        y = Fraction(r[name])
        out[a].append((Fraction(r[o['covariate']]), y) if o['covariate'] and kind == 'numeric' else y)
    return out


def extras(e, c, t, kind, o, seg):
    if o['sequential']:
        e['sequential'] = sequential(c, t, kind, o['alpha'], o['mixture-sd'])
    if o['power'] and seg is None:
        e['power'] = power(c, t, kind, o['alpha'], o['power'], o['mde'])
    return e


def expected_item(rows, o, name, kind, seg):
    v = values(rows, o, name, kind, seg)
    if o['covariate'] and kind == 'numeric':
        ac, at, theta = cuped(v[0], v[1])
        e = extras(analyse(ac, at, kind, o['alpha']), ac, at, kind, o, seg)
        raw = analyse([y for _, y in v[0]], [y for _, y in v[1]], kind, o['alpha'])
        e['theta'] = theta
        e['variance_reduction'] = 1 - (e['sd_control'] ** 2 / len(ac) + e['sd_treatment'] ** 2 / len(at)) / \
            (raw['sd_control'] ** 2 / len(ac) + raw['sd_treatment'] ** 2 / len(at))
        e['diff_unadjusted'], e['p_unadjusted'] = raw['diff'], raw['p']
        return e
    return extras(analyse(v[0], v[1], kind, o['alpha']), v[0], v[1], kind, o, seg)


def check_items(ck, rows, o, items):
    segs = sorted({r[o['by']] for r in rows}) if o['by'] else []
    want = []
    for name, kind in o['metrics']:
        want.append((name, kind, None, expected_item(rows, o, name, kind, None)))
        for s in segs:
            want.append((name, kind, s, expected_item(rows, o, name, kind, s)))
    ck.same('number of metrics items', len(items), len(want))
    overall = [w[3]['p'] for w in want if w[2] is None]
    for w, adj in zip([w for w in want if w[2] is None], adjust(overall, o['correction'])):
        w[3]['p_adjusted'] = adj
    for name, _, _ in [(m, k, 0) for m, k in o['metrics']]:
        fam = [w for w in want if w[0] == name and w[2] is not None]
        for w, adj in zip(fam, adjust([w[3]['p'] for w in fam], o['correction'])):
            w[3]['p_adjusted'] = adj
    if o['sequential']:
        fams = [[w for w in want if w[2] is None]]
        fams += [[w for w in want if w[0] == m and w[2] is not None] for m, _ in o['metrics']]
        for fam in fams:
            for w, adj in zip(fam, adjust([w[3]['sequential']['p'] for w in fam], o['correction'])):
                w[3]['sequential']['p_adjusted'] = adj
    for (name, kind, seg, e), it in zip(want, items):
        where = '%s/%s' % (name, seg)
        ck.same(where + ' metric', it['metric'], name)
        ck.same(where + ' kind', it['kind'], kind)
        ck.same(where + ' segment', it['segment'], seg)
        for k, v in e.items():
            if k in ('theta', 'variance_reduction', 'diff_unadjusted', 'p_unadjusted'):
                ck.near('%s cuped.%s' % (where, k), it['cuped'][k], v)
            elif k in ('sequential', 'power'):
                for k2, v2 in v.items():
                    ck.near('%s %s.%s' % (where, k, k2), it[k][k2], v2)
            else:
                ck.near('%s %s' % (where, k), it[k], v)
        dp = e['sequential']['p_adjusted'] if o['sequential'] else e['p_adjusted']
        ck.same(where + ' negative', it['negative'], e['diff'] < 0 and dp < o['alpha'])


def check_top(ck, rows, o, rep):
    n = [sum(1 for r in rows if (r[o['arm']] == o['control']) == (a == 0)) for a in (0, 1)]
    w = o['expect']
    e = [sum(n) * w[a] / sum(w) for a in (0, 1)]
    chi2 = sum((n[a] - e[a]) ** 2 / e[a] for a in (0, 1))
    ck.same('arms', list(rep['arms'].values()), n)
    ck.near('srm_chi2', rep['srm_chi2'], chi2, absol=1e-12)
    ck.near('srm_p', rep['srm_p'], math.erfc(math.sqrt(chi2 / 2)))
    if not o['by']:
        ck.same('segment_mix', rep['segment_mix'], None)
        return
    segs = sorted({r[o['by']] for r in rows})
    tab = [[sum(1 for r in rows if r[o['by']] == s and (r[o['arm']] == o['control']) == (a == 0))
            for s in segs] for a in (0, 1)]
    tot = [sum(col) for col in zip(*tab)]
    x = sum((tab[a][j] - n[a] * tot[j] / sum(n)) ** 2 / (n[a] * tot[j] / sum(n))
            for a in (0, 1) for j in range(len(segs)))
    mix = rep['segment_mix']
    ck.same('mix segments', [s['segment'] for s in mix['segments']], segs)
    ck.near('mix max_diff', mix['max_diff'],
            max(abs(tab[1][j] / n[1] - tab[0][j] / n[0]) for j in range(len(segs))))
    ck.near('mix chi2', mix['chi2'], x)
    ck.near('mix p', mix['p'], chi2_sf(x, len(segs) - 1), rel=1e-7)


def main(argv):
    rows_path, report_path, o = parse_args(argv)
    with open(rows_path, newline='') as f:
        rows = list(csv.DictReader(f))
    with open(report_path) as f:
        rep = json.load(f)
    ck = Checker()
    check_top(ck, rows, o, rep)
    check_items(ck, rows, o, rep['metrics'])
    if ck.bad:
        print('%d of %d checks failed' % (ck.bad, ck.n))
        return 1
    print('ok %d checks' % ck.n)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
