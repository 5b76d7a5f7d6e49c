-- Meta Cloud API numbers: which WABA and phone they are at Meta, the access token (and the
-- two-step PIN we set) encrypted with AES-256-GCM, and what Graph last said about the phone.
CREATE TABLE meta_numbers (
    number_id       TEXT PRIMARY KEY REFERENCES numbers (id) ON DELETE CASCADE,
    tenant_id       TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    waba_id         TEXT NOT NULL,
    phone_number_id TEXT NOT NULL,
    app_id          TEXT,
    token           TEXT NOT NULL,
    pin             TEXT,
    -- Graph's phone fields and WABA fields, as JSON.
    phone           TEXT NOT NULL DEFAULT '{}',
    waba            TEXT NOT NULL DEFAULT '{}',
    checked_at      INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
-- Meta's webhooks name the WABA (and sometimes the phone id), never our number.
CREATE INDEX meta_numbers_waba ON meta_numbers (waba_id);
CREATE INDEX meta_numbers_phone ON meta_numbers (phone_number_id);
