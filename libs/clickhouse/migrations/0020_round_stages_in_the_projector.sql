-- A round computes its sessions, their intervals, engagement and attendance in the projector now
-- (libs/serving/src/session-rows.ts, engagement-rows.ts, attendance-rows.ts), from one read of
-- the participant events by device, the schedule and meeting facts, and the rosters: of the
-- round's stage tables only serving_keys and serving_round_sessions are still written.
-- Stop every projector of the previous release before starting the new ones (docs/serving.md,
-- "Upgrading to sessions and engagement computed in the projector (migration 0020)").
DROP TABLE IF EXISTS serving_round_devices;
DROP TABLE IF EXISTS serving_round_intervals;
DROP TABLE IF EXISTS serving_round_roster;
DROP TABLE IF EXISTS serving_round_engagement;
