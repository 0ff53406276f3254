// Message ROPs (MS-OXCMSG) through the real handlers over MariaDB: ROP
// request buffers in, ROP response buffers out, as EcDoRpcExt2 hands them
// over. Property and stream ROPs on Message objects included.
#include "libmapi/propcodec.h"
#include "libmapi/proptags.h"
#include "libmapi/rops.h"
#include "libmapi/rops_message.h"
#include "mapiproxy/servers/rop_handlers.h"
#include "tests/store/rop_client.h"
#include "tests/store/store_test.h"

#include <CppUTest/TestHarness.h>

#include <algorithm>
#include <string>

using namespace mg;
using namespace mg::mapi;
namespace ec = mg::mapi::ec;

namespace {

constexpr PropTag kNumber = make_tag(0x6702, PT_LONG);  // a property nobody else uses
constexpr uint32_t mfRead = 0x01, mfUnsent = 0x08;
constexpr uint8_t kTableAssociated = 0x02;

}  // namespace

TEST_GROUP(RopMessages) {
    store::test::RopClient c;
    std::shared_ptr<emsmdb::StoreBackend> backend;
    rop::RopLogon::PrivateMailbox logon_body;

    void setup() override {
        store::test::fresh_database();
        backend = std::make_shared<emsmdb::StoreBackend>(store::test::test_uri());
        logon();
    }
    void teardown() override {
        c.proc.reset();
        backend.reset();
    }
    // A new session of alice, logged on in slot 0.
    void logon() { logon_body = store::test::logon_alice(c, emsmdb::default_rop_factory(backend)); }
    uint64_t inbox() const { return logon_body.folder_ids[4]; }

    void open_folder(uint64_t fid, uint8_t out) {
        rop::RopOpenFolder::Request rq;
        rq.out_index = out;
        rq.folder_id = fid;
        LONGS_EQUAL(0, c.run<rop::RopOpenFolder>(rq).return_value);
    }
    uint64_t create_message(uint8_t in, uint8_t out, bool associated = false) {
        rop::RopCreateMessage::Request rq;
        rq.in_index = in;
        rq.out_index = out;
        rq.code_page_id = 0x0FFF;
        rq.folder_id = inbox();
        rq.associated = associated;
        auto r = c.run<rop::RopCreateMessage>(rq);
        LONGS_EQUAL(0, r.return_value);
        CHECK(r.body.message_id.has_value());
        return *r.body.message_id;
    }
    rop::Reply<rop::RopOpenMessage> open_message(uint64_t mid, uint8_t out, uint8_t mode) {
        rop::RopOpenMessage::Request rq;
        rq.in_index = 0;  // the logon: any object of the store will do (MS-OXCMSG 2.2.3.1)
        rq.out_index = out;
        rq.code_page_id = 0x0FFF;
        rq.folder_id = inbox();
        rq.message_id = mid;
        rq.open_mode_flags = mode;
        return c.run<rop::RopOpenMessage>(rq);
    }
    rop::Reply<rop::RopSaveChangesMessage> save(uint8_t slot, uint8_t flags = rop::RopSaveChangesMessage::kKeepOpenReadWrite) {
        rop::RopSaveChangesMessage::Request rq;
        rq.in_index = slot;
        rq.save_flags = flags;
        return c.run<rop::RopSaveChangesMessage>(rq);
    }
    uint32_t set_props(uint8_t slot, const PropList& values) {
        rop::SetPropertiesRequest rq;
        rq.in_index = slot;
        rq.values = values;
        auto r = c.run<rop::RopSetProperties>(rq);
        if (r.return_value == 0) LONGS_EQUAL(0, r.body.problems.size());
        return r.return_value;
    }
    PropList get_props(uint8_t slot, const std::vector<PropTag>& tags) { return c.get_props(slot, tags); }
    uint32_t message_flags(uint8_t slot) { return uint32_t(get_props(slot, {PidTagMessageFlags})[0].as_i32()); }
    void release(uint8_t slot) {
        LONGS_EQUAL(0, c.raw(rop::encode_request<rop::RopRelease>(rop::InputOnly{0, slot})).size());
    }
    // A saved message in the Inbox (folder in slot 1) with a subject.
    uint64_t saved_message(const std::string& subject, uint8_t slot, bool associated = false) {
        uint64_t mid = create_message(1, slot, associated);
        LONGS_EQUAL(0, set_props(slot, {PropValue::str(PidTagSubject, subject)}));
        LONGS_EQUAL(0, save(slot).return_value);
        return mid;
    }
    // Rows of the Inbox's contents table (folder in slot 1, table in slot `t`).
    std::vector<PropList> contents(const std::vector<PropTag>& cols, bool associated = false, uint8_t t = 9) {
        rop::GetTableRequest g;
        g.in_index = 1;
        g.out_index = t;
        g.table_flags = associated ? kTableAssociated : 0;
        LONGS_EQUAL(0, c.run<rop::RopGetContentsTable>(g).return_value);
        rop::RopSetColumns::Request sc;
        sc.in_index = t;
        sc.tags = cols;
        LONGS_EQUAL(0, c.run<rop::RopSetColumns>(sc).return_value);
        std::vector<PropList> rows;
        for (;;) {
            rop::RopQueryRows::Request q;
            q.in_index = t;
            q.forward_read = true;
            q.row_count = 0x100;
            auto qr = c.run<rop::RopQueryRows>(q);
            LONGS_EQUAL(0, qr.return_value);
            ByteReader r(qr.body.rows);
            for (uint16_t i = 0; i < qr.body.row_count; ++i) rows.push_back(read_property_row(r, cols));
            if (qr.body.row_count == 0) break;
        }
        release(t);
        return rows;
    }
    uint32_t set_read_flag(uint8_t message_slot, uint8_t flags) {
        rop::RopSetMessageReadFlag::Request rq;
        rq.out_index = 1;
        rq.in_index = message_slot;
        rq.read_flags = flags;
        auto r = c.run<rop::RopSetMessageReadFlag>(rq);
        CHECK(!r.body.changed);  // private mailbox: no ReadStatusChanged body
        return r.return_value;
    }
};

