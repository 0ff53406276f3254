// The ROP engine with its handlers over the real store (MariaDB): ROP
// request buffers in, ROP response buffers out, exactly as EcDoRpcExt2
// hands them over.
#include "libmapi/propcodec.h"
#include "libmapi/proptags.h"
#include "libmapi/rops.h"
#include "libmapi/rops_message.h"
#include "mapiproxy/servers/rop_handlers.h"
#include "tests/store/rop_client.h"
#include "tests/store/store_test.h"

#include <CppUTest/TestHarness.h>

#include <set>

#include <algorithm>

using namespace mg;
using namespace mg::mapi;
namespace ec = mg::mapi::ec;

namespace {

const char* kDn = store::test::kAliceDn;
using store::test::RopClient;

std::shared_ptr<emsmdb::StoreBackend> g_backend;

emsmdb::SessionInfo alice() { return store::test::alice_session(); }

std::vector<PropList> decode_rows(const Bytes& rows, uint16_t count, const std::vector<PropTag>& cols) {
    ByteReader r(rows);
    std::vector<PropList> out;
    for (uint16_t i = 0; i < count; ++i) out.push_back(read_property_row(r, cols));
    CHECK(r.empty());
    return out;
}

}  // namespace

TEST_GROUP(RopEngine) {
    RopClient c;
    rop::RopLogon::PrivateMailbox logon_body;

    void setup() override {
        store::test::fresh_database();
        g_backend = std::make_shared<emsmdb::StoreBackend>(store::test::test_uri());
        logon_body = store::test::logon_alice(c, emsmdb::default_rop_factory(g_backend));
    }
    void teardown() override {
        c.proc.reset();
        g_backend.reset();
    }

    // Opens folder `fid` into slot `out` (input: the logon in slot 0).
    void open(uint64_t fid, uint8_t out) {
        rop::RopOpenFolder::Request rq;
        rq.in_index = 0;
        rq.out_index = out;
        rq.folder_id = fid;
        LONGS_EQUAL(0, c.run<rop::RopOpenFolder>(rq).return_value);
    }
    // RopQueryColumnsAll of folder `fid`'s hierarchy or contents table, whose
    // SetColumns chose only `chosen`.
    std::vector<PropTag> columns_all(uint64_t fid, bool contents, PropTag chosen) {
        open(fid, 1);
        rop::GetTableRequest t;
        t.in_index = 1;
        t.out_index = 2;
        LONGS_EQUAL(0, contents ? c.run<rop::RopGetContentsTable>(t).return_value
                                : c.run<rop::RopGetHierarchyTable>(t).return_value);
        rop::RopSetColumns::Request sc;
        sc.in_index = 2;
        sc.tags = {chosen};
        c.run<rop::RopSetColumns>(sc);
        auto all = c.run<rop::RopQueryColumnsAll>(rop::InputOnly{0, 2});
        LONGS_EQUAL(0, all.return_value);
        return all.body.tags;
    }
    static bool has_id(const std::vector<PropTag>& tags, PropTag t) {
        return std::any_of(tags.begin(), tags.end(), [&](PropTag x) { return prop_id(x) == prop_id(t); });
    }
    // Folder `fid` opened in slot 1, its hierarchy table (`flags`) in slot 2
    // with columns `cols`; returns the table's row count.
    uint32_t hierarchy_table(uint64_t fid, uint8_t flags, const std::vector<PropTag>& cols) {
        open(fid, 1);
        rop::GetTableRequest t;
        t.in_index = 1;
        t.out_index = 2;
        t.table_flags = flags;
        auto tr = c.run<rop::RopGetHierarchyTable>(t);
        LONGS_EQUAL(0, tr.return_value);
        rop::RopSetColumns::Request sc;
        sc.in_index = 2;
        sc.tags = cols;
        LONGS_EQUAL(0, c.run<rop::RopSetColumns>(sc).return_value);
        return tr.body.row_count;
    }
    std::vector<std::string> subfolder_names(uint64_t fid) {
        std::vector<PropTag> cols = {PidTagDisplayName, PidTagFolderId};
        uint32_t count = hierarchy_table(fid, 0, cols);
        rop::RopQueryRows::Request q;
        q.in_index = 2;
        q.forward_read = true;
        q.row_count = 200;
        auto qr = c.run<rop::RopQueryRows>(q);
        LONGS_EQUAL(0, qr.return_value);
        LONGS_EQUAL(count, qr.body.row_count);
        LONGS_EQUAL(2 /* BOOKMARK_END */, qr.body.origin);
        std::vector<std::string> names;
        for (auto& row : decode_rows(qr.body.rows, qr.body.row_count, cols)) names.push_back(row[0].as_str());
        return names;
    }
};

