-- When a coexistence synchronisation that failed for a passing reason (Meta down, its rate
-- limit) is next tried; Meta takes them only within 24 hours of onboarding. NULL: none pending.
ALTER TABLE meta_numbers ADD COLUMN coex_retry_at BIGINT;
CREATE INDEX meta_numbers_coex_retry ON meta_numbers (coex_retry_at) WHERE coex_retry_at IS NOT NULL;
