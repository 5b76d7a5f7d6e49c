-- Origins allowed to frame the tenant's connect pages (CSP frame-ancestors), space-separated.
ALTER TABLE tenant_settings ADD COLUMN embed_origins TEXT NOT NULL DEFAULT '';