TEST(RopMessages, CreateSaveAndReopenInANewSession) {
    open_folder(inbox(), 1);
    uint64_t mid = create_message(1, 2);
    LONGS_EQUAL(mfUnsent | mfRead, message_flags(2));  // MS-OXCMSG 3.2.5.2
    LONGS_EQUAL(0, set_props(2, {PropValue::str(PidTagSubject, "Hello"), PropValue::str(PidTagBody, "World \xe2\x82\xac"),
                                 PropValue::i32(kNumber, 42)}));
    // Nothing is committed before RopSaveChangesMessage.
    CHECK(contents({PidTagSubject}).empty());
    auto s = save(2);
    LONGS_EQUAL(0, s.return_value);
    LONGS_EQUAL(2, s.body.in_index);
    CHECK(s.body.message_id == mid);
    release(2);

    logon();
    auto o = open_message(mid, 1, rop::RopOpenMessage::kReadOnly);
    LONGS_EQUAL(0, o.return_value);
    CHECK(!o.body.subject_prefix);
    STRCMP_EQUAL("Hello", o.body.normalized_subject.value_or("<none>").c_str());
    CHECK(!o.body.has_named_properties);
    LONGS_EQUAL(0, o.body.recipient_count);
    auto v = get_props(1, {PidTagSubject, PidTagBody, kNumber, PidTagMessageClass, PidTagMessageFlags, PidTagMid,
                           PidTagImportance});
    STRCMP_EQUAL("Hello", v[0].as_str().c_str());
    STRCMP_EQUAL("World \xe2\x82\xac", v[1].as_str().c_str());
    LONGS_EQUAL(42, v[2].as_i32());
    STRCMP_EQUAL("IPM.Note", v[3].as_str().c_str());
    LONGS_EQUAL(mfUnsent | mfRead, v[4].as_i32());
    CHECK(uint64_t(v[5].as_i64()) == mid);
    LONGS_EQUAL(1, v[6].as_i32());
    // A message that does not exist.
    LONGS_EQUAL(ec::NotFound, open_message(mid + 0x1000000000000ULL, 2, rop::RopOpenMessage::kReadOnly).return_value);
}

