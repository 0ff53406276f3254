// NSPI / RFR stubs. The request fixtures are the bytes impacket 0.10 (an
// independent NDR implementation) marshals for the same calls; MS-OXNSPI's
// Protocol Examples (section 4) list field values, not bytes, and their
// values are used for the NspiBind case.
#include "libmapi/oxnspi.h"

#include "tests/unit/testutil.h"

#include <CppUTest/TestHarness.h>

using namespace mg;
using namespace mg::oxnspi;
namespace ox = mg::oxnspi;
using mg::test::hex;
using mg::test::check_bytes;
using mg::test::expect_decode_error;

namespace {

const char* kHandle = "00000000 0102030405060708090a0b0c0d0e0f10";

template <class T>
void every_prefix_rejected(const Bytes& full) {
    for (size_t n = 0; n + 8 <= full.size(); ++n) {  // the last < 8 bytes may look like padding
        Bytes cut(full.begin(), full.begin() + long(n));
        try {
            T::decode(cut);
        } catch (const DecodeError&) {
            continue;
        }
        FAIL(("prefix of " + std::to_string(n) + " bytes accepted for " + T::kName).c_str());
    }
}

template <class T>
T round_trip(const T& v) {
    T again = T::decode(v.encode());
    CHECK(again == v);
    return again;
}

}  // namespace

TEST_GROUP(Oxnspi){};

TEST(Oxnspi, BindRequestOfTheSpecExample) {
    // MS-OXNSPI 4: dwFlags 0, CodePage 0x4e4, locales 0x409, pServerGuid
    // pointing at 16 bytes for the server to fill in.
    Bytes b = hex("00000000"
                  "00000000 00000000 00000000 00000000 00000000 00000000 e4040000 09040000 09040000"
                  "00000200 00000000000000000000000000000000");
    auto r = BindRequest::decode(b);
    LONGS_EQUAL(0x4e4, r.stat.CodePage);
    LONGS_EQUAL(0x409, r.stat.SortLocale);
    CHECK(r.serverGuid.has_value());
    check_bytes(b, r.encode());
    every_prefix_rejected<BindRequest>(b);
}

TEST(Oxnspi, QueryRowsRequestFromImpacket) {
    Bytes b = hex(std::string(kHandle).append(
                      "01000000 000000000000000000000000000000000000000000000000000000000000000000000000"
                      "00000000 00000000 32000000 8e8e0000 03000000 02000000 00000000 02000000 1f000130 1f00fe39")
                      .c_str());
    auto r = QueryRowsRequest::decode(b);
    LONGS_EQUAL(1, r.dwFlags);
    CHECK(!r.eTable);
    LONGS_EQUAL(50, r.Count);
    CHECK(r.propTags.has_value());
    LONGS_EQUAL(2, r.propTags->values.size());
    LONGS_EQUAL(0x3001001f, r.propTags->values[0]);
    LONGS_EQUAL(0x39fe001f, r.propTags->values[1]);
    round_trip(r);
    every_prefix_rejected<QueryRowsRequest>(b);

    Bytes e = hex(std::string(kHandle).append(
                      "01000000 000000000000000000000000000000000000000000000000000000000000000000000000"
                      "02000000 190b0000 02000000 01100000 02100000 05000000 00000000")
                      .c_str());
    auto r2 = QueryRowsRequest::decode(e);
    CHECK(r2.eTable.has_value());
    LONGS_EQUAL(2, r2.eTable->size());
    LONGS_EQUAL(0x1002, (*r2.eTable)[1]);
    CHECK(!r2.propTags);
}

TEST(Oxnspi, ResolveNamesWRequestFromImpacket) {
    Bytes b = hex(std::string(kHandle).append(
                      "00000000 000000000000000000000000000000000000000000000000000000000000000000000000"
                      "128a0000 02000000 01000000 00000000 01000000 1f000130"
                      "02000000 02000000 43d60000 7e070000"
                      "06000000 00000000 06000000 61006c00690063006500 0000"
                      "03000000 00000000 03000000 4200f6000000")
                      .c_str());
    auto r = ResolveNamesWRequest::decode(b);
    LONGS_EQUAL(2, r.strings.size());
    STRCMP_EQUAL("alice", r.strings[0]->c_str());
    STRCMP_EQUAL("B\xc3\xb6", r.strings[1]->c_str());
    LONGS_EQUAL(1, r.propTags->values.size());
    round_trip(r);
    every_prefix_rejected<ResolveNamesWRequest>(b);
}

