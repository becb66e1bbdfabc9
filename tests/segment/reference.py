#!/usr/bin/env python3
"""Independent reference computations for the segment tests, with SciPy and scikit-learn.

  reference.py bgnbd PARAMS_JSON CUSTOMERS_CSV    -> the BG/NBD log-likelihood (x,t_x,T rows)
  reference.py gammagamma PARAMS_JSON CUSTOMERS_CSV -> the Gamma-Gamma log-likelihood (x,mean)
  reference.py kmeans MATRIX_CSV SAMPLE_CSV LABELS_CSV MIN_K MAX_K
      -> scikit-learn's KMeans for each k, its silhouette on the sample, the k it chooses, and
         the adjusted Rand index between its partition and LABELS_CSV

Prints one JSON object.
"""
import json
import sys

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1, logsumexp


def bgnbd(params, rows):
    r, alpha, a, b = params["r"], params["alpha"], params["a"], params["b"]
    x, t_x, T = rows[:, 0], rows[:, 1], rows[:, 2]
    # Fader, Hardie & Lee (2005), equation 6, in logs.
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    first = common + betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
    second = np.where(
        x > 0,
        common + betaln(a + 1, np.maximum(b + x - 1, 1e-300)) - betaln(a, b)
        - (r + x) * np.log(alpha + t_x),
        -np.inf)
    return float(np.sum(logsumexp(np.stack([first, second]), axis=0)))


def bgnbd_forecast(params, rows, days):
    """Expected purchases in `days` (equation 10) and P(alive), per row."""
    r, alpha, a, b = params["r"], params["alpha"], params["a"], params["b"]
    x, t_x, T = rows[:, 0], rows[:, 1], rows[:, 2]
    odds = np.where(x > 0, a / np.maximum(b + x - 1, 1e-300)
                    * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)
    p_alive = 1 / (1 + odds)
    z = days / (alpha + T + days)
    lead = (a + b + x - 1) / (a - 1)
    inner = 1 - ((alpha + T) / (alpha + T + days)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    return lead * inner * p_alive, p_alive


def gammagamma(params, rows):
    p, q, g = params["p"], params["q"], params["gamma"]
    x, m = rows[:, 0], rows[:, 1]
    ll = (gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(g)
          + (p * x - 1) * np.log(m) + p * x * np.log(x) - (p * x + q) * np.log(g + m * x))
    return float(np.sum(ll))


def kmeans(matrix, sample, labels, min_k, max_k):
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score, silhouette_score
    best = None
    scores = {}
    for k in range(min_k, max_k + 1):
        fit = KMeans(n_clusters=k, n_init=10, random_state=0).fit(matrix)
        score = silhouette_score(matrix[sample], fit.labels_[sample])
        scores[k] = float(score)
        if best is None or score > best[1]:
            best = (k, score, fit.labels_)
    return {"k": best[0], "silhouette": float(best[1]), "silhouettes": scores,
            "ari": float(adjusted_rand_score(best[2], labels))}


def main():
    mode = sys.argv[1]
    if mode == "bgnbd":
        params = json.load(open(sys.argv[2]))
        rows = np.loadtxt(sys.argv[3], delimiter=",", ndmin=2)
        expected, p_alive = bgnbd_forecast(params, rows, 90.0)
        out = {"log_likelihood": bgnbd(params, rows), "expected_90d": expected.tolist(),
               "p_alive": p_alive.tolist()}
    elif mode == "gammagamma":
        params = json.load(open(sys.argv[2]))
        rows = np.loadtxt(sys.argv[3], delimiter=",", ndmin=2)
        out = {"log_likelihood": gammagamma(params, rows)}
    elif mode == "kmeans":
        matrix = np.loadtxt(sys.argv[2], delimiter=",", ndmin=2)
        sample = np.loadtxt(sys.argv[3], dtype=int, ndmin=1)
        labels = np.loadtxt(sys.argv[4], dtype=int, ndmin=1)
        out = kmeans(matrix, sample, labels, int(sys.argv[5]), int(sys.argv[6]))
    else:
        sys.exit("unknown mode " + mode)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
