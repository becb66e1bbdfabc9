#!/usr/bin/env python3
"""Independent reference computations for the segment tests, with SciPy and scikit-learn.

  reference.py bgnbd PARAMS_JSON CUSTOMERS_CSV    -> the BG/NBD log-likelihood (x,t_x,T rows)
  reference.py gammagamma PARAMS_JSON CUSTOMERS_CSV -> the Gamma-Gamma log-likelihood (x,mean)
  reference.py fitbgnbd CUSTOMERS_CSV [DAYS]
      -> SciPy's own maximum-likelihood fits of BG/NBD and of the NBD model (no drop-out) to
         x,t_x,T rows, the likelihood-ratio statistic, the parameters kept (BG/NBD when the
         statistic exceeds the 95% point of chi-square with 1 degree of freedom, else the NBD
         with a = b = 0), and their expected purchases in the next DAYS days, summed. Rows with
         a fourth column (sum_t, the sum of the repeat purchases' days from the first) also get
         the kept model with a common trend of the purchase rates, kept in turn when its
         likelihood-ratio statistic exceeds the same point.

With a trend (params["trend"], per day, 0 when absent) every rate is multiplied by
exp(trend * (calendar day - end of the observation)): the models' clock runs on the integral of
that factor, and the purchase times add trend * (sum_t - x T) to a customer's log-likelihood.
  reference.py kmeans MATRIX_CSV SAMPLE_CSV LABELS_CSV MIN_K MAX_K
      -> scikit-learn's KMeans for each k, its silhouette on the sample, the k it chooses, and
         the adjusted Rand index between its partition and LABELS_CSV

Prints one JSON object.
"""
import json
import sys

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1, logsumexp


def grown(beta, u):
    """The integral of exp(beta v) for v from 0 to u."""
    u = np.asarray(u, dtype=float)
    if beta == 0:
        return u
    return np.expm1(beta * u) / beta


def trend_rows(params, rows):
    """(x, t_x, T) on the trend's clock, and the log-likelihood term of the purchase times (of
    rows with the fourth column)."""
    beta = params.get("trend", 0.0)
    if beta == 0:
        return rows[:, :3], 0.0
    x, t_x, T = rows[:, 0], rows[:, 1], rows[:, 2]
    shrink = np.exp(-beta * T)
    out = np.stack([x, shrink * grown(beta, t_x), shrink * grown(beta, T)], axis=1)
    timing = float(beta * np.sum(rows[:, 3] - x * T)) if rows.shape[1] > 3 else 0.0
    return out, timing


def nbd(params, rows):
    """BG/NBD in the limit a -> 0: nobody drops out, purchases Poisson with a Gamma rate."""
    r, alpha = params["r"], params["alpha"]
    rows, timing = trend_rows(params, rows)
    x, T = rows[:, 0], rows[:, 2]
    return timing + float(np.sum(gammaln(r + x) - gammaln(r) + r * np.log(alpha)
                                 - (r + x) * np.log(alpha + T)))


def bgnbd(params, rows):
    if params["a"] == 0:
        return nbd(params, rows)
    r, alpha, a, b = params["r"], params["alpha"], params["a"], params["b"]
    rows, timing = trend_rows(params, rows)
    x, t_x, T = rows[:, 0], rows[:, 1], rows[:, 2]
    # Fader, Hardie & Lee (2005), equation 6, in logs.
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    first = common + betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
    second = np.where(
        x > 0,
        common + betaln(a + 1, np.maximum(b + x - 1, 1e-300)) - betaln(a, b)
        - (r + x) * np.log(alpha + t_x),
        -np.inf)
    return timing + float(np.sum(logsumexp(np.stack([first, second]), axis=0)))


