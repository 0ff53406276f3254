// Layouts of the message ROPs (libmapi/rops_message.h, MS-OXCROPS 2.2.6):
// spec examples where MS-OXCMSG section 4 has them, hand-built buffers and
// round trips (including truncation) otherwise.
#include "libmapi/proptags.h"
#include "libmapi/rops_message.h"
#include "libmapi/rops_submission.h"

#include "tests/unit/testutil.h"

#include <CppUTest/TestHarness.h>

using namespace mg;
using namespace mg::rop;
using mg::test::hex;

namespace {

template <class F>
bool throws_decode_error(F&& f) {
    try {
        f();
    } catch (const DecodeError&) {
        return true;
    }
    return false;
}

// Encodes, checks the bytes, decodes back to the same value, and rejects
// every proper prefix.
template <class R>
void request_is(const typename R::Request& rq, const char* bytes) {
    Bytes b = encode_request<R>(rq);
    STRCMP_EQUAL(test::to_hex(hex(bytes)).c_str(), test::to_hex(b).c_str());
    CHECK(decode_request<R>(b) == rq);
    for (size_t n = 1; n < b.size(); ++n)
        CHECK_TEXT(throws_decode_error([&] { decode_request<R>(ByteView(b.data(), n)); }), R::kName);
}

template <class R>
void response_is(const Reply<R>& r, const char* bytes) {
    Bytes b = encode_response<R>(r);
    STRCMP_EQUAL(test::to_hex(hex(bytes)).c_str(), test::to_hex(b).c_str());
    CHECK(decode_response<R>(b) == r);
    for (size_t n = 6; n < b.size(); ++n)
        CHECK_TEXT(throws_decode_error([&] { decode_response<R>(ByteView(b.data(), n)); }), R::kName);
}

}  // namespace

TEST_GROUP(RopsMessage){};

TEST(RopsMessage, NamesMatchTheRopIdTable) {
    auto check = [](const char* name, uint8_t id) { STRCMP_EQUAL(name, rop_name(id)); };
    std::apply([&](auto... r) { (check(decltype(r)::kName, decltype(r)::kId), ...); }, MessageRops{});
    std::apply([&](auto... r) { (check(decltype(r)::kName, decltype(r)::kId), ...); }, SubmissionRops{});
}

// MS-OXCMSG 4.8.1: 0c 00 00 01 0a (SaveFlags 0x0A).
TEST(RopsMessage, SaveChangesMessageSpecExample) {
    auto rq = decode_request<RopSaveChangesMessage>(hex("0c 00 00 01 0a"));
    LONGS_EQUAL(0, rq.logon_id);
    LONGS_EQUAL(0, rq.out_index);  // ResponseHandleIndex
    LONGS_EQUAL(1, rq.in_index);
    LONGS_EQUAL(0x0A, rq.save_flags);
    request_is<RopSaveChangesMessage>(rq, "0c 00 00 01 0a");
    Reply<RopSaveChangesMessage> r;
    r.index = 0;
    r.body.in_index = 1;
    r.body.message_id = 0x0807060504030201ULL;
    response_is(r, "0c 00 00000000 01 0102030405060708");
    // No body on failure.
    r.return_value = 0x80040109;  // ecObjectModified
    Bytes failed = encode_response<RopSaveChangesMessage>(r);
    CHECK(failed == hex("0c 00 09010480"));
}

TEST(RopsMessage, CreateMessage) {
    RopCreateMessage::Request rq;
    rq.in_index = 1;
    rq.out_index = 2;
    rq.code_page_id = 0x0FFF;
    rq.folder_id = 0x0100000000000001ULL;
    rq.associated = true;
    request_is<RopCreateMessage>(rq, "06 00 01 02 ff0f 0100000000000001 01");
    Reply<RopCreateMessage> r;
    r.index = 2;
    response_is(r, "06 02 00000000 00");
    r.body.message_id = 0x2A;
    response_is(r, "06 02 00000000 01 2a00000000000000");
}

