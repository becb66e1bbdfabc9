#include "warehouse/schema.h"

namespace till {
namespace {

// Version 1: the star schema, the BI view and the run records.
//
// Dimension keys are content hashes (see model/star.h), so they are plain INTEGER PRIMARY
// KEYs with no AUTOINCREMENT. Key 0 is the Unknown member of every dimension; its attributes
// are NULL so that the view gives back the nulls the raw file had.
constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE etl_run (
  run_id      INTEGER PRIMARY KEY,
  trigger     TEXT NOT NULL,
  started_at  TEXT NOT NULL,
  finished_at TEXT,
  status      TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  error       TEXT,
  till_version TEXT NOT NULL
);

CREATE TABLE etl_file (
  file_id          INTEGER PRIMARY KEY,
  run_id           INTEGER NOT NULL REFERENCES etl_run (run_id),
  uri              TEXT NOT NULL,
  sha256           TEXT NOT NULL,
  size_bytes       INTEGER NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('loaded', 'skipped', 'failed')),
  rows_read        INTEGER NOT NULL DEFAULT 0,
  rows_loaded      INTEGER NOT NULL DEFAULT 0,
  rows_rejected    INTEGER NOT NULL DEFAULT 0,
  rows_duplicate   INTEGER NOT NULL DEFAULT 0,
  values_nulled    INTEGER NOT NULL DEFAULT 0,
  year_mismatches  INTEGER NOT NULL DEFAULT 0,
  month_mismatches INTEGER NOT NULL DEFAULT 0,
  extra_columns    TEXT,
  missing_columns  TEXT,
  same_content_as  INTEGER REFERENCES etl_file (file_id),
  error            TEXT,
  started_at       TEXT NOT NULL,
  finished_at      TEXT,
  CHECK (status <> 'loaded' OR rows_read = rows_loaded + rows_rejected + rows_duplicate)
);
-- A content is loaded at most once, whatever its name.
CREATE UNIQUE INDEX etl_file_loaded_content ON etl_file (sha256) WHERE status = 'loaded';
CREATE INDEX etl_file_run ON etl_file (run_id);

CREATE TABLE etl_step (
  run_id  INTEGER NOT NULL REFERENCES etl_run (run_id),
  file_id INTEGER NOT NULL REFERENCES etl_file (file_id),
  step    TEXT NOT NULL,
  rows    INTEGER NOT NULL,
  seconds REAL NOT NULL,
  PRIMARY KEY (file_id, step)
);

CREATE TABLE etl_reject (
  reject_id    INTEGER PRIMARY KEY,
  file_id      INTEGER NOT NULL REFERENCES etl_file (file_id),
  line         INTEGER NOT NULL,
  column_name  TEXT,
  reason       TEXT NOT NULL,
  message      TEXT NOT NULL,
  raw_line     TEXT NOT NULL,
  row_rejected INTEGER NOT NULL CHECK (row_rejected IN (0, 1))
);
CREATE INDEX etl_reject_file ON etl_reject (file_id, line);

CREATE TABLE dim_date (
  date_key     INTEGER PRIMARY KEY,
  full_date    TEXT UNIQUE,
  year         INTEGER,
  quarter      INTEGER,
  month        INTEGER,
  month_name   TEXT,
  day          INTEGER,
  day_of_week  INTEGER,
  day_name     TEXT,
  iso_week     INTEGER,
  is_weekend   INTEGER
);
INSERT INTO dim_date (date_key) VALUES (0);

CREATE TABLE dim_gender (gender_key INTEGER PRIMARY KEY, gender TEXT);
CREATE TABLE dim_income (income_key INTEGER PRIMARY KEY, income TEXT);
CREATE TABLE dim_feedback (feedback_key INTEGER PRIMARY KEY, feedback TEXT);
CREATE TABLE dim_shipping_method (shipping_method_key INTEGER PRIMARY KEY, shipping_method TEXT);
CREATE TABLE dim_payment_method (payment_method_key INTEGER PRIMARY KEY, payment_method TEXT);
CREATE TABLE dim_order_status (order_status_key INTEGER PRIMARY KEY, order_status TEXT);
CREATE TABLE dim_location (
  location_key INTEGER PRIMARY KEY,
  country TEXT,
  state   TEXT,
  city    TEXT
);
CREATE TABLE dim_product (
  product_key  INTEGER PRIMARY KEY,
  category     TEXT,
  brand        TEXT,
  product_type TEXT,
  product_name TEXT
);
-- Versions are stored in the order loads met them (the rowid) and found by customer_key
-- through a unique index: a load appends versions as they come instead of inserting them at
-- random places of a table ordered by a hash.
CREATE TABLE dim_customer (
  customer_key     INTEGER NOT NULL,
  customer_id      TEXT,
  name             TEXT,
  email            TEXT,
  phone            TEXT,
  address          TEXT,
  zipcode          TEXT,
  age              INTEGER,
  customer_segment TEXT,
  first_seen       INTEGER,
  last_seen        INTEGER,
  is_current       INTEGER NOT NULL DEFAULT 1 CHECK (is_current IN (0, 1))
);
CREATE UNIQUE INDEX dim_customer_key ON dim_customer (customer_key);
-- The current version of each customer id: how a load finds what its versions compete with.
CREATE INDEX dim_customer_current ON dim_customer (customer_id)
  WHERE is_current = 1 AND customer_id IS NOT NULL;

INSERT INTO dim_gender VALUES (0, NULL);
INSERT INTO dim_income VALUES (0, NULL);
INSERT INTO dim_feedback VALUES (0, NULL);
INSERT INTO dim_shipping_method VALUES (0, NULL);
INSERT INTO dim_payment_method VALUES (0, NULL);
INSERT INTO dim_order_status VALUES (0, NULL);
INSERT INTO dim_location VALUES (0, NULL, NULL, NULL);
INSERT INTO dim_product VALUES (0, NULL, NULL, NULL, NULL);
INSERT INTO dim_customer (customer_key, is_current) VALUES (0, 1);

CREATE TABLE fact_sales (
  sale_id             INTEGER PRIMARY KEY,
  file_id             INTEGER NOT NULL REFERENCES etl_file (file_id),
  source_line         INTEGER NOT NULL,
  transaction_id      TEXT,
  date_key            INTEGER NOT NULL REFERENCES dim_date (date_key),
  sale_time           INTEGER CHECK (sale_time BETWEEN 0 AND 86399),  -- seconds since midnight
  customer_key        INTEGER NOT NULL REFERENCES dim_customer (customer_key),
  location_key        INTEGER NOT NULL REFERENCES dim_location (location_key),
  gender_key          INTEGER NOT NULL REFERENCES dim_gender (gender_key),
  income_key          INTEGER NOT NULL REFERENCES dim_income (income_key),
  product_key         INTEGER NOT NULL REFERENCES dim_product (product_key),
  feedback_key        INTEGER NOT NULL REFERENCES dim_feedback (feedback_key),
  shipping_method_key INTEGER NOT NULL REFERENCES dim_shipping_method (shipping_method_key),
  payment_method_key  INTEGER NOT NULL REFERENCES dim_payment_method (payment_method_key),
  order_status_key    INTEGER NOT NULL REFERENCES dim_order_status (order_status_key),
  quantity            INTEGER NOT NULL CHECK (quantity > 0),
  unit_price          REAL NOT NULL,
  total_amount        REAL NOT NULL,
  rating              INTEGER,
  recovered           TEXT CHECK (recovered IN ('quantity', 'unit_price', 'total_amount'))
);
-- Rows identical after cleaning load once: each loaded fact under the 128-bit hash of its
-- cleaned row. A table of its own rather than a column with a unique index, so that a load into
-- an empty warehouse can write it in key order, once, instead of growing an index row by row.
CREATE TABLE fact_sales_row (
  row_hash BLOB PRIMARY KEY,
  sale_id  INTEGER NOT NULL REFERENCES fact_sales (sale_id)
) WITHOUT ROWID;
CREATE INDEX fact_sales_file ON fact_sales (file_id);

CREATE VIEW retail_data_view AS
SELECT
  f.transaction_id      AS transaction_id,
  c.customer_id         AS customer_id,
  c.name                AS name,
  c.email               AS email,
  c.phone               AS phone,
  c.address             AS address,
  l.city                AS city,
  l.state               AS state,
  c.zipcode             AS zipcode,
  l.country             AS country,
  c.age                 AS age,
  g.gender              AS gender,
  i.income              AS income,
  c.customer_segment    AS customer_segment,
  d.full_date           AS date,
  d.year                AS year,
  d.month_name          AS month,
  CASE WHEN f.sale_time IS NOT NULL THEN
    printf('%02d:%02d:%02d', f.sale_time / 3600, f.sale_time / 60 % 60, f.sale_time % 60)
  END                   AS time,
  f.quantity            AS total_purchases,
  f.unit_price          AS amount,
  f.total_amount        AS total_amount,
  p.category            AS product_category,
  p.brand               AS product_brand,
  p.product_type        AS product_type,
  fb.feedback           AS feedback,
  sm.shipping_method    AS shipping_method,
  pm.payment_method     AS payment_method,
  os.order_status       AS order_status,
  f.rating              AS ratings,
  p.product_name        AS products,
  d.month               AS month_number,
  d.quarter             AS quarter,
  d.day_name            AS day_of_week,
  f.sale_id             AS sale_id,
  f.file_id             AS file_id,
  f.source_line         AS source_line
FROM fact_sales f
JOIN dim_date d             ON d.date_key = f.date_key
JOIN dim_customer c         ON c.customer_key = f.customer_key
JOIN dim_location l         ON l.location_key = f.location_key
JOIN dim_gender g           ON g.gender_key = f.gender_key
JOIN dim_income i           ON i.income_key = f.income_key
JOIN dim_product p          ON p.product_key = f.product_key
JOIN dim_feedback fb        ON fb.feedback_key = f.feedback_key
JOIN dim_shipping_method sm ON sm.shipping_method_key = f.shipping_method_key
JOIN dim_payment_method pm  ON pm.payment_method_key = f.payment_method_key
JOIN dim_order_status os    ON os.order_status_key = f.order_status_key;
)sql";

