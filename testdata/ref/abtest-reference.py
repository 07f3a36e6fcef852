#!/usr/bin/env python3
"""abtest-reference.py - independent reference values for tests/unit/test_abtest.c.

Computed with mpmath (arbitrary precision, 40 digits) and the Python standard
library only; nothing here shares code or algorithms with common/util/stats*.c or
common/abtest/:
  * Student t tail: P(|T| >= |t|) = I_{df/(df+t^2)}(df/2, 1/2) with
    mpmath.betainc(regularized=True) (mpmath's hypergeometric series);
  * t quantile: mpmath.findroot on that tail;
  * normal quantile: sqrt(2) erfinv(2p - 1) with mpmath.erfinv;
  * chi-square tail: mpmath.gammainc(k/2, x/2, inf, regularized=True).
Run it to print the values; the unit test records them with their source.
"""
import mpmath as mp

mp.mp.dps = 40


def t_sf2(t, df):
    x = df / (df + t * t)
    return mp.betainc(df / 2, mp.mpf(1) / 2, 0, x, regularized=True)


def t_quantile(p, df):  # upper quantile for p > 1/2
    q = 2 * (1 - p)
    return mp.findroot(lambda t: t_sf2(t, df) - q, mp.mpf(2))


def z_quantile(p):
    return mp.sqrt(2) * mp.erfinv(2 * mp.mpf(p) - 1)


def moments(xs):
    n = mp.mpf(len(xs))
    m = mp.fsum(mp.mpf(x) for x in xs) / n
    v = mp.fsum((mp.mpf(x) - m) ** 2 for x in xs) / (n - 1) if n > 1 else mp.nan
    return n, m, v


def welch(c, t, alpha=mp.mpf('0.05')):
    nc, mc, vc = moments(c)
    nt, mt, vt = moments(t)
    a, b = vc / nc, vt / nt
    se = mp.sqrt(a + b)
    df = (a + b) ** 2 / (a * a / (nc - 1) + b * b / (nt - 1))
    tt = (mt - mc) / se
    h = t_quantile(1 - alpha / 2, df) * se
    lift = (mt - mc) / mc
    lv = b / mc ** 2 + mt ** 2 * a / mc ** 4
    lh = z_quantile(1 - alpha / 2) * mp.sqrt(lv)
    return dict(diff=mt - mc, t=tt, df=df, p=t_sf2(tt, df), lo=mt - mc - h, hi=mt - mc + h,
                lift=lift, lift_lo=lift - lh, lift_hi=lift + lh)


def wilson(x, n, z):
    p = mp.mpf(x) / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    h = z * mp.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(mid - h, 0), min(mid + h, 1)


def two_prop(xc, nc, xt, nt, alpha=mp.mpf('0.05')):
    z = z_quantile(1 - alpha / 2)
    pc, pt = mp.mpf(xc) / nc, mp.mpf(xt) / nt
    pool = mp.mpf(xc + xt) / (nc + nt)
    se0 = mp.sqrt(pool * (1 - pool) * (mp.mpf(1) / nc + mp.mpf(1) / nt))
    zz = (pt - pc) / se0 if se0 > 0 else mp.nan
    lc, uc = wilson(xc, nc, z)
    lt, ut = wilson(xt, nt, z)
    d = pt - pc
    return dict(diff=d, z=zz, p=mp.erfc(abs(zz) / mp.sqrt(2)) if se0 > 0 else mp.nan,
                lo=d - mp.sqrt((pt - lt) ** 2 + (uc - pc) ** 2),
                hi=d + mp.sqrt((ut - pt) ** 2 + (pc - lc) ** 2))


def show(name, d):
    print(name)
    for k, v in d.items():
        print('   %-8s %s' % (k, mp.nstr(v, 17)))


SLEEP1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
WIKI_A1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]
WIKI_A2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]
LARGE_C = [1 + ((i * 7919) % 1000) / 500 for i in range(1000)]
LARGE_T = [1.05 + ((i * 104729) % 997) / 400 for i in range(1500)]
WELCH = [
    ('sleep: control group 2, treatment group 1', SLEEP2, SLEEP1),
    ('R t.test(1:10, y = c(7:20))', list(range(7, 21)), list(range(1, 11))),
    ('R t.test(1:10, y = c(7:20, 200))', list(range(7, 21)) + [200], list(range(1, 11))),
    ('n = 2 vs n = 2', [1, 2], [3, 5]),
    ('n = 2 vs n = 3, unequal variances', [0, 10], [4.9, 5.0, 5.1]),
    ('n = 30 vs n = 5, variances 1:10^4', [10 + (i % 5 - 2) * 0.01 for i in range(30)],
     [9, 10.5, 11, 12, 13.5]),
    ('Wikipedia Welch example 1 (A1 control, A2 treatment)', WIKI_A1, WIKI_A2),
    ('large n: 1000 vs 1500', LARGE_C, LARGE_T),
    ('control variance 0', [5, 5, 5], [1, 2, 3, 4]),
    ('tiny p, df ~ 4', [1.0, 1.1, 0.9], [5.0, 5.2, 4.8, 5.1]),
]
PROPS = [(48, 80, 56, 70), (3, 10, 9, 10), (2, 7, 6, 7), (0, 29, 5, 56), (0, 20, 0, 10),
         (0, 20, 10, 10), (5000, 50000, 5250, 50000)]