TEST(RopEngine, LogonReturnsEverySpecialFolder) {
    for (auto fid : logon_body.folder_ids) CHECK(fid != 0);
    CHECK(logon_body.response_flags & 0x01);
    CHECK(logon_body.repl_id != 0);
}

TEST(RopEngine, LogonToAnotherMailboxIsRefused) {
    RopClient other;
    other.proc = emsmdb::default_rop_factory(g_backend)(alice());
    rop::RopLogon::Request rq;
    rq.logon_flags = rop::RopLogon::kPrivate;
    rq.essdn = "/o=First Organization/ou=First Administrative Group/cn=Recipients/cn=bob";
    auto r = other.run<rop::RopLogon>(rq);
    LONGS_EQUAL(ec::LoginFailed, r.return_value);
    CHECK(other.handles[0] == 0xFFFFFFFF);
}

TEST(RopEngine, IpmSubtreeHierarchyHasTheSpecialFolders) {
    auto names = subfolder_names(logon_body.folder_ids[3]);  // IPM subtree
    for (const char* n : {"Inbox", "Outbox", "Sent Items", "Deleted Items", "Drafts", "Calendar", "Contacts",
                          "Tasks", "Notes", "Journal", "Junk E-mail"})
        CHECK_TEXT(std::find(names.begin(), names.end(), n) != names.end(), n);
}

TEST(RopEngine, CreateFolderCollisionOpenExistingAndDelete) {
    open(logon_body.folder_ids[3], 1);
    rop::RopCreateFolder::Request cf;
    cf.in_index = 1;
    cf.out_index = 3;
    cf.folder_type = 1;
    cf.use_unicode_strings = true;
    cf.display_name = "Projekte \xE2\x82\xAC";  // non-ASCII survives
    cf.comment = "team";
    auto r = c.run<rop::RopCreateFolder>(cf);
    LONGS_EQUAL(0, r.return_value);
    uint64_t fid = r.body.folder_id;
    CHECK(!r.body.existing);
    LONGS_EQUAL(ec::Collision, c.run<rop::RopCreateFolder>(cf).return_value);
    cf.open_existing = true;
    auto again = c.run<rop::RopCreateFolder>(cf);
    LONGS_EQUAL(0, again.return_value);
    CHECK(again.body.existing.has_value());
    CHECK(again.body.folder_id == fid);

    // Properties of the new folder, through the handle in slot 3.
    rop::RopGetPropertiesSpecific::Request gp;
    gp.in_index = 3;
    gp.want_unicode = 1;
    gp.tags = {PidTagDisplayName, PidTagComment, PidTagFolderId};
    auto g = c.run<rop::RopGetPropertiesSpecific>(gp);
    LONGS_EQUAL(0, g.return_value);
    ByteReader rr(g.body.row);
    auto vals = read_property_row(rr, gp.tags);
    STRCMP_EQUAL("Projekte \xE2\x82\xAC", vals[0].as_str().c_str());
    STRCMP_EQUAL("team", vals[1].as_str().c_str());
    CHECK(uint64_t(vals[2].as_i64()) == fid);

    auto names = subfolder_names(logon_body.folder_ids[3]);
    CHECK(std::find(names.begin(), names.end(), "Projekte \xE2\x82\xAC") != names.end());

    open(logon_body.folder_ids[3], 1);
    rop::RopDeleteFolder::Request df;
    df.in_index = 1;
    df.delete_folder_flags = 0x01 | 0x04 | 0x10;
    df.folder_id = fid;
    auto d = c.run<rop::RopDeleteFolder>(df);
    LONGS_EQUAL(0, d.return_value);
    CHECK(!d.body.partial_completion);
    names = subfolder_names(logon_body.folder_ids[3]);
    CHECK(std::find(names.begin(), names.end(), "Projekte \xE2\x82\xAC") == names.end());
}

