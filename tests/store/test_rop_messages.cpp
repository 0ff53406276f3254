// Message ROPs (MS-OXCMSG) through the real handlers over MariaDB: ROP
// request buffers in, ROP response buffers out, as EcDoRpcExt2 hands them
// over. Property and stream ROPs on Message objects included.
#include "libmapi/propcodec.h"
#include "libmapi/proptags.h"
#include "libmapi/recipient_row.h"
#include "libmapi/rops.h"
#include "libmapi/rops_message.h"
#include "libmapi/rops_submission.h"
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

const std::vector<PropTag> kRecipientColumns = {PidTagRecipientOrder};

PropList smtp_recipient(const std::string& name, const std::string& address, int order) {
    return {PropValue::str(PidTagAddressType, "SMTP"), PropValue::str(PidTagEmailAddress, address),
            PropValue::str(PidTagDisplayName, name), PropValue::i32(PidTagRecipientOrder, order)};
}

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
    // Every row of the table in slot `t` with `cols`; releases the table.
    std::vector<PropList> table_rows(uint8_t t, const std::vector<PropTag>& cols) {
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
    // Rows of the Inbox's contents table (folder in slot 1, table in slot `t`).
    std::vector<PropList> contents(const std::vector<PropTag>& cols, bool associated = false, uint8_t t = 9) {
        rop::GetTableRequest g;
        g.in_index = 1;
        g.out_index = t;
        g.table_flags = associated ? kTableAssociated : 0;
        LONGS_EQUAL(0, c.run<rop::RopGetContentsTable>(g).return_value);
        return table_rows(t, cols);
    }
    // RopModifyRecipients with rows made from recipient properties.
    struct NewRecipient {
        uint32_t row_id;
        uint8_t type;
        PropList props;  // empty: remove the row
    };
    uint32_t modify_recipients(uint8_t slot, const std::vector<PropTag>& cols, const std::vector<NewRecipient>& rows) {
        rop::RopModifyRecipients::Request rq;
        rq.in_index = slot;
        rq.columns = cols;
        for (const auto& r : rows) {
            rop::ModifyRecipientRow row;
            row.row_id = r.row_id;
            row.recipient_type = r.type;
            if (!r.props.empty()) {
                ByteWriter w;
                write_recipient_row(w, cols, recipient_row_of(r.props, cols));
                row.recipient_row = w.take();
            }
            rq.rows.push_back(row);
        }
        return c.run<rop::RopModifyRecipients>(rq).return_value;
    }
    // RopReadRecipients from `row_id`: (RowId, type, properties) per row.
    struct ReadBack {
        uint32_t row_id;
        uint8_t type;
        PropList props;
    };
    uint32_t read_recipients(uint8_t slot, uint32_t row_id, const std::vector<PropTag>& cols,
                             std::vector<ReadBack>& out) {
        rop::RopReadRecipients::Request rq;
        rq.in_index = slot;
        rq.row_id = row_id;
        auto r = c.run<rop::RopReadRecipients>(rq);
        for (const auto& row : r.body.rows) {
            ByteReader br(row.recipient_row);
            auto decoded = read_recipient_row(br, cols);
            out.push_back({row.row_id, row.recipient_type, recipient_properties(decoded, cols, store::test::kAliceDn)});
        }
        return r.return_value;
    }
    static std::string text_of(const PropList& l, PropTag t) {
        for (const auto& v : l)
            if (prop_id(v.tag) == prop_id(t) && std::holds_alternative<std::string>(v.value)) return v.as_str();
        return "<none>";
    }
    uint32_t create_attachment(uint8_t message_slot, uint8_t out) {
        auto r = c.run<rop::RopCreateAttachment>(rop::OutputOnly{0, message_slot, out});
        LONGS_EQUAL(0, r.return_value);
        return r.body.attachment_id;
    }
    uint32_t open_attachment(uint8_t message_slot, uint8_t out, uint32_t id, uint8_t flags) {
        rop::RopOpenAttachment::Request rq;
        rq.in_index = message_slot;
        rq.out_index = out;
        rq.attachment_id = id;
        rq.open_attachment_flags = flags;
        return c.run<rop::RopOpenAttachment>(rq).return_value;
    }
    uint32_t save_attachment(uint8_t message_slot, uint8_t attachment_slot) {
        rop::RopSaveChangesAttachment::Request rq;
        rq.out_index = message_slot;
        rq.in_index = attachment_slot;
        rq.save_flags = rop::RopSaveChangesMessage::kKeepOpenReadWrite;
        return c.run<rop::RopSaveChangesAttachment>(rq).return_value;
    }
    std::vector<uint32_t> valid_attachments(uint8_t message_slot) {
        auto r = c.run<rop::RopGetValidAttachments>(rop::InputOnly{0, message_slot});
        LONGS_EQUAL(0, r.return_value);
        return r.body.attachment_ids;
    }
    // Rows of the attachment table of the message in `slot`.
    std::vector<PropList> attachment_rows(uint8_t slot, const std::vector<PropTag>& cols, uint8_t t = 10) {
        rop::GetTableRequest g;
        g.in_index = slot;
        g.out_index = t;
        LONGS_EQUAL(0, c.run<rop::RopGetAttachmentTable>(g).return_value);
        return table_rows(t, cols);
    }
    // Creates a stream on `tag` of the object in `slot` (in `stream_slot`),
    // writes `data` in 28 KiB pieces and commits it.
    void write_stream(uint8_t slot, uint8_t stream_slot, PropTag tag, const Bytes& data) {
        rop::RopOpenStream::Request os;
        os.in_index = slot;
        os.out_index = stream_slot;
        os.property_tag = tag;
        os.open_mode_flags = 0x02;  // Create
        LONGS_EQUAL(0, c.run<rop::RopOpenStream>(os).return_value);
        for (size_t off = 0; off < data.size(); off += 0x7000) {
            rop::DataRequest w;
            w.in_index = stream_slot;
            w.data.assign(data.begin() + off, data.begin() + std::min(data.size(), off + 0x7000));
            auto r = c.run<rop::RopWriteStream>(w);
            LONGS_EQUAL(0, r.return_value);
            LONGS_EQUAL(w.data.size(), r.body.written_size);
        }
        LONGS_EQUAL(0, c.run<rop::RopCommitStream>(rop::InputOnly{0, stream_slot}).return_value);
    }
    // A saved message of the Inbox (folder in slot 1) with a subject, one To
    // recipient (Bob) and one attachment (a.txt, in `attachment_slot`).
    uint64_t message_with_content(const std::string& subject, uint8_t slot, uint8_t attachment_slot) {
        uint64_t mid = create_message(1, slot);
        LONGS_EQUAL(0, set_props(slot, {PropValue::str(PidTagSubject, subject)}));
        LONGS_EQUAL(0, modify_recipients(slot, kRecipientColumns, {{0, rop::kRecipTo, smtp_recipient("Bob", "b@x", 1)}}));
        LONGS_EQUAL(0, create_attachment(slot, attachment_slot));
        LONGS_EQUAL(0, set_props(attachment_slot, {PropValue::str(PidTagAttachLongFilename, "a.txt")}));
        LONGS_EQUAL(0, save_attachment(slot, attachment_slot));
        LONGS_EQUAL(0, save(slot).return_value);
        return mid;
    }
    rop::Reply<rop::RopOpenEmbeddedMessage> open_embedded(uint8_t attachment_slot, uint8_t out, uint8_t mode) {
        rop::RopOpenEmbeddedMessage::Request oe;
        oe.in_index = attachment_slot;
        oe.out_index = out;
        oe.code_page_id = 0x0FFF;
        oe.open_mode_flags = mode;
        return c.run<rop::RopOpenEmbeddedMessage>(oe);
    }
    // Everything left in the stream in `slot`.
    Bytes read_stream(uint8_t slot) {
        Bytes back;
        for (;;) {
            rop::RopReadStream::Request rd;
            rd.in_index = slot;
            rd.byte_count = rop::RopReadStream::kUseMaximumByteCount;
            rd.maximum_byte_count = 0x10000;
            auto r = c.run<rop::RopReadStream>(rd);
            LONGS_EQUAL(0, r.return_value);
            if (r.body.data.empty()) return back;
            back.insert(back.end(), r.body.data.begin(), r.body.data.end());
        }
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
    auto fai_rows = contents({PidTagSubject, PidTagMid, PidTagAssociated, PidTagMessageFlags, PidTagSearchKey}, true);
    LONGS_EQUAL(1, fai_rows.size());
    CHECK(fai_rows[0][3].as_i32() & 0x40);  // mfFAI
    LONGS_EQUAL(16, fai_rows[0][4].as_bin().size());
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
    write_stream(2, 3, PidTagBody, utf16);
    rop::RopOpenStream::Request os;
    os.property_tag = PidTagBody;
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
    CHECK(read_stream(2) == utf16);
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

// ---------------------------------------------------------------------------
// Recipients (MS-OXCMSG 3.2.5.4-3.2.5.7)


TEST(RopMessages, RecipientsAreSavedWithTheMessageAndReturnedByOpenMessage) {
    open_folder(inbox(), 1);
    uint64_t mid = create_message(1, 2);
    PropList carol = {PropValue::str(PidTagAddressType, "EX"),
                      PropValue::str(PidTagEmailAddress, std::string(store::test::kAliceDn) + "x"),
                      PropValue::str(PidTagDisplayName, "Carol"), PropValue::i32(PidTagRecipientOrder, 2)};
    LONGS_EQUAL(0, modify_recipients(2, kRecipientColumns,
                                     {{0, rop::kRecipTo, smtp_recipient("Bob", "bob@example.org", 1)},
                                      {1, rop::kRecipCc, carol},
                                      {2, rop::kRecipBcc, smtp_recipient("Dan", "dan@example.org", 3)},
                                      {3, rop::kRecipTo, smtp_recipient("Eve", "eve@example.org", 4)}}));
    // Visible on the object before the save.
    std::vector<ReadBack> rows;
    LONGS_EQUAL(0, read_recipients(2, 0, kRecipientColumns, rows));
    LONGS_EQUAL(4, rows.size());
    LONGS_EQUAL(0, save(2).return_value);
    release(2);

    logon();
    auto o = open_message(mid, 1, rop::RopOpenMessage::kReadOnly);
    LONGS_EQUAL(0, o.return_value);
    LONGS_EQUAL(4, o.body.recipient_count);
    LONGS_EQUAL(4, o.body.rows.size());
    CHECK(std::find(o.body.recipient_columns.begin(), o.body.recipient_columns.end(), PidTagRecipientOrder) !=
          o.body.recipient_columns.end());
    LONGS_EQUAL(rop::kRecipCc, o.body.rows[1].recipient_type);
    ByteReader br(o.body.rows[1].recipient_row);
    auto row = read_recipient_row(br, o.body.recipient_columns);
    CHECK(row.type() == RecipientAddressType::X500DN);  // EX travels as an X500DN
    auto props = recipient_properties(row, o.body.recipient_columns);
    STRCMP_EQUAL("Carol", text_of(props, PidTagDisplayName).c_str());
    STRCMP_EQUAL((std::string(store::test::kAliceDn) + "x").c_str(), text_of(props, PidTagEmailAddress).c_str());
    // PidTagDisplayTo/Cc/Bcc were computed by the save (MS-OXCMSG 2.2.1.7).
    auto v = get_props(1, {PidTagDisplayTo, PidTagDisplayCc, PidTagDisplayBcc});
    STRCMP_EQUAL("Bob; Eve", v[0].as_str().c_str());
    STRCMP_EQUAL("Carol", v[1].as_str().c_str());
    STRCMP_EQUAL("Dan", v[2].as_str().c_str());
    // RopReadRecipients from a RowId on; ecNotFound past the last one.
    rows.clear();
    LONGS_EQUAL(0, read_recipients(1, 2, o.body.recipient_columns, rows));
    LONGS_EQUAL(2, rows.size());
    LONGS_EQUAL(2, rows[0].row_id);
    LONGS_EQUAL(rop::kRecipBcc, rows[0].type);
    STRCMP_EQUAL("dan@example.org", text_of(rows[0].props, PidTagEmailAddress).c_str());
    rows.clear();
    LONGS_EQUAL(ec::NotFound, read_recipients(1, 9, o.body.recipient_columns, rows));
    // A read-only message refuses changes.
    LONGS_EQUAL(ec::AccessDenied, modify_recipients(1, kRecipientColumns, {{0, rop::kRecipTo, {}}}));
}

TEST(RopMessages, RecipientChangesNeedASave) {
    open_folder(inbox(), 1);
    uint64_t mid = create_message(1, 2);
    LONGS_EQUAL(0, modify_recipients(2, kRecipientColumns,
                                     {{0, rop::kRecipTo, smtp_recipient("Bob", "bob@example.org", 1)},
                                      {1, rop::kRecipTo, smtp_recipient("Eve", "eve@example.org", 2)}}));
    LONGS_EQUAL(0, save(2).return_value);
    // Replace row 1, remove row 0, then drop the object without saving.
    LONGS_EQUAL(0, modify_recipients(2, kRecipientColumns,
                                     {{0, rop::kRecipTo, {}}, {1, rop::kRecipCc, smtp_recipient("Fay", "f@x", 5)}}));
    std::vector<ReadBack> rows;
    LONGS_EQUAL(0, read_recipients(2, 0, kRecipientColumns, rows));
    LONGS_EQUAL(1, rows.size());
    STRCMP_EQUAL("Fay", text_of(rows[0].props, PidTagDisplayName).c_str());
    // RopReloadCachedInformation sees the pending state.
    auto rl = c.run<rop::RopReloadCachedInformation>(rop::RopReloadCachedInformation::Request{0, 2, 0});
    LONGS_EQUAL(0, rl.return_value);
    LONGS_EQUAL(1, rl.body.recipient_count);
    release(2);
    LONGS_EQUAL(0, open_message(mid, 2, rop::RopOpenMessage::kReadWrite).return_value);
    rows.clear();
    LONGS_EQUAL(0, read_recipients(2, 0, kRecipientColumns, rows));
    LONGS_EQUAL(2, rows.size());  // unchanged: nothing was saved
    // A malformed row changes nothing (every row is decoded first).
    rop::RopModifyRecipients::Request bad;
    bad.in_index = 2;
    bad.columns = kRecipientColumns;
    bad.rows = {{5, rop::kRecipTo, {0x00, 0x00, 0x00, 0x00, 0x00}}, {0, rop::kRecipTo, {0x10, 0x02, 0x41}}};
    LONGS_EQUAL(ec::RpcFormat, c.run<rop::RopModifyRecipients>(bad).return_value);
    // RopRemoveAllRecipients + save: none left, display lists empty.
    LONGS_EQUAL(0, c.run<rop::RopRemoveAllRecipients>(rop::RopRemoveAllRecipients::Request{0, 2, 0}).return_value);
    LONGS_EQUAL(0, save(2).return_value);
    release(2);
    auto o = open_message(mid, 2, rop::RopOpenMessage::kReadOnly);
    LONGS_EQUAL(0, o.body.recipient_count);
    STRCMP_EQUAL("", get_props(2, {PidTagDisplayTo})[0].as_str().c_str());
    rows.clear();
    LONGS_EQUAL(ec::NotFound, read_recipients(2, 0, kRecipientColumns, rows));
}

// More recipients than one OpenMessage response holds: the rest come from
// RopReadRecipients (MS-OXCMSG 3.1.5.6).
TEST(RopMessages, ManyRecipientsAreReadInPieces) {
    open_folder(inbox(), 1);
    uint64_t mid = create_message(1, 2);
    std::string pad(200, 'p');
    for (uint32_t batch = 0; batch < 300; batch += 50) {  // a ROP buffer holds about 50 of these
        std::vector<NewRecipient> many;
        for (uint32_t i = batch; i < batch + 50; ++i)
            many.push_back({i, rop::kRecipTo, smtp_recipient("R" + std::to_string(i) + pad, "r@x", int(i))});
        LONGS_EQUAL(0, modify_recipients(2, kRecipientColumns, many));
    }
    LONGS_EQUAL(0, save(2).return_value);
    auto o = open_message(mid, 3, rop::RopOpenMessage::kReadOnly);
    LONGS_EQUAL(0, o.return_value);
    LONGS_EQUAL(300, o.body.recipient_count);
    CHECK(o.body.rows.size() < 300);
    std::vector<ReadBack> all;
    uint32_t next = 0;
    while (next < 300) {
        std::vector<ReadBack> part;
        LONGS_EQUAL(0, read_recipients(3, next, o.body.recipient_columns, part));
        CHECK(!part.empty());
        next = part.back().row_id + 1;
        all.insert(all.end(), part.begin(), part.end());
    }
    LONGS_EQUAL(300, all.size());
    STRCMP_EQUAL(("R299" + pad).c_str(), text_of(all.back().props, PidTagDisplayName).c_str());
}

// ---------------------------------------------------------------------------
// Attachments (MS-OXCMSG 3.2.5.12-3.2.5.18)

namespace {
constexpr uint32_t mfHasAttach = 0x10;
}

TEST(RopMessages, AttachmentIsSavedWithTheMessage) {
    open_folder(inbox(), 1);
    uint64_t mid = create_message(1, 2);
    LONGS_EQUAL(0, create_attachment(2, 3));
    Bytes data(3000);
    for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i * 7);
    LONGS_EQUAL(0, set_props(3, {PropValue::str(PidTagAttachLongFilename, "report.pdf"),
                                 PropValue::i32(PidTagAttachMethod, 1), PropValue::bin(PidTagAttachDataBinary, data)}));
    CHECK(valid_attachments(2).empty());  // not part of the message before its save
    LONGS_EQUAL(0, save_attachment(2, 3));
    CHECK(valid_attachments(2) == std::vector<uint32_t>{0});
    LONGS_EQUAL(0, save(2).return_value);
    release(3);
    release(2);

    logon();
    open_folder(inbox(), 1);
    LONGS_EQUAL(0, open_message(mid, 2, rop::RopOpenMessage::kReadOnly).return_value);
    auto v = get_props(2, {PidTagHasAttachments, PidTagMessageFlags, PidTagMessageSize});
    CHECK(v[0].as_bool());
    CHECK(v[1].as_i32() & mfHasAttach);
    CHECK(v[2].as_i32() > 3000);
    auto rows = attachment_rows(2, {PidTagAttachNumber, PidTagAttachLongFilename, PidTagAttachMethod});
    LONGS_EQUAL(1, rows.size());
    LONGS_EQUAL(0, rows[0][0].as_i32());
    STRCMP_EQUAL("report.pdf", rows[0][1].as_str().c_str());
    LONGS_EQUAL(1, rows[0][2].as_i32());
    // The size column needs the whole attachment, and is right.
    auto sized = attachment_rows(2, {PidTagAttachSize});
    CHECK(sized[0][0].as_i32() > 3000);
    LONGS_EQUAL(0, open_attachment(2, 3, 0, rop::RopOpenAttachment::kReadOnly));
    auto a = get_props(3, {PidTagAttachDataBinary, PidTagAttachNumber});
    CHECK(a[0].as_bin() == data);
    LONGS_EQUAL(0, a[1].as_i32());
    // A read-only message opens read-only attachments only.
    LONGS_EQUAL(ec::AccessDenied, open_attachment(2, 4, 0, rop::RopOpenAttachment::kReadWrite));
    LONGS_EQUAL(ec::AccessDenied, set_props(3, {PropValue::str(PidTagAttachLongFilename, "x")}));
    LONGS_EQUAL(ec::NotFound, open_attachment(2, 4, 7, rop::RopOpenAttachment::kReadOnly));
    // The message in the contents table has the size and the flag too.
    auto crow = contents({PidTagMessageSize, PidTagMessageFlags});
    LONGS_EQUAL(1, crow.size());
    CHECK(crow[0][0].as_i32() > 3000);
    CHECK(crow[0][1].as_i32() & mfHasAttach);
}

TEST(RopMessages, AttachmentChangesNeedBothSaves) {
    open_folder(inbox(), 1);
    uint64_t mid = create_message(1, 2);
    LONGS_EQUAL(0, create_attachment(2, 3));
    LONGS_EQUAL(0, set_props(3, {PropValue::str(PidTagAttachLongFilename, "kept.txt")}));
    LONGS_EQUAL(0, save_attachment(2, 3));
    LONGS_EQUAL(1, create_attachment(2, 4));  // never saved: not part of the message
    LONGS_EQUAL(0, save(2).return_value);
    CHECK(valid_attachments(2) == std::vector<uint32_t>{0});
    // Saved attachment, message not saved: lost with the message object.
    LONGS_EQUAL(2, create_attachment(2, 5));
    LONGS_EQUAL(0, save_attachment(2, 5));
    release(5);
    release(4);
    release(3);
    release(2);
    LONGS_EQUAL(0, open_message(mid, 2, rop::RopOpenMessage::kReadWrite).return_value);
    CHECK(valid_attachments(2) == std::vector<uint32_t>{0});
    // Delete + save: gone, and the flags follow.
    rop::RopDeleteAttachment::Request d;
    d.in_index = 2;
    d.attachment_id = 0;
    LONGS_EQUAL(0, c.run<rop::RopDeleteAttachment>(d).return_value);
    LONGS_EQUAL(ec::NotFound, c.run<rop::RopDeleteAttachment>(d).return_value);
    LONGS_EQUAL(0, save(2).return_value);
    release(2);
    LONGS_EQUAL(0, open_message(mid, 2, rop::RopOpenMessage::kReadOnly).return_value);
    CHECK(valid_attachments(2).empty());
    CHECK(attachment_rows(2, {PidTagAttachNumber}).empty());
    CHECK(!get_props(2, {PidTagHasAttachments})[0].as_bool());
    LONGS_EQUAL(0, message_flags(2) & mfHasAttach);
}

TEST(RopMessages, EmbeddedMessage) {
    open_folder(inbox(), 1);
    uint64_t mid = create_message(1, 2);
    LONGS_EQUAL(0, create_attachment(2, 3));
    rop::RopOpenEmbeddedMessage::Request oe;
    oe.in_index = 3;
    oe.out_index = 4;
    oe.code_page_id = 0x0FFF;
    oe.open_mode_flags = rop::RopOpenEmbeddedMessage::kReadOnly;
    LONGS_EQUAL(ec::NotFound, c.run<rop::RopOpenEmbeddedMessage>(oe).return_value);  // none yet
    oe.open_mode_flags = rop::RopOpenEmbeddedMessage::kCreate;
    auto e = c.run<rop::RopOpenEmbeddedMessage>(oe);
    LONGS_EQUAL(0, e.return_value);
    CHECK(e.body.message_id != 0);
    LONGS_EQUAL(0, set_props(4, {PropValue::str(PidTagSubject, "inner"), PropValue::str(PidTagMessageClass, "IPM.Note")}));
    LONGS_EQUAL(0, modify_recipients(4, kRecipientColumns, {{0, rop::kRecipTo, smtp_recipient("Bob", "b@x", 1)}}));
    // An attachment inside the embedded message.
    LONGS_EQUAL(0, create_attachment(4, 5));
    LONGS_EQUAL(0, set_props(5, {PropValue::str(PidTagAttachLongFilename, "deep.txt")}));
    LONGS_EQUAL(0, save_attachment(4, 5));
    LONGS_EQUAL(0, save(4).return_value);  // to the attachment
    LONGS_EQUAL(0, save_attachment(2, 3));  // to the message
    LONGS_EQUAL(0, save(2).return_value);  // to the store
    release(5);
    release(4);
    release(3);
    release(2);

    logon();
    LONGS_EQUAL(0, open_message(mid, 2, rop::RopOpenMessage::kReadOnly).return_value);
    LONGS_EQUAL(0, open_attachment(2, 3, 0, rop::RopOpenAttachment::kReadOnly));
    LONGS_EQUAL(5, get_props(3, {PidTagAttachMethod})[0].as_i32());  // afEmbeddedMessage
    oe.open_mode_flags = rop::RopOpenEmbeddedMessage::kReadOnly;
    e = c.run<rop::RopOpenEmbeddedMessage>(oe);
    LONGS_EQUAL(0, e.return_value);
    STRCMP_EQUAL("inner", e.body.message.normalized_subject.value_or("<none>").c_str());
    LONGS_EQUAL(1, e.body.message.recipient_count);
    STRCMP_EQUAL("Bob", get_props(4, {PidTagDisplayTo})[0].as_str().c_str());
    CHECK(valid_attachments(4) == std::vector<uint32_t>{0});
    LONGS_EQUAL(0, open_attachment(4, 5, 0, rop::RopOpenAttachment::kReadOnly));
    STRCMP_EQUAL("deep.txt", get_props(5, {PidTagAttachLongFilename})[0].as_str().c_str());
    // Read-only all the way down.
    oe.open_mode_flags = rop::RopOpenEmbeddedMessage::kReadWrite;
    LONGS_EQUAL(ec::AccessDenied, c.run<rop::RopOpenEmbeddedMessage>(oe).return_value);
}

TEST(RopMessages, AttachmentDataThroughAStream) {
    open_folder(inbox(), 1);
    uint64_t mid = create_message(1, 2);
    LONGS_EQUAL(0, create_attachment(2, 3));
    Bytes data(100 * 1024);
    for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i * 13 + 1);
    write_stream(3, 4, PidTagAttachDataBinary, data);
    rop::RopOpenStream::Request os;
    os.in_index = 3;
    os.out_index = 4;
    os.property_tag = PidTagAttachDataBinary;
    release(4);
    LONGS_EQUAL(0, save_attachment(2, 3));
    LONGS_EQUAL(0, save(2).return_value);
    release(3);
    release(2);

    logon();
    LONGS_EQUAL(0, open_message(mid, 2, rop::RopOpenMessage::kReadOnly).return_value);
    LONGS_EQUAL(0, open_attachment(2, 3, 0, rop::RopOpenAttachment::kReadOnly));
    os.open_mode_flags = 0x00;
    auto o = c.run<rop::RopOpenStream>(os);
    LONGS_EQUAL(0, o.return_value);
    LONGS_EQUAL(data.size(), o.body.stream_size);
    CHECK(read_stream(4) == data);
}