// Version 2: landing zones. The ledger of what each key of a landing zone holds; files that can
// be unloaded (when the key that brought them changes); and the rows a file held that another
// file had loaded first, so that unloading that other file moves each such row to its holder
// instead of losing it.
constexpr std::string_view kVersion2 = R"sql(
ALTER TABLE etl_file ADD COLUMN unloaded_at TEXT;
DROP INDEX etl_file_loaded_content;
CREATE UNIQUE INDEX etl_file_loaded_content ON etl_file (sha256)
  WHERE status = 'loaded' AND unloaded_at IS NULL;

CREATE TABLE fact_sales_dup (
  row_hash    BLOB NOT NULL,
  file_id     INTEGER NOT NULL REFERENCES etl_file (file_id),
  source_line INTEGER NOT NULL,
  PRIMARY KEY (row_hash, file_id, source_line)
) WITHOUT ROWID;
CREATE INDEX fact_sales_dup_file ON fact_sales_dup (file_id);

CREATE TABLE landing_key (
  zone       TEXT NOT NULL,
  key        TEXT NOT NULL,
  version    TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  sha256     TEXT,
  file_id    INTEGER REFERENCES etl_file (file_id),
  status     TEXT NOT NULL CHECK (status IN ('loaded', 'failed')),
  error      TEXT,
  seen_at    TEXT NOT NULL,
  PRIMARY KEY (zone, key)
);
CREATE INDEX landing_key_file ON landing_key (file_id);
)sql";

