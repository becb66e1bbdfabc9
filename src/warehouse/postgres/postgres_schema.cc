#include "warehouse/schema.h"

namespace till {
namespace {

// Version 1: the same star schema, view and run records as the SQLite warehouse, with the
// constraints stated in full.
//
// fact_sales is partitioned by file: each load writes its facts into a table of its own,
// without foreign keys, then attaches it at commit. Attaching checks every key of the file
// against the dimensions in one join per dimension; the same keys checked row by row as the
// rows arrive cost about twenty times as much. The partition is also what a reload of a
// changed file drops. Stream batches, many and small, share one table instead (versions 7
// and 9), and since version 11 so do files below a size.
//
// Dimension keys are content hashes (see model/star.h); key 0 is the Unknown member with NULL
// attributes. Labels compare byte by byte (COLLATE "C"), as SQLite compares them, so both
// warehouses keep the same smallest spelling of a member.
constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE etl_run (
  run_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  trigger      text NOT NULL,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz,
  status       text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  error        text,
  till_version text NOT NULL
);

CREATE TABLE etl_file (
  file_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id           bigint NOT NULL REFERENCES etl_run (run_id),
  uri              text NOT NULL,
  sha256           text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size_bytes       bigint NOT NULL CHECK (size_bytes >= 0),
  status           text NOT NULL CHECK (status IN ('loaded', 'skipped', 'failed')),
  rows_read        bigint NOT NULL DEFAULT 0 CHECK (rows_read >= 0),
  rows_loaded      bigint NOT NULL DEFAULT 0 CHECK (rows_loaded >= 0),
  rows_rejected    bigint NOT NULL DEFAULT 0 CHECK (rows_rejected >= 0),
  rows_duplicate   bigint NOT NULL DEFAULT 0 CHECK (rows_duplicate >= 0),
  values_nulled    bigint NOT NULL DEFAULT 0 CHECK (values_nulled >= 0),
  year_mismatches  bigint NOT NULL DEFAULT 0 CHECK (year_mismatches >= 0),
  month_mismatches bigint NOT NULL DEFAULT 0 CHECK (month_mismatches >= 0),
  extra_columns    text,
  missing_columns  text,
  same_content_as  bigint REFERENCES etl_file (file_id),
  error            text,
  started_at       timestamptz NOT NULL,
  finished_at      timestamptz,
  CHECK (status <> 'loaded' OR rows_read = rows_loaded + rows_rejected + rows_duplicate)
);
-- A content is loaded at most once, whatever its name.
CREATE UNIQUE INDEX etl_file_loaded_content ON etl_file (sha256) WHERE status = 'loaded';
CREATE INDEX etl_file_run ON etl_file (run_id);

CREATE TABLE etl_step (
  run_id  bigint NOT NULL REFERENCES etl_run (run_id),
  file_id bigint NOT NULL REFERENCES etl_file (file_id),
  step    text NOT NULL,
  rows    bigint NOT NULL,
  seconds double precision NOT NULL,
  PRIMARY KEY (file_id, step)
);

CREATE TABLE etl_reject (
  reject_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  file_id      bigint NOT NULL REFERENCES etl_file (file_id),
  line         bigint NOT NULL,
  column_name  text,
  reason       text NOT NULL,
  message      text NOT NULL,
  raw_line     text NOT NULL,
  row_rejected boolean NOT NULL
);
CREATE INDEX etl_reject_file ON etl_reject (file_id, line);

CREATE TABLE dim_date (
  date_key    integer PRIMARY KEY,
  full_date   date UNIQUE,
  year        integer,
  quarter     integer CHECK (quarter BETWEEN 1 AND 4),
  month       integer CHECK (month BETWEEN 1 AND 12),
  month_name  text,
  day         integer CHECK (day BETWEEN 1 AND 31),
  day_of_week integer CHECK (day_of_week BETWEEN 1 AND 7),
  day_name    text,
  iso_week    integer CHECK (iso_week BETWEEN 1 AND 53),
  is_weekend  boolean,
  CHECK ((date_key = 0) = (full_date IS NULL)),
  CHECK (date_key = 0 OR date_key = to_char(full_date, 'YYYYMMDD')::integer)
);
INSERT INTO dim_date (date_key) VALUES (0);

CREATE TABLE dim_gender (
  gender_key bigint PRIMARY KEY,
  gender     text COLLATE "C" UNIQUE
);
CREATE TABLE dim_income (
  income_key bigint PRIMARY KEY,
  income     text COLLATE "C" UNIQUE
);
CREATE TABLE dim_feedback (
  feedback_key bigint PRIMARY KEY,
  feedback     text COLLATE "C" UNIQUE
);
CREATE TABLE dim_shipping_method (
  shipping_method_key bigint PRIMARY KEY,
  shipping_method     text COLLATE "C" UNIQUE
);
CREATE TABLE dim_payment_method (
  payment_method_key bigint PRIMARY KEY,
  payment_method     text COLLATE "C" UNIQUE
);
CREATE TABLE dim_order_status (
  order_status_key bigint PRIMARY KEY,
  order_status     text COLLATE "C" UNIQUE
);
CREATE TABLE dim_location (
  location_key bigint PRIMARY KEY,
  country      text COLLATE "C",
  state        text COLLATE "C",
  city         text COLLATE "C",
  UNIQUE NULLS NOT DISTINCT (country, state, city)
);
CREATE TABLE dim_product (
  product_key  bigint PRIMARY KEY,
  category     text COLLATE "C",
  brand        text COLLATE "C",
  product_type text COLLATE "C",
  product_name text COLLATE "C",
  UNIQUE NULLS NOT DISTINCT (category, brand, product_type, product_name)
);
-- Every profile a Customer_ID was seen with is a version; customer_key is the hash of the
-- whole profile, so it is the natural key. One version of each customer id is current.
CREATE TABLE dim_customer (
  customer_key     bigint PRIMARY KEY,
  customer_id      text,
  name             text,
  email            text,
  phone            text,
  address          text,
  zipcode          text,
  age              integer CHECK (age BETWEEN 0 AND 150),
  customer_segment text,
  first_seen       integer,
  last_seen        integer,
  is_current       boolean NOT NULL DEFAULT true,
  CHECK (first_seen <= last_seen)
);
CREATE UNIQUE INDEX dim_customer_current ON dim_customer (customer_id)
  WHERE is_current AND customer_id IS NOT NULL;

INSERT INTO dim_gender VALUES (0, NULL);
INSERT INTO dim_income VALUES (0, NULL);
INSERT INTO dim_feedback VALUES (0, NULL);
INSERT INTO dim_shipping_method VALUES (0, NULL);
INSERT INTO dim_payment_method VALUES (0, NULL);
INSERT INTO dim_order_status VALUES (0, NULL);
INSERT INTO dim_location VALUES (0, NULL, NULL, NULL);
INSERT INTO dim_product VALUES (0, NULL, NULL, NULL, NULL);
INSERT INTO dim_customer (customer_key, is_current) VALUES (0, true);

CREATE TABLE fact_sales (
  sale_id             bigint NOT NULL,
  file_id             bigint NOT NULL REFERENCES etl_file (file_id),
  source_line         bigint NOT NULL CHECK (source_line > 0),
  transaction_id      text,
  date_key            integer NOT NULL REFERENCES dim_date (date_key),
  sale_time           integer CHECK (sale_time BETWEEN 0 AND 86399),  -- seconds since midnight
  customer_key        bigint NOT NULL REFERENCES dim_customer (customer_key),
  location_key        bigint NOT NULL REFERENCES dim_location (location_key),
  gender_key          bigint NOT NULL REFERENCES dim_gender (gender_key),
  income_key          bigint NOT NULL REFERENCES dim_income (income_key),
  product_key         bigint NOT NULL REFERENCES dim_product (product_key),
  feedback_key        bigint NOT NULL REFERENCES dim_feedback (feedback_key),
  shipping_method_key bigint NOT NULL REFERENCES dim_shipping_method (shipping_method_key),
  payment_method_key  bigint NOT NULL REFERENCES dim_payment_method (payment_method_key),
  order_status_key    bigint NOT NULL REFERENCES dim_order_status (order_status_key),
  quantity            bigint NOT NULL CHECK (quantity > 0),
  unit_price          double precision NOT NULL,
  total_amount        double precision NOT NULL,
  rating              integer CHECK (rating BETWEEN 0 AND 10),
  recovered           text CHECK (recovered IN ('quantity', 'unit_price', 'total_amount')),
  PRIMARY KEY (sale_id, file_id)
) PARTITION BY LIST (file_id);
-- The dashboards filter by date and drill into products; each partition gets these at attach.
CREATE INDEX fact_sales_date ON fact_sales (date_key);
CREATE INDEX fact_sales_product ON fact_sales (product_key);

-- Rows identical after cleaning load once: each loaded fact under the 128-bit hash of its
-- cleaned row, pointing at the fact by its file and line.
CREATE TABLE fact_sales_row (
  row_hash    uuid PRIMARY KEY,
  file_id     bigint NOT NULL,
  source_line bigint NOT NULL
);
CREATE INDEX fact_sales_row_file ON fact_sales_row (file_id);

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
  to_char(make_interval(secs => f.sale_time), 'HH24:MI:SS') AS time,
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

-- What the reporting role (till_reader, see `till init --create-roles`) sees: views only, with
-- customer emails, phones and addresses masked. Its search_path puts this schema first, so a BI
-- tool connected as till_reader finds retail_data_view here.
CREATE SCHEMA reporting;

CREATE FUNCTION reporting.mask_email(email text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN email IS NULL THEN NULL
              WHEN position('@' IN email) > 1
                THEN left(email, 1) || '***@' || split_part(email, '@', 2)
              ELSE '***' END;
CREATE FUNCTION reporting.mask_phone(phone text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN phone IS NULL THEN NULL
              WHEN length(phone) > 4 THEN '***' || right(phone, 2)
              ELSE '***' END;
CREATE FUNCTION reporting.mask_address(address text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN address IS NULL THEN NULL ELSE '***' END;

CREATE VIEW reporting.retail_data_view AS
SELECT transaction_id, customer_id, name,
       reporting.mask_email(email) AS email,
       reporting.mask_phone(phone) AS phone,
       reporting.mask_address(address) AS address,
       city, state, zipcode, country, age, gender, income, customer_segment, date, year, month,
       time, total_purchases, amount, total_amount, product_category, product_brand,
       product_type, feedback, shipping_method, payment_method, order_status, ratings,
       products, month_number, quarter, day_of_week, sale_id, file_id, source_line
FROM public.retail_data_view;

CREATE VIEW reporting.fact_sales AS SELECT * FROM public.fact_sales;
CREATE VIEW reporting.dim_date AS SELECT * FROM public.dim_date;
CREATE VIEW reporting.dim_gender AS SELECT * FROM public.dim_gender;
CREATE VIEW reporting.dim_income AS SELECT * FROM public.dim_income;
CREATE VIEW reporting.dim_feedback AS SELECT * FROM public.dim_feedback;
CREATE VIEW reporting.dim_shipping_method AS SELECT * FROM public.dim_shipping_method;
CREATE VIEW reporting.dim_payment_method AS SELECT * FROM public.dim_payment_method;
CREATE VIEW reporting.dim_order_status AS SELECT * FROM public.dim_order_status;
CREATE VIEW reporting.dim_location AS SELECT * FROM public.dim_location;
CREATE VIEW reporting.dim_product AS SELECT * FROM public.dim_product;
CREATE VIEW reporting.dim_customer AS
SELECT customer_key, customer_id, name,
       reporting.mask_email(email) AS email,
       reporting.mask_phone(phone) AS phone,
       reporting.mask_address(address) AS address,
       zipcode, age, customer_segment, first_seen, last_seen, is_current
FROM public.dim_customer;
CREATE VIEW reporting.etl_run AS SELECT * FROM public.etl_run;
CREATE VIEW reporting.etl_file AS SELECT * FROM public.etl_file;
)sql";

// Version 2: landing zones, as in the SQLite schema's version 2.
constexpr std::string_view kVersion2 = R"sql(
ALTER TABLE etl_file ADD COLUMN unloaded_at timestamptz;
DROP INDEX etl_file_loaded_content;
CREATE UNIQUE INDEX etl_file_loaded_content ON etl_file (sha256)
  WHERE status = 'loaded' AND unloaded_at IS NULL;

CREATE TABLE fact_sales_dup (
  row_hash    uuid NOT NULL,
  file_id     bigint NOT NULL REFERENCES etl_file (file_id),
  source_line bigint NOT NULL,
  PRIMARY KEY (row_hash, file_id, source_line)
);
CREATE INDEX fact_sales_dup_file ON fact_sales_dup (file_id);

CREATE TABLE landing_key (
  zone       text NOT NULL,
  key        text NOT NULL,
  version    text NOT NULL,
  size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
  sha256     text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  file_id    bigint REFERENCES etl_file (file_id),
  status     text NOT NULL CHECK (status IN ('loaded', 'failed')),
  error      text,
  seen_at    timestamptz NOT NULL,
  PRIMARY KEY (zone, key)
);
CREATE INDEX landing_key_file ON landing_key (file_id);
)sql";

// Version 3: what `till serve` reads, readable by till_reader: etl_file with its unloaded_at
// (a view keeps the columns it was made with), the rejects without their raw lines (they hold
// customer data), and the schema version.
constexpr std::string_view kVersion3 = R"sql(
CREATE OR REPLACE VIEW reporting.etl_file AS SELECT * FROM public.etl_file;
CREATE VIEW reporting.etl_reject AS
SELECT reject_id, file_id, line, column_name, reason, message, row_rejected
FROM public.etl_reject;
CREATE VIEW reporting.till_schema AS SELECT * FROM public.till_schema;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'till_reader') THEN
    GRANT SELECT ON reporting.etl_file, reporting.etl_reject, reporting.till_schema
      TO till_reader;
  END IF;
END
$$;
)sql";

// Who runs each run (its server session, "pg:PID:START" with the backend's start as seconds
// since the epoch), so that a run whose session is gone can be found and marked interrupted:
// status 'failed', interrupted_at when that was noticed.
constexpr std::string_view kVersion4 = R"sql(
ALTER TABLE etl_run ADD COLUMN owner text;
ALTER TABLE etl_run ADD COLUMN interrupted_at timestamptz;
CREATE OR REPLACE VIEW reporting.etl_run AS SELECT * FROM public.etl_run;
)sql";

