// How the generator works: one xoshiro256** stream seeded from the options draws every row in
// file order, field by field, and the row is formatted straight into a 1 MiB buffer that is
// written out in big chunks. Only integer arithmetic touches the values, so the bytes do not
// depend on the platform's floating-point formatting or its std:: distributions.
//
// Dirt the public file carries and the generator reproduces on purpose: per-column nulls at
// the observed rates, a handful of verbatim duplicate rows, reused Transaction_IDs, unstable
// Customer_IDs, a Month column that disagrees with Date in about a quarter of the rows, US
// states random relative to the city, and contiguous blocks of one heavy city.
#include "generate/generator.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/date.h"
#include "domain/columns.h"
#include "domain/domains.h"

namespace till {
namespace {

// xoshiro256** (Blackman and Vigna), seeded through splitmix64 as its authors recommend. Fast,
// and its output is fixed by the algorithm, unlike std::mt19937 fed through std
// distributions, whose mapping to ranges differs between standard libraries.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : state_) word = SplitMix64(seed);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, n), n > 0, without bias (Lemire's multiply-and-reject).
  uint64_t Below(uint64_t n) {
    uint64_t low;
    uint64_t high = MulHigh(Next(), n, &low);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;
      while (low < threshold) high = MulHigh(Next(), n, &low);
    }
    return high;
  }

  // Uniform in [low, high].
  int64_t Between(int64_t low, int64_t high) {
    return low + static_cast<int64_t>(Below(static_cast<uint64_t>(high - low) + 1));
  }

  // True with probability threshold / 2^32.
  bool Chance(uint32_t threshold) { return (Next() >> 32) < threshold; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  static uint64_t SplitMix64(uint64_t& x) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  // The high 64 bits of a * b; the low ones go to *low.
  static uint64_t MulHigh(uint64_t a, uint64_t b, uint64_t* low) {
#if defined(__SIZEOF_INT128__)
    __extension__ using Uint128 = unsigned __int128;
    const Uint128 product = static_cast<Uint128>(a) * b;
    *low = static_cast<uint64_t>(product);
    return static_cast<uint64_t>(product >> 64);
#else
    const uint64_t a_lo = a & 0xFFFFFFFF, a_hi = a >> 32;
    const uint64_t b_lo = b & 0xFFFFFFFF, b_hi = b >> 32;
    const uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo;
    const uint64_t lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
    const uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xFFFFFFFF) + lo_hi;
    *low = (cross << 32) | (lo_lo & 0xFFFFFFFF);
    return (hi_lo >> 32) + (cross >> 32) + hi_hi;
#endif
  }

  std::array<uint64_t, 4> state_;
};

// A probability of count / out_of as a threshold for Rng::Chance.
constexpr uint32_t Probability(uint64_t count, uint64_t out_of) {
  return static_cast<uint32_t>((count << 32) / out_of);
}

// Picks an index with probability proportional to its weight.
class WeightedChoice {
 public:
  WeightedChoice() = default;
  template <typename Weights>
  explicit WeightedChoice(const Weights& weights) {
    uint32_t total = 0;
    for (uint32_t weight : weights) cumulative_.push_back(total += weight);
  }

  size_t Pick(Rng& rng) const {
    const auto r = static_cast<uint32_t>(rng.Below(cumulative_.back()));
    return static_cast<size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), r) -
                               cumulative_.begin());
  }

 private:
  std::vector<uint32_t> cumulative_;
};

constexpr int64_t kProfileRows = 302010;

// Nulls per column in the public file, in column order; each cell is nulled independently
// with probability count / 302,010, which also reproduces the 8,099 rows holding a null.
// Ratings has no draw of its own: it is null exactly when Feedback is.
constexpr std::array<uint32_t, kColumnCount> kNullCounts = {
    333, 308, 382, 347, 362, 315, 248, 281, 340, 271, 173, 317, 290, 215, 359,
    350, 273, 350, 361, 357, 350, 283, 281, 0,   184, 337, 297, 235, 184, 0};

// Exact-duplicate row pairs in the public file.
constexpr int64_t kProfileDuplicatePairs = 4;

// Random 7-digit IDs collide by chance (birthday effect) about 4,700 times in 294k rows; the
// public file has 6,906 repeats, so a small share of rows reuses a recent row's ID on purpose.
constexpr uint32_t kReuseTransactionId = Probability(74, 10000);
constexpr size_t kRecentIds = 64;

// Share of rows whose Month names another month than their Date.
constexpr uint32_t kMonthMismatch = Probability(245, 1000);

// Ages 18 to 70: a rise to a peak at 22, then an exponential tail over a floor, which gives
// the public file's mean of 35.5 and median of 32.
constexpr std::array<uint32_t, 53> kAgeWeights = {
    300, 500, 700, 900, 1100, 1036, 975, 919, 866, 817, 770, 727, 687, 649, 613, 580, 549, 520,
    493, 468, 444, 422, 401,  382,  364, 347, 331, 316, 302, 289, 277, 265, 255, 245, 235, 227,
    218, 211, 204, 197, 191,  185,  179, 174, 169, 165, 161, 157, 153, 150, 147, 144, 141};
constexpr int kMinAge = 18;

// Weights in the order of the kGenders, kIncomes, … arrays of domains.h.
constexpr std::array<uint32_t, 2> kGenderWeights = {62, 38};
constexpr std::array<uint32_t, 3> kIncomeWeights = {43, 32, 25};
constexpr std::array<uint32_t, 3> kSegmentWeights = {48, 30, 21};
constexpr std::array<uint32_t, 4> kFeedbackWeights = {32, 32, 21, 15};
constexpr std::array<uint32_t, 3> kShippingWeights = {34, 34, 32};
constexpr std::array<uint32_t, 4> kPaymentWeights = {30, 25, 24, 20};
constexpr std::array<uint32_t, 4> kOrderStatusWeights = {43, 22, 19, 16};

