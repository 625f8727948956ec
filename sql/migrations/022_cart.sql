-- 022_cart: carts and what checkout hangs on them (issue 12; reference section 2).
-- Designed once for the whole checkout so later steps add rows, not columns:
--   cart              Medusa's cart columns; addresses are rows of `address` (customer_id NULL
--                     for an address made on the cart), referenced by id as in Medusa.
--   line_item         the columns Medusa hydrates, in its key order; order_id is set when the
--                     cart completes (the order's items are the cart's rows, as in Medusa).
--   shipping_method   one row per chosen option (one per profile is enforced by the route).
--   payment_session   one row per (cart, provider); payment: the authorized payment.
--   line_item_tax_line / shipping_method_tax_line: persisted at completion only (carts compute
--                     theirs on every read).
-- Money is BIGINT in the currency's minor unit; JSON columns are LONGTEXT checked by JSON_VALID.
-- quantity must be at least 1 (Medusa's check makes -1 a 500; we validate before, API.md s. 9).
-- Ids of tables that live elsewhere (region, sales channel, variant, option) carry no foreign
-- key: an import may replace catalogue rows while carts keep pointing at them, as Medusa's soft
-- deletes do.

CREATE TABLE cart (
    id                    VARCHAR(64)  NOT NULL,
    created_at            DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at            DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    deleted_at            DATETIME(3)  NULL,
    email                 VARCHAR(255) NULL,
    billing_address_id    VARCHAR(64)  NULL,
    shipping_address_id   VARCHAR(64)  NULL,
    region_id             VARCHAR(64)  NOT NULL,
    customer_id           VARCHAR(64)  NULL,
    payment_id            VARCHAR(64)  NULL,
    type                  VARCHAR(32)  NOT NULL DEFAULT 'default',
    completed_at          DATETIME(3)  NULL,
    payment_authorized_at DATETIME(3)  NULL,
    idempotency_key       VARCHAR(255) NULL,
    context               LONGTEXT     NULL,
    metadata              LONGTEXT     NULL,
    sales_channel_id      VARCHAR(64)  NULL,
    PRIMARY KEY (id),
    KEY ix_cart_customer_id (customer_id),
    CONSTRAINT fk_cart_billing_address FOREIGN KEY (billing_address_id) REFERENCES address (id),
    CONSTRAINT fk_cart_shipping_address FOREIGN KEY (shipping_address_id) REFERENCES address (id),
    CONSTRAINT fk_cart_customer FOREIGN KEY (customer_id) REFERENCES customer (id),
    CONSTRAINT ck_cart_type CHECK (type IN ('default', 'swap', 'draft_order', 'payment_link', 'claim')),
    CONSTRAINT ck_cart_context CHECK (context IS NULL OR JSON_VALID(context)),
    CONSTRAINT ck_cart_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE line_item (
    id                 VARCHAR(64)  NOT NULL,
    created_at         DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at         DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    cart_id            VARCHAR(64)  NULL,
    order_id           VARCHAR(64)  NULL,
    swap_id            VARCHAR(64)  NULL,
    claim_order_id     VARCHAR(64)  NULL,
    original_item_id   VARCHAR(64)  NULL,
    order_edit_id      VARCHAR(64)  NULL,
    title              VARCHAR(255) NOT NULL,
    description        VARCHAR(255) NULL,
    thumbnail          TEXT         NULL,
    is_return          TINYINT(1)   NOT NULL DEFAULT 0,
    is_giftcard        TINYINT(1)   NOT NULL DEFAULT 0,
    should_merge       TINYINT(1)   NOT NULL DEFAULT 1,
    allow_discounts    TINYINT(1)   NOT NULL DEFAULT 1,
    has_shipping       TINYINT(1)   NULL,
    unit_price         BIGINT       NOT NULL,
    variant_id         VARCHAR(64)  NULL,
    quantity           INT          NOT NULL,
    fulfilled_quantity INT          NULL,
    returned_quantity  INT          NULL,
    shipped_quantity   INT          NULL,
    metadata           LONGTEXT     NULL,
    PRIMARY KEY (id),
    KEY ix_line_item_cart (cart_id, created_at),
    KEY ix_line_item_order (order_id),
    KEY ix_line_item_variant (variant_id),
    CONSTRAINT fk_line_item_cart FOREIGN KEY (cart_id) REFERENCES cart (id) ON DELETE CASCADE,
    CONSTRAINT ck_line_item_quantity CHECK (quantity > 0),
    CONSTRAINT ck_line_item_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE shipping_method (
    id                 VARCHAR(64)  NOT NULL,
    shipping_option_id VARCHAR(64)  NOT NULL,
    order_id           VARCHAR(64)  NULL,
    claim_order_id     VARCHAR(64)  NULL,
    cart_id            VARCHAR(64)  NULL,
    swap_id            VARCHAR(64)  NULL,
    return_id          VARCHAR(64)  NULL,
    price              BIGINT       NOT NULL,
    data               LONGTEXT     NOT NULL,
    PRIMARY KEY (id),
    KEY ix_shipping_method_cart (cart_id),
    KEY ix_shipping_method_order (order_id),
    CONSTRAINT fk_shipping_method_cart FOREIGN KEY (cart_id) REFERENCES cart (id) ON DELETE CASCADE,
    CONSTRAINT ck_shipping_method_price CHECK (price >= 0),
    CONSTRAINT ck_shipping_method_data CHECK (JSON_VALID(data))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE payment_session (
    id                    VARCHAR(64)  NOT NULL,
    created_at            DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at            DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    cart_id               VARCHAR(64)  NULL,
    provider_id           VARCHAR(64)  NOT NULL,
    is_selected           TINYINT(1)   NULL,
    is_initiated          TINYINT(1)   NOT NULL DEFAULT 0,
    status                VARCHAR(32)  NOT NULL,
    data                  LONGTEXT     NOT NULL,
    idempotency_key       VARCHAR(255) NULL,
    amount                BIGINT       NULL,
    payment_authorized_at DATETIME(3)  NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_payment_session_cart_provider (cart_id, provider_id),
    CONSTRAINT fk_payment_session_cart FOREIGN KEY (cart_id) REFERENCES cart (id) ON DELETE CASCADE,
    CONSTRAINT ck_payment_session_status CHECK (status IN ('authorized', 'pending', 'requires_more', 'error', 'canceled')),
    CONSTRAINT ck_payment_session_data CHECK (JSON_VALID(data))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE payment (
    id              VARCHAR(64)  NOT NULL,
    created_at      DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at      DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    swap_id         VARCHAR(64)  NULL,
    cart_id         VARCHAR(64)  NULL,
    order_id        VARCHAR(64)  NULL,
    amount          BIGINT       NOT NULL,
    currency_code   VARCHAR(3)   NOT NULL,
    amount_refunded BIGINT       NOT NULL DEFAULT 0,
    provider_id     VARCHAR(64)  NOT NULL,
    data            LONGTEXT     NOT NULL,
    captured_at     DATETIME(3)  NULL,
    canceled_at     DATETIME(3)  NULL,
    metadata        LONGTEXT     NULL,
    idempotency_key VARCHAR(255) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_payment_cart (cart_id),
    KEY ix_payment_order (order_id),
    CONSTRAINT ck_payment_data CHECK (JSON_VALID(data)),
    CONSTRAINT ck_payment_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- rate is PostgreSQL `real` in Medusa: FLOAT here, printed as the shortest decimal.
CREATE TABLE line_item_tax_line (
    id         VARCHAR(64)  NOT NULL,
    created_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    rate       FLOAT        NOT NULL,
    name       VARCHAR(255) NOT NULL,
    code       VARCHAR(255) NULL,
    metadata   LONGTEXT     NULL,
    item_id    VARCHAR(64)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_line_item_tax_line (item_id, code),
    CONSTRAINT fk_litl_item FOREIGN KEY (item_id) REFERENCES line_item (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE shipping_method_tax_line (
    id                 VARCHAR(64)  NOT NULL,
    created_at         DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at         DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    rate               FLOAT        NOT NULL,
    name               VARCHAR(255) NOT NULL,
    code               VARCHAR(255) NULL,
    metadata           LONGTEXT     NULL,
    shipping_method_id VARCHAR(64)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_shipping_method_tax_line (shipping_method_id, code),
    CONSTRAINT fk_smtl_method FOREIGN KEY (shipping_method_id) REFERENCES shipping_method (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
