// Submission ROPs (MS-OXOMSG 3.2.5): RopSubmitMessage, RopTransportSend,
// RopAbortSubmit, RopGetAddressTypes, RopSetSpooler, RopSpoolerLockMessage,
// RopTransportNewMail, RopGetTransportFolder, RopOptionsData.
//
// There is no mail transport yet (the IMAP/SMTP provider will bring one): a
// submitted message is marked sent and moved to Sent Items (or deleted when
// PidTagDeleteAfterSubmit says so) at once, with a warning in the log that it
// was NOT delivered. Nothing waits in a queue, so RopAbortSubmit always
// answers ecNotInQueue.
#include "common/log.h"
#include "libmapi/proptags.h"
#include "libmapi/rops_submission.h"
#include "mapiproxy/servers/oxcmsg.h"
#include "mapistore/ids.h"

namespace mg::emsmdb {
namespace {

namespace ec = mapi::ec;
using mapi::PropValue;

// MS-OXCDATA 2.4.
constexpr uint32_t ecNotInQueue = 0x80040601, ecNoRecipients = 0x80040607;
// PidTagMessageFlags (MS-OXCMSG 2.2.1.6).
constexpr uint32_t mfRead = 0x01, mfSubmitted = 0x04, mfUnsent = 0x08;

int32_t int_prop(store::PropertyObject& o, mapi::PropTag tag) {
    mapi::PropTag tags[] = {tag};
    auto v = o.get_props(tags);
    if (auto* i = std::get_if<int32_t>(&v[0].value)) return *i;
    if (auto* b = std::get_if<bool>(&v[0].value)) return *b ? 1 : 0;
    return 0;
}

// MS-OXOMSG 3.2.5.1: the message is submitted; without a transport it is
// finished at once (see the file comment).
uint32_t submit(RopContext& ctx, MessageObject& m, const char* rop) {
    if (!m.writable) return ec::AccessDenied;
    if (m.container) return ec::InvalidObject;  // an embedded message is sent with its container
    if (m.message->recipients().empty()) return ecNoRecipients;
    store::Message& msg = *m.message;
    int64_t now = store::filetime_now();
    uint32_t flags = (uint32_t(int_prop(msg, mapi::PidTagMessageFlags)) | mfRead) & ~(mfUnsent | mfSubmitted);
    auto problems = msg.set_props({PropValue::i64(mapi::PidTagClientSubmitTime, now),
                                   PropValue::i64(mapi::PidTagMessageDeliveryTime, now),
                                   PropValue::i32(mapi::PidTagMessageFlags, int32_t(flags))});
    if (!problems.empty()) throw store::StoreError(problems.front().error, "submission properties could not be set");
    set_computed_on_save(msg);
    msg.save(true);
    m.persisted = true;
    m.writable = false;  // MS-OXOMSG 3.2.5.1: no changes after submission
    auto& mb = *m.logon->mailbox;
    store::Id mid = msg.mid(), fid = msg.fid();
    bool delete_after = int_prop(msg, mapi::PidTagDeleteAfterSubmit) != 0;
    if (delete_after) {
        mb.open_folder(fid)->delete_messages({&mid, 1}, false);
    } else {
        store::Id sent = mb.special_fid(store::FolderRole::SentItems);
        if (sent != fid) mb.move_copy_messages(fid, {&mid, 1}, sent, false);
    }
    LOG_WARN("%s: no mail transport yet: message 0x%016llx of %s was NOT delivered to its %zu recipient(s); %s", rop,
             (unsigned long long)mid, ctx.session().info().account.c_str(), msg.recipients().size(),
             delete_after ? "deleted (PidTagDeleteAfterSubmit)" : "moved to Sent Items");
    return ec::Success;
}

uint32_t submit_message(RopContext& ctx, const rop::RopSubmitMessage::Request& rq, rop::EmptyBody&) {
    return submit(ctx, *ctx.input<MessageObject>(rq.in_index), "RopSubmitMessage");
}

// MS-OXOMSG 3.2.5.6: as RopSubmitMessage; no properties to return.
uint32_t transport_send(RopContext& ctx, const rop::InputOnly& rq, rop::RopTransportSend::Response& rs) {
    rs.values.reset();
    return submit(ctx, *ctx.input<MessageObject>(rq.in_index), "RopTransportSend");
}

// MS-OXOMSG 3.2.5.2: nothing is ever queued.
uint32_t abort_submit(RopContext& ctx, const rop::RopAbortSubmit::Request& rq, rop::EmptyBody&) {
    auto l = logon_of(ctx);
    l->mailbox->open_message(rq.folder_id, rq.message_id, false);  // ecNotFound for an unknown message
    return ecNotInQueue;
}

// MS-OXOMSG 3.2.5.3: the address types recipients can have.
uint32_t get_address_types(RopContext& ctx, const rop::InputOnly&, rop::RopGetAddressTypes::Response& rs) {
    logon_of(ctx);
    rs.address_types = {"EX", "SMTP"};
    return ec::Success;
}

// MS-OXOMSG 3.2.5.4 / 3.2.5.5: the client acts as spooler; accepted.
uint32_t set_spooler(RopContext& ctx, const rop::InputOnly&, rop::EmptyBody&) {
    logon_of(ctx);
    return ec::Success;
}

uint32_t spooler_lock_message(RopContext& ctx, const rop::RopSpoolerLockMessage::Request& rq, rop::EmptyBody&) {
    logon_of(ctx);
    return rq.lock_state > 2 ? ec::InvalidParam : ec::Success;  // 0 unlock, 1 lock, 2 finished
}

// MS-OXOMSG 3.2.5.7: new mail notifications arrive with the notifications
// work; accepted.
uint32_t transport_new_mail(RopContext& ctx, const rop::RopTransportNewMail::Request&, rop::EmptyBody&) {
    logon_of(ctx);
    return ec::Success;
}

// MS-OXOMSG 3.2.5.8: the Outbox.
uint32_t get_transport_folder(RopContext& ctx, const rop::InputOnly&, rop::RopGetTransportFolder::Response& rs) {
    rs.folder_id = logon_of(ctx)->mailbox->special_fid(store::FolderRole::Outbox);
    return ec::Success;
}

// MS-OXOMSG 3.2.5.9: no transport-specific options or help file.
uint32_t options_data(RopContext& ctx, const rop::RopOptionsData::Request&, rop::RopOptionsData::Response& rs) {
    logon_of(ctx);
    rs = {};
    return ec::Success;
}

}  // namespace

void register_submission_rops(RopTable& t) {
    add_rop<rop::RopSubmitMessage>(t, submit_message);
    add_rop<rop::RopTransportSend>(t, transport_send);
    add_rop<rop::RopAbortSubmit>(t, abort_submit);
    add_rop<rop::RopGetAddressTypes>(t, get_address_types);
    add_rop<rop::RopSetSpooler>(t, set_spooler);
    add_rop<rop::RopSpoolerLockMessage>(t, spooler_lock_message);
    add_rop<rop::RopTransportNewMail>(t, transport_new_mail);
    add_rop<rop::RopGetTransportFolder>(t, get_transport_folder);
    add_rop<rop::RopOptionsData>(t, options_data);
}

}  // namespace mg::emsmdb
