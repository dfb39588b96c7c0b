-- A round computes its rosters and recordings in the projector too (libs/serving/src/roster-rows.ts,
-- recording-rows.ts), from the sessions it computed and flat reads of the roster, suspension and
-- recording facts: no statement joins the round's sessions back from ClickHouse, so they are no
-- longer staged, and serving_keys is the round's one work table.
-- Stop every projector of the previous release before starting the new ones (docs/serving.md,
-- "Upgrading to rosters and recordings computed in the projector (migration 0021)").
DROP TABLE IF EXISTS serving_round_sessions;
