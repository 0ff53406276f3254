#include "libmapi/rops.h"

#include "tests/unit/testutil.h"

#include <CppUTest/TestHarness.h>

#include <cstring>
#include <string>
#include <type_traits>

using namespace mg;
using namespace mg::rop;

namespace {

using mg::test::hex;

// Decodes a spec request example, lets `check` look at it, and re-encodes it
// to the same bytes.
template <class R, class F>
void spec_request(const char* bytes, F&& check) {
    Bytes b = hex(bytes);
    auto rq = decode_request<R>(b);
    check(rq);
    CHECK(encode_request<R>(rq) == b);
}

template <class R, class F>
void spec_response(const char* bytes, F&& check) {
    Bytes b = hex(bytes);
    auto r = decode_response<R>(b);
    check(r);
    CHECK(encode_response<R>(r) == b);
}

template <class F>
void expect_decode_error(F&& f) {
    try {
        f();
    } catch (const DecodeError&) {
        return;
    }
    FAIL("no DecodeError");
}

// Deterministic bytes, half of them zero so that counts and sizes are often
// small and variable-length fields decode.
struct Noise {
    uint64_t state;
    uint8_t next() {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        uint8_t v = uint8_t(state >> 56);
        return (state >> 40) & 1 ? v : 0;
    }
    Bytes bytes(size_t n) {
        Bytes b(n);
        for (auto& x : b) x = next();
        return b;
    }
};

// A decoded value re-encodes, its canonical encoding decodes to the same
// value and re-encodes identically, and every proper prefix of it is
// rejected with DecodeError.
template <class R>
bool round_trip_request(ByteView body) {
    typename R::Request rq{};
    try {
        Pull in(body);
        R::Request::fields(rq, in);
    } catch (const DecodeError&) {
        return false;
    }
    Bytes canonical = encode_request<R>(rq);
    auto again = decode_request<R>(canonical);
    CHECK_TEXT(again == rq, R::kName);
    CHECK_TEXT(encode_request<R>(again) == canonical, R::kName);
    for (size_t n = 0; n < canonical.size(); ++n) {
        ByteView prefix(canonical.data(), n);
        expect_decode_error([&] { decode_request<R>(prefix); });
    }
    return true;
}

template <class R>
bool round_trip_response(uint32_t rv, ByteView body) {
    Reply<R> r;
    r.return_value = rv;
    r.index = 7;
    try {
        Pull in(body);
        in.set_return_value(rv);
        if (body_on<R>(rv)) R::Response::fields(r.body, in);
    } catch (const DecodeError&) {
        return false;
    }
    Bytes canonical = encode_response<R>(r);
    auto again = decode_response<R>(canonical);
    CHECK_TEXT(again == r, R::kName);
    CHECK_TEXT(encode_response<R>(again) == canonical, R::kName);
    return true;
}

// Return values worth trying for every ROP's response.
constexpr uint32_t kCodes[] = {0, kWrongServer, kDstNullObject, kWarnWithErrors, 0x80040102};

mapi::Guid guid(uint8_t seed) {
    mapi::Guid g;
    for (size_t i = 0; i < g.b.size(); ++i) g.b[i] = uint8_t(seed + i * 7);
    return g;
}

}  // namespace

TEST_GROUP(Rops){};

// ----------------------------------------------------------------- RopId table

TEST(Rops, NamesCoverTheRopIdTable) {
    STRCMP_EQUAL("Reserved", rop_name(0x00));
    STRCMP_EQUAL("RopRelease", rop_name(0x01));
    STRCMP_EQUAL("RopSetReadFlags", rop_name(0x66));
    STRCMP_EQUAL("Reserved", rop_name(0x28));
    STRCMP_EQUAL("RopWriteStreamExtended", rop_name(0xA3));
    STRCMP_EQUAL("RopBackoff", rop_name(0xF9));
    STRCMP_EQUAL("Reserved", rop_name(0xFA));
    STRCMP_EQUAL("RopLogon", rop_name(0xFE));
    STRCMP_EQUAL("RopBufferTooSmall", rop_name(0xFF));
    // Every declared ROP has the name of its RopId, and ids are unique.
    int seen[256] = {};
    auto check = [&](const char* name, uint8_t id) {
        STRCMP_EQUAL(name, rop_name(id));
        ++seen[id];
    };
    std::apply([&](auto... r) { (check(decltype(r)::kName, decltype(r)::kId), ...); }, CoreRops{});
    for (int n : seen) CHECK(n <= 1);
    STRCMP_EQUAL(RopBackoff::kName, rop_name(RopBackoff::kId));
    STRCMP_EQUAL(RopBufferTooSmall::kName, rop_name(RopBufferTooSmall::kId));
}

