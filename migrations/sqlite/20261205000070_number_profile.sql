-- A number's documented piiMode, piiRetentionDays and settings, as one JSON object (the
-- server parses it; see domain::profile). Existing numbers get the defaults.
ALTER TABLE numbers ADD COLUMN profile TEXT NOT NULL DEFAULT '{}';
