-- A PostgreSQL warehouse at schema version 1, made by till of commit f54bd9c2406c4afc1d34f0e4a79870f7fc6a21b0 with
-- tests/data/upgrade/regenerate.sh: its roles (till_loader owns it, till_reader reads
-- its reporting views), then the database till_v1. Apply as a superuser with psql.
CREATE ROLE till_loader;
ALTER ROLE till_loader WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS;
CREATE ROLE till_reader;
ALTER ROLE till_reader WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS;
ALTER ROLE till_reader SET search_path TO 'reporting';
ALTER ROLE till_reader SET default_transaction_read_only TO 'on';
GRANT till_loader TO CURRENT_USER;
ALTER ROLE till_loader PASSWORD 'loader-pw';
ALTER ROLE till_reader PASSWORD 'reader-pw';
--
-- PostgreSQL database dump
--

\restrict G2QjAXcrVE94zTgq4ho2LHkA0S7pMDaA1CaAe2csCgJiejuHdIpFhxkTJTrTuZr

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: till_v1; Type: DATABASE; Schema: -; Owner: postgres
--

CREATE DATABASE till_v1 WITH TEMPLATE = template0 ENCODING = 'UTF8' LOCALE_PROVIDER = libc LOCALE = 'C.UTF-8';


ALTER DATABASE till_v1 OWNER TO postgres;

\unrestrict G2QjAXcrVE94zTgq4ho2LHkA0S7pMDaA1CaAe2csCgJiejuHdIpFhxkTJTrTuZr
\connect till_v1
\restrict G2QjAXcrVE94zTgq4ho2LHkA0S7pMDaA1CaAe2csCgJiejuHdIpFhxkTJTrTuZr

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: reporting; Type: SCHEMA; Schema: -; Owner: till_loader
--

CREATE SCHEMA reporting;


ALTER SCHEMA reporting OWNER TO till_loader;

--
-- Name: mask_address(text); Type: FUNCTION; Schema: reporting; Owner: till_loader
--