TEST(RopEngine, SetPropertiesAndMissingValuesAreFlagged) {
    open(logon_body.folder_ids[4], 1);  // Inbox
    rop::SetPropertiesRequest sp;
    sp.in_index = 1;
    sp.values = {PropValue::str(PidTagComment, "hello")};
    auto s = c.run<rop::RopSetProperties>(sp);
    LONGS_EQUAL(0, s.return_value);
    LONGS_EQUAL(0, s.body.problems.size());
    rop::RopGetPropertiesSpecific::Request gp;
    gp.in_index = 1;
    gp.tags = {PidTagComment, make_tag(0x6700, PT_LONG) /* nothing stored */};
    auto g = c.run<rop::RopGetPropertiesSpecific>(gp);
    LONGS_EQUAL(rop::kWarnWithErrors, g.return_value);
    ByteReader rr(g.body.row);
    auto vals = read_property_row(rr, gp.tags);
    STRCMP_EQUAL("hello", vals[0].as_str().c_str());
    CHECK(vals[1].is_error());
}

TEST(RopEngine, NamedPropertiesRoundTrip) {
    rop::RopGetPropertyIdsFromNames::Request rq;
    rq.in_index = 0;
    rq.flags = 0x02;  // create
    PropertyName n;
    n.guid = Guid::parse("00062004-0000-0000-c000-000000000046");
    n.kind = PropertyName::Name;
    n.name = "x-mapigate-test";
    rq.names = {n};
    auto r = c.run<rop::RopGetPropertyIdsFromNames>(rq);
    LONGS_EQUAL(0, r.return_value);
    CHECK(r.body.property_ids.at(0) >= 0x8000);
    rop::RopGetNamesFromPropertyIds::Request back;
    back.in_index = 0;
    back.property_ids = r.body.property_ids;
    auto b = c.run<rop::RopGetNamesFromPropertyIds>(back);
    LONGS_EQUAL(0, b.return_value);
    CHECK(b.body.names.at(0) == n);
}

TEST(RopEngine, TableSeekBookmarkAndPosition) {
    open(logon_body.folder_ids[0], 1);  // root
    rop::GetTableRequest t;
    t.in_index = 1;
    t.out_index = 2;
    t.table_flags = 0x04;  // deep
    auto tr = c.run<rop::RopGetHierarchyTable>(t);
    CHECK(tr.body.row_count >= 25);
    rop::RopSetColumns::Request sc;
    sc.in_index = 2;
    sc.tags = {PidTagFolderId};
    c.run<rop::RopSetColumns>(sc);
    rop::RopSeekRow::Request sr;
    sr.in_index = 2;
    sr.origin = 0;
    sr.row_count = 5;
    sr.want_row_moved_count = true;
    auto s = c.run<rop::RopSeekRow>(sr);
    LONGS_EQUAL(5, s.body.rows_sought);
    auto bm = c.run<rop::RopCreateBookmark>(rop::InputOnly{0, 2});
    LONGS_EQUAL(0, bm.return_value);
    auto pos = c.run<rop::RopQueryPosition>(rop::InputOnly{0, 2});
    LONGS_EQUAL(5, pos.body.numerator);
    LONGS_EQUAL(tr.body.row_count, pos.body.denominator);
    sr.origin = 2;  // END
    sr.row_count = 3;
    s = c.run<rop::RopSeekRow>(sr);
    CHECK(s.body.has_sought_less);
    rop::RopSeekRowBookmark::Request sb;
    sb.in_index = 2;
    sb.bookmark = bm.body.bookmark;
    sb.row_count = 0;
    auto sbr = c.run<rop::RopSeekRowBookmark>(sb);
    LONGS_EQUAL(0, sbr.return_value);
    CHECK(!sbr.body.row_no_longer_visible);
    pos = c.run<rop::RopQueryPosition>(rop::InputOnly{0, 2});
    LONGS_EQUAL(5, pos.body.numerator);
    rop::RopFreeBookmark::Request fb;
    fb.in_index = 2;
    fb.bookmark = bm.body.bookmark;
    LONGS_EQUAL(0, c.run<rop::RopFreeBookmark>(fb).return_value);
    LONGS_EQUAL(ec::InvalidBookmark, c.run<rop::RopFreeBookmark>(fb).return_value);
}

