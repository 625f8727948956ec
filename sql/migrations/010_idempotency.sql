-- 010_idempotency: Idempotency-Key answers, and the commit markers that tell whether a
-- transaction whose COMMIT lost its connection was applied (API.md section 10, sql/idem_store.c).
--
-- idempotency_key: one row per (scope, key), written in the transaction of the change it
-- answers, so the change and its answer commit together or not at all. scope is the customer
-- id, or "anon <METHOD> <route>" for requests without a customer (registration, login).
-- fingerprint is the SHA-256 (hex) of method, target and body: the same key with another
-- request is 409. Rows are kept at least 24 hours (idem_store_prune deletes older ones).
CREATE TABLE idempotency_key (
    scope        VARCHAR(100)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    idem_key     VARCHAR(255)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    fingerprint  CHAR(64)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    status       SMALLINT      NOT NULL,
    content_type VARCHAR(100)  NOT NULL,
    headers      TEXT          NOT NULL,
    body         MEDIUMTEXT    NOT NULL,
    created_at   DATETIME(3)   NOT NULL,
    PRIMARY KEY (scope, idem_key),
    KEY idempotency_key_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- tx_marker: one row per worker process (worker: a random id made at worker start). Every
-- write transaction of a request sets txid to a number new to that worker before COMMIT; after
-- a lost COMMIT the worker reconnects and reads its row (locking, so it waits for the old
-- transaction to end): its txid there means committed. A row stops changing when its worker
-- exits; idem_store_prune deletes rows unchanged for a day.
CREATE TABLE tx_marker (
    worker     CHAR(32)        CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    txid       BIGINT UNSIGNED NOT NULL,
    updated_at DATETIME(3)     NOT NULL,
    PRIMARY KEY (worker)
) ENGINE=InnoDB;