// Shares of named values; a value the domain has but a table does not name gets the
// table's default weight (see MakeCatalog). Categories are per mille.
struct NamedWeight {
  std::string_view name;
  uint32_t weight;
};
constexpr NamedWeight kCategoryWeights[] = {
    {"Electronics", 236}, {"Grocery", 221}, {"Books", 181}, {"Clothing", 181}, {"Home Decor", 181}};
// The three big electronics brands sell three times as often as the appliance makers.
constexpr NamedWeight kBrandWeights[] = {{"Apple", 3}, {"Samsung", 3}, {"Sony", 3}};

// A contiguous run of rows that all name one heavy city with a fixed state, as the public
// file has them; positions and lengths are in millionths of the row count. The first block
// starts near row 10 and the Boston one covers row 155,353, where the public file has them.
struct HeavyBlock {
  std::string_view city;
  std::string_view state;
  std::string_view country;
  int64_t start_ppm;
  int64_t length_ppm;
};
constexpr HeavyBlock kHeavyBlocks[] = {
    {"Portsmouth", "England", "UK", 33, 40000},
    {"Chicago", "Connecticut", "USA", 250000, 40000},
    {"Boston", "Georgia", "USA", 500000, 20000},
    {"San Francisco", "Maine", "USA", 700000, 25000},
    {"Frankfurt", "Berlin", "Germany", 850000, 25000},
};

// Country shares outside the heavy blocks, per 10,000, chosen so that blocks plus the rest
// give the public shares (USA 31.5%, UK 20.9%, Germany 17.5%, Australia and Canada 15.0%):
// the blocks hold 15% of rows (USA 8.5, UK 4, Germany 2.5), so USA gets (31.5 - 8.5) / 0.85.
constexpr NamedWeight kCountryWeights[] = {
    {"USA", 2706}, {"UK", 1988}, {"Germany", 1765}, {"Australia", 1765}, {"Canada", 1765}};

// Value lists for the free-text columns, in the style of the Faker library that made the
// public file. None holds a comma, quote or line break (checked below), so composed names and
// addresses never need CSV quoting.
constexpr std::string_view kFemaleFirstNames[] = {
    "Mary",     "Patricia",  "Jennifer", "Linda",     "Elizabeth",  "Barbara",   "Susan",
    "Jessica",  "Sarah",     "Karen",    "Lisa",      "Nancy",      "Betty",     "Sandra",
    "Margaret", "Ashley",    "Kimberly", "Emily",     "Donna",      "Michelle",  "Carol",
    "Amanda",   "Melissa",   "Deborah",  "Stephanie", "Dorothy",    "Rebecca",   "Sharon",
    "Laura",    "Cynthia",   "Amy",      "Kathleen",  "Angela",     "Shirley",   "Brenda",
    "Emma",     "Anna",      "Pamela",   "Nicole",    "Samantha",   "Katherine", "Christine",
    "Debra",    "Rachel",    "Carolyn",  "Janet",     "Maria",      "Olivia",    "Heather",
    "Helen",    "Catherine", "Diane",    "Julie",     "Victoria",   "Joyce",     "Lauren",
    "Kelly",    "Christina", "Ruth",     "Joan",      "Virginia",   "Judith",    "Evelyn",
    "Hannah",   "Andrea",    "Megan",    "Cheryl",    "Jacqueline", "Madison",   "Teresa",
    "Abigail",  "Sophia",    "Martha",   "Sara",      "Gloria",     "Janice",    "Kathryn",
    "Ann",      "Isabella",  "Judy",     "Charlotte", "Julia",      "Grace",     "Amber",
    "Alice",    "Jean",      "Denise",   "Frances",   "Danielle",   "Marilyn",   "Natalie",
    "Beverly",  "Diana",     "Brittany", "Theresa",   "Kayla",      "Alexis",    "Lori",
    "Tiffany",  "Kristen",   "Ebony",    "Tanya",     "Haley",      "Kelsey",    "Erin",
    "Brianna",  "Desiree",   "Tammy",    "Courtney",  "Meagan",     "Sheila",    "Kara",
    "Jasmine",  "Crystal",   "Vanessa",  "Monica",    "Erica",      "Whitney",   "Allison",
    "Shannon",  "Katie",     "Caitlin",  "Melanie",   "Valerie",    "Veronica",  "Holly",
    "Tracy",    "Dawn",      "Wendy",    "Stacy",     "Misty",      "Kristin",   "Brooke"};
