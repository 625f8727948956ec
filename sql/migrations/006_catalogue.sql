-- 006_catalogue: the catalogue side of Medusa v1 (reference medusa-v1-store-api.md section 2):
-- store, currencies, sales channels, publishable keys, shipping profiles, providers, regions,
-- tax rates, products with options, variants, prices, images, tags, types, collections,
-- categories, price lists, shipping options, return reasons, gift cards and discounts.
-- docs/CATALOGUE-SCHEMA.md is the reader's map (what each table answers, ordering, quirks).
--
-- Conventions as in 001: ids are Medusa's prefixed ULIDs (VARCHAR(64)), utf8mb4_bin, DATETIME(3)
-- in UTC, metadata is JSON text, "unique while not deleted" is a PERSISTENT generated column
-- that is NULL for deleted rows under an ordinary UNIQUE key. Money is INT in the minor unit
-- (Medusa's `integer`). Tax rates (`real` in Medusa) are kept as the decimal text JavaScript
-- would print for them ("20", "7.5"; API.md section 9): the writer copies the text, the pricing
-- code parses it once, and nothing is rounded through FLOAT on the way.
--
-- Rows only come from migrations (boot defaults, 008) and from `medusa-c import`; nothing on
-- the request path writes these tables yet except what checkout will (variant stock, gift card
-- balance, discount usage_count: issue 12).
--
-- Deliberate simplifications of Medusa's layout (no difference on the wire):
--   * money_amount carries variant_id; Medusa 1.20 links them through
--     product_variant_money_amount, but a price belongs to exactly one variant there too.
--   * product_images has a rank (Medusa's join has none and answers images in whatever order
--     Postgres returns them; we keep the import's order).
--   * product.profile_id is not a column: it is the product's one product_shipping_profile row.

CREATE TABLE currency (
    code          VARCHAR(3)   NOT NULL,
    symbol        VARCHAR(32)  NOT NULL,
    symbol_native VARCHAR(32)  NOT NULL,
    name          VARCHAR(255) NOT NULL,
    PRIMARY KEY (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE sales_channel (
    id          VARCHAR(64)  NOT NULL,
    name        VARCHAR(255) NOT NULL,
    description VARCHAR(255) NULL,
    is_disabled TINYINT(1)   NOT NULL DEFAULT 0,
    created_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at  DATETIME(3)  NULL,
    metadata    LONGTEXT     NULL,
    PRIMARY KEY (id),
    CONSTRAINT ck_sales_channel_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row (Medusa's store is a singleton).
CREATE TABLE store (
    id                       VARCHAR(64)  NOT NULL,
    name                     VARCHAR(255) NOT NULL DEFAULT 'Medusa Store',
    default_currency_code    VARCHAR(3)   NOT NULL DEFAULT 'usd',
    swap_link_template       VARCHAR(255) NULL,
    payment_link_template    VARCHAR(255) NULL,
    invite_link_template     VARCHAR(255) NULL,
    default_location_id      VARCHAR(64)  NULL,
    default_sales_channel_id VARCHAR(64)  NULL,
    created_at               DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at               DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    metadata                 LONGTEXT     NULL,
    PRIMARY KEY (id),
    CONSTRAINT fk_store_currency FOREIGN KEY (default_currency_code) REFERENCES currency (code),
    CONSTRAINT fk_store_sales_channel FOREIGN KEY (default_sales_channel_id) REFERENCES sales_channel (id),
    CONSTRAINT ck_store_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE store_currencies (
    store_id      VARCHAR(64) NOT NULL,
    currency_code VARCHAR(3)  NOT NULL,
    PRIMARY KEY (store_id, currency_code),
    CONSTRAINT fk_store_currencies_store FOREIGN KEY (store_id) REFERENCES store (id) ON DELETE CASCADE,
    CONSTRAINT fk_store_currencies_currency FOREIGN KEY (currency_code) REFERENCES currency (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The key's id (pk_...) is the token sent in x-publishable-api-key. created_by / revoked_by
-- name admin users, which medusa-c does not have: NULL for imported keys.
CREATE TABLE publishable_api_key (
    id         VARCHAR(64)  NOT NULL,
    title      VARCHAR(255) NOT NULL,
    created_by VARCHAR(64)  NULL,
    revoked_by VARCHAR(64)  NULL,
    revoked_at DATETIME(3)  NULL,
    created_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (id),
    UNIQUE KEY uq_publishable_api_key_title (title)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE publishable_api_key_sales_channel (
    id                     VARCHAR(64) NOT NULL,
    publishable_api_key_id VARCHAR(64) NOT NULL,
    sales_channel_id       VARCHAR(64) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_pksc (publishable_api_key_id, sales_channel_id),
    KEY ix_pksc_sales_channel (sales_channel_id),
    CONSTRAINT fk_pksc_key FOREIGN KEY (publishable_api_key_id) REFERENCES publishable_api_key (id) ON DELETE CASCADE,
    CONSTRAINT fk_pksc_sales_channel FOREIGN KEY (sales_channel_id) REFERENCES sales_channel (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE shipping_profile (
    id         VARCHAR(64)  NOT NULL,
    name       VARCHAR(255) NOT NULL,
    type       VARCHAR(16)  NOT NULL,
    created_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at DATETIME(3)  NULL,
    metadata   LONGTEXT     NULL,
    PRIMARY KEY (id),
    CONSTRAINT ck_shipping_profile_type CHECK (type IN ('default', 'gift_card', 'custom')),
    CONSTRAINT ck_shipping_profile_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE payment_provider (
    id           VARCHAR(64) NOT NULL,
    is_installed TINYINT(1)  NOT NULL DEFAULT 1,
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE fulfillment_provider (
    id           VARCHAR(64) NOT NULL,
    is_installed TINYINT(1)  NOT NULL DEFAULT 1,
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE tax_provider (
    id           VARCHAR(64) NOT NULL,
    is_installed TINYINT(1)  NOT NULL DEFAULT 1,
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- tax_rate is decimal text (see the header); tax_provider_id NULL means the system provider.
CREATE TABLE region (
    id                 VARCHAR(64)  NOT NULL,
    name               VARCHAR(255) NOT NULL,
    currency_code      VARCHAR(3)   NOT NULL,
    tax_rate           VARCHAR(32)  NOT NULL DEFAULT '0',
    tax_code           VARCHAR(255) NULL,
    gift_cards_taxable TINYINT(1)   NOT NULL DEFAULT 1,
    automatic_taxes    TINYINT(1)   NOT NULL DEFAULT 1,
    tax_provider_id    VARCHAR(64)  NULL,
    created_at         DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at         DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at         DATETIME(3)  NULL,
    metadata           LONGTEXT     NULL,
    -- The import's natural key (Medusa does not enforce unique region names).
    name_live          VARCHAR(255) AS (IF(deleted_at IS NULL, name, NULL)) PERSISTENT,
    PRIMARY KEY (id),
    UNIQUE KEY uq_region_name_live (name_live),
    KEY ix_region_currency_code (currency_code),
    CONSTRAINT fk_region_currency FOREIGN KEY (currency_code) REFERENCES currency (code),
    CONSTRAINT fk_region_tax_provider FOREIGN KEY (tax_provider_id) REFERENCES tax_provider (id),
    CONSTRAINT ck_region_tax_rate CHECK (tax_rate REGEXP '^-?[0-9]+(\\.[0-9]+)?(e[-+]?[0-9]+)?$'),
    CONSTRAINT ck_region_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A country belongs to at most one region: country.region_id (created in 001).
ALTER TABLE country
    ADD KEY ix_country_region_id (region_id),
    ADD CONSTRAINT fk_country_region FOREIGN KEY (region_id) REFERENCES region (id);

CREATE TABLE region_payment_providers (
    region_id   VARCHAR(64) NOT NULL,
    provider_id VARCHAR(64) NOT NULL,
    PRIMARY KEY (region_id, provider_id),
    CONSTRAINT fk_rpp_region FOREIGN KEY (region_id) REFERENCES region (id) ON DELETE CASCADE,
    CONSTRAINT fk_rpp_provider FOREIGN KEY (provider_id) REFERENCES payment_provider (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE region_fulfillment_providers (
    region_id   VARCHAR(64) NOT NULL,
    provider_id VARCHAR(64) NOT NULL,
    PRIMARY KEY (region_id, provider_id),
    CONSTRAINT fk_rfp_region FOREIGN KEY (region_id) REFERENCES region (id) ON DELETE CASCADE,
    CONSTRAINT fk_rfp_provider FOREIGN KEY (provider_id) REFERENCES fulfillment_provider (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- rate is decimal text or NULL (Medusa's column is nullable `real`).
CREATE TABLE tax_rate (
    id         VARCHAR(64)  NOT NULL,
    rate       VARCHAR(32)  NULL,
    code       VARCHAR(255) NULL,
    name       VARCHAR(255) NOT NULL,
    region_id  VARCHAR(64)  NOT NULL,
    created_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    metadata   LONGTEXT     NULL,
    PRIMARY KEY (id),
    -- The import's natural key: one name per region.
    UNIQUE KEY uq_tax_rate_region_name (region_id, name),
    CONSTRAINT fk_tax_rate_region FOREIGN KEY (region_id) REFERENCES region (id) ON DELETE CASCADE,
    CONSTRAINT ck_tax_rate_rate CHECK (rate IS NULL OR rate REGEXP '^-?[0-9]+(\\.[0-9]+)?(e[-+]?[0-9]+)?$'),
    CONSTRAINT ck_tax_rate_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE product_collection (
    id         VARCHAR(64)  NOT NULL,
    title      VARCHAR(255) NOT NULL,
    handle     VARCHAR(255) NULL,
    created_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at DATETIME(3)  NULL,
    metadata   LONGTEXT     NULL,
    handle_live VARCHAR(255) AS (IF(deleted_at IS NULL, handle, NULL)) PERSISTENT,
    PRIMARY KEY (id),
    UNIQUE KEY uq_product_collection_handle_live (handle_live),
    KEY ix_product_collection_created_at (created_at),
    CONSTRAINT ck_product_collection_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE product_type (
    id         VARCHAR(64)  NOT NULL,
    value      VARCHAR(255) NOT NULL,
    created_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at DATETIME(3)  NULL,
    metadata   LONGTEXT     NULL,
    value_live VARCHAR(255) AS (IF(deleted_at IS NULL, value, NULL)) PERSISTENT,
    PRIMARY KEY (id),
    UNIQUE KEY uq_product_type_value_live (value_live),
    CONSTRAINT ck_product_type_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Medusa upserts tags by value: one row per value (extras transcript 035).
CREATE TABLE product_tag (
    id         VARCHAR(64)  NOT NULL,
    value      VARCHAR(255) NOT NULL,
    created_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at DATETIME(3)  NULL,
    metadata   LONGTEXT     NULL,
    value_live VARCHAR(255) AS (IF(deleted_at IS NULL, value, NULL)) PERSISTENT,
    PRIMARY KEY (id),
    UNIQUE KEY uq_product_tag_value_live (value_live),
    CONSTRAINT ck_product_tag_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE product (
    id             VARCHAR(64)  NOT NULL,
    title          VARCHAR(255) NOT NULL,
    subtitle       VARCHAR(255) NULL,
    description    TEXT         NULL,
    handle         VARCHAR(255) NULL,
    is_giftcard    TINYINT(1)   NOT NULL DEFAULT 0,
    status         VARCHAR(16)  NOT NULL DEFAULT 'draft',
    thumbnail      VARCHAR(2048) NULL,
    weight         INT          NULL,
    length         INT          NULL,
    height         INT          NULL,
    width          INT          NULL,
    hs_code        VARCHAR(255) NULL,
    origin_country VARCHAR(255) NULL,
    mid_code       VARCHAR(255) NULL,
    material       VARCHAR(255) NULL,
    collection_id  VARCHAR(64)  NULL,
    type_id        VARCHAR(64)  NULL,
    discountable   TINYINT(1)   NOT NULL DEFAULT 1,
    external_id    VARCHAR(255) NULL,
    created_at     DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at     DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at     DATETIME(3)  NULL,
    metadata       LONGTEXT     NULL,
    handle_live    VARCHAR(255) AS (IF(deleted_at IS NULL, handle, NULL)) PERSISTENT,
    PRIMARY KEY (id),
    UNIQUE KEY uq_product_handle_live (handle_live),
    KEY ix_product_created_at (created_at),
    KEY ix_product_collection_id (collection_id),
    KEY ix_product_type_id (type_id),
    CONSTRAINT fk_product_collection FOREIGN KEY (collection_id) REFERENCES product_collection (id) ON DELETE SET NULL,
    CONSTRAINT fk_product_type FOREIGN KEY (type_id) REFERENCES product_type (id) ON DELETE SET NULL,
    CONSTRAINT ck_product_status CHECK (status IN ('draft', 'proposed', 'published', 'rejected')),
    CONSTRAINT ck_product_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE product_shipping_profile (
    product_id VARCHAR(64) NOT NULL,
    profile_id VARCHAR(64) NOT NULL,
    PRIMARY KEY (product_id, profile_id),
    KEY ix_product_shipping_profile_profile (profile_id),
    CONSTRAINT fk_psp_product FOREIGN KEY (product_id) REFERENCES product (id) ON DELETE CASCADE,
    CONSTRAINT fk_psp_profile FOREIGN KEY (profile_id) REFERENCES shipping_profile (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE product_tags (
    product_id     VARCHAR(64) NOT NULL,
    product_tag_id VARCHAR(64) NOT NULL,
    PRIMARY KEY (product_id, product_tag_id),
    KEY ix_product_tags_tag (product_tag_id),
    CONSTRAINT fk_product_tags_product FOREIGN KEY (product_id) REFERENCES product (id) ON DELETE CASCADE,
    CONSTRAINT fk_product_tags_tag FOREIGN KEY (product_tag_id) REFERENCES product_tag (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE image (
    id         VARCHAR(64)   NOT NULL,
    url        VARCHAR(2048) NOT NULL,
    created_at DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at DATETIME(3)   NULL,
    metadata   LONGTEXT      NULL,
    PRIMARY KEY (id),
    CONSTRAINT ck_image_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- rank: the image's position in the import (answers list images by rank).
CREATE TABLE product_images (
    product_id VARCHAR(64) NOT NULL,
    image_id   VARCHAR(64) NOT NULL,
    `rank`     INT         NOT NULL DEFAULT 0,
    PRIMARY KEY (product_id, image_id),
    KEY ix_product_images_image (image_id),
    CONSTRAINT fk_product_images_product FOREIGN KEY (product_id) REFERENCES product (id) ON DELETE CASCADE,
    CONSTRAINT fk_product_images_image FOREIGN KEY (image_id) REFERENCES image (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Tax rates that apply to products, product types and shipping options instead of the
-- region's default rate.
CREATE TABLE product_tax_rate (
    product_id VARCHAR(64) NOT NULL,
    rate_id    VARCHAR(64) NOT NULL,
    created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    metadata   LONGTEXT    NULL,
    PRIMARY KEY (product_id, rate_id),
    KEY ix_product_tax_rate_rate (rate_id),
    CONSTRAINT fk_ptr_product FOREIGN KEY (product_id) REFERENCES product (id) ON DELETE CASCADE,
    CONSTRAINT fk_ptr_rate FOREIGN KEY (rate_id) REFERENCES tax_rate (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE product_type_tax_rate (
    product_type_id VARCHAR(64) NOT NULL,
    rate_id         VARCHAR(64) NOT NULL,
    created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    metadata        LONGTEXT    NULL,
    PRIMARY KEY (product_type_id, rate_id),
    KEY ix_product_type_tax_rate_rate (rate_id),
    CONSTRAINT fk_pttr_type FOREIGN KEY (product_type_id) REFERENCES product_type (id) ON DELETE CASCADE,
    CONSTRAINT fk_pttr_rate FOREIGN KEY (rate_id) REFERENCES tax_rate (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE product_option (
    id         VARCHAR(64)  NOT NULL,
    title      VARCHAR(255) NOT NULL,
    product_id VARCHAR(64)  NOT NULL,
    created_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at DATETIME(3)  NULL,
    metadata   LONGTEXT     NULL,
    PRIMARY KEY (id),
    KEY ix_product_option_product (product_id),
    CONSTRAINT fk_product_option_product FOREIGN KEY (product_id) REFERENCES product (id) ON DELETE CASCADE,
    CONSTRAINT ck_product_option_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- inventory_quantity is what checkout decrements (API.md section 9, Stock).
CREATE TABLE product_variant (
    id                 VARCHAR(64)  NOT NULL,
    title              VARCHAR(255) NOT NULL,
    product_id         VARCHAR(64)  NOT NULL,
    sku                VARCHAR(255) NULL,
    barcode            VARCHAR(255) NULL,
    ean                VARCHAR(255) NULL,
    upc                VARCHAR(255) NULL,
    variant_rank       INT          NULL DEFAULT 0,
    inventory_quantity INT          NOT NULL DEFAULT 0,
    allow_backorder    TINYINT(1)   NOT NULL DEFAULT 0,
    manage_inventory   TINYINT(1)   NOT NULL DEFAULT 1,
    hs_code            VARCHAR(255) NULL,
    origin_country     VARCHAR(255) NULL,
    mid_code           VARCHAR(255) NULL,
    material           VARCHAR(255) NULL,
    weight             INT          NULL,
    length             INT          NULL,
    height             INT          NULL,
    width              INT          NULL,
    created_at         DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at         DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at         DATETIME(3)  NULL,
    metadata           LONGTEXT     NULL,
    sku_live           VARCHAR(255) AS (IF(deleted_at IS NULL, sku, NULL)) PERSISTENT,
    barcode_live       VARCHAR(255) AS (IF(deleted_at IS NULL, barcode, NULL)) PERSISTENT,
    ean_live           VARCHAR(255) AS (IF(deleted_at IS NULL, ean, NULL)) PERSISTENT,
    upc_live           VARCHAR(255) AS (IF(deleted_at IS NULL, upc, NULL)) PERSISTENT,
    PRIMARY KEY (id),
    UNIQUE KEY uq_product_variant_sku_live (sku_live),
    UNIQUE KEY uq_product_variant_barcode_live (barcode_live),
    UNIQUE KEY uq_product_variant_ean_live (ean_live),
    UNIQUE KEY uq_product_variant_upc_live (upc_live),
    KEY ix_product_variant_product (product_id, variant_rank),
    CONSTRAINT fk_product_variant_product FOREIGN KEY (product_id) REFERENCES product (id) ON DELETE CASCADE,
    CONSTRAINT ck_product_variant_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE product_option_value (
    id         VARCHAR(64)  NOT NULL,
    value      VARCHAR(255) NOT NULL,
    option_id  VARCHAR(64)  NOT NULL,
    variant_id VARCHAR(64)  NOT NULL,
    created_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at DATETIME(3)  NULL,
    metadata   LONGTEXT     NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_product_option_value_variant_option (variant_id, option_id),
    KEY ix_product_option_value_option (option_id),
    CONSTRAINT fk_pov_option FOREIGN KEY (option_id) REFERENCES product_option (id) ON DELETE CASCADE,
    CONSTRAINT fk_pov_variant FOREIGN KEY (variant_id) REFERENCES product_variant (id) ON DELETE CASCADE,
    CONSTRAINT ck_product_option_value_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE price_list (
    id          VARCHAR(64)  NOT NULL,
    name        VARCHAR(255) NOT NULL,
    description VARCHAR(1024) NOT NULL,
    type        VARCHAR(16)  NOT NULL DEFAULT 'sale',
    status      VARCHAR(16)  NOT NULL DEFAULT 'draft',
    starts_at   DATETIME(3)  NULL,
    ends_at     DATETIME(3)  NULL,
    created_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at  DATETIME(3)  NULL,
    name_live   VARCHAR(255) AS (IF(deleted_at IS NULL, name, NULL)) PERSISTENT,
    PRIMARY KEY (id),
    UNIQUE KEY uq_price_list_name_live (name_live),
    CONSTRAINT ck_price_list_type CHECK (type IN ('sale', 'override')),
    CONSTRAINT ck_price_list_status CHECK (status IN ('active', 'draft'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE price_list_customer_groups (
    price_list_id     VARCHAR(64) NOT NULL,
    customer_group_id VARCHAR(64) NOT NULL,
    PRIMARY KEY (price_list_id, customer_group_id),
    KEY ix_plcg_group (customer_group_id),
    CONSTRAINT fk_plcg_price_list FOREIGN KEY (price_list_id) REFERENCES price_list (id) ON DELETE CASCADE,
    CONSTRAINT fk_plcg_group FOREIGN KEY (customer_group_id) REFERENCES customer_group (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A price of one variant: a currency price (region_id NULL) or a region price, optionally in a
-- price list and bounded by quantity. No metadata column (Medusa's has none).
CREATE TABLE money_amount (
    id            VARCHAR(64) NOT NULL,
    variant_id    VARCHAR(64) NOT NULL,
    currency_code VARCHAR(3)  NOT NULL,
    amount        INT         NOT NULL,
    min_quantity  INT         NULL,
    max_quantity  INT         NULL,
    price_list_id VARCHAR(64) NULL,
    region_id     VARCHAR(64) NULL,
    created_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at    DATETIME(3) NULL,
    PRIMARY KEY (id),
    KEY ix_money_amount_variant (variant_id, currency_code),
    KEY ix_money_amount_region (region_id),
    KEY ix_money_amount_price_list (price_list_id),
    CONSTRAINT fk_money_amount_variant FOREIGN KEY (variant_id) REFERENCES product_variant (id) ON DELETE CASCADE,
    CONSTRAINT fk_money_amount_currency FOREIGN KEY (currency_code) REFERENCES currency (code),
    CONSTRAINT fk_money_amount_price_list FOREIGN KEY (price_list_id) REFERENCES price_list (id) ON DELETE CASCADE,
    CONSTRAINT fk_money_amount_region FOREIGN KEY (region_id) REFERENCES region (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The tree: parent_category_id, rank among siblings (0..n-1), mpath "root.child.self." as
-- TypeORM's materialized path writes it (prefix queries give a subtree). No deleted_at (Medusa's
-- category is not soft-deleted).
CREATE TABLE product_category (
    id                 VARCHAR(64)  NOT NULL,
    name               VARCHAR(255) NOT NULL,
    description        TEXT         NOT NULL DEFAULT '',
    handle             VARCHAR(255) NOT NULL,
    mpath              VARCHAR(2048) NULL,
    is_active          TINYINT(1)   NOT NULL DEFAULT 0,
    is_internal        TINYINT(1)   NOT NULL DEFAULT 0,
    parent_category_id VARCHAR(64)  NULL,
    `rank`             INT          NOT NULL DEFAULT 0,
    created_at         DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at         DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    metadata           LONGTEXT     NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_product_category_handle (handle),
    KEY ix_product_category_parent_rank (parent_category_id, `rank`),
    KEY ix_product_category_mpath (mpath(255)),
    CONSTRAINT fk_product_category_parent FOREIGN KEY (parent_category_id) REFERENCES product_category (id) ON DELETE CASCADE,
    CONSTRAINT ck_product_category_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE product_category_product (
    product_category_id VARCHAR(64) NOT NULL,
    product_id          VARCHAR(64) NOT NULL,
    PRIMARY KEY (product_category_id, product_id),
    KEY ix_pcp_product (product_id),
    CONSTRAINT fk_pcp_category FOREIGN KEY (product_category_id) REFERENCES product_category (id) ON DELETE CASCADE,
    CONSTRAINT fk_pcp_product FOREIGN KEY (product_id) REFERENCES product (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE product_sales_channel (
    product_id       VARCHAR(64) NOT NULL,
    sales_channel_id VARCHAR(64) NOT NULL,
    PRIMARY KEY (product_id, sales_channel_id),
    KEY ix_psc_sales_channel (sales_channel_id),
    CONSTRAINT fk_psc_product FOREIGN KEY (product_id) REFERENCES product (id) ON DELETE CASCADE,
    CONSTRAINT fk_psc_sales_channel FOREIGN KEY (sales_channel_id) REFERENCES sales_channel (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- amount is NULL for price_type 'calculated'. data is the provider's JSON (never NULL).
CREATE TABLE shipping_option (
    id          VARCHAR(64)  NOT NULL,
    name        VARCHAR(255) NOT NULL,
    region_id   VARCHAR(64)  NOT NULL,
    profile_id  VARCHAR(64)  NOT NULL,
    provider_id VARCHAR(64)  NOT NULL,
    price_type  VARCHAR(16)  NOT NULL,
    amount      INT          NULL,
    is_return   TINYINT(1)   NOT NULL DEFAULT 0,
    admin_only  TINYINT(1)   NOT NULL DEFAULT 0,
    data        LONGTEXT     NOT NULL,
    created_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at  DATETIME(3)  NULL,
    metadata    LONGTEXT     NULL,
    -- The import's natural key: (region, name, is_return) while live.
    name_live   VARCHAR(255) AS (IF(deleted_at IS NULL, name, NULL)) PERSISTENT,
    PRIMARY KEY (id),
    UNIQUE KEY uq_shipping_option_region_name_live (region_id, name_live, is_return),
    KEY ix_shipping_option_profile (profile_id),
    CONSTRAINT fk_shipping_option_region FOREIGN KEY (region_id) REFERENCES region (id),
    CONSTRAINT fk_shipping_option_profile FOREIGN KEY (profile_id) REFERENCES shipping_profile (id),
    CONSTRAINT fk_shipping_option_provider FOREIGN KEY (provider_id) REFERENCES fulfillment_provider (id),
    CONSTRAINT ck_shipping_option_price_type CHECK (price_type IN ('flat_rate', 'calculated')),
    CONSTRAINT ck_shipping_option_data CHECK (JSON_VALID(data)),
    CONSTRAINT ck_shipping_option_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE shipping_option_requirement (
    id                 VARCHAR(64) NOT NULL,
    shipping_option_id VARCHAR(64) NOT NULL,
    type               VARCHAR(16) NOT NULL,
    amount             INT         NOT NULL,
    deleted_at         DATETIME(3) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_sor_option_type (shipping_option_id, type),
    CONSTRAINT fk_sor_option FOREIGN KEY (shipping_option_id) REFERENCES shipping_option (id) ON DELETE CASCADE,
    CONSTRAINT ck_sor_type CHECK (type IN ('min_subtotal', 'max_subtotal'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE shipping_tax_rate (
    shipping_option_id VARCHAR(64) NOT NULL,
    rate_id            VARCHAR(64) NOT NULL,
    created_at         DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at         DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    metadata           LONGTEXT    NULL,
    PRIMARY KEY (shipping_option_id, rate_id),
    KEY ix_shipping_tax_rate_rate (rate_id),
    CONSTRAINT fk_str_option FOREIGN KEY (shipping_option_id) REFERENCES shipping_option (id) ON DELETE CASCADE,
    CONSTRAINT fk_str_rate FOREIGN KEY (rate_id) REFERENCES tax_rate (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE return_reason (
    id                      VARCHAR(64)  NOT NULL,
    value                   VARCHAR(255) NOT NULL,
    label                   VARCHAR(255) NOT NULL,
    description             VARCHAR(1024) NULL,
    parent_return_reason_id VARCHAR(64)  NULL,
    created_at              DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at              DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at              DATETIME(3)  NULL,
    metadata                LONGTEXT     NULL,
    value_live              VARCHAR(255) AS (IF(deleted_at IS NULL, value, NULL)) PERSISTENT,
    PRIMARY KEY (id),
    UNIQUE KEY uq_return_reason_value_live (value_live),
    KEY ix_return_reason_parent (parent_return_reason_id),
    CONSTRAINT fk_return_reason_parent FOREIGN KEY (parent_return_reason_id) REFERENCES return_reason (id) ON DELETE CASCADE,
    CONSTRAINT ck_return_reason_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- code is case-sensitive (extras transcript 045). balance is what checkout draws down;
-- tax_rate is decimal text or NULL; order_id is the order that bought the card (no FK: orders
-- of gift-card products come with issue 12).
CREATE TABLE gift_card (
    id          VARCHAR(64)  NOT NULL,
    code        VARCHAR(255) NOT NULL,
    value       INT          NOT NULL,
    balance     INT          NOT NULL,
    region_id   VARCHAR(64)  NOT NULL,
    order_id    VARCHAR(64)  NULL,
    is_disabled TINYINT(1)   NOT NULL DEFAULT 0,
    ends_at     DATETIME(3)  NULL,
    tax_rate    VARCHAR(32)  NULL,
    created_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at  DATETIME(3)  NULL,
    metadata    LONGTEXT     NULL,
    code_live   VARCHAR(255) AS (IF(deleted_at IS NULL, code, NULL)) PERSISTENT,
    PRIMARY KEY (id),
    UNIQUE KEY uq_gift_card_code_live (code_live),
    KEY ix_gift_card_region (region_id),
    KEY ix_gift_card_order (order_id),
    CONSTRAINT fk_gift_card_region FOREIGN KEY (region_id) REFERENCES region (id),
    CONSTRAINT ck_gift_card_tax_rate CHECK (tax_rate IS NULL OR tax_rate REGEXP '^-?[0-9]+(\\.[0-9]+)?(e[-+]?[0-9]+)?$'),
    CONSTRAINT ck_gift_card_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Discounts: tables for the cart work of issue 12; the import fills them already.
CREATE TABLE discount_rule (
    id          VARCHAR(64)  NOT NULL,
    description VARCHAR(1024) NULL,
    type        VARCHAR(16)  NOT NULL,
    value       INT          NOT NULL,
    allocation  VARCHAR(16)  NULL,
    created_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at  DATETIME(3)  NULL,
    metadata    LONGTEXT     NULL,
    PRIMARY KEY (id),
    CONSTRAINT ck_discount_rule_type CHECK (type IN ('fixed', 'percentage', 'free_shipping')),
    CONSTRAINT ck_discount_rule_allocation CHECK (allocation IS NULL OR allocation IN ('total', 'item')),
    CONSTRAINT ck_discount_rule_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- code is stored upper-case (Medusa upper-cases discount codes; extras transcript 068).
CREATE TABLE discount (
    id                 VARCHAR(64)  NOT NULL,
    code               VARCHAR(255) NOT NULL,
    is_dynamic         TINYINT(1)   NOT NULL DEFAULT 0,
    rule_id            VARCHAR(64)  NULL,
    is_disabled        TINYINT(1)   NOT NULL DEFAULT 0,
    parent_discount_id VARCHAR(64)  NULL,
    starts_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    ends_at            DATETIME(3)  NULL,
    valid_duration     VARCHAR(64)  NULL,
    usage_limit        INT          NULL,
    usage_count        INT          NOT NULL DEFAULT 0,
    created_at         DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at         DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at         DATETIME(3)  NULL,
    metadata           LONGTEXT     NULL,
    code_live          VARCHAR(255) AS (IF(deleted_at IS NULL, code, NULL)) PERSISTENT,
    PRIMARY KEY (id),
    UNIQUE KEY uq_discount_code_live (code_live),
    KEY ix_discount_rule (rule_id),
    CONSTRAINT fk_discount_rule FOREIGN KEY (rule_id) REFERENCES discount_rule (id),
    CONSTRAINT fk_discount_parent FOREIGN KEY (parent_discount_id) REFERENCES discount (id),
    CONSTRAINT ck_discount_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE discount_regions (
    discount_id VARCHAR(64) NOT NULL,
    region_id   VARCHAR(64) NOT NULL,
    PRIMARY KEY (discount_id, region_id),
    KEY ix_discount_regions_region (region_id),
    CONSTRAINT fk_discount_regions_discount FOREIGN KEY (discount_id) REFERENCES discount (id) ON DELETE CASCADE,
    CONSTRAINT fk_discount_regions_region FOREIGN KEY (region_id) REFERENCES region (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE discount_condition (
    id               VARCHAR(64) NOT NULL,
    type             VARCHAR(32) NOT NULL,
    operator         VARCHAR(8)  NOT NULL,
    discount_rule_id VARCHAR(64) NOT NULL,
    created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at       DATETIME(3) NULL,
    metadata         LONGTEXT    NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_discount_condition_rule_type_operator (discount_rule_id, type, operator),
    CONSTRAINT fk_discount_condition_rule FOREIGN KEY (discount_rule_id) REFERENCES discount_rule (id) ON DELETE CASCADE,
    CONSTRAINT ck_discount_condition_type CHECK (type IN ('products', 'product_types', 'product_collections',
        'product_tags', 'customer_groups')),
    CONSTRAINT ck_discount_condition_operator CHECK (operator IN ('in', 'not_in')),
    CONSTRAINT ck_discount_condition_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE discount_condition_product (
    product_id   VARCHAR(64) NOT NULL,
    condition_id VARCHAR(64) NOT NULL,
    PRIMARY KEY (product_id, condition_id),
    KEY ix_dcp_condition (condition_id),
    CONSTRAINT fk_dcp_product FOREIGN KEY (product_id) REFERENCES product (id) ON DELETE CASCADE,
    CONSTRAINT fk_dcp_condition FOREIGN KEY (condition_id) REFERENCES discount_condition (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE discount_condition_product_type (
    product_type_id VARCHAR(64) NOT NULL,
    condition_id    VARCHAR(64) NOT NULL,
    PRIMARY KEY (product_type_id, condition_id),
    KEY ix_dcpt_condition (condition_id),
    CONSTRAINT fk_dcpt_type FOREIGN KEY (product_type_id) REFERENCES product_type (id) ON DELETE CASCADE,
    CONSTRAINT fk_dcpt_condition FOREIGN KEY (condition_id) REFERENCES discount_condition (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE discount_condition_product_collection (
    product_collection_id VARCHAR(64) NOT NULL,
    condition_id          VARCHAR(64) NOT NULL,
    PRIMARY KEY (product_collection_id, condition_id),
    KEY ix_dcpc_condition (condition_id),
    CONSTRAINT fk_dcpc_collection FOREIGN KEY (product_collection_id) REFERENCES product_collection (id) ON DELETE CASCADE,
    CONSTRAINT fk_dcpc_condition FOREIGN KEY (condition_id) REFERENCES discount_condition (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE discount_condition_product_tag (
    product_tag_id VARCHAR(64) NOT NULL,
    condition_id   VARCHAR(64) NOT NULL,
    PRIMARY KEY (product_tag_id, condition_id),
    KEY ix_dcptag_condition (condition_id),
    CONSTRAINT fk_dcptag_tag FOREIGN KEY (product_tag_id) REFERENCES product_tag (id) ON DELETE CASCADE,
    CONSTRAINT fk_dcptag_condition FOREIGN KEY (condition_id) REFERENCES discount_condition (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE discount_condition_customer_group (
    customer_group_id VARCHAR(64) NOT NULL,
    condition_id      VARCHAR(64) NOT NULL,
    PRIMARY KEY (customer_group_id, condition_id),
    KEY ix_dccg_condition (condition_id),
    CONSTRAINT fk_dccg_group FOREIGN KEY (customer_group_id) REFERENCES customer_group (id) ON DELETE CASCADE,
    CONSTRAINT fk_dccg_condition FOREIGN KEY (condition_id) REFERENCES discount_condition (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Bumped by every committed import: workers that cache rendered catalogue answers compare it
-- to know an import happened (issue 11, Speed). One row, id 1.
CREATE TABLE catalogue_version (
    id          TINYINT     NOT NULL,
    version     BIGINT      NOT NULL DEFAULT 0,
    imported_at DATETIME(3) NULL,
    PRIMARY KEY (id),
    CONSTRAINT ck_catalogue_version_one_row CHECK (id = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO catalogue_version (id, version) VALUES (1, 0);
