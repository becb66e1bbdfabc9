// What the retail domain knows before any file is read: the canonical spelling of every
// categorical value seen in the public data, and the product and place hierarchies. The
// cleaner matches raw values to these spellings; the generator draws from them.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace till {

// Hierarchies parsed once from the embedded domains.json. Maps are ordered so that every
// iteration is deterministic.
struct Domains {
  std::map<std::string, std::vector<std::string>> category_to_brands;
  std::map<std::string, std::vector<std::string>> brand_to_product_types;
  std::map<std::string, std::vector<std::string>> category_to_product_types;
  std::map<std::string, std::vector<std::string>> product_type_to_products;
  std::map<std::string, std::vector<std::string>> country_to_cities;
  std::map<std::string, std::vector<std::string>> country_to_states;

  // The process-wide instance. Thread-safe.
  static const Domains& Get();
};

// Small closed sets with their canonical spellings, most frequent first.
inline constexpr std::string_view kGenders[] = {"Male", "Female"};
inline constexpr std::string_view kIncomes[] = {"Medium", "Low", "High"};
inline constexpr std::string_view kSegments[] = {"Regular", "New", "Premium"};
inline constexpr std::string_view kFeedbacks[] = {"Excellent", "Good", "Average", "Bad"};
inline constexpr std::string_view kShippingMethods[] = {"Same-Day", "Express", "Standard"};
inline constexpr std::string_view kPaymentMethods[] = {"Credit Card", "Debit Card", "Cash",
                                                       "PayPal"};
inline constexpr std::string_view kOrderStatuses[] = {"Delivered", "Shipped", "Processing",
                                                      "Pending"};
inline constexpr std::string_view kMonthNames[] = {"January",   "February", "March",    "April",
                                                   "May",       "June",     "July",     "August",
                                                   "September", "October",  "November", "December"};

// The embedded text of domains.json.
std::string_view DomainsJson();

}  // namespace till