// Stored forecasts (src/warehouse/forecasts.h): every series' forecast with its 80% and 95%
// intervals, one run per refresh; a refresh from the same last day of data replaces the run it
// repeats, so the table keeps one forecast per series and origin. forecast_actual_view puts each
// day-grain series' actual values beside the latest forecast made for each day (a day's latest
// forecast is the one made with the data up to the day before it came in), for Tableau; both
// are readable by till_reader in the reporting schema.
constexpr std::string_view kVersion5 = R"sql(
CREATE TABLE forecast_sales (
  run_id        bigint NOT NULL,
  series_by     text NOT NULL,
  measure       text NOT NULL,
  grain         text NOT NULL,
  member        text NOT NULL,
  origin_key    integer NOT NULL,
  date_key      integer NOT NULL,
  forecast_date date NOT NULL,
  model         text NOT NULL,
  point         double precision NOT NULL,
  lo80          double precision NOT NULL,
  hi80          double precision NOT NULL,
  lo95          double precision NOT NULL,
  hi95          double precision NOT NULL,
  created_at    timestamptz NOT NULL,
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

CREATE VIEW reporting.forecast_sales AS SELECT * FROM public.forecast_sales;
CREATE VIEW reporting.forecast_actual_view AS SELECT * FROM public.forecast_actual_view;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'till_reader') THEN
    GRANT SELECT ON reporting.forecast_sales, reporting.forecast_actual_view TO till_reader;
  END IF;