TEST(RopMessages, ContentsTablesSeeNormalAndFaiMessagesApart) {
    open_folder(inbox(), 1);
    uint64_t normal = saved_message("normal one", 2);
    uint64_t fai = saved_message("hidden settings", 3, true);
    auto rows = contents({PidTagSubject, PidTagMid});
    LONGS_EQUAL(1, rows.size());
    STRCMP_EQUAL("normal one", rows[0][0].as_str().c_str());
    CHECK(uint64_t(rows[0][1].as_i64()) == normal);
    auto fai_rows = contents({PidTagSubject, PidTagMid, PidTagAssociated}, true);
    LONGS_EQUAL(1, fai_rows.size());
    STRCMP_EQUAL("hidden settings", fai_rows[0][0].as_str().c_str());
    CHECK(uint64_t(fai_rows[0][1].as_i64()) == fai);
    CHECK(fai_rows[0][2].as_bool());
}

TEST(RopMessages, SetMessageReadFlag) {
    open_folder(inbox(), 1);
    uint64_t mid = saved_message("read me", 2);
    LONGS_EQUAL(0, set_read_flag(2, rop::rfClearReadFlag | rop::rfSuppressReceipt));
    LONGS_EQUAL(mfUnsent, message_flags(2));
    // Committed at once: another session sees it, and a read-only message
    // can be marked read.
    logon();
    open_folder(inbox(), 1);
    LONGS_EQUAL(0, open_message(mid, 2, rop::RopOpenMessage::kReadOnly).return_value);
    LONGS_EQUAL(mfUnsent, message_flags(2));
    LONGS_EQUAL(0, set_read_flag(2, rop::rfDefault));
    LONGS_EQUAL(mfUnsent | mfRead, message_flags(2));
    auto rows = contents({PidTagMessageFlags});
    LONGS_EQUAL(1, rows.size());
    LONGS_EQUAL(mfUnsent | mfRead, rows[0][0].as_i32());
    // rfGenerateReceiptOnly leaves mfRead alone.
    LONGS_EQUAL(0, set_read_flag(2, rop::rfGenerateReceiptOnly));
    LONGS_EQUAL(mfUnsent | mfRead, message_flags(2));
}

TEST(RopMessages, SetReadFlagsOnTwoHundredMessages) {
    open_folder(inbox(), 1);
    std::vector<uint64_t> mids;
    for (int i = 0; i < 200; ++i) {
        mids.push_back(saved_message("bulk " + std::to_string(i), 2));
        release(2);
    }
    rop::RopSetReadFlags::Request rq;
    rq.in_index = 1;
    rq.read_flags = rop::rfClearReadFlag | rop::rfSuppressReceipt;
    rq.message_ids = mids;
    auto r = c.run<rop::RopSetReadFlags>(rq);
    LONGS_EQUAL(0, r.return_value);
    CHECK(!r.body.partial_completion);
    auto rows = contents({PidTagMessageFlags});
    LONGS_EQUAL(200, rows.size());
    for (auto& row : rows) LONGS_EQUAL(mfUnsent, row[0].as_i32());

    // Back to read; an unknown MID makes it partial, the others are done.
    rq.read_flags = rop::rfDefault;
    rq.message_ids.push_back(mids.back() + 0x1000000000000ULL);
    r = c.run<rop::RopSetReadFlags>(rq);
    LONGS_EQUAL(0, r.return_value);
    CHECK(r.body.partial_completion);
    rows = contents({PidTagMessageFlags});
    LONGS_EQUAL(200, rows.size());
    for (auto& row : rows) LONGS_EQUAL(mfUnsent | mfRead, row[0].as_i32());
}

