"""model-ref.py - an independent implementation of tl-model's fit in pure
python (Gauss-Jordan elimination instead of Cholesky, its own hash, AUC by
sorting), used as the expected values of tests/tl-model.bats and
tests/validate-real.bats. Import it with sys.path pointing at testdata/."""
import csv, json, math, sys

def rows(path):
    return list(csv.DictReader(open(path)))

def solve(A, b):
    n = len(b); M = [A[i][:] + [b[i]] for i in range(n)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(M[r][c])); M[c], M[p] = M[p], M[c]
        for r in range(n):
            if r != c:
                f = M[r][c] / M[c][c]
                for k in range(c, n + 1): M[r][k] -= f * M[c][k]
    return [M[i][n] / M[i][i] for i in range(n)]

def tf(spec, v):
    if v == "": return None
    x = float(v)
    if spec.startswith("log1p:"): return math.log1p(x)
    if spec.startswith("sqrt:"): return math.sqrt(x)
    return x

def field(spec): return spec.split(":")[-1]

def standardise(data, specs):
    """mean and sample sd of the non-empty transformed values"""
    out = []
    for s in specs:
        v = [tf(s, r[field(s)]) for r in data]; v = [x for x in v if x is not None]
        m = sum(v) / len(v); sd = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1))
        out.append((m, sd))
    return out

def design(data, specs, st):
    X = []
    for r in data:
        row = [1.0]
        for s, (m, sd) in zip(specs, st):
            x = tf(s, r[field(s)]); row.append(0.0 if x is None else (x - m) / sd)
        X.append(row)
    return X

def irls(X, y, l2):
    """maximise loglik - l2/2 sum b_j^2 (j >= 1) by Newton, no line search"""
    p = len(X[0]); b = [0.0] * p
    for it in range(200):
        H = [[0.0] * p for _ in range(p)]; g = [0.0] * p
        for x, t in zip(X, y):
            mu = 1 / (1 + math.exp(-sum(a * c for a, c in zip(x, b)))); w = mu * (1 - mu)
            for i in range(p):
                g[i] += x[i] * (t - mu)
                for j in range(p): H[i][j] += w * x[i] * x[j]
        for j in range(1, p): g[j] -= l2 * b[j]; H[j][j] += l2
        d = solve(H, g); b = [a + c for a, c in zip(b, d)]
        if max(abs(v) for v in d) < 1e-13: break
    return b

def ridge(X, y, l2):
    p = len(X[0])
    A = [[sum(x[i] * x[j] for x in X) + (l2 if i == j and i > 0 else 0) for j in range(p)] for i in range(p)]
    return solve(A, [sum(x[i] * t for x, t in zip(X, y)) for i in range(p)])

def predict(X, b, logistic=True):
    out = []
    for x in X:
        eta = sum(a * c for a, c in zip(x, b))
        out.append(1 / (1 + math.exp(-eta)) if logistic else eta)
    return out

def auc(s, y):
    """Mann-Whitney by sorting, ties count one half (independent of tl-eval)"""
    pairs = sorted(zip(s, y)); pos = sum(y); neg = len(y) - pos; below = 0; tot = 0; i = 0
    while i < len(pairs):
        j = i; gp = gn = 0
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            gp += pairs[j][1]; gn += 1 - pairs[j][1]; j += 1
        tot += gp * below + 0.5 * gp * gn; below += gn; i = j
    return tot / (pos * neg)

M64 = (1 << 64) - 1
def hash64(s, salt):
    h = 0xcbf29ce484222325 ^ salt
    for c in s.encode():
        h = ((h ^ c) * 0x100000001b3) & M64
    h = (h + 0x9e3779b97f4a7c15) & M64
    h = ((h ^ (h >> 30)) * 0xbf58476d1ce4e5b9) & M64
    h = ((h ^ (h >> 27)) * 0x94d049bb133111eb) & M64
    return h ^ (h >> 31)
