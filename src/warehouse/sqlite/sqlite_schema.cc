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

constexpr Migration kMigrations[] = {
    {1, "star schema, retail_data_view and run records", kVersion1},
    {2, "landing-zone ledger and unloadable files", kVersion2},
    {3, "runs record their process, and when they were found interrupted", kVersion3},
    {6, "answers of stream requests by idempotency key", kVersion6},
};

}  // namespace

std::span<const Migration> SqliteMigrations() { return kMigrations; }

}  // namespace till