TEST(RopMessages, ReadOnlyMessagesRefuseChanges) {
    open_folder(inbox(), 1);
    uint64_t mid = saved_message("frozen", 2);
    LONGS_EQUAL(0, open_message(mid, 3, rop::RopOpenMessage::kReadOnly).return_value);
    LONGS_EQUAL(ec::AccessDenied, set_props(3, {PropValue::str(PidTagSubject, "changed")}));
    LONGS_EQUAL(ec::AccessDenied, save(3).return_value);
    // BestAccess on one's own mailbox is read/write.
    LONGS_EQUAL(0, open_message(mid, 4, rop::RopOpenMessage::kBestAccess).return_value);
    LONGS_EQUAL(0, set_props(4, {PropValue::str(PidTagSubject, "changed")}));
    // KeepOpenReadOnly: saved, then read-only.
    auto s = save(4, rop::RopSaveChangesMessage::kKeepOpenReadOnly);
    LONGS_EQUAL(0, s.return_value);
    CHECK(s.body.message_id == mid);
    LONGS_EQUAL(ec::AccessDenied, set_props(4, {PropValue::str(PidTagSubject, "again")}));
    STRCMP_EQUAL("changed", get_props(4, {PidTagSubject})[0].as_str().c_str());
    // The read-only instance sees the committed value.
    STRCMP_EQUAL("changed", get_props(3, {PidTagSubject})[0].as_str().c_str());
}

TEST(RopMessages, HundredKilobyteBodyThroughAStream) {
    open_folder(inbox(), 1);
    uint64_t mid = create_message(1, 2);
    // 100 KiB of UTF-16LE text.
    std::string text;
    for (int i = 0; text.size() < 50 * 1024; ++i) text += "line " + std::to_string(i) + "\n";
    text.resize(50 * 1024);
    Bytes utf16;
    for (char ch : text) {
        utf16.push_back(uint8_t(ch));
        utf16.push_back(0);
    }
    LONGS_EQUAL(100 * 1024, utf16.size());
    rop::RopOpenStream::Request os;
    os.in_index = 2;
    os.out_index = 3;
    os.property_tag = PidTagBody;
    os.open_mode_flags = 0x02;  // Create
    LONGS_EQUAL(0, c.run<rop::RopOpenStream>(os).return_value);
    for (size_t off = 0; off < utf16.size(); off += 0x7000) {
        rop::DataRequest w;
        w.in_index = 3;
        w.data.assign(utf16.begin() + off, utf16.begin() + std::min(utf16.size(), off + 0x7000));
        auto r = c.run<rop::RopWriteStream>(w);
        LONGS_EQUAL(0, r.return_value);
        LONGS_EQUAL(w.data.size(), r.body.written_size);
    }
    LONGS_EQUAL(0, c.run<rop::RopCommitStream>(rop::InputOnly{0, 3}).return_value);
    release(3);
    LONGS_EQUAL(0, save(2).return_value);
    release(2);

    logon();
    LONGS_EQUAL(0, open_message(mid, 1, rop::RopOpenMessage::kReadOnly).return_value);
    os.in_index = 1;
    os.out_index = 2;
    os.open_mode_flags = 0x00;  // ReadOnly
    auto o = c.run<rop::RopOpenStream>(os);
    LONGS_EQUAL(0, o.return_value);
    // Read back with the terminator, as the stream ROPs give strings (MS-OXCDATA 2.11.1).
    utf16.push_back(0);
    utf16.push_back(0);
    LONGS_EQUAL(utf16.size(), o.body.stream_size);
    Bytes back;
    for (;;) {
        rop::RopReadStream::Request rd;
        rd.in_index = 2;
        rd.byte_count = rop::RopReadStream::kUseMaximumByteCount;
        rd.maximum_byte_count = 0x10000;
        auto r = c.run<rop::RopReadStream>(rd);
        LONGS_EQUAL(0, r.return_value);
        if (r.body.data.empty()) break;
        back.insert(back.end(), r.body.data.begin(), r.body.data.end());
    }
    CHECK(back == utf16);
}