// ---------------------------------------------------------------------------
// Folder operations on messages, conflicts, computed properties

TEST(RopMessages, MoveCopyMessagesBothWays) {
    open_folder(inbox(), 1);
    uint64_t sent = logon_body.folder_ids[6];
    open_folder(sent, 6);
    uint64_t a = message_with_content("with content", 2, 3);
    // ... and an embedded message in a second attachment.
    LONGS_EQUAL(1, create_attachment(2, 3));
    auto embedded = open_embedded(3, 5, rop::RopOpenEmbeddedMessage::kCreate);
    LONGS_EQUAL(0, embedded.return_value);
    LONGS_EQUAL(0, save(5).return_value);
    LONGS_EQUAL(0, save_attachment(2, 3));
    LONGS_EQUAL(0, save(2).return_value);
    uint64_t b = saved_message("plain", 4);

    // Copy both (and an unknown id: partial completion, the others done).
    rop::RopMoveCopyMessages::Request rq;
    rq.src_index = 1;
    rq.dst_index = 6;
    rq.message_ids = {a, b, b + 0x1000000000000ULL};
    rq.want_copy = true;
    auto r = c.run<rop::RopMoveCopyMessages>(rq);
    LONGS_EQUAL(0, r.return_value);
    CHECK(r.body.partial_completion);
    LONGS_EQUAL(2, contents({PidTagMid}).size());
    // The copies are in Sent Items with new ids, recipients and attachments.
    rop::GetTableRequest g;
    g.in_index = 6;
    g.out_index = 9;
    LONGS_EQUAL(0, c.run<rop::RopGetContentsTable>(g).return_value);
    auto copies = table_rows(9, {PidTagMid, PidTagSubject, PidTagDisplayTo, PidTagHasAttachments});
    LONGS_EQUAL(2, copies.size());
    uint64_t copy_of_a = 0;
    for (auto& row : copies) {
        CHECK(uint64_t(row[0].as_i64()) != a && uint64_t(row[0].as_i64()) != b);
        if (row[1].as_str() == "with content") copy_of_a = uint64_t(row[0].as_i64());
    }
    CHECK(copy_of_a != 0);
    rop::RopOpenMessage::Request om;
    om.out_index = 7;
    om.folder_id = sent;
    om.message_id = copy_of_a;
    auto o = c.run<rop::RopOpenMessage>(om);
    LONGS_EQUAL(0, o.return_value);
    LONGS_EQUAL(1, o.body.recipient_count);
    CHECK(valid_attachments(7) == (std::vector<uint32_t>{0, 1}));
    // The copy's embedded message is a new object too.
    LONGS_EQUAL(0, open_attachment(7, 8, 1, rop::RopOpenAttachment::kReadOnly));
    auto copied = open_embedded(8, 10, rop::RopOpenEmbeddedMessage::kReadOnly);
    LONGS_EQUAL(0, copied.return_value);
    CHECK(copied.body.message_id != embedded.body.message_id);
    release(10);
    release(8);

    // Move b: gone from the Inbox, same id in Sent Items.
    rq.message_ids = {b};
    rq.want_copy = false;
    r = c.run<rop::RopMoveCopyMessages>(rq);
    LONGS_EQUAL(0, r.return_value);
    CHECK(!r.body.partial_completion);
    auto left = contents({PidTagMid});
    LONGS_EQUAL(1, left.size());
    CHECK(uint64_t(left[0][0].as_i64()) == a);
    om.message_id = b;
    om.out_index = 8;
    LONGS_EQUAL(0, c.run<rop::RopOpenMessage>(om).return_value);
    // The destination must be a folder.
    rq.dst_index = 2;
    r = c.run<rop::RopMoveCopyMessages>(rq);
    LONGS_EQUAL(rop::kDstNullObject, r.return_value);
    CHECK(r.body.dest_index == 2u);
}

