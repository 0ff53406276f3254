-- Fallback provider: the summary image of each message (providers/fallback/
-- summary.h): its small properties in one blob, so that a contents-table
-- page reads one row per message; and the stored size (PidTagMessageSize).
-- NULL summary: not built yet (rows older than this migration); the
-- provider builds it on first read. fallback_props stays the source of truth.
ALTER TABLE fallback_messages
  ADD COLUMN IF NOT EXISTS summary MEDIUMBLOB NULL,
  ADD COLUMN IF NOT EXISTS stored_size BIGINT NOT NULL DEFAULT 0;
