-- Learning mode: an institute without a pinned key header (key_header NULL, the default for new
-- institutes) has its key looked for in every request header, and ingestion records here which
-- header carried it, for the operator to see (`institutes list`) and pin (`institutes pin-header`).
-- Existing institutes keep the header they had, pinned.
ALTER TABLE institutes ALTER COLUMN key_header DROP NOT NULL;
ALTER TABLE institutes ALTER COLUMN key_header DROP DEFAULT;
ALTER TABLE institutes ADD COLUMN IF NOT EXISTS learned_header text CHECK (learned_header ~ '^[a-z0-9-]{1,100}$');
ALTER TABLE institutes ADD COLUMN IF NOT EXISTS learned_at timestamptz;
