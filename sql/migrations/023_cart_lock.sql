-- 023_cart_lock: one row per cart that every writer of the cart writes first (issue 12).
-- A SELECT ... FOR UPDATE of the cart row serialises writers on one server, but Galera does not
-- replicate row locks and a locking read puts nothing into the write set: two adds of one cart
-- on two nodes could both pass certification with the same stale quantity (found by
-- tests/cluster/test_cluster_checkout.py: 333 answers of 200, quantity 300). Writing this row
-- makes any two writers of one cart conflict on every node (1213 -> the request runs again).
-- Written only after the cart row was found (no row for unknown ids). No foreign key: sql/migrate.sh
-- converts existing tables to utf8mb4_nopad_bin, which a new utf8mb4_bin key could not reference.
-- A row of its own, not cart.updated_at: Medusa keeps the cart's updated_at on a line add (084).
CREATE TABLE cart_lock (
    cart_id VARCHAR(64) NOT NULL,
    n       BIGINT      NOT NULL,
    PRIMARY KEY (cart_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