END
$$;
)sql";

// Customer analytics per customer as of a day (src/segment/), refreshed whole after loads and by
// `till segments --save`: the customer id and figures only, nothing personal, so the reporting
// view shows every column. customer_key is the customer's current version when the rows were
// written.
constexpr std::string_view kVersion6 = R"sql(
CREATE TABLE customer_segment (
  customer_id            text PRIMARY KEY,
  customer_key           bigint,
  as_of_date             date NOT NULL,
  recency_days           bigint NOT NULL,
  frequency              bigint NOT NULL,
  monetary               double precision NOT NULL,
  r_score                smallint NOT NULL CHECK (r_score BETWEEN 1 AND 5),
  f_score                smallint NOT NULL CHECK (f_score BETWEEN 1 AND 5),
  m_score                smallint NOT NULL CHECK (m_score BETWEEN 1 AND 5),
  segment                text NOT NULL,
  cluster                integer NOT NULL,
  expected_purchases_90d double precision NOT NULL,
  p_alive                double precision NOT NULL,
  expected_order_value   double precision NOT NULL,
  clv_12m                double precision NOT NULL,
  run_id                 bigint REFERENCES etl_run (run_id)
);
CREATE INDEX customer_segment_segment ON customer_segment (segment);
CREATE VIEW reporting.customer_segment AS
SELECT customer_id, customer_key, as_of_date, recency_days, frequency, monetary, r_score, f_score,
       m_score, segment, cluster, expected_purchases_90d, p_alive, expected_order_value, clv_12m,
       run_id
FROM public.customer_segment;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'till_reader') THEN
    GRANT SELECT ON reporting.customer_segment TO till_reader;
  END IF;
END
$$;
)sql";