TEST(RopMessages, HardDeleteRemovesRecipientsAndAttachments) {
    open_folder(inbox(), 1);
    uint64_t mid = create_message(1, 2);
    LONGS_EQUAL(0, modify_recipients(2, kRecipientColumns, {{0, rop::kRecipTo, smtp_recipient("Bob", "b@x", 1)}}));
    LONGS_EQUAL(0, create_attachment(2, 3));
    LONGS_EQUAL(0, save_attachment(2, 3));
    LONGS_EQUAL(0, save(2).return_value);
    auto db = store::test::connect();
    auto count = [&] { return db->query_one("SELECT COUNT(*) FROM fallback_subobjects")->i64(0); };
    LONGS_EQUAL(2, count());
    rop::DeleteMessagesRequest d;
    d.in_index = 1;
    d.message_ids = {mid};
    auto r = c.run<rop::RopHardDeleteMessages>(d);
    LONGS_EQUAL(0, r.return_value);
    CHECK(!r.body.partial_completion);
    LONGS_EQUAL(0, count());
    LONGS_EQUAL(0, db->query_one("SELECT COUNT(*) FROM fallback_props WHERE obj_kind IN (3, 4, 5)")->i64(0));
    r = c.run<rop::RopHardDeleteMessages>(d);
    CHECK(r.body.partial_completion);  // already gone
}