TEST(RopsMessage, OpenMessage) {
    RopOpenMessage::Request rq;
    rq.in_index = 0;
    rq.out_index = 1;
    rq.code_page_id = 0x0FFF;
    rq.folder_id = 1;
    rq.open_mode_flags = RopOpenMessage::kBestAccess;
    rq.message_id = 2;
    request_is<RopOpenMessage>(rq, "03 00 00 01 ff0f 0100000000000000 03 0200000000000000");

    Reply<RopOpenMessage> r;
    r.index = 1;
    r.body.has_named_properties = true;
    r.body.subject_prefix = std::nullopt;      // StringType 0x00
    r.body.normalized_subject = "Hi";          // reduced Unicode (0x03)
    r.body.recipient_count = 1;
    r.body.recipient_columns = {mapi::PidTagDisplayName};
    OpenRecipientRow row;
    row.recipient_type = 1;  // To
    row.code_page_id = 0x04B0;
    row.recipient_row = hex("0102");
    r.body.rows = {row};
    response_is(r, "03 01 00000000 01 00 03 4869 00 0100 0100 1f000130 01 01 b004 0000 0200 0102");
    // Unicode subjects and no recipients.
    r.body.normalized_subject = "\xe2\x82\xac";  // U+20AC
    r.body.subject_prefix = "";
    r.body.recipient_count = 0;
    r.body.recipient_columns.clear();
    r.body.rows.clear();
    response_is(r, "03 01 00000000 01 01 04 ac20 0000 0000 0000 00");
}

TEST(RopsMessage, ReadFlags) {
    RopSetReadFlags::Request rq;
    rq.in_index = 1;
    rq.read_flags = rfSuppressReceipt | rfClearReadFlag;
    rq.message_ids = {1, 2};
    request_is<RopSetReadFlags>(rq, "66 00 01 00 05 0200 0100000000000000 0200000000000000");
    Reply<RopSetReadFlags> r;
    r.index = 1;
    r.return_value = 0;
    r.body.partial_completion = true;
    response_is(r, "66 01 00000000 01");
}

TEST(RopsMessage, SetMessageReadFlagPrivateAndPublic) {
    RopSetMessageReadFlag::Request rq;
    rq.out_index = 1;
    rq.in_index = 2;
    rq.read_flags = rfDefault;
    request_is<RopSetMessageReadFlag>(rq, "11 00 01 02 00");

    // Public folder logon: 24 bytes of ClientData follow.
    RopSetMessageReadFlag::Request pub;
    pub.private_logon = false;
    pub.out_index = 1;
    pub.in_index = 2;
    pub.read_flags = rfClearReadFlag | rfSuppressReceipt;
    for (size_t i = 0; i < pub.client_data.size(); ++i) pub.client_data[i] = uint8_t(i);
    Bytes b = encode_request<RopSetMessageReadFlag>(pub);
    LONGS_EQUAL(5 + 24, b.size());
    // Decoding needs the context too.
    Pull in(ByteView(b).subspan(1));
    RopSetMessageReadFlag::Request back;
    back.private_logon = false;
    RopSetMessageReadFlag::Request::fields(back, in);
    LONGS_EQUAL(0, in.remaining());
    CHECK(back == pub);
    // Without it the ClientData is left over.
    CHECK(throws_decode_error([&] { decode_request<RopSetMessageReadFlag>(b); }));

    Reply<RopSetMessageReadFlag> r;
    r.index = 1;
    response_is(r, "11 01 00000000 00");
    r.body.changed = RopSetMessageReadFlag::Changed{};
    r.body.changed->logon_id = 3;
    r.body.changed->client_data.fill(0xAB);
    response_is(r, "11 01 00000000 01 03 abababababababababababababababababababababababab");
}