// The answers of `till stream` to requests that carried an Idempotency-Key, as in the SQLite
// schema's version 6.
constexpr std::string_view kVersion7 = R"sql(
-- Stream batches append their facts to one partition, the DEFAULT one, instead of one each.
-- Their file_ids come from a range of their own, which the partition's CHECK states: attaching
-- a file's partition then needs no scan of the batches' rows to prove none is the file's.
CREATE SEQUENCE stream_file_id START 1000000000000;
CREATE TABLE fact_sales_batch (LIKE fact_sales INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
  CONSTRAINT fact_sales_batch_range CHECK (file_id >= 1000000000000));
ALTER TABLE fact_sales ATTACH PARTITION fact_sales_batch DEFAULT;
CREATE INDEX fact_sales_batch_file ON fact_sales_batch (file_id, source_line);
CREATE TABLE stream_request (
  idempotency_key text PRIMARY KEY,
  body_sha256     text NOT NULL,
  file_id         bigint NOT NULL REFERENCES etl_file (file_id),
  answer          text NOT NULL,
  received_at     timestamptz NOT NULL
);
)sql";

// Version 9: fact_sales is partitioned by range of file_id in two: the files' facts
// (fact_sales_files, partitioned by file as before, one partition each, attached at commit) and
// the stream batches' (fact_sales_batch, from the batches' range up, one table for all batches).
// Every fact is still checked against its dimensions by the server, set-based both ways:
//   - files: the foreign keys are declared on fact_sales_files; attaching a file's partition
//     validates each of them in one join, and a row written into an attached partition later
//     is checked as foreign keys always are.
//   - batches: a foreign key checks each appended row by itself, a lookup and a row lock per key
//     (eleven a fact), which cost batches most of their time. fact_sales_batch has no foreign
//     keys; a statement trigger checks the rows each statement wrote, one anti-join per
//     dimension, and refuses the statement (SQLSTATE 23503, foreign_key_violation) on the first
//     key that is not there. fact_sales itself carries the same trigger, for rows written
//     through it. What foreign keys also do on the other side, keep a member that facts point
//     at, triggers on the dimensions (and etl_file) do for batches' facts: a member deleted, or
//     its key changed, while a batch's fact points at it refuses the statement; the check waits
//     for the load lock first, so that a batch being loaded is seen once it commits.
// The views that read fact_sales are made again over the new table, with the same text.
constexpr std::string_view kVersion9 = R"sql(
CREATE TEMPORARY TABLE till_fact_views ON COMMIT DROP AS
  SELECT DISTINCT r.ev_class AS view_oid, pg_get_viewdef(r.ev_class) AS definition
  FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
  WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
    AND d.refobjid = 'fact_sales'::regclass AND r.ev_class <> 'fact_sales'::regclass;

-- The files' side is the table as it was, without the batches.
ALTER TABLE fact_sales DETACH PARTITION fact_sales_batch;
ALTER TABLE fact_sales RENAME TO fact_sales_files;
ALTER INDEX fact_sales_pkey RENAME TO fact_sales_files_pkey;
ALTER INDEX fact_sales_date RENAME TO fact_sales_files_date;
ALTER INDEX fact_sales_product RENAME TO fact_sales_files_product;

CREATE TABLE fact_sales (LIKE fact_sales_files INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
  PRIMARY KEY (sale_id, file_id)) PARTITION BY RANGE (file_id);
CREATE INDEX fact_sales_date ON fact_sales (date_key);
CREATE INDEX fact_sales_product ON fact_sales (product_key);
DO $$
DECLARE
  owner_name name := (SELECT r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
                      WHERE c.oid = 'fact_sales_files'::regclass);
  fk record;
BEGIN
  EXECUTE format('ALTER TABLE fact_sales OWNER TO %I', owner_name);
  -- The batches' copies of the foreign keys, theirs since the detach.
  FOR fk IN SELECT conname FROM pg_constraint
            WHERE conrelid = 'fact_sales_batch'::regclass AND contype = 'f' LOOP
    EXECUTE format('ALTER TABLE fact_sales_batch DROP CONSTRAINT %I', fk.conname);
  END LOOP;
END $$;
-- Each file's partition states file_id = its id, and the batches' table its range: neither
-- attach scans rows.
ALTER TABLE fact_sales ATTACH PARTITION fact_sales_files
  FOR VALUES FROM (MINVALUE) TO (1000000000000);
ALTER TABLE fact_sales ATTACH PARTITION fact_sales_batch
  FOR VALUES FROM (1000000000000) TO (MAXVALUE);

DO $$
DECLARE
  view record;
BEGIN
  FOR view IN SELECT view_oid, definition FROM till_fact_views ORDER BY view_oid LOOP
    EXECUTE format('CREATE OR REPLACE VIEW %s AS %s', view.view_oid::regclass, view.definition);
  END LOOP;
END $$;