constexpr std::string_view kMaleFirstNames[] = {
    "James",     "Robert",      "John",     "Michael",   "David",   "William", "Richard", "Joseph",
    "Thomas",    "Christopher", "Charles",  "Daniel",    "Matthew", "Anthony", "Mark",    "Donald",
    "Steven",    "Andrew",      "Paul",     "Joshua",    "Kenneth", "Kevin",   "Brian",   "George",
    "Timothy",   "Ronald",      "Jason",    "Edward",    "Jeffrey", "Ryan",    "Jacob",   "Gary",
    "Nicholas",  "Eric",        "Jonathan", "Stephen",   "Larry",   "Justin",  "Scott",   "Brandon",
    "Benjamin",  "Samuel",      "Gregory",  "Alexander", "Patrick", "Frank",   "Raymond", "Jack",
    "Dennis",    "Jerry",       "Tyler",    "Aaron",     "Jose",    "Adam",    "Nathan",  "Henry",
    "Zachary",   "Douglas",     "Peter",    "Kyle",      "Noah",    "Ethan",   "Jeremy",  "Walter",
    "Christian", "Keith",       "Roger",    "Terry",     "Austin",  "Sean",    "Gerald",  "Carl",
    "Harold",    "Dylan",       "Arthur",   "Lawrence",  "Jordan",  "Jesse",   "Bryan",   "Billy",
    "Bruce",     "Gabriel",     "Joe",      "Logan",     "Alan",    "Juan",    "Albert",  "Willie",
    "Elijah",    "Wayne",       "Randy",    "Vincent",   "Mason",   "Roy",     "Ralph",   "Bobby",
    "Russell",   "Bradley",     "Philip",   "Eugene",    "Shane",   "Dustin",  "Mathew",  "Melvin",
    "Angel",     "Erik",        "Travis",   "Derek",     "Cody",    "Marcus",  "Shawn",   "Luis",
    "Carlos",    "Victor",      "Martin",   "Jesus",     "Curtis",  "Todd",    "Jared"};
constexpr std::string_view kLastNames[] = {
    "Smith",      "Johnson",   "Williams",   "Brown",     "Jones",      "Garcia",    "Miller",
    "Davis",      "Rodriguez", "Martinez",   "Hernandez", "Lopez",      "Gonzalez",  "Wilson",
    "Anderson",   "Thomas",    "Taylor",     "Moore",     "Jackson",    "Martin",    "Lee",
    "Perez",      "Thompson",  "White",      "Harris",    "Sanchez",    "Clark",     "Ramirez",
    "Lewis",      "Robinson",  "Walker",     "Young",     "Allen",      "King",      "Wright",
    "Scott",      "Torres",    "Nguyen",     "Hill",      "Flores",     "Green",     "Adams",
    "Nelson",     "Baker",     "Hall",       "Rivera",    "Campbell",   "Mitchell",  "Carter",
    "Roberts",    "Gomez",     "Phillips",   "Evans",     "Turner",     "Diaz",      "Parker",
    "Cruz",       "Edwards",   "Collins",    "Reyes",     "Stewart",    "Morris",    "Morales",
    "Murphy",     "Cook",      "Rogers",     "Gutierrez", "Ortiz",      "Morgan",    "Cooper",
    "Peterson",   "Bailey",    "Reed",       "Kelly",     "Howard",     "Ramos",     "Kim",
    "Cox",        "Ward",      "Richardson", "Watson",    "Brooks",     "Chavez",    "Wood",
    "James",      "Bennett",   "Gray",       "Mendoza",   "Ruiz",       "Hughes",    "Price",
    "Alvarez",    "Castillo",  "Sanders",    "Patel",     "Myers",      "Long",      "Ross",
    "Foster",     "Jimenez",   "Powell",     "Jenkins",   "Perry",      "Russell",   "Sullivan",
    "Bell",       "Coleman",   "Butler",     "Henderson", "Barnes",     "Gonzales",  "Fisher",
    "Vasquez",    "Simmons",   "Romero",     "Jordan",    "Patterson",  "Alexander", "Hamilton",
    "Graham",     "Reynolds",  "Griffin",    "Wallace",   "Moreno",     "West",      "Cole",
    "Hayes",      "Bryant",    "Herrera",    "Gibson",    "Ellis",      "Tran",      "Medina",
    "Aguilar",    "Stevens",   "Murray",     "Ford",      "Castro",     "Marshall",  "Owens",
    "Harrison",   "Fernandez", "Mcdonald",   "Woods",     "Washington", "Kennedy",   "Wells",
    "Vargas",     "Henry",     "Chen",       "Freeman",   "Webb",       "Tucker",    "Guzman",
    "Burns",      "Crawford",  "Olson",      "Simpson",   "Porter",     "Hunter",    "Gordon",
    "Mendez",     "Silva",     "Shaw",       "Snyder",    "Mason",      "Dixon",     "Munoz",
    "Hunt",       "Hicks",     "Holmes",     "Palmer",    "Wagner",     "Black",     "Robertson",
    "Boyd",       "Rose",      "Stone",      "Salazar",   "Fox",        "Warren",    "Mills",
    "Meyer",      "Rice",      "Schmidt",    "Garza",     "Daniels",    "Ferguson",  "Nichols",
    "Stephens",   "Soto",      "Weaver",     "Ryan",      "Gardner",    "Payne",     "Grant",
    "Dunn",       "Kelley",    "Spencer",    "Hawkins",   "Arnold",     "Pierce",    "Vazquez",
    "Hansen",     "Peters",    "Santos",     "Hart",      "Bradley",    "Knight",    "Elliott",
    "Cunningham", "Duncan",    "Armstrong",  "Hudson",    "Carroll",    "Lane",      "Riley",
    "Andrews",    "Alvarado",  "Ray",        "Delgado",   "Berry",      "Perkins",   "Hoffman",
    "Johnston",   "Matthews",  "Pena",       "Richards",  "Contreras",  "Willis",    "Carpenter",
    "Lawrence",   "Sandoval",  "Harrington", "Fields",    "Eaton",      "Oconnor",   "Mcclain",
    "Fowler",     "Benton",    "Welch",      "Hood",      "Beck",       "Merritt",   "Ingram",
    "Jensen",     "Sosa",      "Baird",      "Frazier",   "Barker",     "Wolfe",     "Mccarthy"};
