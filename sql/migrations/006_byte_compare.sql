-- 006_byte_compare: every stored text compares byte for byte, trailing spaces included.
--
-- utf8mb4_bin is a PAD SPACE collation: 'Ann' = 'Ann ' is true under it, in WHERE, in <=>, in
-- UNIQUE keys. The fast profile update compares old and new values in SQL, so "Ann" -> "Ann "
-- was written (and got an outbox row) without moving updated_at, while the slow path, which
-- compares in C, saw a change. PostgreSQL under Medusa compares varchar exactly.
-- utf8mb4_nopad_bin is the same binary collation without the padding: every comparison of
-- stored text is a byte comparison. New tables must use it too (test_defects.py checks that
-- no column of the schema has a PAD SPACE collation).
--
-- The conversions touch foreign-key columns on both sides (address.country_code ->
-- country.iso_2, ...), and MariaDB 10.11 refuses to change the collation of a column in a
-- foreign key even with the checks off (1833): the keys are dropped, every table converted,
-- and the same keys added back (checks off while adding: the rows are those that satisfied
-- them a moment ago).

ALTER TABLE `order` DROP FOREIGN KEY fk_order_billing_address, DROP FOREIGN KEY fk_order_customer,
    DROP FOREIGN KEY fk_order_shipping_address;
ALTER TABLE customer_group_customers DROP FOREIGN KEY fk_cgc_customer, DROP FOREIGN KEY fk_cgc_customer_group;
ALTER TABLE customer DROP FOREIGN KEY fk_customer_billing_address;
ALTER TABLE address DROP FOREIGN KEY fk_address_country, DROP FOREIGN KEY fk_address_customer;

ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
ALTER TABLE country CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
ALTER TABLE address CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
ALTER TABLE customer CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
ALTER TABLE customer_group CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
ALTER TABLE customer_group_customers CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
ALTER TABLE session CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
ALTER TABLE event_outbox CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
ALTER TABLE `order` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
ALTER TABLE schema_migrations CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;

SET foreign_key_checks = 0;
ALTER TABLE address
    ADD CONSTRAINT fk_address_country FOREIGN KEY (country_code) REFERENCES country (iso_2),
    ADD CONSTRAINT fk_address_customer FOREIGN KEY (customer_id) REFERENCES customer (id);
ALTER TABLE customer
    ADD CONSTRAINT fk_customer_billing_address FOREIGN KEY (billing_address_id) REFERENCES address (id);
ALTER TABLE customer_group_customers
    ADD CONSTRAINT fk_cgc_customer FOREIGN KEY (customer_id) REFERENCES customer (id) ON DELETE CASCADE,
    ADD CONSTRAINT fk_cgc_customer_group FOREIGN KEY (customer_group_id)
        REFERENCES customer_group (id) ON DELETE CASCADE;
ALTER TABLE `order`
    ADD CONSTRAINT fk_order_billing_address FOREIGN KEY (billing_address_id) REFERENCES address (id),
    ADD CONSTRAINT fk_order_customer FOREIGN KEY (customer_id) REFERENCES customer (id),
    ADD CONSTRAINT fk_order_shipping_address FOREIGN KEY (shipping_address_id) REFERENCES address (id);
SET foreign_key_checks = 1;
