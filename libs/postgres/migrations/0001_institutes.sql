-- Institutes that send webhooks, and the hashes of their keys. A plain key is never stored.
CREATE TABLE IF NOT EXISTS institutes (
    slug        text PRIMARY KEY CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name        text NOT NULL,
    key_header  text NOT NULL DEFAULT 'x-wise-key' CHECK (key_header ~ '^[a-z0-9-]{1,100}$'),
    enabled     boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- A key is valid while retired_at is null; rotation adds a key and retires the old one later.
CREATE TABLE IF NOT EXISTS institute_keys (
    id              bigserial PRIMARY KEY,
    institute_slug  text NOT NULL REFERENCES institutes (slug) ON DELETE CASCADE,
    salt            text NOT NULL,
    key_hash        text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    retired_at      timestamptz
);

CREATE INDEX IF NOT EXISTS institute_keys_by_slug ON institute_keys (institute_slug) WHERE retired_at IS NULL;