// MS-OXCMSG 3.2.5.3: a save over another object's save is a conflict,
// unless ForceSave.
TEST(RopMessages, ConflictingSaveAnswersObjectModified) {
    open_folder(inbox(), 1);
    uint64_t mid = saved_message("v1", 2);
    LONGS_EQUAL(0, open_message(mid, 3, rop::RopOpenMessage::kReadWrite).return_value);
    LONGS_EQUAL(0, open_message(mid, 4, rop::RopOpenMessage::kReadWrite).return_value);
    LONGS_EQUAL(0, set_props(3, {PropValue::str(PidTagSubject, "from 3")}));
    LONGS_EQUAL(0, save(3).return_value);
    LONGS_EQUAL(0, set_props(4, {PropValue::str(PidTagSubject, "from 4")}));
    LONGS_EQUAL(ec::ObjectModified, save(4).return_value);
    STRCMP_EQUAL("from 4", get_props(4, {PidTagSubject})[0].as_str().c_str());  // still pending
    LONGS_EQUAL(0, save(4, rop::RopSaveChangesMessage::kForceSave).return_value);
    // The saving object may save again; the other one now conflicts.
    LONGS_EQUAL(0, save(4).return_value);
    LONGS_EQUAL(ec::ObjectModified, save(3).return_value);
    auto rows = contents({PidTagSubject, PidTagNormalizedSubject});
    STRCMP_EQUAL("from 4", rows[0][0].as_str().c_str());
    STRCMP_EQUAL("from 4", rows[0][1].as_str().c_str());  // stored by the save
}

