-- 003_order: Medusa v1's `order` table (reference sections 4.1 and 4.12 list its columns), so that
-- GET /store/customers/me/orders reads real rows. Orders are created by the cart flow, which
-- medusa-c does not have yet; until then rows only come from imports (and the tests).
--
-- `order` is a reserved word in SQL: every statement must backquote it.
-- Types follow Medusa's PostgreSQL schema: the three status enums become VARCHAR with a CHECK
-- (adding a value later is an ALTER of the CHECK, not a table rebuild), display_id is Medusa's
-- serial (AUTO_INCREMENT needs a key: the UNIQUE one), tax_rate is PostgreSQL `real` (FLOAT, so
-- a filter value compares after the same float rounding), metadata is JSON text.
-- region, currency, cart, draft order and sales channel do not exist here yet: their ids are
-- plain columns without foreign keys. customer and addresses exist, so those are enforced.
-- The (customer_id, created_at) key serves the customer's order list, newest first (InnoDB
-- appends the primary key, which is the tie-break of that list).

CREATE TABLE `order` (
    id                  VARCHAR(64)  NOT NULL,
    created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    status              VARCHAR(32)  NOT NULL DEFAULT 'pending',
    fulfillment_status  VARCHAR(32)  NOT NULL DEFAULT 'not_fulfilled',
    payment_status      VARCHAR(32)  NOT NULL DEFAULT 'not_paid',
    display_id          INT          NOT NULL AUTO_INCREMENT,
    cart_id             VARCHAR(64)  NULL,
    customer_id         VARCHAR(64)  NOT NULL,
    email               VARCHAR(255) NOT NULL,
    billing_address_id  VARCHAR(64)  NULL,
    shipping_address_id VARCHAR(64)  NULL,
    region_id           VARCHAR(64)  NOT NULL,
    currency_code       VARCHAR(3)   NOT NULL,
    tax_rate            FLOAT        NULL,
    draft_order_id      VARCHAR(64)  NULL,
    canceled_at         DATETIME(3)  NULL,
    metadata            LONGTEXT     NULL,
    no_notification     TINYINT(1)   NULL,
    idempotency_key     VARCHAR(255) NULL,
    external_id         VARCHAR(255) NULL,
    sales_channel_id    VARCHAR(64)  NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_order_display_id (display_id),
    UNIQUE KEY uq_order_cart_id (cart_id),
    UNIQUE KEY uq_order_draft_order_id (draft_order_id),
    KEY ix_order_customer_created (customer_id, created_at),
    KEY ix_order_billing_address_id (billing_address_id),
    KEY ix_order_shipping_address_id (shipping_address_id),
    KEY ix_order_region_id (region_id),
    KEY ix_order_currency_code (currency_code),
    KEY ix_order_idempotency_key (idempotency_key),
    KEY ix_order_sales_channel_id (sales_channel_id),
    CONSTRAINT fk_order_customer FOREIGN KEY (customer_id) REFERENCES customer (id),
    CONSTRAINT fk_order_billing_address FOREIGN KEY (billing_address_id) REFERENCES address (id),
    CONSTRAINT fk_order_shipping_address FOREIGN KEY (shipping_address_id) REFERENCES address (id),
    CONSTRAINT ck_order_status CHECK (status IN ('pending', 'completed', 'archived', 'canceled', 'requires_action')),
    CONSTRAINT ck_order_fulfillment_status CHECK (fulfillment_status IN ('not_fulfilled', 'partially_fulfilled',
        'fulfilled', 'partially_shipped', 'shipped', 'partially_returned', 'returned', 'canceled', 'requires_action')),
    CONSTRAINT ck_order_payment_status CHECK (payment_status IN ('not_paid', 'awaiting', 'captured',
        'partially_refunded', 'refunded', 'canceled', 'requires_action')),
    CONSTRAINT ck_order_metadata CHECK (metadata IS NULL OR JSON_VALID(metadata))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
