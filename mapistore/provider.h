// The mapistore provider interface: the ONE narrow C++ interface every
// backend implements (fallback/MariaDB, IMAP mail, SQL calendar/contacts).
//
// Modelled on Dovecot's lib-storage: a provider opens folders (lib-storage's
// "mailbox"), a folder opens messages ("mail") and runs queries ("search"
// contexts) that the provider answers page by page. The ROP layer never
// special-cases a provider: whatever a provider cannot do natively (a
// restriction it cannot translate, a sort it cannot push down), it reports,
// and the generic code in mapistore/ finishes the job on streamed rows.
//
// Identity and bookkeeping shared by all providers live in openchangedb
// (mapistore/openchangedb.h): the mailbox, the folder tree with each folder's
// provider and provider URI, FID/MID allocation, change numbers and the
// index MID -> provider URI. Providers own content and properties.
#pragma once

#include "libmapi/property.h"
#include "libmapi/restriction.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace mg::store {

using mapi::PropList;
using mapi::PropTag;
using mapi::PropValue;

// FID / MID / change number: ReplicaId (16 bits) + GlobalCounter (48 bits,
// big-endian on the wire), MS-OXCDATA 2.2.1.1-2.2.1.2, held as the 64-bit
// little-endian value the wire carries.
using Id = uint64_t;
inline constexpr uint16_t kLocalReplId = 0x0001;
Id make_id(uint16_t replid, uint64_t globcnt);
uint64_t globcnt_of(Id id);
uint16_t replid_of(Id id);

// A MAPI error to report to the client (ReturnValue of a ROP). Providers
// throw it; backend failures (IMAP down, SQL unreachable) are reported as
// errors and NEVER turned into deletions (lessons-from-anchors.md).
class StoreError : public std::runtime_error {
public:
    StoreError(uint32_t ec, const std::string& what) : std::runtime_error(what), ec_(ec) {}
    uint32_t ec() const { return ec_; }

private:
    uint32_t ec_;
};

// Well-known folders of a private mailbox (MS-OXOSFLD). The role decides the
// provider a folder lives in (mapistore/mailbox.cpp) and its default names.
enum class FolderRole : uint8_t {
    Generic = 0, Root, IpmSubtree, NonIpmSubtree, Inbox, Outbox, SentItems, DeletedItems, Drafts, Calendar,
    Contacts, Journal, Notes, Tasks, Junk, SyncIssues, Conflicts, LocalFailures, ServerFailures, CommonViews,
    Views, Finder, Schedule, Shortcuts, DeferredAction, SpoolerQueue, Reminders, Freebusy,
    ConversationActionSettings, QuickStepSettings, RssFeeds, EformsRegistry, PublicRoot,
};

// PropertyProblem (MS-OXCDATA 2.7): index into the request's list, tag, error.
struct Problem {
    uint16_t index = 0;
    PropTag tag = 0;
    uint32_t error = 0;
};
using Problems = std::vector<Problem>;

// Where openchangedb says an object lives.
struct ObjectRef {
    Id id = 0;
    std::string provider;  // "fallback", "imap", "sql"
    std::string uri;       // the provider's own address of the object
};

// A table query pushed down to a provider.
struct TableQuery {
    std::vector<PropTag> columns;
    std::optional<mapi::Restriction> restriction;
    mapi::SortOrderSet sort;
    bool associated = false;  // contents tables: FAI instead of normal messages
};

struct Row {
    Id id = 0;         // MID (contents) or FID (hierarchy)
    Id folder = 0;     // parent folder
    PropList values;   // in `columns` order; a missing value is PT_ERROR ecNotFound
};

// What a provider did with a query. Anything not done is finished by the
// generic layer (mapistore/tables.cpp) over the provider's unsorted rows.
struct Pushdown {
    bool restriction = false;
    bool sort = false;
};

// A query's result, read page by page. Implementations keep memory bounded
// by the page size, not by the folder size.
class Cursor {
public:
    virtual ~Cursor() = default;
    virtual Pushdown pushdown() const = 0;
    virtual uint32_t count() = 0;
    // Rows [pos, pos + n) in the query's order (clamped at the end).
    virtual std::vector<Row> fetch(uint32_t pos, uint32_t n) = 0;
    // Position of a row by id, or nullopt when it is not (or no longer) in
    // the result. Used for bookmarks and FindRow.
    virtual std::optional<uint32_t> position_of(Id id) = 0;
    // Every column the rows of this query can carry (RopQueryColumnsAll,
    // MS-OXCTABL 2.2.2.11); empty when the provider cannot tell.
    virtual std::vector<PropTag> all_columns() { return {}; }
};