// Small buffers and small counts: every row exactly once, in table order
// (rows read but not returned are carried to the next QueryRows).
TEST(RopEngine, QueryRowsHonoursTheBufferSize) {
    std::vector<PropTag> cols = {PidTagDisplayName, PidTagFolderId};
    uint32_t count = hierarchy_table(logon_body.folder_ids[0], 0x04, cols);
    rop::RopQueryRows::Request q;
    q.in_index = 2;
    q.forward_read = true;
    q.row_count = 1000;
    auto all = c.run<rop::RopQueryRows>(q);
    LONGS_EQUAL(count, all.body.row_count);
    std::vector<int64_t> expect;
    for (auto& row : decode_rows(all.body.rows, all.body.row_count, cols)) expect.push_back(row[1].as_i64());
    for (uint16_t n : {uint16_t(1000), uint16_t(3)}) {
        rop::RopSeekRow::Request sk{};
        sk.in_index = 2;
        c.run<rop::RopSeekRow>(sk);
        c.max_size = 200;  // a few rows at most
        q.row_count = n;
        std::vector<int64_t> got;
        for (int i = 0; i < 100; ++i) {
            auto r = c.run<rop::RopQueryRows>(q);
            LONGS_EQUAL(0, r.return_value);
            CHECK(r.body.row_count > 0 || r.body.origin == 2);
            for (auto& row : decode_rows(r.body.rows, r.body.row_count, cols)) got.push_back(row[1].as_i64());
            if (r.body.origin == 2) break;
        }
        CHECK(got == expect);
        c.max_size = 0x8000;
    }
}

// MS-OXCRPC 3.1.4.2.1.2 / MS-OXCTABL 2.2.2.5.1: a final RopQueryRows with
// EnablePackedBuffers is repeated into chained buffers while rows remain;
// without the flag, or with NoAdvance, nothing is chained.
TEST(RopEngine, PackedQueryRowsContinuesInChainedBuffers) {
    std::vector<PropTag> cols = {PidTagDisplayName, PidTagFolderId};
    uint32_t count = hierarchy_table(logon_body.folder_ids[0], 0x04 /* depth: the whole tree */, cols);
    CHECK(count > 6);
    c.max_size = 200;  // a few rows per buffer
    rop::RopQueryRows::Request q;
    q.in_index = 2;
    q.forward_read = true;
    q.row_count = 1000;
    q.query_rows_flags = rop::RopQueryRows::kNoAdvance | rop::RopQueryRows::kEnablePackedBuffers;
    auto first = c.run<rop::RopQueryRows>(q);
    CHECK(first.body.row_count > 0 && first.body.row_count < count);
    CHECK_FALSE(c.proc->next_chained(200));  // NoAdvance: repeating would give the same rows
    q.query_rows_flags = 0;
    c.run<rop::RopQueryRows>(q);
    CHECK_FALSE(c.proc->next_chained(200));  // not asked for
    // From the start again, packed: every row exactly once across the buffers.
    rop::RopSeekRow::Request sk{};
    sk.in_index = 2;
    sk.origin = 0;
    c.run<rop::RopSeekRow>(sk);
    q.query_rows_flags = rop::RopQueryRows::kEnablePackedBuffers;
    std::optional<rop::Reply<rop::RopQueryRows>> r = c.run<rop::RopQueryRows>(q);
    uint32_t total = 0, buffers = 0;
    std::set<int64_t> fids;
    for (; r; r = c.next_chained<rop::RopQueryRows>(200)) {
        LONGS_EQUAL(0, r->return_value);
        CHECK(r->body.row_count > 0);
        total += r->body.row_count;
        for (auto& row : decode_rows(r->body.rows, r->body.row_count, cols)) fids.insert(row[1].as_i64());
        CHECK(++buffers < 100);
    }
    LONGS_EQUAL(count, total);
    LONGS_EQUAL(count, fids.size());
    CHECK(buffers > 1);
}