TEST(Oxnspi, DNToMIdAndSeekEntriesFromImpacket) {
    Bytes d = hex(std::string(kHandle).append(
                      "00000000 01000000 01000000 05b80000 1b000000 00000000 1b000000"
                      "2f6f3d4669727374204f7267616e697a6174696f6e2f636e3d7800")
                      .c_str());
    auto r = DNToMIdRequest::decode(d);
    LONGS_EQUAL(1, r.names.size());
    STRCMP_EQUAL("/o=First Organization/cn=x", r.names[0]->c_str());
    round_trip(r);

    Bytes s = hex(std::string(kHandle).append(
                      "00000000 000000000000000000000000000000000000000000000000000000000000000000000000"
                      "1f000130 00000000 1f000000 e5b20000"
                      "04000000 00000000 04000000 42006f0062000000"
                      "00000000 00000200 02000000 01000000 00000000 01000000 1f000130")
                      .c_str());
    // (impacket 0.10's hNspiSeekEntries marshals a NULL pPropTags referent
    // followed by the array; the fixture carries the referent it means.)
    auto q = SeekEntriesRequest::decode(s);
    LONGS_EQUAL(0x3001001f, q.target.tag);
    STRCMP_EQUAL("Bob", q.target.as_str().c_str());
    CHECK(!q.eTable);
}

TEST(Oxnspi, RowSetRoundTripWithEveryArm) {
    using namespace mg::mapi;
    QueryRowsResponse resp;
    resp.stat.CurrentRec = 0x1001;
    PropertyRowSet rs;
    PropertyRow row;
    row.props.push_back(PropValue::str(0x3001001f, "J\xc3\xb6rg \xf0\x9f\x98\x80"));
    row.props.push_back(PropValue::str(0x3001001e, "plain"));
    row.props.push_back(PropValue::i32(0x0ffe0003, 6));
    row.props.push_back(PropValue::i16(make_tag(0x6601, PT_SHORT), -2));
    row.props.push_back(PropValue::boolean(make_tag(0x6602, PT_BOOLEAN), true));
    row.props.push_back(PropValue::bin(0x0fff0102, Bytes{1, 2, 3}));
    row.props.push_back(PropValue::bin(make_tag(0x6603, PT_BINARY), Bytes{}));
    row.props.push_back(PropValue::error(0x8c6a1102, ec::NotFound));
    row.props.push_back(PropValue::i64(make_tag(0x3007, PT_SYSTIME), 0x01d2000012345678LL));
    row.props.push_back(PropValue::guid(make_tag(0x6604, PT_CLSID), Guid::parse("c840a7dc-42c0-1a10-b4b9-08002b2fe182")));
    PropValue mv;
    mv.tag = 0x800f101f;
    mv.value = std::vector<std::string>{"SMTP:a@b.c", "smtp:x@y.z"};
    row.props.push_back(mv);
    PropValue mb;
    mb.tag = 0x8c6a1102;
    mb.value = std::vector<Bytes>{Bytes{9, 9}, Bytes{}};
    row.props.push_back(mb);
    PropValue ml;
    ml.tag = make_tag(0x6605, PT_MV_LONG);
    ml.value = std::vector<int32_t>{1, -1};
    row.props.push_back(ml);
    PropValue mg_;
    mg_.tag = make_tag(0x6606, PT_MV_CLSID);
    mg_.value = std::vector<Guid>{Guid{}, Guid::parse("c840a7dc-42c0-1a10-b4b9-08002b2fe182")};
    row.props.push_back(mg_);
    row.props.push_back(PropValue::null(make_tag(0x6607, PT_LONG)));
    rs.rows.push_back(row);
    rs.rows.push_back(PropertyRow{});
    resp.rows = rs;
    resp.result = 0;
    auto again = round_trip(resp);
    STRCMP_EQUAL("J\xc3\xb6rg \xf0\x9f\x98\x80", again.rows->rows[0].props[0].as_str().c_str());
    every_prefix_rejected<QueryRowsResponse>(resp.encode());
}

TEST(Oxnspi, GetMatchesRequestWithRestrictions) {
    using namespace mg::mapi;
    GetMatchesRequest g;
    g.stat.CodePage = 1252;
    Restriction anr;
    anr.type = Restriction::Property;
    anr.relop = RELOP_EQ;
    anr.tag = 0x360c001f;
    anr.value = PropValue::str(0x360c001f, "ali");
    Restriction ex;
    ex.type = Restriction::Exist;
    ex.tag = 0x3001001f;
    Restriction content;
    content.type = Restriction::Content;
    content.fuzzy = FL_PREFIX | (FL_IGNORECASE << 16);
    content.tag = 0x3001001e;
    content.value = PropValue::str(0x3001001e, "Al");
    Restriction no;
    no.type = Restriction::Not;
    no.children.push_back(ex);
    Restriction both;
    both.type = Restriction::And;
    both.children = {anr, no, content};
    Restriction bm;
    bm.type = Restriction::Bitmask;
    bm.bitmap_op = BMR_NEZ;
    bm.tag = 0x39000003;
    bm.mask = 1;
    Restriction top;
    top.type = Restriction::Or;
    top.children = {both, bm, Restriction{}};  // an empty And
    g.filter = top;
    g.propName = ox::PropertyName{Guid{}, 0, 0x8005};
    g.ulRequested = 100;
    g.propTags = TagArray{{0x3001001f}};
    auto r = round_trip(g);
    CHECK(r.filter->children[0].children[2].value->as_str() == "Al");
    every_prefix_rejected<GetMatchesRequest>(g.encode());
}