// Who runs each run (base/process.h), so that a run whose process is gone can be found and
// marked interrupted: status 'failed', interrupted_at when that was noticed.
constexpr std::string_view kVersion3 = R"sql(
ALTER TABLE etl_run ADD COLUMN owner TEXT;
ALTER TABLE etl_run ADD COLUMN interrupted_at TEXT;
)sql";

// Stored forecasts (src/warehouse/forecasts.h): every series' forecast with its 80% and 95%
// intervals, one run per refresh; a refresh from the same last day of data replaces the run it
// repeats, so the table keeps one forecast per series and origin. forecast_actual_view puts each
// day-grain series' actual values beside the latest forecast made for each day (a day's latest
// forecast is the one made with the data up to the day before it came in), for Tableau.
constexpr std::string_view kVersion4 = R"sql(
CREATE TABLE forecast_sales (
  run_id        INTEGER NOT NULL,
  series_by     TEXT NOT NULL,  -- total, category, country, country,category, brand
  measure       TEXT NOT NULL,  -- revenue, units, orders
  grain         TEXT NOT NULL,  -- day, week
  member        TEXT NOT NULL,  -- total, Books, USA, USA / Books
  origin_key    INTEGER NOT NULL,  -- YYYYMMDD: the first day of the last step of history
  date_key      INTEGER NOT NULL,  -- YYYYMMDD: the first day of the forecast step
  forecast_date TEXT NOT NULL,
  model         TEXT NOT NULL,
  point         REAL NOT NULL,
  lo80          REAL NOT NULL,
  hi80          REAL NOT NULL,
  lo95          REAL NOT NULL,
  hi95          REAL NOT NULL,
  created_at    TEXT NOT NULL,
  PRIMARY KEY (series_by, measure, grain, member, date_key, run_id)
);
CREATE INDEX forecast_sales_run ON forecast_sales (run_id);
CREATE INDEX forecast_sales_origin ON forecast_sales (series_by, measure, grain, origin_key);

