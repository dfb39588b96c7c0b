-- A round computes the intervals, the engagement and the attendance of its sessions in the
-- projector now (libs/serving/src/engagement-rows.ts, attendance-rows.ts), from its staged
-- devices and sessions and the rosters it reads: these three stages are no longer written.
-- Stop every projector of the previous release before starting the new ones (docs/serving.md,
-- "Upgrading to engagement computed in the projector (migration 0020)").
DROP TABLE IF EXISTS serving_round_intervals;
DROP TABLE IF EXISTS serving_round_roster;
DROP TABLE IF EXISTS serving_round_engagement;
