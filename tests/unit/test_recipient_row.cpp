// RecipientRow (MS-OXCDATA 2.8.3, libmapi/recipient_row.h): hand-assembled
// rows for each Type and flag, round trips, truncation, and the mapping to
// and from recipient properties.
#include "libmapi/proptags.h"
#include "libmapi/recipient_row.h"

#include "tests/unit/testutil.h"

#include <CppUTest/TestHarness.h>

using namespace mg;
using namespace mg::mapi;
using mg::test::hex;

namespace rf = mg::mapi::recipient_flags;

namespace {

const std::vector<PropTag> kColumns = {PidTagRecipientTrackStatus, PidTagRecipientOrder};

RecipientRow decode(const Bytes& b, const std::vector<PropTag>& cols = kColumns) {
    ByteReader r(b);
    RecipientRow row = read_recipient_row(r, cols);
    LONGS_EQUAL(0, r.remaining());
    return row;
}

Bytes encode(const RecipientRow& row, const std::vector<PropTag>& cols = kColumns) {
    ByteWriter w;
    write_recipient_row(w, cols, row);
    return w.take();
}

// Bytes decode to `row`, re-encode identically, and every proper prefix is
// rejected.
void row_is(const char* bytes, const RecipientRow& row, const std::vector<PropTag>& cols = kColumns) {
    Bytes b = hex(bytes);
    CHECK(decode(b, cols) == row);
    test::check_bytes(b, encode(row, cols));
    for (size_t n = 0; n < b.size(); ++n) {
        Bytes part(b.begin(), b.begin() + n);
        test::expect_decode_error([&] { decode(part, cols); }, "");
    }
}

const PropValue* find(const PropList& l, PropTag t) {
    for (const auto& v : l)
        if (v.tag == t) return &v;
    return nullptr;
}

}  // namespace

TEST_GROUP(RecipientRow){};

// Type SMTP with E, D, S (transmittable name = display name) and U; a
// StandardPropertyRow of the two columns.
TEST(RecipientRow, SmtpUnicode) {
    RecipientRow row;
    row.flags = 0x0003 | rf::kEmailAddress | rf::kDisplayName | rf::kSameAsDisplay | rf::kUnicode;
    row.email_address = "a@b.c";
    row.display_name = "Al";
    row.properties = {PropValue::i32(PidTagRecipientTrackStatus, 0), PropValue::i32(PidTagRecipientOrder, 1)};
    row_is("5b02 6100 4000 6200 2e00 6300 0000 4100 6c00 0000 0200 00 00000000 01000000", row);
    CHECK(row.type() == RecipientAddressType::Smtp);

    auto props = recipient_properties(row, kColumns);
    STRCMP_EQUAL("SMTP", find(props, PidTagAddressType)->as_str().c_str());
    STRCMP_EQUAL("a@b.c", find(props, PidTagEmailAddress)->as_str().c_str());
    STRCMP_EQUAL("Al", find(props, PidTagDisplayName)->as_str().c_str());
    STRCMP_EQUAL("Al", find(props, PidTagTransmittableDisplayName)->as_str().c_str());
    CHECK(find(props, PidTagSendRichInfo)->as_bool());
    CHECK(!find(props, PidTagResponsibility)->as_bool());
    LONGS_EQUAL(1, find(props, PidTagRecipientOrder)->as_i32());
    // And back: the same row.
    CHECK(recipient_row_of(props, kColumns) == row);
}

