-- The least a window's call-next must write (issue 18), for pgbench and bench/db_cost.py: the
-- ticket's update (the first waiting ticket of the point, taken with FOR UPDATE SKIP LOCKED),
-- its event row and one audit row, in one transaction. Nothing else is read.
-- Variables (pgbench -D): point, window, user.
BEGIN;
UPDATE service_halls_ticket SET state = 'called', window_id = :window, called_at = now(), first_called_at = now() WHERE id = (SELECT id FROM service_halls_ticket WHERE point_id = :point AND state = 'waiting' ORDER BY issued_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id AS ticket \gset
INSERT INTO service_halls_ticketevent (point_id, ticket_id, kind, at, window_id, actor_id, detail) VALUES (:point, :ticket, 'called', now(), :window, :user, '{}');
INSERT INTO audit_auditevent (occurred_at, actor_label, event_type, target_type, target_id, target_label, old_values, new_values, request_id, actor_id) VALUES (now(), 'pgbench', 'service_halls.ticket_call', 'service_halls.ticket', :ticket, 'pgbench', '{"state": "waiting"}', '{"state": "called"}', '', :user);
COMMIT;
