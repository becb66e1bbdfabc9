// Customer analytics of the cube's sales for the API (/api/v1/segments, clusters, cohorts,
// customers/at-risk): the selection's sales (its filters and dates) handed to the segmentation
// library (src/segment/) as of the selection's last day (`to`, else the data's last day).
//
// A segmentation takes about a second at 300,000 sales, and the dashboard asks four endpoints
// with the same filters at once: each cube and selection is segmented once, by the first to ask
// (a request, or the server computing the dashboard's default question in the background), and
// the others wait for that computation and share the result. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "segment/segmentation.h"
#include "serve/cube.h"

namespace till {

// The days the dashboard shows when its URL names no dates: the last 90 of the data, as
// web/src/state.js sets them (its presetRange('90')).
inline constexpr int kDashboardDefaultDays = 90;

// The selection the dashboard's Customers tab asks about with its default filters: the last
// kDashboardDefaultDays days of `cube`, no other filter. None when the cube has no dated sale.
std::optional<Selection> DefaultCustomersSelection(const Cube& cube);

// The segmentation of `selection`'s sales in `cube`, computed by this call or by the one already
// computing it (then this waits). kInvalidArgument when the selection has too few customers for
// the models (none; fewer than two clusters; no customer who bought twice).
Result<std::shared_ptr<const segment::Segmentation>> SegmentSales(
    const std::shared_ptr<const Cube>& cube, const Selection& selection);

// Starts `selection`'s segmentation as a job given to `post` (a worker pool's queue), unless it
// is computed or being computed already; returns at once, whether a job was posted. The
// selection is claimed before this returns: a request for it that comes before the job starts
// runs the computation itself (the job then finds it done), and one that comes while the job
// runs waits for it. A job whose cube was replaced before it starts does nothing.
bool SegmentSalesLater(const std::shared_ptr<const Cube>& cube, const Selection& selection,
                       const std::function<void(std::function<void()>)>& post);

// Whether `selection`'s segmentation of `cube` is computed and kept (for tests and metrics).
bool SegmentationReady(const std::shared_ptr<const Cube>& cube, const Selection& selection);

// How many segmentations this process has computed (started) so far.
int64_t SegmentationsComputed();

}  // namespace till