// Properties of an open object (folder, message, attachment).
class PropertyObject {
public:
    virtual ~PropertyObject() = default;
    // Values for the tags asked; a missing one comes back as PT_ERROR
    // (ecNotFound) with the same property id. PT_UNSPECIFIED asks for the
    // stored type.
    virtual PropList get_props(std::span<const PropTag> tags) = 0;
    virtual PropList get_all_props() = 0;
    virtual std::vector<PropTag> prop_tags() = 0;
    // Problems name the properties that could not be set/deleted; the rest
    // is applied.
    virtual Problems set_props(const PropList& values) = 0;
    virtual Problems delete_props(std::span<const PropTag> tags) = 0;
};

// A recipient of a message (MS-OXCMSG 2.2.1): its RowId (PidTagRowid) and
// its properties, PidTagRecipientType among them.
struct Recipient {
    uint32_t row_id = 0;
    PropList props;
};

class Attachment;

// A message. Its property, recipient and attachment changes stay on the
// object until save() (MS-OXCMSG 3.2.5.3); an embedded message's save()
// hands its state to the attachment holding it (3.2.5.17), which hands it to
// its message with its own save().
class Message : public PropertyObject {
public:
    virtual Id mid() const = 0;
    virtual Id fid() const = 0;
    virtual bool associated() const = 0;
    // Persists changes (SaveChangesMessage). Returns the new change number
    // (0 for an embedded message: its change is its container's). Throws
    // StoreError(ecObjectModified) when the message was saved by someone
    // else since this object read it, unless `force` (MS-OXCMSG 3.2.5.3,
    // SaveFlags ForceSave).
    virtual Id save(bool force) = 0;
    Id save() { return save(false); }

    // ---- recipients (MS-OXCMSG 2.2.3.4-2.2.3.7), ordered by RowId
    virtual std::vector<Recipient> recipients() = 0;
    // Replaces every recipient (kept until save()).
    virtual void set_recipients(std::vector<Recipient> recipients) = 0;

    // ---- attachments (MS-OXCMSG 2.2.3.12-2.2.3.17), pending ones included
    virtual std::vector<uint32_t> attachment_numbers() = 0;
    // The attachment table: one row per attachment (Row::id = AttachNumber).
    virtual std::unique_ptr<Cursor> query_attachments(const TableQuery& q) = 0;
    virtual std::unique_ptr<Attachment> open_attachment(uint32_t num, bool writable) = 0;  // ecNotFound
    virtual std::unique_ptr<Attachment> create_attachment() = 0;
    virtual void delete_attachment(uint32_t num) = 0;  // ecNotFound
};

// An attachment of a message. Lives no longer than the Message it came from.
class Attachment : public PropertyObject {
public:
    virtual uint32_t attach_num() const = 0;
    // RopSaveChangesAttachment: the changes become the message's (persisted
    // by the message's save()).
    virtual void save() = 0;
    // The embedded message (PidTagAttachDataObject): nullptr when there is
    // none and !create; `create` makes a new, empty one with id `new_mid`
    // (MS-OXCMSG 3.2.5.17).
    virtual std::unique_ptr<Message> open_embedded(bool writable, bool create, Id new_mid) = 0;
};