constexpr std::string_view kStreetSuffixes[] = {
    "Alley",      "Avenue",     "Branch",  "Bridge",     "Brook",     "Brooks",    "Burg",
    "Burgs",      "Bypass",     "Camp",    "Canyon",     "Cape",      "Causeway",  "Center",
    "Centers",    "Circle",     "Circles", "Cliff",      "Cliffs",    "Club",      "Common",
    "Corner",     "Corners",    "Course",  "Court",      "Courts",    "Cove",      "Coves",
    "Creek",      "Crescent",   "Crest",   "Crossing",   "Crossroad", "Curve",     "Dale",
    "Dam",        "Divide",     "Drive",   "Drives",     "Estate",    "Estates",   "Expressway",
    "Extension",  "Extensions", "Fall",    "Falls",      "Ferry",     "Field",     "Fields",
    "Flat",       "Flats",      "Ford",    "Fords",      "Forest",    "Forge",     "Forges",
    "Fork",       "Forks",      "Fort",    "Freeway",    "Garden",    "Gardens",   "Gateway",
    "Glen",       "Glens",      "Green",   "Greens",     "Grove",     "Groves",    "Harbor",
    "Harbors",    "Haven",      "Heights", "Highway",    "Hill",      "Hills",     "Hollow",
    "Inlet",      "Island",     "Islands", "Isle",       "Junction",  "Junctions", "Key",
    "Keys",       "Knoll",      "Knolls",  "Lake",       "Lakes",     "Land",      "Landing",
    "Lane",       "Light",      "Lights",  "Loaf",       "Lock",      "Locks",     "Lodge",
    "Loop",       "Mall",       "Manor",   "Manors",     "Meadow",    "Meadows",   "Mews",
    "Mill",       "Mills",      "Mission", "Motorway",   "Mount",     "Mountain",  "Mountains",
    "Neck",       "Orchard",    "Oval",    "Overpass",   "Park",      "Parks",     "Parkway",
    "Parkways",   "Pass",       "Passage", "Path",       "Pike",      "Pine",      "Pines",
    "Place",      "Plain",      "Plains",  "Plaza",      "Point",     "Points",    "Port",
    "Ports",      "Prairie",    "Radial",  "Ramp",       "Ranch",     "Rapid",     "Rapids",
    "Rest",       "Ridge",      "Ridges",  "River",      "Road",      "Roads",     "Route",
    "Row",        "Rue",        "Run",     "Shoal",      "Shoals",    "Shore",     "Shores",
    "Skyway",     "Spring",     "Springs", "Spur",       "Spurs",     "Square",    "Squares",
    "Station",    "Stravenue",  "Stream",  "Street",     "Streets",   "Summit",    "Terrace",
    "Throughway", "Trace",      "Track",   "Trafficway", "Trail",     "Tunnel",    "Turnpike",
    "Underpass",  "Union",      "Unions",  "Valley",     "Valleys",   "Via",       "Viaduct",
    "View",       "Views",      "Village", "Villages",   "Ville",     "Vista",     "Walk",
    "Walks",      "Wall",       "Way",     "Ways",       "Well",      "Wells"};
constexpr std::string_view kFemalePrefixes[] = {"Mrs.", "Ms.", "Miss", "Dr."};
constexpr std::string_view kMalePrefixes[] = {"Mr.", "Dr."};
constexpr std::string_view kFemaleSuffixes[] = {"MD", "DDS", "PhD", "DVM"};
constexpr std::string_view kMaleSuffixes[] = {"Jr.", "Sr.", "I",   "II",  "III", "IV",
                                              "V",   "MD",  "DDS", "PhD", "DVM"};
// Faker's name shapes per mille: first last, prefix first last, first last suffix, all four.
constexpr std::array<uint32_t, 4> kNameShapeWeights = {970, 15, 20, 5};

template <size_t N>
constexpr bool AllPlainText(const std::string_view (&values)[N]) {
  for (std::string_view value : values) {
    if (value.empty() || value.find_first_of(",\"\r\n") != std::string_view::npos) return false;
  }
  return true;
}
static_assert(AllPlainText(kFemaleFirstNames) && AllPlainText(kMaleFirstNames) &&
              AllPlainText(kLastNames) && AllPlainText(kStreetSuffixes) &&
              AllPlainText(kFemalePrefixes) && AllPlainText(kMalePrefixes) &&
              AllPlainText(kFemaleSuffixes) && AllPlainText(kMaleSuffixes));

template <typename T, size_t N>
const T& PickOne(Rng& rng, const T (&values)[N]) {
  return values[rng.Below(N)];
}

std::vector<std::string> CsvTexts(const auto& values) {
  std::vector<std::string> texts;
  for (std::string_view value : values) texts.push_back(CsvText(value));
  return texts;
}

// Percent of the base demand on a date: the holiday calendar of a US/UK-style retailer.
int HolidayPercent(const CivilDate& d) {
  if (d.year == 2023) {
    switch (d.month) {
      case 4:  // the week before Easter (9 April 2023)
        return d.day <= 8 ? 115 : 100;
      case 5:  // the week before Mother's Day (14 May 2023)
        return d.day >= 8 && d.day <= 13 ? 110 : 100;
      case 7:  // Prime Day
        return d.day == 11 || d.day == 12 ? 135 : 100;
      case 8:  // back to school
        return d.day <= 20 ? 108 : 100;
      case 11:  // Thanksgiving week: Black Friday the 24th, Cyber Monday the 27th
        if (d.day >= 20 && d.day <= 22) return 130;
        if (d.day == 23) return 115;
        if (d.day == 24) return 230;
        if (d.day == 25) return 165;
        if (d.day == 26) return 150;
        if (d.day == 27) return 190;
        return 100;
      case 12:  // a run-up that climbs to Christmas Eve, the day itself, Boxing Day
        if (d.day <= 23) return 125 + (d.day - 1) * 50 / 22;
        if (d.day == 24) return 120;
        if (d.day == 25) return 60;
        if (d.day == 26) return 160;
        return 115;
      default:
        return 100;
    }
  }
  if (d.month == 1) return d.day == 1 ? 70 : 95;              // the January slump
  if (d.month == 2 && d.day >= 7 && d.day <= 14) return 125;  // Valentine's week
  return 100;
}