// Read state and status are not changes (MS-OXCMSG 3.2.5.8, 3.2.5.10): no
// new change number or ChangeKey, and no conflict for an open object.
TEST(RopMessages, ReadFlagsAndStatusKeepTheChangeNumber) {
    open_folder(inbox(), 1);
    uint64_t mid = saved_message("unchanged", 2);
    LONGS_EQUAL(0, open_message(mid, 3, rop::RopOpenMessage::kReadWrite).return_value);
    auto before = get_props(3, {PidTagChangeNumber, PidTagChangeKey});
    rop::RopSetReadFlags::Request rf;
    rf.in_index = 1;
    rf.read_flags = rop::rfClearReadFlag;
    rf.message_ids = {mid, mid};
    LONGS_EQUAL(0, c.run<rop::RopSetReadFlags>(rf).return_value);
    LONGS_EQUAL(0, set_read_flag(2, rop::rfDefault));
    rop::RopSetMessageStatus::Request st;
    st.in_index = 1;
    st.message_id = mid;
    st.message_status_flags = st.message_status_mask = 0x1000;
    LONGS_EQUAL(0, c.run<rop::RopSetMessageStatus>(st).return_value);
    auto after = get_props(3, {PidTagChangeNumber, PidTagChangeKey, PidTagMessageFlags, PidTagMessageStatus});
    LONGS_EQUAL(before[0].as_i64(), after[0].as_i64());
    CHECK(before[1].as_bin() == after[1].as_bin());
    LONGS_EQUAL(mfUnsent | mfRead, after[2].as_i32());
    LONGS_EQUAL(0x1000, after[3].as_i32());
    LONGS_EQUAL(0, set_props(3, {PropValue::str(PidTagSubject, "still no conflict")}));
    LONGS_EQUAL(0, save(3).return_value);
}

