#include "libmapi/recipient_row.h"

#include "libmapi/proptags.h"

#include <algorithm>
#include <map>

namespace mg::mapi {

namespace rf = recipient_flags;

namespace {

using Type = RecipientAddressType;

bool has_pdl_ids(Type t) { return t == Type::PersonalDistributionList1 || t == Type::PersonalDistributionList2; }

std::string read_str(ByteReader& r, bool unicode, const CodecOptions& o) {
    return unicode ? read_unicode(r) : read_string8(r, o);
}
void write_str(ByteWriter& w, const std::string& s, bool unicode, const CodecOptions& o) {
    unicode ? write_unicode(w, s) : write_string8(w, s, o);
}

void write_counted(ByteWriter& w, const Bytes& b, const char* what) {
    if (b.size() > 0xFFFF) throw EncodeError(std::string(what) + " longer than 65535 bytes");
    w.u16(uint16_t(b.size()));
    w.raw(b);
}

// The address type a Type stands for (MS-OXCDATA 2.8.3.1), "" for NoType.
const char* address_type_name(Type t) {
    switch (t) {
    case Type::X500DN: return "EX";
    case Type::MsMail: return "MSMAIL";
    case Type::Smtp: return "SMTP";
    case Type::Fax: return "FAX";
    case Type::ProfessionalOfficeSystem: return "PROFS";
    case Type::PersonalDistributionList1:
    case Type::PersonalDistributionList2: return "MAPIPDL";
    case Type::NoType: break;
    }
    return "";
}

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::toupper(c)); });
    return s;
}

}  // namespace

RecipientRow read_recipient_row(ByteReader& r, const std::vector<PropTag>& columns, const CodecOptions& o) {
    RecipientRow row;
    row.flags = r.u16();
    const bool unicode = row.flags & rf::kUnicode;
    const Type type = row.type();
    if (type == Type::X500DN) {
        row.address_prefix_used = r.u8();
        row.display_type = r.u8();
        row.x500dn = read_string8(r, o);
    }
    if (has_pdl_ids(type)) {
        row.entry_id = r.bytes(r.u16(), "RecipientRow EntryID");
        row.search_key = r.bytes(r.u16(), "RecipientRow SearchKey");
    }
    if (type == Type::NoType && (row.flags & rf::kNonStandard)) row.address_type = read_string8(r, o);
    if (row.flags & rf::kEmailAddress) row.email_address = read_str(r, unicode, o);
    if (row.flags & rf::kDisplayName) row.display_name = read_str(r, unicode, o);
    if (row.flags & rf::kSimpleDisplayName) row.simple_display_name = read_str(r, unicode, o);
    if (row.flags & rf::kTransmittable) row.transmittable_display_name = read_str(r, unicode, o);
    uint16_t count = r.u16();
    if (count > columns.size())
        throw DecodeError("RecipientRow: RecipientColumnCount larger than the RecipientColumns");
    std::vector<PropTag> used(columns.begin(), columns.begin() + count);
    row.properties = read_property_row(r, used, o);
    return row;
}

void write_recipient_row(ByteWriter& w, const std::vector<PropTag>& columns, const RecipientRow& row,
                         const CodecOptions& o) {
    if (row.properties.size() > columns.size())
        throw EncodeError("RecipientRow: more property values than RecipientColumns");
    const bool unicode = row.flags & rf::kUnicode;
    const Type type = row.type();
    w.u16(row.flags);
    if (type == Type::X500DN) {
        w.u8(row.address_prefix_used);
        w.u8(row.display_type);
        write_string8(w, row.x500dn, o);
    }
    if (has_pdl_ids(type)) {
        write_counted(w, row.entry_id, "RecipientRow EntryID");
        write_counted(w, row.search_key, "RecipientRow SearchKey");
    }
    if (type == Type::NoType && (row.flags & rf::kNonStandard)) write_string8(w, row.address_type, o);
    if (row.flags & rf::kEmailAddress) write_str(w, row.email_address, unicode, o);
    if (row.flags & rf::kDisplayName) write_str(w, row.display_name, unicode, o);
    if (row.flags & rf::kSimpleDisplayName) write_str(w, row.simple_display_name, unicode, o);
    if (row.flags & rf::kTransmittable) write_str(w, row.transmittable_display_name, unicode, o);
    w.u16(uint16_t(row.properties.size()));
    std::vector<PropTag> used(columns.begin(), columns.begin() + row.properties.size());
    write_property_row(w, used, row.properties, o);
}

// ---------------------------------------------------------------- properties

bool is_recipient_row_property(PropTag tag) {
    switch (prop_id(tag)) {
    case prop_id(PidTagAddressType):
    case prop_id(PidTagEmailAddress):
    case prop_id(PidTagDisplayName):
    case prop_id(PidTagAddressBookDisplayNamePrintable):
    case prop_id(PidTagTransmittableDisplayName):
    case prop_id(PidTagDisplayType):
    case prop_id(PidTagEntryId):
    case prop_id(PidTagSearchKey):
    case prop_id(PidTagResponsibility):
    case prop_id(PidTagSendRichInfo):
        return true;
    default:
        return false;
    }
}

