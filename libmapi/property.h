// MAPI property tags and typed property values (MS-OXCDATA 2.9, 2.11).
//
// A property value is a tag plus a std::variant over the value categories.
// The tag's type decides how the value is read and written on the wire;
// PT_STRING8 and PT_UNICODE both hold UTF-8 in memory (code page
// conversion happens in the codec, per the session's code page).
#pragma once

#include "common/bytes.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace mg::mapi {

// Property types (MS-OXCDATA 2.11.1).
enum PropType : uint16_t {
    PT_UNSPECIFIED = 0x0000,
    PT_NULL = 0x0001,
    PT_SHORT = 0x0002,      // PtypInteger16
    PT_LONG = 0x0003,       // PtypInteger32
    PT_FLOAT = 0x0004,      // PtypFloating32
    PT_DOUBLE = 0x0005,     // PtypFloating64
    PT_CURRENCY = 0x0006,   // PtypCurrency (int64)
    PT_APPTIME = 0x0007,    // PtypFloatingTime (double)
    PT_ERROR = 0x000A,      // PtypErrorCode (u32)
    PT_BOOLEAN = 0x000B,    // PtypBoolean
    PT_OBJECT = 0x000D,     // PtypObject / PtypEmbeddedTable
    PT_I8 = 0x0014,         // PtypInteger64
    PT_STRING8 = 0x001E,    // PtypString8
    PT_UNICODE = 0x001F,    // PtypString
    PT_SYSTIME = 0x0040,    // PtypTime (FILETIME, int64)
    PT_CLSID = 0x0048,      // PtypGuid
    PT_SVREID = 0x00FB,     // PtypServerId
    PT_SRESTRICT = 0x00FD,  // PtypRestriction
    PT_ACTIONS = 0x00FE,    // PtypRuleAction
    PT_BINARY = 0x0102,     // PtypBinary
    PT_MV_FLAG = 0x1000,
    PT_MV_SHORT = 0x1002,
    PT_MV_LONG = 0x1003,
    PT_MV_FLOAT = 0x1004,
    PT_MV_DOUBLE = 0x1005,
    PT_MV_CURRENCY = 0x1006,
    PT_MV_APPTIME = 0x1007,
    PT_MV_I8 = 0x1014,
    PT_MV_STRING8 = 0x101E,
    PT_MV_UNICODE = 0x101F,
    PT_MV_SYSTIME = 0x1040,
    PT_MV_CLSID = 0x1048,
    PT_MV_BINARY = 0x1102,
    PT_MV_INSTANCE = 0x2000,  // flag on table columns: one row per value
};

using PropTag = uint32_t;
constexpr PropTag make_tag(uint16_t id, uint16_t type) { return (PropTag(id) << 16) | type; }
constexpr uint16_t prop_id(PropTag t) { return uint16_t(t >> 16); }
constexpr uint16_t prop_type(PropTag t) { return uint16_t(t & 0xFFFF); }
constexpr PropTag change_type(PropTag t, uint16_t type) { return make_tag(prop_id(t), type); }
constexpr bool is_multi(uint16_t type) { return (type & PT_MV_FLAG) != 0; }
// True for the types this implementation can carry (everything above but
// PT_UNSPECIFIED and PT_OBJECT, which only appear in special places).
bool is_known_type(uint16_t type);
const char* type_name(uint16_t type);  // "PT_LONG"; "PT_MV_LONG" also for PT_MV_LONG|PT_MV_INSTANCE

// A column typed PT_MV_x | PT_MV_INSTANCE (MS-OXCDATA 2.11.1.3) carries one
// value of the base type per row: the type its values have. Other types are
// returned unchanged.
constexpr uint16_t value_type(uint16_t type) {
    return (type & (PT_MV_FLAG | PT_MV_INSTANCE)) == (PT_MV_FLAG | PT_MV_INSTANCE)
               ? uint16_t(type & ~(PT_MV_FLAG | PT_MV_INSTANCE))
               : type;
}

struct Guid {
    std::array<uint8_t, 16> b{};  // wire order (MS-OXCDATA 2.5.1 / MS-DTYP GUID, little-endian fields)
    auto operator<=>(const Guid&) const = default;
    static Guid parse(const std::string& text);  // "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"; throws
    std::string str() const;
    static Guid random();
};

struct Restriction;  // libmapi/restriction.h (MS-OXCDATA 2.12)

// Value categories. Which alternative is valid is fixed by the tag's type:
//   PT_NULL -> monostate; PT_SHORT -> int16_t; PT_LONG, PT_ERROR -> int32_t / uint32_t;
//   PT_FLOAT -> float; PT_DOUBLE, PT_APPTIME -> double; PT_CURRENCY, PT_I8,
//   PT_SYSTIME -> int64_t; PT_BOOLEAN -> bool; PT_STRING8, PT_UNICODE ->
//   std::string (UTF-8); PT_CLSID -> Guid; PT_BINARY, PT_SVREID, PT_ACTIONS
//   -> Bytes; PT_SRESTRICT -> shared_ptr<const Restriction>; PT_MV_* -> vector.
using PropVariant = std::variant<std::monostate, bool, int16_t, int32_t, uint32_t, int64_t, float, double,
                                 std::string, Guid, Bytes, std::shared_ptr<const Restriction>,
                                 std::vector<int16_t>, std::vector<int32_t>, std::vector<int64_t>,
                                 std::vector<float>, std::vector<double>, std::vector<std::string>,
                                 std::vector<Guid>, std::vector<Bytes>>;