def bgnbd_forecast(params, rows, days):
    """Expected purchases in `days` (equation 10) and P(alive), per row."""
    r, alpha, a, b = params["r"], params["alpha"], params["a"], params["b"]
    days = float(grown(params.get("trend", 0.0), days))
    rows, _ = trend_rows(params, rows)
    x, t_x, T = rows[:, 0], rows[:, 1], rows[:, 2]
    if a == 0:
        # No drop-out: the rate's posterior is Gamma(r + x, alpha + T).
        return days * (r + x) / (alpha + T), np.ones_like(x)
    odds = np.where(x > 0, a / np.maximum(b + x - 1, 1e-300)
                    * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)
    p_alive = 1 / (1 + odds)
    z = days / (alpha + T + days)
    lead = (a + b + x - 1) / (a - 1)
    inner = 1 - ((alpha + T) / (alpha + T + days)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    return lead * inner * p_alive, p_alive


def fit_bgnbd(rows, days):
    """Maximises the likelihoods with SciPy's L-BFGS-B over the logs of the parameters (bounds
    e^-12 .. e^14, a finite box for likelihoods whose supremum lies at infinity) from starts of
    its own: the NBD model with its analytic gradient, BG/NBD with numerical differences.
    Equal rows are counted once, with their weight."""
    from scipy.optimize import minimize
    from scipy.special import digamma
    unique, weight = np.unique(rows[:, :3], axis=0, return_counts=True)
    x, T = unique[:, 0], unique[:, 2]
    gap = np.log(np.sum(weight * T) / np.sum(weight * x))
    bounds = [(-12, 14)]

    def nbd_objective(theta):
        r, alpha = np.exp(theta)
        ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - (r + x) * np.log(alpha + T)
        g_r = digamma(r + x) - digamma(r) + np.log(alpha) - np.log(alpha + T)
        g_alpha = r / alpha - (r + x) / (alpha + T)
        return (-float(np.sum(weight * ll)),
                -np.array([r * np.sum(weight * g_r), alpha * np.sum(weight * g_alpha)]))

    fit = minimize(nbd_objective, [np.log(0.5), gap + np.log(0.5)], jac=True, method="L-BFGS-B",
                   bounds=bounds * 2, options={"ftol": 1e-15, "gtol": 1e-8, "maxiter": 5000})
    without = {"r": float(np.exp(fit.x[0])), "alpha": float(np.exp(fit.x[1])), "a": 0.0, "b": 0.0}
    ll_without = -float(fit.fun)

    def bgnbd_objective(theta):
        r, alpha, a, b = np.exp(theta)
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        first = common + betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
        second = np.where(
            x > 0,
            common + betaln(a + 1, np.maximum(b + x - 1, 1e-300)) - betaln(a, b)
            - (r + x) * np.log(alpha + unique[:, 1]),
            -np.inf)
        value = float(np.sum(weight * logsumexp(np.stack([first, second]), axis=0)))
        return -value if np.isfinite(value) else 1e300

    start = [np.log(0.5), gap + np.log(0.5), np.log(0.5), np.log(2.0)]
    best = minimize(bgnbd_objective, start, method="L-BFGS-B", bounds=bounds * 4,
                    options={"ftol": 1e-15, "gtol": 1e-9, "maxiter": 5000})
    with_ = dict(zip(["r", "alpha", "a", "b"], np.exp(best.x).tolist()))
    ll_with = -float(best.fun)
    ratio = 2 * (ll_with - ll_without)
    dropout = bool(ratio > 3.841458820694124)
    kept = with_ if dropout else without
    out = {"with_dropout": with_, "without_dropout": without, "log_likelihood": ll_with,
           "no_dropout_log_likelihood": ll_without, "likelihood_ratio": ratio,
           "dropout": dropout}
    if rows.shape[1] > 3:
        # The kept model with a trend: its parameters' logs and the trend per year, from the
        # kept model's optimum and no trend. The times' term is linear in the trend: its
        # coefficient is summed once.
        names = ["r", "alpha", "a", "b"] if dropout else ["r", "alpha"]
        timing = float(np.sum(rows[:, 3] - rows[:, 0] * rows[:, 2]))

        def trend_objective(theta):
            params = dict(zip(names, np.exp(theta[:-1]).tolist()))
            params.setdefault("a", 0.0)
            params.setdefault("b", 0.0)
            params["trend"] = theta[-1] / 365
            moved, _ = trend_rows(params, unique)
            value = weighted(params, moved) + params["trend"] * timing
            return -value if np.isfinite(value) else 1e300

        def weighted(params, moved):
            p = dict(params, trend=0.0)
            r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
            x, t_x, T = moved[:, 0], moved[:, 1], moved[:, 2]
            common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
            if not dropout:
                return float(np.sum(weight * (common - (r + x) * np.log(alpha + T))))
            first = common + betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
            second = np.where(
                x > 0,
                common + betaln(a + 1, np.maximum(b + x - 1, 1e-300)) - betaln(a, b)
                - (r + x) * np.log(alpha + t_x),
                -np.inf)
            return float(np.sum(weight * logsumexp(np.stack([first, second]), axis=0)))

        start = np.log([kept[n] for n in names]).tolist() + [0.0]
        trended = minimize(trend_objective, start, method="L-BFGS-B",
                           bounds=bounds * (len(names) + 1),
                           options={"ftol": 1e-15, "gtol": 1e-9, "maxiter": 5000})
        with_trend = dict(zip(names, np.exp(trended.x[:-1]).tolist()))
        with_trend.setdefault("a", 0.0)
        with_trend.setdefault("b", 0.0)
        with_trend["trend"] = float(trended.x[-1] / 365)
        ll_trend = -float(trended.fun)
        ll_kept = ll_with if dropout else ll_without
        trend_ratio = 2 * (ll_trend - ll_kept)
        trend = bool(trend_ratio > 3.841458820694124)
        out.update({"with_trend": with_trend, "trend_log_likelihood": ll_trend,
                    "trend_likelihood_ratio": trend_ratio, "trend": trend})
        if trend:
            kept = with_trend
    expected, _ = bgnbd_forecast(kept, rows, days)
    out.update({"params": kept, "expected": float(np.sum(expected))})
    return out


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
    elif mode == "fitbgnbd":
        rows = np.loadtxt(sys.argv[2], delimiter=",", ndmin=2)
        days = float(sys.argv[3]) if len(sys.argv) > 3 else 90.0
        out = fit_bgnbd(rows, days)
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
