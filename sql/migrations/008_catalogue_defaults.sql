-- 008_catalogue_defaults: what Medusa creates at every start (M:loaders/defaults.ts), created
-- once here: the store row, the default sales channel, the two shipping profiles, and the
-- `manual` payment and fulfillment providers. Countries (002) and currencies (007) are the rest.
-- The ids are fixed ULIDs, so every installation has the same boot rows (the import refers to
-- them through store.default_sales_channel_id and shipping_profile.type, never by id).

INSERT INTO sales_channel (id, name, description, is_disabled)
VALUES ('sc_01M8EW8J232V84PZCZFM1V20P3', 'Default Sales Channel', 'Created by Medusa', 0);

INSERT INTO store (id, name, default_currency_code, default_sales_channel_id)
VALUES ('store_01M8EW8J23K0RJ2ZZG2Z8M34SB', 'Medusa Store', 'usd', 'sc_01M8EW8J232V84PZCZFM1V20P3');

INSERT INTO store_currencies (store_id, currency_code)
VALUES ('store_01M8EW8J23K0RJ2ZZG2Z8M34SB', 'usd');

INSERT INTO shipping_profile (id, name, type)
VALUES ('sp_01M8EW8J23QT87SGCNY63A8CKK', 'Default Shipping Profile', 'default'),
       ('sp_01M8EW8J23MTN3C7JYNZ1WP5ZE', 'Gift Card Profile', 'gift_card');

INSERT INTO payment_provider (id, is_installed) VALUES ('manual', 1);
INSERT INTO fulfillment_provider (id, is_installed) VALUES ('manual', 1);
