// Work spread over threads for the segment library's heavier steps.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace till::segment {

// Runs work(0) .. work(count - 1) on up to `threads` threads (0: as many as the machine has
// cores), each index once, in no fixed order: callers write each index's result to a place of its
// own, so the result does not depend on the threads. The first exception a worker throws is
// rethrown here once every thread has joined.
template <typename Work>
void ParallelFor(size_t count, size_t threads, const Work& work) {
  std::atomic<size_t> next{0};
  std::exception_ptr failure;
  std::atomic<bool> failed{false};
  auto run = [&] {
    for (size_t i = next++; i < count; i = next++) {
      try {
        work(i);
      } catch (...) {
        if (!failed.exchange(true)) failure = std::current_exception();
        next = count;
      }
    }
  };
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (size_t t = 1; t < std::min(count, threads); ++t) pool.emplace_back(run);
  run();
  for (auto& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace till::segment
