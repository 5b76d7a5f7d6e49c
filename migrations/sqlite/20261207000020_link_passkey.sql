-- When WhatsApp first asked this link's phone for its passkey (`link.passkey_required`, once).
ALTER TABLE links ADD COLUMN passkey_required_at BIGINT;
