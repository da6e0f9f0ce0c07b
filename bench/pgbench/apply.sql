-- The least a first-come application submit must write (issue 18), for pgbench and bench/db_cost.py:
-- lock the offering's day rows (the capacity rows) in weekday order, take one place on each,
-- insert the application (its idempotency key is a unique column, so it is also the idempotency
-- record), its seat requests and one audit row, in one transaction. Nothing else is read.
-- Variables (pgbench -D): offering, school, window, guardian, user, student_base; sequence
-- perf_apply_seq numbers the submits (a fresh child each time: one active application per child).
BEGIN;
SELECT id, taken, capacity FROM after_school_offeringday WHERE offering_id = :offering ORDER BY weekday FOR NO KEY UPDATE;
UPDATE after_school_offeringday SET taken = taken + 1 WHERE offering_id = :offering;
WITH n AS (SELECT nextval('perf_apply_seq') AS n) INSERT INTO after_school_application (created_at, updated_at, reference, grade_level, rank, state, idempotency_key, fee_due, waiver_percent, guardian_id, school_id, student_id, submitted_by_id, window_id, offering_id, dual_working) SELECT now(), now(), 'PG' || n, 3, 1, 'admitted', 'pgbench-' || n, 0, 0, :guardian, :school, :student_base + n, :user, :window, :offering, false FROM n RETURNING id AS app \gset
INSERT INTO after_school_seatrequest (weekday, state, application_id, day_id) SELECT weekday, 'admitted', :app, id FROM after_school_offeringday WHERE offering_id = :offering;
INSERT INTO audit_auditevent (occurred_at, actor_label, event_type, target_type, target_id, target_label, old_values, new_values, request_id, actor_id) VALUES (now(), 'pgbench', 'after_school.apply', 'after_school.application', :app, 'pgbench', '{}', '{"state": "admitted"}', '', :user);
COMMIT;
