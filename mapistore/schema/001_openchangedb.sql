-- mapigate openchangedb, schema version 1.
--
-- Applied by the engine at startup (mapistore/migrations.cpp, which embeds
-- this file) and by openchange_provision --openchangedb, each migration once,
-- recorded in schema_migrations. Keep every migration re-runnable (IF NOT
-- EXISTS) and write plain statements, each ending with a semicolon at the end
-- of a line (no DELIMITER, no semicolon inside strings or comments).
--
-- Per-user cleanup: every table with per-mailbox rows has mailbox_id
-- referencing mailboxes.id ON DELETE CASCADE, so openchange_user_cleanup
-- only deletes the mailboxes row (kind = 'private', by owner_username).
-- The public folder store is the row kind = 'public' with owner_username ''
-- (never a valid sAMAccountName, so no user cleanup can remove it).

CREATE TABLE IF NOT EXISTS schema_migrations (
  version INT PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  applied_at DATETIME NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- One row per mailbox (private store) plus the public folder store.
-- mailbox_guid: MailboxGuid of RopLogon and the ProviderUID of EntryIDs.
-- replica_guid: the GUID of ReplicaId replid (MS-OXCSTOR 2.2.1.1.3), the
-- namespace of SourceKeys, ChangeKeys and LongTermIDs.
CREATE TABLE IF NOT EXISTS mailboxes (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  kind ENUM('private','public') NOT NULL DEFAULT 'private',
  owner_username VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
  owner_sid VARCHAR(192) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  mailbox_guid BINARY(16) NOT NULL,
  replica_guid BINARY(16) NOT NULL,
  replid SMALLINT UNSIGNED NOT NULL DEFAULT 1,
  locale INT UNSIGNED NOT NULL DEFAULT 1033,
  root_fid BIGINT UNSIGNED NULL,
  provisioned TINYINT(1) NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_mailboxes_owner (kind, owner_username),
  UNIQUE KEY uq_mailboxes_guid (mailbox_guid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The GLOBCNT counter of a mailbox (MS-OXCDATA 2.2.1.1): FIDs, MIDs and
-- change numbers all come from it. Engines reserve ranges with
-- SELECT ... FOR UPDATE and bump next_globcnt by the range size.
CREATE TABLE IF NOT EXISTS globcnt_counters (
  mailbox_id BIGINT UNSIGNED NOT NULL,
  next_globcnt BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (mailbox_id),
  CONSTRAINT fk_globcnt_mailbox FOREIGN KEY (mailbox_id) REFERENCES mailboxes (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The folder tree. role: mg::store::FolderRole. provider/uri: where the
-- folder's content lives. source_key, change_key, pcl: MS-OXCFXICS 2.2.2
-- (replica GUID + 6-byte GLOBCNT, and serialized SizedXids). Times are
-- FILETIME. Deleted (soft) folders keep their row and leave the name free:
-- live_name_key is the case-folded name of a live folder, NULL otherwise.
CREATE TABLE IF NOT EXISTS folders (
  mailbox_id BIGINT UNSIGNED NOT NULL,
  fid BIGINT UNSIGNED NOT NULL,
  parent_fid BIGINT UNSIGNED NULL,
  role SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  provider VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  uri TEXT NOT NULL,
  display_name VARCHAR(255) NOT NULL,
  container_class VARCHAR(255) NOT NULL DEFAULT '',
  folder_type TINYINT UNSIGNED NOT NULL DEFAULT 1,
  change_number BIGINT UNSIGNED NOT NULL,
  source_key VARBINARY(24) NOT NULL,
  change_key VARBINARY(24) NOT NULL,
  pcl BLOB NOT NULL,
  created_at BIGINT NOT NULL,
  modified_at BIGINT NOT NULL,
  deleted TINYINT(1) NOT NULL DEFAULT 0,
  live_name_key VARBINARY(1020) AS (IF(deleted = 0, LOWER(display_name), NULL)) PERSISTENT,
  PRIMARY KEY (mailbox_id, fid),
  UNIQUE KEY uq_folders_name (mailbox_id, parent_fid, live_name_key),
  KEY ix_folders_parent (mailbox_id, parent_fid, deleted),
  KEY ix_folders_role (mailbox_id, role),
  CONSTRAINT fk_folders_mailbox FOREIGN KEY (mailbox_id) REFERENCES mailboxes (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Receive folders (MS-OXCSTOR 2.2.1.2-2.2.1.4): message class -> folder.
-- Message classes compare case-insensitively (ASCII only).
CREATE TABLE IF NOT EXISTS receive_folders (
  mailbox_id BIGINT UNSIGNED NOT NULL,
  message_class VARCHAR(255) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
  fid BIGINT UNSIGNED NOT NULL,
  modified_at BIGINT NOT NULL,
  PRIMARY KEY (mailbox_id, message_class),
  CONSTRAINT fk_receive_mailbox FOREIGN KEY (mailbox_id) REFERENCES mailboxes (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Named properties (MS-OXCPRPT 3.1.4.4): PropertyName <-> property id
-- 0x8000-0xFFFE, per mailbox, never reused. kind 0 = MNID_ID (lid),
-- 1 = MNID_STRING (name).
CREATE TABLE IF NOT EXISTS named_properties (
  mailbox_id BIGINT UNSIGNED NOT NULL,
  prop_id SMALLINT UNSIGNED NOT NULL,
  guid BINARY(16) NOT NULL,
  kind TINYINT UNSIGNED NOT NULL,
  lid INT UNSIGNED NOT NULL DEFAULT 0,
  name VARCHAR(512) NOT NULL DEFAULT '',
  PRIMARY KEY (mailbox_id, prop_id),
  UNIQUE KEY uq_named_properties_name (mailbox_id, guid, kind, lid, name),
  CONSTRAINT fk_named_mailbox FOREIGN KEY (mailbox_id) REFERENCES mailboxes (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The index MID -> (provider, uri) of messages (mapistore:indexing_backend).
CREATE TABLE IF NOT EXISTS message_index (
  mailbox_id BIGINT UNSIGNED NOT NULL,
  mid BIGINT UNSIGNED NOT NULL,
  fid BIGINT UNSIGNED NOT NULL,
  provider VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  uri VARCHAR(1024) NOT NULL,
  PRIMARY KEY (mailbox_id, mid),
  KEY ix_message_index_uri (mailbox_id, provider, uri(255)),
  KEY ix_message_index_fid (mailbox_id, fid),
  CONSTRAINT fk_index_mailbox FOREIGN KEY (mailbox_id) REFERENCES mailboxes (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Fallback provider: messages (normal and FAI) of any folder it holds.
-- Recipients and attachments come in a later migration as more obj_kind
-- values in fallback_props plus their own tables.
CREATE TABLE IF NOT EXISTS fallback_messages (
  mailbox_id BIGINT UNSIGNED NOT NULL,
  mid BIGINT UNSIGNED NOT NULL,
  fid BIGINT UNSIGNED NOT NULL,
  associated TINYINT(1) NOT NULL DEFAULT 0,
  deleted TINYINT(1) NOT NULL DEFAULT 0,
  change_number BIGINT UNSIGNED NOT NULL,
  created_at BIGINT NOT NULL,
  modified_at BIGINT NOT NULL,
  PRIMARY KEY (mailbox_id, mid),
  KEY ix_fallback_messages_folder (mailbox_id, fid, associated, deleted, mid),
  CONSTRAINT fk_fallback_messages_mailbox FOREIGN KEY (mailbox_id) REFERENCES mailboxes (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Fallback provider: properties of folders (obj_kind 1) and messages
-- (obj_kind 2), one row per property id, typed columns: v_int for integer,
-- boolean, time and error types, v_double for floating types, v_text for
-- strings (v_fold: the same, case-folded, for case-insensitive search),
-- v_blob for binary, GUID and multi-valued types (MS-OXCDATA 2.11 wire
-- form). sort_key: a bytewise-ordered image of the value (kind byte, then
-- the value; strings case-folded with a binary tie-break; at most 255 bytes)
-- for ORDER BY.
CREATE TABLE IF NOT EXISTS fallback_props (
  mailbox_id BIGINT UNSIGNED NOT NULL,
  obj_kind TINYINT UNSIGNED NOT NULL,
  obj_id BIGINT UNSIGNED NOT NULL,
  prop_id SMALLINT UNSIGNED NOT NULL,
  prop_type SMALLINT UNSIGNED NOT NULL,
  v_int BIGINT NULL,
  v_double DOUBLE NULL,
  v_text LONGTEXT NULL,
  v_fold LONGBLOB NULL,
  v_blob LONGBLOB NULL,
  sort_key VARBINARY(255) NULL,
  PRIMARY KEY (mailbox_id, obj_kind, obj_id, prop_id),
  KEY ix_fallback_props_sort (mailbox_id, obj_kind, prop_id, sort_key),
  CONSTRAINT fk_fallback_props_mailbox FOREIGN KEY (mailbox_id) REFERENCES mailboxes (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
