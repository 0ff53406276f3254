// RecipientRow (MS-OXCDATA 2.8.3): one recipient of a message as
// RopModifyRecipients, RopReadRecipients, RopOpenMessage,
// RopReloadCachedInformation and RopOpenEmbeddedMessage carry it. Declared
// once here: the structure, its codec, and the mapping between a row and the
// recipient's properties (MS-OXCMSG 2.2.1.x / MS-OXOABK names).
//
// Layout: RecipientFlags (2), then by the Type in the flags AddressPrefixUsed
// (1), DisplayType (1) and X500DN (8-bit, null-terminated) for X500DN;
// EntryIdSize (2) + EntryID and SearchKeySize (2) + SearchKey for the
// personal distribution lists; AddressType (8-bit) for NoType with the O
// bit; then EmailAddress (E), DisplayName (D), SimpleDisplayName (I),
// TransmittableDisplayName (T), each UTF-16LE when U is set, 8-bit
// otherwise; RecipientColumnCount (2) and a PropertyRow (MS-OXCDATA 2.8.1) of
// the first RecipientColumnCount columns of the ROP's RecipientColumns.
#pragma once

#include "common/bytes.h"
#include "libmapi/propcodec.h"
#include "libmapi/property.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mg::mapi {

// RecipientFlags (MS-OXCDATA 2.8.3.1). The low byte holds R S T D E and the
// Type; the high byte O, four reserved bits, I U N.
namespace recipient_flags {
inline constexpr uint16_t kTypeMask = 0x0007;
inline constexpr uint16_t kEmailAddress = 0x0008;       // E: EmailAddress present
inline constexpr uint16_t kDisplayName = 0x0010;        // D: DisplayName present
inline constexpr uint16_t kTransmittable = 0x0020;      // T: TransmittableDisplayName present
inline constexpr uint16_t kSameAsDisplay = 0x0040;      // S: TransmittableDisplayName equals DisplayName
inline constexpr uint16_t kResponsibility = 0x0080;     // R: PidTagResponsibility
inline constexpr uint16_t kNonRich = 0x0100;            // N: PidTagSendRichInfo is false
inline constexpr uint16_t kUnicode = 0x0200;            // U: strings are UTF-16LE
inline constexpr uint16_t kSimpleDisplayName = 0x0400;  // I: SimpleDisplayName present
inline constexpr uint16_t kReserved = 0x7800;
inline constexpr uint16_t kNonStandard = 0x8000;        // O: AddressType present (Type NoType)
}  // namespace recipient_flags

// Type field of RecipientFlags.
enum class RecipientAddressType : uint8_t {
    NoType = 0, X500DN = 1, MsMail = 2, Smtp = 3, Fax = 4, ProfessionalOfficeSystem = 5,
    PersonalDistributionList1 = 6, PersonalDistributionList2 = 7,
};

struct RecipientRow {
    uint16_t flags = 0;
    // Type X500DN.
    uint8_t address_prefix_used = 0;
    uint8_t display_type = 0;
    std::string x500dn;
    // Types PersonalDistributionList1/2.
    Bytes entry_id, search_key;
    // Type NoType with the O bit.
    std::string address_type;
    // E, D, I, T (UTF-8 in memory).
    std::string email_address, display_name, simple_display_name, transmittable_display_name;
    // RecipientColumnCount values, for the first columns of RecipientColumns.
    PropList properties;
    bool operator==(const RecipientRow&) const = default;

    RecipientAddressType type() const { return RecipientAddressType(flags & recipient_flags::kTypeMask); }
};

// Decodes a RecipientRow whose RecipientProperties use `columns`; throws
// DecodeError when it is malformed, uses reserved flag bits, or counts more
// columns than there are.
RecipientRow read_recipient_row(ByteReader& r, const std::vector<PropTag>& columns, const CodecOptions& o = {});
// Encodes `row`; row.properties are the values of the first
// row.properties.size() columns (EncodeError when there are more values than
// columns).
void write_recipient_row(ByteWriter& w, const std::vector<PropTag>& columns, const RecipientRow& row,
                         const CodecOptions& o = {});

// ---------------------------------------------------------------- properties
// The properties a row stands for (MS-OXCMSG 3.2.5.5): PidTagAddressType,
// PidTagEmailAddress (the X500DN completed with the first
// AddressPrefixUsed characters of `prefix_dn`, the logon's DN),
// PidTagDisplayName, PidTagAddressBookDisplayNamePrintable (SimpleDisplayName),
// PidTagTransmittableDisplayName, PidTagDisplayType, PidTagEntryId,
// PidTagSearchKey, PidTagResponsibility, PidTagSendRichInfo, then the
// RecipientProperties. Throws DecodeError when AddressPrefixUsed is longer
// than `prefix_dn`.
PropList recipient_properties(const RecipientRow& row, const std::vector<PropTag>& columns,
                              const std::string& prefix_dn = {});
// The row of a recipient's properties: the Type from PidTagAddressType
// (EX -> X500DN, SMTP, MSMAIL, FAX, PROFS, MAPIPDL with an entry id; any
// other -> NoType with O), Unicode strings, and `columns` as
// RecipientProperties (missing values are PT_ERROR ecNotFound).
RecipientRow recipient_row_of(const PropList& props, const std::vector<PropTag>& columns);
// True for the properties the row's fixed fields carry (they are not
// RecipientColumns).
bool is_recipient_row_property(PropTag tag);

}  // namespace mg::mapi
