// openchangedb in MariaDB: mailboxes, GLOBCNT allocation, the folder tree
// with each folder's provider/URI and ICS keys, receive folders, named
// properties and the message index (schema: mapistore/schema/).
//
// OpenChangeDb works on a session's Database; ids come from the process-wide
// IdAllocator, which has its own connection so that a range reserved for
// this process is committed at once and never rolled back with a caller's
// transaction (a rolled-back reservation would let another process hand out
// the same ids).
#pragma once

#include "mapistore/db.h"
#include "mapistore/ids.h"
#include "mapistore/provider.h"

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mg::store {

using mapi::PropertyName;

struct MailboxInfo {
    uint64_t id = 0;
    bool is_public = false;
    std::string owner;       // sAMAccountName ("" for the public store)
    std::string owner_sid;
    Guid mailbox_guid;
    Guid replica_guid;
    uint16_t replid = kLocalReplId;
    uint32_t locale = 0x409;
    Id root_fid = 0;
    bool provisioned = false;

    MailboxContext context(uint32_t codepage = 1252) const;
};

struct FolderRecord {
    Id fid = 0;
    Id parent_fid = 0;  // 0 for a store's root
    FolderRole role = FolderRole::Generic;
    std::string provider;
    std::string uri;
    std::string display_name;
    std::string container_class;
    uint8_t folder_type = 1;  // PidTagFolderType: 0 root, 1 generic, 2 search
    Id change_number = 0;
    Bytes source_key;
    Bytes change_key;
    Bytes pcl;
    int64_t created = 0;   // FILETIME
    int64_t modified = 0;  // FILETIME
    bool deleted = false;
    uint32_t depth = 0;    // filled by subtree()

    ObjectRef ref() const { return {fid, provider, uri}; }
};

// MAPI_E_FOLDER_CYCLE: moving or copying a folder under itself.
inline constexpr uint32_t kEcFolderCycle = 0x8004060B;

// Values of PidTagFolderType (MS-OXCFOLD 2.2.2.2.1.2).
inline constexpr uint8_t kFolderRoot = 0, kFolderGeneric = 1, kFolderSearch = 2;

// GLOBCNT reservation, shared by the sessions of one engine process.
class IdAllocator {
public:
    // Opens its own connection. `range` ids are reserved per round trip.
    explicit IdAllocator(const DbUri& uri, uint64_t range = 64);
    // The next id of the mailbox (FID, MID or change number).
    Id allocate(uint64_t mailbox_id, uint16_t replid = kLocalReplId);
    // `n` consecutive GLOBCNTs reserved at once (bulk imports); returns the first.
    uint64_t allocate_block(uint64_t mailbox_id, uint64_t n);
    // Drops the cached range of a deleted mailbox.
    void forget(uint64_t mailbox_id);

private:
    uint64_t reserve(uint64_t mailbox_id, uint64_t n);
    uint64_t reserve_once(uint64_t mailbox_id, uint64_t n);
    std::mutex mu_;
    Database db_;
    uint64_t range_;
    struct Range { uint64_t next = 0, end = 0; };
    std::map<uint64_t, Range> ranges_;
};

// The first GLOBCNT of a new mailbox. Lower values are never handed out.
inline constexpr uint64_t kFirstGlobcnt = 1;

struct ReceiveFolder {
    std::string message_class;  // the explicit class that matched ("" = default)
    Id fid = 0;
    int64_t modified = 0;
};

class OpenChangeDb {
public:
    OpenChangeDb(Database& db, IdAllocator& ids) : db_(db), ids_(ids) {}
    Database& db() { return db_; }
    IdAllocator& ids() { return ids_; }

    // ---- mailboxes
    std::optional<MailboxInfo> find_mailbox(const std::string& owner);
    std::optional<MailboxInfo> mailbox_by_id(uint64_t id);
    // The mailboxes row and its GLOBCNT counter, created if missing (no
    // folders: see Mailbox::ensure_mailbox). Safe against concurrent logons.
    MailboxInfo get_or_create_mailbox(const std::string& owner, const std::string& sid, uint32_t locale);
    void set_root_fid(uint64_t mailbox_id, Id root);
    void mark_provisioned(uint64_t mailbox_id);
    // What openchange_user_cleanup does: removes the row; every per-mailbox
    // table follows by ON DELETE CASCADE. Returns false if there was none.
    bool delete_mailbox(const std::string& owner);

    // The public folder store (MS-OXCSTOR 2.2.1.1.4, MS-OXCFOLD): a mailboxes
    // row kind='public', owner_username '', with the standard tree
    //   Root (PublicRoot) -> IPM_SUBTREE (IpmSubtree), NON_IPM_SUBTREE
    //   (NonIpmSubtree) -> EFORMS REGISTRY (EformsRegistry),
    //   SCHEDULE+ FREE BUSY (Freebusy), OFFLINE ADDRESS BOOK (Generic)
    // all held by the fallback provider (uri ''), ids from the store's own
    // GLOBCNT counter in that order. Idempotent; the provisioning tool mirrors
    // exactly this.
    MailboxInfo ensure_public_store();

    // ---- ids
    Id allocate_id(const MailboxInfo& mb) { return ids_.allocate(mb.id, mb.replid); }
    ChangeStamp new_change(const MailboxInfo& mb, ByteView old_pcl);

    // ---- folders
    struct NewFolder {
        Id fid = 0;          // 0: allocate
        Id parent_fid = 0;   // 0: a root
        FolderRole role = FolderRole::Generic;
        std::string provider = "fallback";
        std::string uri;
        std::string display_name;
        std::string container_class;
        uint8_t folder_type = kFolderGeneric;
    };
    // Throws StoreError(ecDuplicateName) when a live sibling has the same name
    // (case-insensitive), ecNotFound when the parent does not exist.
    FolderRecord create_folder(const MailboxInfo& mb, const NewFolder& f);
    std::optional<FolderRecord> folder(const MailboxInfo& mb, Id fid, bool include_deleted = false);
    FolderRecord folder_or_throw(const MailboxInfo& mb, Id fid);  // ecNotFound
    std::optional<FolderRecord> folder_by_role(const MailboxInfo& mb, FolderRole role);
    std::optional<FolderRecord> child_by_name(const MailboxInfo& mb, Id parent, const std::string& name);
    std::vector<FolderRecord> children(const MailboxInfo& mb, Id parent);
    uint32_t child_count(const MailboxInfo& mb, Id parent);
    // Live descendants of `fid` in pre-order (the order of a deep hierarchy
    // table), depth 1 for children.
    std::vector<FolderRecord> subtree(const MailboxInfo& mb, Id fid);
    bool is_ancestor_or_self(const MailboxInfo& mb, Id ancestor, Id fid);
    // A change to a folder's properties: new change number, ChangeKey, PCL,
    // modification time. Returns the stamp.
    ChangeStamp touch_folder(const MailboxInfo& mb, Id fid);
    void set_folder_uri(const MailboxInfo& mb, Id fid, const std::string& uri);
    void set_container_class(const MailboxInfo& mb, Id fid, const std::string& cls);
    // Hands a folder to another provider (a special folder bound to its
    // IMAP mailbox by the hierarchy sync); ids and ICS keys stay.
    void set_folder_provider(const MailboxInfo& mb, Id fid, const std::string& provider, const std::string& uri);
    // The live folders a provider holds.
    std::vector<FolderRecord> folders_of_provider(const MailboxInfo& mb, const std::string& provider);
    // Rename and/or move (a change: new CN). ecDuplicateName on collision.
    void move_folder(const MailboxInfo& mb, Id fid, Id new_parent, const std::string& new_name);
    // Soft delete (the rows stay, flagged) or hard delete of a folder and
    // everything under it.
    void delete_folder_tree(const MailboxInfo& mb, Id fid, bool hard);

    // ---- receive folders (MS-OXCSTOR 2.2.1.2-2.2.1.4, 3.2.5.2-3.2.5.4)
    // The folder for a message class: the longest explicitly configured
    // prefix on '.' boundaries, case-insensitively.
    ReceiveFolder get_receive_folder(const MailboxInfo& mb, const std::string& message_class);
    // fid 0 removes the class. Throws ecInvalidParam for an invalid class, or
    // for "IPC" and the default "" (MS-OXCSTOR 3.2.5.3).
    void set_receive_folder(const MailboxInfo& mb, const std::string& message_class, Id fid);
    std::vector<ReceiveFolder> receive_folder_table(const MailboxInfo& mb);

    // ---- per-user information (MS-OXCSTOR 2.2.1.7-2.2.1.10)
    struct PerUserInfo {
        Guid replica_guid;
        Bytes data;
    };
    std::optional<PerUserInfo> per_user_info(const MailboxInfo& mb, const Guid& folder_guid, uint64_t globcnt);
    // Offset 0 replaces the data; otherwise it must equal the stored length
    // (the chunks of one write arrive in order) and the chunk is appended.
    // Returns false for an offset that does not follow the stored data.
    bool write_per_user_info(const MailboxInfo& mb, const Guid& folder_guid, uint64_t globcnt, uint32_t offset,
                             ByteView chunk, const std::optional<Guid>& replica_guid);
    // GLOBCNTs of the folders of `database_guid` that have per-user data.
    std::vector<uint64_t> per_user_folders(const MailboxInfo& mb, const Guid& database_guid);
    // The defaults: "" and "IPM", "REPORT.IPM" -> Inbox, "IPC" -> root.
    void set_default_receive_folders(const MailboxInfo& mb, Id inbox, Id root);

    // ---- named properties (MS-OXCPRPT 3.2.5.9-3.2.5.10)
    // The id of a name, created when `create` (ecNotFound otherwise);
    // ids are 0x8000..0xFFFE, stable forever for the mailbox.
    std::optional<uint16_t> named_to_id(const MailboxInfo& mb, const PropertyName& name, bool create);
    std::optional<PropertyName> id_to_named(const MailboxInfo& mb, uint16_t prop_id);
    std::vector<std::pair<uint16_t, PropertyName>> all_named(const MailboxInfo& mb);

    // ---- message index: MID -> (provider, uri)
    void index_message(const MailboxInfo& mb, Id mid, Id fid, const std::string& provider, const std::string& uri);
    std::optional<std::pair<Id, ObjectRef>> lookup_message(const MailboxInfo& mb, Id mid);  // (fid, ref)
    std::optional<Id> mid_by_uri(const MailboxInfo& mb, const std::string& provider, const std::string& uri);
    void unindex_message(const MailboxInfo& mb, Id mid);

private:
    MailboxInfo mailbox_from(const DbRow& r);
    FolderRecord folder_from(const DbRow& r);
    uint16_t allocate_named(const MailboxInfo& mb, const PropertyName& name);

    Database& db_;
    IdAllocator& ids_;
    // Named-property cache per mailbox (entries never change once created).
    std::map<std::pair<uint64_t, uint16_t>, PropertyName> named_by_id_;
    std::map<std::pair<uint64_t, PropertyName>, uint16_t> named_by_name_;
};

// Receive-folder message class rules (MS-OXCSTOR 2.2.1.2.1): ASCII 32-126,
// at most 255 characters, no leading '.', no "..", no trailing '.'.
bool valid_message_class(const std::string& cls);

}  // namespace mg::store
