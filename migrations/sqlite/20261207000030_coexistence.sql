-- WhatsApp Business app numbers onboarded to the Cloud API (Meta's "Coexistence"): how we
-- know (JSON: status, evidence, and the contacts and history synchronisations we started),
-- and what Meta's coexistence webhooks brought, as counts only (no message bodies are kept).
ALTER TABLE meta_numbers ADD COLUMN coexistence TEXT;
ALTER TABLE meta_numbers ADD COLUMN coex_history_messages BIGINT NOT NULL DEFAULT 0;
ALTER TABLE meta_numbers ADD COLUMN coex_contacts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE meta_numbers ADD COLUMN coex_echoes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE meta_numbers ADD COLUMN coex_webhooks BIGINT NOT NULL DEFAULT 0;
-- `shared`, `declined` or NULL (no history webhook yet).
ALTER TABLE meta_numbers ADD COLUMN coex_history TEXT;
ALTER TABLE meta_numbers ADD COLUMN coex_last_at BIGINT;
-- The official rail offered on a WhatsApp Web link that cannot work (passkey gate).
ALTER TABLE tenant_settings ADD COLUMN official_fallback BOOLEAN NOT NULL DEFAULT FALSE;
