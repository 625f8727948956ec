-- 029_order_tax_line_rates: the rate of a persisted tax line keeps the decimal text of the rate it
-- was made from ("20", "19.6", "7.5"), as tax_rate.rate and region.tax_rate do (migration 006),
-- instead of FLOAT: a FLOAT 19.6 reads back as 19.6000003814697, which Medusa's `real` (printed
-- by Postgres as the shortest decimal) never shows, and the order totals are computed from it.
-- Tax lines are written only when a cart completes (cgi/cart_complete.c).
ALTER TABLE line_item_tax_line MODIFY rate VARCHAR(32) NOT NULL,
    ADD CONSTRAINT ck_litl_rate CHECK (rate REGEXP '^-?[0-9]+(\\.[0-9]+)?(e[-+]?[0-9]+)?$');
ALTER TABLE shipping_method_tax_line MODIFY rate VARCHAR(32) NOT NULL,
    ADD CONSTRAINT ck_smtl_rate CHECK (rate REGEXP '^-?[0-9]+(\\.[0-9]+)?(e[-+]?[0-9]+)?$');
-- The unique (owner, code) keys of 022 would refuse two rates of one product that share a code
-- (an import may give a product and its type rates with one code); Medusa has no such key.
ALTER TABLE line_item_tax_line DROP KEY uq_line_item_tax_line, ADD KEY ix_litl_item (item_id);
ALTER TABLE shipping_method_tax_line DROP KEY uq_shipping_method_tax_line, ADD KEY ix_smtl_method (shipping_method_id);