CREATE FUNCTION reporting.mask_address(address text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN (address IS NULL) THEN NULL::text ELSE '***'::text END;


ALTER FUNCTION reporting.mask_address(address text) OWNER TO till_loader;

--
-- Name: mask_email(text); Type: FUNCTION; Schema: reporting; Owner: till_loader
--

CREATE FUNCTION reporting.mask_email(email text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN (email IS NULL) THEN NULL::text WHEN (POSITION(('@'::text) IN (email)) > 1) THEN (("left"(email, 1) || '***@'::text) || split_part(email, '@'::text, 2)) ELSE '***'::text END;


ALTER FUNCTION reporting.mask_email(email text) OWNER TO till_loader;

--
-- Name: mask_phone(text); Type: FUNCTION; Schema: reporting; Owner: till_loader
--

CREATE FUNCTION reporting.mask_phone(phone text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN (phone IS NULL) THEN NULL::text WHEN (length(phone) > 4) THEN ('***'::text || "right"(phone, 2)) ELSE '***'::text END;


ALTER FUNCTION reporting.mask_phone(phone text) OWNER TO till_loader;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: dim_customer; Type: TABLE; Schema: public; Owner: till_loader
--

CREATE TABLE public.dim_customer (
    customer_key bigint NOT NULL,
    customer_id text,
    name text,
    email text,
    phone text,
    address text,
    zipcode text,
    age integer,
    customer_segment text,
    first_seen integer,
    last_seen integer,
    is_current boolean DEFAULT true NOT NULL,
    CONSTRAINT dim_customer_age_check CHECK (((age >= 0) AND (age <= 150))),
    CONSTRAINT dim_customer_check CHECK ((first_seen <= last_seen))
);


ALTER TABLE public.dim_customer OWNER TO till_loader;

--
-- Name: dim_date; Type: TABLE; Schema: public; Owner: till_loader
--

CREATE TABLE public.dim_date (
    date_key integer NOT NULL,
    full_date date,
    year integer,
    quarter integer,
    month integer,
    month_name text,
    day integer,
    day_of_week integer,
    day_name text,
    iso_week integer,
    is_weekend boolean,
    CONSTRAINT dim_date_check CHECK (((date_key = 0) = (full_date IS NULL))),
    CONSTRAINT dim_date_check1 CHECK (((date_key = 0) OR (date_key = (to_char((full_date)::timestamp with time zone, 'YYYYMMDD'::text))::integer))),
    CONSTRAINT dim_date_day_check CHECK (((day >= 1) AND (day <= 31))),
    CONSTRAINT dim_date_day_of_week_check CHECK (((day_of_week >= 1) AND (day_of_week <= 7))),
    CONSTRAINT dim_date_iso_week_check CHECK (((iso_week >= 1) AND (iso_week <= 53))),
    CONSTRAINT dim_date_month_check CHECK (((month >= 1) AND (month <= 12))),
    CONSTRAINT dim_date_quarter_check CHECK (((quarter >= 1) AND (quarter <= 4)))
);


ALTER TABLE public.dim_date OWNER TO till_loader;

--
-- Name: dim_feedback; Type: TABLE; Schema: public; Owner: till_loader
--

CREATE TABLE public.dim_feedback (
    feedback_key bigint NOT NULL,
    feedback text COLLATE pg_catalog."C"
);


ALTER TABLE public.dim_feedback OWNER TO till_loader;

--
-- Name: dim_gender; Type: TABLE; Schema: public; Owner: till_loader
--

CREATE TABLE public.dim_gender (
    gender_key bigint NOT NULL,
    gender text COLLATE pg_catalog."C"
);


ALTER TABLE public.dim_gender OWNER TO till_loader;

--
-- Name: dim_income; Type: TABLE; Schema: public; Owner: till_loader
--

CREATE TABLE public.dim_income (
    income_key bigint NOT NULL,
    income text COLLATE pg_catalog."C"
);


ALTER TABLE public.dim_income OWNER TO till_loader;

--
-- Name: dim_location; Type: TABLE; Schema: public; Owner: till_loader
--

CREATE TABLE public.dim_location (
    location_key bigint NOT NULL,
    country text COLLATE pg_catalog."C",
    state text COLLATE pg_catalog."C",
    city text COLLATE pg_catalog."C"
);


ALTER TABLE public.dim_location OWNER TO till_loader;

--
-- Name: dim_order_status; Type: TABLE; Schema: public; Owner: till_loader
--

CREATE TABLE public.dim_order_status (
    order_status_key bigint NOT NULL,
    order_status text COLLATE pg_catalog."C"
);


ALTER TABLE public.dim_order_status OWNER TO till_loader;

--
-- Name: dim_payment_method; Type: TABLE; Schema: public; Owner: till_loader
--

CREATE TABLE public.dim_payment_method (
    payment_method_key bigint NOT NULL,
    payment_method text COLLATE pg_catalog."C"
);


ALTER TABLE public.dim_payment_method OWNER TO till_loader;

--
-- Name: dim_product; Type: TABLE; Schema: public; Owner: till_loader
--

CREATE TABLE public.dim_product (
    product_key bigint NOT NULL,
    category text COLLATE pg_catalog."C",
    brand text COLLATE pg_catalog."C",
    product_type text COLLATE pg_catalog."C",
    product_name text COLLATE pg_catalog."C"
);


ALTER TABLE public.dim_product OWNER TO till_loader;

--
-- Name: dim_shipping_method; Type: TABLE; Schema: public; Owner: till_loader
--

CREATE TABLE public.dim_shipping_method (
    shipping_method_key bigint NOT NULL,
    shipping_method text COLLATE pg_catalog."C"
);


ALTER TABLE public.dim_shipping_method OWNER TO till_loader;

--
-- Name: etl_file; Type: TABLE; Schema: public; Owner: till_loader
--

CREATE TABLE public.etl_file (
    file_id bigint NOT NULL,
    run_id bigint NOT NULL,
    uri text NOT NULL,
    sha256 text NOT NULL,
    size_bytes bigint NOT NULL,
    status text NOT NULL,
    rows_read bigint DEFAULT 0 NOT NULL,
    rows_loaded bigint DEFAULT 0 NOT NULL,
    rows_rejected bigint DEFAULT 0 NOT NULL,
    rows_duplicate bigint DEFAULT 0 NOT NULL,
    values_nulled bigint DEFAULT 0 NOT NULL,
    year_mismatches bigint DEFAULT 0 NOT NULL,
    month_mismatches bigint DEFAULT 0 NOT NULL,
    extra_columns text,
    missing_columns text,
    same_content_as bigint,
    error text,
    started_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone,
    CONSTRAINT etl_file_check CHECK (((status <> 'loaded'::text) OR (rows_read = ((rows_loaded + rows_rejected) + rows_duplicate)))),
    CONSTRAINT etl_file_month_mismatches_check CHECK ((month_mismatches >= 0)),
    CONSTRAINT etl_file_rows_duplicate_check CHECK ((rows_duplicate >= 0)),
    CONSTRAINT etl_file_rows_loaded_check CHECK ((rows_loaded >= 0)),
    CONSTRAINT etl_file_rows_read_check CHECK ((rows_read >= 0)),
    CONSTRAINT etl_file_rows_rejected_check CHECK ((rows_rejected >= 0)),
    CONSTRAINT etl_file_sha256_check CHECK ((sha256 ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT etl_file_size_bytes_check CHECK ((size_bytes >= 0)),
    CONSTRAINT etl_file_status_check CHECK ((status = ANY (ARRAY['loaded'::text, 'skipped'::text, 'failed'::text]))),
    CONSTRAINT etl_file_values_nulled_check CHECK ((values_nulled >= 0)),
    CONSTRAINT etl_file_year_mismatches_check CHECK ((year_mismatches >= 0))
);


ALTER TABLE public.etl_file OWNER TO till_loader;

--
-- Name: etl_file_file_id_seq; Type: SEQUENCE; Schema: public; Owner: till_loader
--

ALTER TABLE public.etl_file ALTER COLUMN file_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.etl_file_file_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: etl_reject; Type: TABLE; Schema: public; Owner: till_loader
--

CREATE TABLE public.etl_reject (
    reject_id bigint NOT NULL,
    file_id bigint NOT NULL,
    line bigint NOT NULL,
    column_name text,
    reason text NOT NULL,
    message text NOT NULL,
    raw_line text NOT NULL,
    row_rejected boolean NOT NULL
);


ALTER TABLE public.etl_reject OWNER TO till_loader;

--
-- Name: etl_reject_reject_id_seq; Type: SEQUENCE; Schema: public; Owner: till_loader
--

ALTER TABLE public.etl_reject ALTER COLUMN reject_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.etl_reject_reject_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: etl_run; Type: TABLE; Schema: public; Owner: till_loader
--

CREATE TABLE public.etl_run (
    run_id bigint NOT NULL,
    trigger text NOT NULL,
    started_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone,
    status text NOT NULL,
    error text,
    till_version text NOT NULL,
    CONSTRAINT etl_run_status_check CHECK ((status = ANY (ARRAY['running'::text, 'succeeded'::text, 'failed'::text])))
);


ALTER TABLE public.etl_run OWNER TO till_loader;

--
-- Name: etl_run_run_id_seq; Type: SEQUENCE; Schema: public; Owner: till_loader
--

ALTER TABLE public.etl_run ALTER COLUMN run_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.etl_run_run_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: etl_step; Type: TABLE; Schema: public; Owner: till_loader
--

CREATE TABLE public.etl_step (
    run_id bigint NOT NULL,
    file_id bigint NOT NULL,
    step text NOT NULL,
    rows bigint NOT NULL,
    seconds double precision NOT NULL
);


ALTER TABLE public.etl_step OWNER TO till_loader;

--
-- Name: fact_sales; Type: TABLE; Schema: public; Owner: till_loader
--

CREATE TABLE public.fact_sales (
    sale_id bigint NOT NULL,
    file_id bigint NOT NULL,
    source_line bigint NOT NULL,
    transaction_id text,
    date_key integer NOT NULL,
    sale_time integer,
    customer_key bigint NOT NULL,
    location_key bigint NOT NULL,
    gender_key bigint NOT NULL,
    income_key bigint NOT NULL,
    product_key bigint NOT NULL,
    feedback_key bigint NOT NULL,
    shipping_method_key bigint NOT NULL,
    payment_method_key bigint NOT NULL,
    order_status_key bigint NOT NULL,
    quantity bigint NOT NULL,
    unit_price double precision NOT NULL,
    total_amount double precision NOT NULL,
    rating integer,
    recovered text,
    CONSTRAINT fact_sales_quantity_check CHECK ((quantity > 0)),
    CONSTRAINT fact_sales_rating_check CHECK (((rating >= 0) AND (rating <= 10))),
    CONSTRAINT fact_sales_recovered_check CHECK ((recovered = ANY (ARRAY['quantity'::text, 'unit_price'::text, 'total_amount'::text]))),
    CONSTRAINT fact_sales_sale_time_check CHECK (((sale_time >= 0) AND (sale_time <= 86399))),
    CONSTRAINT fact_sales_source_line_check CHECK ((source_line > 0))
)
PARTITION BY LIST (file_id);


ALTER TABLE public.fact_sales OWNER TO till_loader;

--
-- Name: fact_sales_file_1; Type: TABLE; Schema: public; Owner: till_loader
--

CREATE TABLE public.fact_sales_file_1 (
    sale_id bigint NOT NULL,
    file_id bigint NOT NULL,
    source_line bigint NOT NULL,
    transaction_id text,
    date_key integer NOT NULL,
    sale_time integer,
    customer_key bigint NOT NULL,
    location_key bigint NOT NULL,
    gender_key bigint NOT NULL,
    income_key bigint NOT NULL,
    product_key bigint NOT NULL,
    feedback_key bigint NOT NULL,
    shipping_method_key bigint NOT NULL,
    payment_method_key bigint NOT NULL,
    order_status_key bigint NOT NULL,
    quantity bigint NOT NULL,
    unit_price double precision NOT NULL,
    total_amount double precision NOT NULL,
    rating integer,
    recovered text,
    CONSTRAINT fact_sales_file_1_file CHECK ((file_id = 1)),
    CONSTRAINT fact_sales_quantity_check CHECK ((quantity > 0)),
    CONSTRAINT fact_sales_rating_check CHECK (((rating >= 0) AND (rating <= 10))),
    CONSTRAINT fact_sales_recovered_check CHECK ((recovered = ANY (ARRAY['quantity'::text, 'unit_price'::text, 'total_amount'::text]))),
    CONSTRAINT fact_sales_sale_time_check CHECK (((sale_time >= 0) AND (sale_time <= 86399))),
    CONSTRAINT fact_sales_source_line_check CHECK ((source_line > 0))
);


ALTER TABLE public.fact_sales_file_1 OWNER TO till_loader;

--
-- Name: fact_sales_file_2; Type: TABLE; Schema: public; Owner: till_loader
--

CREATE TABLE public.fact_sales_file_2 (
    sale_id bigint NOT NULL,
    file_id bigint NOT NULL,
    source_line bigint NOT NULL,
    transaction_id text,
    date_key integer NOT NULL,
    sale_time integer,
    customer_key bigint NOT NULL,
    location_key bigint NOT NULL,
    gender_key bigint NOT NULL,
    income_key bigint NOT NULL,
    product_key bigint NOT NULL,
    feedback_key bigint NOT NULL,
    shipping_method_key bigint NOT NULL,
    payment_method_key bigint NOT NULL,
    order_status_key bigint NOT NULL,
    quantity bigint NOT NULL,
    unit_price double precision NOT NULL,
    total_amount double precision NOT NULL,
    rating integer,
    recovered text,
    CONSTRAINT fact_sales_file_2_file CHECK ((file_id = 2)),
    CONSTRAINT fact_sales_quantity_check CHECK ((quantity > 0)),
    CONSTRAINT fact_sales_rating_check CHECK (((rating >= 0) AND (rating <= 10))),
    CONSTRAINT fact_sales_recovered_check CHECK ((recovered = ANY (ARRAY['quantity'::text, 'unit_price'::text, 'total_amount'::text]))),
    CONSTRAINT fact_sales_sale_time_check CHECK (((sale_time >= 0) AND (sale_time <= 86399))),
    CONSTRAINT fact_sales_source_line_check CHECK ((source_line > 0))
);


ALTER TABLE public.fact_sales_file_2 OWNER TO till_loader;

--
-- Name: fact_sales_file_3; Type: TABLE; Schema: public; Owner: till_loader
--

CREATE TABLE public.fact_sales_file_3 (
    sale_id bigint NOT NULL,
    file_id bigint NOT NULL,
    source_line bigint NOT NULL,
    transaction_id text,
    date_key integer NOT NULL,
    sale_time integer,
    customer_key bigint NOT NULL,
    location_key bigint NOT NULL,
    gender_key bigint NOT NULL,
    income_key bigint NOT NULL,
    product_key bigint NOT NULL,
    feedback_key bigint NOT NULL,
    shipping_method_key bigint NOT NULL,
    payment_method_key bigint NOT NULL,
    order_status_key bigint NOT NULL,
    quantity bigint NOT NULL,
    unit_price double precision NOT NULL,
    total_amount double precision NOT NULL,
    rating integer,
    recovered text,
    CONSTRAINT fact_sales_file_3_file CHECK ((file_id = 3)),
    CONSTRAINT fact_sales_quantity_check CHECK ((quantity > 0)),
    CONSTRAINT fact_sales_rating_check CHECK (((rating >= 0) AND (rating <= 10))),
    CONSTRAINT fact_sales_recovered_check CHECK ((recovered = ANY (ARRAY['quantity'::text, 'unit_price'::text, 'total_amount'::text]))),
    CONSTRAINT fact_sales_sale_time_check CHECK (((sale_time >= 0) AND (sale_time <= 86399))),
    CONSTRAINT fact_sales_source_line_check CHECK ((source_line > 0))
);


ALTER TABLE public.fact_sales_file_3 OWNER TO till_loader;

--
-- Name: fact_sales_row; Type: TABLE; Schema: public; Owner: till_loader
--

CREATE TABLE public.fact_sales_row (
    row_hash uuid NOT NULL,
    file_id bigint NOT NULL,
    source_line bigint NOT NULL
);


ALTER TABLE public.fact_sales_row OWNER TO till_loader;

--
-- Name: retail_data_view; Type: VIEW; Schema: public; Owner: till_loader
--

CREATE VIEW public.retail_data_view AS
 SELECT f.transaction_id,
    c.customer_id,
    c.name,
    c.email,
    c.phone,
    c.address,
    l.city,
    l.state,
    c.zipcode,
    l.country,
    c.age,
    g.gender,
    i.income,
    c.customer_segment,
    d.full_date AS date,
    d.year,
    d.month_name AS month,
    to_char(make_interval(secs => (f.sale_time)::double precision), 'HH24:MI:SS'::text) AS "time",
    f.quantity AS total_purchases,
    f.unit_price AS amount,
    f.total_amount,
    p.category AS product_category,
    p.brand AS product_brand,
    p.product_type,
    fb.feedback,
    sm.shipping_method,
    pm.payment_method,
    os.order_status,
    f.rating AS ratings,
    p.product_name AS products,
    d.month AS month_number,
    d.quarter,
    d.day_name AS day_of_week,
    f.sale_id,
    f.file_id,
    f.source_line
   FROM ((((((((((public.fact_sales f
     JOIN public.dim_date d ON ((d.date_key = f.date_key)))
     JOIN public.dim_customer c ON ((c.customer_key = f.customer_key)))
     JOIN public.dim_location l ON ((l.location_key = f.location_key)))
     JOIN public.dim_gender g ON ((g.gender_key = f.gender_key)))
     JOIN public.dim_income i ON ((i.income_key = f.income_key)))
     JOIN public.dim_product p ON ((p.product_key = f.product_key)))
     JOIN public.dim_feedback fb ON ((fb.feedback_key = f.feedback_key)))
     JOIN public.dim_shipping_method sm ON ((sm.shipping_method_key = f.shipping_method_key)))
     JOIN public.dim_payment_method pm ON ((pm.payment_method_key = f.payment_method_key)))
     JOIN public.dim_order_status os ON ((os.order_status_key = f.order_status_key)));


ALTER TABLE public.retail_data_view OWNER TO till_loader;

--
-- Name: till_schema; Type: TABLE; Schema: public; Owner: till_loader
--

CREATE TABLE public.till_schema (
    version integer NOT NULL,
    description text NOT NULL,
    applied_at timestamp with time zone NOT NULL
);


ALTER TABLE public.till_schema OWNER TO till_loader;

--
-- Name: dim_customer; Type: VIEW; Schema: reporting; Owner: till_loader
--

CREATE VIEW reporting.dim_customer AS
 SELECT dim_customer.customer_key,
    dim_customer.customer_id,
    dim_customer.name,
    reporting.mask_email(dim_customer.email) AS email,
    reporting.mask_phone(dim_customer.phone) AS phone,
    reporting.mask_address(dim_customer.address) AS address,
    dim_customer.zipcode,
    dim_customer.age,
    dim_customer.customer_segment,
    dim_customer.first_seen,
    dim_customer.last_seen,
    dim_customer.is_current
   FROM public.dim_customer;


ALTER TABLE reporting.dim_customer OWNER TO till_loader;

--
-- Name: dim_date; Type: VIEW; Schema: reporting; Owner: till_loader
--

CREATE VIEW reporting.dim_date AS
 SELECT dim_date.date_key,
    dim_date.full_date,
    dim_date.year,
    dim_date.quarter,
    dim_date.month,
    dim_date.month_name,
    dim_date.day,
    dim_date.day_of_week,
    dim_date.day_name,
    dim_date.iso_week,
    dim_date.is_weekend
   FROM public.dim_date;


ALTER TABLE reporting.dim_date OWNER TO till_loader;

--
-- Name: dim_feedback; Type: VIEW; Schema: reporting; Owner: till_loader
--

CREATE VIEW reporting.dim_feedback AS
 SELECT dim_feedback.feedback_key,
    dim_feedback.feedback
   FROM public.dim_feedback;


ALTER TABLE reporting.dim_feedback OWNER TO till_loader;

--
-- Name: dim_gender; Type: VIEW; Schema: reporting; Owner: till_loader
--

CREATE VIEW reporting.dim_gender AS
 SELECT dim_gender.gender_key,
    dim_gender.gender
   FROM public.dim_gender;


ALTER TABLE reporting.dim_gender OWNER TO till_loader;

--
-- Name: dim_income; Type: VIEW; Schema: reporting; Owner: till_loader
--

CREATE VIEW reporting.dim_income AS
 SELECT dim_income.income_key,
    dim_income.income
   FROM public.dim_income;


ALTER TABLE reporting.dim_income OWNER TO till_loader;

--
-- Name: dim_location; Type: VIEW; Schema: reporting; Owner: till_loader
--

CREATE VIEW reporting.dim_location AS
 SELECT dim_location.location_key,
    dim_location.country,
    dim_location.state,
    dim_location.city
   FROM public.dim_location;


ALTER TABLE reporting.dim_location OWNER TO till_loader;

--
-- Name: dim_order_status; Type: VIEW; Schema: reporting; Owner: till_loader
--

CREATE VIEW reporting.dim_order_status AS
 SELECT dim_order_status.order_status_key,
    dim_order_status.order_status
   FROM public.dim_order_status;


ALTER TABLE reporting.dim_order_status OWNER TO till_loader;

--
-- Name: dim_payment_method; Type: VIEW; Schema: reporting; Owner: till_loader
--

CREATE VIEW reporting.dim_payment_method AS
 SELECT dim_payment_method.payment_method_key,
    dim_payment_method.payment_method
   FROM public.dim_payment_method;


ALTER TABLE reporting.dim_payment_method OWNER TO till_loader;

--
-- Name: dim_product; Type: VIEW; Schema: reporting; Owner: till_loader
--

CREATE VIEW reporting.dim_product AS
 SELECT dim_product.product_key,
    dim_product.category,
    dim_product.brand,
    dim_product.product_type,
    dim_product.product_name
   FROM public.dim_product;


ALTER TABLE reporting.dim_product OWNER TO till_loader;

--
-- Name: dim_shipping_method; Type: VIEW; Schema: reporting; Owner: till_loader
--

CREATE VIEW reporting.dim_shipping_method AS
 SELECT dim_shipping_method.shipping_method_key,
    dim_shipping_method.shipping_method
   FROM public.dim_shipping_method;


ALTER TABLE reporting.dim_shipping_method OWNER TO till_loader;

--
-- Name: etl_file; Type: VIEW; Schema: reporting; Owner: till_loader
--

CREATE VIEW reporting.etl_file AS
 SELECT etl_file.file_id,
    etl_file.run_id,
    etl_file.uri,
    etl_file.sha256,
    etl_file.size_bytes,
    etl_file.status,
    etl_file.rows_read,
    etl_file.rows_loaded,
    etl_file.rows_rejected,
    etl_file.rows_duplicate,
    etl_file.values_nulled,
    etl_file.year_mismatches,
    etl_file.month_mismatches,
    etl_file.extra_columns,
    etl_file.missing_columns,
    etl_file.same_content_as,
    etl_file.error,
    etl_file.started_at,
    etl_file.finished_at
   FROM public.etl_file;


ALTER TABLE reporting.etl_file OWNER TO till_loader;

--
-- Name: etl_run; Type: VIEW; Schema: reporting; Owner: till_loader
--

CREATE VIEW reporting.etl_run AS
 SELECT etl_run.run_id,
    etl_run.trigger,
    etl_run.started_at,
    etl_run.finished_at,
    etl_run.status,
    etl_run.error,
    etl_run.till_version
   FROM public.etl_run;


ALTER TABLE reporting.etl_run OWNER TO till_loader;

--
-- Name: fact_sales; Type: VIEW; Schema: reporting; Owner: till_loader
--

CREATE VIEW reporting.fact_sales AS
 SELECT fact_sales.sale_id,
    fact_sales.file_id,
    fact_sales.source_line,
    fact_sales.transaction_id,
    fact_sales.date_key,
    fact_sales.sale_time,
    fact_sales.customer_key,
    fact_sales.location_key,
    fact_sales.gender_key,
    fact_sales.income_key,
    fact_sales.product_key,
    fact_sales.feedback_key,
    fact_sales.shipping_method_key,
    fact_sales.payment_method_key,
    fact_sales.order_status_key,
    fact_sales.quantity,
    fact_sales.unit_price,
    fact_sales.total_amount,
    fact_sales.rating,
    fact_sales.recovered
   FROM public.fact_sales;


ALTER TABLE reporting.fact_sales OWNER TO till_loader;

--
-- Name: retail_data_view; Type: VIEW; Schema: reporting; Owner: till_loader
--

CREATE VIEW reporting.retail_data_view AS
 SELECT retail_data_view.transaction_id,
    retail_data_view.customer_id,
    retail_data_view.name,
    reporting.mask_email(retail_data_view.email) AS email,
    reporting.mask_phone(retail_data_view.phone) AS phone,
    reporting.mask_address(retail_data_view.address) AS address,
    retail_data_view.city,
    retail_data_view.state,
    retail_data_view.zipcode,
    retail_data_view.country,
    retail_data_view.age,
    retail_data_view.gender,
    retail_data_view.income,
    retail_data_view.customer_segment,
    retail_data_view.date,
    retail_data_view.year,
    retail_data_view.month,
    retail_data_view."time",
    retail_data_view.total_purchases,
    retail_data_view.amount,
    retail_data_view.total_amount,
    retail_data_view.product_category,
    retail_data_view.product_brand,
    retail_data_view.product_type,
    retail_data_view.feedback,
    retail_data_view.shipping_method,
    retail_data_view.payment_method,
    retail_data_view.order_status,
    retail_data_view.ratings,
    retail_data_view.products,
    retail_data_view.month_number,
    retail_data_view.quarter,
    retail_data_view.day_of_week,
    retail_data_view.sale_id,
    retail_data_view.file_id,
    retail_data_view.source_line
   FROM public.retail_data_view;


ALTER TABLE reporting.retail_data_view OWNER TO till_loader;

--
-- Name: fact_sales_file_1; Type: TABLE ATTACH; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.fact_sales ATTACH PARTITION public.fact_sales_file_1 FOR VALUES IN ('1');


--
-- Name: fact_sales_file_2; Type: TABLE ATTACH; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.fact_sales ATTACH PARTITION public.fact_sales_file_2 FOR VALUES IN ('2');


--
-- Name: fact_sales_file_3; Type: TABLE ATTACH; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.fact_sales ATTACH PARTITION public.fact_sales_file_3 FOR VALUES IN ('3');


--
-- Data for Name: dim_customer; Type: TABLE DATA; Schema: public; Owner: till_loader
--

COPY public.dim_customer (customer_key, customer_id, name, email, phone, address, zipcode, age, customer_segment, first_seen, last_seen, is_current) FROM stdin;
0	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N	t
574769341876954033	34072	Carl Hernandez	Andrew43@gmail.com	8497349050	0515 Courtney Valleys	99601	19	Regular	20230911	20230911	t
1025216798576017087	80175	Diane Clark	Martin39@gmail.com	6219779557	8823 Mariah Heights Apt. 263	39820	46	New	20240106	20240106	t
1236935494025192292	66883	Brianna Oconnor	David47@gmail.com	9398168800	95471 Jerry Hollow Suite 034	91253	31	Regular	20230621	20230621	t
1995069607814275319	12104	Meagan Ellis	Courtney60@gmail.com	7466353743	389 Todd Path Apt. 159	4567	31	Regular	20240120	20240120	t
2268623250932572232	48219	Charles King	Robert99@gmail.com	7105881397	98090 Scott Fall	72130	23	Regular	20230702	20230702	t
2802496275890571796	84151	Melvin Brown	Charles9@gmail.com	2341937931	2100 Young Wall	32501	46	Premium	20240207	20240207	t
3151054573918314835	97285	Erin Lewis	Arthur76@gmail.com	1578355423	600 Brian Prairie Suite 497	47545	29	New	20230626	20230626	t
3233720661566047838	26603	Angela Fields	Tanya94@gmail.com	3668096144	237 Young Curve	86862	29	Premium	20230324	20230324	t
3285894660370133613	18799	Angel Hood	Joseph24@gmail.com	2825444712	7593 Joseph Trace Suite 382	39837	41	Premium	20230528	20230528	t
3497037093701703094	33315	Christopher Benton	Michael72@gmail.com	8949535405	70450 Vicki Lodge Suite 736	84691	32	Premium	20231122	20231122	t
4058662082595301439	94117	Kara Hart	Tammy37@gmail.com	7108672468	872 Robinson Harbors Apt. 328	65301	54	New	20231014	20231014	t
4078239733116706803	45477	Patrick Wilson	Rebecca65@gmail.com	9373222023	3204 Baird Port	67608	41	New	20230903	20230903	t
4523319854336693738	19136	Jonathan Eaton	Mark38@gmail.com	2996714102	9772 Sosa Coves	59280	64	Regular	20230720	20230720	t
4887614382620314884	83167	Stephen Gomez	Joseph29@gmail.com	5748663726	41880 Smith Gateway Suite 965	60236	20	New	20231123	20231123	t
5191722976533691144	69749	Kelsey Hill	Mark36@gmail.com	6852899987	82072 Dawn Centers	99071	19	Premium	20231231	20231231	t
5568498323454273267	27901	Debra Coleman	Charles30@gmail.com	9098267635	5813 Lori Ports Suite 269	48704	22	Premium	20240110	20240110	t
5671409071162074644	69772	Mathew Beck	Jennifer71@gmail.com	5754304957	52809 Mark Forges	16852	35	New	20231228	20231228	t
5708776692867307225	28449	Daniel Lee	Christopher100@gmail.com	9382530370	407 Aaron Crossing Suite 495	88038	41	Premium	20240227	20240227	t
5726490967197828009	46483	Sheila Garza	Jacob23@gmail.com	6067123194	017 Parker Forge Suite 451	24948	23	Regular	20230703	20230703	t
6044759004576649284	41289	Ryan Johnson	Haley12@gmail.com	3292677006	532 Ashley Crest Suite 014	74430	58	Premium	20230921	20230921	t
6089605880093997026	37249	Michelle Harrington	Ebony39@gmail.com	1414786801	3959 Amanda Burgs	77985	21	Regular	20230918	20230918	t
6524977215920614257	79479	Jason Welch	Jason36@gmail.com	6279294104	764 Garcia Flat	61218	63	New	20230906	20230906	t
6986981526574484566	53626	Dustin Merritt	William14@gmail.com	9518926645	143 Amanda Crescent	25242	28	Premium	20240108	20240108	t
7302067044578170439	52955	Julie Mcclain	Desiree65@gmail.com	8667069861	93884 Kimberly Centers Suite 143	35195	19	New	20231201	20231201	t
7546531008543472250	72082	Laura Anderson	Michael49@gmail.com	4807523831	182 Justin Prairie Suite 464	34174	19	Regular	20230330	20230330	t
8674946268986573334	62101	Joseph Miller	Mary34@gmail.com	2776751724	8148 Thomas Creek Suite 100	88420	56	Premium	20230508	20230508	t
8787806405637271012	73632	Richard Jordan	Brianna15@gmail.com	4590704162	669 Mcdonald Walks	87334	28	New	20230311	20230311	t
8974690881208408870	12981	Christine Fowler	Cheryl36@gmail.com	3094935076	66018 Cross Course Suite 517	68173	46	New	20230730	20230730	t
8975149911084515603	30192	Scott Jensen	Shane85@gmail.com	8362160449	4133 Young Canyon	75929	48	Regular	20230426	20230426	t
9100725749387132013	31878	Lori Bell	Jessica33@gmail.com	6004895059	6225 William Lodge	64317	25	New	20231004	20231004	t
732838613684377	86742	Olivia Hughes	Tyler81@gmail.com	1317023994	17628 Rice Bypass	53804	42	Premium	20230311	20230311	t
1614406996552490	51249	Sarah Meyer	Beverly63@gmail.com	3477502679	36363 Melvin Radial	13759	44	Premium	20240207	20240207	t
38930870815004172	93010	Janet Clark	Marilyn67@gmail.com	6015081681	30138 Johnston Heights	49794	29	Regular	20240110	20240110	t
59201886993667846	58409	Abigail Baird	Danielle51@gmail.com	1090858608	144 Helen Streets Suite 299	74458	33	Premium	20230527	20230527	t
72042380478340161	14688	George Patterson	Eugene6@gmail.com	8722905339	22101 Porter Heights	62844	54	Regular	20230305	20230305	t
119955233124381535	14074	Haley Schmidt	Willie41@gmail.com	6577729670	4496 Baker Mews Apt. 628	46015	42	New	20230809	20230809	t
141182257428677145	55588	Kenneth Eaton	Olivia33@gmail.com	8838831530	4129 Hart Ferry Suite 537	76190	35	Premium	20240227	20240227	t
169458402719871010	98183	Arthur Matthews	Kristin11@gmail.com	4213132853	520 White Mall	9750	23	New	20240213	20240213	t
184460963819780250	31738	Valerie Tucker	Keith85@gmail.com	1120667302	1485 Dixon Groves	76758	26	Regular	20230915	20230915	t
298456848760549415	96398	Jose Ray	Christina21@gmail.com	2873837905	0902 Tiffany Pines	55919	43	New	20240125	20240125	t
442039859673569353	16994	Kevin Harrington	Zachary2@gmail.com	2562917710	2561 Austin Center	95238	30	Regular	20230915	20230915	t
443272891283693070	41167	Philip Holmes	Joan53@gmail.com	5157930559	387 Coleman Route Suite 240	10728	33	New	20231212	20231212	t
443585845432427347	66450	Alan Evans	Helen42@gmail.com	7932371194	876 Rogers Camp	38422	66	Regular	20230812	20230812	t
625043916029430370	79457	Luis Diaz	Kathryn75@gmail.com	5842572220	3104 Lewis Valleys	7674	40	Regular	20230616	20230616	t
673435754525208896	30248	Paul Mendoza	Jerry6@gmail.com	9111673119	62651 Derek Brook Suite 616	67826	22	New	20231217	20231217	t
764593722686658379	38669	Jean Meyer	Meagan12@gmail.com	6682022462	9091 Mason Vista Apt. 867	48681	46	Regular	20231124	20231124	t
773184239875802113	97602	Philip Ingram	Brittany10@gmail.com	1863882566	37535 Benton Stream	93059	45	Regular	20230830	20230830	t
804492760619472392	33909	Bruce Silva	Katie16@gmail.com	1477517883	6513 Erin Court	79262	68	Regular	20231017	20231017	t
833991783224887453	93931	Caitlin Russell	Dylan48@gmail.com	6497467545	4724 Schmidt Square Suite 790	70291	50	New	20240208	20240208	t
921305814752840781	68008	Susan Thomas	Andrew11@gmail.com	9653983915	056 Welch Mills	50377	30	Premium	20230703	20230703	t
937176373283653488	27420	Austin Garcia	Michael89@gmail.com	2332851469	4291 Ronald Wells Suite 844	21230	60	Regular	20230719	20230719	t
969490472119917930	88701	Roger Marshall	Judy44@gmail.com	7358849959	81303 Morris Landing Apt. 508	81369	24	Regular	20230919	20230919	t
1000542354712873493	19170	Christopher Robinson	Maria37@gmail.com	8716043173	029 Hansen Rest	61072	44	Regular	20231104	20231104	t
1001871725595753418	28468	Eric Torres	Misty52@gmail.com	9433704251	72649 Samantha Bypass	35225	27	New	20230828	20230828	t
1038715954377007672	75297	Tiffany Wilson	Carl10@gmail.com	4709121675	2671 Matthew Valley	29240	55	Premium	20230528	20230528	t
1066434540936443858	60040	Kathryn Palmer	Virginia36@gmail.com	5012181406	867 Hernandez Parkways Suite 778	37336	43	Regular	20230904	20230904	t
1072677047735031577	41176	Paul Lopez	Jasmine45@gmail.com	2328654831	632 Jensen Avenue Suite 332	1930	22	Premium	20231130	20231130	t
1097572224544118810	58109	Barbara Riley	Jason87@gmail.com	7690105778	83620 Moore Shore Apt. 820	17047	43	Regular	20230903	20230903	t
1098146000252020488	97858	Tanya Elliott	Samantha77@gmail.com	1852123104	960 Brian Harbor Suite 430	86269	54	Regular	20231224	20231224	t
1107189700037930067	54598	Susan Frazier	Amanda15@gmail.com	4838685907	07638 Whitney Stravenue	86865	38	Regular	20230818	20230818	t
1118890384369522375	70506	Carlos Young	Arthur16@gmail.com	3331575675	995 Sanders Court Suite 860	6340	22	New	20230912	20230912	t
1168477027693520175	86801	Carol Davis	Kevin62@gmail.com	3057657838	2086 Kelly Forges	4092	44	New	20240202	20240202	t
1187025766732658765	67541	Kristen Howard	Jack26@gmail.com	3888936397	12450 Emma Oval Suite 722	21131	38	Regular	20230706	20230706	t
1205582265613855261	61802	Mason Coleman	Tammy14@gmail.com	7604366669	58993 Dixon Ports Apt. 162	66071	22	Regular	20230305	20230305	t
1265363366120082304	61288	Robert Wolfe	James97@gmail.com	4198849883	02769 Arthur Vista	27108	27	Regular	20240112	20240112	t
1300211401685324945	22318	Stacy Flores	Brittany17@gmail.com	7392533566	27159 Diana Plains Suite 728	80247	67	New	20230313	20230313	t
1340507823579894076	76803	Ralph Ingram Sr.	Steven39@gmail.com	2035174935	53936 Arnold Radial	59090	25	Regular	20231219	20231219	t
1547347219958931884	67509	Karen Roberts	Brian28@gmail.com	6494688020	981 Nelson Lights	26556	37	Regular	20231003	20231003	t
1550791502941908224	22031	Sara Hoffman	Kathleen70@gmail.com	4391478395	2890 Myers Estates	76348	28	Regular	20230713	20230713	t
1552793031868673579	32283	Mrs. Julia Perry DVM	Dawn5@gmail.com	4296686437	71616 Bryant Hills	88408	24	Premium	20231223	20231223	t
1691116525617221019	56648	Raymond Snyder	Mason11@gmail.com	9295336228	6179 Gabriel Glens Suite 964	62535	27	Premium	20230303	20230303	t
1719775958904677591	52027	Anthony Bradley	Lawrence92@gmail.com	9430178060	101 Clark Walk Suite 909	94803	64	Regular	20230916	20230916	t
1741535957888967004	63043	Alexis Olson	Courtney83@gmail.com	2869269519	60604 Richardson Gateway	87561	47	Regular	20240201	20240201	t
1770733907372806864	67316	Kathleen Fowler	Victor83@gmail.com	5414504502	320 Angel Course	46392	20	Premium	20230830	20230830	t
1801860266713428868	30911	Julia Simpson	Carol46@gmail.com	1300769607	468 Sean Viaduct	54006	64	Premium	20230823	20230823	t
1845681577061237405	79671	Erica Fox	Sarah1@gmail.com	9490346724	1388 Castro Parkway	23751	29	Regular	20240128	20240128	t
1916876625007194828	59103	Lori Mills	Victor48@gmail.com	2257620327	9933 Soto Street	24929	69	Regular	20231007	20231007	t
1960926229788010658	59350	Carolyn Phillips	Stacy99@gmail.com	7095668046	578 Santos Loop Apt. 459	2421	31	New	20240116	20240116	t
2000476318474716786	83723	Eugene Moreno	Brittany63@gmail.com	3767276524	92145 Kevin Common Suite 508	92646	53	Regular	20230508	20230508	t
2056576165332560777	78651	Julie Phillips	Austin91@gmail.com	3617202252	53942 Ronald Park	96207	40	New	20231106	20231106	t
2234528323163711628	76645	Emma Morgan	Amber84@gmail.com	4864625598	2975 Romero Forest	38932	22	Premium	20231201	20231201	t
2237912236077039165	45091	Kathleen Silva	Wendy24@gmail.com	4156940221	0855 Jeffrey Course	58982	57	Regular	20230423	20230423	t
2335721848945760316	38290	Cheryl Spencer	Linda1@gmail.com	9475977559	714 Ward Crescent Suite 426	83249	27	New	20231119	20231119	t
2337623190651041883	48324	Nicole Coleman DVM	Brian24@gmail.com	4226958367	8980 Simmons Canyon	39556	35	Regular	20240101	20240101	t
2359820431847010492	33522	Joyce Alexander	Lauren14@gmail.com	2757682197	74653 Ruth Motorway Suite 811	98048	23	Regular	20230905	20230905	t
2572195500670237437	61990	Wayne Kim	Kenneth68@gmail.com	4817216147	710 Fisher Place Suite 038	89265	31	Premium	20230910	20230910	t
2619457891930854852	44696	Ebony Gibson	Kayla58@gmail.com	3973510870	70073 Frank Neck Apt. 815	59963	58	Regular	20230522	20230522	t
2635404186687433221	37310	Linda Gutierrez	Jacqueline86@gmail.com	9303550482	310 Jose Spurs Suite 045	82546	23	New	20230408	20230408	t
2700674065707466404	84703	Betty Parker	Daniel69@gmail.com	1772722984	0141 Gray Radial	66901	32	Regular	20230427	20230427	t
2720314151621512122	37838	Todd Harris	Brian26@gmail.com	7701010360	61283 Rodriguez Ridges	61078	55	Regular	20230923	20230923	t
2722957855546215570	19405	Dylan Parker	Deborah60@gmail.com	8951083690	957 Olson Fort	34659	34	Regular	20230530	20230530	t
2780864198925060412	39129	Kathleen Soto	Frances5@gmail.com	8733671309	35992 Gray Avenue	64507	22	New	20231028	20231028	t
2820852288498860044	89378	Gregory Fowler	Michelle1@gmail.com	6504782071	4133 Donald Village	4296	61	New	20230825	20230825	t
2871395992896824335	32116	Shane Brooks	Christopher43@gmail.com	7869471092	0541 Joan Place	7171	59	Premium	20231007	20231007	t
2921597303534109241	89058	Karen Elliott	Maria85@gmail.com	2048767348	49842 Travis Manors	37613	28	Regular	20230629	20230629	t
2998586616603095407	15403	Michelle Pierce	Ebony35@gmail.com	7646568102	28295 Carter Trafficway	17375	20	Regular	20240210	20240210	t
3025151008338963788	27398	Samuel Rivera	Mason13@gmail.com	1871600440	886 Eugene Cove Apt. 723	60357	22	Regular	20231212	20231212	t
3163787096425847542	65637	Theresa Miller	Jordan66@gmail.com	5345058031	054 Peterson Forest	30219	28	New	20231218	20231218	t
3234662718432612844	15321	Joshua Nelson	Michelle34@gmail.com	6014251789	51870 Gerald Rue Suite 460	70049	20	Premium	20230407	20230407	t
3262544505870202464	66507	Ralph Patterson	Shirley40@gmail.com	1790976883	359 Mason Crossing	90522	32	New	20230314	20230314	t
3286671431195977431	87449	Justin Torres	Andrew31@gmail.com	6135246340	41912 Erin Skyway	72545	21	Premium	20230322	20230322	t
3364195410188853482	76387	Janet Bryant	Susan89@gmail.com	8992583158	591 Ebony Bridge	9826	28	New	20231227	20231227	t
3371154721499878131	79509	Kristin Knight	Helen66@gmail.com	8076477989	9643 Jones Route	17325	30	Regular	20231118	20231118	t
3383436288668051050	62034	Tammy Hansen	Philip29@gmail.com	7359457720	25698 Jensen Forks	12742	38	Regular	20231210	20231210	t
3384698221068094453	49564	Marilyn Nelson	Sharon37@gmail.com	3811080403	082 Walter Place	30137	25	Regular	20230614	20230614	t
3423444619034182512	47494	Jean Reynolds	Gloria17@gmail.com	5293634600	2331 Hoffman Street Suite 690	43773	65	Premium	20231130	20231130	t
3510004077230859191	55684	Nicholas Gray	George82@gmail.com	9833664983	9201 Warren Forks Suite 966	49243	19	Premium	20240128	20240128	t
3627974102439759986	82397	Dorothy Carpenter	Jasmine20@gmail.com	5362518396	70404 Sean Forest	55773	32	New	20231207	20231207	t
3648051462494332146	32597	Kenneth Peters	Angela84@gmail.com	1978516425	2452 Simpson Trace Suite 169	10221	38	Regular	20231203	20231203	t
3666730004179261784	38257	Catherine Willis	Cheryl68@gmail.com	5125857223	0431 Watson Parkway Suite 463	81603	22	Regular	20230703	20230703	t
3686007001089502147	28758	Evelyn Kim	Amber99@gmail.com	1998877199	03094 Snyder Route Suite 074	86087	21	Premium	20231015	20231015	t
3743002983596456195	73649	Mrs. Kristen Carter DVM	Raymond67@gmail.com	4910383442	82727 Harrison Divide	99672	36	New	20230716	20230716	t
3750259434508263090	41313	Ann Davis	Scott19@gmail.com	5459880722	31362 Morales Meadows Suite 653	41499	19	Regular	20231224	20231224	t
3762122869050448381	50337	Virginia Phillips	Sarah2@gmail.com	1458452045	8321 Webb Camp Suite 538	87295	43	Regular	20230811	20230811	t
3775686963190201163	66603	Cheryl Ryan	Charlotte77@gmail.com	1484005456	000 Catherine Pass Suite 267	57850	42	Premium	20231105	20231105	t
3793597006256076442	63817	Denise Walker	Gloria46@gmail.com	3450513507	11967 Holmes Via	52165	27	Premium	20230309	20230309	t
3897930356071010848	52640	Thomas Nguyen	Raymond10@gmail.com	5697296021	682 Beverly Fall Suite 334	7911	29	Regular	20230709	20230709	t
4004428066455058593	75301	Judy Adams	Terry100@gmail.com	8814277962	41657 Johnston Cliff Apt. 027	54333	25	Regular	20230902	20230902	t
4007470395951112278	97302	Jeremy Jenkins	Gary5@gmail.com	4912828047	67221 Diaz Inlet Apt. 902	71793	24	New	20231111	20231111	t
4017966607361831810	95834	Logan Olson	Melissa2@gmail.com	3383055148	30898 Cooper Alley	19190	29	New	20240228	20240228	t
4089477073442014314	26599	Veronica Nichols	Frances5@gmail.com	3855791332	842 Adam Island Apt. 626	17368	33	Premium	20230708	20230708	t
4138458595389735367	57555	Mark Mendoza	Virginia29@gmail.com	5159795089	10430 Cody Village	63374	18	New	20230514	20230514	t
4264398261316110437	75619	Jesus Evans	Brianna11@gmail.com	3700061558	13708 Jackson Junctions Suite 451	46072	18	Premium	20230804	20230804	t
4275520999607152762	19350	Nathan Mitchell	Keith56@gmail.com	1610722162	37305 Fisher Place Apt. 526	11495	66	Regular	20230705	20230705	t
4293148290870563949	35904	Adam Diaz	William43@gmail.com	3228941350	541 Perkins Fall	733	23	New	20240203	20240203	t
4350329323079683738	22550	Kyle Mason	Kathleen10@gmail.com	8031700329	68947 Mason Spurs	43796	26	New	20230909	20230909	t
4427385693233721739	78952	Eric Martinez	Kathleen66@gmail.com	7914027717	836 Price Cape	68804	19	New	20231226	20231226	t
4489927322501214197	62048	Jeffrey Porter	Elijah34@gmail.com	2507115745	2471 Armstrong Union Suite 637	96291	23	Premium	20231230	20231230	t
4588571475708502221	70549	Kyle Pena	Christopher51@gmail.com	4036580951	57172 Thompson Canyon	7072	28	Premium	20230617	20230617	t
4588798155434218098	57590	Patricia Gomez	Linda100@gmail.com	3192940492	84348 Alexander Islands Apt. 858	23778	27	Regular	20231223	20231223	t
4623795375218065349	68842	Patrick Flores	Nathan73@gmail.com	7955504792	449 Perez Lights	51718	37	New	20231124	20231124	t
4651533402766757906	99505	Michael Walker	Billy15@gmail.com	2327449264	273 Beverly Causeway Suite 614	71598	25	New	20231229	20231229	t
4667584695277018306	58829	Brooke Payne	Theresa100@gmail.com	9436477383	0393 Benjamin Via	44562	50	Regular	20231108	20231108	t
4676704769981264456	50117	Lauren Parker	Tracy96@gmail.com	5732142427	265 Christina Center Apt. 570	84272	25	Regular	20230303	20230303	t
4739548368798519140	76213	Thomas Hicks	Michelle19@gmail.com	4748443281	58199 Robert Stravenue Suite 876	78650	27	New	20230328	20230328	t
4778360656527061981	98908	Maria Johnson	Danielle94@gmail.com	2949866000	570 Henderson Mills Suite 021	6109	26	Premium	20230909	20230909	t
4830883790762166976	72905	Aaron Frazier	Randy94@gmail.com	6036152669	135 Sara Villages Apt. 658	39353	43	Regular	20230626	20230626	t
5001192806041129447	67506	Albert Burns	Isabella60@gmail.com	2282678964	97820 Burns Key Suite 362	64856	70	New	20230429	20230429	t
5007476225084818350	65574	Melanie Webb	Edward93@gmail.com	7411426066	673 Ethan Hill	27759	24	Regular	20231022	20231022	t
5027124432689447874	18689	Brittany Walker	Andrew3@gmail.com	9940908623	5834 Caitlin Walks Suite 397	17084	22	Regular	20231229	20231229	t
5053641908859593968	53411	Michelle Williams	Jared18@gmail.com	3213870444	145 Eaton Spring Suite 024	64401	31	Regular	20230604	20230604	t
5107060147820374679	64988	Adam Gardner	Deborah44@gmail.com	6861288483	986 Hayes Plaza	22337	28	Regular	20231013	20231013	t
5132758508972148207	42026	Shane Hart	Jerry68@gmail.com	5954770684	688 Torres Cape Suite 278	81046	29	Regular	20230318	20230318	t
5213943411584899812	38925	Frances Collins	Erica40@gmail.com	1165201178	6111 George Forks Suite 381	86724	38	New	20230702	20230702	t
5226911232910077821	89902	Nathan Edwards	Shirley95@gmail.com	6642147918	926 Torres Course Suite 441	99308	33	Regular	20230925	20230925	t
5264477406906499738	64915	Tiffany Myers	Michelle3@gmail.com	6916871363	32300 Frank Run	84097	35	Regular	20230709	20230709	t
5294429721489348348	50625	Cynthia Medina	Ebony40@gmail.com	6152132582	7034 Paul Estates Suite 714	84198	41	Regular	20230826	20230826	t
5326525584995610229	91266	Danielle Stephens	Edward11@gmail.com	8755381098	88574 Cheryl Ways Apt. 298	8362	23	Premium	20230325	20230325	t
5337316125963540065	86255	Randy Ward	Abigail1@gmail.com	9777595138	488 Thomas Expressway Apt. 041	96920	38	New	20240209	20240209	t
5475547896039239275	46763	Pamela Vazquez	Whitney85@gmail.com	2232625577	136 Cook Loaf Apt. 549	74906	28	Premium	20230709	20230709	t
5531053440110568750	42399	Allison Meyer	Zachary56@gmail.com	2883583673	818 Mccarthy Harbor	72600	23	Premium	20230702	20230702	t
5684399105563392767	59444	Crystal Snyder	Sara16@gmail.com	4356676175	825 Dorothy Spring	11931	24	Regular	20230511	20230511	t
5896986941677320630	85002	John Perkins	Douglas23@gmail.com	1038136204	67206 Julia Corner Suite 005	15230	19	Premium	20231124	20231124	t
5902206942383913855	47360	Erin Henderson	Austin84@gmail.com	7324519532	65835 Aguilar Orchard	10608	33	Regular	20230404	20230404	t
5907393148397263104	20648	Victoria Mcdonald	Gary46@gmail.com	6628950782	8124 Angela Coves Suite 213	8243	27	Premium	20231029	20231029	t
5948120252279478341	30696	Pamela Contreras	Kelly98@gmail.com	4946128105	764 Shane Corners	94960	37	Premium	20231228	20231228	t
5948849014996257165	43024	Eric Schmidt	Ethan68@gmail.com	7662459726	2281 Anna Course Apt. 342	96598	28	Regular	20230712	20230712	t
5986415268017688046	45855	Paul Smith	Virginia64@gmail.com	4995189374	73594 Amanda Radial Suite 732	19716	26	Regular	20231029	20231029	t
6037208781300314233	19670	Eugene Webb	Jessica48@gmail.com	8699210276	74421 Desiree Walks Suite 211	40156	63	New	20230816	20230816	t
6052682573201812924	17666	Timothy Bennett	James28@gmail.com	9468833817	88263 Gutierrez Isle Suite 173	3285	24	Regular	20231231	20231231	t
6057206579445614013	37713	Caitlin Alvarado	Anthony38@gmail.com	1369507645	91413 Cox Parkways Apt. 609	88500	31	New	20231025	20231025	t
6152356890246810508	64644	Christina Rice	Sara61@gmail.com	4874070743	890 Barker Falls Suite 430	6495	37	New	20240128	20240128	t
6204843162015047950	76666	Laura Vargas	Isabella10@gmail.com	2076205822	681 Vasquez Well Suite 525	6956	43	New	20230523	20230523	t
6241975604602037548	92587	Brandon Vargas	Valerie13@gmail.com	3366214968	6577 Crawford Rapids	50298	28	Regular	20231111	20231111	t
6356711838183007964	51294	Mark Stevens	Ruth52@gmail.com	2314379496	53910 Jeremy Crossroad	43170	47	New	20240115	20240115	t
6361928016938753444	30289	Joyce Peters	Terry86@gmail.com	6757321238	020 Richardson Spring	34938	68	New	20230808	20230808	t
6516239195312912408	62064	Curtis Cook	Madison37@gmail.com	4157041072	902 Joyce Springs Suite 071	84076	25	New	20230531	20230531	t
6582023047257879523	71111	Megan Sanchez	Gary80@gmail.com	8170301849	1438 Juan Ford Suite 476	51154	21	New	20230726	20230726	t
6584805040212115378	60355	Roger Delgado	Gerald38@gmail.com	6406845653	59650 Robinson Glen Suite 875	12956	64	Regular	20240129	20240129	t
6638665498362311970	57956	Paul Owens	Allison77@gmail.com	2409842153	31478 Hansen Shores Suite 185	28996	64	Regular	20240212	20240212	t
6701629100611632450	21279	Mr. Paul Adams	Sara74@gmail.com	6222817008	374 Bryan Track Apt. 784	76641	23	Premium	20231205	20231205	t
6750631048372863998	95076	Tyler Cook	Alexis11@gmail.com	7083890201	9097 Katherine Ways	96441	50	New	20231003	20231003	t
6814580081251155794	47427	Robert Willis	Amy41@gmail.com	5651175714	377 Thomas Hollow Apt. 811	7317	42	Regular	20231223	20231223	t
6834125617140069688	55153	Sophia Stewart	Tracy39@gmail.com	8694995912	0049 Sarah Heights	14434	50	New	20231122	20231122	t
6858482916601711849	75736	Luis James	Cody13@gmail.com	2068584065	7791 Melissa Shore	99339	59	Premium	20230815	20230815	t
6943172168919296361	94630	Rachel Davis	Veronica87@gmail.com	7780034514	076 Collins Expressway	22040	27	Regular	20240110	20240110	t
6968143020207000305	79331	Gregory Lee	Benjamin37@gmail.com	8704647204	9847 Jesus Field	95935	29	Regular	20230321	20230321	t
6977427115393986781	85935	Martha Adams	Austin41@gmail.com	9637667585	024 Henry Flats	80196	23	New	20231219	20231219	t
6988711069530495351	98871	Charles Evans	Scott89@gmail.com	7059042786	5012 Contreras Cliffs	35583	28	Premium	20230720	20230720	t
6997768095150072554	30298	Sophia Morales	Linda64@gmail.com	3620350366	506 Silva Mall Suite 330	26402	24	Regular	20230321	20230321	t
7141544090362380543	51790	Ronald Henderson	Gabriel90@gmail.com	3580531235	8173 Payne Summit Suite 601	45527	40	New	20230823	20230823	t
7151152067877004933	40153	Dorothy Dunn	Jose1@gmail.com	2613975780	2505 Nathan Harbor Suite 076	28392	45	Regular	20230415	20230415	t
7193984678622047107	99152	Tiffany Kelley	Grace1@gmail.com	9290119052	2782 Grant Estates Suite 196	54372	48	Regular	20230707	20230707	t
7202921288911501562	56475	Jonathan Simpson	Donna25@gmail.com	6387792427	83695 Dustin Summit Apt. 737	26942	23	New	20231018	20231018	t
7211876626760599491	65093	Theresa Medina	Crystal38@gmail.com	8417790935	033 Debra Harbor Suite 532	35316	30	New	20230508	20230508	t
7266630079310007064	62328	Jose Mitchell	Frances89@gmail.com	3834222415	340 Elliott Lane Suite 840	14701	22	Regular	20230515	20230515	t
7350903613226652754	28619	Sean Oconnor	Arthur96@gmail.com	8704506932	311 Jasmine Forge Apt. 167	58913	37	New	20230804	20230804	t
7358173933777819297	44203	Bryan Dunn	Timothy13@gmail.com	6436767477	5011 Angel Islands	43382	55	Premium	20230917	20230917	t
7435455967664728871	51606	Roy Vargas	Virginia50@gmail.com	5114917702	20893 Alexis Valley Suite 148	49696	46	Regular	20231024	20231024	t
7447097446610476848	29684	Ebony Frazier	Erin98@gmail.com	3150405116	50003 Smith Ford	48718	19	Regular	20230529	20230529	t
7458113245192161261	28924	Dennis Frazier	Tanya53@gmail.com	4563895006	1778 Bobby Row Suite 112	88768	31	New	20230331	20230331	t
7542108019897224767	44672	Jack Rivera	Gary67@gmail.com	5295654826	940 Patel Orchard	80934	29	Regular	20231227	20231227	t
7558498700736972989	71604	Christian Hill	Logan92@gmail.com	5084408226	334 Boyd Row	72220	20	Premium	20230810	20230810	t
7653227664736352283	85112	George Cunningham	Madison25@gmail.com	1217768385	45407 Scott Parkways	32425	21	Premium	20230513	20230513	t
7684579040569349083	23829	Mrs. Madison Grant MD	Kimberly32@gmail.com	9674137089	08001 Meagan Squares	30933	34	Premium	20230702	20230702	t
7863223719925363601	80033	George Berry	Diana71@gmail.com	1154967443	53965 Whitney Landing	9646	48	New	20230520	20230520	t
7997263782802916852	59406	Charlotte Reed	Beverly3@gmail.com	4016284569	18550 Flores Courts	68667	67	New	20240116	20240116	t
8052760871797189860	90167	Alice Vargas	Gabriel30@gmail.com	1935080790	21524 James Rapid Apt. 323	59096	32	Regular	20230309	20230309	t
8060697636189305739	37123	Julia Welch	Cody99@gmail.com	6932599412	4476 Alexander Burg	97061	60	Regular	20230406	20230406	t
8105707197156616504	20613	Jesus Rose	Austin77@gmail.com	8449126027	99212 Brittany Rapids	73709	21	Regular	20240229	20240229	t
8131081213582252004	82983	Samuel Taylor	Dustin48@gmail.com	6568133043	93169 Willie Parkways	38452	25	Regular	20240101	20240101	t
8141683071765264794	18757	Kayla Cooper	Katie12@gmail.com	9057988401	56622 Bailey Trail Apt. 798	59485	30	Premium	20230528	20230528	t
8173332851205355793	90012	Harold Hood	Ashley87@gmail.com	2401812476	72544 David Villages Suite 780	78852	55	Premium	20230308	20230308	t
8281813271241584015	31213	Christopher Gibson	Danielle90@gmail.com	1375652305	657 Fisher Lane	55946	22	New	20231218	20231218	t
8484456052824204354	11764	Dorothy Mendoza	Barbara37@gmail.com	3085236396	7253 Mills Alley Apt. 974	25297	59	Premium	20230404	20230404	t
8492087928140816035	44621	Shirley Kim	Aaron64@gmail.com	7908353154	877 Mason Parks	48691	26	New	20230415	20230415	t
8528635237827939793	14997	Eugene Crawford	Carol82@gmail.com	5116597572	7736 Jesus Crescent	68438	27	Premium	20230504	20230504	t
8583688275214965360	97132	Veronica Carroll	Karen98@gmail.com	5986780219	97103 Moore Causeway	55225	22	Premium	20230624	20230624	t
8600015494747942134	80823	Carl James	Timothy32@gmail.com	2920544313	5069 Logan Divide	51031	21	New	20231120	20231120	t
8614971130319602486	15729	Ruth Benton	Haley68@gmail.com	3014142945	5681 Santos Gardens Apt. 449	98808	49	Regular	20231111	20231111	t
8619031901200786755	43085	Mary Gardner	Alexander90@gmail.com	7551851290	8273 Stevens Underpass Suite 811	49436	25	Regular	20230827	20230827	t
8667609413726119869	67184	Dr. Haley Lopez	Lori22@gmail.com	7937094407	54787 Martha Gardens	53639	34	Regular	20231204	20231204	t
8714509676633956652	57485	Christopher Martinez	Amber6@gmail.com	4518571004	3835 Harold Heights	46413	27	Regular	20231216	20231216	t
8734299836860279553	26645	Jacob Wright	Carol35@gmail.com	7519327646	38277 Barnes Union	24980	23	Regular	20240208	20240208	t
8752499950763581573	99076	Rachel Sullivan	Kara71@gmail.com	3118108943	581 Nathan Park	6596	62	New	20230802	20230802	t
8865424196496096430	25123	Jared Ray	Mason26@gmail.com	3657729299	824 Aguilar Coves Suite 268	22513	20	Regular	20240222	20240222	t
8880767162950004908	92904	Frances Pena	Dylan56@gmail.com	9857330500	968 Richard Fork	22916	24	Regular	20230926	20230926	t
8882261336353143760	69280	Frances Stevens	Terry23@gmail.com	9425361483	7050 Elijah Burg	62242	19	Regular	20230719	20230719	t
8885890377697188957	54552	Frank Eaton	Dorothy84@gmail.com	8672109658	87926 Spencer Park Suite 620	60355	20	Regular	20230830	20230830	t
8927431478100380773	37736	Jessica Cooper	Roger8@gmail.com	2714570168	74110 Arnold Court Suite 648	63063	69	Regular	20240103	20240103	t
8942038049585608817	36671	Stephen Daniels	Derek81@gmail.com	2934217629	16236 Mcclain View Suite 019	31379	19	New	20230319	20230319	t
8969151692284125534	33520	Tiffany Adams	Carlos30@gmail.com	3629193118	473 Shaw Circle	53347	56	Premium	20230516	20230516	t
8987029524832538895	32490	Judith Hill MD	Natalie80@gmail.com	5763596241	49642 Rice Ridge	47512	30	Regular	20230415	20230415	t
8999251811543776488	10324	Henry Fowler	Daniel48@gmail.com	9761319344	2371 Taylor Shores	5031	28	New	20230719	20230719	t
9023916461615709233	87539	Marilyn Robertson	Jessica70@gmail.com	8889257357	80561 Santos Course Apt. 706	13208	25	Regular	20230428	20230428	t
9062079310214066819	66710	Sandra Hughes	Ethan66@gmail.com	6509144443	76009 Grant Shore	24280	20	Regular	20230912	20230912	t
9093468581798449495	53129	Jasmine Jimenez	Laura20@gmail.com	5408577520	53692 Anthony Avenue Suite 327	47159	28	Regular	20240213	20240213	t
9145446209318420153	12958	Caitlin Martinez	Victor81@gmail.com	9054081358	645 Christine Bypass	91811	34	Premium	20231201	20231201	t
9175682454515480292	61672	Megan Hood	Mathew49@gmail.com	8913047718	9262 Riley Field	74800	21	Regular	20231212	20231212	t
9201876731157013682	41782	Joseph Simpson	Russell10@gmail.com	8766152868	16117 Romero Burgs	19742	26	Regular	20231208	20231208	t
938195324856542720	69449	Nicholas Richardson	Jasmine38@gmail.com	8057880890	22347 Mason Island	66874	25	New	20230313	20230313	t
945816539610440873	71119	Brian Carroll	Marcus91@gmail.com	7077837869	718 Reed Burgs Suite 187	98345	39	Premium	20240102	20240102	t
1248180225798625255	14751	Susan Ferguson	Marcus98@gmail.com	9349631640	47023 Kim Bypass Suite 519	3550	31	Premium	20240109	20240109	t
1301371109574895963	75292	Joshua Pena	Todd68@gmail.com	5723095557	1342 Mark Radial	46008	34	Regular	20240115	20240115	t
1548555623766634220	77192	Diana Mills	Catherine55@gmail.com	4550403705	91560 Lawrence Trace	6313	53	Premium	20230615	20230615	t
1885407587837647889	18198	Veronica Munoz	Willie7@gmail.com	4684205687	13735 Stewart Port Apt. 864	12006	45	Premium	20240129	20240129	t
1993178693542316758	97229	Donna Weaver	Melanie81@gmail.com	7772609672	4430 John Expressway	91221	65	Regular	20230708	20230708	t
2859283591397305601	39791	Kimberly Weaver	Kayla68@gmail.com	1240498153	888 Marilyn Divide	22630	38	Premium	20230825	20230825	t
3490242263670523667	81100	Susan Castillo	Joe95@gmail.com	1965445799	9213 Bradley Drive	63055	64	New	20231211	20231211	t
4000936463918635243	58177	Andrew Ford	Austin45@gmail.com	6443484938	640 Rachel Course	29090	65	Regular	20231011	20231011	t
4344448131657105023	31309	Charlotte Munoz	Samantha63@gmail.com	7473123524	464 Erica Alley Suite 323	96590	36	New	20240128	20240128	t
5016087862037959010	65326	Michael Bennett	Gary23@gmail.com	3085883097	50956 Haley Corner Suite 061	52238	37	Regular	20230915	20230915	t
5689183143289682210	26658	Karen Ray	Catherine54@gmail.com	9263121251	716 Tanya Curve Apt. 500	56950	48	Regular	20240210	20240210	t
6025872166153854111	44860	Natalie Peters	Whitney12@gmail.com	2879945285	04242 Ross Road	91246	22	Regular	20230309	20230309	t
7380663716195542865	99693	Jennifer Walker	Dennis22@gmail.com	7085649031	83724 Black Key	63168	39	Regular	20230927	20230927	t
8064241123105860884	59634	Tyler Howard	Philip26@gmail.com	8352580643	8793 Bobby Ridges	18085	28	Regular	20230812	20230812	t
8065088014157641638	12300	Sara Sullivan	Mark73@gmail.com	2965555915	445 Sean Rapids Apt. 863	30093	38	Premium	20231205	20231205	t
\.


--
-- Data for Name: dim_date; Type: TABLE DATA; Schema: public; Owner: till_loader
--

COPY public.dim_date (date_key, full_date, year, quarter, month, month_name, day, day_of_week, day_name, iso_week, is_weekend) FROM stdin;
0	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N
20230311	2023-03-11	2023	1	3	March	11	6	Saturday	10	t
20230312	2023-03-12	2023	1	3	March	12	7	Sunday	10	t
20230313	2023-03-13	2023	1	3	March	13	1	Monday	11	f
20230314	2023-03-14	2023	1	3	March	14	2	Tuesday	11	f
20230315	2023-03-15	2023	1	3	March	15	3	Wednesday	11	f
20230316	2023-03-16	2023	1	3	March	16	4	Thursday	11	f
20230317	2023-03-17	2023	1	3	March	17	5	Friday	11	f
20230318	2023-03-18	2023	1	3	March	18	6	Saturday	11	t
20230319	2023-03-19	2023	1	3	March	19	7	Sunday	11	t
20230320	2023-03-20	2023	1	3	March	20	1	Monday	12	f
20230321	2023-03-21	2023	1	3	March	21	2	Tuesday	12	f
20230322	2023-03-22	2023	1	3	March	22	3	Wednesday	12	f
20230323	2023-03-23	2023	1	3	March	23	4	Thursday	12	f
20230324	2023-03-24	2023	1	3	March	24	5	Friday	12	f
20230325	2023-03-25	2023	1	3	March	25	6	Saturday	12	t
20230326	2023-03-26	2023	1	3	March	26	7	Sunday	12	t
20230327	2023-03-27	2023	1	3	March	27	1	Monday	13	f
20230328	2023-03-28	2023	1	3	March	28	2	Tuesday	13	f
20230329	2023-03-29	2023	1	3	March	29	3	Wednesday	13	f
20230330	2023-03-30	2023	1	3	March	30	4	Thursday	13	f
20230331	2023-03-31	2023	1	3	March	31	5	Friday	13	f
20230401	2023-04-01	2023	2	4	April	1	6	Saturday	13	t
20230402	2023-04-02	2023	2	4	April	2	7	Sunday	13	t
20230403	2023-04-03	2023	2	4	April	3	1	Monday	14	f
20230404	2023-04-04	2023	2	4	April	4	2	Tuesday	14	f
20230405	2023-04-05	2023	2	4	April	5	3	Wednesday	14	f
20230406	2023-04-06	2023	2	4	April	6	4	Thursday	14	f
20230407	2023-04-07	2023	2	4	April	7	5	Friday	14	f
20230408	2023-04-08	2023	2	4	April	8	6	Saturday	14	t
20230409	2023-04-09	2023	2	4	April	9	7	Sunday	14	t
20230410	2023-04-10	2023	2	4	April	10	1	Monday	15	f
20230411	2023-04-11	2023	2	4	April	11	2	Tuesday	15	f
20230412	2023-04-12	2023	2	4	April	12	3	Wednesday	15	f
20230413	2023-04-13	2023	2	4	April	13	4	Thursday	15	f
20230414	2023-04-14	2023	2	4	April	14	5	Friday	15	f
20230415	2023-04-15	2023	2	4	April	15	6	Saturday	15	t
20230416	2023-04-16	2023	2	4	April	16	7	Sunday	15	t
20230417	2023-04-17	2023	2	4	April	17	1	Monday	16	f
20230418	2023-04-18	2023	2	4	April	18	2	Tuesday	16	f
20230419	2023-04-19	2023	2	4	April	19	3	Wednesday	16	f
20230420	2023-04-20	2023	2	4	April	20	4	Thursday	16	f
20230421	2023-04-21	2023	2	4	April	21	5	Friday	16	f
20230422	2023-04-22	2023	2	4	April	22	6	Saturday	16	t
20230423	2023-04-23	2023	2	4	April	23	7	Sunday	16	t
20230424	2023-04-24	2023	2	4	April	24	1	Monday	17	f
20230425	2023-04-25	2023	2	4	April	25	2	Tuesday	17	f
20230426	2023-04-26	2023	2	4	April	26	3	Wednesday	17	f
20230427	2023-04-27	2023	2	4	April	27	4	Thursday	17	f
20230428	2023-04-28	2023	2	4	April	28	5	Friday	17	f
20230429	2023-04-29	2023	2	4	April	29	6	Saturday	17	t
20230430	2023-04-30	2023	2	4	April	30	7	Sunday	17	t
20230501	2023-05-01	2023	2	5	May	1	1	Monday	18	f
20230502	2023-05-02	2023	2	5	May	2	2	Tuesday	18	f
20230503	2023-05-03	2023	2	5	May	3	3	Wednesday	18	f
20230504	2023-05-04	2023	2	5	May	4	4	Thursday	18	f
20230505	2023-05-05	2023	2	5	May	5	5	Friday	18	f
20230506	2023-05-06	2023	2	5	May	6	6	Saturday	18	t
20230507	2023-05-07	2023	2	5	May	7	7	Sunday	18	t
20230508	2023-05-08	2023	2	5	May	8	1	Monday	19	f
20230509	2023-05-09	2023	2	5	May	9	2	Tuesday	19	f
20230510	2023-05-10	2023	2	5	May	10	3	Wednesday	19	f
20230511	2023-05-11	2023	2	5	May	11	4	Thursday	19	f
20230512	2023-05-12	2023	2	5	May	12	5	Friday	19	f
20230513	2023-05-13	2023	2	5	May	13	6	Saturday	19	t
20230514	2023-05-14	2023	2	5	May	14	7	Sunday	19	t
20230515	2023-05-15	2023	2	5	May	15	1	Monday	20	f
20230516	2023-05-16	2023	2	5	May	16	2	Tuesday	20	f
20230517	2023-05-17	2023	2	5	May	17	3	Wednesday	20	f
20230518	2023-05-18	2023	2	5	May	18	4	Thursday	20	f
20230519	2023-05-19	2023	2	5	May	19	5	Friday	20	f
20230520	2023-05-20	2023	2	5	May	20	6	Saturday	20	t
20230521	2023-05-21	2023	2	5	May	21	7	Sunday	20	t
20230522	2023-05-22	2023	2	5	May	22	1	Monday	21	f
20230523	2023-05-23	2023	2	5	May	23	2	Tuesday	21	f
20230524	2023-05-24	2023	2	5	May	24	3	Wednesday	21	f
20230525	2023-05-25	2023	2	5	May	25	4	Thursday	21	f
20230526	2023-05-26	2023	2	5	May	26	5	Friday	21	f
20230527	2023-05-27	2023	2	5	May	27	6	Saturday	21	t
20230528	2023-05-28	2023	2	5	May	28	7	Sunday	21	t
20230529	2023-05-29	2023	2	5	May	29	1	Monday	22	f
20230530	2023-05-30	2023	2	5	May	30	2	Tuesday	22	f
20230531	2023-05-31	2023	2	5	May	31	3	Wednesday	22	f
20230601	2023-06-01	2023	2	6	June	1	4	Thursday	22	f
20230602	2023-06-02	2023	2	6	June	2	5	Friday	22	f
20230603	2023-06-03	2023	2	6	June	3	6	Saturday	22	t
20230604	2023-06-04	2023	2	6	June	4	7	Sunday	22	t
20230605	2023-06-05	2023	2	6	June	5	1	Monday	23	f
20230606	2023-06-06	2023	2	6	June	6	2	Tuesday	23	f
20230607	2023-06-07	2023	2	6	June	7	3	Wednesday	23	f
20230608	2023-06-08	2023	2	6	June	8	4	Thursday	23	f
20230609	2023-06-09	2023	2	6	June	9	5	Friday	23	f
20230610	2023-06-10	2023	2	6	June	10	6	Saturday	23	t
20230611	2023-06-11	2023	2	6	June	11	7	Sunday	23	t
20230612	2023-06-12	2023	2	6	June	12	1	Monday	24	f
20230613	2023-06-13	2023	2	6	June	13	2	Tuesday	24	f
20230614	2023-06-14	2023	2	6	June	14	3	Wednesday	24	f
20230615	2023-06-15	2023	2	6	June	15	4	Thursday	24	f
20230616	2023-06-16	2023	2	6	June	16	5	Friday	24	f
20230617	2023-06-17	2023	2	6	June	17	6	Saturday	24	t
20230618	2023-06-18	2023	2	6	June	18	7	Sunday	24	t
20230619	2023-06-19	2023	2	6	June	19	1	Monday	25	f
20230620	2023-06-20	2023	2	6	June	20	2	Tuesday	25	f
20230621	2023-06-21	2023	2	6	June	21	3	Wednesday	25	f
20230622	2023-06-22	2023	2	6	June	22	4	Thursday	25	f
20230623	2023-06-23	2023	2	6	June	23	5	Friday	25	f
20230624	2023-06-24	2023	2	6	June	24	6	Saturday	25	t
20230625	2023-06-25	2023	2	6	June	25	7	Sunday	25	t
20230626	2023-06-26	2023	2	6	June	26	1	Monday	26	f
20230627	2023-06-27	2023	2	6	June	27	2	Tuesday	26	f
20230628	2023-06-28	2023	2	6	June	28	3	Wednesday	26	f
20230629	2023-06-29	2023	2	6	June	29	4	Thursday	26	f
20230630	2023-06-30	2023	2	6	June	30	5	Friday	26	f
20230701	2023-07-01	2023	3	7	July	1	6	Saturday	26	t
20230702	2023-07-02	2023	3	7	July	2	7	Sunday	26	t
20230703	2023-07-03	2023	3	7	July	3	1	Monday	27	f
20230704	2023-07-04	2023	3	7	July	4	2	Tuesday	27	f
20230705	2023-07-05	2023	3	7	July	5	3	Wednesday	27	f
20230706	2023-07-06	2023	3	7	July	6	4	Thursday	27	f
20230707	2023-07-07	2023	3	7	July	7	5	Friday	27	f
20230708	2023-07-08	2023	3	7	July	8	6	Saturday	27	t
20230709	2023-07-09	2023	3	7	July	9	7	Sunday	27	t
20230710	2023-07-10	2023	3	7	July	10	1	Monday	28	f
20230711	2023-07-11	2023	3	7	July	11	2	Tuesday	28	f
20230712	2023-07-12	2023	3	7	July	12	3	Wednesday	28	f
20230713	2023-07-13	2023	3	7	July	13	4	Thursday	28	f
20230714	2023-07-14	2023	3	7	July	14	5	Friday	28	f
20230715	2023-07-15	2023	3	7	July	15	6	Saturday	28	t
20230716	2023-07-16	2023	3	7	July	16	7	Sunday	28	t
20230717	2023-07-17	2023	3	7	July	17	1	Monday	29	f
20230718	2023-07-18	2023	3	7	July	18	2	Tuesday	29	f
20230719	2023-07-19	2023	3	7	July	19	3	Wednesday	29	f
20230720	2023-07-20	2023	3	7	July	20	4	Thursday	29	f
20230721	2023-07-21	2023	3	7	July	21	5	Friday	29	f
20230722	2023-07-22	2023	3	7	July	22	6	Saturday	29	t
20230723	2023-07-23	2023	3	7	July	23	7	Sunday	29	t
20230724	2023-07-24	2023	3	7	July	24	1	Monday	30	f
20230725	2023-07-25	2023	3	7	July	25	2	Tuesday	30	f
20230726	2023-07-26	2023	3	7	July	26	3	Wednesday	30	f
20230727	2023-07-27	2023	3	7	July	27	4	Thursday	30	f
20230728	2023-07-28	2023	3	7	July	28	5	Friday	30	f
20230729	2023-07-29	2023	3	7	July	29	6	Saturday	30	t
20230730	2023-07-30	2023	3	7	July	30	7	Sunday	30	t
20230731	2023-07-31	2023	3	7	July	31	1	Monday	31	f
20230801	2023-08-01	2023	3	8	August	1	2	Tuesday	31	f
20230802	2023-08-02	2023	3	8	August	2	3	Wednesday	31	f
20230803	2023-08-03	2023	3	8	August	3	4	Thursday	31	f
20230804	2023-08-04	2023	3	8	August	4	5	Friday	31	f
20230805	2023-08-05	2023	3	8	August	5	6	Saturday	31	t
20230806	2023-08-06	2023	3	8	August	6	7	Sunday	31	t
20230807	2023-08-07	2023	3	8	August	7	1	Monday	32	f
20230808	2023-08-08	2023	3	8	August	8	2	Tuesday	32	f
20230809	2023-08-09	2023	3	8	August	9	3	Wednesday	32	f
20230810	2023-08-10	2023	3	8	August	10	4	Thursday	32	f
20230811	2023-08-11	2023	3	8	August	11	5	Friday	32	f
20230812	2023-08-12	2023	3	8	August	12	6	Saturday	32	t
20230813	2023-08-13	2023	3	8	August	13	7	Sunday	32	t
20230814	2023-08-14	2023	3	8	August	14	1	Monday	33	f
20230815	2023-08-15	2023	3	8	August	15	2	Tuesday	33	f
20230816	2023-08-16	2023	3	8	August	16	3	Wednesday	33	f
20230817	2023-08-17	2023	3	8	August	17	4	Thursday	33	f
20230818	2023-08-18	2023	3	8	August	18	5	Friday	33	f
20230819	2023-08-19	2023	3	8	August	19	6	Saturday	33	t
20230820	2023-08-20	2023	3	8	August	20	7	Sunday	33	t
20230821	2023-08-21	2023	3	8	August	21	1	Monday	34	f
20230822	2023-08-22	2023	3	8	August	22	2	Tuesday	34	f
20230823	2023-08-23	2023	3	8	August	23	3	Wednesday	34	f
20230824	2023-08-24	2023	3	8	August	24	4	Thursday	34	f
20230825	2023-08-25	2023	3	8	August	25	5	Friday	34	f
20230826	2023-08-26	2023	3	8	August	26	6	Saturday	34	t
20230827	2023-08-27	2023	3	8	August	27	7	Sunday	34	t
20230828	2023-08-28	2023	3	8	August	28	1	Monday	35	f
20230829	2023-08-29	2023	3	8	August	29	2	Tuesday	35	f
20230830	2023-08-30	2023	3	8	August	30	3	Wednesday	35	f
20230831	2023-08-31	2023	3	8	August	31	4	Thursday	35	f
20230901	2023-09-01	2023	3	9	September	1	5	Friday	35	f
20230902	2023-09-02	2023	3	9	September	2	6	Saturday	35	t
20230903	2023-09-03	2023	3	9	September	3	7	Sunday	35	t
20230904	2023-09-04	2023	3	9	September	4	1	Monday	36	f
20230905	2023-09-05	2023	3	9	September	5	2	Tuesday	36	f
20230906	2023-09-06	2023	3	9	September	6	3	Wednesday	36	f
20230907	2023-09-07	2023	3	9	September	7	4	Thursday	36	f
20230908	2023-09-08	2023	3	9	September	8	5	Friday	36	f
20230909	2023-09-09	2023	3	9	September	9	6	Saturday	36	t
20230910	2023-09-10	2023	3	9	September	10	7	Sunday	36	t
20230911	2023-09-11	2023	3	9	September	11	1	Monday	37	f
20230912	2023-09-12	2023	3	9	September	12	2	Tuesday	37	f
20230913	2023-09-13	2023	3	9	September	13	3	Wednesday	37	f
20230914	2023-09-14	2023	3	9	September	14	4	Thursday	37	f
20230915	2023-09-15	2023	3	9	September	15	5	Friday	37	f
20230916	2023-09-16	2023	3	9	September	16	6	Saturday	37	t
20230917	2023-09-17	2023	3	9	September	17	7	Sunday	37	t
20230918	2023-09-18	2023	3	9	September	18	1	Monday	38	f
20230919	2023-09-19	2023	3	9	September	19	2	Tuesday	38	f
20230920	2023-09-20	2023	3	9	September	20	3	Wednesday	38	f
20230921	2023-09-21	2023	3	9	September	21	4	Thursday	38	f
20230922	2023-09-22	2023	3	9	September	22	5	Friday	38	f
20230923	2023-09-23	2023	3	9	September	23	6	Saturday	38	t
20230924	2023-09-24	2023	3	9	September	24	7	Sunday	38	t
20230925	2023-09-25	2023	3	9	September	25	1	Monday	39	f
20230926	2023-09-26	2023	3	9	September	26	2	Tuesday	39	f
20230927	2023-09-27	2023	3	9	September	27	3	Wednesday	39	f
20230928	2023-09-28	2023	3	9	September	28	4	Thursday	39	f
20230929	2023-09-29	2023	3	9	September	29	5	Friday	39	f
20230930	2023-09-30	2023	3	9	September	30	6	Saturday	39	t
20231001	2023-10-01	2023	4	10	October	1	7	Sunday	39	t
20231002	2023-10-02	2023	4	10	October	2	1	Monday	40	f
20231003	2023-10-03	2023	4	10	October	3	2	Tuesday	40	f
20231004	2023-10-04	2023	4	10	October	4	3	Wednesday	40	f
20231005	2023-10-05	2023	4	10	October	5	4	Thursday	40	f
20231006	2023-10-06	2023	4	10	October	6	5	Friday	40	f
20231007	2023-10-07	2023	4	10	October	7	6	Saturday	40	t
20231008	2023-10-08	2023	4	10	October	8	7	Sunday	40	t
20231009	2023-10-09	2023	4	10	October	9	1	Monday	41	f
20231010	2023-10-10	2023	4	10	October	10	2	Tuesday	41	f
20231011	2023-10-11	2023	4	10	October	11	3	Wednesday	41	f
20231012	2023-10-12	2023	4	10	October	12	4	Thursday	41	f
20231013	2023-10-13	2023	4	10	October	13	5	Friday	41	f
20231014	2023-10-14	2023	4	10	October	14	6	Saturday	41	t
20231015	2023-10-15	2023	4	10	October	15	7	Sunday	41	t
20231016	2023-10-16	2023	4	10	October	16	1	Monday	42	f
20231017	2023-10-17	2023	4	10	October	17	2	Tuesday	42	f
20231018	2023-10-18	2023	4	10	October	18	3	Wednesday	42	f
20231019	2023-10-19	2023	4	10	October	19	4	Thursday	42	f
20231020	2023-10-20	2023	4	10	October	20	5	Friday	42	f
20231021	2023-10-21	2023	4	10	October	21	6	Saturday	42	t
20231022	2023-10-22	2023	4	10	October	22	7	Sunday	42	t
20231023	2023-10-23	2023	4	10	October	23	1	Monday	43	f
20231024	2023-10-24	2023	4	10	October	24	2	Tuesday	43	f
20231025	2023-10-25	2023	4	10	October	25	3	Wednesday	43	f
20231026	2023-10-26	2023	4	10	October	26	4	Thursday	43	f
20231027	2023-10-27	2023	4	10	October	27	5	Friday	43	f
20231028	2023-10-28	2023	4	10	October	28	6	Saturday	43	t
20231029	2023-10-29	2023	4	10	October	29	7	Sunday	43	t
20231030	2023-10-30	2023	4	10	October	30	1	Monday	44	f
20231031	2023-10-31	2023	4	10	October	31	2	Tuesday	44	f
20231101	2023-11-01	2023	4	11	November	1	3	Wednesday	44	f
20231102	2023-11-02	2023	4	11	November	2	4	Thursday	44	f
20231103	2023-11-03	2023	4	11	November	3	5	Friday	44	f
20231104	2023-11-04	2023	4	11	November	4	6	Saturday	44	t
20231105	2023-11-05	2023	4	11	November	5	7	Sunday	44	t
20231106	2023-11-06	2023	4	11	November	6	1	Monday	45	f
20231107	2023-11-07	2023	4	11	November	7	2	Tuesday	45	f
20231108	2023-11-08	2023	4	11	November	8	3	Wednesday	45	f
20231109	2023-11-09	2023	4	11	November	9	4	Thursday	45	f
20231110	2023-11-10	2023	4	11	November	10	5	Friday	45	f
20231111	2023-11-11	2023	4	11	November	11	6	Saturday	45	t
20231112	2023-11-12	2023	4	11	November	12	7	Sunday	45	t
20231113	2023-11-13	2023	4	11	November	13	1	Monday	46	f
20231114	2023-11-14	2023	4	11	November	14	2	Tuesday	46	f
20231115	2023-11-15	2023	4	11	November	15	3	Wednesday	46	f
20231116	2023-11-16	2023	4	11	November	16	4	Thursday	46	f
20231117	2023-11-17	2023	4	11	November	17	5	Friday	46	f
20231118	2023-11-18	2023	4	11	November	18	6	Saturday	46	t
20231119	2023-11-19	2023	4	11	November	19	7	Sunday	46	t
20231120	2023-11-20	2023	4	11	November	20	1	Monday	47	f
20231121	2023-11-21	2023	4	11	November	21	2	Tuesday	47	f
20231122	2023-11-22	2023	4	11	November	22	3	Wednesday	47	f
20231123	2023-11-23	2023	4	11	November	23	4	Thursday	47	f
20231124	2023-11-24	2023	4	11	November	24	5	Friday	47	f
20231125	2023-11-25	2023	4	11	November	25	6	Saturday	47	t
20231126	2023-11-26	2023	4	11	November	26	7	Sunday	47	t
20231127	2023-11-27	2023	4	11	November	27	1	Monday	48	f
20231128	2023-11-28	2023	4	11	November	28	2	Tuesday	48	f
20231129	2023-11-29	2023	4	11	November	29	3	Wednesday	48	f
20231130	2023-11-30	2023	4	11	November	30	4	Thursday	48	f
20231201	2023-12-01	2023	4	12	December	1	5	Friday	48	f
20231202	2023-12-02	2023	4	12	December	2	6	Saturday	48	t
20231203	2023-12-03	2023	4	12	December	3	7	Sunday	48	t
20231204	2023-12-04	2023	4	12	December	4	1	Monday	49	f
20231205	2023-12-05	2023	4	12	December	5	2	Tuesday	49	f
20231206	2023-12-06	2023	4	12	December	6	3	Wednesday	49	f
20231207	2023-12-07	2023	4	12	December	7	4	Thursday	49	f
20231208	2023-12-08	2023	4	12	December	8	5	Friday	49	f
20231209	2023-12-09	2023	4	12	December	9	6	Saturday	49	t
20231210	2023-12-10	2023	4	12	December	10	7	Sunday	49	t
20231211	2023-12-11	2023	4	12	December	11	1	Monday	50	f
20231212	2023-12-12	2023	4	12	December	12	2	Tuesday	50	f
20231213	2023-12-13	2023	4	12	December	13	3	Wednesday	50	f
20231214	2023-12-14	2023	4	12	December	14	4	Thursday	50	f
20231215	2023-12-15	2023	4	12	December	15	5	Friday	50	f
20231216	2023-12-16	2023	4	12	December	16	6	Saturday	50	t
20231217	2023-12-17	2023	4	12	December	17	7	Sunday	50	t
20231218	2023-12-18	2023	4	12	December	18	1	Monday	51	f
20231219	2023-12-19	2023	4	12	December	19	2	Tuesday	51	f
20231220	2023-12-20	2023	4	12	December	20	3	Wednesday	51	f
20231221	2023-12-21	2023	4	12	December	21	4	Thursday	51	f
20231222	2023-12-22	2023	4	12	December	22	5	Friday	51	f
20231223	2023-12-23	2023	4	12	December	23	6	Saturday	51	t
20231224	2023-12-24	2023	4	12	December	24	7	Sunday	51	t
20231225	2023-12-25	2023	4	12	December	25	1	Monday	52	f
20231226	2023-12-26	2023	4	12	December	26	2	Tuesday	52	f
20231227	2023-12-27	2023	4	12	December	27	3	Wednesday	52	f
20231228	2023-12-28	2023	4	12	December	28	4	Thursday	52	f
20231229	2023-12-29	2023	4	12	December	29	5	Friday	52	f
20231230	2023-12-30	2023	4	12	December	30	6	Saturday	52	t
20231231	2023-12-31	2023	4	12	December	31	7	Sunday	52	t
20240101	2024-01-01	2024	1	1	January	1	1	Monday	1	f
20240102	2024-01-02	2024	1	1	January	2	2	Tuesday	1	f
20240103	2024-01-03	2024	1	1	January	3	3	Wednesday	1	f
20240104	2024-01-04	2024	1	1	January	4	4	Thursday	1	f
20240105	2024-01-05	2024	1	1	January	5	5	Friday	1	f
20240106	2024-01-06	2024	1	1	January	6	6	Saturday	1	t
20240107	2024-01-07	2024	1	1	January	7	7	Sunday	1	t
20240108	2024-01-08	2024	1	1	January	8	1	Monday	2	f
20240109	2024-01-09	2024	1	1	January	9	2	Tuesday	2	f
20240110	2024-01-10	2024	1	1	January	10	3	Wednesday	2	f
20240111	2024-01-11	2024	1	1	January	11	4	Thursday	2	f
20240112	2024-01-12	2024	1	1	January	12	5	Friday	2	f
20240113	2024-01-13	2024	1	1	January	13	6	Saturday	2	t
20240114	2024-01-14	2024	1	1	January	14	7	Sunday	2	t
20240115	2024-01-15	2024	1	1	January	15	1	Monday	3	f
20240116	2024-01-16	2024	1	1	January	16	2	Tuesday	3	f
20240117	2024-01-17	2024	1	1	January	17	3	Wednesday	3	f
20240118	2024-01-18	2024	1	1	January	18	4	Thursday	3	f
20240119	2024-01-19	2024	1	1	January	19	5	Friday	3	f
20240120	2024-01-20	2024	1	1	January	20	6	Saturday	3	t
20240121	2024-01-21	2024	1	1	January	21	7	Sunday	3	t
20240122	2024-01-22	2024	1	1	January	22	1	Monday	4	f
20240123	2024-01-23	2024	1	1	January	23	2	Tuesday	4	f
20240124	2024-01-24	2024	1	1	January	24	3	Wednesday	4	f
20240125	2024-01-25	2024	1	1	January	25	4	Thursday	4	f
20240126	2024-01-26	2024	1	1	January	26	5	Friday	4	f
20240127	2024-01-27	2024	1	1	January	27	6	Saturday	4	t
20240128	2024-01-28	2024	1	1	January	28	7	Sunday	4	t
20240129	2024-01-29	2024	1	1	January	29	1	Monday	5	f
20240130	2024-01-30	2024	1	1	January	30	2	Tuesday	5	f
20240131	2024-01-31	2024	1	1	January	31	3	Wednesday	5	f
20240201	2024-02-01	2024	1	2	February	1	4	Thursday	5	f
20240202	2024-02-02	2024	1	2	February	2	5	Friday	5	f
20240203	2024-02-03	2024	1	2	February	3	6	Saturday	5	t
20240204	2024-02-04	2024	1	2	February	4	7	Sunday	5	t
20240205	2024-02-05	2024	1	2	February	5	1	Monday	6	f
20240206	2024-02-06	2024	1	2	February	6	2	Tuesday	6	f
20240207	2024-02-07	2024	1	2	February	7	3	Wednesday	6	f
20240208	2024-02-08	2024	1	2	February	8	4	Thursday	6	f
20240209	2024-02-09	2024	1	2	February	9	5	Friday	6	f
20240210	2024-02-10	2024	1	2	February	10	6	Saturday	6	t
20240211	2024-02-11	2024	1	2	February	11	7	Sunday	6	t
20240212	2024-02-12	2024	1	2	February	12	1	Monday	7	f
20240213	2024-02-13	2024	1	2	February	13	2	Tuesday	7	f
20240214	2024-02-14	2024	1	2	February	14	3	Wednesday	7	f
20240215	2024-02-15	2024	1	2	February	15	4	Thursday	7	f
20240216	2024-02-16	2024	1	2	February	16	5	Friday	7	f
20240217	2024-02-17	2024	1	2	February	17	6	Saturday	7	t
20240218	2024-02-18	2024	1	2	February	18	7	Sunday	7	t
20240219	2024-02-19	2024	1	2	February	19	1	Monday	8	f
20240220	2024-02-20	2024	1	2	February	20	2	Tuesday	8	f
20240221	2024-02-21	2024	1	2	February	21	3	Wednesday	8	f
20240222	2024-02-22	2024	1	2	February	22	4	Thursday	8	f
20240223	2024-02-23	2024	1	2	February	23	5	Friday	8	f
20240224	2024-02-24	2024	1	2	February	24	6	Saturday	8	t
20240225	2024-02-25	2024	1	2	February	25	7	Sunday	8	t
20240226	2024-02-26	2024	1	2	February	26	1	Monday	9	f
20240227	2024-02-27	2024	1	2	February	27	2	Tuesday	9	f
20230303	2023-03-03	2023	1	3	March	3	5	Friday	9	f
20230304	2023-03-04	2023	1	3	March	4	6	Saturday	9	t
20230305	2023-03-05	2023	1	3	March	5	7	Sunday	9	t
20230306	2023-03-06	2023	1	3	March	6	1	Monday	10	f
20230307	2023-03-07	2023	1	3	March	7	2	Tuesday	10	f
20230308	2023-03-08	2023	1	3	March	8	3	Wednesday	10	f
20230309	2023-03-09	2023	1	3	March	9	4	Thursday	10	f
20230310	2023-03-10	2023	1	3	March	10	5	Friday	10	f
20240228	2024-02-28	2024	1	2	February	28	3	Wednesday	9	f
20240229	2024-02-29	2024	1	2	February	29	4	Thursday	9	f
\.


--
-- Data for Name: dim_feedback; Type: TABLE DATA; Schema: public; Owner: till_loader
--

COPY public.dim_feedback (feedback_key, feedback) FROM stdin;
0	\N
1300993507067652279	Average
3277034209769658927	Bad
6699951344258863164	Good
8779073609473942559	Excellent
\.


--
-- Data for Name: dim_gender; Type: TABLE DATA; Schema: public; Owner: till_loader
--

COPY public.dim_gender (gender_key, gender) FROM stdin;
0	\N
4665341905627265348	Male
7902075675518600258	Female
\.


--
-- Data for Name: dim_income; Type: TABLE DATA; Schema: public; Owner: till_loader
--

COPY public.dim_income (income_key, income) FROM stdin;
0	\N
2402435069316225259	Medium
5114399204843502590	High
8183599263709498900	Low
\.


--
-- Data for Name: dim_location; Type: TABLE DATA; Schema: public; Owner: till_loader
--

COPY public.dim_location (location_key, country, state, city) FROM stdin;
0	\N	\N	\N
186854358961590344	USA	New Mexico	Fort Worth
220904640148781098	UK	England	Brighton
669455167070959533	USA	West Virginia	Tucson
1192305808225982452	Canada	Ontario	Kitchener
3058454075832894329	USA	Missouri	Charlotte
5337924886136096825	USA	Kansas	New York
6301148280641263792	USA	Utah	New York
7873777518505348088	USA	Alaska	Austin
33894273667178867	USA	Hawaii	Virginia Beach
109216504185084859	USA	West Virginia	Omaha
169760616130018038	Canada	Ontario	Toronto
616698143390700118	USA	Connecticut	Chicago
670077955265935290	USA	Arkansas	San Jose
730223404041251224	USA	New Hampshire	Philadelphia
832472390312186574	USA	New Jersey	Omaha
834174529539961598	USA	Wyoming	Virginia Beach
851711656171126758	USA	Rhode Island	Portland
998964869825215106	Germany	Berlin	Bonn
1000743649868808027	Canada	Ontario	Oshawa
1007045662977668614	Canada	Ontario	Ottawa
1252027918405037477	USA	California	Cleveland
1451165005645466750	USA	Maryland	Atlanta
1463828382755023188	USA	Minnesota	Nashville
1527548943459348582	Canada	Ontario	Winnipeg
1617561802404543285	Australia	New South Wales	Townsville
1730865124068156549	Australia	New South Wales	Toowoomba
1831128940161670091	USA	Mississippi	Omaha
1847429016856337991	USA	Kansas	Oklahoma City
1876801684072968067	Canada	Ontario	Regina
1911283305398904337	Germany	Berlin	Hamburg
1939928716752733010	USA	Georgia	Washington
2164204566162526231	Canada	Ontario	Montreal
2314360894057807153	UK	England	Leicester
2356611805429297939	USA	West Virginia	Columbus
2380316955689536853	Germany	Berlin	Düsseldorf
2617209251591080618	Germany	Berlin	Bremen
2706220781223020931	USA	Louisiana	San Francisco
2817016266940070882	Australia	New South Wales	Gold Coast
3075603442720724206	USA	Massachusetts	Washington
3132951501676672935	UK	England	Belfast
3168629426351096993	USA	Connecticut	Minneapolis
3172310873705320369	Germany	Berlin	Dortmund
3247090749921864876	USA	North Carolina	Wichita
3291235422470632446	USA	Florida	Memphis
3316156713895583317	USA	Louisiana	Detroit
3362578216736806205	USA	Indiana	Seattle
3373850073027936020	USA	Oklahoma	Denver
3459370833708156315	Australia	New South Wales	Brisbane
3542105725174280757	USA	Ohio	Louisville
3571332765194210973	USA	Washington	Fresno
3582117486104673107	USA	Wyoming	Boston
3599352198109969386	USA	Colorado	Mesa
3782194584242579567	USA	Vermont	Raleigh
3849015361012807775	Canada	Ontario	Hamilton
3961487534319268008	USA	Georgia	Boston
4072540382700542048	USA	Maine	San Francisco
4138758047206174947	Australia	New South Wales	Wollongong
4230604909014798483	Germany	Berlin	Cologne
4396591922931781326	USA	Colorado	Las Vegas
4439655146870939632	Canada	Ontario	Victoria
4549149176851401337	Germany	Berlin	Wuppertal
4608018652088828621	USA	Oklahoma	Chicago
4711630690390333513	USA	New York	Kansas City
4754477971303401366	USA	Kansas	Miami
4978362718745764423	Australia	New South Wales	Hobart
5177881499942021269	Germany	Berlin	Berlin
5201856103461848572	Australia	New South Wales	Geelong
5260652445574865138	UK	England	Cardiff
5333040254638063553	Australia	New South Wales	Melbourne
5520430359789934005	Canada	Ontario	Edmonton
5588281109588646883	USA	North Carolina	Oklahoma City
5610312001870219671	UK	England	Hull
5611938875979538062	Australia	New South Wales	Darwin
5619237168680567017	Australia	New South Wales	Mackay
5729511778960839897	USA	Mississippi	Jacksonville
5739564075190377154	Australia	New South Wales	Canberra
5815671826642840264	USA	Minnesota	Phoenix
5991575681659078377	USA	Montana	Mesa
6018385623252828113	USA	Minnesota	San Jose
6049657682037134396	UK	England	Leeds
6096134981037631657	Australia	New South Wales	Perth
6293589720809816206	USA	Nebraska	Cleveland
6337453281696436236	Germany	Berlin	Hanover
6648704367086648657	UK	England	Southampton
6671709415065206198	Germany	Berlin	Bielefeld
6724520765614032527	UK	England	Nottingham
6748533973009615670	USA	Pennsylvania	Austin
6965750019176464751	Australia	New South Wales	Cairns
7004098103623908199	UK	England	Liverpool
7094516726884680728	USA	Oklahoma	Miami
7154876963753375226	Australia	New South Wales	Newcastle
7266497323138620008	USA	Idaho	Denver
7314142977906897315	UK	England	Birmingham
7420408320671613099	USA	Illinois	Dallas
7483006080159680974	USA	New York	Phoenix
7489493017240308371	USA	Rhode Island	Jacksonville
7587933738992292696	USA	Hawaii	Jacksonville
7698496284648845428	USA	Texas	Miami
7748044289232601542	USA	Vermont	San Jose
7826494687269153390	Australia	New South Wales	Launceston
8039617372485997782	UK	England	Edinburgh
8501337312684231591	UK	England	Portsmouth
160572395460023348	Australia	New South Wales	Ballarat
952025920944281578	Germany	Berlin	Frankfurt
2306013099548026827	Germany	Berlin	Munich
2511556144638593038	Germany	Berlin	Dresden
3628090923200964683	Canada	Ontario	Windsor
4317332401472642291	UK	England	Glasgow
5513294983240062006	Canada	Ontario	Halifax
8045013431710874813	Canada	Ontario	Quebec City
8055103284864121366	Canada	Ontario	Barrie
8062239926449364087	\N	Berlin	Bonn
8137191955069996441	Canada	Ontario	London
8280719774265815253	Germany	Berlin	Duisburg
8318289201248142777	USA	Wisconsin	Minneapolis
8441410012403018643	USA	Arizona	Colorado Springs
8752459056060875545	Germany	Berlin	Nuremberg
8754006251907555891	Germany	Berlin	Leipzig
8823975144379560424	UK	England	London
8868866826871025994	USA	Wyoming	Memphis
8877600371860129668	USA	Maine	Dallas
8879298511514669030	USA	Kentucky	New Orleans
9048964763842751776	USA	Louisiana	Los Angeles
9167514328142326659	USA	Tennessee	Denver
9207061009375008101	UK	England	Bristol
2007382265304785890	Canada	Ontario	Saskatoon
3270692143786913202	USA	Idaho	Charlotte
3911693871063282019	USA	Rhode Island	Washington
4017145635426257599	USA	New Hampshire	Wichita
4801260366916867668	USA	Arizona	Virginia Beach
4994519597240277510	USA	New Jersey	Detroit
6890547988069403448	USA	Alabama	Los Angeles
8088710273450193743	UK	England	Oxford
8275458409561118953	Australia	New South Wales	Sydney
9161710424903115179	USA	Illinois	Long Beach
\.


--
-- Data for Name: dim_order_status; Type: TABLE DATA; Schema: public; Owner: till_loader
--

COPY public.dim_order_status (order_status_key, order_status) FROM stdin;
0	\N
1465972130619841893	Processing
1499896578880233508	Delivered
4469974626676665325	Pending
4784586313023212920	Shipped
\.


--
-- Data for Name: dim_payment_method; Type: TABLE DATA; Schema: public; Owner: till_loader
--

COPY public.dim_payment_method (payment_method_key, payment_method) FROM stdin;
0	\N
4579842196452395740	Debit Card
5169511875131223044	PayPal
5957755545949158282	Cash
6965644755176954632	Credit Card
\.


--
-- Data for Name: dim_product; Type: TABLE DATA; Schema: public; Owner: till_loader
--

COPY public.dim_product (product_key, category, brand, product_type, product_name) FROM stdin;
0	\N	\N	\N	\N
495145404162203786	Books	Random House	Non-Fiction	Science
1011935599746021514	Electronics	Samsung	Tablet	Lenovo Tab
1819478205905204333	Books	Penguin Books	Fiction	Historical fiction
2176843968929367840	Home Decor	Home Depot	Tools	Level
2198731999531200832	Home Decor	Home Depot	Decorations	Clocks
2957238047301803882	Home Decor	Home Depot	Decorations	Candles
3131308604101627157	Home Decor	IKEA	Furniture	TV stand
3439685380405350152	Grocery	Nestle	Chocolate	Chocolate cookies
3966788511723900987	Clothing	Adidas	Jacket	Parka
4232315660993782997	Books	Penguin Books	Children's	Puzzles
4278454088739294856	Books	Random House	Fiction	Science fiction
4452813156595009346	Home Decor	Home Depot	Tools	Utility knife
4506876055838097480	Electronics	Apple	Laptop	Asus ZenBook
5219385830484391292	Clothing	Nike	Shorts	Chino shorts
5225631679034654017	Clothing	Zara	Shirt	Dress shirt
6544969977305052603	Electronics	Apple	Laptop	LG Gram
8135186172892800855	Grocery	Nestle	Chocolate	Dark chocolate
8851836486010613890	Electronics	Apple	Smartphone	Motorola Moto
9022060767484518695	Electronics	Samsung	Tablet	Huawei MediaPad
9119553245841062956	Electronics	Samsung	Television	QLED TV
18864135668605849	Home Decor	IKEA	Furniture	Desk
152820917593507293	Clothing	Nike	T-shirt	Crop top
186649830568322772	Home Decor	Bed Bath & Beyond	Kitchen	Stove
226177771286581672	Electronics	Apple	Laptop	MacBook
272367100725095735	Electronics	Sony	Television	4K TV
280050955649482731	Clothing	Adidas	T-shirt	Off-the-shoulder tee
284926564358527057	Books	Random House	Fiction	Historical fiction
390227402890020865	Electronics	Whirepool	Fridge	Mini fridge
461447587201576384	Electronics	Apple	Tablet	Microsoft Surface
487118262104825041	Home Decor	Bed Bath & Beyond	Bedding	Blanket
492628296355901853	Electronics	Mitsubhisi	Mitsubishi 1.5 Ton 3 Star Split AC	Inverter AC
650366674812615847	Grocery	Nestle	Chocolate	Chocolate-covered fruits
674132406512401965	Electronics	Mitsubhisi	Mitsubishi 1.5 Ton 3 Star Split AC	Split AC
804688858128373132	Electronics	Whirepool	Fridge	Bottom-freezer refrigerator
858829859822735460	Grocery	Nestle	Snacks	Beef jerky
931875885462564530	Books	HarperCollins	Thriller	Legal thriller
970826370932645996	Home Decor	Home Depot	Decorations	Mirrors
1007106972475137134	Home Decor	Bed Bath & Beyond	Kitchen	Toaster
1017630205353908712	Books	Penguin Books	Fiction	Romance
1046394383368379393	Clothing	Zara	Shirt	Tank top
1103575889967968747	Grocery	Coca-Cola	Juice	Mixed fruit juice
1129864339194314848	Grocery	Pepsi	Soft Drink	Energy drink
1161640914331254180	Grocery	Coca-Cola	Water	Artesian water
1170333118951025559	Electronics	Whirepool	Fridge	Side-by-side refrigerator
1214541121746906109	Grocery	Coca-Cola	Water	Spring water
1231989453354376649	Grocery	Nestle	Coffee	Macchiato
1250650187649431928	Clothing	Nike	Shoes	Sandals
1339031307923308014	Books	HarperCollins	Non-Fiction	Psychology
1380661903818822538	Clothing	Nike	Shoes	High heels
1389896429064189342	Electronics	Apple	Laptop	Microsoft Surface Laptop
1420789428852113669	Electronics	Samsung	Smartphone	Samsung Galaxy
1473919298017326825	Books	Penguin Books	Fiction	Horror
1498634491308098275	Clothing	Adidas	Shoes	Espadrilles
1564325871567643421	Home Decor	Home Depot	Furniture	Bookshelf
1608511707942472499	Books	HarperCollins	Fiction	Dystopian
1617322854906378561	Home Decor	IKEA	Decorations	Clocks
1683286956725855157	Home Decor	IKEA	Furniture	Dining table
1693625011123776679	Books	HarperCollins	Fiction	Literary fiction
1733091901881032728	Books	Random House	Non-Fiction	History
1803990930704842234	Books	Random House	Non-Fiction	Memoir
1825337889260666612	Books	HarperCollins	Thriller	Suspense
1842603378266948940	Books	HarperCollins	Thriller	Action
1894594524276588383	Home Decor	Bed Bath & Beyond	Kitchen	Oven
1909718883320772834	Home Decor	Home Depot	Tools	Drill
1981394213305517727	Clothing	Zara	Jeans	Low-rise jeans
2134463830362384962	Home Decor	IKEA	Lighting	Chandeliers
2135179599057906585	Electronics	Samsung	Smartphone	OnePlus
2155882260062762059	Grocery	Nestle	Snacks	Trail mix
2370643398489477492	Electronics	Whirepool	Fridge	Stainless steel refrigerator
2373603983743139664	Clothing	Zara	Shirt	Sweatshirt
2448574084158905767	Books	Random House	Fiction	Mystery
2468268556178875201	Electronics	Sony	Television	QLED TV
2532552060154547261	Clothing	Adidas	Jacket	Bomber jacket
2536074911805485460	Grocery	Nestle	Chocolate	Milk chocolate
2610154066841190248	Home Decor	Home Depot	Decorations	Wall art
2705379592043896848	Books	Random House	Fiction	Thriller
2786127154791360099	Books	Random House	Non-Fiction	Health
2812292064937308690	Electronics	Sony	Headphones	DJ headphones
2831290834992977499	Books	HarperCollins	Non-Fiction	Biography
2865748386132200640	Clothing	Adidas	Shoes	High heels
2889034617930680785	Electronics	Sony	Headphones	Studio headphones
3064511073887802369	Home Decor	Bed Bath & Beyond	Kitchen	Refrigerator
3100975571662466340	Home Decor	Home Depot	Tools	Caulking gun
3128930242769268312	Books	HarperCollins	Fiction	Romance
3153303140054140965	Home Decor	Home Depot	Tools	Tape measure
3159922748477665759	Clothing	Nike	T-shirt	Off-the-shoulder tee
3239590604523987002	Clothing	Adidas	T-shirt	Raglan tee
3270948799067781828	Electronics	BlueStar	BlueStar AC	Mini-split AC
3272398560105420177	Clothing	Adidas	Shoes	Sandals
3324763769648935808	Electronics	Apple	Smartphone	Xiaomi Mi
3392243254884722024	Grocery	Pepsi	Juice	Mango juice
3470038409351398370	Home Decor	IKEA	Furniture	Coffee table
2536748685650437950	Clothing	Nike	T-shirt	Scoop neck tee
3137718831277852068	Books	Penguin Books	Non-Fiction	Science
3479255247577017145	Books	HarperCollins	Non-Fiction	Business
3482110807639970521	Electronics	Apple	Tablet	Amazon Fire Tablet
3504737464531790094	Clothing	Nike	Shorts	Cargo shorts
3672660804991804027	Home Decor	Home Depot	Decorations	Picture frames
4017429372916742315	Electronics	Sony	Headphones	In-ear headphones
4157624288042214525	Electronics	Samsung	Smartphone	Huawei P
4177574273225112527	Grocery	Pepsi	Soft Drink	Ginger ale
4245166572702109449	Grocery	Nestle	Snacks	Cheese snacks
4247419253700176289	Clothing	Zara	Dress	Wrap dress
4292674394084453312	Electronics	Apple	Tablet	Lenovo Tab
4292954461926527594	Clothing	Adidas	T-shirt	Scoop neck tee
4293091933179497634	Home Decor	Bed Bath & Beyond	Bedding	Bed sheet set
4348626240438136641	Home Decor	IKEA	Decorations	Sculptures
4447570258852224685	Electronics	Samsung	Tablet	Samsung Galaxy Tab
4481885560925720382	Home Decor	Bed Bath & Beyond	Bathroom	Bathtub
4750976177364216927	Grocery	Pepsi	Juice	Grapefruit juice
4903405728345969499	Clothing	Nike	Shoes	Espadrilles
4909235679299938502	Home Decor	Bed Bath & Beyond	Bedding	Comforter
4936719017852106372	Electronics	Whirepool	Fridge	Black refrigerator
5118952606622792536	Grocery	Nestle	Snacks	Pretzels
5123303366542911309	Home Decor	IKEA	Lighting	Pendant lights
5188525077257165883	Clothing	Adidas	Shoes	Slippers
5224741160542239501	Electronics	Apple	Tablet	Samsung Galaxy Tab
5292905380035864850	Electronics	Samsung	Smartphone	Sony Xperia
5301468882992321144	Clothing	Zara	Jeans	Wide-leg jeans
5312989232158425840	Clothing	Zara	Jeans	Bootcut jeans
5325186406922177918	Grocery	Nestle	Snacks	Popcorn
5382238656642493174	Books	Penguin Books	Children's	Clothing
5427354594237660836	Electronics	Sony	Smartphone	Xiaomi Mi
5634432950901055067	Books	Random House	Non-Fiction	Psychology
5694492053494735293	Grocery	Coca-Cola	Soft Drink	Energy drink
5740734599694796881	Books	Penguin Books	Children's	Sports equipment
5773010962401374001	Clothing	Adidas	T-shirt	Plain tee
5788539305347299381	Books	HarperCollins	Thriller	Mystery
5858132050965728978	Grocery	Nestle	Snacks	Chips
5870443855860653919	Electronics	Apple	Smartphone	iPhone
5900041370555196859	Clothing	Adidas	T-shirt	Henley tee
5914929684497161360	Electronics	Samsung	Tablet	Microsoft Surface
5933040552797113584	Clothing	Zara	Dress	Casual dress
6006788252571430849	Books	HarperCollins	Fiction	Historical fiction
6008623361206411980	Clothing	Adidas	Jacket	Varsity jacket
6016247018681337992	Electronics	Sony	Smartphone	Motorola Moto
6253867492847278087	Books	Penguin Books	Non-Fiction	Travel
6360392848087617594	Home Decor	Home Depot	Furniture	Desk
6384623912099394362	Grocery	Pepsi	Water	Bottled water
6430614488762267501	Clothing	Nike	T-shirt	V-neck tee
6577722648932523445	Clothing	Adidas	Jacket	Denim jacket
6641511434424393559	Clothing	Zara	Dress	A-line dress
6647539194948129767	Electronics	Sony	Smartphone	Huawei P
6653431671465656053	Books	Penguin Books	Non-Fiction	Self-help
6674047498541147284	Grocery	Nestle	Coffee	Mocha
6810059474795854084	Clothing	Zara	Dress	Sundress
6836331251645832417	Grocery	Nestle	Chocolate	Chocolate mousse
7000920280767508366	Grocery	Coca-Cola	Soft Drink	Ginger ale
7125661970517456472	Home Decor	Home Depot	Decorations	Curtains
7188996382150761220	Clothing	Adidas	Shoes	Sneakers
7235732778501158759	Books	Penguin Books	Children's	Educational kits
7265231740163463002	Electronics	Samsung	Tablet	Asus ZenPad
7266856864737249672	Clothing	Adidas	Jacket	Peacoat
7375632427708127395	Electronics	Sony	Smartphone	LG G
7456313531313885920	Electronics	BlueStar	BlueStar AC	Package AC
7559801013689029179	Books	Random House	Literature	Poetry
7582592283286783530	Clothing	Nike	Shorts	Cycling shorts
7619665621871476472	Grocery	Pepsi	Juice	Mixed fruit juice
7663924451003692181	Grocery	Nestle	Coffee	Coffee beans
7726412228815919407	Clothing	Zara	Jeans	High-waisted jeans
7799079653514825550	Books	HarperCollins	Fiction	Science fiction
7850355628199639256	Electronics	Apple	Laptop	HP Spectre
8009768062903163018	Grocery	Coca-Cola	Soft Drink	Orange soda
8111969738533422015	Home Decor	Home Depot	Tools	Wrench
8161036496015156473	Clothing	Nike	T-shirt	Crew neck tee
8248201396492909841	Home Decor	Bed Bath & Beyond	Bathroom	Toothbrush holder
8284042555090901270	Grocery	Coca-Cola	Juice	Apple juice
8296577792001289316	Home Decor	Bed Bath & Beyond	Bedding	Bed skirt
8304521914659795759	Books	Random House	Literature	Drama
8371632053367251912	Books	Penguin Books	Non-Fiction	Cooking
8414861172530845944	Home Decor	Home Depot	Tools	Screwdriver set
8464177300458354257	Clothing	Zara	Jeans	Boyfriend jeans
8485102925536643457	Electronics	Samsung	Tablet	Google Pixel Slate
8580158894252977480	Clothing	Zara	Jeans	Distressed jeans
8675497189462656265	Home Decor	Home Depot	Furniture	Coffee table
8796527901926304459	Grocery	Coca-Cola	Juice	Pomegranate juice
8803513143075177931	Electronics	Samsung	Tablet	iPad
8841223095174752300	Electronics	Sony	Television	Plasma TV
8861132144306318156	Electronics	Samsung	Television	Smart TV
8875030397137270149	Home Decor	IKEA	Lighting	Wall sconces
8998456626656758472	Grocery	Coca-Cola	Juice	Orange juice
294090821942535470	Grocery	Pepsi	Water	Purified water
1268234542718143226	Home Decor	Bed Bath & Beyond	Bathroom	Sink
2703134588160232391	Grocery	Pepsi	Juice	Cranberry juice
3371201225718676021	Electronics	Sony	Smartphone	iPhone
4407186664132626709	Home Decor	IKEA	Decorations	Picture frames
4848749024633836911	Clothing	Nike	Shorts	Athletic shorts
4965386795521307600	Grocery	Pepsi	Water	Artesian water
5161743160280960495	Books	Random House	Fiction	Adventure
5906908977416825799	Electronics	Apple	Tablet	Huawei MediaPad
6265396850881007976	Home Decor	Home Depot	Furniture	Nightstand
6520956259534266168	Grocery	Pepsi	Water	Distilled water
6579196315252541554	Clothing	Adidas	T-shirt	Crop top
7056186954175327533	Electronics	Apple	Smartphone	Samsung Galaxy
8474606240020896452	Electronics	Sony	Headphones	Gaming headphones
8858369949423181985	Grocery	Coca-Cola	Juice	Grapefruit juice
\.


--
-- Data for Name: dim_shipping_method; Type: TABLE DATA; Schema: public; Owner: till_loader
--

COPY public.dim_shipping_method (shipping_method_key, shipping_method) FROM stdin;
0	\N
996337755272171651	Same-Day
2209045576352654431	Standard
8186609969536655137	Express
\.


--
-- Data for Name: etl_file; Type: TABLE DATA; Schema: public; Owner: till_loader
--

COPY public.etl_file (file_id, run_id, uri, sha256, size_bytes, status, rows_read, rows_loaded, rows_rejected, rows_duplicate, values_nulled, year_mismatches, month_mismatches, extra_columns, missing_columns, same_content_as, error, started_at, finished_at) FROM stdin;
1	1	/tmp/tmp.P7KboBx89c/in/real_rows_30.csv	bbb1b5555b4f3c3c4764baa059dc8487e712ec9aa6e52c6caf9c99e296c6ac7c	8395	loaded	30	30	0	0	0	0	0	row_index	\N	\N	\N	2026-12-06 17:15:46.269+00	2026-12-06 17:15:46.345+00
2	1	/tmp/tmp.P7KboBx89c/in/generated_200.csv	070e60e8e12c86a44cb73a1138edde30731fe8a823a42ff90b8f974569f5675c	56514	loaded	200	200	0	0	0	0	50	\N	\N	\N	\N	2026-12-06 17:15:46.412+00	2026-12-06 17:15:46.501+00
3	2	/tmp/tmp.P7KboBx89c/in/spoilt_20.csv	b0bca7e51d051de851de6bbfc8cc1b59424516f8f3b5bb59b4f36a565fe79239	5885	loaded	20	17	3	0	0	0	6	\N	\N	\N	\N	2026-12-06 17:15:46.699+00	2026-12-06 17:15:46.826+00
4	3	/tmp/tmp.P7KboBx89c/in/real_rows_30.csv	bbb1b5555b4f3c3c4764baa059dc8487e712ec9aa6e52c6caf9c99e296c6ac7c	8395	skipped	0	0	0	0	0	0	0	\N	\N	1	content already loaded as file 1	2026-12-06 17:15:47.024+00	2026-12-06 17:15:47.039+00
\.


--
-- Data for Name: etl_reject; Type: TABLE DATA; Schema: public; Owner: till_loader
--

COPY public.etl_reject (reject_id, file_id, line, column_name, reason, message, raw_line, row_rejected) FROM stdin;
1	3	6	Date	bad_date	'31/31/2023' is not a month-first date	8632319.0,70021.0,Philip Ramirez,Kevin37@gmail.com,4917517624.0,15269 Nancy Mills,Philadelphia,Iowa,12656.0,USA,24.0,Male,Medium,Premium,31/31/2023,2023.0,April,0:32:40,6.0,78.55462974,471.3277784,Clothing,Zara,Jeans,Excellent,Standard,Credit Card,Processing,5.0,Skinny jeans	t
2	3	12	Amount	bad_number	'n/a' is not a number	9008905.0,65852.0,Alexis Lopez,Jerry33@gmail.com,2812555757.0,9744 Marcus Union,Montreal,Ontario,61930.0,Canada,28.0,Male,High,Regular,11/23/2023,2023.0,November,12:12:17,9.0,n/a,1609.984904,Books,HarperCollins,Non-Fiction,Excellent,Express,Debit Card,Pending,4.0,Health	t
3	3	18	Total_Purchases	non_positive_quantity	the quantity is zero or negative	7797149.0,44569.0,Gerald Brown,Diane43@gmail.com,7036770576.0,6001 Mark Points Suite 078,Sacramento,Hawaii,73945.0,USA,53.0,Male,Medium,Premium,11-03-23,2023.0,November,9:57:35,0,354.3026823,3188.724141,Home Decor,Bed Bath & Beyond,Bathroom,Average,Standard,PayPal,Pending,2.0,Towel rack	t
\.


--
-- Data for Name: etl_run; Type: TABLE DATA; Schema: public; Owner: till_loader
--

COPY public.etl_run (run_id, trigger, started_at, finished_at, status, error, till_version) FROM stdin;
1	cli	2026-12-06 17:15:46.265+00	2026-12-06 17:15:46.538+00	succeeded	\N	0.1.0
2	cli	2026-12-06 17:15:46.694+00	2026-12-06 17:15:46.87+00	succeeded	\N	0.1.0
3	cli	2026-12-06 17:15:47.013+00	2026-12-06 17:15:47.056+00	succeeded	\N	0.1.0
\.


--
-- Data for Name: etl_step; Type: TABLE DATA; Schema: public; Owner: till_loader
--

COPY public.etl_step (run_id, file_id, step, rows, seconds) FROM stdin;
1	1	read	30	0.015120574
1	1	gender	2	0.001691104
1	1	income	3	0.00084498
1	1	feedback	4	0.000601299
1	1	shipping_method	3	0.000594647
1	1	payment_method	4	0.000511589
1	1	order_status	4	0.000491942
1	1	location	26	0.001301205
1	1	product	29	0.001376107
1	1	customer	30	3.4556e-05
1	1	date	30	0.011135744
1	1	sales	30	0.001294923
1	2	read	200	0.013427906
1	2	gender	2	0.000785238
1	2	income	3	0.000462396
1	2	feedback	4	0.000265393
1	2	shipping_method	3	0.000152258
1	2	payment_method	4	0.000126429
1	2	order_status	4	0.000122151
1	2	location	119	0.00759649
1	2	product	162	0.005797692
1	2	customer	200	0.015217276
1	2	date	152	0.01158798
1	2	sales	200	0.007523231
2	3	read	20	0.023435774000000003
2	3	gender	2	0.001741368
2	3	income	3	0.002278045
2	3	feedback	4	0.000645994
2	3	shipping_method	3	0.000434964
2	3	payment_method	4	0.000579348
2	3	order_status	4	0.000751243
2	3	location	17	0.001445087
2	3	product	17	0.001091819
2	3	customer	17	0.015910719
2	3	date	17	0.011774404
2	3	sales	17	0.007326348
\.


--
-- Data for Name: fact_sales_file_1; Type: TABLE DATA; Schema: public; Owner: till_loader
--

COPY public.fact_sales_file_1 (sale_id, file_id, source_line, transaction_id, date_key, sale_time, customer_key, location_key, gender_key, income_key, product_key, feedback_key, shipping_method_key, payment_method_key, order_status_key, quantity, unit_price, total_amount, rating, recovered) FROM stdin;
1	1	2	8691788	20230918	79435	6089605880093997026	3172310873705320369	4665341905627265348	8183599263709498900	7582592283286783530	8779073609473942559	996337755272171651	4579842196452395740	4784586313023212920	3	108.028757	324.08627	5	\N
2	1	3	2174773	20231231	31324	5191722976533691144	6724520765614032527	7902075675518600258	8183599263709498900	1011935599746021514	8779073609473942559	2209045576352654431	6965644755176954632	1465972130619841893	2	403.353907	806.707815	4	\N
3	1	4	6679610	20230426	14789	8975149911084515603	5201856103461848572	4665341905627265348	8183599263709498900	5740734599694796881	1300993507067652279	996337755272171651	6965644755176954632	1465972130619841893	3	354.4776	1063.432799	2	\N
4	1	5	7232460	20230508	53717	8674946268986573334	5520430359789934005	4665341905627265348	5114399204843502590	4452813156595009346	8779073609473942559	2209045576352654431	5169511875131223044	1465972130619841893	7	352.407717	2466.854021	4	\N
5	1	6	4983775	20240110	60847	5568498323454273267	9207061009375008101	4665341905627265348	8183599263709498900	3439685380405350152	3277034209769658927	2209045576352654431	5957755545949158282	4784586313023212920	2	124.276524	248.553049	1	\N
6	1	7	6095326	20230921	84267	6044759004576649284	3459370833708156315	7902075675518600258	2402435069316225259	4292674394084453312	6699951344258863164	8186609969536655137	5169511875131223044	4469974626676665325	4	296.291806	1185.167224	4	\N
7	1	8	5434096	20230626	48951	3151054573918314835	1192305808225982452	7902075675518600258	8183599263709498900	9119553245841062956	3277034209769658927	2209045576352654431	5957755545949158282	1465972130619841893	2	315.057648	630.115295	1	\N
8	1	9	2344675	20230324	36776	3233720661566047838	2306013099548026827	4665341905627265348	2402435069316225259	5225631679034654017	3277034209769658927	996337755272171651	5957755545949158282	1465972130619841893	1	46.58807	46.58807	1	\N
9	1	10	4155845	20240106	52706	1025216798576017087	4138758047206174947	4665341905627265348	2402435069316225259	8135186172892800855	3277034209769658927	996337755272171651	5957755545949158282	1499896578880233508	8	328.839302	2630.714413	1	\N
10	1	11	4926148	20231004	80860	9100725749387132013	4230604909014798483	4665341905627265348	2402435069316225259	2957238047301803882	8779073609473942559	2209045576352654431	5957755545949158282	1499896578880233508	10	397.611229	3976.112295	4	\N
11	1	12	8493213	20230720	83211	4523319854336693738	8501337312684231591	7902075675518600258	8183599263709498900	8414861172530845944	1300993507067652279	2209045576352654431	6965644755176954632	4784586313023212920	4	90.98187	363.927479	2	\N
12	1	13	1609659	20230621	47398	1236935494025192292	8501337312684231591	7902075675518600258	2402435069316225259	495145404162203786	1300993507067652279	2209045576352654431	6965644755176954632	4469974626676665325	1	364.830567	364.830567	2	\N
13	1	14	2666014	20230330	79891	7546531008543472250	8501337312684231591	7902075675518600258	2402435069316225259	4278454088739294856	6699951344258863164	8186609969536655137	5957755545949158282	1499896578880233508	8	386.312224	3090.497788	3	\N
14	1	15	8898067	20231201	21355	7302067044578170439	186854358961590344	4665341905627265348	2402435069316225259	1129864339194314848	3277034209769658927	996337755272171651	4579842196452395740	1499896578880233508	3	123.556919	370.670757	1	\N
15	1	16	5987798	20231123	55315	4887614382620314884	5201856103461848572	4665341905627265348	2402435069316225259	3137718831277852068	1300993507067652279	8186609969536655137	6965644755176954632	1465972130619841893	1	328.24336	328.24336	2	\N
16	1	17	5434604	20230730	17580	8974690881208408870	4978362718745764423	4665341905627265348	8183599263709498900	8296577792001289316	8779073609473942559	2209045576352654431	6965644755176954632	4784586313023212920	5	483.885817	2419.429087	4	\N
17	1	18	2305318	20240207	81547	2802496275890571796	3132951501676672935	7902075675518600258	2402435069316225259	6016247018681337992	8779073609473942559	8186609969536655137	5169511875131223044	4784586313023212920	2	459.937973	919.875947	5	\N
18	1	19	8450347	20230702	3075	2268623250932572232	3961487534319268008	4665341905627265348	5114399204843502590	9022060767484518695	1300993507067652279	996337755272171651	6965644755176954632	1499896578880233508	7	458.617772	3210.324404	2	\N
19	1	20	8068169	20230703	6157	5726490967197828009	5337924886136096825	7902075675518600258	5114399204843502590	8851836486010613890	6699951344258863164	2209045576352654431	6965644755176954632	4784586313023212920	5	201.445804	1007.22902	4	\N
20	1	21	9020837	20230911	32558	574769341876954033	7873777518505348088	4665341905627265348	8183599263709498900	4232315660993782997	8779073609473942559	2209045576352654431	6965644755176954632	1499896578880233508	5	41.429704	207.14852	4	\N
21	1	22	9361161	20230311	60928	8787806405637271012	3849015361012807775	4665341905627265348	8183599263709498900	1011935599746021514	6699951344258863164	2209045576352654431	5169511875131223044	1465972130619841893	8	485.761484	3886.091872	4	\N
22	1	23	7073474	20231122	83478	3497037093701703094	6301148280641263792	4665341905627265348	2402435069316225259	4506876055838097480	3277034209769658927	996337755272171651	5957755545949158282	4784586313023212920	4	326.764066	1307.056265	1	\N
23	1	24	8961631	20230906	63461	6524977215920614257	3849015361012807775	4665341905627265348	8183599263709498900	2176843968929367840	8779073609473942559	8186609969536655137	5957755545949158282	4469974626676665325	6	443.329498	2659.976987	5	\N
24	1	25	2844206	20230528	47493	3285894660370133613	6965750019176464751	4665341905627265348	2402435069316225259	3482110807639970521	1300993507067652279	996337755272171651	5957755545949158282	4469974626676665325	6	397.452883	2384.717299	2	\N
25	1	26	4833982	20231014	54369	4058662082595301439	3058454075832894329	4665341905627265348	5114399204843502590	5219385830484391292	8779073609473942559	2209045576352654431	5957755545949158282	1499896578880233508	5	472.42406	2362.120301	4	\N
26	1	27	4246475	20240120	85229	1995069607814275319	1617561802404543285	4665341905627265348	2402435069316225259	1819478205905204333	3277034209769658927	996337755272171651	5957755545949158282	1465972130619841893	5	194.792597	973.962984	1	\N
27	1	28	1197603	20231228	10545	5671409071162074644	6337453281696436236	7902075675518600258	8183599263709498900	6544969977305052603	8779073609473942559	996337755272171651	5957755545949158282	1465972130619841893	1	285.137301	285.137301	5	\N
28	1	29	7743242	20240227	9829	5708776692867307225	220904640148781098	4665341905627265348	8183599263709498900	3966788511723900987	1300993507067652279	8186609969536655137	5957755545949158282	4784586313023212920	3	60.701761	182.105285	2	\N
29	1	30	9301950	20230903	40831	4078239733116706803	5513294983240062006	4665341905627265348	2402435069316225259	3131308604101627157	6699951344258863164	2209045576352654431	5957755545949158282	4784586313023212920	1	120.834784	120.834784	4	\N
30	1	31	2882826	20240108	42276	6986981526574484566	669455167070959533	7902075675518600258	8183599263709498900	2198731999531200832	1300993507067652279	996337755272171651	5957755545949158282	4784586313023212920	7	340.319059	2382.233417	2	\N
\.


--
-- Data for Name: fact_sales_file_2; Type: TABLE DATA; Schema: public; Owner: till_loader
--

COPY public.fact_sales_file_2 (sale_id, file_id, source_line, transaction_id, date_key, sale_time, customer_key, location_key, gender_key, income_key, product_key, feedback_key, shipping_method_key, payment_method_key, order_status_key, quantity, unit_price, total_amount, rating, recovered) FROM stdin;
31	2	2	8427060	20230522	74248	2619457891930854852	8501337312684231591	7902075675518600258	8183599263709498900	6653431671465656053	1300993507067652279	2209045576352654431	4579842196452395740	1499896578880233508	6	157.7659616	946.5957696	2	\N
32	2	3	2280728	20231228	24182	5948120252279478341	8501337312684231591	7902075675518600258	5114399204843502590	5427354594237660836	6699951344258863164	996337755272171651	5957755545949158282	4784586313023212920	3	93.96976524	281.9092957	3	\N
33	2	4	1150639	20230617	9698	4588571475708502221	8501337312684231591	4665341905627265348	2402435069316225259	6360392848087617594	6699951344258863164	2209045576352654431	6965644755176954632	1499896578880233508	8	415.1323169	3321.058535	3	\N
34	2	5	2209447	20231219	34054	6977427115393986781	8501337312684231591	4665341905627265348	8183599263709498900	804688858128373132	8779073609473942559	2209045576352654431	5169511875131223044	1499896578880233508	6	131.3649978	788.1899868	5	\N
35	2	6	5179290	20240227	35843	141182257428677145	8501337312684231591	7902075675518600258	5114399204843502590	152820917593507293	1300993507067652279	8186609969536655137	5957755545949158282	1465972130619841893	5	476.4336458	2382.168229	2	\N
36	2	7	2116890	20230520	15803	7863223719925363601	8501337312684231591	7902075675518600258	5114399204843502590	6836331251645832417	6699951344258863164	996337755272171651	5169511875131223044	1499896578880233508	2	181.0178581	362.0357162	3	\N
37	2	8	3319592	20230726	6403	6582023047257879523	8501337312684231591	4665341905627265348	8183599263709498900	5933040552797113584	6699951344258863164	8186609969536655137	4579842196452395740	1499896578880233508	10	267.7246757	2677.246757	4	\N
38	2	9	4405917	20231104	61374	1000542354712873493	8501337312684231591	4665341905627265348	8183599263709498900	4293091933179497634	6699951344258863164	2209045576352654431	6965644755176954632	1465972130619841893	6	164.5351045	987.210627	3	\N
39	2	10	8034174	20230404	5347	8484456052824204354	3172310873705320369	7902075675518600258	2402435069316225259	226177771286581672	1300993507067652279	2209045576352654431	5957755545949158282	1465972130619841893	6	240.6214223	1443.728534	2	\N
40	2	11	5306324	20231218	63968	3163787096425847542	7154876963753375226	4665341905627265348	5114399204843502590	8161036496015156473	6699951344258863164	2209045576352654431	5957755545949158282	4784586313023212920	5	341.8194573	1709.097287	3	\N
41	2	12	5407282	20230529	71090	7447097446610476848	998964869825215106	4665341905627265348	8183599263709498900	3482110807639970521	8779073609473942559	996337755272171651	5957755545949158282	1499896578880233508	2	229.0820818	458.1641636	4	\N
42	2	13	1867963	20230428	38551	9023916461615709233	8137191955069996441	7902075675518600258	5114399204843502590	4017429372916742315	6699951344258863164	8186609969536655137	6965644755176954632	1465972130619841893	3	234.3439332	703.0317996	3	\N
43	2	14	1921568	20230905	72270	2359820431847010492	1252027918405037477	7902075675518600258	2402435069316225259	5788539305347299381	8779073609473942559	8186609969536655137	6965644755176954632	1465972130619841893	1	380.790204	380.790204	5	\N
44	2	15	7364964	20240208	44916	8734299836860279553	4317332401472642291	4665341905627265348	2402435069316225259	5740734599694796881	1300993507067652279	996337755272171651	5957755545949158282	4469974626676665325	4	359.3106765	1437.242706	2	\N
45	2	16	4787261	20230516	22620	8969151692284125534	2306013099548026827	7902075675518600258	5114399204843502590	8861132144306318156	6699951344258863164	2209045576352654431	6965644755176954632	4469974626676665325	9	45.26989642	407.4290678	4	\N
46	2	17	7386889	20230827	20074	8619031901200786755	6648704367086648657	4665341905627265348	2402435069316225259	1250650187649431928	6699951344258863164	2209045576352654431	4579842196452395740	1499896578880233508	2	27.43828197	54.87656394	4	\N
47	2	18	2901874	20230709	61498	5264477406906499738	8275458409561118953	7902075675518600258	8183599263709498900	4348626240438136641	8779073609473942559	8186609969536655137	6965644755176954632	1499896578880233508	1	218.7715919	218.7715919	5	\N
48	2	19	6390484	20230427	82689	2700674065707466404	2164204566162526231	7902075675518600258	2402435069316225259	5325186406922177918	6699951344258863164	2209045576352654431	6965644755176954632	1465972130619841893	6	202.7495203	1216.497122	3	\N
49	2	20	7836315	20231223	45202	6814580081251155794	6748533973009615670	4665341905627265348	5114399204843502590	3159922748477665759	8779073609473942559	2209045576352654431	5957755545949158282	1465972130619841893	3	68.96424764	206.8927429	4	\N
50	2	21	2834790	20231029	66969	5907393148397263104	1847429016856337991	4665341905627265348	2402435069316225259	1046394383368379393	8779073609473942559	2209045576352654431	5169511875131223044	4469974626676665325	5	223.2090131	1116.045066	4	\N
51	2	22	8112326	20230815	9681	6858482916601711849	2306013099548026827	4665341905627265348	2402435069316225259	492628296355901853	6699951344258863164	2209045576352654431	4579842196452395740	1499896578880233508	1	378.5252749	378.5252749	4	\N
52	2	23	3125346	20231201	78702	2234528323163711628	7748044289232601542	7902075675518600258	2402435069316225259	8161036496015156473	6699951344258863164	2209045576352654431	5957755545949158282	4469974626676665325	3	40.99769901	122.993097	3	\N
53	2	24	1814578	20230802	62494	8752499950763581573	8754006251907555891	4665341905627265348	5114399204843502590	1498634491308098275	8779073609473942559	2209045576352654431	6965644755176954632	4784586313023212920	5	393.9078746	1969.539373	4	\N
54	2	25	9485737	20240103	64170	8927431478100380773	5201856103461848572	7902075675518600258	5114399204843502590	5188525077257165883	3277034209769658927	8186609969536655137	6965644755176954632	1499896578880233508	1	139.3674768	139.3674768	1	\N
55	2	26	4855781	20230309	15404	8052760871797189860	8055103284864121366	4665341905627265348	2402435069316225259	7265231740163463002	6699951344258863164	2209045576352654431	6965644755176954632	4469974626676665325	2	42.16620671	84.33241342	3	\N
56	2	27	4046934	20231029	84623	5986415268017688046	3599352198109969386	4665341905627265348	2402435069316225259	4909235679299938502	1300993507067652279	2209045576352654431	6965644755176954632	4784586313023212920	2	262.0595697	524.1191394	2	\N
57	2	28	7673368	20230308	33261	8173332851205355793	5333040254638063553	7902075675518600258	2402435069316225259	272367100725095735	6699951344258863164	8186609969536655137	5957755545949158282	4784586313023212920	2	255.952393	511.904786	3	\N
58	2	29	1827619	20231223	62951	1552793031868673579	7266497323138620008	7902075675518600258	2402435069316225259	1214541121746906109	8779073609473942559	8186609969536655137	5957755545949158282	4784586313023212920	1	476.3774422	476.3774422	4	\N
59	2	30	4383641	20230514	27055	4138458595389735367	2511556144638593038	7902075675518600258	8183599263709498900	1894594524276588383	1300993507067652279	996337755272171651	6965644755176954632	1499896578880233508	4	49.97878221	199.9151288	2	\N
60	2	31	4675452	20240201	79041	1741535957888967004	1000743649868808027	4665341905627265348	2402435069316225259	1380661903818822538	1300993507067652279	8186609969536655137	5957755545949158282	4784586313023212920	10	293.5398894	2935.398894	2	\N
61	2	32	4724430	20231105	7135	3775686963190201163	3291235422470632446	4665341905627265348	5114399204843502590	7726412228815919407	1300993507067652279	996337755272171651	4579842196452395740	4784586313023212920	8	129.9136982	1039.309586	2	\N
62	2	33	5243054	20230313	72566	1300211401685324945	998964869825215106	4665341905627265348	5114399204843502590	8580158894252977480	8779073609473942559	2209045576352654431	5957755545949158282	1499896578880233508	1	160.4356974	160.4356974	5	\N
63	2	34	1503142	20230523	40532	6204843162015047950	7483006080159680974	4665341905627265348	2402435069316225259	970826370932645996	3277034209769658927	996337755272171651	4579842196452395740	4469974626676665325	9	330.6448131	2975.803318	1	\N
64	2	35	8013482	20230926	73720	8880767162950004908	7004098103623908199	4665341905627265348	2402435069316225259	6360392848087617594	3277034209769658927	996337755272171651	5169511875131223044	4784586313023212920	3	314.6076922	943.8230766	1	\N
65	2	36	2668112	20231204	70766	8667609413726119869	3132951501676672935	4665341905627265348	2402435069316225259	6674047498541147284	8779073609473942559	2209045576352654431	5169511875131223044	1499896578880233508	4	167.3070764	669.2283056	4	\N
66	2	37	5593298	20231119	44921	2335721848945760316	6648704367086648657	7902075675518600258	8183599263709498900	1473919298017326825	8779073609473942559	2209045576352654431	5957755545949158282	1499896578880233508	1	76.53462397	76.53462397	4	\N
67	2	38	5375427	20230318	15110	5132758508972148207	3628090923200964683	4665341905627265348	5114399204843502590	4247419253700176289	1300993507067652279	996337755272171651	6965644755176954632	4784586313023212920	9	117.9747035	1061.772332	2	\N
68	2	39	7316651	20231124	36804	4623795375218065349	8039617372485997782	4665341905627265348	2402435069316225259	8803513143075177931	6699951344258863164	8186609969536655137	5169511875131223044	4469974626676665325	1	482.293622	482.293622	4	\N
69	2	40	1929865	20230322	68420	3286671431195977431	1876801684072968067	4665341905627265348	5114399204843502590	3159922748477665759	8779073609473942559	996337755272171651	5169511875131223044	4784586313023212920	9	280.57993	2525.21937	5	\N
70	2	41	8166288	20230828	77199	1001871725595753418	8039617372485997782	4665341905627265348	2402435069316225259	3504737464531790094	6699951344258863164	996337755272171651	5957755545949158282	1499896578880233508	10	205.7263447	2057.263447	3	\N
71	2	42	7170300	20240207	63011	1614406996552490	2380316955689536853	7902075675518600258	8183599263709498900	4293091933179497634	8779073609473942559	2209045576352654431	5957755545949158282	1465972130619841893	4	470.013129	1880.052516	4	\N
72	2	43	1906674	20230423	12300	2237912236077039165	6337453281696436236	7902075675518600258	5114399204843502590	1733091901881032728	6699951344258863164	996337755272171651	5957755545949158282	4469974626676665325	5	189.7759033	948.8795165	4	\N
73	2	44	2355644	20230909	130	4778360656527061981	5520430359789934005	4665341905627265348	2402435069316225259	1693625011123776679	8779073609473942559	996337755272171651	5957755545949158282	1499896578880233508	8	142.2002689	1137.602151	5	\N
74	2	45	2668112	20231013	35742	5107060147820374679	3782194584242579567	7902075675518600258	2402435069316225259	1894594524276588383	6699951344258863164	8186609969536655137	5957755545949158282	4784586313023212920	8	487.7777853	3902.222282	3	\N
75	2	46	1854306	20230429	18019	5001192806041129447	5260652445574865138	4665341905627265348	2402435069316225259	5301468882992321144	6699951344258863164	8186609969536655137	6965644755176954632	1499896578880233508	9	373.236547	3359.128923	3	\N
76	2	47	2794207	20230917	77343	7358173933777819297	5333040254638063553	4665341905627265348	2402435069316225259	1617322854906378561	8779073609473942559	8186609969536655137	4579842196452395740	1499896578880233508	9	257.1976948	2314.779253	4	\N
77	2	48	5984192	20230709	26911	3897930356071010848	6671709415065206198	7902075675518600258	2402435069316225259	1803990930704842234	6699951344258863164	996337755272171651	6965644755176954632	4784586313023212920	10	392.8595348	3928.595348	3	\N
78	2	49	4188681	20230825	67365	2820852288498860044	3459370833708156315	4665341905627265348	8183599263709498900	2373603983743139664	8779073609473942559	2209045576352654431	5169511875131223044	1465972130619841893	4	171.2996944	685.1987776	4	\N
79	2	50	4693427	20230513	64378	7653227664736352283	8441410012403018643	4665341905627265348	8183599263709498900	8414861172530845944	1300993507067652279	996337755272171651	5957755545949158282	1499896578880233508	10	426.8962179	4268.962179	2	\N
80	2	51	6528513	20240110	23344	6943172168919296361	5610312001870219671	4665341905627265348	8183599263709498900	5773010962401374001	3277034209769658927	8186609969536655137	5957755545949158282	4784586313023212920	8	22.46529873	179.7223898	1	\N
81	2	52	4679515	20231120	34608	8600015494747942134	616698143390700118	7902075675518600258	8183599263709498900	1981394213305517727	1300993507067652279	996337755272171651	5957755545949158282	1465972130619841893	3	336.6519439	1009.955832	2	\N
82	2	53	6729948	20230508	42613	7211876626760599491	616698143390700118	4665341905627265348	5114399204843502590	5118952606622792536	8779073609473942559	8186609969536655137	4579842196452395740	4469974626676665325	9	276.3815876	2487.434288	4	\N
83	2	54	6659908	20240210	14839	2998586616603095407	616698143390700118	7902075675518600258	5114399204843502590	5694492053494735293	8779073609473942559	2209045576352654431	5169511875131223044	1499896578880233508	6	134.3736971	806.2421826	4	\N
84	2	55	6765502	20231203	85050	3648051462494332146	616698143390700118	4665341905627265348	2402435069316225259	7582592283286783530	6699951344258863164	996337755272171651	5957755545949158282	4469974626676665325	1	488.9734185	488.9734185	4	\N
85	2	56	4360245	20231124	46487	5896986941677320630	616698143390700118	4665341905627265348	2402435069316225259	1909718883320772834	6699951344258863164	996337755272171651	4579842196452395740	1465972130619841893	5	386.9696485	1934.848243	3	\N
86	2	57	8032057	20231015	31534	3686007001089502147	616698143390700118	4665341905627265348	2402435069316225259	5900041370555196859	6699951344258863164	996337755272171651	4579842196452395740	4784586313023212920	7	97.01376726	679.0963708	3	\N
87	2	58	6572402	20230811	27687	3762122869050448381	616698143390700118	4665341905627265348	2402435069316225259	6384623912099394362	1300993507067652279	2209045576352654431	6965644755176954632	4469974626676665325	6	460.8651904	2765.191142	2	\N
88	2	59	9476564	20231212	42877	3025151008338963788	616698143390700118	4665341905627265348	2402435069316225259	4750976177364216927	6699951344258863164	996337755272171651	6965644755176954632	1465972130619841893	5	309.2950348	1546.475174	3	\N
89	2	60	3701699	20231108	49396	4667584695277018306	2314360894057807153	4665341905627265348	2402435069316225259	2448574084158905767	8779073609473942559	996337755272171651	5957755545949158282	1499896578880233508	6	354.2476012	2125.485607	5	\N
90	2	61	8495442	20230616	38897	625043916029430370	4230604909014798483	4665341905627265348	2402435069316225259	6006788252571430849	3277034209769658927	996337755272171651	5957755545949158282	4784586313023212920	6	195.2236987	1171.342192	1	\N
91	2	62	5315329	20240222	21581	8865424196496096430	8055103284864121366	7902075675518600258	8183599263709498900	280050955649482731	6699951344258863164	2209045576352654431	6965644755176954632	1499896578880233508	5	226.7189531	1133.594766	3	\N
92	2	63	5024376	20231024	60298	7435455967664728871	3373850073027936020	4665341905627265348	5114399204843502590	7850355628199639256	8779073609473942559	996337755272171651	4579842196452395740	1499896578880233508	8	362.1737638	2897.39011	5	\N
93	2	64	6096787	20231003	51270	1547347219958931884	8823975144379560424	4665341905627265348	2402435069316225259	4447570258852224685	6699951344258863164	2209045576352654431	4579842196452395740	1499896578880233508	6	229.1070314	1374.642188	3	\N
94	2	65	9251643	20230305	22901	72042380478340161	670077955265935290	4665341905627265348	8183599263709498900	1389896429064189342	1300993507067652279	8186609969536655137	5957755545949158282	1465972130619841893	5	359.1732999	1795.8665	2	\N
95	2	66	6392500	20231208	52977	9201876731157013682	7004098103623908199	4665341905627265348	8183599263709498900	4481885560925720382	6699951344258863164	996337755272171651	5957755545949158282	4784586313023212920	10	408.2098244	4082.098244	4	\N
96	2	67	2106742	20230404	57987	5902206942383913855	5260652445574865138	4665341905627265348	2402435069316225259	2468268556178875201	6699951344258863164	2209045576352654431	5169511875131223044	4784586313023212920	4	315.212309	1260.849236	3	\N
97	2	68	9739579	20231201	32588	9145446209318420153	8088710273450193743	7902075675518600258	2402435069316225259	1339031307923308014	3277034209769658927	2209045576352654431	6965644755176954632	1499896578880233508	2	419.0181716	838.0363432	1	\N
98	2	69	9867898	20231227	84166	3364195410188853482	33894273667178867	4665341905627265348	2402435069316225259	1825337889260666612	8779073609473942559	996337755272171651	4579842196452395740	1499896578880233508	3	201.2195027	603.6585081	5	\N
99	2	70	3850443	20230804	75682	7350903613226652754	2164204566162526231	4665341905627265348	2402435069316225259	1017630205353908712	3277034209769658927	2209045576352654431	6965644755176954632	1499896578880233508	1	139.9216857	139.9216857	1	\N
100	2	71	4237297	20240202	77018	1168477027693520175	8275458409561118953	7902075675518600258	8183599263709498900	1161640914331254180	8779073609473942559	2209045576352654431	6965644755176954632	1499896578880233508	5	89.62768846	448.1384423	4	\N
101	2	72	3957299	20230810	7529	7558498700736972989	5513294983240062006	4665341905627265348	2402435069316225259	1103575889967968747	6699951344258863164	8186609969536655137	4579842196452395740	1499896578880233508	10	352.8398395	3528.398395	4	\N
102	2	73	4870707	20230709	51491	5475547896039239275	7826494687269153390	7902075675518600258	5114399204843502590	8304521914659795759	6699951344258863164	2209045576352654431	4579842196452395740	1499896578880233508	4	475.9361744	1903.744698	3	\N
103	2	74	8588772	20230713	45511	1550791502941908224	7004098103623908199	4665341905627265348	5114399204843502590	6008623361206411980	1300993507067652279	2209045576352654431	5957755545949158282	1499896578880233508	3	113.8222284	341.4666852	2	\N
104	2	75	6993903	20230321	41455	6968143020207000305	4549149176851401337	4665341905627265348	8183599263709498900	7456313531313885920	1300993507067652279	2209045576352654431	5169511875131223044	4784586313023212920	8	241.5539474	1932.431579	2	\N
105	2	76	9095612	20230712	18506	5948849014996257165	3362578216736806205	7902075675518600258	8183599263709498900	6647539194948129767	6699951344258863164	996337755272171651	5169511875131223044	4469974626676665325	10	215.1986191	2151.986191	4	\N
106	2	77	2327181	20230915	14664	184460963819780250	8868866826871025994	4665341905627265348	2402435069316225259	4245166572702109449	3277034209769658927	8186609969536655137	6965644755176954632	4784586313023212920	7	476.6305719	3336.414003	1	\N
107	2	78	5875954	20230909	79039	4350329323079683738	4754477971303401366	4665341905627265348	8183599263709498900	1380661903818822538	6699951344258863164	996337755272171651	5169511875131223044	1499896578880233508	7	53.46634228	374.264396	4	\N
108	2	79	6854098	20231124	30388	764593722686658379	5611938875979538062	4665341905627265348	8183599263709498900	6577722648932523445	6699951344258863164	8186609969536655137	4579842196452395740	4784586313023212920	10	120.8133567	1208.133567	3	\N
109	2	80	7169430	20230319	80852	8942038049585608817	6096134981037631657	7902075675518600258	8183599263709498900	858829859822735460	3277034209769658927	2209045576352654431	5169511875131223044	4784586313023212920	8	115.4334503	923.4676024	1	\N
110	2	81	9367392	20230328	27925	4739548368798519140	3247090749921864876	7902075675518600258	2402435069316225259	3470038409351398370	1300993507067652279	996337755272171651	4579842196452395740	1499896578880233508	1	96.96999267	96.96999267	2	\N
111	2	82	1883569	20230614	59620	3384698221068094453	5739564075190377154	7902075675518600258	5114399204843502590	1608511707942472499	3277034209769658927	8186609969536655137	5957755545949158282	4784586313023212920	4	208.2747565	833.099026	1	\N
112	2	83	1334647	20230910	73625	2572195500670237437	832472390312186574	7902075675518600258	5114399204843502590	8474606240020896452	8779073609473942559	996337755272171651	5957755545949158282	1465972130619841893	6	296.8679508	1781.207705	5	\N
113	2	84	9817131	20230527	2741	59201886993667846	4978362718745764423	4665341905627265348	2402435069316225259	7582592283286783530	6699951344258863164	8186609969536655137	4579842196452395740	1499896578880233508	8	173.8642267	1390.913814	3	\N
114	2	85	9094986	20230702	31757	5531053440110568750	6293589720809816206	4665341905627265348	2402435069316225259	1007106972475137134	8779073609473942559	8186609969536655137	4579842196452395740	1499896578880233508	3	67.5455539	202.6366617	4	\N
115	2	86	1901951	20231219	25115	1340507823579894076	7420408320671613099	4665341905627265348	5114399204843502590	3672660804991804027	8779073609473942559	8186609969536655137	4579842196452395740	1499896578880233508	1	281.4431601	281.4431601	4	\N
116	2	87	9592368	20231207	15173	3627974102439759986	5991575681659078377	7902075675518600258	2402435069316225259	2705379592043896848	6699951344258863164	2209045576352654431	4579842196452395740	1499896578880233508	7	47.82426853	334.7698797	3	\N
117	2	88	4756914	20240228	38703	4017966607361831810	7826494687269153390	7902075675518600258	2402435069316225259	3392243254884722024	3277034209769658927	996337755272171651	6965644755176954632	1499896578880233508	5	334.3385394	1671.692697	1	\N
118	2	89	3323501	20230703	36165	3666730004179261784	5619237168680567017	7902075675518600258	2402435069316225259	6647539194948129767	8779073609473942559	2209045576352654431	6965644755176954632	1499896578880233508	6	284.4027854	1706.416712	5	\N
119	2	90	5288864	20231122	5397	6834125617140069688	6096134981037631657	4665341905627265348	2402435069316225259	7799079653514825550	1300993507067652279	2209045576352654431	5957755545949158282	4784586313023212920	9	346.1502993	3115.352694	2	\N
120	2	91	9815768	20230915	84232	442039859673569353	8062239926449364087	4665341905627265348	2402435069316225259	8296577792001289316	6699951344258863164	996337755272171651	5169511875131223044	1465972130619841893	4	402.5478446	1610.191378	4	\N
121	2	92	2692389	20230804	63360	4264398261316110437	4711630690390333513	7902075675518600258	8183599263709498900	1564325871567643421	6699951344258863164	2209045576352654431	4579842196452395740	1499896578880233508	10	137.3517135	1373.517135	3	\N
122	2	93	2485492	20230707	78910	7193984678622047107	8055103284864121366	4665341905627265348	2402435069316225259	5312989232158425840	1300993507067652279	8186609969536655137	4579842196452395740	1499896578880233508	8	218.8280999	1750.624799	2	\N
123	2	94	8697559	20230720	57390	6988711069530495351	1939928716752733010	4665341905627265348	5114399204843502590	5427354594237660836	6699951344258863164	996337755272171651	5957755545949158282	1465972130619841893	10	76.41634789	764.1634789	4	\N
124	2	95	6676501	20231025	62478	6057206579445614013	1911283305398904337	4665341905627265348	2402435069316225259	3064511073887802369	8779073609473942559	8186609969536655137	5957755545949158282	4784586313023212920	8	177.3818566	1419.054853	4	\N
125	2	96	5664355	20230719	48207	8999251811543776488	8318289201248142777	4665341905627265348	8183599263709498900	3470038409351398370	1300993507067652279	8186609969536655137	4579842196452395740	1499896578880233508	2	346.0983246	692.1966492	2	\N
126	2	97	3519890	20230903	25439	1097572224544118810	5588281109588646883	4665341905627265348	8183599263709498900	2135179599057906585	6699951344258863164	2209045576352654431	6965644755176954632	1499896578880233508	7	16.38431768	114.6902238	3	\N
127	2	98	6854013	20230925	37219	5226911232910077821	5513294983240062006	7902075675518600258	2402435069316225259	2812292064937308690	3277034209769658927	2209045576352654431	5957755545949158282	1465972130619841893	2	149.4956996	298.9913992	1	\N
128	2	99	5813516	20230702	932	5213943411584899812	5520430359789934005	4665341905627265348	8183599263709498900	7559801013689029179	6699951344258863164	2209045576352654431	6965644755176954632	1499896578880233508	2	296.3700658	592.7401316	4	\N
129	2	100	9360841	20231224	516	3750259434508263090	3132951501676672935	4665341905627265348	2402435069316225259	8998456626656758472	6699951344258863164	996337755272171651	5169511875131223044	1499896578880233508	7	422.8965138	2960.275597	4	\N
130	2	101	8844430	20240101	72105	2337623190651041883	6648704367086648657	4665341905627265348	5114399204843502590	8841223095174752300	6699951344258863164	2209045576352654431	5169511875131223044	1499896578880233508	4	381.6706947	1526.682779	3	\N
131	2	102	6997459	20230624	28321	8583688275214965360	3961487534319268008	4665341905627265348	8183599263709498900	1909718883320772834	6699951344258863164	996337755272171651	6965644755176954632	1499896578880233508	2	231.7948378	463.5896756	3	\N
132	2	103	8496381	20231018	7880	7202921288911501562	3961487534319268008	7902075675518600258	8183599263709498900	4177574273225112527	3277034209769658927	2209045576352654431	6965644755176954632	1499896578880233508	9	123.7082054	1113.373849	1	\N
133	2	104	8911407	20230830	28207	1770733907372806864	3961487534319268008	7902075675518600258	8183599263709498900	1389896429064189342	1300993507067652279	2209045576352654431	5957755545949158282	1499896578880233508	3	470.7329273	1412.198782	2	\N
134	2	105	2607482	20231229	67145	5027124432689447874	3961487534319268008	4665341905627265348	5114399204843502590	1103575889967968747	3277034209769658927	8186609969536655137	5169511875131223044	4784586313023212920	8	395.6218117	3164.974494	1	\N
135	2	106	9477711	20230904	47962	1066434540936443858	7094516726884680728	4665341905627265348	2402435069316225259	804688858128373132	6699951344258863164	996337755272171651	6965644755176954632	1499896578880233508	5	152.9807199	764.9035995	3	\N
136	2	107	3060561	20231226	80424	4427385693233721739	3168629426351096993	7902075675518600258	8183599263709498900	5382238656642493174	3277034209769658927	996337755272171651	6965644755176954632	4784586313023212920	10	17.39365484	173.9365484	1	\N
137	2	108	5332868	20230511	9554	5684399105563392767	6671709415065206198	4665341905627265348	5114399204843502590	2155882260062762059	8779073609473942559	2209045576352654431	5957755545949158282	1465972130619841893	10	356.1701617	3561.701617	5	\N
138	2	109	9641830	20231022	23472	5007476225084818350	3132951501676672935	4665341905627265348	8183599263709498900	5634432950901055067	6699951344258863164	996337755272171651	5957755545949158282	1499896578880233508	6	173.3836092	1040.301655	4	\N
139	2	110	4720627	20230528	19855	1038715954377007672	7698496284648845428	4665341905627265348	5114399204843502590	1420789428852113669	8779073609473942559	996337755272171651	6965644755176954632	4784586313023212920	2	459.5168938	919.0337876	4	\N
140	2	111	8483843	20240203	24414	4293148290870563949	4138758047206174947	7902075675518600258	5114399204843502590	4245166572702109449	8779073609473942559	8186609969536655137	4579842196452395740	1499896578880233508	6	471.1020807	2826.612484	4	\N
141	2	112	7764635	20230303	86355	4676704769981264456	1617561802404543285	4665341905627265348	5114399204843502590	1683286956725855157	8779073609473942559	2209045576352654431	5957755545949158282	1499896578880233508	9	302.2213551	2719.992196	4	\N
142	2	113	5290699	20230812	55694	443585845432427347	6049657682037134396	7902075675518600258	2402435069316225259	6641511434424393559	6699951344258863164	2209045576352654431	5169511875131223044	4784586313023212920	10	27.42128503	274.2128503	3	\N
143	2	114	2720379	20231224	25215	1098146000252020488	6671709415065206198	4665341905627265348	2402435069316225259	3100975571662466340	8779073609473942559	996337755272171651	4579842196452395740	1499896578880233508	9	247.2970504	2225.673454	5	\N
144	2	115	8125743	20240128	20118	6152356890246810508	8879298511514669030	7902075675518600258	5114399204843502590	7266856864737249672	1300993507067652279	8186609969536655137	6965644755176954632	4784586313023212920	6	17.73384234	106.403054	2	\N
145	2	116	5340852	20240125	18981	298456848760549415	8877600371860129668	4665341905627265348	8183599263709498900	3153303140054140965	8779073609473942559	996337755272171651	5957755545949158282	4784586313023212920	10	410.4027939	4104.027939	4	\N
146	2	117	4759692	20230823	56456	1801860266713428868	2817016266940070882	7902075675518600258	8183599263709498900	5933040552797113584	3277034209769658927	2209045576352654431	5957755545949158282	4469974626676665325	7	11.61890259	81.33231813	1	\N
147	2	118	2313207	20230309	69445	3793597006256076442	5333040254638063553	4665341905627265348	2402435069316225259	5292905380035864850	6699951344258863164	2209045576352654431	4579842196452395740	1499896578880233508	2	185.5258195	371.051639	3	\N
148	2	119	9644199	20230818	66627	1107189700037930067	8752459056060875545	4665341905627265348	2402435069316225259	3479255247577017145	6699951344258863164	996337755272171651	5169511875131223044	4784586313023212920	10	132.2164877	1322.164877	3	\N
149	2	120	6854078	20231106	40404	2056576165332560777	2617209251591080618	7902075675518600258	2402435069316225259	5224741160542239501	8779073609473942559	996337755272171651	6965644755176954632	1465972130619841893	8	445.7858375	3566.2867	5	\N
150	2	121	3418580	20240116	57797	7997263782802916852	9048964763842751776	7902075675518600258	5114399204843502590	2536074911805485460	1300993507067652279	996337755272171651	5169511875131223044	4784586313023212920	8	77.2687971	618.1503768	2	\N
151	2	122	4838815	20231118	2158	3371154721499878131	2617209251591080618	4665341905627265348	2402435069316225259	461447587201576384	8779073609473942559	2209045576352654431	4579842196452395740	4784586313023212920	10	68.79014164	687.9014164	4	\N
152	2	123	6550992	20230314	16041	3262544505870202464	1730865124068156549	4665341905627265348	8183599263709498900	492628296355901853	6699951344258863164	8186609969536655137	5169511875131223044	4784586313023212920	10	33.45663084	334.5663084	4	\N
153	2	124	5904042	20231216	9460	8714509676633956652	5520430359789934005	4665341905627265348	2402435069316225259	6520956259534266168	6699951344258863164	8186609969536655137	4579842196452395740	1499896578880233508	10	456.3193998	4563.193998	4	\N
154	2	125	1796131	20240128	75448	3510004077230859191	1451165005645466750	7902075675518600258	8183599263709498900	8009768062903163018	1300993507067652279	996337755272171651	4579842196452395740	4784586313023212920	5	413.1581199	2065.7906	2	\N
155	2	126	1576284	20230325	45942	5326525584995610229	730223404041251224	4665341905627265348	2402435069316225259	4157624288042214525	8779073609473942559	2209045576352654431	4579842196452395740	1499896578880233508	10	215.9773547	2159.773547	5	\N
156	2	127	2280646	20240212	78470	6638665498362311970	952025920944281578	4665341905627265348	2402435069316225259	4292954461926527594	8779073609473942559	8186609969536655137	6965644755176954632	1499896578880233508	1	296.8076638	296.8076638	4	\N
157	2	128	3765781	20240209	53875	5337316125963540065	8280719774265815253	4665341905627265348	2402435069316225259	186649830568322772	1300993507067652279	8186609969536655137	5957755545949158282	4784586313023212920	3	367.9648211	1103.894463	2	\N
158	2	129	4512329	20230408	26517	2635404186687433221	1007045662977668614	7902075675518600258	2402435069316225259	3270948799067781828	6699951344258863164	2209045576352654431	6965644755176954632	1499896578880233508	2	228.1551489	456.3102978	4	\N
159	2	130	6543820	20230919	24684	969490472119917930	2356611805429297939	7902075675518600258	8183599263709498900	3239590604523987002	6699951344258863164	2209045576352654431	5957755545949158282	4469974626676665325	6	193.0040594	1158.024356	4	\N
160	2	131	2057533	20231229	80006	4651533402766757906	6648704367086648657	4665341905627265348	8183599263709498900	8248201396492909841	6699951344258863164	996337755272171651	5957755545949158282	4469974626676665325	4	12.37696266	49.50785064	3	\N
161	2	132	2477716	20230826	4391	5294429721489348348	1252027918405037477	4665341905627265348	8183599263709498900	6810059474795854084	6699951344258863164	996337755272171651	4579842196452395740	1499896578880233508	3	398.1172958	1194.351887	4	\N
162	2	133	8885706	20230629	54288	2921597303534109241	8088710273450193743	4665341905627265348	2402435069316225259	487118262104825041	6699951344258863164	2209045576352654431	5957755545949158282	1499896578880233508	9	130.911831	1178.206479	3	\N
163	2	134	8218321	20230902	73884	4004428066455058593	1876801684072968067	4665341905627265348	2402435069316225259	7726412228815919407	6699951344258863164	2209045576352654431	5169511875131223044	1499896578880233508	3	200.007134	600.021402	4	\N
164	2	135	9483319	20230604	75644	5053641908859593968	6018385623252828113	4665341905627265348	2402435069316225259	4293091933179497634	1300993507067652279	2209045576352654431	4579842196452395740	1465972130619841893	8	180.7872298	1446.297838	2	\N
165	2	136	7333267	20230415	7276	8987029524832538895	8039617372485997782	7902075675518600258	8183599263709498900	6253867492847278087	6699951344258863164	8186609969536655137	5169511875131223044	1499896578880233508	9	490.8374314	4417.536883	3	\N
166	2	137	2627537	20230809	67649	119955233124381535	169760616130018038	4665341905627265348	5114399204843502590	2370643398489477492	3277034209769658927	8186609969536655137	4579842196452395740	4784586313023212920	3	346.7342231	1040.202669	1	\N
167	2	138	1415669	20231130	24757	3423444619034182512	8752459056060875545	7902075675518600258	5114399204843502590	390227402890020865	1300993507067652279	2209045576352654431	5169511875131223044	1465972130619841893	9	11.64065888	104.7659299	2	\N
168	2	139	6060901	20231205	37477	6701629100611632450	3075603442720724206	4665341905627265348	2402435069316225259	8875030397137270149	6699951344258863164	8186609969536655137	6965644755176954632	4784586313023212920	5	194.6811207	973.4056035	3	\N
169	2	140	3953364	20231218	13602	8281813271241584015	3542105725174280757	4665341905627265348	5114399204843502590	3128930242769268312	6699951344258863164	996337755272171651	5957755545949158282	1465972130619841893	1	146.51169	146.51169	4	\N
170	2	141	5121313	20230719	50654	8882261336353143760	7489493017240308371	4665341905627265348	5114399204843502590	7375632427708127395	8779073609473942559	8186609969536655137	5957755545949158282	4784586313023212920	5	475.2925502	2376.462751	5	\N
171	2	142	5924992	20230415	58236	7151152067877004933	4072540382700542048	7902075675518600258	5114399204843502590	8304521914659795759	8779073609473942559	2209045576352654431	4579842196452395740	4784586313023212920	9	495.6462959	4460.816663	5	\N
172	2	143	3118575	20231007	12403	1916876625007194828	4072540382700542048	7902075675518600258	2402435069316225259	2786127154791360099	6699951344258863164	2209045576352654431	6965644755176954632	1499896578880233508	7	46.41860795	324.9302557	4	\N
173	2	144	3838206	20230916	537	1719775958904677591	4072540382700542048	4665341905627265348	2402435069316225259	8464177300458354257	8779073609473942559	8186609969536655137	6965644755176954632	1499896578880233508	9	116.8497262	1051.647536	5	\N
174	2	145	5314850	20240101	60697	8131081213582252004	4072540382700542048	4665341905627265348	8183599263709498900	284926564358527057	8779073609473942559	8186609969536655137	4579842196452395740	4469974626676665325	6	165.446047	992.676282	5	\N
175	2	146	2779572	20230716	62075	3743002983596456195	4072540382700542048	4665341905627265348	8183599263709498900	2536748685650437950	1300993507067652279	2209045576352654431	6965644755176954632	1499896578880233508	9	371.9183771	3347.265394	2	\N
176	2	147	9653106	20231111	49567	6241975604602037548	8055103284864121366	7902075675518600258	2402435069316225259	2532552060154547261	6699951344258863164	2209045576352654431	4579842196452395740	4784586313023212920	1	88.44923649	88.44923649	3	\N
177	2	148	7553439	20230508	9336	2000476318474716786	6671709415065206198	7902075675518600258	8183599263709498900	2705379592043896848	8779073609473942559	8186609969536655137	5169511875131223044	1499896578880233508	1	288.4709152	288.4709152	4	\N
178	2	149	1047495	20240129	75478	6584805040212115378	7004098103623908199	4665341905627265348	2402435069316225259	8861132144306318156	8779073609473942559	996337755272171651	5957755545949158282	1465972130619841893	2	22.39780242	44.79560484	4	\N
179	2	150	2759127	20230531	69569	6516239195312912408	8045013431710874813	4665341905627265348	2402435069316225259	3479255247577017145	6699951344258863164	996337755272171651	5169511875131223044	4784586313023212920	6	65.50702183	393.042131	4	\N
180	2	151	6452212	20230912	77410	1118890384369522375	6049657682037134396	4665341905627265348	2402435069316225259	2831290834992977499	6699951344258863164	996337755272171651	4579842196452395740	1499896578880233508	3	185.6562452	556.9687356	4	\N
181	2	152	7690176	20230823	74518	7141544090362380543	4549149176851401337	4665341905627265348	5114399204843502590	7663924451003692181	1300993507067652279	8186609969536655137	4579842196452395740	4784586313023212920	2	32.39848832	64.79697664	2	\N
182	2	153	2617982	20231223	5505	4588798155434218098	8055103284864121366	4665341905627265348	2402435069316225259	8371632053367251912	8779073609473942559	996337755272171651	6965644755176954632	1499896578880233508	8	397.4250447	3179.400358	4	\N
183	2	154	2894197	20230407	9417	3234662718432612844	1831128940161670091	7902075675518600258	2402435069316225259	5870443855860653919	8779073609473942559	2209045576352654431	6965644755176954632	1499896578880233508	6	406.491211	2438.947266	4	\N
184	2	155	1798675	20231017	31351	804492760619472392	952025920944281578	4665341905627265348	5114399204843502590	7125661970517456472	8779073609473942559	996337755272171651	5957755545949158282	1499896578880233508	3	447.7720903	1343.316271	5	\N
185	2	156	1775418	20230719	56677	937176373283653488	3459370833708156315	4665341905627265348	5114399204843502590	674132406512401965	8779073609473942559	8186609969536655137	4579842196452395740	1465972130619841893	3	426.689712	1280.069136	4	\N
186	2	157	6853760	20230406	76911	8060697636189305739	3459370833708156315	4665341905627265348	8183599263709498900	6016247018681337992	3277034209769658927	2209045576352654431	6965644755176954632	4469974626676665325	5	320.101941	1600.509705	1	\N
187	2	158	3136055	20231130	47382	1072677047735031577	9207061009375008101	7902075675518600258	2402435069316225259	5118952606622792536	8779073609473942559	8186609969536655137	4579842196452395740	1465972130619841893	8	394.0064035	3152.051228	5	\N
188	2	159	8590188	20230515	40825	7266630079310007064	4549149176851401337	4665341905627265348	2402435069316225259	7235732778501158759	8779073609473942559	2209045576352654431	4579842196452395740	1499896578880233508	8	298.4495368	2387.596294	5	\N
189	2	160	7888482	20240213	46958	9093468581798449495	3628090923200964683	7902075675518600258	8183599263709498900	2889034617930680785	8779073609473942559	996337755272171651	5169511875131223044	1465972130619841893	3	356.9868155	1070.960447	5	\N
190	2	161	6221945	20230830	29794	773184239875802113	160572395460023348	7902075675518600258	2402435069316225259	1103575889967968747	1300993507067652279	996337755272171651	4579842196452395740	1499896578880233508	3	297.1191549	891.3574647	2	\N
191	2	162	2982956	20231227	76624	7542108019897224767	7154876963753375226	7902075675518600258	2402435069316225259	8485102925536643457	3277034209769658927	2209045576352654431	6965644755176954632	4469974626676665325	5	98.38078165	491.9039083	1	\N
192	2	163	4009234	20231217	19784	673435754525208896	7587933738992292696	7902075675518600258	2402435069316225259	1825337889260666612	1300993507067652279	8186609969536655137	5169511875131223044	1499896578880233508	9	478.8902435	4310.012192	2	\N
193	2	164	3859761	20230321	18751	6997768095150072554	4608018652088828621	4665341905627265348	8183599263709498900	4936719017852106372	1300993507067652279	8186609969536655137	5169511875131223044	1499896578880233508	6	383.9576653	2303.745992	2	\N
194	2	165	5898534	20240110	3877	38930870815004172	834174529539961598	4665341905627265348	8183599263709498900	931875885462564530	3277034209769658927	8186609969536655137	6965644755176954632	4784586313023212920	10	96.12852259	961.2852259	1	\N
195	2	166	2244898	20230626	70762	4830883790762166976	6337453281696436236	4665341905627265348	2402435069316225259	1250650187649431928	6699951344258863164	2209045576352654431	4579842196452395740	4784586313023212920	8	491.0715708	3928.572566	4	\N
196	2	167	3117162	20231210	29410	3383436288668051050	4439655146870939632	4665341905627265348	2402435069316225259	5123303366542911309	6699951344258863164	2209045576352654431	5957755545949158282	1499896578880233508	1	385.0517925	385.0517925	3	\N
197	2	168	6511581	20231003	773	6750631048372863998	1911283305398904337	7902075675518600258	2402435069316225259	2865748386132200640	6699951344258863164	2209045576352654431	5957755545949158282	1499896578880233508	1	85.81458253	85.81458253	4	\N
198	2	169	8763153	20240213	52411	169458402719871010	8055103284864121366	4665341905627265348	2402435069316225259	1842603378266948940	8779073609473942559	2209045576352654431	5957755545949158282	1499896578880233508	1	405.9248764	405.9248764	4	\N
199	2	170	9648342	20230708	54079	4089477073442014314	851711656171126758	4665341905627265348	5114399204843502590	4292674394084453312	6699951344258863164	996337755272171651	4579842196452395740	1499896578880233508	6	304.0023618	1824.014171	3	\N
200	2	171	6203115	20230528	16791	8141683071765264794	8275458409561118953	7902075675518600258	2402435069316225259	650366674812615847	6699951344258863164	996337755272171651	6965644755176954632	1499896578880233508	2	57.62322886	115.2464577	3	\N
201	2	172	5561704	20230305	40237	1205582265613855261	952025920944281578	7902075675518600258	2402435069316225259	6430614488762267501	3277034209769658927	2209045576352654431	4579842196452395740	1465972130619841893	2	26.13426146	52.26852292	1	\N
202	2	173	5491816	20230415	74263	8492087928140816035	952025920944281578	7902075675518600258	8183599263709498900	272367100725095735	6699951344258863164	8186609969536655137	6965644755176954632	4469974626676665325	4	313.8045756	1255.218302	3	\N
203	2	174	3905079	20230504	29173	8528635237827939793	952025920944281578	7902075675518600258	8183599263709498900	2134463830362384962	8779073609473942559	8186609969536655137	5169511875131223044	1499896578880233508	2	175.1461228	350.2922456	4	\N
204	2	175	7012813	20230702	43210	7684579040569349083	952025920944281578	7902075675518600258	5114399204843502590	5858132050965728978	1300993507067652279	8186609969536655137	4579842196452395740	1499896578880233508	3	10.62921657	31.88764971	2	\N
205	2	176	3079802	20230816	75335	6037208781300314233	952025920944281578	7902075675518600258	2402435069316225259	7663924451003692181	6699951344258863164	8186609969536655137	6965644755176954632	4784586313023212920	7	339.8043855	2378.630699	3	\N
206	2	177	3496357	20230912	24964	9062079310214066819	4396591922931781326	7902075675518600258	8183599263709498900	650366674812615847	1300993507067652279	8186609969536655137	6965644755176954632	4469974626676665325	6	154.4119832	926.4718992	2	\N
207	2	178	7818054	20240208	81962	833991783224887453	952025920944281578	4665341905627265348	2402435069316225259	7456313531313885920	3277034209769658927	996337755272171651	5169511875131223044	4469974626676665325	7	56.08201197	392.5740838	1	\N
208	2	179	8677067	20240112	37488	1265363366120082304	5739564075190377154	4665341905627265348	8183599263709498900	6016247018681337992	8779073609473942559	996337755272171651	5169511875131223044	4784586313023212920	8	484.2173024	3873.738419	4	\N
209	2	180	9612692	20230311	67585	732838613684377	6724520765614032527	4665341905627265348	2402435069316225259	5914929684497161360	8779073609473942559	996337755272171651	5169511875131223044	1499896578880233508	2	338.0914774	676.1829548	5	\N
210	2	181	5280601	20230530	79922	2722957855546215570	6965750019176464751	4665341905627265348	2402435069316225259	8111969738533422015	8779073609473942559	8186609969536655137	4579842196452395740	1499896578880233508	1	100.0708149	100.0708149	4	\N
211	2	182	8985401	20230706	52310	1187025766732658765	5815671826642840264	4665341905627265348	2402435069316225259	4157624288042214525	3277034209769658927	8186609969536655137	6965644755176954632	1465972130619841893	4	378.973999	1515.895996	1	\N
212	2	183	4249328	20240115	17386	6356711838183007964	5619237168680567017	4665341905627265348	2402435069316225259	7000920280767508366	3277034209769658927	2209045576352654431	5957755545949158282	4784586313023212920	6	396.7780787	2380.668472	1	\N
213	2	184	9012600	20240229	40504	8105707197156616504	3571332765194210973	4665341905627265348	2402435069316225259	18864135668605849	6699951344258863164	8186609969536655137	4579842196452395740	4469974626676665325	1	435.9448414	435.9448414	4	\N
214	2	185	4731533	20230923	29691	2720314151621512122	9167514328142326659	4665341905627265348	2402435069316225259	1170333118951025559	8779073609473942559	8186609969536655137	5957755545949158282	4469974626676665325	6	72.65449212	435.9269527	4	\N
215	2	186	8086859	20230705	69056	4275520999607152762	7314142977906897315	7902075675518600258	8183599263709498900	1129864339194314848	6699951344258863164	996337755272171651	4579842196452395740	1465972130619841893	9	26.00554364	234.0498928	3	\N
216	2	187	2252521	20230808	26091	6361928016938753444	2380316955689536853	4665341905627265348	8183599263709498900	8796527901926304459	8779073609473942559	8186609969536655137	5169511875131223044	1465972130619841893	4	425.8234509	1703.293804	5	\N
217	2	188	6461528	20231212	22290	443272891283693070	109216504185084859	4665341905627265348	8183599263709498900	8675497189462656265	8779073609473942559	2209045576352654431	5957755545949158282	1499896578880233508	1	58.80168387	58.80168387	4	\N
218	2	189	8224478	20230303	33556	1691116525617221019	1463828382755023188	7902075675518600258	8183599263709498900	4936719017852106372	6699951344258863164	996337755272171651	6965644755176954632	4784586313023212920	2	150.0463243	300.0926486	3	\N
219	2	190	6933611	20231231	26493	6052682573201812924	5177881499942021269	4665341905627265348	8183599263709498900	3324763769648935808	1300993507067652279	8186609969536655137	6965644755176954632	4784586313023212920	5	206.0469717	1030.234859	2	\N
220	2	191	3674138	20240116	72291	1960926229788010658	6049657682037134396	4665341905627265348	2402435069316225259	2610154066841190248	8779073609473942559	996337755272171651	4579842196452395740	1465972130619841893	7	260.0659081	1820.461357	4	\N
221	2	192	5475014	20230331	22996	7458113245192161261	3316156713895583317	7902075675518600258	8183599263709498900	1825337889260666612	1300993507067652279	8186609969536655137	4579842196452395740	1499896578880233508	7	38.5516571	269.8615997	2	\N
222	2	193	3250153	20231212	45342	9175682454515480292	5729511778960839897	7902075675518600258	2402435069316225259	2134463830362384962	8779073609473942559	996337755272171651	5957755545949158282	1465972130619841893	1	276.4440107	276.4440107	5	\N
223	2	194	5269140	20231230	29019	4489927322501214197	1527548943459348582	4665341905627265348	8183599263709498900	8284042555090901270	8779073609473942559	996337755272171651	5957755545949158282	1465972130619841893	3	88.17232148	264.5169644	5	\N
224	2	195	3149088	20231028	82681	2780864198925060412	2706220781223020931	7902075675518600258	8183599263709498900	4750976177364216927	8779073609473942559	2209045576352654431	5957755545949158282	1499896578880233508	8	430.8305638	3446.64451	4	\N
225	2	196	5759922	20230830	50385	8885890377697188957	5739564075190377154	4665341905627265348	2402435069316225259	674132406512401965	6699951344258863164	2209045576352654431	5169511875131223044	1499896578880233508	3	391.3552567	1174.06577	3	\N
226	2	197	6669159	20231007	55596	2871395992896824335	3628090923200964683	7902075675518600258	8183599263709498900	7619665621871476472	6699951344258863164	8186609969536655137	6965644755176954632	1465972130619841893	5	214.3374249	1071.687125	3	\N
227	2	198	5799460	20240128	20641	1845681577061237405	6671709415065206198	7902075675518600258	2402435069316225259	1231989453354376649	1300993507067652279	8186609969536655137	4579842196452395740	1465972130619841893	4	149.4821772	597.9287088	2	\N
228	2	199	5528655	20231111	24044	4007470395951112278	3582117486104673107	4665341905627265348	2402435069316225259	7188996382150761220	6699951344258863164	996337755272171651	5169511875131223044	1499896578880233508	7	43.64116732	305.4881712	4	\N
229	2	200	3191678	20231111	51178	8614971130319602486	3849015361012807775	4665341905627265348	0	3272398560105420177	1300993507067652279	996337755272171651	4579842196452395740	1499896578880233508	1	221.8628823	221.8628823	2	\N
230	2	201	9215490	20230703	10594	921305814752840781	5513294983240062006	4665341905627265348	2402435069316225259	4903405728345969499	6699951344258863164	8186609969536655137	5169511875131223044	4784586313023212920	3	473.1316505	1419.394952	3	\N
\.


--
-- Data for Name: fact_sales_file_3; Type: TABLE DATA; Schema: public; Owner: till_loader
--

COPY public.fact_sales_file_3 (sale_id, file_id, source_line, transaction_id, date_key, sale_time, customer_key, location_key, gender_key, income_key, product_key, feedback_key, shipping_method_key, payment_method_key, order_status_key, quantity, unit_price, total_amount, rating, recovered) FROM stdin;
231	3	2	6362253	20231211	39955	3490242263670523667	8275458409561118953	4665341905627265348	2402435069316225259	3137718831277852068	6699951344258863164	8186609969536655137	6965644755176954632	4469974626676665325	3	111.3781417	334.1344251	3	\N
232	3	3	9122832	20240109	60386	1248180225798625255	4994519597240277510	7902075675518600258	2402435069316225259	4848749024633836911	8779073609473942559	996337755272171651	6965644755176954632	1499896578880233508	6	115.4577712	692.7466272	4	\N
233	3	4	7630300	20230313	32220	938195324856542720	2306013099548026827	7902075675518600258	8183599263709498900	3371201225718676021	3277034209769658927	2209045576352654431	5169511875131223044	1465972130619841893	1	329.5924959	329.5924959	1	\N
234	3	5	4393976	20231011	29164	4000936463918635243	4317332401472642291	7902075675518600258	5114399204843502590	5906908977416825799	6699951344258863164	2209045576352654431	5169511875131223044	1499896578880233508	2	342.8921646	685.7843292	3	\N
235	3	7	4340117	20240210	9224	5689183143289682210	4801260366916867668	7902075675518600258	2402435069316225259	7056186954175327533	1300993507067652279	996337755272171651	4579842196452395740	4784586313023212920	2	410.7303092	821.4606184	2	\N
236	3	8	5455209	20230309	55164	6025872166153854111	2007382265304785890	4665341905627265348	2402435069316225259	4965386795521307600	6699951344258863164	8186609969536655137	5957755545949158282	4784586313023212920	2	415.3403102	830.6806204	4	\N
237	3	9	6763052	20231205	31001	8065088014157641638	5513294983240062006	7902075675518600258	8183599263709498900	6520956259534266168	1300993507067652279	8186609969536655137	5957755545949158282	4784586313023212920	4	418.5160795	1674.064318	2	\N
238	3	10	1578147	20230708	27384	1993178693542316758	9161710424903115179	4665341905627265348	5114399204843502590	8858369949423181985	8779073609473942559	8186609969536655137	5169511875131223044	1499896578880233508	10	394.7401537	3947.401537	5	\N
239	3	11	1887268	20240115	38706	1301371109574895963	6890547988069403448	4665341905627265348	2402435069316225259	294090821942535470	8779073609473942559	8186609969536655137	4579842196452395740	1499896578880233508	2	227.5094928	455.0189856	4	\N
240	3	13	2942720	20240102	78910	945816539610440873	8088710273450193743	4665341905627265348	5114399204843502590	2703134588160232391	8779073609473942559	2209045576352654431	4579842196452395740	1465972130619841893	10	66.80169016	668.0169016	4	\N
241	3	14	2265471	20230915	42109	5016087862037959010	952025920944281578	4665341905627265348	8183599263709498900	8474606240020896452	1300993507067652279	8186609969536655137	4579842196452395740	1499896578880233508	6	98.9515327	593.7091962	2	\N
242	3	15	2264740	20230615	22632	1548555623766634220	4017145635426257599	7902075675518600258	2402435069316225259	6579196315252541554	8779073609473942559	996337755272171651	4579842196452395740	1499896578880233508	6	54.74982902	328.4989741	4	\N
243	3	16	2708956	20230825	81329	2859283591397305601	3270692143786913202	4665341905627265348	8183599263709498900	5161743160280960495	6699951344258863164	8186609969536655137	5169511875131223044	4469974626676665325	8	135.6689354	1085.351483	3	\N
244	3	17	2602423	20230927	25632	7380663716195542865	2511556144638593038	4665341905627265348	2402435069316225259	1268234542718143226	8779073609473942559	2209045576352654431	4579842196452395740	1499896578880233508	2	458.4541327	916.9082654	4	\N
245	3	19	1806037	20240128	69755	4344448131657105023	3628090923200964683	4665341905627265348	8183599263709498900	6265396850881007976	1300993507067652279	2209045576352654431	5169511875131223044	4784586313023212920	6	151.2203609	907.3221654	2	\N
246	3	20	7340242	20230812	39237	8064241123105860884	3911693871063282019	4665341905627265348	8183599263709498900	2536748685650437950	8779073609473942559	996337755272171651	4579842196452395740	4784586313023212920	9	25.98657334	233.8791601	5	\N
247	3	21	9789703	20240129	71502	1885407587837647889	160572395460023348	4665341905627265348	8183599263709498900	4407186664132626709	1300993507067652279	2209045576352654431	5169511875131223044	1465972130619841893	7	297.7922345	2084.545642	2	\N
\.


--
-- Data for Name: fact_sales_row; Type: TABLE DATA; Schema: public; Owner: till_loader
--

COPY public.fact_sales_row (row_hash, file_id, source_line) FROM stdin;
aab358ac-52ad-62c3-596f-1975135699a7	1	2
e63a3f0a-1702-4790-a374-9c3ca352ae11	1	3
633410b8-6838-72ff-1385-fd15e4073f4c	1	4
5eab4e7c-1ebe-3fb4-9977-5936306bfbf0	1	5
3e10a3e0-fa40-fb0c-4b0a-14826bcf1098	1	6
08ca6250-3c48-29c6-6159-b2e674fd6302	1	7
1e38f63c-a403-a717-370d-e780474e0b50	1	8
b016d285-8514-58af-cccf-4ebb5f6be22b	1	9
f88948c5-d416-0a9c-6a00-e0e92818aca3	1	10
6a9db728-6975-d3a4-066b-d28bd8dd2ba3	1	11
05c60f2d-1bf6-931f-2e2d-6e5deed63d1f	1	12
eeb32218-7451-91a5-64bb-4b507a9c3fd1	1	13
aae36c30-0cb2-7b81-a26a-23507d88c2c6	1	14
1ebf37b9-f0de-e67d-8940-f51fe5543c4f	1	15
b5e7b672-0c63-17bd-ee54-449fb066f8b2	1	16
9c18186b-1427-d39c-2efa-636475cf1fc5	1	17
57d2ad79-bc3a-b993-602c-e36a26681410	1	18
9791f367-91b5-87b1-a10b-f51d77436d72	1	19
340d1886-25a4-6a95-730b-02470f82a34e	1	20
c728d7af-3d07-5ac6-fd37-21954af34815	1	21
2e1564ad-d38d-e0b1-0f20-37a58b2b813a	1	22
d58f224f-a3cb-863c-7300-2d2b9d1e7c51	1	23
d55ada70-75fd-0f5f-16d0-3a8fa129cd76	1	24
51ca8b4f-8973-7b4d-3cdb-03a719251579	1	25
d5325485-9852-239d-1e14-ea2ec80cef8a	1	26
6c524323-e798-5189-ffe5-faf97805b8cf	1	27
ee8d6c75-2d6d-264f-dedb-db38bbc4fd04	1	28
54fb63fe-3ec0-e18b-632b-8435330dc88e	1	29
19ee48c3-ad73-eaff-5fe7-b6b5633b00e5	1	30
d1d56d8a-2b64-c043-c977-8eb9dd8c2676	1	31
01e07346-eb2c-1701-e194-9d778dfcaffd	2	68
02f76da0-61ad-1dcf-5d7c-737fa9e0ce8c	2	136
05cb50b8-0589-5c71-002c-1cff5b540ca8	2	40
09657de8-ef41-7d6d-0938-9f374c71d33e	2	84
0f16829e-54d0-57b1-2cf3-719fd2d259ea	2	4
0f42184e-5d04-d29d-b673-d039e145d438	2	144
0f96b767-ae72-308b-27a8-2b0bfc5ea44b	2	146
0fbb2db7-b245-7cfb-4fe5-a5cb4c8b52d1	2	150
10a9ed83-b5e1-7ae6-6696-d3356b327aba	2	20
1131e643-acfd-0f99-fdc4-6a9ea716203c	2	127
159680b5-cd1e-66e8-1f01-99d40b6c5cb5	2	162
1619f96a-1588-71ad-c858-6bee481dbc25	2	105
18031c8a-3538-4330-24da-dfb44bf1bec9	2	175
183c13b3-2e0d-430c-af8c-83bedd76414d	2	192
187cd965-11b6-7f70-41b3-4f6f68846d69	2	91
18bc72be-c0d4-a5ec-3bae-6ac9964477e6	2	7
18d9c382-12cd-b56e-41b1-bead047e9e9f	2	80
1a3cc06c-790f-f222-d224-3b8512b2ccab	2	15
1a6470c7-fe92-0010-7e37-ad3e686400ee	2	11
1aa0502c-5f97-b91d-4503-bcc07fec9120	2	171
1b233bf4-4338-22d9-b23c-158758da1c7c	2	35
1be45de0-db7f-5120-875d-b18d29a1cc38	2	145
1c217edb-256f-d24e-f0ff-06a36e32c06c	2	199
1d7b3822-c2b0-2b86-3a66-9eff4523841d	2	79
1d947aef-91e4-7b3c-8edb-204c987174df	2	111
1dcb7296-2959-206e-efbc-5c2d0f9dc1a8	2	130
1e5a2974-c884-a826-8545-d44c1d257c4b	2	46
1ecbde4a-ebbd-2704-0ad8-3f10c04e417a	2	48
20300e70-e5f7-dcd3-06dd-aff06609d279	2	197
231bfdf0-4ca6-2359-eafe-5f8c859dab22	2	36
23e27e54-f47f-87c0-0480-38af75496c62	2	153
24a88854-07ab-2bc0-eea6-80a5850d4fbd	2	142
251be50b-e2a3-ce69-b77b-a73903400509	2	6
2539092e-cc71-c919-008e-20f0ed67ab77	2	22
2ad341c9-0ffa-d8cc-bd09-5c2be45e16a7	2	168
2b920c10-7f1b-46dd-733b-ff991cac5512	2	63
2c2d9fc5-36b2-9635-b911-78df1fc13b4c	2	88
2cb9e906-15d1-ad01-9f28-93c80b04fd2c	2	148
2cf39e3b-e260-99cd-db00-3feeb73326cc	2	64
2e3815e4-6ae4-99c1-8255-12bb2dbcc41f	2	8
2e7ca3ec-931d-a472-ea62-38a0df30f660	2	187
301cdc4e-260c-8864-c60d-84c659988206	2	10
30f0e045-d46f-9253-0cf0-3d5feb66e306	2	181
35f990fe-05e3-6fd8-3523-5ec29d144684	2	178
366e7f5b-a060-01e5-f4fd-0cde4a637af5	2	198
37e94d48-f485-c4f5-fe99-24c53511c562	2	26
384083bd-6024-b7af-5035-0669e51428b4	2	103
3a2344f4-ded9-a96d-3119-a35c3f883860	2	42
3de96949-5ab5-68ed-4280-f3057b8482dd	2	99
41885cc5-d43f-ef64-46e1-13cf237b926e	2	57
41e3c0b3-4872-ccf6-44d8-317afc5104a8	2	113
430b25a7-fe15-2ba4-18e4-87a55de590b5	2	3
43babcb1-b93e-871e-1abb-7b37bd2bd5f6	2	147
449f3e5f-6dbf-fc3a-3b5c-f4a7a290fedf	2	176
456c2491-2e10-f3e2-116f-6669ceb9c789	2	87
45f4a368-9927-7e66-0b32-9137d6fd31dd	2	201
4737ffa9-36b4-3d2f-1833-52bb8bcdba20	2	94
4944f727-89aa-7671-d2f8-3b014f6684e8	2	54
4a290631-c1e5-1d3e-1a44-02f0bd54834b	2	126
4a6ec6f0-facd-25d0-f7ea-4ea6fe766990	2	131
4c08e098-380f-42cc-9000-4b89808f9521	2	135
4cf79459-3008-a5ee-f196-57a76e73d90a	2	73
4ec9fd11-a194-0af6-e627-2ae7b1d05d88	2	139
4fabef34-83d3-f6b3-b27a-678fe9191199	2	110
4fd5c8af-ca04-4afd-408f-2399304ea1dc	2	24
4fe6df12-a6e6-caf8-7680-da5e8e928fd0	2	75
52cb617e-26d4-a104-ac8d-5ac7d82a8d42	2	140
546faf16-138b-ea06-cf3b-f79d2b14dcc0	2	174
56502c2d-d6f8-9577-a29f-3ee25d11554a	2	29
578c2e3e-16aa-2e5d-9c98-a90914d2354b	2	28
58269020-beeb-d567-a5fb-94ad94bdc5ca	2	112
59a0eafb-c7e9-fd26-c0ae-da0c4f09bd4e	2	2
5a21dceb-aed4-600e-4ee0-db0c41936fa4	2	92
5b3f80df-573c-5725-1708-04051d92e6f1	2	85
5c01852d-5662-669f-7c6b-388b99f1fb87	2	117
5c1862c4-c3e4-448b-4bb1-113be39799bb	2	106
5c3fb958-7d30-7441-49ca-0d297ae5f26b	2	186
627098fe-0347-be82-7ea5-6bc414060f75	2	177
64a3449d-5b76-e3e1-83a5-2fe33a686450	2	34
6589ba0c-c5c6-6544-ee67-1c0485ec8673	2	39
65c9d72c-ef4d-8a63-9f26-44045231cfdf	2	49
65fc300b-af93-01e2-a04e-d904928a2988	2	179
668d8913-1c96-a78d-c11a-5849d0d41c58	2	200
66b479ff-e6b1-432b-26c2-4bb04ffc7f9c	2	53
6867e3b9-7a3e-3463-e407-065605160156	2	47
68685cb4-1a92-6f0d-15c6-3c34187e94d8	2	180
6994f5a0-07ab-b4d3-e671-d9e1782de637	2	21
6a19af6e-25bc-e3f0-39b6-bea58ee2e9a5	2	5
6a5b5da6-d69a-3aba-e47c-aec0c036af5b	2	152
6ccaeb59-2c70-8aeb-6473-d01c259c19cd	2	25
6d8bdc68-9675-9b9a-e011-8a40346403b3	2	51
6f77ab5c-f1b2-a1b2-6b93-284804a0b738	2	161
6fa97bcc-a6f7-89d3-432d-d7b9398d6c35	2	71
6fdf94f5-cc20-3b2f-4281-4fbd23fa1958	2	129
7617e84f-af72-8152-7831-8404cfd39619	2	56
761ff58b-abca-9747-2f1c-c4eee0946546	2	160
778e0e24-b2c8-3ef2-0450-f7c1b2b63486	2	19
780f711e-a618-e263-dbde-cfa7cc55941b	2	60
78c5969e-4905-8f89-7e67-eb691c7bf5d6	2	81
78cceb27-2312-8ee0-3c37-275b5fe5dbc9	2	134
7aaca42f-e6d9-5978-a75f-664bcc5dc07d	2	18
7b939b8c-27ef-82da-d975-1f1b6da14df8	2	97
7fef8171-0def-1262-20c6-16ba0c1be0ef	2	125
84d5b821-0931-00a2-b0a4-b64365c532bd	2	107
8522eff4-8fc5-1566-e18c-e33b4266d80d	2	77
86fc321e-5b71-3d49-e825-7e4f3ac46de4	2	43
87f5ccde-2927-96bb-823a-35a4ae0faadc	2	191
886680a8-7907-6086-2e5c-da28d89eecd6	2	96
88df3a9a-4841-7d02-aa3e-4a7895660f60	2	122
898eb4d8-e8ce-a8b8-7985-0c545dd1df97	2	121
8b7ba44d-890f-7e31-45e3-82ee637f6b79	2	90
8c05ece2-d0d5-7975-3b06-c9bb545cf557	2	165
8dd1283e-2e4e-7727-1870-8a63848d6953	2	114
8df7cb1e-922b-190f-3060-3c18c7e0cda4	2	9
8e99a1e2-9ca7-3e25-4723-40d3e0a5997c	2	184
90b2323e-f500-9e10-da64-eebcc53e8d55	2	14
91e7e5b9-f26c-6016-dbef-899057d10144	2	101
920c96a0-1898-c25b-390c-2c26ef7573a8	2	95
93a4724b-d55b-7ba7-b102-6def55df4d10	2	123
93b8a4ea-db4c-ea79-b2b2-996a8b55106f	2	151
9545eb8d-051c-4fb8-7b83-33b154b2093f	2	118
95465e96-40fe-e212-db97-ed3503ece5bb	2	65
96f07c1a-96aa-a33c-d905-a5fefea5281d	2	173
986f104a-4a61-c30b-b55d-e098a3179763	2	61
9a17c629-5f67-3be4-10ae-7756d1112a59	2	44
9ab0d0bf-1ad0-c928-37e6-243a3a0f0dce	2	166
9b3fbe41-8ea0-d6fe-7476-1cfd69598ab4	2	137
9b7c4efd-1ace-e148-a265-03cdbc7b60c4	2	104
9ced54ef-e04b-ac7d-0951-d884c72e3c95	2	195
9d1273fe-d6c7-12e2-cb36-db54c9b54d43	2	50
9dbf4e47-9b8a-aa54-da37-72be437f473f	2	86
a00cb117-5046-2aad-9fd4-8b177f801d7a	2	30
a2172dc8-693d-8b0a-975a-cc320a5368ab	2	155
a2b84ff9-a2c6-bf8b-dd14-8235e2daa37f	2	23
a46e1c08-373a-1b2d-68de-1f26e79f1a8c	2	172
a53219ea-c180-869a-fda2-b6f9441d96f7	2	12
a5c08f2e-115a-7c9a-83d9-7f159cbf7305	2	52
a62dfeb9-bff8-991c-37c4-aab54254ddba	2	70
ab3de225-9327-309e-4ac7-f2dcb0ff8279	2	138
ae1a6d62-3a75-4774-d80f-2b7fddaef8c5	2	59
b0df4639-0e78-3fd0-f0e1-f5b5a90ec121	2	13
b1235138-ab13-bed5-a3a5-571a8bc2cb84	2	156
b2aada0b-32aa-e3e4-e194-27996dac9873	2	124
b3e2eeb8-29f8-fe79-00d6-f852be3be13c	2	108
b412104b-f82f-c64d-cb55-021fabe4735c	2	164
b718d9d0-0ef3-7d5c-b9b9-b24558bf4c1a	2	67
b8727d1c-2125-97cb-8406-2acb9f573978	2	55
b9b1deef-2f90-2f89-a5e2-8568c4a1949d	2	33
bb49cdae-098a-55c9-e56c-65a7c80c206d	2	182
bbeed299-ac4f-a262-5ee8-7568e8ca8ea0	2	27
bc2bf6c7-23a3-eb04-11e8-7216968a256f	2	120
bc484ef9-b097-88a3-a57a-016bc33f4442	2	167
bc5f3a44-be49-47de-7c7a-953c508cae57	2	83
be0a6eb4-26dc-85b9-1144-875524805ecf	2	89
bfd77c79-07c5-39a9-2fcc-1499660c13de	2	143
c0c996a6-81c8-c38f-6e44-64d6d6ef6c28	2	98
c5e06ec3-8e96-a9c3-baaf-5dce3ce5c4fe	2	194
c6ab7403-85f3-552a-458d-aa2a7ded24e4	2	188
c6ee0f14-045a-f97b-b09d-ca91adbaf485	2	132
c72eb7ab-ebe1-5b18-6dcc-ec858b393025	2	102
ca13fcaf-0486-7056-01fc-47f57f240a61	2	76
ccee6dd9-cf31-ebf1-7e50-b070b03cc7f7	2	158
cd0500a5-9d73-c83d-bac8-5a665870dcc9	2	100
cd78cfcc-9328-7718-ad7c-6eae82829695	2	196
cdde21b2-18da-79ec-cfa7-b4202d95dd73	2	17
cf736951-6ee9-048c-4579-6a85146815df	2	119
cf9df585-05fe-43e7-e96d-7767f97a21f1	2	41
d05fccf4-703b-1878-970c-f834a6349239	2	45
d07f6a35-6126-db97-4c7f-f4b9e2a3bb02	2	16
d138888f-3e5d-50aa-be7f-e3e6d5dcfa35	2	170
d19b8204-8424-8e57-9452-4428596b95af	2	58
d2b48b4c-c79c-6aac-aba5-4262e187d5f0	2	185
d361be16-4265-b676-2f4b-3a892bf1aca1	2	32
d479f889-e32f-4349-69ac-ce03b15405ea	2	74
d567b36d-b53e-1a42-ccad-f15610457c0d	2	141
d57c20ad-bf4d-bb79-0f76-a00e1960a680	2	69
da38ef16-e826-f0f0-3d0f-c050b3484259	2	78
da4e89c6-b58f-42e7-0c6f-9b4e2dcaf894	2	154
da5c500b-f3de-a0e9-e755-5df39b6316a5	2	163
dadac4f3-059e-ca32-57e2-c8505c430ffb	2	169
debfed3c-6aea-90a1-e1a7-54a5d06a7a4b	2	190
e18592a5-e3d4-1ee2-c1ea-7b15409e34d2	2	157
e18b54dc-973b-53f7-a605-44ba9d20d37d	2	189
e2a9bf33-c4b3-8fff-91ab-628ca4c0f87b	2	128
e88173ce-df2d-7882-b791-fd3b3a8819a7	2	183
e89b5f0e-8d94-be8d-3ae6-ea689213418a	2	193
e95c21c2-7717-11d8-9cef-0ea04dbe0c9d	2	93
eb502a42-1569-9eef-e671-e2898956d737	2	72
ed90c6e4-9190-d225-70b1-366aff036c46	2	66
ee0f4d55-d560-4e07-ff03-e6ad85d32c6a	2	82
ee864026-3f48-0229-c234-7c9e5aa1a442	2	37
eeff2f9f-063d-e5b3-4761-bd81ca090381	2	38
f0a8041b-a0c2-9983-c75f-9e4a20a5504d	2	115
f188c9ef-a70b-f693-ba05-c7a56365f911	2	31
f3712fef-a9c0-268a-5b7e-e95fa257fbed	2	62
f453b63f-8cf4-4b28-0431-365c4b8298be	2	116
f468f9fc-f473-3bd9-110a-233f078012f3	2	149
f4a685d0-879c-87ef-c8bf-8d8b1cc298fb	2	109
f5f3f886-d620-73c7-ef9d-70be318282be	2	159
f848090b-64b7-b61e-843f-541a39e9c34f	2	133
056f3bed-08ff-950a-a4d7-72bfdef2fbe5	3	17
142f7999-8a4d-fcdf-e6b8-a63e6dc263ba	3	14
1996e643-cc23-8248-9517-2b02d3c8f65f	3	3
3c1b3967-14ed-4550-3b18-e7717b3880b7	3	20
3d3166e2-2694-b85a-11e2-b29081933fbd	3	13
51846350-30a6-0ea2-207f-75defd330e5d	3	8
52bd4e29-9a60-5d5a-664a-b4d6dbc2304e	3	9
54089941-7fe0-f13c-d770-6d5648f643af	3	19
5838800c-afae-f1f5-6941-8f9790e0735b	3	2
6046bd14-545b-9d65-efaa-26a8edc6b650	3	21
75bd9372-2b6e-b596-6c3c-f0301e9e1e97	3	4
7c0b1b52-3a47-b8fa-30f2-df49d8cd50fb	3	5
8a5ce024-d41c-03f2-0a23-cb447104699e	3	7
c2755dc1-eff2-aed0-bc0d-dc3e334b0862	3	11
c52263a6-d02f-f4c7-a0ef-9f7012ab9a89	3	10
d25f9c40-c4db-237a-99b7-38e236a27c63	3	15
f9a12840-f431-b89e-a578-ca83faf897d1	3	16
\.


--
-- Data for Name: till_schema; Type: TABLE DATA; Schema: public; Owner: till_loader
--

COPY public.till_schema (version, description, applied_at) FROM stdin;
1	star schema, retail_data_view, reporting views and run records	2026-12-06 17:15:45.927+00
\.


--
-- Name: etl_file_file_id_seq; Type: SEQUENCE SET; Schema: public; Owner: till_loader
--

SELECT pg_catalog.setval('public.etl_file_file_id_seq', 4, true);


--
-- Name: etl_reject_reject_id_seq; Type: SEQUENCE SET; Schema: public; Owner: till_loader
--

SELECT pg_catalog.setval('public.etl_reject_reject_id_seq', 3, true);


--
-- Name: etl_run_run_id_seq; Type: SEQUENCE SET; Schema: public; Owner: till_loader
--

SELECT pg_catalog.setval('public.etl_run_run_id_seq', 3, true);


--
-- Name: dim_customer dim_customer_pkey; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.dim_customer
    ADD CONSTRAINT dim_customer_pkey PRIMARY KEY (customer_key);


--
-- Name: dim_date dim_date_full_date_key; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.dim_date
    ADD CONSTRAINT dim_date_full_date_key UNIQUE (full_date);


--
-- Name: dim_date dim_date_pkey; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.dim_date
    ADD CONSTRAINT dim_date_pkey PRIMARY KEY (date_key);


--
-- Name: dim_feedback dim_feedback_feedback_key; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.dim_feedback
    ADD CONSTRAINT dim_feedback_feedback_key UNIQUE (feedback);


--
-- Name: dim_feedback dim_feedback_pkey; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.dim_feedback
    ADD CONSTRAINT dim_feedback_pkey PRIMARY KEY (feedback_key);


--
-- Name: dim_gender dim_gender_gender_key; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.dim_gender
    ADD CONSTRAINT dim_gender_gender_key UNIQUE (gender);


--
-- Name: dim_gender dim_gender_pkey; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.dim_gender
    ADD CONSTRAINT dim_gender_pkey PRIMARY KEY (gender_key);


--
-- Name: dim_income dim_income_income_key; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.dim_income
    ADD CONSTRAINT dim_income_income_key UNIQUE (income);


--
-- Name: dim_income dim_income_pkey; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.dim_income
    ADD CONSTRAINT dim_income_pkey PRIMARY KEY (income_key);


--
-- Name: dim_location dim_location_country_state_city_key; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.dim_location
    ADD CONSTRAINT dim_location_country_state_city_key UNIQUE NULLS NOT DISTINCT (country, state, city);


--
-- Name: dim_location dim_location_pkey; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.dim_location
    ADD CONSTRAINT dim_location_pkey PRIMARY KEY (location_key);


--
-- Name: dim_order_status dim_order_status_order_status_key; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.dim_order_status
    ADD CONSTRAINT dim_order_status_order_status_key UNIQUE (order_status);


--
-- Name: dim_order_status dim_order_status_pkey; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.dim_order_status
    ADD CONSTRAINT dim_order_status_pkey PRIMARY KEY (order_status_key);


--
-- Name: dim_payment_method dim_payment_method_payment_method_key; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.dim_payment_method
    ADD CONSTRAINT dim_payment_method_payment_method_key UNIQUE (payment_method);


--
-- Name: dim_payment_method dim_payment_method_pkey; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.dim_payment_method
    ADD CONSTRAINT dim_payment_method_pkey PRIMARY KEY (payment_method_key);


--
-- Name: dim_product dim_product_category_brand_product_type_product_name_key; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.dim_product
    ADD CONSTRAINT dim_product_category_brand_product_type_product_name_key UNIQUE NULLS NOT DISTINCT (category, brand, product_type, product_name);


--
-- Name: dim_product dim_product_pkey; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.dim_product
    ADD CONSTRAINT dim_product_pkey PRIMARY KEY (product_key);


--
-- Name: dim_shipping_method dim_shipping_method_pkey; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.dim_shipping_method
    ADD CONSTRAINT dim_shipping_method_pkey PRIMARY KEY (shipping_method_key);


--
-- Name: dim_shipping_method dim_shipping_method_shipping_method_key; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.dim_shipping_method
    ADD CONSTRAINT dim_shipping_method_shipping_method_key UNIQUE (shipping_method);


--
-- Name: etl_file etl_file_pkey; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.etl_file
    ADD CONSTRAINT etl_file_pkey PRIMARY KEY (file_id);


--
-- Name: etl_reject etl_reject_pkey; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.etl_reject
    ADD CONSTRAINT etl_reject_pkey PRIMARY KEY (reject_id);


--
-- Name: etl_run etl_run_pkey; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.etl_run
    ADD CONSTRAINT etl_run_pkey PRIMARY KEY (run_id);


--
-- Name: etl_step etl_step_pkey; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.etl_step
    ADD CONSTRAINT etl_step_pkey PRIMARY KEY (file_id, step);


--
-- Name: fact_sales fact_sales_pkey; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.fact_sales
    ADD CONSTRAINT fact_sales_pkey PRIMARY KEY (sale_id, file_id);


--
-- Name: fact_sales_file_1 fact_sales_file_1_pkey; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.fact_sales_file_1
    ADD CONSTRAINT fact_sales_file_1_pkey PRIMARY KEY (sale_id, file_id);


--
-- Name: fact_sales_file_2 fact_sales_file_2_pkey; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.fact_sales_file_2
    ADD CONSTRAINT fact_sales_file_2_pkey PRIMARY KEY (sale_id, file_id);


--
-- Name: fact_sales_file_3 fact_sales_file_3_pkey; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.fact_sales_file_3
    ADD CONSTRAINT fact_sales_file_3_pkey PRIMARY KEY (sale_id, file_id);


--
-- Name: fact_sales_row fact_sales_row_pkey; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.fact_sales_row
    ADD CONSTRAINT fact_sales_row_pkey PRIMARY KEY (row_hash);


--
-- Name: till_schema till_schema_pkey; Type: CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.till_schema
    ADD CONSTRAINT till_schema_pkey PRIMARY KEY (version);


--
-- Name: dim_customer_current; Type: INDEX; Schema: public; Owner: till_loader
--

CREATE UNIQUE INDEX dim_customer_current ON public.dim_customer USING btree (customer_id) WHERE (is_current AND (customer_id IS NOT NULL));


--
-- Name: etl_file_loaded_content; Type: INDEX; Schema: public; Owner: till_loader
--

CREATE UNIQUE INDEX etl_file_loaded_content ON public.etl_file USING btree (sha256) WHERE (status = 'loaded'::text);


--
-- Name: etl_file_run; Type: INDEX; Schema: public; Owner: till_loader
--

CREATE INDEX etl_file_run ON public.etl_file USING btree (run_id);


--
-- Name: etl_reject_file; Type: INDEX; Schema: public; Owner: till_loader
--

CREATE INDEX etl_reject_file ON public.etl_reject USING btree (file_id, line);


--
-- Name: fact_sales_date; Type: INDEX; Schema: public; Owner: till_loader
--

CREATE INDEX fact_sales_date ON ONLY public.fact_sales USING btree (date_key);


--
-- Name: fact_sales_file_1_date_key_idx; Type: INDEX; Schema: public; Owner: till_loader
--

CREATE INDEX fact_sales_file_1_date_key_idx ON public.fact_sales_file_1 USING btree (date_key);


--
-- Name: fact_sales_product; Type: INDEX; Schema: public; Owner: till_loader
--

CREATE INDEX fact_sales_product ON ONLY public.fact_sales USING btree (product_key);


--
-- Name: fact_sales_file_1_product_key_idx; Type: INDEX; Schema: public; Owner: till_loader
--

CREATE INDEX fact_sales_file_1_product_key_idx ON public.fact_sales_file_1 USING btree (product_key);


--
-- Name: fact_sales_file_2_date_key_idx; Type: INDEX; Schema: public; Owner: till_loader
--

CREATE INDEX fact_sales_file_2_date_key_idx ON public.fact_sales_file_2 USING btree (date_key);


--
-- Name: fact_sales_file_2_product_key_idx; Type: INDEX; Schema: public; Owner: till_loader
--

CREATE INDEX fact_sales_file_2_product_key_idx ON public.fact_sales_file_2 USING btree (product_key);


--
-- Name: fact_sales_file_3_date_key_idx; Type: INDEX; Schema: public; Owner: till_loader
--

CREATE INDEX fact_sales_file_3_date_key_idx ON public.fact_sales_file_3 USING btree (date_key);


--
-- Name: fact_sales_file_3_product_key_idx; Type: INDEX; Schema: public; Owner: till_loader
--

CREATE INDEX fact_sales_file_3_product_key_idx ON public.fact_sales_file_3 USING btree (product_key);


--
-- Name: fact_sales_row_file; Type: INDEX; Schema: public; Owner: till_loader
--

CREATE INDEX fact_sales_row_file ON public.fact_sales_row USING btree (file_id);


--
-- Name: fact_sales_file_1_date_key_idx; Type: INDEX ATTACH; Schema: public; Owner: till_loader
--

ALTER INDEX public.fact_sales_date ATTACH PARTITION public.fact_sales_file_1_date_key_idx;


--
-- Name: fact_sales_file_1_pkey; Type: INDEX ATTACH; Schema: public; Owner: till_loader
--

ALTER INDEX public.fact_sales_pkey ATTACH PARTITION public.fact_sales_file_1_pkey;


--
-- Name: fact_sales_file_1_product_key_idx; Type: INDEX ATTACH; Schema: public; Owner: till_loader
--

ALTER INDEX public.fact_sales_product ATTACH PARTITION public.fact_sales_file_1_product_key_idx;


--
-- Name: fact_sales_file_2_date_key_idx; Type: INDEX ATTACH; Schema: public; Owner: till_loader
--

ALTER INDEX public.fact_sales_date ATTACH PARTITION public.fact_sales_file_2_date_key_idx;


--
-- Name: fact_sales_file_2_pkey; Type: INDEX ATTACH; Schema: public; Owner: till_loader
--

ALTER INDEX public.fact_sales_pkey ATTACH PARTITION public.fact_sales_file_2_pkey;


--
-- Name: fact_sales_file_2_product_key_idx; Type: INDEX ATTACH; Schema: public; Owner: till_loader
--

ALTER INDEX public.fact_sales_product ATTACH PARTITION public.fact_sales_file_2_product_key_idx;


--
-- Name: fact_sales_file_3_date_key_idx; Type: INDEX ATTACH; Schema: public; Owner: till_loader
--

ALTER INDEX public.fact_sales_date ATTACH PARTITION public.fact_sales_file_3_date_key_idx;


--
-- Name: fact_sales_file_3_pkey; Type: INDEX ATTACH; Schema: public; Owner: till_loader
--

ALTER INDEX public.fact_sales_pkey ATTACH PARTITION public.fact_sales_file_3_pkey;


--
-- Name: fact_sales_file_3_product_key_idx; Type: INDEX ATTACH; Schema: public; Owner: till_loader
--

ALTER INDEX public.fact_sales_product ATTACH PARTITION public.fact_sales_file_3_product_key_idx;


--
-- Name: etl_file etl_file_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.etl_file
    ADD CONSTRAINT etl_file_run_id_fkey FOREIGN KEY (run_id) REFERENCES public.etl_run(run_id);


--
-- Name: etl_file etl_file_same_content_as_fkey; Type: FK CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.etl_file
    ADD CONSTRAINT etl_file_same_content_as_fkey FOREIGN KEY (same_content_as) REFERENCES public.etl_file(file_id);


--
-- Name: etl_reject etl_reject_file_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.etl_reject
    ADD CONSTRAINT etl_reject_file_id_fkey FOREIGN KEY (file_id) REFERENCES public.etl_file(file_id);


--
-- Name: etl_step etl_step_file_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.etl_step
    ADD CONSTRAINT etl_step_file_id_fkey FOREIGN KEY (file_id) REFERENCES public.etl_file(file_id);


--
-- Name: etl_step etl_step_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE ONLY public.etl_step
    ADD CONSTRAINT etl_step_run_id_fkey FOREIGN KEY (run_id) REFERENCES public.etl_run(run_id);


--
-- Name: fact_sales fact_sales_customer_key_fkey; Type: FK CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE public.fact_sales
    ADD CONSTRAINT fact_sales_customer_key_fkey FOREIGN KEY (customer_key) REFERENCES public.dim_customer(customer_key);


--
-- Name: fact_sales fact_sales_date_key_fkey; Type: FK CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE public.fact_sales
    ADD CONSTRAINT fact_sales_date_key_fkey FOREIGN KEY (date_key) REFERENCES public.dim_date(date_key);


--
-- Name: fact_sales fact_sales_feedback_key_fkey; Type: FK CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE public.fact_sales
    ADD CONSTRAINT fact_sales_feedback_key_fkey FOREIGN KEY (feedback_key) REFERENCES public.dim_feedback(feedback_key);


--
-- Name: fact_sales fact_sales_file_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE public.fact_sales
    ADD CONSTRAINT fact_sales_file_id_fkey FOREIGN KEY (file_id) REFERENCES public.etl_file(file_id);


--
-- Name: fact_sales fact_sales_gender_key_fkey; Type: FK CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE public.fact_sales
    ADD CONSTRAINT fact_sales_gender_key_fkey FOREIGN KEY (gender_key) REFERENCES public.dim_gender(gender_key);


--
-- Name: fact_sales fact_sales_income_key_fkey; Type: FK CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE public.fact_sales
    ADD CONSTRAINT fact_sales_income_key_fkey FOREIGN KEY (income_key) REFERENCES public.dim_income(income_key);


--
-- Name: fact_sales fact_sales_location_key_fkey; Type: FK CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE public.fact_sales
    ADD CONSTRAINT fact_sales_location_key_fkey FOREIGN KEY (location_key) REFERENCES public.dim_location(location_key);


--
-- Name: fact_sales fact_sales_order_status_key_fkey; Type: FK CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE public.fact_sales
    ADD CONSTRAINT fact_sales_order_status_key_fkey FOREIGN KEY (order_status_key) REFERENCES public.dim_order_status(order_status_key);


--
-- Name: fact_sales fact_sales_payment_method_key_fkey; Type: FK CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE public.fact_sales
    ADD CONSTRAINT fact_sales_payment_method_key_fkey FOREIGN KEY (payment_method_key) REFERENCES public.dim_payment_method(payment_method_key);


--
-- Name: fact_sales fact_sales_product_key_fkey; Type: FK CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE public.fact_sales
    ADD CONSTRAINT fact_sales_product_key_fkey FOREIGN KEY (product_key) REFERENCES public.dim_product(product_key);


--
-- Name: fact_sales fact_sales_shipping_method_key_fkey; Type: FK CONSTRAINT; Schema: public; Owner: till_loader
--

ALTER TABLE public.fact_sales
    ADD CONSTRAINT fact_sales_shipping_method_key_fkey FOREIGN KEY (shipping_method_key) REFERENCES public.dim_shipping_method(shipping_method_key);


--
-- Name: DATABASE till_v1; Type: ACL; Schema: -; Owner: postgres
--

GRANT CONNECT,TEMPORARY ON DATABASE till_v1 TO till_loader;
GRANT CONNECT ON DATABASE till_v1 TO till_reader;


--
-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: pg_database_owner
--

GRANT ALL ON SCHEMA public TO till_loader;


--
-- Name: SCHEMA reporting; Type: ACL; Schema: -; Owner: till_loader
--

GRANT USAGE ON SCHEMA reporting TO till_reader;


--
-- Name: TABLE dim_customer; Type: ACL; Schema: reporting; Owner: till_loader
--

GRANT SELECT ON TABLE reporting.dim_customer TO till_reader;


--
-- Name: TABLE dim_date; Type: ACL; Schema: reporting; Owner: till_loader
--

GRANT SELECT ON TABLE reporting.dim_date TO till_reader;


--
-- Name: TABLE dim_feedback; Type: ACL; Schema: reporting; Owner: till_loader
--

GRANT SELECT ON TABLE reporting.dim_feedback TO till_reader;


--
-- Name: TABLE dim_gender; Type: ACL; Schema: reporting; Owner: till_loader
--

GRANT SELECT ON TABLE reporting.dim_gender TO till_reader;


--
-- Name: TABLE dim_income; Type: ACL; Schema: reporting; Owner: till_loader
--

GRANT SELECT ON TABLE reporting.dim_income TO till_reader;


--
-- Name: TABLE dim_location; Type: ACL; Schema: reporting; Owner: till_loader
--

GRANT SELECT ON TABLE reporting.dim_location TO till_reader;


--
-- Name: TABLE dim_order_status; Type: ACL; Schema: reporting; Owner: till_loader
--

GRANT SELECT ON TABLE reporting.dim_order_status TO till_reader;


--
-- Name: TABLE dim_payment_method; Type: ACL; Schema: reporting; Owner: till_loader
--

GRANT SELECT ON TABLE reporting.dim_payment_method TO till_reader;


--
-- Name: TABLE dim_product; Type: ACL; Schema: reporting; Owner: till_loader
--

GRANT SELECT ON TABLE reporting.dim_product TO till_reader;


--
-- Name: TABLE dim_shipping_method; Type: ACL; Schema: reporting; Owner: till_loader
--

GRANT SELECT ON TABLE reporting.dim_shipping_method TO till_reader;


--
-- Name: TABLE etl_file; Type: ACL; Schema: reporting; Owner: till_loader
--

GRANT SELECT ON TABLE reporting.etl_file TO till_reader;


--
-- Name: TABLE etl_run; Type: ACL; Schema: reporting; Owner: till_loader
--

GRANT SELECT ON TABLE reporting.etl_run TO till_reader;


--
-- Name: TABLE fact_sales; Type: ACL; Schema: reporting; Owner: till_loader
--

GRANT SELECT ON TABLE reporting.fact_sales TO till_reader;


--
-- Name: TABLE retail_data_view; Type: ACL; Schema: reporting; Owner: till_loader
--

GRANT SELECT ON TABLE reporting.retail_data_view TO till_reader;


--
-- Name: DEFAULT PRIVILEGES FOR TABLES; Type: DEFAULT ACL; Schema: reporting; Owner: till_loader
--

ALTER DEFAULT PRIVILEGES FOR ROLE till_loader IN SCHEMA reporting GRANT SELECT ON TABLES  TO till_reader;


--
-- PostgreSQL database dump complete
--

\unrestrict G2QjAXcrVE94zTgq4ho2LHkA0S7pMDaA1CaAe2csCgJiejuHdIpFhxkTJTrTuZr