TEST(RopsMessage, MessageStatus) {
    RopGetMessageStatus::Request g;
    g.in_index = 1;
    g.message_id = 0x10;
    request_is<RopGetMessageStatus>(g, "1f 00 01 1000000000000000");
    RopSetMessageStatus::Request s;
    s.in_index = 1;
    s.message_id = 0x10;
    s.message_status_flags = 0x1000;  // only the layout matters here
    s.message_status_mask = 0x1001;
    request_is<RopSetMessageStatus>(s, "20 00 01 1000000000000000 00100000 01100000");
    Reply<RopGetMessageStatus> r;
    r.index = 1;
    r.body.message_status_flags = 0x00000201;
    response_is(r, "1f 01 00000000 01020000");
    Reply<RopSetMessageStatus> rs;
    rs.index = 1;
    rs.body.message_status_flags = 0x1000;
    response_is(rs, "20 01 00000000 00100000");
}

TEST(RopsMessage, RecipientRops) {
    RopRemoveAllRecipients::Request ra;
    ra.in_index = 1;
    request_is<RopRemoveAllRecipients>(ra, "0d 00 01 00000000");
    Reply<RopRemoveAllRecipients> rr;
    rr.index = 1;
    response_is(rr, "0d 01 00000000");

    RopModifyRecipients::Request m;
    m.in_index = 1;
    m.columns = {0x5FFF0003};
    m.rows.resize(2);
    m.rows[0].row_id = 0;
    m.rows[0].recipient_type = kRecipTo;
    m.rows[0].recipient_row = {0x00, 0x00, 0x00, 0x00, 0x00};
    m.rows[1].row_id = 1;  // size 0: removal
    request_is<RopModifyRecipients>(m, "0e 00 01 0100 0300ff5f 0200 00000000 01 0500 0000000000 01000000 00 0000");

    RopReadRecipients::Request rd;
    rd.in_index = 1;
    rd.row_id = 2;
    request_is<RopReadRecipients>(rd, "0f 00 01 02000000 0000");
    Reply<RopReadRecipients> rdr;
    rdr.index = 1;
    rdr.body.rows.resize(1);
    rdr.body.rows[0].row_id = 2;
    rdr.body.rows[0].recipient_type = kRecipCc;
    rdr.body.rows[0].code_page_id = 0x04E4;
    rdr.body.rows[0].recipient_row = {0x00, 0x00, 0x00, 0x00, 0x00};
    response_is(rdr, "0f 01 00000000 01 02000000 02 e404 0000 0500 0000000000");

    RopReloadCachedInformation::Request rl;
    rl.in_index = 1;
    request_is<RopReloadCachedInformation>(rl, "10 00 01 0000");
    Reply<RopReloadCachedInformation> rlr;
    rlr.index = 1;
    rlr.body.normalized_subject = "Hi";
    rlr.body.recipient_count = 3;
    rlr.body.recipient_columns = {0x5FFF0003};
    rlr.body.rows.resize(1);
    rlr.body.rows[0].recipient_type = kRecipBcc;
    rlr.body.rows[0].code_page_id = 0x04E4;
    rlr.body.rows[0].recipient_row = {0x00, 0x00, 0x00, 0x00, 0x00};
    response_is(rlr, "10 01 00000000 00 00 03 48 69 00 0300 0100 0300ff5f 01 03 e404 0000 0500 0000000000");
}