TEST(RopMessages, MessageStatus) {
    open_folder(inbox(), 1);
    uint64_t mid = saved_message("status", 2);
    rop::RopGetMessageStatus::Request g;
    g.in_index = 1;
    g.message_id = mid;
    auto gr = c.run<rop::RopGetMessageStatus>(g);
    LONGS_EQUAL(0, gr.return_value);
    LONGS_EQUAL(0, gr.body.message_status_flags);

    rop::RopSetMessageStatus::Request s;
    s.in_index = 1;
    s.message_id = mid;
    s.message_status_flags = 0x00001000 | 0x00000200;  // only the masked bit counts
    s.message_status_mask = 0x00001000 | 0x00000001;
    auto sr = c.run<rop::RopSetMessageStatus>(s);
    LONGS_EQUAL(0, sr.return_value);
    LONGS_EQUAL(0, sr.body.message_status_flags);  // the previous status
    LONGS_EQUAL(0x00001000, c.run<rop::RopGetMessageStatus>(g).body.message_status_flags);

    s.message_status_flags = 0x00000001;
    sr = c.run<rop::RopSetMessageStatus>(s);
    LONGS_EQUAL(0x00001000, sr.body.message_status_flags);
    LONGS_EQUAL(0x00000001, c.run<rop::RopGetMessageStatus>(g).body.message_status_flags);
    // Not a folder: ecNullObject.
    g.in_index = 2;
    LONGS_EQUAL(ec::NullObject, c.run<rop::RopGetMessageStatus>(g).return_value);
}

// Public folder mode (MS-OXCMSG 2.2.3.11): the request carries ClientData,
// and a changed read state is answered with LogonId and ClientData.
TEST(RopMessages, SetMessageReadFlagInPublicFolderMode) {
    rop::RopLogon::Request lg;
    lg.logon_id = 1;
    lg.out_index = 5;
    lg.logon_flags = 0;  // public folders
    auto l = c.run<rop::RopLogon>(lg);
    LONGS_EQUAL(0, l.return_value);
    uint64_t ipm_subtree = std::get<rop::RopLogon::PublicFolders>(l.body.body).folder_ids[1];
    rop::RopOpenFolder::Request of;
    of.logon_id = 1;
    of.in_index = 5;
    of.out_index = 6;
    of.folder_id = ipm_subtree;
    LONGS_EQUAL(0, c.run<rop::RopOpenFolder>(of).return_value);
    rop::RopCreateMessage::Request cm;
    cm.logon_id = 1;
    cm.in_index = 6;
    cm.out_index = 7;
    cm.code_page_id = 0x0FFF;
    cm.folder_id = ipm_subtree;
    LONGS_EQUAL(0, c.run<rop::RopCreateMessage>(cm).return_value);
    rop::RopSaveChangesMessage::Request sv;
    sv.logon_id = 1;
    sv.out_index = 6;
    sv.in_index = 7;
    sv.save_flags = rop::RopSaveChangesMessage::kKeepOpenReadWrite;
    LONGS_EQUAL(0, c.run<rop::RopSaveChangesMessage>(sv).return_value);

    rop::RopSetMessageReadFlag::Request rq;
    rq.private_logon = false;
    rq.logon_id = 1;
    rq.out_index = 6;
    rq.in_index = 7;
    rq.read_flags = rop::rfClearReadFlag | rop::rfSuppressReceipt;
    rq.client_data.fill(0x5A);
    auto r = c.run<rop::RopSetMessageReadFlag>(rq);
    LONGS_EQUAL(0, r.return_value);
    CHECK(r.body.changed.has_value());
    LONGS_EQUAL(1, r.body.changed->logon_id);
    CHECK(r.body.changed->client_data == rq.client_data);
    // Nothing to change: ReadStatusChanged is zero.
    r = c.run<rop::RopSetMessageReadFlag>(rq);
    LONGS_EQUAL(0, r.return_value);
    CHECK(!r.body.changed);
}