CREATE VIEW forecast_actual_view AS
WITH daily AS (
  SELECT f.date_key,
         coalesce(p.category, '(unknown)') AS category,
         coalesce(l.country, '(unknown)') AS country,
         coalesce(p.brand, '(unknown)') AS brand,
         sum(f.total_amount) AS revenue, sum(f.quantity) AS units, count(*) AS orders
  FROM fact_sales f
  JOIN dim_product p ON p.product_key = f.product_key
  JOIN dim_location l ON l.location_key = f.location_key
  WHERE f.date_key <> 0
  GROUP BY f.date_key, coalesce(p.category, '(unknown)'), coalesce(l.country, '(unknown)'),
           coalesce(p.brand, '(unknown)')
),
grouped AS (
  SELECT 'total' AS series_by, 'total' AS member, date_key,
         sum(revenue) AS revenue, sum(units) AS units, sum(orders) AS orders
  FROM daily GROUP BY date_key
  UNION ALL
  SELECT 'category', category, date_key, sum(revenue), sum(units), sum(orders)
  FROM daily GROUP BY category, date_key
  UNION ALL
  SELECT 'country', country, date_key, sum(revenue), sum(units), sum(orders)
  FROM daily GROUP BY country, date_key
  UNION ALL
  SELECT 'country,category', country || ' / ' || category, date_key, sum(revenue), sum(units),
         sum(orders)
  FROM daily GROUP BY country, category, date_key
  UNION ALL
  SELECT 'brand', brand, date_key, sum(revenue), sum(units), sum(orders)
  FROM daily GROUP BY brand, date_key
),
actual AS (
  SELECT series_by, member, date_key, 'revenue' AS measure,
         round(CAST(revenue AS NUMERIC), 2) AS value FROM grouped
  UNION ALL
  SELECT series_by, member, date_key, 'units', units FROM grouped
  UNION ALL
  SELECT series_by, member, date_key, 'orders', orders FROM grouped
),
latest AS (
  SELECT fs.* FROM forecast_sales fs
  WHERE fs.grain = 'day' AND fs.run_id = (
    SELECT max(g.run_id) FROM forecast_sales g
    WHERE g.series_by = fs.series_by AND g.measure = fs.measure AND g.grain = 'day'
      AND g.member = fs.member AND g.date_key = fs.date_key)
),
forecast_series AS (SELECT DISTINCT series_by, measure, member FROM latest)
SELECT a.series_by, a.measure, a.member, d.full_date AS date, a.date_key, a.value AS actual,
       lt.model, lt.point, lt.lo80, lt.hi80, lt.lo95, lt.hi95, lt.run_id, lt.origin_key
FROM actual a
JOIN forecast_series s
  ON s.series_by = a.series_by AND s.measure = a.measure AND s.member = a.member
JOIN dim_date d ON d.date_key = a.date_key
LEFT JOIN latest lt
  ON lt.series_by = a.series_by AND lt.measure = a.measure AND lt.member = a.member
     AND lt.date_key = a.date_key
UNION ALL
SELECT lt.series_by, lt.measure, lt.member, lt.forecast_date, lt.date_key, NULL, lt.model,
       lt.point, lt.lo80, lt.hi80, lt.lo95, lt.hi95, lt.run_id, lt.origin_key
FROM latest lt
WHERE NOT EXISTS (
  SELECT 1 FROM actual a
  WHERE a.series_by = lt.series_by AND a.measure = lt.measure AND a.member = lt.member
    AND a.date_key = lt.date_key);
)sql";