// The 366 sale dates, 2023-03-01 to 2024-02-29, and the demand-weighted choice over them.
struct Calendar {
  std::vector<CivilDate> dates;
  WeightedChoice choice;
};

Calendar MakeCalendar() {
  Calendar calendar;
  std::vector<uint32_t> weights;
  const int64_t first = DaysFromCivil(CivilDate{2023, 3, 1});
  for (int i = 0; i < 366; ++i) {
    const CivilDate d = CivilFromDays(first + i);
    calendar.dates.push_back(d);
    // A gentle trend (+25% over the year), weekends +20%.
    int weight = 1000 + 250 * i / 365;
    if (DayOfWeek(d) >= 5) weight = weight * 120 / 100;
    weight = weight * HolidayPercent(d) / 100;
    weights.push_back(static_cast<uint32_t>(weight));
  }
  calendar.choice = WeightedChoice(weights);
  return calendar;
}

struct ProductType {
  std::string text;
  std::vector<std::string> products;
};

struct Brand {
  std::string text;
  std::vector<size_t> types;  // indexes into Catalog::types
};

struct Category {
  std::string text;
  std::vector<Brand> brands;
  WeightedChoice brand_choice;
};

struct Country {
  std::string text;
  std::vector<std::string> cities;
  std::vector<std::string> states;
};

// Every domain value in its written form, plus the choices over them.
struct Catalog {
  std::vector<ProductType> types;
  std::vector<Category> categories;
  WeightedChoice category_choice;
  std::vector<Country> countries;
  WeightedChoice country_choice;
  std::vector<std::string> months;
};

uint32_t WeightOf(std::string_view name, std::span<const NamedWeight> table, uint32_t otherwise) {
  for (const NamedWeight& entry : table) {
    if (entry.name == name) return entry.weight;
  }
  return otherwise;
}

Catalog MakeCatalog(const Domains& domains) {
  Catalog catalog;
  std::vector<std::string_view> type_names;
  for (const auto& [type, products] : domains.product_type_to_products) {
    type_names.push_back(type);
    catalog.types.push_back({CsvText(type, type == "Soft Drink"), CsvTexts(products)});
  }
  auto type_index = [&](std::string_view type) {
    return static_cast<size_t>(std::find(type_names.begin(), type_names.end(), type) -
                               type_names.begin());
  };

  std::vector<uint32_t> category_weights;
  for (const auto& [category_name, brand_names] : domains.category_to_brands) {
    Category category;
    category.text = CsvText(category_name);
    std::vector<uint32_t> brand_weights;
    for (const std::string& brand_name : brand_names) {
      Brand brand;
      brand.text = CsvText(brand_name);
      for (const std::string& type : domains.brand_to_product_types.at(brand_name)) {
        brand.types.push_back(type_index(type));
      }
      category.brands.push_back(std::move(brand));
      brand_weights.push_back(WeightOf(brand_name, kBrandWeights, 1));
    }
    category.brand_choice = WeightedChoice(brand_weights);
    catalog.categories.push_back(std::move(category));
    category_weights.push_back(WeightOf(category_name, kCategoryWeights, 181));
  }
  catalog.category_choice = WeightedChoice(category_weights);

  std::vector<uint32_t> country_weights;
  for (const auto& [country_name, cities] : domains.country_to_cities) {
    catalog.countries.push_back({CsvText(country_name), CsvTexts(cities),
                                 CsvTexts(domains.country_to_states.at(country_name))});
    country_weights.push_back(WeightOf(country_name, kCountryWeights, 1765));
  }
  catalog.country_choice = WeightedChoice(country_weights);
  catalog.months = CsvTexts(kMonthNames);
  return catalog;
}

// Formats one row into a buffer the caller has sized for it. Rows are a few hundred bytes;
// the buffer keeps kRowRoom bytes free before each row.
class RowWriter {
 public:
  explicit RowWriter(char* p) : p_(p) {}
  char* end() const { return p_; }

  void Text(std::string_view text) {
    std::memcpy(p_, text.data(), text.size());
    p_ += text.size();
  }
  void Char(char c) { *p_++ = c; }
  void Comma() { *p_++ = ','; }
  void Uint(uint64_t value) { p_ = std::to_chars(p_, p_ + 20, value).ptr; }
  // An integer the way the public file writes them, as a float: 37249 -> "37249.0".
  void FloatInt(uint64_t value) {
    Uint(value);
    Text(".0");
  }
  void TwoDigits(int value) {
    *p_++ = static_cast<char>('0' + value / 10);
    *p_++ = static_cast<char>('0' + value % 10);
  }
  // `scaled` * 1e-8 with trailing zeros dropped but one decimal kept: "104.5063373", "12.0".
  void Decimal(uint64_t scaled) {
    Uint(scaled / kScale);
    Char('.');
    char digits[8];
    uint64_t fraction = scaled % kScale;
    for (int i = 7; i >= 0; --i) {
      digits[i] = static_cast<char>('0' + fraction % 10);
      fraction /= 10;
    }
    int kept = 8;
    while (kept > 1 && digits[kept - 1] == '0') --kept;
    Text(std::string_view(digits, static_cast<size_t>(kept)));
  }

