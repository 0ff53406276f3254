// The generic mailbox layer the ROP code calls: first-logon provisioning of
// the special folders (MS-OXOSFLD), folders through openchangedb + the
// provider that holds each one, tables finished generically (tables.h),
// ids <-> LongTermIDs / EntryIDs, named properties and receive folders.
#pragma once

#include "mapistore/openchangedb.h"
#include "mapistore/provider.h"
#include "mapistore/tables.h"

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace mg::store {

// RopDeleteFolder flags (MS-OXCFOLD 2.2.1.3.1).
inline constexpr uint8_t DEL_MESSAGES = 0x01, DEL_FOLDERS = 0x04, DELETE_HARD_DELETE = 0x10;

using ProviderMap = std::map<std::string, std::unique_ptr<Provider>>;
// Builds the providers of a session for a mailbox ("fallback" is required).
using ProviderFactory = std::function<ProviderMap(const MailboxContext&)>;
// The fallback provider alone.
ProviderFactory fallback_provider_factory(Database& db, IdAllocator& ids);
// Which provider holds a new folder of `role` (or a generic folder whose
// parent lives in `parent_provider`), among the registered ones.
// `parent_role` and `container_class` tell a mail folder created under the
// IPM subtree (IMAP) from others.
std::string default_route(FolderRole role, const std::string& parent_provider, const ProviderMap& providers,
                          FolderRole parent_role = FolderRole::Generic, const std::string& container_class = {});

// Localized display name of a special folder (en 0x409, fr 0x40c, de 0x407;
// other locales fall back to English).
std::string special_folder_name(FolderRole role, uint32_t locale);

// Copies recipients and attachments (embedded messages included, with ids
// from `new_mid`) of `src` onto `dst`; `dst` is saved by the caller.
void copy_message_content(Message& src, Message& dst, const std::function<Id()>& new_mid);

class Mailbox {
public:
    // Logon: the mailbox of `owner`, provisioned on first logon.
    static std::unique_ptr<Mailbox> logon(Database& db, IdAllocator& ids, const std::string& owner,
                                          const std::string& sid, uint32_t locale, ProviderFactory providers = {},
                                          uint32_t codepage = 1252);
    Mailbox(Database& db, IdAllocator& ids, MailboxInfo info, ProviderMap providers);

    const MailboxInfo& info() const { return info_; }
    OpenChangeDb& odb() { return odb_; }
    Provider& provider(const std::string& name);

    // Creates, idempotently and in one transaction, every special folder
    // with its container class, localized name and the entry-id properties
    // of the root folder and the Inbox; sets the default receive folders.
    void ensure_special_folders();
    Id special_fid(FolderRole role);  // ecNotFound when missing

    // Hierarchy sync (provider.h syncs_hierarchy): openchangedb follows the
    // backends' folder lists. Throws when a backend cannot be reached
    // (nothing is changed then); try_sync_folders logs that instead.
    void sync_folders();
    void try_sync_folders();

    // Store properties computed here (PidTagIpmSubtreeEntryId, ...): the
    // values of `tags`, PT_ERROR ecNotFound for the others.
    PropList store_props(std::span<const PropTag> tags);

    // ---- folders
    // A Folder whose openchangedb-held properties (ids, name, class, ICS
    // keys, counts) come from here and the rest from its provider.
    std::unique_ptr<Folder> open_folder(Id fid);
    struct Created {
        Id fid = 0;
        bool existed = false;
    };
    // RopCreateFolder: ecDuplicateName when a sibling has the name, unless
    // open_existing (then `existed`).
    Created create_folder(Id parent, const std::string& name, const std::string& comment = {},
                          uint8_t folder_type = kFolderGeneric, bool open_existing = false,
                          const std::string& container_class = {});
    // RopDeleteFolder: returns true when only partly done (MS-OXCFOLD
    // 3.2.5.3: contents without DEL_MESSAGES / subfolders without
    // DEL_FOLDERS). Special folders cannot be deleted (ecAccessDenied).
    bool delete_folder(Id fid, uint8_t flags);
    void move_folder(Id fid, Id new_parent, const std::string& new_name);
    // RopCopyFolder: a new folder (new ids) with the properties and messages,
    // and the subfolders when recursive. Returns the new FID.
    Id copy_folder(Id fid, Id new_parent, const std::string& new_name, bool recursive);
    // RopEmptyFolder / RopHardDeleteMessagesAndSubfolders: deletes the normal
    // messages (and FAI when `associated`) and the subfolders.
    void empty_folder(Id fid, bool associated, bool hard);
    std::unique_ptr<Cursor> hierarchy_table(Id fid, bool deep, const TableQuery& q);
    std::unique_ptr<Cursor> contents_table(Id fid, const TableQuery& q);

    // ---- messages
    // Copies the normal (or FAI) messages of `from` into `to` as new objects
    // (new ids and ICS identity); returns the ids of the source messages.
    std::vector<Id> copy_messages(Folder& from, Folder& to, bool associated);
    // RopMoveCopyMessages within the store; returns the ids not found.
    std::vector<Id> move_copy_messages(Id src_fid, std::span<const Id> mids, Id dst_fid, bool copy);
    std::unique_ptr<Message> create_message(Id fid, bool associated);
    std::unique_ptr<Message> open_message(Id fid, Id mid, bool writable);

    // ---- ids (MS-OXCDATA 2.2.1.3.1, 2.2.4)
    Bytes long_term_id(Id id) const;
    Id id_from_long_term(ByteView ltid) const;  // ecNotFound for another replica
    Bytes folder_entry_id(Id fid) const;
    Bytes message_entry_id(Id fid, Id mid) const;
    std::optional<Id> fid_from_entry_id(ByteView eid) const;

    // ---- named properties, receive folders
    std::optional<uint16_t> named_to_id(const PropertyName& name, bool create) {
        return odb_.named_to_id(info_, name, create);
    }
    std::optional<PropertyName> id_to_named(uint16_t id) { return odb_.id_to_named(info_, id); }
    ReceiveFolder get_receive_folder(const std::string& cls) { return odb_.get_receive_folder(info_, cls); }
    void set_receive_folder(const std::string& cls, Id fid) { odb_.set_receive_folder(info_, cls, fid); }

private:
    friend class MailboxFolder;
    FolderRecord create_folder_record(Id parent, FolderRole role, const std::string& name, const std::string& cls,
                                      uint8_t type, const PropList& props);
    std::unique_ptr<Folder> provider_folder(const FolderRecord& f);
    void apply_sync(Provider& p, const std::vector<Provider::ExternalFolder>& ext);
    std::string free_name(Id parent, const std::string& name, Id self);
    PropList folder_row(const FolderRecord& f, const std::vector<PropTag>& cols);

    Database& db_;
    IdAllocator& ids_;
    OpenChangeDb odb_;
    MailboxInfo info_;
    ProviderMap providers_;
};

}  // namespace mg::store
