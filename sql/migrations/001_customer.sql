-- 001_customer: the customer side of Medusa v1 (reference section 5.4) on MariaDB 10.11.
--
-- Applied once by sql/migrate.sh, which records it in schema_migrations; the plain CREATE TABLEs
-- make a second, unrecorded run fail loudly instead of silently keeping an older definition.
--
-- Why utf8mb4_bin everywhere: PostgreSQL compares varchar exactly, so ids, emails, country codes
-- and group names must not become equal by case or accent folding ("A@x.io" and "a@x.io" are
-- two rows in Medusa). Timestamps are DATETIME(3): the API needs milliseconds, and stack.sh runs
-- the server in UTC so CURRENT_TIMESTAMP(3) is UTC.
--
-- MariaDB has no partial unique index: "unique while deleted_at IS NULL" is a PERSISTENT generated
-- column that is NULL for deleted rows (NULLs never collide) under an ordinary UNIQUE key.

CREATE TABLE country (
    id           INT          NOT NULL AUTO_INCREMENT,
    iso_2        VARCHAR(2)   NOT NULL,
    iso_3        VARCHAR(3)   NOT NULL,
    num_code     INT          NOT NULL,
    name         VARCHAR(255) NOT NULL,
    display_name VARCHAR(255) NOT NULL,
    region_id    VARCHAR(64)  NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_country_iso_2 (iso_2)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- address comes before customer (customer.billing_address_id points at it); its own
-- customer_id foreign key is added once customer exists.
CREATE TABLE address (
    id           VARCHAR(64)  NOT NULL,
    customer_id  VARCHAR(64)  NULL,
    company      VARCHAR(255) NULL,
    first_name   VARCHAR(255) NULL,
    last_name    VARCHAR(255) NULL,
    address_1    VARCHAR(255) NULL,
    address_2    VARCHAR(255) NULL,
    city         VARCHAR(255) NULL,
    country_code VARCHAR(2)   NULL,
    province     VARCHAR(255) NULL,
    postal_code  VARCHAR(255) NULL,
    phone        VARCHAR(255) NULL,
    created_at   DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at   DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at   DATETIME(3)  NULL,
    metadata     LONGTEXT     NULL,
    PRIMARY KEY (id),
    KEY ix_address_customer_id (customer_id),
    CONSTRAINT fk_address_country FOREIGN KEY (country_code) REFERENCES country (iso_2),
    CONSTRAINT ck_address_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE customer (
    id                 VARCHAR(64)  NOT NULL,
    email              VARCHAR(255) NOT NULL,
    first_name         VARCHAR(255) NULL,
    last_name          VARCHAR(255) NULL,
    billing_address_id VARCHAR(64)  NULL,
    password_hash      VARCHAR(255) NULL,
    phone              VARCHAR(255) NULL,
    has_account        TINYINT(1)   NOT NULL DEFAULT 0,
    created_at         DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at         DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at         DATETIME(3)  NULL,
    metadata           LONGTEXT     NULL,
    -- Time of the last password change or reset: sessions created and tokens issued
    -- (iat) before it are revoked. NULL: never changed.
    credentials_at     DATETIME(3)  NULL,
    -- email while the row is live, NULL once soft-deleted (see the header).
    email_live         VARCHAR(255) AS (IF(deleted_at IS NULL, email, NULL)) PERSISTENT,
    PRIMARY KEY (id),
    UNIQUE KEY uq_customer_billing_address_id (billing_address_id),
    -- Medusa's IDX_unique_email_for_guests_and_customer_accounts: one live guest and one
    -- live account per email.
    UNIQUE KEY uq_customer_email_live (email_live, has_account),
    CONSTRAINT fk_customer_billing_address FOREIGN KEY (billing_address_id) REFERENCES address (id),
    CONSTRAINT ck_customer_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE address
    ADD CONSTRAINT fk_address_customer FOREIGN KEY (customer_id) REFERENCES customer (id);

CREATE TABLE customer_group (
    id         VARCHAR(64)  NOT NULL,
    name       VARCHAR(255) NOT NULL,
    created_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at DATETIME(3)  NULL,
    metadata   LONGTEXT     NULL,
    name_live  VARCHAR(255) AS (IF(deleted_at IS NULL, name, NULL)) PERSISTENT,
    PRIMARY KEY (id),
    UNIQUE KEY uq_customer_group_name_live (name_live),
    CONSTRAINT ck_customer_group_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE customer_group_customers (
    customer_group_id VARCHAR(64) NOT NULL,
    customer_id       VARCHAR(64) NOT NULL,
    PRIMARY KEY (customer_group_id, customer_id),
    KEY ix_customer_group_customers_group (customer_group_id),
    KEY ix_customer_group_customers_customer (customer_id),
    CONSTRAINT fk_cgc_customer_group FOREIGN KEY (customer_group_id)
        REFERENCES customer_group (id) ON DELETE CASCADE,
    CONSTRAINT fk_cgc_customer FOREIGN KEY (customer_id)
        REFERENCES customer (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Cookie sessions (connect.sid). Sessions outlive nothing: expires_at bounds every row, and
-- the expires_at key lets a sweeper delete expired rows without a scan.
CREATE TABLE session (
    sid         VARCHAR(64) NOT NULL,
    customer_id VARCHAR(64) NOT NULL,
    created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    expires_at  DATETIME(3) NOT NULL,
    PRIMARY KEY (sid),
    KEY ix_session_customer_id (customer_id),
    KEY ix_session_expires_at (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- customer.* events, written in the same transaction as the change that raised them;
-- a consumer marks them processed. The (processed_at, id) key serves "next pending events".
CREATE TABLE event_outbox (
    id           BIGINT      NOT NULL AUTO_INCREMENT,
    event        VARCHAR(64) NOT NULL,
    data         LONGTEXT    NOT NULL,
    created_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    processed_at DATETIME(3) NULL,
    PRIMARY KEY (id),
    KEY ix_event_outbox_pending (processed_at, id),
    CONSTRAINT ck_event_outbox_data CHECK (JSON_VALID(data))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