  static constexpr uint64_t kScale = 100000000;

 private:
  char* p_;
};

// Rounds `scaled` to 10 significant digits, half up, as the public file's writer did.
uint64_t RoundTo10Digits(uint64_t scaled) {
  uint64_t unit = 1;
  while (scaled / unit >= 10000000000ULL) unit *= 10;
  if (unit == 1) return scaled;
  return (scaled + unit / 2) / unit * unit;
}

// Writes the buffer out in big chunks.
class ChunkedOutput {
 public:
  static constexpr size_t kFlushAt = size_t{1} << 20;
  static constexpr size_t kRowRoom = size_t{1} << 16;

  explicit ChunkedOutput(std::FILE* out) : out_(out), buffer_(kFlushAt + kRowRoom) {}

  char* cursor() { return buffer_.data() + used_; }
  void Advance(char* end) { used_ = static_cast<size_t>(end - buffer_.data()); }

  // Writes the buffer out once it is full enough, so there is always kRowRoom left.
  Status MaybeFlush() { return used_ >= kFlushAt ? Flush() : Status(); }

  Status Flush() {
    if (used_ > 0 && std::fwrite(buffer_.data(), 1, used_, out_) != used_) {
      return MakeError(ErrorCode::kIoError, "writing the generated file failed");
    }
    used_ = 0;
    return {};
  }

 private:
  std::FILE* out_;
  std::vector<char> buffer_;
  size_t used_ = 0;
};

// Chooses the exact-duplicate pairs: about 4 per 302,010 rows, each a row `source` written
// again verbatim as a later row `target`. Returns target by source; no row is in two pairs.
std::map<int64_t, int64_t> PlanDuplicates(int64_t rows, Rng& rng) {
  const int64_t count = (rows * kProfileDuplicatePairs + kProfileRows / 2) / kProfileRows;
  std::map<int64_t, int64_t> plan;
  std::set<int64_t> taken;
  while (static_cast<int64_t>(plan.size()) < count) {
    const int64_t source = rng.Between(0, rows - 2);
    const int64_t target = rng.Between(source + 1, rows - 1);
    if (taken.contains(source) || taken.contains(target)) continue;
    taken.insert(source);
    taken.insert(target);
    plan.emplace(source, target);
  }
  return plan;
}

class Generator {
 public:
  Generator(const GenerateOptions& options, std::FILE* out)
      : rows_(options.rows),
        rng_(options.seed),
        output_(out),
        catalog_(MakeCatalog(Domains::Get())),
        calendar_(MakeCalendar()) {
    for (size_t i = 0; i < kColumnCount; ++i) {
      null_threshold_[i] = Probability(kNullCounts[i], kProfileRows);
    }
    for (const HeavyBlock& block : kHeavyBlocks) {
      const int64_t start = rows_ * block.start_ppm / 1000000;
      blocks_.push_back({start, start + rows_ * block.length_ppm / 1000000, Resolve(block)});
    }
    if (rows_ >= 2) duplicate_targets_ = PlanDuplicates(rows_, rng_);
  }

  Status Run() {
    RowWriter header(output_.cursor());
    for (size_t i = 0; i < kColumnCount; ++i) {
      if (i > 0) header.Comma();
      header.Text(RawName(static_cast<Column>(i)));
    }
    header.Char('\n');
    output_.Advance(header.end());

    for (int64_t row = 0; row < rows_; ++row) {
      TILL_RETURN_IF_ERROR(output_.MaybeFlush());
      char* start = output_.cursor();
      RowWriter writer(start);
      if (auto copy = pending_copies_.find(row); copy != pending_copies_.end()) {
        writer.Text(copy->second);
        output_.Advance(writer.end());
        pending_copies_.erase(copy);
        continue;
      }
      WriteRow(row, writer);
      output_.Advance(writer.end());
      if (auto pair = duplicate_targets_.find(row); pair != duplicate_targets_.end()) {
        pending_copies_.emplace(pair->second, std::string(start, writer.end()));
      }
    }
    TILL_RETURN_IF_ERROR(output_.Flush());
    return {};
  }

 private:
  struct Place {
    const std::string* city;
    const std::string* state;
    const Country* country;
  };

  struct Block {
    int64_t begin;
    int64_t end;
    Place place;
  };

  Place Resolve(const HeavyBlock& block) const {
    for (const Country& country : catalog_.countries) {
      if (country.text != block.country) continue;
      auto city = std::find(country.cities.begin(), country.cities.end(), block.city);
      auto state = std::find(country.states.begin(), country.states.end(), block.state);
      if (city != country.cities.end() && state != country.states.end()) {
        return {&*city, &*state, &country};
      }
    }
    // A heavy block must name a place the domain knows; a broken table is a bug.
    std::abort();
  }

  Place PickPlace(int64_t row) {
    for (const Block& block : blocks_) {
      if (row >= block.begin && row < block.end) return block.place;
    }
    const Country& country = catalog_.countries[catalog_.country_choice.Pick(rng_)];
    // A US state is random relative to the city, as in the public file.
    return {&country.cities[rng_.Below(country.cities.size())],
            &country.states[rng_.Below(country.states.size())], &country};
  }

