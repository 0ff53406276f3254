-- IMAP provider (providers/imap/imap_map.h): the mapistore identity of IMAP
-- objects, stable across restarts. A folder held by the IMAP provider has
-- folders.provider = 'imap' and folders.uri = its mailbox name (wire form);
-- imap_folders records the UIDVALIDITY its message ids belong to. A message
-- is (folder, UIDVALIDITY, UID) -> MID; its change number is renewed when
-- its MODSEQ (RFC 7162) moves. When a mailbox's UIDVALIDITY changes, its old
-- rows are dropped (logged) and its messages get new MIDs; folders are never
-- deleted for it.
CREATE TABLE IF NOT EXISTS imap_folders (
  mailbox_id BIGINT UNSIGNED NOT NULL,
  fid BIGINT UNSIGNED NOT NULL,
  uidvalidity INT UNSIGNED NOT NULL,
  highest_modseq BIGINT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (mailbox_id, fid),
  CONSTRAINT fk_imap_folders_mailbox FOREIGN KEY (mailbox_id) REFERENCES mailboxes (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS imap_messages (
  mailbox_id BIGINT UNSIGNED NOT NULL,
  mid BIGINT UNSIGNED NOT NULL,
  fid BIGINT UNSIGNED NOT NULL,
  uidvalidity INT UNSIGNED NOT NULL,
  uid INT UNSIGNED NOT NULL,
  modseq BIGINT UNSIGNED NOT NULL DEFAULT 0,
  change_number BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (mailbox_id, mid),
  UNIQUE KEY uq_imap_messages_uid (mailbox_id, fid, uidvalidity, uid),
  CONSTRAINT fk_imap_messages_mailbox FOREIGN KEY (mailbox_id) REFERENCES mailboxes (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