-- The first fact of `new_facts` (the rows a statement wrote) from the batches' range whose key
-- is in no member of its dimension, as a message; NULL when there is none. One anti-join each.
CREATE FUNCTION till_check_batch_facts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  EXECUTE $q$
    SELECT * FROM (
      (SELECT 'file_id' AS key_column, 'etl_file' AS dimension, f.file_id, f.source_line,
              f.file_id AS key
       FROM new_facts f WHERE f.file_id >= 1000000000000
         AND NOT EXISTS (SELECT 1 FROM etl_file d WHERE d.file_id = f.file_id) LIMIT 1)
      UNION ALL
      (SELECT 'date_key', 'dim_date', f.file_id, f.source_line, f.date_key
       FROM new_facts f WHERE f.file_id >= 1000000000000
         AND NOT EXISTS (SELECT 1 FROM dim_date d WHERE d.date_key = f.date_key) LIMIT 1)
      UNION ALL
      (SELECT 'customer_key', 'dim_customer', f.file_id, f.source_line, f.customer_key
       FROM new_facts f WHERE f.file_id >= 1000000000000
         AND NOT EXISTS (SELECT 1 FROM dim_customer d WHERE d.customer_key = f.customer_key)
       LIMIT 1)
      UNION ALL
      (SELECT 'location_key', 'dim_location', f.file_id, f.source_line, f.location_key
       FROM new_facts f WHERE f.file_id >= 1000000000000
         AND NOT EXISTS (SELECT 1 FROM dim_location d WHERE d.location_key = f.location_key)
       LIMIT 1)
      UNION ALL
      (SELECT 'gender_key', 'dim_gender', f.file_id, f.source_line, f.gender_key
       FROM new_facts f WHERE f.file_id >= 1000000000000
         AND NOT EXISTS (SELECT 1 FROM dim_gender d WHERE d.gender_key = f.gender_key) LIMIT 1)
      UNION ALL
      (SELECT 'income_key', 'dim_income', f.file_id, f.source_line, f.income_key
       FROM new_facts f WHERE f.file_id >= 1000000000000
         AND NOT EXISTS (SELECT 1 FROM dim_income d WHERE d.income_key = f.income_key) LIMIT 1)
      UNION ALL
      (SELECT 'product_key', 'dim_product', f.file_id, f.source_line, f.product_key
       FROM new_facts f WHERE f.file_id >= 1000000000000
         AND NOT EXISTS (SELECT 1 FROM dim_product d WHERE d.product_key = f.product_key)
       LIMIT 1)
      UNION ALL
      (SELECT 'feedback_key', 'dim_feedback', f.file_id, f.source_line, f.feedback_key
       FROM new_facts f WHERE f.file_id >= 1000000000000
         AND NOT EXISTS (SELECT 1 FROM dim_feedback d WHERE d.feedback_key = f.feedback_key)
       LIMIT 1)
      UNION ALL
      (SELECT 'shipping_method_key', 'dim_shipping_method', f.file_id, f.source_line,
              f.shipping_method_key
       FROM new_facts f WHERE f.file_id >= 1000000000000
         AND NOT EXISTS (SELECT 1 FROM dim_shipping_method d
                         WHERE d.shipping_method_key = f.shipping_method_key) LIMIT 1)
      UNION ALL
      (SELECT 'payment_method_key', 'dim_payment_method', f.file_id, f.source_line,
              f.payment_method_key
       FROM new_facts f WHERE f.file_id >= 1000000000000
         AND NOT EXISTS (SELECT 1 FROM dim_payment_method d
                         WHERE d.payment_method_key = f.payment_method_key) LIMIT 1)
      UNION ALL
      (SELECT 'order_status_key', 'dim_order_status', f.file_id, f.source_line,
              f.order_status_key
       FROM new_facts f WHERE f.file_id >= 1000000000000
         AND NOT EXISTS (SELECT 1 FROM dim_order_status d
                         WHERE d.order_status_key = f.order_status_key) LIMIT 1)
    ) missing LIMIT 1
  $q$ INTO bad;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION USING
      ERRCODE = 'foreign_key_violation',
      TABLE = 'fact_sales_batch',
      COLUMN = bad.key_column,
      MESSAGE = format('the fact of line %s of batch %s has %s %s, which is not in %s',
                       bad.source_line, bad.file_id, bad.key_column, bad.key, bad.dimension),
      DETAIL = 'Stream batches'' facts are checked against the dimensions when written.';
  END IF;
  RETURN NULL;
END $$;
-- A trigger with transition tables takes one event.
CREATE TRIGGER fact_sales_batch_inserted AFTER INSERT ON fact_sales_batch
  REFERENCING NEW TABLE AS new_facts FOR EACH STATEMENT EXECUTE FUNCTION till_check_batch_facts();
CREATE TRIGGER fact_sales_batch_updated AFTER UPDATE ON fact_sales_batch
  REFERENCING NEW TABLE AS new_facts FOR EACH STATEMENT EXECUTE FUNCTION till_check_batch_facts();
CREATE TRIGGER fact_sales_batch_inserted AFTER INSERT ON fact_sales
  REFERENCING NEW TABLE AS new_facts FOR EACH STATEMENT EXECUTE FUNCTION till_check_batch_facts();
CREATE TRIGGER fact_sales_batch_updated AFTER UPDATE ON fact_sales
  REFERENCING NEW TABLE AS new_facts FOR EACH STATEMENT EXECUTE FUNCTION till_check_batch_facts();

-- A member (key column TG_ARGV[0]) gone from a dimension, deleted or re-keyed, that a batch's
-- fact points at refuses the statement.
CREATE FUNCTION till_keep_batch_members() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  key_column text := TG_ARGV[0];
  gone bigint[];
  used record;
BEGIN
  IF TG_OP = 'DELETE' THEN
    EXECUTE format('SELECT array_agg(%I) FROM old_members', key_column) INTO gone;
  ELSE
    EXECUTE format('SELECT array_agg(o.%1$I) FROM old_members o WHERE NOT EXISTS '
                   '(SELECT 1 FROM new_members n WHERE n.%1$I = o.%1$I)', key_column) INTO gone;
  END IF;
  IF gone IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(8388354992066527234);  -- kLoadLock, "till" 2
  EXECUTE format('SELECT f.file_id, f.source_line, f.%1$I AS key FROM fact_sales_batch f '
                 'WHERE f.%1$I = ANY ($1) LIMIT 1', key_column) INTO used USING gone;
  IF used IS NOT NULL THEN
    RAISE EXCEPTION USING
      ERRCODE = 'foreign_key_violation',
      TABLE = TG_TABLE_NAME,
      COLUMN = key_column,
      MESSAGE = format('%s %s of %s is still pointed at by the fact of line %s of batch %s',
                       key_column, used.key, TG_TABLE_NAME, used.source_line, used.file_id);
  END IF;
  RETURN NULL;
END $$;
DO $$
DECLARE
  dimension record;