TEST(Rops, WithRopDispatchesById) {
    const char* name = nullptr;
    CHECK(with_rop(0x15, [&]<class R>() { name = R::kName; }));
    STRCMP_EQUAL("RopQueryRows", name);
    CHECK_FALSE(with_rop(0x03, [&]<class R>() {}));  // RopOpenMessage: not declared here
}

// ----------------------------------------------------------------- spec examples

// MS-OXCFOLD 4.1.1 / 4.1.2
TEST(Rops, CreateFolderExample) {
    spec_request<RopCreateFolder>("1C 00 00 01 01 01 00 00 46 00 6F 00 6C 00 64 00 65 00 72 00 31 00 00 00 00 00",
                                  [](auto& rq) {
                                      CHECK_EQUAL(1, rq.out_index);
                                      CHECK_EQUAL(1, rq.folder_type);
                                      CHECK(rq.use_unicode_strings);
                                      CHECK_FALSE(rq.open_existing);
                                      STRCMP_EQUAL("Folder1", rq.display_name.c_str());
                                      CHECK(rq.comment.empty());
                                  });
    spec_response<RopCreateFolder>("1C 01 00 00 00 00 01 00 00 00 0E 91 52 12 00", [](auto& r) {
        CHECK_EQUAL(1, r.index);
        CHECK_EQUAL(0x1252910E00000001ULL, r.body.folder_id);
        CHECK_FALSE(r.body.existing.has_value());
    });
}

// MS-OXCFOLD 4.2
TEST(Rops, DeleteFolderExample) {
    spec_request<RopDeleteFolder>("1D 00 01 05 01 00 00 00 0E 8E DF 36", [](auto& rq) {
        CHECK_EQUAL(1, rq.in_index);
        CHECK_EQUAL(5, rq.delete_folder_flags);
        CHECK_EQUAL(0x36DF8E0E00000001ULL, rq.folder_id);
    });
    spec_response<RopDeleteFolder>("1D 01 00 00 00 00 00", [](auto& r) { CHECK_FALSE(r.body.partial_completion); });
}

// MS-OXCFOLD 4.3
TEST(Rops, DeleteMessagesExample) {
    spec_request<RopDeleteMessages>("1E 00 00 00 01 02 00 01 00 00 00 0E 8E F1 48 01 00 00 00 0E 8E C3 02",
                                    [](auto& rq) {
                                        CHECK_FALSE(rq.want_asynchronous);
                                        CHECK(rq.notify_non_read);
                                        CHECK_EQUAL(2u, rq.message_ids.size());
                                        CHECK_EQUAL(0x48F18E0E00000001ULL, rq.message_ids[0]);
                                        CHECK_EQUAL(0x02C38E0E00000001ULL, rq.message_ids[1]);
                                    });
    spec_response<RopDeleteMessages>("1E 00 00 00 00 00 00", [](auto& r) { CHECK_EQUAL(0u, r.return_value); });
}

// MS-OXCFOLD 4.5 / 4.6
TEST(Rops, MoveAndCopyFolderExamples) {
    spec_request<RopMoveFolder>("35 00 01 02 01 01 01 00 00 00 0E 8E DF 36 46 00 6F 00 6C 00 64 00 65 00 72 00 31 00 00 00",
                                [](auto& rq) {
                                    CHECK_EQUAL(1, rq.src_index);
                                    CHECK_EQUAL(2, rq.dst_index);
                                    CHECK(rq.want_asynchronous);
                                    CHECK(rq.use_unicode);
                                    CHECK_EQUAL(0x36DF8E0E00000001ULL, rq.folder_id);
                                    STRCMP_EQUAL("Folder1", rq.new_folder_name.c_str());
                                });
    spec_response<RopMoveFolder>("35 01 00 00 00 00 00", [](auto& r) {
        CHECK_EQUAL(1, r.index);
        CHECK_FALSE(r.body.dest_index.has_value());
    });
    spec_request<RopCopyFolder>("36 00 00 01 01 01 01 01 00 00 00 0E 8E DF 36 46 00 6F 00 6C 00 64 00 65 00 72 00 31 00 00 00",
                                [](auto& rq) {
                                    CHECK_EQUAL(0, rq.src_index);
                                    CHECK_EQUAL(1, rq.dst_index);
                                    CHECK(rq.want_recursive);
                                    STRCMP_EQUAL("Folder1", rq.new_folder_name.c_str());
                                });
    spec_response<RopCopyFolder>("36 00 00 00 00 00 00", [](auto& r) { CHECK_FALSE(r.body.partial_completion); });
}

