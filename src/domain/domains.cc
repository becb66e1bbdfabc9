#include "domain/domains.h"

#include <nlohmann/json.hpp>

namespace till {

const Domains& Domains::Get() {
  static const Domains instance = [] {
    auto json = nlohmann::json::parse(DomainsJson());
    Domains d;
    json.at("category_to_brands").get_to(d.category_to_brands);
    json.at("brand_to_product_types").get_to(d.brand_to_product_types);
    json.at("category_to_product_types").get_to(d.category_to_product_types);
    json.at("product_type_to_products").get_to(d.product_type_to_products);
    json.at("country_to_cities").get_to(d.country_to_cities);
    json.at("country_to_states").get_to(d.country_to_states);
    return d;
  }();
  return instance;
}

}  // namespace till