  uint64_t PickTransactionId() {
    uint64_t id;
    if (recent_count_ > 0 && rng_.Chance(kReuseTransactionId)) {
      id = recent_ids_[rng_.Below(std::min(recent_count_, kRecentIds))];
    } else {
      id = 1000000 + rng_.Below(9000000);
    }
    recent_ids_[recent_count_++ % kRecentIds] = id;
    return id;
  }

  void WriteName(RowWriter& w) {
    const bool female = rng_.Below(2) == 0;
    const size_t shape = name_shape_.Pick(rng_);
    if (shape == 1 || shape == 3) {
      w.Text(female ? PickOne(rng_, kFemalePrefixes) : PickOne(rng_, kMalePrefixes));
      w.Char(' ');
    }
    w.Text(female ? PickOne(rng_, kFemaleFirstNames) : PickOne(rng_, kMaleFirstNames));
    w.Char(' ');
    w.Text(PickOne(rng_, kLastNames));
    if (shape == 2 || shape == 3) {
      w.Char(' ');
      w.Text(female ? PickOne(rng_, kFemaleSuffixes) : PickOne(rng_, kMaleSuffixes));
    }
  }

  std::string_view AnyFirstName() {
    return rng_.Below(2) == 0 ? PickOne(rng_, kFemaleFirstNames) : PickOne(rng_, kMaleFirstNames);
  }

  void WriteAddress(RowWriter& w) {
    // Building numbers have 3 to 5 digits, leading zeros included ("017 Parker Forge").
    const uint64_t digits = 3 + rng_.Below(3);
    for (uint64_t i = 0; i < digits; ++i) w.Char(static_cast<char>('0' + rng_.Below(10)));
    w.Char(' ');
    w.Text(rng_.Below(2) == 0 ? AnyFirstName() : PickOne(rng_, kLastNames));
    w.Char(' ');
    w.Text(PickOne(rng_, kStreetSuffixes));
    const uint64_t secondary = rng_.Below(100);
    if (secondary < 50) return;
    w.Text(secondary < 85 ? " Suite " : " Apt. ");
    for (int i = 0; i < 3; ++i) w.Char(static_cast<char>('0' + rng_.Below(10)));
  }

  void WriteRow(int64_t row, RowWriter& w) {
    std::array<bool, kColumnCount> null;
    for (size_t i = 0; i < kColumnCount; ++i) {
      null[i] = null_threshold_[i] > 0 && rng_.Chance(null_threshold_[i]);
    }
    null[Index(Column::kRatings)] = null[Index(Column::kFeedback)];
    auto is_null = [&](Column column) { return null[Index(column)]; };

    // Every value is drawn whether or not its cell is null, so a null never shifts the
    // stream of the fields after it.
    const uint64_t transaction_id = PickTransactionId();
    if (!is_null(Column::kTransactionId)) w.FloatInt(transaction_id);
    w.Comma();
    // Customer_ID is uniform over 90,000 IDs: about 86,800 distinct in 302,010 rows, each
    // with unrelated names, ages and places.
    const uint64_t customer_id = 10000 + rng_.Below(90000);
    if (!is_null(Column::kCustomerId)) w.FloatInt(customer_id);
    w.Comma();

    WriteTextCell(w, is_null(Column::kName), [&](RowWriter& cell) { WriteName(cell); });
    // The e-mail belongs to some other first name, as in the public file.
    WriteTextCell(w, is_null(Column::kEmail), [&](RowWriter& cell) {
      cell.Text(AnyFirstName());
      cell.Uint(1 + rng_.Below(100));
      cell.Text("@gmail.com");
    });
    const uint64_t phone = 1000000000 + rng_.Below(9000000000);
    if (!is_null(Column::kPhone)) w.FloatInt(phone);
    w.Comma();
    WriteTextCell(w, is_null(Column::kAddress), [&](RowWriter& cell) { WriteAddress(cell); });

    const Place place = PickPlace(row);
    if (!is_null(Column::kCity)) w.Text(*place.city);
    w.Comma();
    if (!is_null(Column::kState)) w.Text(*place.state);
    w.Comma();
    const uint64_t zipcode = 501 + rng_.Below(99949 - 501 + 1);
    if (!is_null(Column::kZipcode)) w.FloatInt(zipcode);
    w.Comma();
    if (!is_null(Column::kCountry)) w.Text(place.country->text);
    w.Comma();

    const size_t age = kMinAge + age_.Pick(rng_);
    if (!is_null(Column::kAge)) w.FloatInt(age);
    w.Comma();
    WriteChoice(w, is_null(Column::kGender), kGenders, gender_);
    WriteChoice(w, is_null(Column::kIncome), kIncomes, income_);
    WriteChoice(w, is_null(Column::kCustomerSegment), kSegments, segment_);

    const CivilDate& date = calendar_.dates[calendar_.choice.Pick(rng_)];
    if (!is_null(Column::kDate)) {
      // The most common public copy: M/D/YYYY when the day is above 12, else MM-DD-YY.
      if (date.day > 12) {
        w.Uint(static_cast<uint64_t>(date.month));
        w.Char('/');
        w.Uint(static_cast<uint64_t>(date.day));
        w.Char('/');
        w.Uint(static_cast<uint64_t>(date.year));
      } else {
        w.TwoDigits(date.month);
        w.Char('-');
        w.TwoDigits(date.day);
        w.Char('-');
        w.TwoDigits(date.year % 100);
      }
    }
    w.Comma();
    if (!is_null(Column::kYear)) w.FloatInt(static_cast<uint64_t>(date.year));
    w.Comma();
    int month = date.month - 1;
    if (rng_.Chance(kMonthMismatch)) month = (month + 1 + static_cast<int>(rng_.Below(11))) % 12;
    if (!is_null(Column::kMonth)) w.Text(catalog_.months[static_cast<size_t>(month)]);
    w.Comma();
    const uint64_t second = rng_.Below(86400);
    if (!is_null(Column::kTime)) {
      w.Uint(second / 3600);
      w.Char(':');
      w.TwoDigits(static_cast<int>(second / 60 % 60));
      w.Char(':');
      w.TwoDigits(static_cast<int>(second % 60));
    }
    w.Comma();

    // Amount is uniform over 10-500 at 10 significant digits, kept as an integer count of
    // 1e-8 so that Total_Amount = Total_Purchases x Amount is exact before its own rounding
    // to 10 digits: the parsed values then agree to within 5e-10.
    const uint64_t purchases = 1 + rng_.Below(10);
    uint64_t amount = 1000000000 + rng_.Below(49000000000);
    if (amount >= 10000000000) amount -= amount % 10;
    if (!is_null(Column::kTotalPurchases)) w.FloatInt(purchases);
    w.Comma();
    if (!is_null(Column::kAmount)) w.Decimal(amount);
    w.Comma();
    if (!is_null(Column::kTotalAmount)) w.Decimal(RoundTo10Digits(purchases * amount));
    w.Comma();

    // Category -> Brand -> Product_Type is strict; products only follows the type.
    const Category& category = catalog_.categories[catalog_.category_choice.Pick(rng_)];
    const Brand& brand = category.brands[category.brand_choice.Pick(rng_)];
    const ProductType& type = catalog_.types[brand.types[rng_.Below(brand.types.size())]];
    const std::string& product = type.products[rng_.Below(type.products.size())];
    if (!is_null(Column::kProductCategory)) w.Text(category.text);
    w.Comma();
    if (!is_null(Column::kProductBrand)) w.Text(brand.text);
    w.Comma();
    w.Text(type.text);
    w.Comma();

    // Bad = 1, Average = 2, Good = 3 or 4, Excellent = 4 or 5.
    const size_t feedback = feedback_.Pick(rng_);
    const bool higher = rng_.Below(5) < 2;
    static constexpr uint64_t kLowRating[] = {4, 3, 2, 1};
    const uint64_t rating = kLowRating[feedback] + (feedback <= 1 && higher ? 1 : 0);
    WriteChoice(w, is_null(Column::kFeedback), kFeedbacks, feedback);
    WriteChoice(w, is_null(Column::kShippingMethod), kShippingMethods, shipping_);
    WriteChoice(w, is_null(Column::kPaymentMethod), kPaymentMethods, payment_);
    WriteChoice(w, is_null(Column::kOrderStatus), kOrderStatuses, order_status_);
    if (!is_null(Column::kRatings)) w.FloatInt(rating);
    w.Comma();
    w.Text(product);
    w.Char('\n');
  }