// MS-OXCFOLD 4.8.2, 4.9.1
TEST(Rops, SearchCriteriaExamples) {
    spec_response<RopSetSearchCriteria>("30 01 00 00 00 00", [](auto& r) { CHECK_EQUAL(1, r.index); });
    spec_request<RopGetSearchCriteria>("31 00 00 01 01 00", [](auto& rq) {
        CHECK(rq.use_unicode);
        CHECK(rq.include_restriction);
        CHECK_FALSE(rq.include_folders);
    });
}

// MS-OXCTABL 4.1.1
TEST(Rops, GetContentsTableExample) {
    spec_request<RopGetContentsTable>("05 00 00 01 00", [](auto& rq) {
        CHECK_EQUAL(0, rq.in_index);
        CHECK_EQUAL(1, rq.out_index);
        CHECK_EQUAL(0, rq.table_flags);
    });
}

// MS-OXCTABL 4.2.1
TEST(Rops, SetColumnsExample) {
    spec_request<RopSetColumns>(
        "12 00 01 00 06 00 14 00 48 67 14 00 4a 67 14 00 4d 67 03 00 4e 67 1f 00 37 00 40 00 06 0e", [](auto& rq) {
            CHECK_EQUAL(1, rq.in_index);
            CHECK_EQUAL(6u, rq.tags.size());
            CHECK_EQUAL(0x67480014u, rq.tags[0]);
            CHECK_EQUAL(0x0E060040u, rq.tags[5]);
        });
}

// MS-OXCTABL 4.3.1 / 4.3.2
TEST(Rops, SortTableExample) {
    spec_request<RopSortTable>("13 00 00 00 02 00 01 00 01 00 1f 30 08 80 00 40 00 06 0e 01", [](auto& rq) {
        CHECK_EQUAL(2u, rq.sort.sorts.size());
        CHECK_EQUAL(1, rq.sort.categories);
        CHECK_EQUAL(1, rq.sort.expanded);
        CHECK_EQUAL(0x8008301Fu, rq.sort.sorts[0].tag);
        CHECK_EQUAL(mapi::SortOrder::Descending, rq.sort.sorts[1].order);
    });
    spec_response<RopSortTable>("13 01 00 00 00 00 00", [](auto& r) { CHECK_EQUAL(0, r.body.table_status); });
}

// MS-OXCTABL 4.5.3.1
TEST(Rops, QueryRowsExample) {
    spec_request<RopQueryRows>("15 00 00 00 01 32 00", [](auto& rq) {
        CHECK_EQUAL(0, rq.query_rows_flags);
        CHECK(rq.forward_read);
        CHECK_EQUAL(50, rq.row_count);
    });
}

// MS-OXCPRPT 4.4.1.1
TEST(Rops, OpenStreamExample) {
    spec_request<RopOpenStream>("2B 01 00 01 02 01 9A 0E 01", [](auto& rq) {
        CHECK_EQUAL(1, rq.logon_id);
        CHECK_EQUAL(1, rq.out_index);
        CHECK_EQUAL(0x0E9A0102u, rq.property_tag);
        CHECK_EQUAL(1, rq.open_mode_flags);
    });
}