BEGIN
  FOR dimension IN SELECT * FROM (VALUES
      ('etl_file', 'file_id'), ('dim_date', 'date_key'), ('dim_customer', 'customer_key'),
      ('dim_location', 'location_key'), ('dim_gender', 'gender_key'),
      ('dim_income', 'income_key'), ('dim_product', 'product_key'),
      ('dim_feedback', 'feedback_key'), ('dim_shipping_method', 'shipping_method_key'),
      ('dim_payment_method', 'payment_method_key'), ('dim_order_status', 'order_status_key'))
      AS d (table_name, key_column) LOOP
    EXECUTE format('CREATE TRIGGER %1$s_batch_members_deleted AFTER DELETE ON %1$I '
                   'REFERENCING OLD TABLE AS old_members FOR EACH STATEMENT '
                   'EXECUTE FUNCTION till_keep_batch_members(%2$L)',
                   dimension.table_name, dimension.key_column);
    EXECUTE format('CREATE TRIGGER %1$s_batch_members_rekeyed AFTER UPDATE ON %1$I '
                   'REFERENCING OLD TABLE AS old_members NEW TABLE AS new_members '
                   'FOR EACH STATEMENT EXECUTE FUNCTION till_keep_batch_members(%2$L)',
                   dimension.table_name, dimension.key_column);
  END LOOP;
END $$;
)sql";

// Version 10: the batches' check reads the rows a statement wrote once, not once per dimension.
// Version 9 joined the rows to each of the eleven tables in turn, and the planner, knowing
// nothing of the transition table, probed an index per row and key: about twelve microseconds a
// fact, most of a batch's time in the server. Now one pass collects the distinct keys of every
// dimension (a grouping set each, hashed), and only those few keys are looked up; the fact named
// in the error is found again afterwards, only when a key is missing. What it refuses, and the
// error, are as before.
constexpr std::string_view kVersion10 = R"sql(
CREATE OR REPLACE FUNCTION till_check_batch_facts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
  fact record;
BEGIN
  EXECUTE $q$
    WITH keys AS MATERIALIZED (
      SELECT file_id, date_key, customer_key, location_key, gender_key, income_key, product_key,
             feedback_key, shipping_method_key, payment_method_key, order_status_key
      FROM new_facts WHERE file_id >= 1000000000000
      GROUP BY GROUPING SETS ((file_id), (date_key), (customer_key), (location_key),
        (gender_key), (income_key), (product_key), (feedback_key), (shipping_method_key),
        (payment_method_key), (order_status_key))
    )
    SELECT * FROM (
      (SELECT 'file_id' AS key_column, 'etl_file' AS dimension, k.file_id::bigint AS key
       FROM keys k WHERE k.file_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM etl_file d WHERE d.file_id = k.file_id) LIMIT 1)
      UNION ALL
      (SELECT 'date_key', 'dim_date', k.date_key FROM keys k WHERE k.date_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM dim_date d WHERE d.date_key = k.date_key) LIMIT 1)
      UNION ALL
      (SELECT 'customer_key', 'dim_customer', k.customer_key FROM keys k
       WHERE k.customer_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM dim_customer d WHERE d.customer_key = k.customer_key)
       LIMIT 1)
      UNION ALL
      (SELECT 'location_key', 'dim_location', k.location_key FROM keys k
       WHERE k.location_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM dim_location d WHERE d.location_key = k.location_key)
       LIMIT 1)
      UNION ALL
      (SELECT 'gender_key', 'dim_gender', k.gender_key FROM keys k
       WHERE k.gender_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM dim_gender d WHERE d.gender_key = k.gender_key) LIMIT 1)
      UNION ALL
      (SELECT 'income_key', 'dim_income', k.income_key FROM keys k
       WHERE k.income_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM dim_income d WHERE d.income_key = k.income_key) LIMIT 1)
      UNION ALL
      (SELECT 'product_key', 'dim_product', k.product_key FROM keys k
       WHERE k.product_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM dim_product d WHERE d.product_key = k.product_key)
       LIMIT 1)
      UNION ALL
      (SELECT 'feedback_key', 'dim_feedback', k.feedback_key FROM keys k
       WHERE k.feedback_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM dim_feedback d WHERE d.feedback_key = k.feedback_key)
       LIMIT 1)
      UNION ALL
      (SELECT 'shipping_method_key', 'dim_shipping_method', k.shipping_method_key FROM keys k
       WHERE k.shipping_method_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM dim_shipping_method d
                         WHERE d.shipping_method_key = k.shipping_method_key) LIMIT 1)
      UNION ALL
      (SELECT 'payment_method_key', 'dim_payment_method', k.payment_method_key FROM keys k
       WHERE k.payment_method_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM dim_payment_method d
                         WHERE d.payment_method_key = k.payment_method_key) LIMIT 1)
      UNION ALL
      (SELECT 'order_status_key', 'dim_order_status', k.order_status_key FROM keys k
       WHERE k.order_status_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM dim_order_status d
                         WHERE d.order_status_key = k.order_status_key) LIMIT 1)
    ) missing LIMIT 1
  $q$ INTO bad;
  IF bad IS NOT NULL THEN
    EXECUTE format('SELECT file_id, source_line FROM new_facts '
                   'WHERE file_id >= 1000000000000 AND %I = $1 LIMIT 1', bad.key_column)
      INTO fact USING bad.key;
    RAISE EXCEPTION USING
      ERRCODE = 'foreign_key_violation',
      TABLE = 'fact_sales_batch',
      COLUMN = bad.key_column,
      MESSAGE = format('the fact of line %s of batch %s has %s %s, which is not in %s',
                       fact.source_line, fact.file_id, bad.key_column, bad.key, bad.dimension),
      DETAIL = 'Stream batches'' facts are checked against the dimensions when written.';
  END IF;
  RETURN NULL;
END $$;
)sql";

