-- Whether number-scoped API keys may send pairing links through the tenant's default sender
-- (off: a key handed to one number's integration cannot message arbitrary phones from the
-- tenant's number).
ALTER TABLE tenant_settings ADD COLUMN number_keys_send_links BOOLEAN NOT NULL DEFAULT FALSE;