// MS-OXCROPS 4.6 / 4.7: RopSetColumns, RopOpenFolder and RopBackoff responses.
TEST(Rops, BackoffExamples) {
    spec_response<RopSetColumns>("12 00 00 00 00 00 00", [](auto& r) { CHECK_EQUAL(0, r.body.table_status); });
    Bytes logon = hex("F9 00 34 12 00 00 00 00 00");
    auto b = decode_special<RopBackoff>(logon);
    CHECK_EQUAL(0x1234u, b.duration);
    CHECK(b.rops.empty());
    CHECK(encode_special<RopBackoff>(b) == logon);

    spec_response<RopOpenFolder>("02 01 00 00 00 00 00 00", [](auto& r) {
        CHECK_EQUAL(1, r.index);
        CHECK_FALSE(r.body.has_rules);
        CHECK_FALSE(r.body.ghost.is_ghosted);
    });
    Bytes rop = hex("F9 00 00 00 00 00 01 1C 17 4F 04 00 00 00");
    b = decode_special<RopBackoff>(rop);
    CHECK_EQUAL(1u, b.rops.size());
    CHECK_EQUAL(RopCreateFolder::kId, b.rops[0].rop_id);
    CHECK_EQUAL(0x00044F17u, b.rops[0].duration);
    CHECK(encode_special<RopBackoff>(b) == rop);
}

// ----------------------------------------------------------------- layouts with variants

TEST(Rops, LogonVariants) {
    RopLogon::Request rq;
    rq.logon_id = 3;
    rq.out_index = 1;
    rq.logon_flags = RopLogon::kPrivate;
    rq.open_flags = 0x01000000;
    rq.essdn = "/o=First Organization/ou=Exchange Administrative Group/cn=Recipients/cn=user";
    Bytes b = encode_request<RopLogon>(rq);
    CHECK_EQUAL(0xFE, b[0]);
    CHECK_EQUAL(3 + 1 + 4 + 4 + 2 + rq.essdn.size() + 1, b.size());
    CHECK(decode_request<RopLogon>(b) == rq);

    Reply<RopLogon> priv;
    priv.index = 1;
    priv.body.logon_flags = RopLogon::kPrivate;
    RopLogon::PrivateMailbox pm;
    for (size_t i = 0; i < pm.folder_ids.size(); ++i) pm.folder_ids[i] = 0x0001000000000001ULL + i;
    pm.response_flags = 0x01 | 0x02 | 0x04;
    pm.mailbox_guid = guid(1);
    pm.repl_id = 1;
    pm.repl_guid = guid(2);
    pm.logon_time = {30, 15, 12, 2, 24, 6, 2025};
    pm.gwart_time = 0x01D0000000000000ULL;
    pm.store_state = 0;
    priv.body.body = pm;
    Bytes pb = encode_response<RopLogon>(priv);
    CHECK_EQUAL(6u + 1 + 104 + 1 + 16 + 2 + 16 + 8 + 8 + 4, pb.size());
    CHECK(decode_response<RopLogon>(pb) == priv);

    Reply<RopLogon> pub;
    RopLogon::PublicFolders pf;
    pf.folder_ids[0] = 1;
    pf.repl_id = 5;
    pf.repl_guid = guid(3);
    pub.body.body = pf;
    Bytes ub = encode_response<RopLogon>(pub);
    CHECK_EQUAL(6u + 1 + 104 + 2 + 16 + 16, ub.size());
    CHECK(decode_response<RopLogon>(ub) == pub);

    Reply<RopLogon> redirect;
    redirect.return_value = kWrongServer;
    redirect.body.logon_flags = RopLogon::kPrivate;
    redirect.body.body = RopLogon::Redirect{"/o=Org/ou=Site/cn=Configuration/cn=Servers/cn=MBX2"};
    Bytes rb = encode_response<RopLogon>(redirect);
    CHECK_EQUAL(6u + 1 + 1 + 50 + 1, rb.size());
    CHECK(decode_response<RopLogon>(rb) == redirect);

    // Another failure has no body.
    Reply<RopLogon> fail;
    fail.return_value = 0x80040111;
    CHECK_EQUAL(6u, encode_response<RopLogon>(fail).size());
}