// ---------------------------------------------------------------------------
// Submission (MS-OXOMSG 3.2.5): no transport yet, so a submitted message is
// sent to Sent Items at once.

TEST(RopMessages, SubmitMessageMovesItToSentItems) {
    uint64_t outbox = logon_body.folder_ids[5], sent = logon_body.folder_ids[6];
    auto tf = c.run<rop::RopGetTransportFolder>(rop::InputOnly{0, 0});
    LONGS_EQUAL(0, tf.return_value);
    CHECK(tf.body.folder_id == outbox);
    auto at = c.run<rop::RopGetAddressTypes>(rop::InputOnly{0, 0});
    LONGS_EQUAL(0, at.return_value);
    CHECK(std::find(at.body.address_types.begin(), at.body.address_types.end(), "SMTP") != at.body.address_types.end());

    open_folder(outbox, 1);
    rop::RopCreateMessage::Request cm;
    cm.in_index = 1;
    cm.out_index = 2;
    cm.folder_id = outbox;
    auto created = c.run<rop::RopCreateMessage>(cm);
    LONGS_EQUAL(0, created.return_value);
    uint64_t mid = *created.body.message_id;
    LONGS_EQUAL(0, set_props(2, {PropValue::str(PidTagSubject, "outgoing")}));
    rop::RopSubmitMessage::Request sm;
    sm.in_index = 2;
    LONGS_EQUAL(0x80040607, c.run<rop::RopSubmitMessage>(sm).return_value);  // ecNoRecipients
    LONGS_EQUAL(0, modify_recipients(2, kRecipientColumns, {{0, rop::kRecipTo, smtp_recipient("Bob", "b@x", 1)}}));
    LONGS_EQUAL(0, c.run<rop::RopSubmitMessage>(sm).return_value);
    LONGS_EQUAL(ec::AccessDenied, set_props(2, {PropValue::str(PidTagSubject, "too late")}));
    // Not in the Outbox any more; in Sent Items, sent and read.
    CHECK(contents({PidTagMid}).empty());
    rop::RopOpenMessage::Request om;
    om.out_index = 3;
    om.folder_id = sent;
    om.message_id = mid;
    LONGS_EQUAL(0, c.run<rop::RopOpenMessage>(om).return_value);
    auto v = get_props(3, {PidTagMessageFlags, PidTagClientSubmitTime, PidTagDisplayTo});
    LONGS_EQUAL(mfRead, v[0].as_i32() & (mfRead | mfUnsent));
    CHECK(v[1].as_i64() > 0);
    STRCMP_EQUAL("Bob", v[2].as_str().c_str());
    // Nothing is ever queued.
    rop::RopAbortSubmit::Request ab;
    ab.folder_id = sent;
    ab.message_id = mid;
    LONGS_EQUAL(0x80040601, c.run<rop::RopAbortSubmit>(ab).return_value);  // ecNotInQueue

    // RopTransportSend with PidTagDeleteAfterSubmit: gone.
    created = c.run<rop::RopCreateMessage>(cm);
    LONGS_EQUAL(0, set_props(2, {PropValue::boolean(PidTagDeleteAfterSubmit, true)}));
    LONGS_EQUAL(0, modify_recipients(2, kRecipientColumns, {{0, rop::kRecipTo, smtp_recipient("Bob", "b@x", 1)}}));
    auto ts = c.run<rop::RopTransportSend>(rop::InputOnly{0, 2});
    LONGS_EQUAL(0, ts.return_value);
    CHECK(!ts.body.values);
    om.message_id = *created.body.message_id;
    LONGS_EQUAL(ec::NotFound, c.run<rop::RopOpenMessage>(om).return_value);
    CHECK(contents({PidTagMid}).empty());
}

