// Message ROPs (MS-OXCMSG), first slice: RopCreateMessage, RopOpenMessage,
// RopSaveChangesMessage, RopSetMessageReadFlag, RopSetReadFlags,
// RopGetMessageStatus, RopSetMessageStatus. Recipients and attachments come
// with the next slices.
//
// A Message object is a PropertyHost (oxcprpt_streams.h): the property ROPs
// (oxcprpt.cpp), the stream ROPs and the copy ROPs work on it, and its
// changes stay on the store::Message until RopSaveChangesMessage
// (MS-OXCMSG 3.2.5.3).
#include "libmapi/proptags.h"
#include "libmapi/rops_message.h"
#include "mapiproxy/servers/oxcprpt_streams.h"
#include "mapiproxy/servers/rop_handlers.h"
#include "mapistore/db.h"

namespace mg::emsmdb {
namespace {

namespace ec = mapi::ec;
using mapi::PropTag;
using mapi::PropValue;

// PidTagMessageFlags bits (MS-OXCMSG 2.2.1.6).
constexpr uint32_t mfRead = 0x00000001, mfUnsent = 0x00000008, mfNotifyRead = 0x00000100,
                   mfNotifyUnread = 0x00000200;

class MessageObject : public ServerObject, public PropertyHost {
public:
    MessageObject(std::shared_ptr<LogonObject> l, std::unique_ptr<store::Message> m, bool writable, bool persisted)
        : logon(std::move(l)), message(std::move(m)), writable(writable), persisted(persisted) {}

    const char* kind() const override { return "message"; }
    store::PropertyObject& host_properties() override { return *message; }
    HostKind host_kind() const override { return HostKind::Message; }
    bool host_writable() const override { return writable; }
    std::shared_ptr<LogonObject> host_logon() const override { return logon; }

