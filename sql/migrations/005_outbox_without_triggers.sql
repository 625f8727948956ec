-- 005_outbox_without_triggers: the customer.* outbox rows are written by the workers, in the
-- transaction of the change they describe (sql/customer_store.c), instead of by the triggers of
-- migration 004.
--
-- Why: on a Galera node a trigger body is parsed each time a table instance is opened, also
-- while the node applies replicated write sets under conflicts. `make cluster-test` saw a node
-- keep a `customer` table instance whose trigger had failed to parse, after which statements on
-- that instance failed with 1064 "Unknown trigger has an error in its body" until the instance
-- left the table cache: HTTP 500s for registrations and profile updates through that node.
-- Without triggers nothing is parsed at table open.

DROP TRIGGER IF EXISTS customer_created_event;
DROP TRIGGER IF EXISTS customer_updated_event;
