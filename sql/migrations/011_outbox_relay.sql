-- 011_outbox_relay: what the outbox relay (cgi/relay.c, sql/outbox_store.c) needs to deliver
-- event_outbox rows to EVENTS_WEBHOOK_URL at least once, from several pools on several nodes,
-- and what the janitor needs to prune rows without scanning the table.
--
-- A relay claims due rows with one UPDATE that writes its own random claim and pushes
-- next_attempt_at forward by a lease; it then POSTs them with no transaction open and, per
-- row, marks it delivered (processed_at) or schedules the next attempt (attempts + 1,
-- exponential backoff) only if its claim is still the row's. Two relays on one server queue on
-- the row locks of the claim UPDATE; on Galera the second to commit fails certification and
-- claims again later. A relay that dies leaves its rows to whoever claims after the lease.
--
-- next_attempt_at defaults to a time long past: a row is due the moment it is inserted, and the
-- INSERTs of the workers do not change.

ALTER TABLE event_outbox
    ADD COLUMN attempts        INT          NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at DATETIME(3)  NOT NULL DEFAULT '2000-01-01 00:00:00.000',
    ADD COLUMN claim           CHAR(32)     NULL,
    ADD COLUMN last_error      VARCHAR(255) NULL,
    ADD KEY ix_event_outbox_due (processed_at, next_attempt_at),
    ADD KEY ix_event_outbox_claim (claim),
    ADD KEY ix_event_outbox_created (created_at);