    std::shared_ptr<LogonObject> logon;
    std::unique_ptr<store::Message> message;
    bool writable;
    bool persisted;  // saved at least once (false between RopCreateMessage and the first save)
};

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

// Sets an integer property; a problem is an error of the whole ROP.
void set_u32_prop(store::PropertyObject& o, PropTag tag, uint32_t value) {
    auto problems = o.set_props({PropValue::i32(tag, int32_t(value))});
    if (!problems.empty()) throw store::StoreError(problems.front().error, "the property could not be set");
}

// PidTagMessageFlags after ReadFlags (MS-OXCMSG 2.2.3.10.1, 3.2.5.10,
// 3.2.5.11). Read receipts are not sent (MS-OXOMSG, later): the flags only
// change the bits.
uint32_t apply_read_flags(uint32_t flags, uint8_t rf) {
    if (rf & rop::rfGenerateReceiptOnly) return flags;  // receipt only, mfRead unchanged
    if (rf & (rop::rfClearNotifyRead | rop::rfClearNotifyUnread)) {
        if (rf & rop::rfClearNotifyRead) flags &= ~mfNotifyRead;
        if (rf & rop::rfClearNotifyUnread) flags &= ~mfNotifyUnread;
        return flags;
    }
    if (rf & rop::rfClearReadFlag) {
        flags &= ~mfRead;
        if (rf & rop::rfSuppressReceipt) flags &= ~mfNotifyUnread;  // no non-read receipt either
        return flags;
    }
    flags |= mfRead;
    if (rf & rop::rfSuppressReceipt) flags &= ~mfNotifyRead;  // the pending read receipt is cancelled
    return flags;
}

// Applies ReadFlags to `m`; returns whether PidTagMessageFlags changed (the
// caller saves).
bool set_read_state(store::Message& m, uint8_t rf) {
    uint32_t before = u32_prop(m, mapi::PidTagMessageFlags);
    uint32_t after = apply_read_flags(before, rf);
    if (after == before) return false;
    set_u32_prop(m, mapi::PidTagMessageFlags, after);
    return true;
}

// ---------------------------------------------------------------- create / open / save

// MS-OXCMSG 3.2.5.2: nothing is committed before RopSaveChangesMessage; the
// initial values the server SHOULD set are set on the new object.
uint32_t create_message(RopContext& ctx, const rop::RopCreateMessage::Request& rq,
                        rop::RopCreateMessage::Response& rs) {
    auto l = logon_of_input(ctx, rq.in_index);
    auto m = l->mailbox->create_message(rq.folder_id, rq.associated);
    m->set_props({
        PropValue::i32(mapi::PidTagImportance, 1),
        PropValue::str(mapi::PidTagMessageClass, "IPM.Note"),
        PropValue::i32(mapi::PidTagSensitivity, 0),
        PropValue::str(mapi::PidTagDisplayBcc, ""),
        PropValue::str(mapi::PidTagDisplayCc, ""),
        PropValue::str(mapi::PidTagDisplayTo, ""),
        PropValue::i32(mapi::PidTagMessageFlags, int32_t(mfUnsent | mfRead)),
        PropValue::boolean(mapi::PidTagHasAttachments, false),
        PropValue::i32(mapi::PidTagTrustSender, 1),
    });
    rs.message_id = m->mid();
    ctx.set_output(rq.out_index, std::make_shared<MessageObject>(l, std::move(m), true, false));
    return ec::Success;
}

// MS-OXCMSG 3.2.5.1. OpenModeFlags (2.2.3.1.1): ReadOnly 0x00, ReadWrite
// 0x01, BestAccess 0x03 — the user owns every message of the mailbox she
// logged on to (folder permissions are not modelled yet), so BestAccess is
// read/write. OpenSoftDeleted: soft-deleted messages are not kept, so only
// live messages open. Other bits are ignored.
uint32_t open_message(RopContext& ctx, const rop::RopOpenMessage::Request& rq, rop::RopOpenMessage::Response& rs) {
    auto l = logon_of_input(ctx, rq.in_index);
    bool writable = (rq.open_mode_flags & rop::RopOpenMessage::kReadWrite) != 0;
    auto m = l->mailbox->open_message(rq.folder_id, rq.message_id, writable);

    auto tags = m->prop_tags();
    rs.has_named_properties =
        std::any_of(tags.begin(), tags.end(), [](PropTag t) { return mapi::prop_id(t) >= 0x8000; });
    // SubjectPrefix / NormalizedSubject (MS-OXCMSG 2.2.1.9, 2.2.1.10): when
    // only PidTagSubject was set, the normalized subject is the subject
    // without its prefix.
    rs.subject_prefix = string_prop(*m, mapi::PidTagSubjectPrefix);
    rs.normalized_subject = string_prop(*m, mapi::PidTagNormalizedSubject);
    if (!rs.normalized_subject) {
        if (auto subject = string_prop(*m, mapi::PidTagSubject)) {
            const std::string prefix = rs.subject_prefix.value_or("");
            rs.normalized_subject = subject->compare(0, prefix.size(), prefix) == 0 ? subject->substr(prefix.size())
                                                                                    : *subject;
        }
    }
    // Recipients arrive with the recipient ROPs: none yet.
    rs.recipient_count = 0;
    ctx.set_output(rq.out_index, std::make_shared<MessageObject>(l, std::move(m), writable, true));
    return ec::Success;
}

// MS-OXCMSG 3.2.5.3 and SaveFlags (2.2.3.3.1). Every save commits the
// object's changes (the store keeps no conflicting transaction per handle
// yet, so ForceSave never has an ecObjectModified to override).
// KeepOpenReadOnly leaves the object read-only; KeepOpenReadWrite and
// ForceSave keep it writable.
uint32_t save_changes_message(RopContext& ctx, const rop::RopSaveChangesMessage::Request& rq,
                              rop::RopSaveChangesMessage::Response& rs) {
    using R = rop::RopSaveChangesMessage;
    auto m = ctx.input<MessageObject>(rq.in_index);
    if (!m->writable) return ec::AccessDenied;
    m->message->save();
    m->persisted = true;
    bool keep_read_write = rq.save_flags & (R::kKeepOpenReadWrite | R::kForceSave);
    if ((rq.save_flags & R::kKeepOpenReadOnly) && !keep_read_write) {
        m->message = m->logon->mailbox->open_message(m->message->fid(), m->message->mid(), false);
        m->writable = false;
    }
    rs.in_index = rq.in_index;
    rs.message_id = m->message->mid();
    return ec::Success;
}

// ---------------------------------------------------------------- read state

// MS-OXCMSG 3.2.5.11. The read state is committed at once, without the
// object's other pending changes: a saved message is changed through a
// second, writable instance (so a message opened read-only can be marked
// read); a message never saved keeps it with its pending changes.
uint32_t set_message_read_flag(RopContext& ctx, const rop::RopSetMessageReadFlag::Request& rq,
                               rop::RopSetMessageReadFlag::Response& rs) {
    auto m = ctx.input<MessageObject>(rq.in_index);
    bool changed;
    if (!m->persisted) {
        changed = set_read_state(*m->message, rq.read_flags);
    } else {
        auto w = m->logon->mailbox->open_message(m->message->fid(), m->message->mid(), true);
        changed = set_read_state(*w, rq.read_flags);
        if (changed) w->save();
    }
    // ReadStatusChanged, LogonId and ClientData are meaningful in public
    // folder mode only (MS-OXCMSG 2.2.3.11.2).
    if (changed && !m->logon->is_private) rs.changed = rop::RopSetMessageReadFlag::Changed{rq.logon_id, rq.client_data};
    return ec::Success;
}

// MS-OXCMSG 3.2.5.10: the messages of the input folder, in one transaction.
// Missing messages make PartialCompletion true; the others are changed.
uint32_t set_read_flags(RopContext& ctx, const rop::RopSetReadFlags::Request& rq, rop::PartialCompletionBody& rs) {
    auto f = ctx.input<FolderObject>(rq.in_index);
    bool partial = false;
    session_store(ctx).db().transaction([&] {
        partial = false;  // a retried transaction starts over
        for (uint64_t mid : rq.message_ids) {
            std::unique_ptr<store::Message> m;
            try {
                m = f->folder->open_message(mid, true);
            } catch (const store::StoreError&) {
                partial = true;
                continue;
            }
            if (set_read_state(*m, rq.read_flags)) m->save();
        }
    });
    rs.partial_completion = partial;
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
// MessageStatusFlags, the others are kept; committed at once; the response
// holds the previous status. (The store's save also renews the change number
// and ChangeKey, which the spec leaves untouched: a store-level status
// update is a later refinement.)
uint32_t set_message_status(RopContext& ctx, const rop::RopSetMessageStatus::Request& rq,
                            rop::MessageStatusBody& rs) {
    auto f = ctx.input<FolderObject>(rq.in_index);
    auto m = f->folder->open_message(rq.message_id, true);
    uint32_t before = u32_prop(*m, mapi::PidTagMessageStatus);
    uint32_t after = (before & ~rq.message_status_mask) | (rq.message_status_flags & rq.message_status_mask);
    if (after != before) {
        set_u32_prop(*m, mapi::PidTagMessageStatus, after);
        m->save();
    }
    rs.message_status_flags = before;
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

void register_message_rops(RopTable& t) {
    add_rop<rop::RopCreateMessage>(t, create_message);
    add_rop<rop::RopOpenMessage>(t, open_message);
    add_rop<rop::RopSaveChangesMessage>(t, save_changes_message);
    add_set_message_read_flag(t);
    add_rop<rop::RopSetReadFlags>(t, set_read_flags);
    add_rop<rop::RopGetMessageStatus>(t, get_message_status);
    add_rop<rop::RopSetMessageStatus>(t, set_message_status);
}

}  // namespace mg::emsmdb