class Folder : public PropertyObject {
public:
    virtual Id fid() const = 0;
    // Contents (normal or FAI) with restriction/sort pushed down where the
    // provider can.
    virtual std::unique_ptr<Cursor> query_contents(const TableQuery& q) = 0;
    virtual uint32_t content_count(bool associated) = 0;
    virtual std::unique_ptr<Message> open_message(Id mid, bool writable) = 0;
    virtual std::unique_ptr<Message> create_message(Id new_mid, bool associated) = 0;
    // Deletes messages; returns the ids that could not be deleted.
    virtual std::vector<Id> delete_messages(std::span<const Id> mids, bool hard) = 0;
    // Sets and clears bits of an integer property (PidTagMessageFlags,
    // PidTagMessageStatus) of messages of this folder in one step, WITHOUT a
    // change: no new change number, ChangeKey or modification time (read
    // state and status are not changes, MS-OXCMSG 3.2.5.8, 3.2.5.10).
    // `set` wins over `clear`. Returns the ids not found.
    virtual std::vector<Id> update_message_bits(std::span<const Id> mids, PropTag tag, uint32_t set,
                                                uint32_t clear) = 0;
    // Moves or copies messages of this folder to folder `dest` of the same
    // provider. A copy is a new message with the id in `new_mids` (one per
    // mid), its own ICS identity and the source's recipients and
    // attachments; a move keeps the id and is a change (new change number).
    // Returns the ids not found (MS-OXCFOLD 3.2.5.6 partial completion).
    virtual std::vector<Id> move_copy_messages(std::span<const Id> mids, const ObjectRef& dest, bool copy,
                                               std::span<const Id> new_mids) = 0;
    // Rows of the given messages with `columns`, in the ids' order (missing
    // ones left out), the way a contents-table page is read: for the generic
    // sort of mapistore/tables.h. nullopt: the caller opens each message.
    virtual std::optional<std::vector<Row>> load_rows(std::span<const Id> mids, const std::vector<PropTag>& columns,
                                                      bool associated) {
        (void)mids, (void)columns, (void)associated;
        return std::nullopt;
    }
};

// What a provider is told about the mailbox it serves.
struct MailboxContext {
    uint64_t mailbox_id = 0;      // openchangedb's row id
    std::string owner;            // sAMAccountName
    std::string owner_sid;
    uint32_t codepage = 1252;     // the session's code page for PT_STRING8
    uint32_t locale = 0x409;
    // Added by mapistore: the store's identity, which every provider needs
    // for SourceKey / ChangeKey / PCL (MS-OXCFXICS 2.2.2) and EntryIDs.
    mapi::Guid mailbox_guid;      // MailboxGuid, the ProviderUID of EntryIDs
    mapi::Guid replica_guid;      // the GUID of ReplicaId kLocalReplId
    bool is_public = false;       // the public folder store
};

// One backend. A provider instance serves one mailbox in one session and is
// used from one thread at a time.
class Provider {
public:
    virtual ~Provider() = default;
    virtual std::string name() const = 0;

    // Create the provider-side object for a folder openchangedb has just
    // allocated (fid) under `parent`. Returns its provider URI. A provider
    // that cannot hold the folder throws StoreError (never keeps it silently).
    virtual std::string create_folder(const ObjectRef& parent, Id fid, FolderRole role, const std::string& name,
                                      const PropList& props) = 0;
    virtual void delete_folder(const ObjectRef& folder) = 0;
    // Moves/renames; returns the (possibly new) URI.
    virtual std::string move_folder(const ObjectRef& folder, const ObjectRef& new_parent,
                                    const std::string& new_name) = 0;
    virtual std::unique_ptr<Folder> open_folder(const ObjectRef& folder) = 0;

    // Whether the provider holds the special folder `role` when it is the
    // default route for it (mapistore/mailbox.cpp default_route).
    virtual bool holds_role(FolderRole role) const {
        (void)role;
        return true;
    }

    // Hierarchy sync for backends that have folders of their own (IMAP
    // LIST). When syncs_hierarchy(), list_external_folders() returns EVERY
    // folder of the backend (parents before children; role != Generic for
    // the ones that play a special folder) and the mailbox makes
    // openchangedb follow it (Mailbox::sync_folders): new ones are added,
    // renamed/moved ones follow, ones the backend no longer lists are
    // removed. A backend that cannot be reached throws (never an empty
    // list: nothing is deleted because of a failure). Such a provider also
    // deletes its folders itself on a soft delete (it has no soft deletion).
    // The fallback provider has nothing to sync.
    struct ExternalFolder {
        std::string uri;
        std::string parent_uri;  // "" for a top-level folder (under the IPM subtree)
        std::string name;
        FolderRole role = FolderRole::Generic;
        std::string container_class;  // of a new folder ("" = none)
    };
    virtual bool syncs_hierarchy() const { return false; }
    virtual std::vector<ExternalFolder> list_external_folders() { return {}; }
};

}  // namespace mg::store