TEST(Oxnspi, RestrictionNestingIsBounded) {
    using namespace mg::mapi;
    Restriction r;
    r.type = Restriction::Exist;
    for (int i = 0; i < kMaxRestrictionDepth + 3; ++i) {
        Restriction n;
        n.type = Restriction::Not;
        n.children.push_back(r);
        r = n;
    }
    GetMatchesRequest g;
    g.filter = r;
    mg::test::expect_throw<ndr::EncodeError>([&] { g.encode(); }, "nested too deeply");
}

TEST(Oxnspi, MalformedValuesAreRejected) {
    // A PropertyValue_r of a type without a PROP_VAL_UNION arm (PT_DOUBLE).
    Bytes s = hex(std::string(kHandle).append(
                      "00000000 000000000000000000000000000000000000000000000000000000000000000000000000"
                      "05000130 00000000 05000000 0000000000000000 00000000 00000000")
                      .c_str());
    expect_decode_error([&] { SeekEntriesRequest::decode(s); }, "no PROP_VAL_UNION arm");
    // A row count beyond range(0,100000).
    Bytes q = hex("00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000"
                  "00000200 a1860100 a1860100");
    expect_decode_error([&] { QueryRowsResponse::decode(q); }, "exceeds maximum");
    // A PropertyTagArray_r whose actual_count exceeds max_count.
    Bytes t = hex("00000200 02000000 01000000 00000000 05000000 00000000");
    expect_decode_error([&] { TagArrayResponse::decode(t); }, "exceeds max_count");
}

TEST(Oxnspi, OtherMessagesRoundTrip) {
    GetIDsFromNamesRequest ids;
    ids.names.push_back(PropertyName{mapi::Guid{}, 0, 0x8005});
    ids.names.push_back(std::nullopt);
    round_trip(ids);
    GetNamesFromIDsResponse names;
    names.returnedTags = TagArray{{0x80050003}};
    names.names = std::vector<PropertyName>{PropertyName{mapi::Guid{}, 0, 5}};
    round_trip(names);
    ModLinkAttRequest ml;
    ml.ulPropTag = 0x8015101e;
    ml.entryIds = {Bytes{0, 0, 0, 0, 1}, Bytes{7}};
    round_trip(ml);
    ModPropsRequest mp;
    mp.row.props.push_back(mapi::PropValue::str(0x3001001e, "x"));
    round_trip(mp);
    GetTemplateInfoRequest ti;
    ti.dn = "/o=x";
    round_trip(ti);
    ResortRestrictionRequest rr;
    rr.inMIds.values = {1, 2, 3};
    rr.outMIds = TagArray{};
    round_trip(rr);
    UpdateStatResponse us;
    us.delta = -3;
    round_trip(us);
    GetSpecialTableResponse st;
    st.version = 7;
    st.rows = PropertyRowSet{};
    round_trip(st);
    RowResponse gp;
    gp.row = PropertyRow{};
    round_trip(gp);
}

TEST(Oxnspi, RfrFromImpacket) {
    using namespace mg::oxabref;
    // hRfrGetNewDSA(pUserDN="/o=x"): ppszUnused NULL, ppszServer -> "" .
    GetNewDSARequest rq;
    rq.userDN = "/o=x";
    rq.server = std::optional<std::string>(std::string());
    auto rq2 = round_trip(rq);
    CHECK(rq2.server && *rq2.server && (*rq2.server)->empty());
    GetNewDSAResponse rs;
    rs.server = std::optional<std::string>(std::string("dc.example.com"));
    round_trip(rs);
    GetFQDNFromServerDNRequest f;
    f.serverDN = "/o=First Organization/ou=x/cn=Configuration/cn=Servers/cn=DC";
    f.cbMailboxServerDN = uint32_t(f.serverDN.size() + 1);
    round_trip(f);
    f.cbMailboxServerDN = 5;
    mg::test::expect_throw<ndr::EncodeError>([&] { f.encode(); }, "outside range");
}