TEST(RopEngine, UnsupportedAndUnknownRopsAnswerNotSupported) {
    // A stream on an object that has no streamable properties (a logon).
    rop::RopOpenStream::Request os{};
    os.in_index = 0;
    os.out_index = 1;
    LONGS_EQUAL(ec::NotSupported, c.run<rop::RopOpenStream>(os).return_value);
    // A ROP id with no declared layout: answered, and the buffer stops there.
    Bytes raw = c.raw(Bytes{0x28, 0x00, 0x00});  // 0x28: a reserved RopId
    LONGS_EQUAL(6, raw.size());
    LONGS_EQUAL(0x28, raw[0]);
    CHECK(ByteReader(ByteView(raw).subspan(2)).u32() == ec::NotSupported);
}

TEST(RopEngine, ReleaseFreesTheHandle) {
    open(logon_body.folder_ids[4], 1);
    uint32_t h = c.handles[1];
    CHECK(h != 0xFFFFFFFF);
    Bytes none = c.raw(rop::encode_request<rop::RopRelease>(rop::InputOnly{0, 1}));
    LONGS_EQUAL(0, none.size());
    c.handles[1] = h;  // a client reusing a released handle gets ecNullObject
    rop::RopGetPropertiesSpecific::Request gp;
    gp.in_index = 1;
    gp.tags = {PidTagDisplayName};
    LONGS_EQUAL(ec::NullObject, c.run<rop::RopGetPropertiesSpecific>(gp).return_value);
}

TEST(RopEngine, MalformedBufferIsADecodeError) {
    CHECK_THROWS(DecodeError, c.proc->process(Bytes{0x10, 0x00, 0x01}, 0x8000));
    CHECK_THROWS(DecodeError, c.proc->process(Bytes{0x05, 0x00, 0x02, 0x00, 0x00, 0x01}, 0x8000));
}

TEST(RopEngine, PublicFolderLogon) {
    rop::RopLogon::Request rq;
    rq.logon_id = 1;
    rq.out_index = 1;
    rq.logon_flags = 0;  // public folders
    auto r = c.run<rop::RopLogon>(rq);
    LONGS_EQUAL(0, r.return_value);
    auto body = std::get<rop::RopLogon::PublicFolders>(r.body.body);
    for (int i = 0; i < 9; ++i) CHECK(body.folder_ids[i] != 0);
    CHECK(body.repl_guid != logon_body.repl_guid);  // another store (ids may coincide across stores)
    // The public IPM_SUBTREE opens through the public logon.
    rop::RopOpenFolder::Request of;
    of.logon_id = 1;
    of.in_index = 1;
    of.out_index = 2;
    of.folder_id = body.folder_ids[1];
    LONGS_EQUAL(0, c.run<rop::RopOpenFolder>(of).return_value);
    // MS-OXCSTOR 3.2.5.6: this server alone holds the replica, named by its
    // legacy DN in the user's administrative group; unknown folders: ecNotFound.
    g_backend->server_name = "DC1";
    rop::IdRequest os;
    os.logon_id = 1;
    os.in_index = 1;
    os.id = body.folder_ids[1];
    auto owners = c.run<rop::RopGetOwningServers>(os);
    LONGS_EQUAL(0, owners.return_value);
    LONGS_EQUAL(1, owners.body.owning_servers.size());
    LONGS_EQUAL(1, owners.body.cheap_servers_count);
    STRCMP_EQUAL("/o=First Organization/ou=First Administrative Group/cn=Configuration/cn=Servers/cn=DC1",
                 owners.body.owning_servers[0].c_str());
    os.id = body.folder_ids[1] + 0x10000;
    LONGS_EQUAL(ec::NotFound, c.run<rop::RopGetOwningServers>(os).return_value);
}