// RopCopyFolder copies messages with their recipients and attachments,
// embedded messages included (Mailbox::copy_message_content).
TEST(RopMessages, CopyFolderCopiesMessageContent) {
    uint64_t ipm = logon_body.folder_ids[3];
    open_folder(ipm, 5);
    rop::RopCreateFolder::Request cf;
    cf.in_index = 5;
    cf.out_index = 1;
    cf.folder_type = 1;
    cf.display_name = "Source";
    auto created = c.run<rop::RopCreateFolder>(cf);
    LONGS_EQUAL(0, created.return_value);
    rop::RopCreateMessage::Request cm;
    cm.in_index = 1;
    cm.out_index = 2;
    cm.folder_id = created.body.folder_id;
    LONGS_EQUAL(0, c.run<rop::RopCreateMessage>(cm).return_value);
    LONGS_EQUAL(0, modify_recipients(2, kRecipientColumns, {{0, rop::kRecipCc, smtp_recipient("Cy", "c@x", 1)}}));
    LONGS_EQUAL(0, create_attachment(2, 3));
    LONGS_EQUAL(0, open_embedded(3, 4, rop::RopOpenEmbeddedMessage::kCreate).return_value);
    LONGS_EQUAL(0, set_props(4, {PropValue::str(PidTagSubject, "inside")}));
    LONGS_EQUAL(0, save(4).return_value);
    LONGS_EQUAL(0, save_attachment(2, 3));
    LONGS_EQUAL(0, save(2).return_value);

    rop::RopCopyFolder::Request cp;
    cp.src_index = 5;
    cp.dst_index = 5;
    cp.folder_id = created.body.folder_id;
    cp.new_folder_name = "Copy";
    cp.use_unicode = true;
    LONGS_EQUAL(0, c.run<rop::RopCopyFolder>(cp).return_value);
    cf.display_name = "Copy";
    cf.open_existing = true;
    cf.out_index = 6;
    auto copy = c.run<rop::RopCreateFolder>(cf);
    LONGS_EQUAL(0, copy.return_value);
    rop::GetTableRequest g;
    g.in_index = 6;
    g.out_index = 9;
    LONGS_EQUAL(0, c.run<rop::RopGetContentsTable>(g).return_value);
    auto rows = table_rows(9, {PidTagMid, PidTagDisplayCc});
    LONGS_EQUAL(1, rows.size());
    STRCMP_EQUAL("Cy", rows[0][1].as_str().c_str());
    rop::RopOpenMessage::Request om;
    om.out_index = 7;
    om.folder_id = copy.body.folder_id;
    om.message_id = uint64_t(rows[0][0].as_i64());
    auto o = c.run<rop::RopOpenMessage>(om);
    LONGS_EQUAL(0, o.return_value);
    LONGS_EQUAL(1, o.body.recipient_count);
    LONGS_EQUAL(0, open_attachment(7, 8, 0, rop::RopOpenAttachment::kReadOnly));
    auto e = open_embedded(8, 10, rop::RopOpenEmbeddedMessage::kReadOnly);
    LONGS_EQUAL(0, e.return_value);
    STRCMP_EQUAL("inside", e.body.message.normalized_subject.value_or("<none>").c_str());
}

