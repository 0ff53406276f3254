-- Per-user information (MS-OXCSTOR 2.2.1.7-2.2.1.10): a user's read state of
-- public folders, kept in the user's private mailbox and keyed by the public
-- folder's LongTermID (database GUID + GLOBCNT); replica_guid is the
-- PerUserGuid the client gave with the data.
CREATE TABLE IF NOT EXISTS per_user_information (
  mailbox_id BIGINT UNSIGNED NOT NULL,
  folder_guid BINARY(16) NOT NULL,
  folder_globcnt BIGINT UNSIGNED NOT NULL,
  replica_guid BINARY(16) NOT NULL,
  data LONGBLOB NOT NULL,
  modified_at BIGINT NOT NULL,
  PRIMARY KEY (mailbox_id, folder_guid, folder_globcnt),
  CONSTRAINT fk_per_user_mailbox FOREIGN KEY (mailbox_id) REFERENCES mailboxes (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
