-- The per-link funnel the dashboard charts, counted as the engine reports: linking windows
-- opened while the link was live, how many of them offered a pairing code, QR codes shown
-- after each window's first, and the last reason linking stopped.
ALTER TABLE links ADD COLUMN windows_opened INTEGER NOT NULL DEFAULT 0;
ALTER TABLE links ADD COLUMN codes_shown INTEGER NOT NULL DEFAULT 0;
ALTER TABLE links ADD COLUMN qr_rotations INTEGER NOT NULL DEFAULT 0;
ALTER TABLE links ADD COLUMN last_failure TEXT;