// Customer analytics per customer as of a day (src/segment/), refreshed whole after loads and by
// `till segments --save`: the customer id and figures only, nothing personal. customer_key is the
// customer's current version when the rows were written.
constexpr std::string_view kVersion5 = R"sql(
CREATE TABLE customer_segment (
  customer_id            TEXT PRIMARY KEY,
  customer_key           INTEGER,
  as_of_date             TEXT NOT NULL,
  recency_days           INTEGER NOT NULL,
  frequency              INTEGER NOT NULL,
  monetary               REAL NOT NULL,
  r_score                INTEGER NOT NULL CHECK (r_score BETWEEN 1 AND 5),
  f_score                INTEGER NOT NULL CHECK (f_score BETWEEN 1 AND 5),
  m_score                INTEGER NOT NULL CHECK (m_score BETWEEN 1 AND 5),
  segment                TEXT NOT NULL,
  cluster                INTEGER NOT NULL,
  expected_purchases_90d REAL NOT NULL,
  p_alive                REAL NOT NULL,
  expected_order_value   REAL NOT NULL,
  clv_12m                REAL NOT NULL,
  run_id                 INTEGER REFERENCES etl_run (run_id)
) WITHOUT ROWID;
CREATE INDEX customer_segment_segment ON customer_segment (segment);
)sql";

// The answers of `till stream` to requests that carried an Idempotency-Key, written in the
// transaction that loads their rows: a retried request gets its first answer back.
constexpr std::string_view kVersion6 = R"sql(
CREATE TABLE stream_request (
  idempotency_key TEXT PRIMARY KEY,
  body_sha256     TEXT NOT NULL,
  file_id         INTEGER NOT NULL REFERENCES etl_file (file_id),
  answer          TEXT NOT NULL,
  received_at     TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// The row hashes that batches (`till stream`, `till watch kinesis://`) claim go first to a table
// in the order of their sale ids, which each group's commit appends to, instead of into
// fact_sales_row, whose random keys make every commit rewrite most of its leaves. They move to
// fact_sales_row in one sorted pass once there are enough of them (see sqlite_load.h), and a
// loader looks them up in memory until then. A hash is in one of the two tables, once.
constexpr std::string_view kVersion7 = R"sql(
CREATE TABLE fact_sales_row_recent (
  sale_id  INTEGER PRIMARY KEY REFERENCES fact_sales (sale_id),
  row_hash BLOB NOT NULL
);
)sql";

// The recent hashes are kept by slice, the top four bits of a hash's first byte, then by sale
// id: a group's commit still appends (to the end of each slice), and a slice moves to
// fact_sales_row and leaves this table as one range, so that a warehouse fed by a stream never
// moves all its recent hashes in one pass (see sqlite_load.h).
constexpr std::string_view kVersion8 = R"sql(
CREATE TABLE fact_sales_row_recent_sliced (
  slice    INTEGER NOT NULL,
  sale_id  INTEGER NOT NULL REFERENCES fact_sales (sale_id),
  row_hash BLOB NOT NULL,
  PRIMARY KEY (slice, sale_id)
) WITHOUT ROWID;
INSERT INTO fact_sales_row_recent_sliced (slice, sale_id, row_hash)
  SELECT instr('0123456789ABCDEF', substr(hex(row_hash), 1, 1)) - 1, sale_id, row_hash
  FROM fact_sales_row_recent ORDER BY 1, 2;
DROP TABLE fact_sales_row_recent;
ALTER TABLE fact_sales_row_recent_sliced RENAME TO fact_sales_row_recent;
)sql";

// The runs still marked running, indexed by themselves. Every run's start looks for runs whose
// process is gone among them; without the index that was a scan of every run ever recorded, and
// `till ingest` once per file makes one more each time.
constexpr std::string_view kVersion9 = R"sql(
CREATE INDEX etl_run_running ON etl_run (run_id) WHERE status = 'running';
)sql";

constexpr Migration kMigrations[] = {
    {1, "star schema, retail_data_view and run records", kVersion1},
    {2, "landing-zone ledger and unloadable files", kVersion2},
    {3, "runs record their process, and when they were found interrupted", kVersion3},
    {4, "stored forecasts and forecast_actual_view", kVersion4},
    {5, "customer segments", kVersion5},
    {6, "answers of stream requests by idempotency key", kVersion6},
    {7, "row hashes of recent batches in sale order", kVersion7},
    {8, "recent row hashes kept in slices of their key", kVersion8},
    {9, "running runs indexed apart", kVersion9},
};

}  // namespace

std::span<const Migration> SqliteMigrations() { return kMigrations; }

}  // namespace till
