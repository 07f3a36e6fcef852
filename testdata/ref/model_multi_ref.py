"""model_multi_ref.py - an independent multinomial (softmax) regression in
pure python, the expected values of tests/tl-model-multi.bats: classes in
byte order, the first the reference (eta 0), the others' intercepts and
slopes on the standardised features (standardise and design of
model_ref.py), an L2 penalty on the slopes, plain Newton steps on the full
Hessian solved by Gauss-Jordan (model_ref.solve), no line search; the
metrics counted from the predictions. Import with sys.path at testdata/ref."""
import math
from model_ref import rows, standardise, design, solve

def classes_of(data, target):
    return sorted({r[target] for r in data}, key=lambda s: s.encode())

def probs(x, B, C):
    """B[k-1] the coefficients of class k (1..C-1); class 0 has eta 0"""
    eta = [0.0] + [sum(a * b for a, b in zip(x, B[k])) for k in range(C - 1)]
    m = max(eta); e = [math.exp(v - m) for v in eta]; s = sum(e)
    return [v / s for v in e], eta

def newton(X, y, C, l2, start=None):
    """y: class indices; returns B, (C-1) lists of len(X[0]) coefficients"""
    r = len(X[0]); q = (C - 1) * r
    n = [sum(1 for t in y if t == k) for k in range(C)]
    b = [0.0] * q
    for k in range(1, C): b[(k - 1) * r] = math.log(n[k] / n[0])
    for it in range(200):
        g = [0.0] * q; H = [[0.0] * q for _ in range(q)]
        B = [b[k * r:(k + 1) * r] for k in range(C - 1)]
        for x, t in zip(X, y):
            p, _ = probs(x, B, C)
            for k in range(1, C):
                res = (1.0 if t == k else 0.0) - p[k]
                for i in range(r):
                    g[(k - 1) * r + i] += res * x[i]
                for l in range(1, C):
                    w = p[k] * ((1.0 if k == l else 0.0) - p[l])
                    for i in range(r):
                        for j in range(r):
                            H[(k - 1) * r + i][(l - 1) * r + j] += w * x[i] * x[j]
        for a in range(q):
            if a % r:
                g[a] -= l2 * b[a]; H[a][a] += l2
        d = solve(H, g); b = [u + v for u, v in zip(b, d)]
        if max(abs(v) for v in d) < 1e-14 * (1 + max(abs(v) for v in b)): break
    return [b[k * r:(k + 1) * r] for k in range(C - 1)]

def fit(data, specs, target, l2):
    cls = classes_of(data, target); st = standardise(data, specs)
    X = design(data, specs, st); y = [cls.index(r[target]) for r in data]
    return cls, st, X, y, newton(X, y, len(cls), l2)

def predict(X, B, C):
    out = []
    for x in X:
        p, eta = probs(x, B, C)
        out.append((p, max(range(C), key=lambda k: (eta[k], -k))))
    return out

def class_metrics(y, pred, C):
    """accuracy and macro F1 over the classes with support"""
    acc = sum(1 for a, b in zip(y, pred) if a == b) / len(y); f1 = []
    for k in range(C):
        tp = sum(1 for a, b in zip(y, pred) if a == k and b == k)
        sup = sum(1 for a in y if a == k); prd = sum(1 for b in pred if b == k)
        if sup: f1.append(2 * tp / (sup + prd))
    return acc, sum(f1) / len(f1)
