// Each back end's warehouse schema as versioned migrations. A migration is never edited once
// released: a change is a new migration appended to the list.
#pragma once

#include <span>
#include <string_view>

namespace till {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

std::span<const Migration> SqliteMigrations();
std::span<const Migration> PostgresMigrations();

}  // namespace till
