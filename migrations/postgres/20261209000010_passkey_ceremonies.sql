-- A link's passkey ceremony (docs/passkey-ceremony.md). The hand-off code the page shows is
-- kept as its first four characters in clear (to find it and count wrong tries at it) and the
-- whole code only as a hash; once an extension claims it, the prefix is freed and only the
-- hash of the extension's bearer secret remains. One row per link: a new code replaces an
-- unclaimed one. The times are the funnel's (claimed, asserted, confirmed, failed).
CREATE TABLE passkey_ceremonies (
    link_id            TEXT PRIMARY KEY REFERENCES links (id) ON DELETE CASCADE,
    tenant_id          TEXT NOT NULL,
    number_id          TEXT NOT NULL,
    -- SHA-256 of WhatsApp's request the code was made for: a later request is a new ceremony.
    request_hash       TEXT NOT NULL,
    handoff_prefix     TEXT,
    handoff_hash       TEXT NOT NULL,
    handoff_expires_at BIGINT NOT NULL,
    handoff_tries      BIGINT NOT NULL DEFAULT 0,
    secret_hash        TEXT,
    claimed_at         BIGINT,
    asserted_at        BIGINT,
    confirmed_at       BIGINT,
    failed_at          BIGINT,
    failure            TEXT,
    created_at         BIGINT NOT NULL
);
CREATE UNIQUE INDEX passkey_ceremonies_prefix ON passkey_ceremonies (handoff_prefix);
CREATE UNIQUE INDEX passkey_ceremonies_secret ON passkey_ceremonies (secret_hash);