TEST(RopEngine, ReceiveFolderTableAndSettings) {
    rop::RopSetReceiveFolder::Request set;
    set.in_index = 0;
    set.folder_id = logon_body.folder_ids[3];  // IPM subtree gets IPM.Note.Custom
    set.message_class = "IPM.Note.Custom";
    LONGS_EQUAL(0, c.run<rop::RopSetReceiveFolder>(set).return_value);
    rop::RopGetReceiveFolder::Request get;
    get.in_index = 0;
    get.message_class = "IPM.Note.Custom.Sub";
    auto g = c.run<rop::RopGetReceiveFolder>(get);
    LONGS_EQUAL(0, g.return_value);
    CHECK(g.body.folder_id == logon_body.folder_ids[3]);
    STRCMP_EQUAL("IPM.Note.Custom", g.body.explicit_message_class.c_str());
    get.message_class = "IPM.Note";
    CHECK(c.run<rop::RopGetReceiveFolder>(get).body.folder_id == logon_body.folder_ids[4]);  // Inbox

    auto t = c.run<rop::RopGetReceiveFolderTable>(rop::InputOnly{0, 0});
    LONGS_EQUAL(0, t.return_value);
    std::vector<PropTag> cols = {PidTagFolderId, change_type(PidTagMessageClass, PT_STRING8),
                                 PidTagLastModificationTime};
    bool custom = false, ipm = false;
    for (auto& row : decode_rows(t.body.rows, uint16_t(t.body.row_count), cols)) {
        if (row[1].as_str() == "IPM.Note.Custom") custom = uint64_t(row[0].as_i64()) == logon_body.folder_ids[3];
        if (row[1].as_str() == "IPM") ipm = uint64_t(row[0].as_i64()) == logon_body.folder_ids[4];
    }
    CHECK(custom);
    CHECK(ipm);
    // IPM cannot be cleared (MS-OXCSTOR 3.2.5.2).
    set.folder_id = 0;
    set.message_class = "IPM";
    LONGS_EQUAL(ec::NoAccess, c.run<rop::RopSetReceiveFolder>(set).return_value);
}

TEST(RopEngine, PerUserInformationForAPublicFolder) {
    rop::LongTermId ltid;
    ltid.database_guid = Guid::parse("11111111-2222-3333-4444-555555555555");
    ltid.global_counter = {0, 0, 0, 0, 0x12, 0x34};
    Guid repl = Guid::parse("99999999-8888-7777-6666-555555555555");
    Bytes data(300);
    for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i * 7);

    rop::RopWritePerUserInformation::Request w;
    w.in_index = 0;
    w.folder_id = ltid;
    w.data_offset = 0;
    w.data.assign(data.begin(), data.begin() + 200);
    w.repl_guid = repl;
    LONGS_EQUAL(0, c.run<rop::RopWritePerUserInformation>(w).return_value);
    w.data_offset = 250;  // a gap: refused
    w.data.assign(data.begin() + 250, data.end());
    LONGS_EQUAL(ec::InvalidParam, c.run<rop::RopWritePerUserInformation>(w).return_value);
    w.data_offset = 200;
    w.has_finished = true;
    w.data.assign(data.begin() + 200, data.end());
    LONGS_EQUAL(0, c.run<rop::RopWritePerUserInformation>(w).return_value);

    Bytes back;
    rop::RopReadPerUserInformation::Request r;
    r.in_index = 0;
    r.folder_id = ltid;
    r.max_data_size = 128;
    for (int i = 0; i < 10; ++i) {
        r.data_offset = uint32_t(back.size());
        auto rr = c.run<rop::RopReadPerUserInformation>(r);
        LONGS_EQUAL(0, rr.return_value);
        back.insert(back.end(), rr.body.data.begin(), rr.body.data.end());
        if (rr.body.has_finished) break;
    }
    CHECK(back == data);

    rop::RopGetPerUserLongTermIds::Request ids;
    ids.in_index = 0;
    ids.database_guid = ltid.database_guid;
    auto ir = c.run<rop::RopGetPerUserLongTermIds>(ids);
    LONGS_EQUAL(1, ir.body.long_term_ids.size());
    CHECK(ir.body.long_term_ids[0] == ltid);
    rop::RopGetPerUserGuid::Request pg;
    pg.in_index = 0;
    pg.long_term_id = ltid;
    auto gr = c.run<rop::RopGetPerUserGuid>(pg);
    LONGS_EQUAL(0, gr.return_value);
    CHECK(gr.body.database_guid == repl);
    pg.long_term_id.global_counter = {0, 0, 0, 0, 0, 1};
    LONGS_EQUAL(ec::NotFound, c.run<rop::RopGetPerUserGuid>(pg).return_value);
}