TEST(Rops, NullDestinationBodies) {
    Reply<RopMoveCopyMessages> r;
    r.index = 2;
    r.return_value = kDstNullObject;
    r.body.dest_index = 5;
    r.body.partial_completion = true;
    Bytes b = encode_response<RopMoveCopyMessages>(r);
    CHECK(b == hex("33 02 03 05 00 00 05 00 00 00 01"));
    CHECK(decode_response<RopMoveCopyMessages>(b) == r);

    // A failure still carries PartialCompletion (2.2.4.6.2).
    Reply<RopMoveCopyMessages> f;
    f.return_value = 0x80040102;
    CHECK(encode_response<RopMoveCopyMessages>(f) == hex("33 00 02 01 04 80 00"));

    Reply<RopCopyTo> c;
    c.return_value = kDstNullObject;
    c.body.dest_index = 1;
    Bytes cb = encode_response<RopCopyTo>(c);
    CHECK(cb == hex("39 00 03 05 00 00 01 00 00 00"));
    CHECK(decode_response<RopCopyTo>(cb) == c);
    Reply<RopCopyTo> other;
    other.return_value = 0x80040102;
    CHECK_EQUAL(6u, encode_response<RopCopyTo>(other).size());

    Reply<RopCopyToStream> s;
    s.return_value = kDstNullObject;
    s.body.dest_index = 3;
    Bytes sb = encode_response<RopCopyToStream>(s);
    CHECK_EQUAL(6u + 4 + 16, sb.size());
    CHECK(decode_response<RopCopyToStream>(sb) == s);
}

TEST(Rops, ReadStreamMaximumByteCount) {
    spec_request<RopReadStream>("2C 00 01 00 10", [](auto& rq) { CHECK_EQUAL(0x1000u, rq.limit()); });
    spec_request<RopReadStream>("2C 00 01 BE BA 00 00 01 00", [](auto& rq) {
        CHECK_EQUAL(0xBABE, rq.byte_count);
        CHECK_EQUAL(0x10000u, rq.limit());
    });
    expect_decode_error([] { decode_request<RopReadStream>(hex("2C 00 01 BE BA 00 00")); });
}

TEST(Rops, WritePerUserInformationReplGuid) {
    RopWritePerUserInformation::Request rq;
    rq.folder_id.database_guid = guid(9);
    rq.data = {1, 2, 3};
    rq.repl_guid = guid(4);
    Bytes with = encode_request<RopWritePerUserInformation>(rq);
    CHECK_EQUAL(3u + 24 + 1 + 4 + 2 + 3 + 16, with.size());
    CHECK(decode_request<RopWritePerUserInformation>(with) == rq);
    rq.data_offset = 3;  // not the first chunk: no ReplGuid
    CHECK_EQUAL(3u + 24 + 1 + 4 + 2 + 3, encode_request<RopWritePerUserInformation>(rq).size());
    rq.data_offset = 0;
    rq.private_logon = false;  // public folders logon: no ReplGuid
    CHECK_EQUAL(3u + 24 + 1 + 4 + 2 + 3, encode_request<RopWritePerUserInformation>(rq).size());
}

TEST(Rops, GhostedFolders) {
    Reply<RopOpenFolder> r;
    r.body.has_rules = true;
    r.body.ghost = {true, 1, {"/o=Org/cn=PF1", "/o=Org/cn=PF2"}};
    Bytes b = encode_response<RopOpenFolder>(r);
    CHECK_EQUAL(6u + 2 + 4 + 14 + 14, b.size());
    CHECK(decode_response<RopOpenFolder>(b) == r);

    Reply<RopCreateFolder> c;
    c.body.folder_id = 42;
    c.body.existing = RopCreateFolder::ExistingFolder{false, {true, 0, {"srv"}}};
    Bytes cb = encode_response<RopCreateFolder>(c);
    CHECK(decode_response<RopCreateFolder>(cb) == c);

    Reply<RopPublicFolderIsGhosted> g;
    CHECK(encode_response<RopPublicFolderIsGhosted>(g) == hex("45 00 00 00 00 00 00"));
}

TEST(Rops, EightBitFolderNames) {
    RopCreateFolder::Request rq;
    rq.display_name = "Archiv";
    rq.comment = "alt";
    Bytes b = encode_request<RopCreateFolder>(rq);
    CHECK(b == hex("1C 00 00 00 00 00 00 00 41 72 63 68 69 76 00 61 6C 74 00"));
    CHECK(decode_request<RopCreateFolder>(b) == rq);
}

