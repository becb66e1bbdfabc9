// Customer analytics of the cube's sales for the API (/api/v1/segments, clusters, cohorts,
// customers/at-risk): the selection's sales (its filters and dates) handed to the segmentation
// library (src/segment/) as of the selection's last day (`to`, else the data's last day).
//
// A segmentation takes about a second at 300,000 sales, and the dashboard asks four endpoints
// with the same filters at once: each cube and selection is segmented once, by the first
// request, and the others wait for it and share the result. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "segment/segmentation.h"
#include "serve/cube.h"

namespace till {

// The segmentation of `selection`'s sales in `cube`. `key` names the selection (equal keys:
// equal selections). kInvalidArgument when the selection has too few customers for the models
// (none; fewer than two clusters; no customer who bought twice).
Result<std::shared_ptr<const segment::Segmentation>> SegmentSales(
    const std::shared_ptr<const Cube>& cube, const Selection& selection, const std::string& key);

}  // namespace till
