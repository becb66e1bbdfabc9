// The dashboard's files (web/src and the ECharts library), built into the binary so that
// `till serve` needs nothing beside it and serves no file from disk.
#pragma once

#include <span>
#include <string_view>

namespace till {

struct Asset {
  std::string_view path;          // "/app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view data;
};

std::span<const Asset> Assets();

}  // namespace till