TEST(RopsMessage, AttachmentRops) {
    GetTableRequest t;
    t.in_index = 1;
    t.out_index = 2;
    request_is<RopGetAttachmentTable>(t, "21 00 01 02 00");
    RopOpenAttachment::Request oa;
    oa.in_index = 1;
    oa.out_index = 2;
    oa.open_attachment_flags = RopOpenAttachment::kReadWrite;
    oa.attachment_id = 7;
    request_is<RopOpenAttachment>(oa, "22 00 01 02 01 07000000");
    OutputOnly ca{0, 1, 2};
    request_is<RopCreateAttachment>(ca, "23 00 01 02");
    Reply<RopCreateAttachment> car;
    car.index = 2;
    car.body.attachment_id = 7;
    response_is(car, "23 02 00000000 07000000");
    RopDeleteAttachment::Request da;
    da.in_index = 1;
    da.attachment_id = 7;
    request_is<RopDeleteAttachment>(da, "24 00 01 07000000");
    RopSaveChangesAttachment::Request sa;
    sa.out_index = 1;
    sa.in_index = 2;
    sa.save_flags = 0x0A;
    request_is<RopSaveChangesAttachment>(sa, "25 00 01 02 0a");
    RopOpenEmbeddedMessage::Request oe;
    oe.in_index = 2;
    oe.out_index = 3;
    oe.code_page_id = 0x0FFF;
    oe.open_mode_flags = RopOpenEmbeddedMessage::kCreate;
    request_is<RopOpenEmbeddedMessage>(oe, "46 00 02 03 ff0f 02");
    Reply<RopOpenEmbeddedMessage> oer;
    oer.index = 3;
    oer.body.message_id = 0x0100000000000009ULL;
    response_is(oer, "46 03 00000000 00 0900000000000001 00 00 00 0000 0000 00");
    Reply<RopGetValidAttachments> gv;
    gv.index = 1;
    gv.body.attachment_ids = {0, 2};
    response_is(gv, "52 01 00000000 0200 00000000 02000000");
    // A count larger than what follows is refused before allocating.
    CHECK(throws_decode_error([] { decode_response<RopGetValidAttachments>(hex("52 01 00000000 ffff 00000000")); }));
}

TEST(RopsMessage, SubmissionRops) {
    RopSubmitMessage::Request sm;
    sm.in_index = 1;
    sm.submit_flags = 0x02;
    request_is<RopSubmitMessage>(sm, "32 00 01 02");
    RopAbortSubmit::Request ab;
    ab.folder_id = 1;
    ab.message_id = 2;
    request_is<RopAbortSubmit>(ab, "34 00 00 0100000000000000 0200000000000000");
    Reply<RopGetAddressTypes> at;
    at.body.address_types = {"EX", "SMTP"};
    response_is(at, "49 00 00000000 0200 0800 455800 534d545000");
    // AddressTypeSize must cover the strings exactly.
    CHECK(throws_decode_error([] { decode_response<RopGetAddressTypes>(hex("49 00 00000000 0100 0400 455800 00")); }));
    RopSpoolerLockMessage::Request sl;
    sl.message_id = 3;
    sl.lock_state = 1;
    request_is<RopSpoolerLockMessage>(sl, "48 00 00 0300000000000000 01");
    Reply<RopTransportSend> ts;
    response_is(ts, "4a 00 00000000 01");
    ts.body.values = mapi::PropList{mapi::PropValue::i32(mapi::PidTagImportance, 2)};
    response_is(ts, "4a 00 00000000 00 0100 03001700 02000000");
    RopTransportNewMail::Request nm;
    nm.message_id = 1;
    nm.folder_id = 2;
    nm.message_class = "IPM.Note";
    nm.message_flags = 0x10;
    request_is<RopTransportNewMail>(nm, "51 00 00 0100000000000000 0200000000000000 49504d2e4e6f746500 10000000");
    Reply<RopGetTransportFolder> tf;
    tf.body.folder_id = 5;
    response_is(tf, "6d 00 00000000 0500000000000000");
    RopOptionsData::Request od;
    od.address_type = "SMTP";
    od.want_win32 = true;
    request_is<RopOptionsData>(od, "6f 00 00 534d545000 01");
    Reply<RopOptionsData> odr;
    response_is(odr, "6f 00 00000000 01 0000 0000");
    odr.body.help_file = {0x01};
    odr.body.help_file_name = "h";
    response_is(odr, "6f 00 00000000 01 0000 0100 01 6800");
}