// Version 11: files no longer make a partition each, so that a warehouse stays as fast after
// thousands of files as after ten (each partition is planned and locked by every read of
// fact_sales, and each is a table, two indexes and eleven foreign keys more in the catalog).
// What a file's own partition is good for, a large file's load (its facts copied into a table
// without indexes, each index built in one sort, each key validated in one join), stays for
// files of at least a size (see PostgresWarehouse::BeginLoad); smaller files append their facts,
// by one statement, to the one table they share, the way stream batches do:
//   fact_sales (by range of file_id)
//     fact_sales_files     the files loaded before this version, one partition each, as before
//                          (left as they were: nothing is copied), up to the first id after them
//     fact_sales_file_N    a large file since, [N, N + 1), with its own foreign keys
//     fact_sales_block_N   the small files from id N to a large file's (or to the one whose
//                          load found the shared table full), closed
//     fact_sales_shared    the small files since, the DEFAULT partition
//     fact_sales_batch     stream batches, from 10^12 up
// The small files' facts are checked as batches' are, set-based by the statement trigger of
// version 10 (now on every row, the file ids below 10^12 too); the members they point at are
// kept the same way. Loads take ids in the order they commit (under the load lock), so a large
// file's id is above every id the shared table holds: before it attaches, the shared table is
// closed into a block, the range of ids from the end of the partitions before it to the large
// file's (a CHECK the attach trusts, validated in one scan of the shared table), and a new,
// empty fact_sales_shared takes its place. The same happens at the end of a small file's load
// once the shared table holds WarehouseOptions::shared_table_bytes, which bounds that scan, and
// the reads of fact_sales it holds back until the load commits. A file's rows stay removable: a
// large file's partition is dropped, a small file's rows are deleted through the (file_id,
// source_line) index every shared table and block has.
constexpr std::string_view kVersion11 = R"sql(
-- The files' partitioned table keeps the ids it holds and every id before the next one: each of
-- its partitions states its file_id in a CHECK, so the attach scans none of them. (A load by an
-- older Till still running would fail to attach its partition above them, and be recorded
-- failed, with nothing of it left.)
DO $$
DECLARE
  next_id bigint;
BEGIN
  EXECUTE format('SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM %s',
                 pg_get_serial_sequence('etl_file', 'file_id')) INTO next_id;
  next_id := greatest(next_id, (SELECT coalesce(max(file_id), 0) + 1 FROM etl_file
                                WHERE file_id < 1000000000000));
  ALTER TABLE fact_sales DETACH PARTITION fact_sales_files;
  EXECUTE format('ALTER TABLE fact_sales ATTACH PARTITION fact_sales_files '
                 'FOR VALUES FROM (MINVALUE) TO (%s)', next_id);
END $$;

-- The check of version 10 on every row a statement writes, whatever its range: a fact that
-- lands in a partition with foreign keys has been checked by them first.
CREATE OR REPLACE FUNCTION till_check_batch_facts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
  fact record;
BEGIN
  EXECUTE $q$
    WITH keys AS MATERIALIZED (
      SELECT file_id, date_key, customer_key, location_key, gender_key, income_key, product_key,
             feedback_key, shipping_method_key, payment_method_key, order_status_key
      FROM new_facts
      GROUP BY GROUPING SETS ((file_id), (date_key), (customer_key), (location_key),
        (gender_key), (income_key), (product_key), (feedback_key), (shipping_method_key),
        (payment_method_key), (order_status_key))
    )
    SELECT * FROM (
      (SELECT 'file_id' AS key_column, 'etl_file' AS dimension, k.file_id::bigint AS key
       FROM keys k WHERE k.file_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM etl_file d WHERE d.file_id = k.file_id) LIMIT 1)
      UNION ALL
      (SELECT 'date_key', 'dim_date', k.date_key FROM keys k WHERE k.date_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM dim_date d WHERE d.date_key = k.date_key) LIMIT 1)
      UNION ALL
      (SELECT 'customer_key', 'dim_customer', k.customer_key FROM keys k
       WHERE k.customer_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM dim_customer d WHERE d.customer_key = k.customer_key)
       LIMIT 1)
      UNION ALL
      (SELECT 'location_key', 'dim_location', k.location_key FROM keys k
       WHERE k.location_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM dim_location d WHERE d.location_key = k.location_key)
       LIMIT 1)
      UNION ALL
      (SELECT 'gender_key', 'dim_gender', k.gender_key FROM keys k
       WHERE k.gender_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM dim_gender d WHERE d.gender_key = k.gender_key) LIMIT 1)
      UNION ALL
      (SELECT 'income_key', 'dim_income', k.income_key FROM keys k
       WHERE k.income_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM dim_income d WHERE d.income_key = k.income_key) LIMIT 1)
      UNION ALL
      (SELECT 'product_key', 'dim_product', k.product_key FROM keys k
       WHERE k.product_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM dim_product d WHERE d.product_key = k.product_key)
       LIMIT 1)
      UNION ALL
      (SELECT 'feedback_key', 'dim_feedback', k.feedback_key FROM keys k
       WHERE k.feedback_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM dim_feedback d WHERE d.feedback_key = k.feedback_key)
       LIMIT 1)
      UNION ALL
      (SELECT 'shipping_method_key', 'dim_shipping_method', k.shipping_method_key FROM keys k
       WHERE k.shipping_method_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM dim_shipping_method d
                         WHERE d.shipping_method_key = k.shipping_method_key) LIMIT 1)
      UNION ALL
      (SELECT 'payment_method_key', 'dim_payment_method', k.payment_method_key FROM keys k
       WHERE k.payment_method_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM dim_payment_method d
                         WHERE d.payment_method_key = k.payment_method_key) LIMIT 1)
      UNION ALL
      (SELECT 'order_status_key', 'dim_order_status', k.order_status_key FROM keys k
       WHERE k.order_status_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM dim_order_status d
                         WHERE d.order_status_key = k.order_status_key) LIMIT 1)
    ) missing LIMIT 1
  $q$ INTO bad;
  IF bad IS NOT NULL THEN
    EXECUTE format('SELECT file_id, source_line FROM new_facts WHERE %I = $1 LIMIT 1',
                   bad.key_column)
      INTO fact USING bad.key;
    RAISE EXCEPTION USING
      ERRCODE = 'foreign_key_violation',
      TABLE = TG_TABLE_NAME,
      COLUMN = bad.key_column,
      MESSAGE = format('the fact of line %s of %s %s has %s %s, which is not in %s',
                       fact.source_line,
                       CASE WHEN fact.file_id >= 1000000000000 THEN 'batch' ELSE 'file' END,
                       fact.file_id, bad.key_column, bad.key, bad.dimension),
      DETAIL = 'Facts without foreign keys are checked against the dimensions when written.';
  END IF;
  RETURN NULL;