TEST(Rops, FindRowAndQueryRowsKeepRowDataOpaque) {
    Reply<RopFindRow> f;
    f.body.row = hex("00 01 00 00 00");
    Bytes b = encode_response<RopFindRow>(f);
    CHECK(b == hex("4F 00 00 00 00 00 00 01 00 01 00 00 00"));
    CHECK(decode_response<RopFindRow>(b) == f);
    f.body.row.reset();
    CHECK(decode_response<RopFindRow>(encode_response<RopFindRow>(f)) == f);

    Reply<RopQueryRows> q;
    q.body.origin = 2;
    q.body.row_count = 1;
    q.body.rows = hex("00 2A 00 00 00");
    CHECK(decode_response<RopQueryRows>(encode_response<RopQueryRows>(q)) == q);
}

TEST(Rops, BufferTooSmall) {
    RopBufferTooSmall::Response r;
    r.size_needed = 0x8000;
    r.request_buffers = hex("15 00 00 00 01 32 00");
    Bytes b = encode_special<RopBufferTooSmall>(r);
    CHECK(b == hex("FF 00 80 15 00 00 00 01 32 00"));
    CHECK(decode_special<RopBufferTooSmall>(b) == r);
}

// ----------------------------------------------------------------- propcodec-backed fields

TEST(Rops, PropertyRopsWithValues) {
    constexpr mapi::PropTag kSubject = 0x0037001F, kFlags = 0x0E070003, kClass = 0x001A001F;
    RopSetProperties::Request sp;
    sp.in_index = 2;
    sp.values = {mapi::PropValue::str(kSubject, "Hello"), mapi::PropValue::i32(kFlags, 9)};
    Bytes b = encode_request<RopSetProperties>(sp);
    // PropertyValueSize covers PropertyValueCount and the values.
    CHECK_EQUAL(b.size() - 5, size_t(b[3] | b[4] << 8));
    CHECK(decode_request<RopSetProperties>(b) == sp);
    Bytes bad = b;
    bad[3] = uint8_t(bad[3] + 1);
    bad.push_back(0);
    expect_decode_error([&] { decode_request<RopSetProperties>(bad); });

    for (size_t n = 0; n < b.size(); ++n)
        expect_decode_error([&] { decode_request<RopSetProperties>(ByteView(b.data(), n)); });
    RopSetPropertiesNoReplicate::Request nr = sp;
    CHECK(decode_request<RopSetPropertiesNoReplicate>(encode_request<RopSetPropertiesNoReplicate>(nr)) == nr);

    Reply<RopSetProperties> problems;
    problems.body.problems = {{1, kFlags, 0x80040102}};
    CHECK(decode_response<RopSetProperties>(encode_response<RopSetProperties>(problems)) == problems);

    Reply<RopGetPropertiesAll> all;
    all.body.values = sp.values;
    CHECK(decode_response<RopGetPropertiesAll>(encode_response<RopGetPropertiesAll>(all)) == all);

    mapi::Restriction res;
    res.type = mapi::Restriction::Property;
    res.relop = mapi::RELOP_EQ;
    res.tag = kClass;
    res.value = mapi::PropValue::str(kClass, "IPM.Note");
    RopRestrict::Request rr;
    rr.restriction = res;
    Bytes rb = encode_request<RopRestrict>(rr);
    CHECK(decode_request<RopRestrict>(rb) == rr);
    rr.restriction.reset();
    CHECK(encode_request<RopRestrict>(rr) == hex("14 00 00 00 00 00"));

    RopSetSearchCriteria::Request sc;
    sc.restriction = res;
    sc.folder_ids = {1, 2};
    sc.search_flags = 0x00000002;
    CHECK(decode_request<RopSetSearchCriteria>(encode_request<RopSetSearchCriteria>(sc)) == sc);

    RopFindRow::Request fr;
    fr.restriction = res;
    fr.origin = 1;
    fr.bookmark = {9, 9};
    CHECK(decode_request<RopFindRow>(encode_request<RopFindRow>(fr)) == fr);

    Reply<RopGetSearchCriteria> gs;
    gs.body.restriction = res;
    gs.body.folder_ids = {7};
    gs.body.search_flags = 1;
    CHECK(decode_response<RopGetSearchCriteria>(encode_response<RopGetSearchCriteria>(gs)) == gs);
}

