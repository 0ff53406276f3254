-- Fallback provider: the sub-objects of messages (MS-OXCMSG 2.2.1-2.2.2):
-- recipients (kind 3), attachments (kind 4) and embedded messages (kind 5).
-- root_mid is the top-level message the sub-object belongs to (deleting or
-- copying a message covers everything under it); parent_id is 0 for
-- sub-objects of the top-level message, else the id of the attachment (for
-- an embedded message) or of the embedded message (for its recipients and
-- attachments). num: RowId (recipients), AttachNumber (attachments), MID
-- (embedded messages). Properties are fallback_props rows with obj_kind =
-- kind and obj_id = id.
CREATE TABLE IF NOT EXISTS fallback_subobjects (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  mailbox_id BIGINT UNSIGNED NOT NULL,
  root_mid BIGINT UNSIGNED NOT NULL,
  parent_id BIGINT UNSIGNED NOT NULL,
  kind TINYINT UNSIGNED NOT NULL,
  num BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (id),
  KEY ix_fallback_subobjects_parent (mailbox_id, root_mid, parent_id, kind, num),
  CONSTRAINT fk_fallback_subobjects_mailbox FOREIGN KEY (mailbox_id) REFERENCES mailboxes (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