// Type X500DN: AddressPrefixUsed, DisplayType and the DN (8-bit), then D in
// 8-bit (no U); R and N set; no RecipientProperties.
TEST(RecipientRow, X500DnWithPrefix) {
    RecipientRow row;
    row.flags = 0x0001 | rf::kDisplayName | rf::kResponsibility | rf::kNonRich;
    row.address_prefix_used = 3;
    row.display_type = 0;
    row.x500dn = "cn=bob";
    row.display_name = "Bob";
    row_is("9101 03 00 636e3d626f6200 426f6200 0000 00", row);
    // The DN is completed with the logon's DN prefix.
    auto props = recipient_properties(row, kColumns, "/o=First Organization");
    STRCMP_EQUAL("EX", find(props, PidTagAddressType)->as_str().c_str());
    STRCMP_EQUAL("/o=cn=bob", find(props, PidTagEmailAddress)->as_str().c_str());
    CHECK(find(props, PidTagResponsibility)->as_bool());
    CHECK(!find(props, PidTagSendRichInfo)->as_bool());
    // A prefix longer than the logon's DN is refused.
    test::expect_decode_error([&] { recipient_properties(row, kColumns, "/o"); }, "AddressPrefixUsed");
    // Written back, the full DN travels with no prefix.
    auto again = recipient_row_of(props, {});
    CHECK(again.type() == RecipientAddressType::X500DN);
    STRCMP_EQUAL("/o=cn=bob", again.x500dn.c_str());
    LONGS_EQUAL(0, again.address_prefix_used);
}

// NoType with O: the AddressType string (8-bit), then E, I and T in UTF-16.
TEST(RecipientRow, NonStandardAddressType) {
    RecipientRow row;
    row.flags = rf::kNonStandard | rf::kEmailAddress | rf::kSimpleDisplayName | rf::kTransmittable | rf::kUnicode;
    row.address_type = "X400";
    row.email_address = "c";
    row.simple_display_name = "s";
    row.transmittable_display_name = "t";
    row.properties = {PropValue::i32(PidTagRecipientTrackStatus, 2)};
    row_is("2886 5834303000 6300 0000 7300 0000 7400 0000 0100 00 02000000", row);
    auto props = recipient_properties(row, kColumns);
    STRCMP_EQUAL("X400", find(props, PidTagAddressType)->as_str().c_str());
    STRCMP_EQUAL("s", find(props, PidTagAddressBookDisplayNamePrintable)->as_str().c_str());
    STRCMP_EQUAL("t", find(props, PidTagTransmittableDisplayName)->as_str().c_str());
}

// Personal distribution list: EntryIdSize + EntryID, SearchKeySize +
// SearchKey; a FlaggedPropertyRow when a value is missing.
TEST(RecipientRow, PersonalDistributionList) {
    RecipientRow row;
    row.flags = 0x0006 | rf::kDisplayName | rf::kUnicode;
    row.entry_id = {0xAA, 0xBB};
    row.search_key = {0xCC};
    row.display_name = "L";
    row.properties = {PropValue::error(PidTagRecipientTrackStatus, ec::NotFound), PropValue::i32(PidTagRecipientOrder, 7)};
    row_is("1602 0200 aabb 0100 cc 4c00 0000 0200 01 0a 0f010480 00 07000000", row);
    auto props = recipient_properties(row, kColumns);
    STRCMP_EQUAL("MAPIPDL", find(props, PidTagAddressType)->as_str().c_str());
    CHECK(find(props, PidTagEntryId)->as_bin() == (Bytes{0xAA, 0xBB}));
    CHECK(find(props, PidTagSearchKey)->as_bin() == (Bytes{0xCC}));
    CHECK(!find(props, PidTagRecipientTrackStatus));  // a missing value is no property
}

TEST(RecipientRow, ColumnCountLargerThanTheColumnsIsRejected) {
    test::expect_decode_error([] { decode(hex("0000 0300 00 00000000 00000000 00000000")); }, "RecipientColumnCount");
    RecipientRow row;
    row.properties = {PropValue::i32(PidTagRecipientOrder, 1)};
    test::expect_throw<EncodeError>([&] { encode(row, {}); }, "more property values");
}

// Reserved bits do not change the layout and survive a round trip.
TEST(RecipientRow, ReservedBitsArePreserved) {
    RecipientRow row;
    row.flags = rf::kReserved;
    row_is("0078 0000 00", row);
}