PropList recipient_properties(const RecipientRow& row, const std::vector<PropTag>& columns,
                              const std::string& prefix_dn) {
    std::map<uint16_t, PropValue> out;
    auto put = [&out](PropValue v) { out.insert_or_assign(prop_id(v.tag), std::move(v)); };
    const Type type = row.type();
    if (type == Type::X500DN) {
        if (row.address_prefix_used > prefix_dn.size())
            throw DecodeError("RecipientRow: AddressPrefixUsed longer than the logon's DN");
        put(PropValue::str(PidTagEmailAddress, prefix_dn.substr(0, row.address_prefix_used) + row.x500dn));
        put(PropValue::i32(PidTagDisplayType, row.display_type));
    } else if (row.flags & rf::kEmailAddress) {
        put(PropValue::str(PidTagEmailAddress, row.email_address));
    }
    if (has_pdl_ids(type)) {
        put(PropValue::bin(PidTagEntryId, row.entry_id));
        put(PropValue::bin(PidTagSearchKey, row.search_key));
    }
    if (type != Type::NoType) put(PropValue::str(PidTagAddressType, address_type_name(type)));
    else if (row.flags & rf::kNonStandard) put(PropValue::str(PidTagAddressType, row.address_type));
    if (row.flags & rf::kDisplayName) put(PropValue::str(PidTagDisplayName, row.display_name));
    if (row.flags & rf::kSimpleDisplayName)
        put(PropValue::str(PidTagAddressBookDisplayNamePrintable, row.simple_display_name));
    if (row.flags & rf::kTransmittable)
        put(PropValue::str(PidTagTransmittableDisplayName, row.transmittable_display_name));
    else if ((row.flags & rf::kSameAsDisplay) && (row.flags & rf::kDisplayName))
        put(PropValue::str(PidTagTransmittableDisplayName, row.display_name));
    put(PropValue::boolean(PidTagResponsibility, row.flags & rf::kResponsibility));
    put(PropValue::boolean(PidTagSendRichInfo, !(row.flags & rf::kNonRich)));
    for (size_t i = 0; i < row.properties.size() && i < columns.size(); ++i) {
        const PropValue& v = row.properties[i];
        if (v.is_missing() || is_recipient_row_property(v.tag)) continue;
        out.try_emplace(prop_id(v.tag), v);
    }
    PropList list;
    for (auto& [id, v] : out) list.push_back(std::move(v));
    return list;
}

RecipientRow recipient_row_of(const PropList& props, const std::vector<PropTag>& columns) {
    auto find = [&props](PropTag tag) -> const PropValue* {
        for (const auto& v : props)
            if (prop_id(v.tag) == prop_id(tag) && !v.is_missing()) return &v;
        return nullptr;
    };
    auto text = [&find](PropTag tag) -> std::optional<std::string> {
        const PropValue* v = find(tag);
        if (v)
            if (auto* s = std::get_if<std::string>(&v->value)) return *s;
        return std::nullopt;
    };
    RecipientRow row;
    uint16_t flags = rf::kUnicode;
    const std::string addrtype = upper(text(PidTagAddressType).value_or(""));
    auto email = text(PidTagEmailAddress);
    if (!email && addrtype == "SMTP") email = text(PidTagSmtpAddress);
    const PropValue* entry_id = find(PidTagEntryId);
    const PropValue* search_key = find(PidTagSearchKey);
    Type type = Type::NoType;
    if (addrtype == "EX" && email) type = Type::X500DN;
    else if (addrtype == "SMTP") type = Type::Smtp;
    else if (addrtype == "MSMAIL") type = Type::MsMail;
    else if (addrtype == "FAX") type = Type::Fax;
    else if (addrtype == "PROFS") type = Type::ProfessionalOfficeSystem;
    else if (addrtype == "MAPIPDL" && entry_id && search_key && std::holds_alternative<Bytes>(entry_id->value) &&
             std::holds_alternative<Bytes>(search_key->value))
        type = Type::PersonalDistributionList1;
    flags |= uint16_t(type);
    if (type == Type::X500DN) {
        row.x500dn = *email;
        if (const PropValue* dt = find(PidTagDisplayType))
            if (auto* i = std::get_if<int32_t>(&dt->value)) row.display_type = uint8_t(*i);
    } else {
        if (email) {
            flags |= rf::kEmailAddress;
            row.email_address = *email;
        }
        if (type == Type::NoType && !addrtype.empty()) {
            flags |= rf::kNonStandard;
            row.address_type = text(PidTagAddressType).value_or("");
        }
    }
    if (has_pdl_ids(type)) {
        row.entry_id = std::get<Bytes>(entry_id->value);
        row.search_key = std::get<Bytes>(search_key->value);
    }
    auto display = text(PidTagDisplayName);
    if (display) {
        flags |= rf::kDisplayName;
        row.display_name = *display;
    }
    if (auto simple = text(PidTagAddressBookDisplayNamePrintable)) {
        flags |= rf::kSimpleDisplayName;
        row.simple_display_name = *simple;
    }
    if (auto transmittable = text(PidTagTransmittableDisplayName)) {
        if (display && *transmittable == *display) {
            flags |= rf::kSameAsDisplay;
        } else {
            flags |= rf::kTransmittable;
            row.transmittable_display_name = *transmittable;
        }
    }
    if (const PropValue* v = find(PidTagResponsibility))
        if (auto* b = std::get_if<bool>(&v->value); b && *b) flags |= rf::kResponsibility;
    if (const PropValue* v = find(PidTagSendRichInfo))
        if (auto* b = std::get_if<bool>(&v->value); b && !*b) flags |= rf::kNonRich;
    row.flags = flags;
    for (PropTag col : columns) {
        const PropValue* v = find(col);
        uint16_t want = prop_type(col), have = v ? prop_type(v->tag) : 0;
        bool strings = (want == PT_UNICODE || want == PT_STRING8) && (have == PT_UNICODE || have == PT_STRING8);
        if (v && (want == PT_UNSPECIFIED || want == have || strings)) {
            PropValue c = *v;
            if (want != PT_UNSPECIFIED) c.tag = col;
            row.properties.push_back(std::move(c));
        } else {
            row.properties.push_back(PropValue::error(col, ec::NotFound));
        }
    }
    return row;
}

}  // namespace mg::mapi