TEST(Rops, NamedPropertyRops) {
    mapi::PropertyName by_id{guid(0x20), mapi::PropertyName::Id, 0x8501, ""};
    mapi::PropertyName by_name{guid(0x30), mapi::PropertyName::Name, 0, "Keywords"};
    RopGetPropertyIdsFromNames::Request rq;
    rq.flags = 0x02;
    rq.names = {by_id, by_name};
    CHECK(decode_request<RopGetPropertyIdsFromNames>(encode_request<RopGetPropertyIdsFromNames>(rq)) == rq);

    Reply<RopGetPropertyIdsFromNames> ids;
    ids.return_value = kWarnWithErrors;  // the ids come back with the warning too
    ids.body.property_ids = {0x8001, 0};
    Bytes ib = encode_response<RopGetPropertyIdsFromNames>(ids);
    CHECK(ib == hex("56 00 80 03 04 00 02 00 01 80 00 00"));
    CHECK(decode_response<RopGetPropertyIdsFromNames>(ib) == ids);

    Reply<RopGetNamesFromPropertyIds> names;
    names.body.names = {by_id, by_name};
    CHECK(decode_response<RopGetNamesFromPropertyIds>(encode_response<RopGetNamesFromPropertyIds>(names)) == names);

    RopQueryNamedProperties::Request q;
    q.query_flags = 0x01;
    q.property_guid = guid(5);
    Bytes qb = encode_request<RopQueryNamedProperties>(q);
    CHECK_EQUAL(3u + 2 + 16, qb.size());
    CHECK(decode_request<RopQueryNamedProperties>(qb) == q);
    q.property_guid.reset();
    CHECK(encode_request<RopQueryNamedProperties>(q) == hex("5F 00 00 01 00"));

    Reply<RopQueryNamedProperties> qr;
    qr.body.property_ids = {0x8001, 0x8002};
    qr.body.names = {by_id, by_name};
    CHECK(decode_response<RopQueryNamedProperties>(encode_response<RopQueryNamedProperties>(qr)) == qr);
    qr.body.names.pop_back();  // counts must agree
    CHECK_THROWS(std::invalid_argument, encode_response<RopQueryNamedProperties>(qr));
}

// ----------------------------------------------------------------- every ROP

// Requests and responses of every declared ROP, decoded from deterministic
// noise: decode -> encode -> decode is stable, and truncated requests throw.
TEST(Rops, EveryRopRoundTrips) {
    std::apply(
        [](auto... r) {
            auto one = [](auto rop) {
                using R = decltype(rop);
                Noise noise{R::kId * 0x9E3779B97F4A7C15ULL + 1};
                int requests = 0, responses = 0;
                for (int i = 0; i < 400; ++i) {
                    Bytes body = noise.bytes(4 + i % 96);
                    requests += round_trip_request<R>(body);
                    for (uint32_t rv : kCodes) responses += round_trip_response<R>(rv, body);
                }
                // PropertyValueSize must match the values exactly, which noise
                // never does: RopSetProperties* are covered by PropertyRopsWithValues.
                if (!std::is_same_v<typename R::Request, SetPropertiesRequest>) CHECK_TEXT(requests > 0, R::kName);
                CHECK_TEXT(responses > 0, R::kName);
            };
            (one(r), ...);
        },
        CoreRops{});
}

TEST(Rops, TruncatedRequestsThrow) {
    expect_decode_error([] { decode_request<RopOpenFolder>(hex("02 00 00 01 01 00 00 00 0E 8E DF")); });
    expect_decode_error([] { decode_request<RopLogon>(hex("FE 00 00 01 00 00 00 00 00 00 00 00 05 00 2F 6F")); });
    expect_decode_error([] { decode_request<RopSetColumns>(hex("12 00 01 00 02 00 14 00 48 67")); });
    expect_decode_error([] { decode_request<RopCreateFolder>(hex("1C 00 00 01 01 01 00 00 46 00 6F 00")); });
    expect_decode_error([] { decode_request<RopGetCollapseState>(hex("6B 00 00 01 02 03 04 05 06 07 08 00 00")); });
    // A count larger than what remains is rejected before anything is allocated.
    expect_decode_error([] { decode_request<RopDeleteMessages>(hex("1E 00 00 00 00 FF FF")); });
    // Trailing bytes after a whole request are an error for decode_request.
    expect_decode_error([] { decode_request<RopGetStoreState>(hex("7B 00 00 00")); });
}