// RopCopyTo with WantSubObjects between messages (MS-OXCPRPT 3.2.5.8):
// properties, recipients and attachments, pending until the destination is
// saved.
TEST(RopMessages, CopyToCopiesRecipientsAndAttachments) {
    open_folder(inbox(), 1);
    message_with_content("original", 2, 3);
    uint64_t copy = create_message(1, 4);
    rop::RopCopyTo::Request rq;
    rq.src_index = 2;
    rq.dst_index = 4;
    rq.want_sub_objects = true;
    auto r = c.run<rop::RopCopyTo>(rq);
    LONGS_EQUAL(0, r.return_value);
    CHECK(valid_attachments(4) == std::vector<uint32_t>{0});
    LONGS_EQUAL(0, save(4).return_value);
    release(4);
    auto o = open_message(copy, 4, rop::RopOpenMessage::kReadOnly);
    LONGS_EQUAL(0, o.return_value);
    STRCMP_EQUAL("original", o.body.normalized_subject.value_or("<none>").c_str());
    LONGS_EQUAL(1, o.body.recipient_count);
    LONGS_EQUAL(0, open_attachment(4, 5, 0, rop::RopOpenAttachment::kReadOnly));
    STRCMP_EQUAL("a.txt", get_props(5, {PidTagAttachLongFilename})[0].as_str().c_str());
    STRCMP_EQUAL("Bob", get_props(4, {PidTagDisplayTo})[0].as_str().c_str());
}