struct PropValue {
    PropTag tag = 0;
    PropVariant value;

    // Constructors check that the alternative matches the tag's type.
    static PropValue i16(PropTag t, int16_t v);
    static PropValue i32(PropTag t, int32_t v);
    static PropValue i64(PropTag t, int64_t v);      // PT_I8, PT_CURRENCY, PT_SYSTIME
    static PropValue boolean(PropTag t, bool v);
    static PropValue str(PropTag t, std::string v);  // PT_STRING8 / PT_UNICODE, UTF-8
    static PropValue bin(PropTag t, Bytes v);
    static PropValue guid(PropTag t, Guid v);
    static PropValue error(PropTag t, uint32_t ec);  // tag becomes PT_ERROR with the same id
    static PropValue null(PropTag t);                // tag becomes PT_NULL: "no value" placeholder

    bool is_error() const { return prop_type(tag) == PT_ERROR; }
    // PT_ERROR or PT_NULL: the row/object has no value for this property.
    bool is_missing() const { return is_error() || prop_type(tag) == PT_NULL; }
    // True when `value` holds the alternative the tag's type requires
    // (value_type(): a PT_MV_INSTANCE tag holds a single value).
    bool well_formed() const;
    // Representational equality: same tag, same alternative, same content;
    // floats compare bit for bit (NaN == NaN, +0 != -0) so that a decoded
    // value equals its re-decoded encoding; restrictions compare deeply.
    bool operator==(const PropValue& o) const;

    // Convenience accessors; throw std::bad_variant_access on mismatch.
    int32_t as_i32() const;
    int64_t as_i64() const;
    bool as_bool() const;
    const std::string& as_str() const;
    const Bytes& as_bin() const;
};

using PropList = std::vector<PropValue>;

// Index into PropVariant of the alternative a value of `type` holds (after
// value_type()), or -1 for types no value can have (PT_UNSPECIFIED,
// PT_OBJECT, unknown types).
int value_alternative(uint16_t type);

// Named properties (MS-OXCDATA 2.6.1 PropertyName): a GUID plus either a
// numeric id (MNID_ID) or a string name (MNID_STRING). Ids 0x8000-0xFFFE of a
// mailbox map to them (MS-OXPROPS 1.3.2).
struct PropertyName {
    // 0xFF: "the property does not have an associated PropertyName" (2.6.1;
    // neither LID nor Name on the wire).
    enum Kind : uint8_t { Id = 0, Name = 1, None = 0xFF };
    Guid guid;
    Kind kind = Id;
    uint32_t lid = 0;     // kind == Id
    std::string name;     // kind == Name (UTF-8)
    auto operator<=>(const PropertyName&) const = default;
};

// The MAPI error codes the server uses (MS-OXCDATA 2.4).
namespace ec {
inline constexpr uint32_t Success = 0x00000000;
inline constexpr uint32_t NotImplemented = 0x80040FFF;   // ecNotImplemented
inline constexpr uint32_t NotSupported = 0x80040102;     // ecNotSupported / MAPI_E_NO_SUPPORT
inline constexpr uint32_t NotFound = 0x8004010F;         // ecNotFound
inline constexpr uint32_t InvalidParam = 0x80070057;     // ecInvalidParam
inline constexpr uint32_t NoAccess = 0x80070005;         // ecAccessDenied
inline constexpr uint32_t LoginFailed = 0x80040111;      // ecLoginFailure
inline constexpr uint32_t UnknownUser = 0x000003EB;      // ecUnknownUser
inline constexpr uint32_t NullObject = 0x000004B9;       // ecNullObject
inline constexpr uint32_t InvalidObject = 0x80040108;    // ecInvalidObject
inline constexpr uint32_t Computed = 0x8004011A;         // ecComputed
inline constexpr uint32_t Collision = 0x80040604;        // ecDuplicateName
inline constexpr uint32_t ObjectDeleted = 0x8004010A;    // ecObjectDeleted
inline constexpr uint32_t ObjectModified = 0x80040109;   // ecObjectModified
inline constexpr uint32_t NotEnoughMemory = 0x8007000E;  // ecMAPIOOM
inline constexpr uint32_t TooBig = 0x80040305;           // ecTooBig
inline constexpr uint32_t BufferTooSmall = 0x0000047D;   // ecBufferTooSmall
inline constexpr uint32_t RpcFormat = 0x000004B6;        // ecRpcFormat
inline constexpr uint32_t Backoff = 0x00000480;          // ecServerBusy (RopBackoff context)
inline constexpr uint32_t RpcFailed = 0x80040115;        // ecRpcFailed / MAPI_E_CALL_FAILED
inline constexpr uint32_t NotInitialized = 0x80040605;   // ecNotInitialized
inline constexpr uint32_t Unconfigured = 0x8004011C;     // ecUnconfigured
inline constexpr uint32_t BadValue = 0x80040301;         // ecBadValue / MAPI_E_BAD_VALUE
inline constexpr uint32_t InvalidBookmark = 0x80040405;  // ecInvalidBookmark
inline constexpr uint32_t NotFoundWarn = 0x00040380;     // ecWarnWithErrors (PT_ERROR rows)
inline constexpr uint32_t AccessDenied = NoAccess;
}  // namespace ec

}  // namespace mg::mapi