if __name__ == '__main__':
    for name, c, t in WELCH:
        if name.startswith('control variance 0'):
            nc, mc, vc = moments(c)
            nt, mt, vt = moments(t)
            df = nt - 1
            tt = (mt - mc) / mp.sqrt(vt / nt)
            show(name, dict(t=tt, df=df, p=t_sf2(tt, df),
                            lo=mt - mc - t_quantile(mp.mpf('0.975'), df) * mp.sqrt(vt / nt)))
            continue
        show(name, welch(c, t))
    for xc, nc, xt, nt in PROPS:
        show('prop %d/%d (control) vs %d/%d (treatment)' % (xc, nc, xt, nt), two_prop(xc, nc, xt, nt))
    # one-arm intervals of the sleep data, group 2: t_{0.975, 9} sd / sqrt(10)
    n, m, v = moments(SLEEP2)
    h = t_quantile(mp.mpf('0.975'), 9) * mp.sqrt(v / n)
    show('sleep group 2 mean CI', dict(lo=m - h, hi=m + h))
    show('chi2 sf', dict(srm=mp.gammainc(mp.mpf(1) / 2, mp.mpf('0.98') / 2, mp.inf, regularized=True)))
    show('z quantiles', dict(z975=z_quantile('0.975'), z80=z_quantile('0.8')))

CUPED_C = [(1.0, 2.1), (2.0, 2.9), (3.0, 4.2), (4.0, 4.8), (5.0, 6.1), (2.5, 3.4)]
CUPED_T = [(1.5, 2.9), (2.5, 3.8), (3.5, 4.6), (4.5, 5.9), (0.5, 1.9)]


def cuped():
    allp = CUPED_C + CUPED_T
    n = mp.mpf(len(allp))
    mx = mp.fsum(mp.mpf(x) for x, _ in allp) / n
    my = mp.fsum(mp.mpf(y) for _, y in allp) / n
    cxy = mp.fsum((mp.mpf(x) - mx) * (mp.mpf(y) - my) for x, y in allp)
    sxx = mp.fsum((mp.mpf(x) - mx) ** 2 for x, _ in allp)
    theta = cxy / sxx
    adj = lambda arm: [mp.mpf(y) - theta * (mp.mpf(x) - mx) for x, y in arm]
    ac, at = adj(CUPED_C), adj(CUPED_T)
    w = welch(ac, at)
    nc, mc, vc = moments(ac)
    nt, mt, vt = moments(at)
    _, _, rvc = moments([y for _, y in CUPED_C])
    _, _, rvt = moments([y for _, y in CUPED_T])
    vr = 1 - (vc / nc + vt / nt) / (rvc / nc + rvt / nt)
    return dict(theta=theta, mean_c=mc, mean_t=mt, sd_c=mp.sqrt(vc), sd_t=mp.sqrt(vt),
                t=w['t'], df=w['df'], p=w['p'], vr=vr)


def msprt(diff, v, tau2, alpha):
    diff, v, tau2, alpha = map(mp.mpf, (diff, v, tau2, alpha))
    lam = mp.sqrt(v / (v + tau2)) * mp.exp(diff ** 2 * tau2 / (2 * v * (v + tau2)))
    h = mp.sqrt(v * (v + tau2) / tau2 * (mp.log((v + tau2) / v) - 2 * mp.log(alpha)))
    return dict(p=min(1, 1 / lam), lo=diff - h, hi=diff + h)


def homogeneity(rows):
    n = sum(map(sum, rows))
    cs = [sum(c) for c in zip(*rows)]
    x = mp.fsum((mp.mpf(o) - mp.mpf(sum(r)) * c / n) ** 2 / (mp.mpf(sum(r)) * c / n)
                for r in rows for o, c in zip(r, cs))
    df = (len(rows) - 1) * (len(cs) - 1)
    return dict(chi2=x, df=df, p=mp.gammainc(mp.mpf(df) / 2, x / 2, mp.inf, regularized=True))


if __name__ == '__main__':
    show('CUPED', cuped())
    show('mSPRT diff 0.3 V 0.01 tau2 0.04', msprt('0.3', '0.01', '0.04', '0.05'))
    show('mSPRT diff 0.01 V 0.01 tau2 0.04', msprt('0.01', '0.01', '0.04', '0.05'))
    show('homogeneity [[30,50,20],[35,40,25]]', homogeneity([[30, 50, 20], [35, 40, 25]]))
    z = z_quantile('0.975') + z_quantile('0.8')
    show('power', dict(n_d05=2 * z ** 2 / mp.mpf('0.25'),
                       power=mp.ncdf(mp.mpf('2.5') - z_quantile('0.975')) +
                       mp.ncdf(-mp.mpf('2.5') - z_quantile('0.975')),
                       mde=z * mp.mpf('0.2')))
