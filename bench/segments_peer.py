#!/usr/bin/env python3
"""The peer of bench/segments.sh, after the RFM table came out of SQL: the same cluster
features (log(1 + x) of recency, orders, revenue and revenue per order), standardised, then
scikit-learn's KMeans for k = 2..8 with the silhouette of each (sample_size 5000), keeping the
best k. Prints the k chosen and its silhouette.

  segments_peer.py RFM_CSV     (customer_id,recency_days,orders,revenue rows, no header)
"""
import sys

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

rows = np.loadtxt(sys.argv[1], delimiter=",", usecols=(1, 2, 3), ndmin=2)
recency, orders, revenue = rows[:, 0], rows[:, 1], rows[:, 2]
features = np.log1p(np.column_stack([recency, orders, revenue, revenue / orders]))
matrix = StandardScaler().fit_transform(features)
best = None
for k in range(2, 9):
    labels = KMeans(n_clusters=k, n_init=1, max_iter=30, random_state=0).fit_predict(matrix)
    score = silhouette_score(matrix, labels, sample_size=min(5000, len(matrix)), random_state=0)
    if best is None or score > best[1]:
        best = (k, score)
print(f"k {best[0]} silhouette {best[1]:.4f}")
