// Message ROPs (MS-OXCMSG): messages (create, open, save, read flags,
// status), recipients (modify, read, remove all, reload) and attachments
// (table, open, create, delete, save, embedded messages, valid ids).
//
// Message and Attachment objects are PropertyHosts (oxcprpt_streams.h): the
// property ROPs (oxcprpt.cpp), the stream ROPs and the copy ROPs work on
// them. A message's changes stay on the store::Message until
// RopSaveChangesMessage (MS-OXCMSG 3.2.5.3); an attachment's go to its
// message with RopSaveChangesAttachment (3.2.5.15); an embedded message's go
// to its attachment with RopSaveChangesMessage (3.2.5.17).
#include "libmapi/proptags.h"
#include "libmapi/recipient_row.h"
#include "libmapi/rops_message.h"
#include "mapiproxy/servers/oxcmsg.h"
#include "mapiproxy/servers/oxcprpt_streams.h"
#include "mapiproxy/servers/oxctabl.h"
#include "mapiproxy/servers/rop_handlers.h"
#include "mapistore/db.h"

#include <map>

namespace mg::emsmdb {
namespace {

namespace ec = mapi::ec;
using mapi::PropTag;
using mapi::PropValue;

// PidTagMessageFlags bits (MS-OXCMSG 2.2.1.6).
constexpr uint32_t mfRead = 0x00000001, mfUnsent = 0x00000008, mfHasAttach = 0x00000010,
                   mfAssociated = 0x00000040, mfNotifyRead = 0x00000100, mfNotifyUnread = 0x00000200;

// The logon behind a ROP whose input object is a Logon or a Folder
// (RopCreateMessage, RopOpenMessage: MS-OXCMSG 2.2.3.1, 2.2.3.2).
std::shared_ptr<LogonObject> logon_of_input(RopContext& ctx, uint8_t index) {
    auto obj = ctx.object_at(index);
    if (auto l = std::dynamic_pointer_cast<LogonObject>(obj)) return l;
    if (auto f = std::dynamic_pointer_cast<FolderObject>(obj)) return f->logon;
    throw RopError(ec::NullObject, "the input object is neither a logon nor a folder");
}

// An integer property of a message (0 when missing).
uint32_t u32_prop(store::PropertyObject& o, PropTag tag) {
    PropTag tags[] = {tag};
    auto v = o.get_props(tags);
    if (v.empty() || v[0].is_error()) return 0;
    if (auto* i = std::get_if<int32_t>(&v[0].value)) return uint32_t(*i);
    return 0;
}

std::optional<std::string> string_prop(store::PropertyObject& o, PropTag tag) {
    PropTag tags[] = {tag};
    auto v = o.get_props(tags);
    if (v.empty() || v[0].is_error()) return std::nullopt;
    if (auto* s = std::get_if<std::string>(&v[0].value)) return *s;
    return std::nullopt;
}

// PidTagSubject without PidTagSubjectPrefix (MS-OXCMSG 2.2.1.9, 2.2.1.10);
// nullopt without a subject.
std::optional<std::string> subject_without_prefix(store::PropertyObject& m) {
    auto subject = string_prop(m, mapi::PidTagSubject);
    if (!subject) return std::nullopt;
    const std::string prefix = string_prop(m, mapi::PidTagSubjectPrefix).value_or("");
    return subject->compare(0, prefix.size(), prefix) == 0 ? subject->substr(prefix.size()) : *subject;
}

// Sets an integer property; a problem is an error of the whole ROP.
void set_u32_prop(store::PropertyObject& o, PropTag tag, uint32_t value) {
    auto problems = o.set_props({PropValue::i32(tag, int32_t(value))});
    if (!problems.empty()) throw store::StoreError(problems.front().error, "the property could not be set");
}

// The bits ReadFlags set and clear in PidTagMessageFlags (MS-OXCMSG
// 2.2.3.10.1, 3.2.5.10, 3.2.5.11). Read receipts are not sent (MS-OXOMSG,
// later): the flags only change the bits.
struct FlagBits {
    uint32_t set = 0, clear = 0;
    uint32_t apply(uint32_t flags) const { return (flags & ~clear) | set; }
};

FlagBits read_flag_bits(uint8_t rf) {
    if (rf & rop::rfGenerateReceiptOnly) return {};  // receipt only, mfRead unchanged
    if (rf & (rop::rfClearNotifyRead | rop::rfClearNotifyUnread))
        return {0, ((rf & rop::rfClearNotifyRead) ? mfNotifyRead : 0) |
                       ((rf & rop::rfClearNotifyUnread) ? mfNotifyUnread : 0)};
    if (rf & rop::rfClearReadFlag)  // with SuppressReceipt, no non-read receipt either
        return {0, mfRead | ((rf & rop::rfSuppressReceipt) ? mfNotifyUnread : 0)};
    // SuppressReceipt cancels the pending read receipt.
    return {mfRead, (rf & rop::rfSuppressReceipt) ? mfNotifyRead : 0};
}

// ---------------------------------------------------------------- create / open / save

// MS-OXCMSG 3.2.5.2: nothing is committed before RopSaveChangesMessage; the
// initial values the server SHOULD set are set on the new object.
uint32_t create_message(RopContext& ctx, const rop::RopCreateMessage::Request& rq,
                        rop::RopCreateMessage::Response& rs) {
    auto l = logon_of_input(ctx, rq.in_index);
    auto m = l->mailbox->create_message(rq.folder_id, rq.associated);
    const mapi::Guid search_key = mapi::Guid::random();
    m->set_props({
        PropValue::i32(mapi::PidTagImportance, 1),
        PropValue::str(mapi::PidTagMessageClass, "IPM.Note"),
        PropValue::i32(mapi::PidTagSensitivity, 0),
        PropValue::str(mapi::PidTagDisplayBcc, ""),
        PropValue::str(mapi::PidTagDisplayCc, ""),
        PropValue::str(mapi::PidTagDisplayTo, ""),
        PropValue::i32(mapi::PidTagMessageFlags, int32_t(mfUnsent | mfRead | (rq.associated ? mfAssociated : 0))),
        PropValue::boolean(mapi::PidTagHasAttachments, false),
        PropValue::i32(mapi::PidTagTrustSender, 1),
        // A binary-comparable key of its own (MS-OXCPRPT 2.2.1.9 / MS-OXPROPS PidTagSearchKey).
        PropValue::bin(mapi::PidTagSearchKey, Bytes(search_key.b.begin(), search_key.b.end())),
    });
    rs.message_id = m->mid();
    ctx.set_output(rq.out_index, std::make_shared<MessageObject>(l, std::move(m), true, false));
    return ec::Success;
}

// ---------------------------------------------------------------- recipients

mapi::CodecOptions row_codec(RopContext& ctx) {
    mapi::CodecOptions o;
    o.codepage = ctx.session().info().codepage;
    o.string8_replace = true;
    return o;
}

// RecipientColumns: every property of the recipients that the RecipientRow's
// fixed fields do not carry (MS-OXCDATA 2.8.3.2), by property id.
std::vector<PropTag> recipient_columns_of(const std::vector<store::Recipient>& recipients) {
    std::map<uint16_t, PropTag> cols;
    for (const auto& r : recipients)
        for (const auto& v : r.props) {
            uint16_t id = mapi::prop_id(v.tag);
            if (v.is_missing() || mapi::is_recipient_row_property(v.tag) || id == mapi::prop_id(mapi::PidTagRowid) ||
                id == mapi::prop_id(mapi::PidTagRecipientType))
                continue;
            cols.try_emplace(id, v.tag);
        }
    std::vector<PropTag> out;
    for (auto& [id, t] : cols) out.push_back(t);
    return out;
}

uint8_t recipient_type_of(const store::Recipient& r) {
    for (const auto& v : r.props)
        if (mapi::prop_id(v.tag) == mapi::prop_id(mapi::PidTagRecipientType))
            if (auto* i = std::get_if<int32_t>(&v.value)) return uint8_t(*i);
    return rop::kRecipTo;
}

Bytes encode_recipient(const store::Recipient& r, const std::vector<PropTag>& cols, const mapi::CodecOptions& o) {
    ByteWriter w;
    mapi::write_recipient_row(w, cols, mapi::recipient_row_of(r.props, cols), o);
    if (w.size() > 0xFFFF) throw RopError(ec::TooBig, "a recipient row is larger than 64 KiB");
    return w.take();
}

size_t encoded_size(const rop::RopOpenMessage::Response& rs) {
    rop::Push p;
    rop::RopOpenMessage::Response::fields(rs, p);
    return p.size();
}

// The fields RopOpenMessage, RopReloadCachedInformation and
// RopOpenEmbeddedMessage answer (MS-OXCMSG 2.2.3.1.2): named-property flag,
// subject parts, and as many recipient rows as fit in `budget` (at most 255;
// the client reads the others with RopReadRecipients).
void cached_information(RopContext& ctx, MessageObject& m, rop::RopOpenMessage::Response& rs, size_t budget) {
    store::Message& msg = *m.message;
    auto tags = msg.prop_tags();
    rs.has_named_properties =
        std::any_of(tags.begin(), tags.end(), [](PropTag t) { return mapi::prop_id(t) >= 0x8000; });
    // SubjectPrefix / NormalizedSubject (MS-OXCMSG 2.2.1.9, 2.2.1.10): when
    // only PidTagSubject was set, the normalized subject is the subject
    // without its prefix.
    rs.subject_prefix = string_prop(msg, mapi::PidTagSubjectPrefix);
    rs.normalized_subject = string_prop(msg, mapi::PidTagNormalizedSubject);
    if (!rs.normalized_subject) rs.normalized_subject = subject_without_prefix(msg);
    auto recipients = msg.recipients();
    if (recipients.size() > 0xFFFF) throw RopError(ec::TooBig, "more than 65535 recipients");
    rs.recipient_count = uint16_t(recipients.size());
    rs.recipient_columns = recipient_columns_of(recipients);
    m.recipient_columns = rs.recipient_columns;
    size_t used = encoded_size(rs);
    if (used > budget) throw BufferFull{used};
    auto o = row_codec(ctx);
    for (const auto& r : recipients) {
        if (rs.rows.size() == 0xFF) break;
        rop::OpenRecipientRow row;
        row.recipient_type = recipient_type_of(r);
        row.code_page_id = uint16_t(o.codepage);
        row.recipient_row = encode_recipient(r, rs.recipient_columns, o);
        size_t n = rop::OpenRecipientRow::kMinSize + row.recipient_row.size();
        if (used + n > budget) break;
        used += n;
        rs.rows.push_back(std::move(row));
    }
}

// MS-OXCMSG 3.2.5.1. OpenModeFlags (2.2.3.1.1): ReadOnly 0x00, ReadWrite
// 0x01, BestAccess 0x03 — the user owns every message of the mailbox she
// logged on to (folder permissions are not modelled yet), so BestAccess is
// read/write. OpenSoftDeleted: soft-deleted messages are not kept, so only
// live messages open. Other bits are ignored.
uint32_t open_message(RopContext& ctx, const rop::RopOpenMessage::Request& rq, rop::RopOpenMessage::Response& rs) {
    auto l = logon_of_input(ctx, rq.in_index);
    bool writable = (rq.open_mode_flags & rop::RopOpenMessage::kReadWrite) != 0;
    auto obj = std::make_shared<MessageObject>(l, l->mailbox->open_message(rq.folder_id, rq.message_id, writable),
                                               writable, true);
    cached_information(ctx, *obj, rs, ctx.budget());
    ctx.set_output(rq.out_index, obj);
    return ec::Success;
}

// MS-OXCMSG 3.2.5.7: the response of RopOpenMessage, from the object as it
// stands (pending changes included).
uint32_t reload_cached_information(RopContext& ctx, const rop::RopReloadCachedInformation::Request& rq,
                                   rop::RopOpenMessage::Response& rs) {
    auto m = ctx.input<MessageObject>(rq.in_index);
    cached_information(ctx, *m, rs, ctx.budget());
    return ec::Success;
}

// MS-OXCMSG 3.2.5.5: rows with a RecipientRowSize of 0 remove the recipient
// with that RowId; the others replace it or are added. Every row is decoded
// before anything changes (a malformed row changes nothing).
uint32_t modify_recipients(RopContext& ctx, const rop::RopModifyRecipients::Request& rq, rop::EmptyBody&) {
    auto m = ctx.input<MessageObject>(rq.in_index);
    if (!m->writable) return ec::AccessDenied;
    for (PropTag t : rq.columns)
        if (mapi::prop_type(t) == mapi::PT_UNSPECIFIED || !mapi::is_known_type(mapi::prop_type(t)))
            return ec::InvalidParam;
    auto o = row_codec(ctx);
    const std::string& dn = ctx.session().info().user_dn;
    std::map<uint32_t, std::optional<store::Recipient>> changes;
    for (const auto& row : rq.rows) {
        if (row.recipient_row.empty()) {
            changes[row.row_id] = std::nullopt;
            continue;
        }
        ByteReader r(row.recipient_row);
        auto decoded = mapi::read_recipient_row(r, rq.columns, o);
        if (r.remaining()) throw DecodeError("trailing bytes after a RecipientRow");
        store::Recipient rec;
        rec.row_id = row.row_id;
        rec.props = mapi::recipient_properties(decoded, rq.columns, dn);
        rec.props.push_back(PropValue::i32(mapi::PidTagRecipientType, row.recipient_type));
        rec.props.push_back(PropValue::i32(mapi::PidTagRowid, int32_t(row.row_id)));
        changes[row.row_id] = std::move(rec);
    }
    std::map<uint32_t, store::Recipient> all;
    for (auto& r : m->message->recipients()) all[r.row_id] = std::move(r);
    for (auto& [id, c] : changes) {
        if (c) all[id] = std::move(*c);
        else all.erase(id);
    }
    std::vector<store::Recipient> list;
    for (auto& [id, r] : all) list.push_back(std::move(r));
    m->message->set_recipients(std::move(list));
    return ec::Success;
}

// MS-OXCMSG 3.2.5.6: the recipients from RowId on, as many as fit;
// ecNotFound when there are none.
uint32_t read_recipients(RopContext& ctx, const rop::RopReadRecipients::Request& rq,
                         rop::RopReadRecipients::Response& rs) {
    auto m = ctx.input<MessageObject>(rq.in_index);
    auto recipients = m->message->recipients();
    if (m->recipient_columns.empty()) m->recipient_columns = recipient_columns_of(recipients);
    auto o = row_codec(ctx);
    size_t budget = ctx.budget() > 1 ? ctx.budget() - 1 : 0, used = 0;
    for (const auto& r : recipients) {
        if (r.row_id < rq.row_id) continue;
        if (rs.rows.size() == 0xFF) break;
        rop::ReadRecipientRow row;
        row.row_id = r.row_id;
        row.recipient_type = recipient_type_of(r);
        row.code_page_id = uint16_t(o.codepage);
        row.recipient_row = encode_recipient(r, m->recipient_columns, o);
        size_t n = rop::ReadRecipientRow::kMinSize + row.recipient_row.size();
        if (used + n > budget) {
            if (rs.rows.empty()) throw BufferFull{n + 1};
            break;
        }
        used += n;
        rs.rows.push_back(std::move(row));
    }
    return rs.rows.empty() ? ec::NotFound : ec::Success;
}

// MS-OXCMSG 3.2.5.4.
uint32_t remove_all_recipients(RopContext& ctx, const rop::RopRemoveAllRecipients::Request& rq, rop::EmptyBody&) {
    auto m = ctx.input<MessageObject>(rq.in_index);
    if (!m->writable) return ec::AccessDenied;
    m->message->set_recipients({});
    return ec::Success;
}

// Properties the server keeps right on every save (MS-OXCMSG 2.2.1.6,
// 2.2.1.7, 2.2.1.37-39): PidTagDisplayTo/Cc/Bcc from the recipients'
// display names, PidTagHasAttachments and mfHasAttach from the attachments.
void compute_on_save(store::Message& m) {
    std::string to, cc, bcc;
    for (const auto& r : m.recipients()) {
        std::string name;
        for (const auto& v : r.props)
            if (mapi::prop_id(v.tag) == mapi::prop_id(mapi::PidTagDisplayName))
                if (auto* str = std::get_if<std::string>(&v.value)) name = *str;
        std::string* list = nullptr;
        switch (recipient_type_of(r) & rop::kRecipTypeMask) {
        case rop::kRecipTo: list = &to; break;
        case rop::kRecipCc: list = &cc; break;
        case rop::kRecipBcc: list = &bcc; break;
        default: break;
        }
        if (!list) continue;
        if (!list->empty()) *list += "; ";
        *list += name;
    }
    // PidTagNormalizedSubject with the subject (MS-OXCMSG 2.2.1.10), so that
    // tables can show and sort it.
    if (auto normalized = subject_without_prefix(m)) {
        auto p = m.set_props({PropValue::str(mapi::PidTagNormalizedSubject, *normalized)});
        if (!p.empty()) throw store::StoreError(p.front().error, "PidTagNormalizedSubject could not be set");
    }
    bool has_attach = !m.attachment_numbers().empty();
    uint32_t flags = u32_prop(m, mapi::PidTagMessageFlags);
    flags = has_attach ? (flags | mfHasAttach) : (flags & ~mfHasAttach);
    auto problems = m.set_props({PropValue::str(mapi::PidTagDisplayTo, to), PropValue::str(mapi::PidTagDisplayCc, cc),
                                 PropValue::str(mapi::PidTagDisplayBcc, bcc),
                                 PropValue::boolean(mapi::PidTagHasAttachments, has_attach),
                                 PropValue::i32(mapi::PidTagMessageFlags, int32_t(flags))});
    if (!problems.empty()) throw store::StoreError(problems.front().error, "a computed property could not be set");
}

// MS-OXCMSG 3.2.5.3 and SaveFlags (2.2.3.3.1). A save over a save made by
// another object since this one read the message answers ecObjectModified
// and keeps the changes pending, unless ForceSave.
// KeepOpenReadOnly leaves the object read-only; KeepOpenReadWrite and
// ForceSave keep it writable.
uint32_t save_changes_message(RopContext& ctx, const rop::RopSaveChangesMessage::Request& rq,
                              rop::RopSaveChangesMessage::Response& rs) {
    using R = rop::RopSaveChangesMessage;
    auto m = ctx.input<MessageObject>(rq.in_index);
    if (!m->writable) return ec::AccessDenied;
    compute_on_save(*m->message);
    m->message->save((rq.save_flags & R::kForceSave) != 0);
    m->persisted = true;
    bool keep_read_write = rq.save_flags & (R::kKeepOpenReadWrite | R::kForceSave);
    if ((rq.save_flags & R::kKeepOpenReadOnly) && !keep_read_write) m->writable = false;
    rs.in_index = rq.in_index;
    rs.message_id = m->message->mid();
    return ec::Success;
}

// ---------------------------------------------------------------- read state

// MS-OXCMSG 3.2.5.11. The read state is committed at once, without the
// object's other pending changes and without a new change number (a read
// state change is not a change of the message); a message opened read-only
// can be marked read. A message never saved (or an embedded message) keeps
// it with its pending changes.
uint32_t set_message_read_flag(RopContext& ctx, const rop::RopSetMessageReadFlag::Request& rq,
                               rop::RopSetMessageReadFlag::Response& rs) {
    auto m = ctx.input<MessageObject>(rq.in_index);
    FlagBits bits = read_flag_bits(rq.read_flags);
    uint32_t before = u32_prop(*m->message, mapi::PidTagMessageFlags);
    bool changed = bits.apply(before) != before;
    if (changed) {
        if (!m->persisted) {
            set_u32_prop(*m->message, mapi::PidTagMessageFlags, bits.apply(before));
        } else {
            store::Id mid = m->message->mid();
            auto folder = m->logon->mailbox->open_folder(m->message->fid());
            if (!folder->update_message_bits({&mid, 1}, mapi::PidTagMessageFlags, bits.set, bits.clear).empty())
                return ec::ObjectDeleted;
        }
    }
    // ReadStatusChanged, LogonId and ClientData are meaningful in public
    // folder mode only (MS-OXCMSG 2.2.3.11.2).
    if (changed && !m->logon->is_private) rs.changed = rop::RopSetMessageReadFlag::Changed{rq.logon_id, rq.client_data};
    return ec::Success;
}

// MS-OXCMSG 3.2.5.10: the messages of the input folder, in one provider
// call (one transaction, no change numbers). Missing messages make
// PartialCompletion true; the others are changed.
uint32_t set_read_flags(RopContext& ctx, const rop::RopSetReadFlags::Request& rq, rop::PartialCompletionBody& rs) {
    auto f = ctx.input<FolderObject>(rq.in_index);
    FlagBits bits = read_flag_bits(rq.read_flags);
    rs.partial_completion =
        !f->folder->update_message_bits(rq.message_ids, mapi::PidTagMessageFlags, bits.set, bits.clear).empty();
    return ec::Success;
}

// ---------------------------------------------------------------- status

// MS-OXCMSG 3.2.5.9: PidTagMessageStatus of a message of the input folder.
uint32_t get_message_status(RopContext& ctx, const rop::RopGetMessageStatus::Request& rq,
                            rop::MessageStatusBody& rs) {
    auto f = ctx.input<FolderObject>(rq.in_index);
    auto m = f->folder->open_message(rq.message_id, false);
    rs.message_status_flags = u32_prop(*m, mapi::PidTagMessageStatus);
    return ec::Success;
}

// MS-OXCMSG 3.2.5.8: the bits of MessageStatusMask take their value from
// MessageStatusFlags, the others are kept; committed at once, without a new
// change number; the response holds the previous status.
uint32_t set_message_status(RopContext& ctx, const rop::RopSetMessageStatus::Request& rq,
                            rop::MessageStatusBody& rs) {
    auto f = ctx.input<FolderObject>(rq.in_index);
    uint32_t before = u32_prop(*f->folder->open_message(rq.message_id, false), mapi::PidTagMessageStatus);
    store::Id mid = rq.message_id;
    if (!f->folder->update_message_bits({&mid, 1}, mapi::PidTagMessageStatus,
                                        rq.message_status_flags & rq.message_status_mask, rq.message_status_mask)
             .empty())
        return ec::NotFound;
    rs.message_status_flags = before;
    return ec::Success;
}

// ---------------------------------------------------------------- attachments

// MS-OXCMSG 3.2.5.13: a table of the message's attachments as they stand.
uint32_t get_attachment_table(RopContext& ctx, const rop::GetTableRequest& rq, rop::EmptyBody&) {
    auto m = ctx.input<MessageObject>(rq.in_index);
    auto table = std::make_shared<TableObject>(
        TableObject::Kind::Other, [m](const store::TableQuery& q) { return m->message->query_attachments(q); });
    ctx.set_output(rq.out_index, table);
    return ec::Success;
}

// MS-OXCMSG 3.2.5.12. BestAccess: read/write when the message is.
uint32_t open_attachment(RopContext& ctx, const rop::RopOpenAttachment::Request& rq, rop::EmptyBody&) {
    using R = rop::RopOpenAttachment;
    auto m = ctx.input<MessageObject>(rq.in_index);
    bool writable;
    switch (rq.open_attachment_flags) {
    case R::kReadOnly: writable = false; break;
    case R::kReadWrite: writable = true; break;
    case R::kBestAccess: writable = m->writable; break;
    default: return ec::InvalidParam;
    }
    if (writable && !m->writable) return ec::AccessDenied;
    auto a = m->message->open_attachment(rq.attachment_id, writable);
    ctx.set_output(rq.out_index, std::make_shared<AttachmentObject>(m, std::move(a), writable));
    return ec::Success;
}

// MS-OXCMSG 3.2.5.14: part of the message once saved
// (RopSaveChangesAttachment), persisted with the message.
uint32_t create_attachment(RopContext& ctx, const rop::OutputOnly& rq, rop::RopCreateAttachment::Response& rs) {
    auto m = ctx.input<MessageObject>(rq.in_index);
    if (!m->writable) return ec::AccessDenied;
    auto a = m->message->create_attachment();
    rs.attachment_id = a->attach_num();
    ctx.set_output(rq.out_index, std::make_shared<AttachmentObject>(m, std::move(a), true));
    return ec::Success;
}

// MS-OXCMSG 3.2.5.16: gone when the message is saved.
uint32_t delete_attachment(RopContext& ctx, const rop::RopDeleteAttachment::Request& rq, rop::EmptyBody&) {
    auto m = ctx.input<MessageObject>(rq.in_index);
    if (!m->writable) return ec::AccessDenied;
    m->message->delete_attachment(rq.attachment_id);
    return ec::Success;
}

// MS-OXCMSG 3.2.5.15 with the SaveFlags of 2.2.3.3.1.
uint32_t save_changes_attachment(RopContext& ctx, const rop::RopSaveChangesAttachment::Request& rq,
                                 rop::EmptyBody&) {
    auto a = ctx.input<AttachmentObject>(rq.in_index);
    if (!a->writable) return ec::AccessDenied;
    a->attachment->save();
    using R = rop::RopSaveChangesMessage;
    if ((rq.save_flags & R::kKeepOpenReadOnly) && !(rq.save_flags & (R::kKeepOpenReadWrite | R::kForceSave)))
        a->writable = false;
    return ec::Success;
}

// MS-OXCMSG 3.2.5.17. Create opens the embedded message, making it when
// there is none; its changes go to the attachment when saved.
uint32_t open_embedded_message(RopContext& ctx, const rop::RopOpenEmbeddedMessage::Request& rq,
                               rop::RopOpenEmbeddedMessage::Response& rs) {
    using R = rop::RopOpenEmbeddedMessage;
    auto a = ctx.input<AttachmentObject>(rq.in_index);
    if (rq.open_mode_flags > R::kCreate) return ec::InvalidParam;
    bool writable = rq.open_mode_flags != R::kReadOnly;
    if (writable && !a->writable) return ec::AccessDenied;
    bool create = rq.open_mode_flags == R::kCreate;
    auto& mb = *a->message->logon->mailbox;
    store::Id new_mid = create ? mb.odb().allocate_id(mb.info()) : 0;
    auto em = a->attachment->open_embedded(writable, create, new_mid);
    if (!em) return ec::NotFound;
    auto obj = std::make_shared<MessageObject>(a->message->logon, std::move(em), writable, false);
    obj->container = a;
    rs.message_id = obj->message->mid();
    size_t fixed = 9;
    cached_information(ctx, *obj, rs.message, ctx.budget() > fixed ? ctx.budget() - fixed : 0);
    ctx.set_output(rq.out_index, obj);
    return ec::Success;
}

// MS-OXCMSG 3.2.5.18: the AttachmentIDs of the message as it stands.
uint32_t get_valid_attachments(RopContext& ctx, const rop::InputOnly& rq, rop::RopGetValidAttachments::Response& rs) {
    auto m = ctx.input<MessageObject>(rq.in_index);
    rs.attachment_ids = m->message->attachment_numbers();
    return ec::Success;
}

// ClientData of RopSetMessageReadFlag is on the wire only for public folder
// logons (MS-OXCROPS 2.2.6.11.1): the request is decoded with the context
// of the logon its LogonId names.
struct PublicReadFlagRequest : rop::RopSetMessageReadFlag::Request {
    PublicReadFlagRequest() { private_logon = false; }
};
struct RopSetMessageReadFlagPublic : rop::RopSetMessageReadFlag {
    using Request = PublicReadFlagRequest;
};

bool logon_is_private(RopContext& ctx, uint8_t logon_id) {
    ctx.logon_id = logon_id;
    try {
        return logon_of(ctx)->is_private;
    } catch (const RopError&) {
        return true;  // no such logon: the handler answers ecNullObject
    }
}

template <class R>
RopEntry entry_of(uint32_t (*handler)(RopContext&, const rop::RopSetMessageReadFlag::Request&,
                                      rop::RopSetMessageReadFlag::Response&)) {
    RopTable one;
    add_rop<R>(one, handler);
    return *one.find(R::kId);
}

void add_set_message_read_flag(RopTable& t) {
    RopEntry private_entry = entry_of<rop::RopSetMessageReadFlag>(set_message_read_flag);
    RopEntry public_entry = entry_of<RopSetMessageReadFlagPublic>(set_message_read_flag);
    t.add(rop::RopSetMessageReadFlag::kId,
          RopEntry{rop::RopSetMessageReadFlag::kName,
                   [private_entry, public_entry](RopContext& ctx, rop::Pull& in, rop::Push& out) {
                       rop::Pull peek = in;
                       uint8_t logon_id = 0;
                       peek.u8(logon_id);
                       const RopEntry& e = logon_is_private(ctx, logon_id) ? private_entry : public_entry;
                       return e.run(ctx, in, out);
                   }});
}

}  // namespace

void set_computed_on_save(store::Message& m) { compute_on_save(m); }

void register_message_rops(RopTable& t) {
    add_rop<rop::RopCreateMessage>(t, create_message);
    add_rop<rop::RopOpenMessage>(t, open_message);
    add_rop<rop::RopSaveChangesMessage>(t, save_changes_message);
    add_set_message_read_flag(t);
    add_rop<rop::RopSetReadFlags>(t, set_read_flags);
    add_rop<rop::RopGetMessageStatus>(t, get_message_status);
    add_rop<rop::RopSetMessageStatus>(t, set_message_status);
    add_rop<rop::RopModifyRecipients>(t, modify_recipients);
    add_rop<rop::RopReadRecipients>(t, read_recipients);
    add_rop<rop::RopRemoveAllRecipients>(t, remove_all_recipients);
    add_rop<rop::RopReloadCachedInformation>(t, reload_cached_information);
    add_rop<rop::RopGetAttachmentTable>(t, get_attachment_table);
    add_rop<rop::RopOpenAttachment>(t, open_attachment);
    add_rop<rop::RopCreateAttachment>(t, create_attachment);
    add_rop<rop::RopDeleteAttachment>(t, delete_attachment);
    add_rop<rop::RopSaveChangesAttachment>(t, save_changes_attachment);
    add_rop<rop::RopOpenEmbeddedMessage>(t, open_embedded_message);
    add_rop<rop::RopGetValidAttachments>(t, get_valid_attachments);
}

}  // namespace mg::emsmdb
