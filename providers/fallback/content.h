// Message content of the fallback provider beyond properties: recipients,
// attachments and embedded messages (MS-OXCMSG 2.2.1-2.2.2).
//
// Storage (schema 003): every sub-object is a row of fallback_subobjects
// (kind 3 recipient, 4 attachment, 5 embedded message) under the top-level
// message it belongs to (root_mid) and its direct parent (parent_id: 0 for
// the top-level message, else the id of the attachment or embedded message
// row); its properties are fallback_props rows with obj_kind = kind and
// obj_id = its id. Deleting a message deletes everything under its root_mid
// in two statements.
//
// In memory: a stored message keeps its changed recipients and attachments
// until save(); an attachment, once opened, is a full copy
// (AttachmentData, embedded message tree included) that RopSaveChangesAttachment
// hands back to its message; an embedded message is a full in-memory copy
// (MessageData) handed back to its attachment by its save().
#pragma once

#include "mapistore/db.h"
#include "mapistore/provider.h"
#include "providers/fallback/propstore.h"

#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace mg::store::fallback {

inline constexpr uint8_t kKindRecipient = 3, kKindAttachment = 4, kKindEmbedded = 5;

struct AttachmentData;
using PropMap = std::map<uint16_t, PropValue>;

struct MessageData {
    Id mid = 0;
    PropMap props;
    std::vector<Recipient> recipients;
    std::map<uint32_t, std::shared_ptr<AttachmentData>> attachments;
};

struct AttachmentData {
    PropMap props;
    std::shared_ptr<MessageData> embedded;  // PidTagAttachDataObject
};

// Deep copies (an opened object never shares state with its container).
std::shared_ptr<AttachmentData> clone(const AttachmentData& a);
std::shared_ptr<MessageData> clone(const MessageData& m);

// Size of a property as PidTagMessageSize / PidTagAttachSize count it (the
// SQL of stored_size in fallback.cpp counts the same way).
int64_t value_size(const PropValue& v);
int64_t attachment_size(const AttachmentData& a);
int64_t message_size(const MessageData& m);

// Sub-objects of one mailbox in MariaDB.
class ContentStore {
public:
    ContentStore(Database& db, uint64_t mailbox) : db_(db), mailbox_(mailbox) {}

    std::vector<Recipient> load_recipients(Id root, uint64_t parent);
    void replace_recipients(Id root, uint64_t parent, const std::vector<Recipient>& recipients);
    // AttachNumber -> row id of the attachments under `parent`.
    std::map<uint32_t, uint64_t> attachment_ids(Id root, uint64_t parent);
    std::shared_ptr<AttachmentData> load_attachment(Id root, uint64_t id);
    // Replaces (or, with nullptr, deletes) attachment `num` under `parent`.
    void replace_attachment(Id root, uint64_t parent, uint32_t num, const AttachmentData* a);
    // The whole content (recipients, attachments) of a top-level message.
    MessageData load_content(Id root);
    void insert_content(Id root, const MessageData& content);
    void delete_all(std::span<const Id> roots);
    // Everything under the messages of a folder (folder deletion).
    void delete_folder_content(Id fid);
    // Bytes of recipients and attachments per top-level message (sizes).
    std::map<Id, int64_t> content_sizes(std::span<const Id> roots);

private:
    uint64_t insert_row(Id root, uint64_t parent, uint8_t kind, uint64_t num);
    void insert_attachment(Id root, uint64_t parent, uint32_t num, const AttachmentData& a);
    void insert_message(Id root, uint64_t parent, const MessageData& m);
    std::shared_ptr<MessageData> load_embedded(Id root, uint64_t attachment_id);
    void delete_subtree(Id root, uint64_t id);

    Database& db_;
    uint64_t mailbox_;
};

// Where an attachment's save() goes: its message.
class AttachmentSink {
public:
    virtual ~AttachmentSink() = default;
    virtual void commit_attachment(uint32_t num, std::shared_ptr<AttachmentData> data) = 0;
};

// The attachments of a message as they stand: a base (stored or embedded)
// plus the changes made on this message object.
class AttachmentSet : public AttachmentSink {
public:
    // The attachments before any change on this object.
    virtual std::vector<uint32_t> base_numbers() = 0;
    virtual std::shared_ptr<AttachmentData> base_attachment(uint32_t num) = 0;  // nullptr: none
    // Table rows of base attachments (the stored ones in one query).
    virtual std::map<uint32_t, PropList> base_rows(std::span<const uint32_t> nums, std::span<const PropTag> tags);

    std::vector<uint32_t> numbers();
    std::shared_ptr<AttachmentData> current(uint32_t num);  // nullptr: none
    uint32_t reserve_number();
    void remove(uint32_t num);
    void commit_attachment(uint32_t num, std::shared_ptr<AttachmentData> data) override { changes_[num] = std::move(data); }
    std::unique_ptr<Cursor> query(const TableQuery& q);
    std::unique_ptr<Attachment> open(uint32_t num, bool writable, bool message_writable);
    std::unique_ptr<Attachment> create();
    // nullptr = deleted.
    std::map<uint32_t, std::shared_ptr<AttachmentData>>& changes() { return changes_; }

protected:
    std::map<uint32_t, std::shared_ptr<AttachmentData>> changes_;
    std::optional<uint32_t> next_;
};

// Computed properties of an attachment (PidTagAttachNumber, PidTagAttachSize).
bool is_attachment_computed(PropTag tag);
std::optional<PropValue> attachment_computed(PropTag tag, uint32_t num, const AttachmentData& a);

}  // namespace mg::store::fallback
