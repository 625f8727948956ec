-- 004_customer_events: customer.created / customer.updated outbox rows written by triggers.
--
-- The row change and its event commit together because they are the same statement: the
-- trigger runs inside it. That costs no extra round trip from the workers (a profile update is
-- then one UPDATE), and nothing that changes a customer can forget its event. customer.updated
-- is written only when updated_at moved, i.e. when a customer column really changed (the
-- workers move updated_at only then). Galera replicates the outbox rows themselves (row-based),
-- triggers do not fire twice on the other nodes.

CREATE TRIGGER customer_created_event AFTER INSERT ON customer FOR EACH ROW
    INSERT INTO event_outbox (event, data, created_at)
    VALUES ('customer.created', JSON_OBJECT('id', NEW.id), NEW.created_at);

CREATE TRIGGER customer_updated_event AFTER UPDATE ON customer FOR EACH ROW
    INSERT INTO event_outbox (event, data, created_at)
    SELECT 'customer.updated', JSON_OBJECT('id', NEW.id), NEW.updated_at FROM DUAL
    WHERE NEW.updated_at <> OLD.updated_at;