END $$;

-- A member gone from a dimension that any fact points at refuses the statement, whichever
-- partition holds the fact (one with foreign keys has refused it already). Till itself never
-- deletes or re-keys a member: this guards what is done by hand.
CREATE OR REPLACE FUNCTION till_keep_batch_members() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  key_column text := TG_ARGV[0];
  gone bigint[];
  used record;
BEGIN
  IF TG_OP = 'DELETE' THEN
    EXECUTE format('SELECT array_agg(%I) FROM old_members', key_column) INTO gone;
  ELSE
    EXECUTE format('SELECT array_agg(o.%1$I) FROM old_members o WHERE NOT EXISTS '
                   '(SELECT 1 FROM new_members n WHERE n.%1$I = o.%1$I)', key_column) INTO gone;
  END IF;
  IF gone IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(8388354992066527234);  -- kLoadLock, "till" 2
  EXECUTE format('SELECT f.file_id, f.source_line, f.%1$I AS key FROM fact_sales f '
                 'WHERE f.%1$I = ANY ($1) LIMIT 1', key_column) INTO used USING gone;
  IF used IS NOT NULL THEN
    RAISE EXCEPTION USING
      ERRCODE = 'foreign_key_violation',
      TABLE = TG_TABLE_NAME,
      COLUMN = key_column,
      MESSAGE = format('%s %s of %s is still pointed at by the fact of line %s of %s %s',
                       key_column, used.key, TG_TABLE_NAME, used.source_line,
                       CASE WHEN used.file_id >= 1000000000000 THEN 'batch' ELSE 'file' END,
                       used.file_id);
  END IF;
  RETURN NULL;
END $$;

-- Makes an empty fact_sales_shared, the DEFAULT partition of fact_sales: checked by the
-- statement trigger, indexed by file and line for unloading.
CREATE FUNCTION till_open_shared_facts() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  CREATE TABLE fact_sales_shared (LIKE fact_sales INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
  CREATE INDEX fact_sales_shared_file ON fact_sales_shared (file_id, source_line);
  ALTER TABLE fact_sales ATTACH PARTITION fact_sales_shared DEFAULT;
  CREATE TRIGGER fact_sales_shared_inserted AFTER INSERT ON fact_sales_shared
    REFERENCING NEW TABLE AS new_facts FOR EACH STATEMENT
    EXECUTE FUNCTION till_check_batch_facts();
  CREATE TRIGGER fact_sales_shared_updated AFTER UPDATE ON fact_sales_shared
    REFERENCING NEW TABLE AS new_facts FOR EACH STATEMENT
    EXECUTE FUNCTION till_check_batch_facts();
END $$;

-- Closes fact_sales_shared into fact_sales_block_<lower bound>, the range partition of the ids
-- from the end of the range partitions before it (the largest upper bound of any) to `below`,
-- which no id it holds reaches, and opens an empty one in its place. The ranges so made leave no
-- gap below `below`: a row an unload moves to a file without facts of its own (its rows were
-- all duplicates) goes to the partition of that file's range, never back to the shared table.
-- The CHECK that lets the attach skip the block's rows costs one scan of them, under a lock
-- that holds reads of fact_sales until the load commits.
CREATE FUNCTION till_close_shared_facts(below bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  from_id bigint;
  block text;
  index record;
BEGIN
  SELECT max(substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \(''(-?\d+)''\)')::bigint)
    INTO from_id
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'fact_sales'::regclass;
  IF from_id >= below THEN
    RETURN;
  END IF;
  block := format('fact_sales_block_%s', from_id);
  EXECUTE format('ALTER TABLE fact_sales_shared ADD CONSTRAINT %I '
                 'CHECK (file_id >= %s AND file_id < %s)', block || '_range', from_id, below);
  ALTER TABLE fact_sales DETACH PARTITION fact_sales_shared;
  EXECUTE format('ALTER TABLE fact_sales_shared RENAME TO %I', block);
  FOR index IN SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
               WHERE i.indrelid = block::regclass AND c.relname LIKE 'fact\_sales\_shared%' LOOP
    EXECUTE format('ALTER INDEX %I RENAME TO %I', index.relname,
                   replace(index.relname, 'fact_sales_shared', block));
  END LOOP;
  EXECUTE format('ALTER TABLE fact_sales ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)',
                 block, from_id, below);
  PERFORM till_open_shared_facts();
END $$;

SELECT till_open_shared_facts();
)sql";

// Version 12: the runs still marked running, indexed by themselves. Every run's start looks for
// runs whose session is gone among them; without the index that was a scan of every run ever
// recorded, which `till ingest` once per file makes one more each time (about 35 ms a start at
// 100,000 runs).
constexpr std::string_view kVersion12 = R"sql(
CREATE INDEX etl_run_running ON etl_run (run_id) WHERE status = 'running';
)sql";

constexpr Migration kMigrations[] = {
    {1, "star schema, retail_data_view, reporting views and run records", kVersion1},
    {2, "landing-zone ledger and unloadable files", kVersion2},
    {3, "the dashboard's reads for the reporting role", kVersion3},
    {4, "runs record their session, and when they were found interrupted", kVersion4},
    {5, "stored forecasts and forecast_actual_view", kVersion5},
    {6, "customer segments, and their reporting view", kVersion6},
    {7, "answers of stream requests by idempotency key", kVersion7},
    {9, "batches' facts checked set-based: fact_sales split by range into files and batches",
     kVersion9},
    {10, "batches' facts checked from each dimension's distinct keys, in one pass", kVersion10},
    {11, "small files' facts share a table instead of a partition each", kVersion11},
    {12, "the runs still running indexed apart", kVersion12},
};

}  // namespace

std::span<const Migration> PostgresMigrations() { return kMigrations; }

}  // namespace till