  // Writes a free-text cell built from the plain-text lists above (no quoting needed).
  template <typename Fill>
  void WriteTextCell(RowWriter& w, bool null, Fill fill) {
    if (null) {
      // Draw the value anyway and drop it, so the stream stays aligned.
      char scratch[256];
      RowWriter discard(scratch);
      fill(discard);
    } else {
      fill(w);
    }
    w.Comma();
  }

  template <size_t N>
  void WriteChoice(RowWriter& w, bool null, const std::string_view (&values)[N], size_t index) {
    if (!null) w.Text(values[index]);
    w.Comma();
  }
  template <size_t N>
  void WriteChoice(RowWriter& w, bool null, const std::string_view (&values)[N],
                   const WeightedChoice& choice) {
    WriteChoice(w, null, values, choice.Pick(rng_));
  }

  const int64_t rows_;
  Rng rng_;
  ChunkedOutput output_;
  const Catalog catalog_;
  const Calendar calendar_;
  std::array<uint32_t, kColumnCount> null_threshold_{};
  std::vector<Block> blocks_;
  std::map<int64_t, int64_t> duplicate_targets_;   // target row by source row
  std::map<int64_t, std::string> pending_copies_;  // source text by target row
  std::array<uint64_t, kRecentIds> recent_ids_{};
  size_t recent_count_ = 0;

  const WeightedChoice name_shape_{kNameShapeWeights};
  const WeightedChoice age_{kAgeWeights};
  const WeightedChoice gender_{kGenderWeights};
  const WeightedChoice income_{kIncomeWeights};
  const WeightedChoice segment_{kSegmentWeights};
  const WeightedChoice feedback_{kFeedbackWeights};
  const WeightedChoice shipping_{kShippingWeights};
  const WeightedChoice payment_{kPaymentWeights};
  const WeightedChoice order_status_{kOrderStatusWeights};
};

}  // namespace

std::string CsvText(std::string_view value, bool force_quote) {
  if (!force_quote && value.find_first_of(",\"\r\n") == std::string_view::npos) {
    return std::string(value);
  }
  std::string text = "\"";
  for (char c : value) {
    if (c == '"') text += '"';
    text += c;
  }
  text += '"';
  return text;
}

Status GenerateRawFile(const GenerateOptions& options, std::FILE* out) {
  if (out == nullptr) return MakeError(ErrorCode::kInvalidArgument, "no output file");
  if (options.rows < 0) {
    return MakeError(ErrorCode::kInvalidArgument, "the row count must not be negative");
  }
  Generator generator(options, out);
  TILL_RETURN_IF_ERROR(generator.Run());
  if (std::fflush(out) != 0 || std::ferror(out) != 0) {
    return MakeError(ErrorCode::kIoError, "flushing the generated file failed");
  }
  return {};
}

}  // namespace till