TEST(RopEngine, RowThatCannotFitGivesBufferTooSmallAndKeepsThePosition) {
    open(logon_body.folder_ids[0], 1);
    rop::GetTableRequest t;
    t.in_index = 1;
    t.out_index = 2;
    t.table_flags = 0x04;
    c.run<rop::RopGetHierarchyTable>(t);
    rop::RopSetColumns::Request sc;
    sc.in_index = 2;
    sc.tags = {PidTagDisplayName, PidTagFolderId};
    c.run<rop::RopSetColumns>(sc);
    rop::RopQueryRows::Request q;
    q.in_index = 2;
    q.forward_read = true;
    q.row_count = 10;
    c.max_size = 2 + 48 + 40;  // RopSize + handle table + a few bytes: no row fits
    Bytes raw = c.raw(rop::encode_request<rop::RopQueryRows>(q));
    LONGS_EQUAL(0xFF, raw.at(0));  // RopBufferTooSmall
    Bytes echoed(raw.begin() + 3, raw.end());
    CHECK(echoed == rop::encode_request<rop::RopQueryRows>(q));  // the request, to resend
    c.max_size = 0x8000;
    auto pos = c.run<rop::RopQueryPosition>(rop::InputOnly{0, 2});
    LONGS_EQUAL(0, pos.body.numerator);  // nothing was consumed
}

TEST(RopEngine, QueryColumnsAllListsEveryColumnNotJustTheChosenOnes) {
    open(logon_body.folder_ids[4], 1);  // Inbox gets a stored property
    rop::SetPropertiesRequest sp;
    sp.in_index = 1;
    sp.values = {PropValue::str(PidTagComment, "all columns")};
    LONGS_EQUAL(0, c.run<rop::RopSetProperties>(sp).return_value);
    auto tags = columns_all(logon_body.folder_ids[3], false, PidTagFolderId);
    auto has = [&](PropTag t) { return has_id(tags, t); };
    CHECK(has(PidTagFolderId));
    CHECK(has(PidTagDisplayName));
    CHECK(has(PidTagContentCount));
    CHECK(has(PidTagComment));  // stored by the provider on one folder
}

TEST(RopEngine, QueryColumnsAllOfAContentsTable) {
    rop::RopCreateMessage::Request cm;
    cm.in_index = 0;
    cm.out_index = 3;
    cm.folder_id = logon_body.folder_ids[4];
    LONGS_EQUAL(0, c.run<rop::RopCreateMessage>(cm).return_value);
    rop::SetPropertiesRequest sp;
    sp.in_index = 3;
    sp.values = {PropValue::str(PidTagSubject, "columns"), PropValue::i32(make_tag(0x6777, PT_LONG), 7)};
    LONGS_EQUAL(0, c.run<rop::RopSetProperties>(sp).return_value);
    rop::RopSaveChangesMessage::Request save;
    save.in_index = 3;
    save.out_index = 3;
    LONGS_EQUAL(0, c.run<rop::RopSaveChangesMessage>(save).return_value);

    auto tags = columns_all(logon_body.folder_ids[4], true, PidTagMid);
    auto has = [&](PropTag t) { return std::find(tags.begin(), tags.end(), t) != tags.end(); };
    CHECK(has(PidTagMid));
    CHECK(has(PidTagMessageSize));
    CHECK(has(make_tag(0x6777, PT_LONG)));
    CHECK(has_id(tags, PidTagSubject));
}
