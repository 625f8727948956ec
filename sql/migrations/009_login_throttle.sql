-- 009_login_throttle: failed logins per account, so the per-account limit (LOGIN_MAX_FAILURES
-- in LOGIN_FAILURE_WINDOW seconds, README "Password work") holds across every worker, pool and
-- node that shares the database. It is read before any scrypt work.
--
-- One row per account that failed a login since its last success: a success deletes the row,
-- so the table stays as small as the set of accounts being guessed at. A fixed window: the
-- first failure after the window ended starts a new one. Times are epoch milliseconds set by
-- the worker (like the JWT iat), so no server clock or time zone is involved.

CREATE TABLE login_throttle (
    customer_id     VARCHAR(64) NOT NULL,
    failures        INT         NOT NULL,
    window_start_ms BIGINT      NOT NULL,
    PRIMARY KEY (customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
