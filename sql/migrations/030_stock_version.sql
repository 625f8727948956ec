-- 030_stock_version: the version of the catalogue's stock, apart from catalogue_version (006).
-- Every completed order that takes stock bumps it (cgi/cart_complete.c); a worker that sees it
-- move re-reads only its snapshot's variant stock (inventory_quantity and the updated_at the
-- decrement wrote), where a moved catalogue_version (an import) reloads the whole snapshot
-- (sql/product_store.h). Before, every order bumped catalogue_version and so made every worker
-- reload and re-render the whole catalogue. One row, id 1; a row of its own, so an order's
-- bump never waits on (or conflicts in Galera with) an import's.
CREATE TABLE stock_version (
    id      TINYINT NOT NULL,
    version BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    CONSTRAINT ck_stock_version_one_row CHECK (id = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO stock_version (id, version) VALUES (1, 0);
