// The ROPs of the EMSMDB core (MS-OXCROPS 2.2.3 store, 2.2.4 folder, 2.2.5
// table, 2.2.8 property, 2.2.9 stream, 2.2.15 special responses), each
// declared once: request and response layouts with their codec, described by
// a `fields` template over rop::Pull / rop::Push (libmapi/rop_io.h).
//
// Conventions (mapiproxy/servers/rop_engine.h relies on them):
//  - Request::fields covers everything after the RopId byte: LogonId, the
//    handle indexes (`in_index`, `out_index`; `src_index`/`dst_index` for
//    two-handle ROPs), then the rest.
//  - Response::fields covers what follows RopId, the handle index and
//    ReturnValue. It is written for ReturnValue 0 and for every code for
//    which `Response::body_on(rv)` is true.
//  - Bodies that depend on the ReturnValue (RopLogon redirect, the
//    ecDstNullObject bodies carrying DestHandleIndex) are chosen, when
//    encoding, by what the response holds (the handler fills the variant /
//    the optional together with the code it returns) and, when decoding, by
//    Pull::return_value() (rop::decode_response sets it).
//  - Row data whose layout depends on the table's column set (RopQueryRows,
//    RopFindRow, RopExpandRow, RopGetPropertiesSpecific,
//    RopGetReceiveFolderTable) is kept as opaque bytes: the engine encodes
//    the PropertyRows with libmapi/propcodec.h. Decoding takes the rest of
//    the buffer, so such a response decodes only as the last ROP of a
//    buffer (the server never decodes responses; tests and tools do).
//  - Context that is not on the wire is marked "context" (see
//    RopWritePerUserInformation).
//
// Every struct cites its MS-OXCROPS section. Layouts were checked against the
// specification text; the few that could not be found say so.
#pragma once

#include "common/bytes.h"
#include "libmapi/propcodec.h"
#include "libmapi/property.h"
#include "libmapi/restriction.h"
#include "libmapi/rop_io.h"

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace mg::rop {

// ReturnValues that select a response layout (MS-OXCDATA 2.4).
inline constexpr uint32_t kWrongServer = 0x00000478;     // ecWrongServer: RopLogon redirect
inline constexpr uint32_t kDstNullObject = 0x00000503;   // ecDstNullObject: DestHandleIndex bodies
inline constexpr uint32_t kWarnWithErrors = 0x00040380;  // ecWarnWithErrors

// Name of a RopId from the table of MS-OXCROPS 2.2.2 ("Reserved" for the
// reserved values).
const char* rop_name(uint8_t id);

// ---------------------------------------------------------------------------
// Field helpers shared by the layouts below.
namespace detail {

// A field present only in some cases: decoding makes `o` hold a value iff
// `present`; encoding writes it iff it holds one. Returns whether it is there.
template <class IO, class O>
bool present(O& o, bool present) {
    if constexpr (IO::decoding) {
        if (present) o.emplace();
        else o.reset();
    }
    return o.has_value();
}

// DestHandleIndex (4 bytes) of an ecDstNullObject response: read when the
// ReturnValue is ecDstNullObject, written when the response holds it.
template <class IO, class O>
bool null_destination(IO& io, O& dest) {
    bool is_null_dest = false;
    if constexpr (IO::decoding) is_null_dest = io.return_value() == kDstNullObject;
    if (!present<IO>(dest, is_null_dest)) return false;
    io.u32(*dest);
    return true;
}

// u16 count + structures of at least `min_size` bytes, each with `fields`.
template <class IO, class V>
void list_u16(IO& io, V& v, size_t min_size) {
    if constexpr (!IO::decoding)
        if (v.size() > 0xFFFF) throw std::invalid_argument("too many elements for a u16 count");
    uint16_t n = uint16_t(v.size());
    io.u16(n);
    if constexpr (IO::decoding) {
        io.reader().need(size_t(n) * min_size, "array");
        v.resize(n);
    }
    for (auto& e : v) std::remove_cvref_t<decltype(e)>::fields(e, io);
}

// std::variant whose alternative is known from context when decoding.
template <class V, size_t... I>
void emplace_index(V& v, size_t i, std::index_sequence<I...>) {
    ((i == I ? void(v.template emplace<I>()) : void()), ...);
}
template <class IO, class V>
void variant_fields(IO& io, V& v, size_t index_when_decoding) {
    using Plain = std::remove_cv_t<V>;
    if constexpr (IO::decoding)
        emplace_index(v, index_when_decoding, std::make_index_sequence<std::variant_size_v<Plain>>{});
    std::visit([&io](auto& b) { std::remove_cvref_t<decltype(b)>::fields(b, io); }, v);
}

// Fixed-size arrays of u64 (RopLogon FolderIds).
template <class IO, class A>
void u64_array(IO& io, A& a) {
    for (auto& x : a) io.u64(x);
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Structures shared by several ROPs.

// LongTermID (MS-OXCDATA 2.2.1.3.1): DatabaseGuid, GlobalCounter (6), Pad (2).
struct LongTermId {
    mapi::Guid database_guid;
    Bytes global_counter = Bytes(6);
    uint16_t pad = 0;
    bool operator==(const LongTermId&) const = default;
    static constexpr size_t kSize = 24;
    template <class S, class IO>
    static void fields(S& s, IO& io) {
        io.guid(s.database_guid);
        io.bytes(s.global_counter, 6);
        io.u16(s.pad);
    }
};

// IsGhosted, then ServerCount, CheapServerCount and Servers when ghosted
// (RopOpenFolder 2.2.4.1.2, RopCreateFolder 2.2.4.2.2, RopPublicFolderIsGhosted 2.2.3.7.2).
struct GhostInfo {
    bool is_ghosted = false;
    uint16_t cheap_server_count = 0;
    std::vector<std::string> servers;
    bool operator==(const GhostInfo&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) {
        io.boolean(s.is_ghosted);
        if (s.is_ghosted) io.servers(s.servers, s.cheap_server_count);
    }
};

// LogonTime (2.2.3.1.2.1).
struct LogonTime {
    uint8_t seconds = 0, minutes = 0, hour = 0, day_of_week = 0, day = 0, month = 0;
    uint16_t year = 0;
    bool operator==(const LogonTime&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) {
        io.u8(s.seconds); io.u8(s.minutes); io.u8(s.hour); io.u8(s.day_of_week);
        io.u8(s.day); io.u8(s.month); io.u16(s.year);
    }
};

// Bodies used by many ROPs.
struct EmptyBody {
    bool operator==(const EmptyBody&) const = default;
    template <class S, class IO>
    static void fields(S&, IO&) {}
};
// RopId + LogonId + InputHandleIndex, nothing else.
struct InputOnly {
    uint8_t logon_id = 0, in_index = 0;
    bool operator==(const InputOnly&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); }
};
// TableStatus (MS-OXCTABL 2.2.2.1.3).
struct TableStatusBody {
    uint8_t table_status = 0;
    bool operator==(const TableStatusBody&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) { io.u8(s.table_status); }
};
// PartialCompletion, present whatever the ReturnValue.
struct PartialCompletionBody {
    bool partial_completion = false;
    bool operator==(const PartialCompletionBody&) const = default;
    static bool body_on(uint32_t) { return true; }
    template <class S, class IO>
    static void fields(S& s, IO& io) { io.boolean(s.partial_completion); }
};
// Move/copy of folders and messages: PartialCompletion for every code, with
// DestHandleIndex (4 bytes) before it for ecDstNullObject.
struct MoveCopyBody {
    std::optional<uint32_t> dest_index;  // set iff ReturnValue is ecDstNullObject
    bool partial_completion = false;
    bool operator==(const MoveCopyBody&) const = default;
    static bool body_on(uint32_t) { return true; }
    template <class S, class IO>
    static void fields(S& s, IO& io) {
        detail::null_destination(io, s.dest_index);
        io.boolean(s.partial_completion);
    }
};
// Property problems on success; DestHandleIndex only for ecDstNullObject.
struct CopyPropertiesBody {
    std::optional<uint32_t> dest_index;  // set iff ReturnValue is ecDstNullObject
    std::vector<mapi::PropertyProblem> problems;
    bool operator==(const CopyPropertiesBody&) const = default;
    static bool body_on(uint32_t rv) { return rv == kDstNullObject; }
    template <class S, class IO>
    static void fields(S& s, IO& io) {
        if (!detail::null_destination(io, s.dest_index)) io.problems_u16(s.problems);
    }
};
// PropertyProblemCount + PropertyProblems.
struct ProblemsBody {
    std::vector<mapi::PropertyProblem> problems;
    bool operator==(const ProblemsBody&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) { io.problems_u16(s.problems); }
};
// u16 count + PropertyTags.
struct TagsBody {
    std::vector<mapi::PropTag> tags;
    bool operator==(const TagsBody&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) { io.tags_u16(s.tags); }
};
// BookmarkSize + Bookmark.
struct BookmarkBody {
    Bytes bookmark;
    bool operator==(const BookmarkBody&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) { io.bytes_u16(s.bookmark); }
};
// RowCount (4 bytes) of a new table.
struct RowCountBody {
    uint32_t row_count = 0;
    bool operator==(const RowCountBody&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) { io.u32(s.row_count); }
};
// LogonId, InputHandleIndex, OutputHandleIndex, TableFlags (hierarchy/contents tables).
struct GetTableRequest {
    uint8_t logon_id = 0, in_index = 0, out_index = 0, table_flags = 0;
    bool operator==(const GetTableRequest&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); io.u8(s.out_index); io.u8(s.table_flags); }
};
// WantAsynchronous + a second Boolean (RopEmptyFolder, RopHardDeleteMessagesAndSubfolders).
struct EmptyFolderRequest {
    uint8_t logon_id = 0, in_index = 0;
    bool want_asynchronous = false, want_delete_associated = false;
    bool operator==(const EmptyFolderRequest&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) {
        io.u8(s.logon_id); io.u8(s.in_index);
        io.boolean(s.want_asynchronous); io.boolean(s.want_delete_associated);
    }
};
// RopDeleteMessages, RopHardDeleteMessages.
struct DeleteMessagesRequest {
    uint8_t logon_id = 0, in_index = 0;
    bool want_asynchronous = false, notify_non_read = false;
    std::vector<uint64_t> message_ids;
    bool operator==(const DeleteMessagesRequest&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) {
        io.u8(s.logon_id); io.u8(s.in_index);
        io.boolean(s.want_asynchronous); io.boolean(s.notify_non_read);
        io.ids_u16(s.message_ids);
    }
};
// RopMoveFolder / RopCopyFolder (the latter with WantRecursive).
template <bool kRecursive>
struct MoveCopyFolderRequest {
    uint8_t logon_id = 0, src_index = 0, dst_index = 0;
    bool want_asynchronous = false, want_recursive = false, use_unicode = false;
    uint64_t folder_id = 0;
    std::string new_folder_name;
    bool operator==(const MoveCopyFolderRequest&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) {
        io.u8(s.logon_id); io.u8(s.src_index); io.u8(s.dst_index);
        io.boolean(s.want_asynchronous);
        if constexpr (kRecursive) io.boolean(s.want_recursive);
        io.boolean(s.use_unicode);
        io.u64(s.folder_id);
        io.string(s.new_folder_name, s.use_unicode);
    }
};
// RopSetProperties / RopSetPropertiesNoReplicate: PropertyValueSize,
// PropertyValueCount, PropertyValues.
struct SetPropertiesRequest {
    uint8_t logon_id = 0, in_index = 0;
    mapi::PropList values;
    bool operator==(const SetPropertiesRequest&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); io.tagged_values_sized(s.values); }
};
// RopDeleteProperties / RopDeletePropertiesNoReplicate, RopSetColumns-like tag lists.
struct TagsRequest {
    uint8_t logon_id = 0, in_index = 0;
    std::vector<mapi::PropTag> tags;
    bool operator==(const TagsRequest&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); io.tags_u16(s.tags); }
};
// DataSize (2) + Data: the stream writes.
struct DataRequest {
    uint8_t logon_id = 0, in_index = 0;
    Bytes data;
    bool operator==(const DataRequest&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); io.bytes_u16(s.data); }
};
// WrittenSize, present whatever the ReturnValue (u16, or u32 for the extended write).
template <class Size>
struct WrittenSizeBody {
    Size written_size = 0;
    bool operator==(const WrittenSizeBody&) const = default;
    static bool body_on(uint32_t) { return true; }
    template <class S, class IO>
    static void fields(S& s, IO& io) {
        if constexpr (sizeof(Size) == 2) io.u16(s.written_size);
        else io.u32(s.written_size);
    }
};
// RegionOffset, RegionSize, LockFlags.
struct RegionRequest {
    uint8_t logon_id = 0, in_index = 0;
    uint64_t region_offset = 0, region_size = 0;
    uint32_t lock_flags = 0;
    bool operator==(const RegionRequest&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) {
        io.u8(s.logon_id); io.u8(s.in_index);
        io.u64(s.region_offset); io.u64(s.region_size); io.u32(s.lock_flags);
    }
};
// A u64 id after LogonId/InputHandleIndex (FolderId, ObjectId, CategoryId...).
struct IdRequest {
    uint8_t logon_id = 0, in_index = 0;
    uint64_t id = 0;
    bool operator==(const IdRequest&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); io.u64(s.id); }
};
// LogonId, InputHandleIndex, OutputHandleIndex only (RopCloneStream).
struct OutputOnly {
    uint8_t logon_id = 0, in_index = 0, out_index = 0;
    bool operator==(const OutputOnly&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); io.u8(s.out_index); }
};

// ===========================================================================
// 2.2.3 Store ROPs

// RopLogon response bodies (at namespace scope so that the variant holding
// them is default-constructible inside RopLogon).
// 2.2.3.1.2 success response for private mailboxes.
struct LogonPrivateMailbox {
    std::array<uint64_t, 13> folder_ids{};
    uint8_t response_flags = 0;
    mapi::Guid mailbox_guid;
    uint16_t repl_id = 0;
    mapi::Guid repl_guid;
    LogonTime logon_time;
    uint64_t gwart_time = 0;
    uint32_t store_state = 0;
    bool operator==(const LogonPrivateMailbox&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) {
        detail::u64_array(io, s.folder_ids);
        io.u8(s.response_flags); io.guid(s.mailbox_guid);
        io.u16(s.repl_id); io.guid(s.repl_guid);
        LogonTime::fields(s.logon_time, io);
        io.u64(s.gwart_time); io.u32(s.store_state);
    }
};
// 2.2.3.1.3 success response for public folders.
struct LogonPublicFolders {
    std::array<uint64_t, 13> folder_ids{};
    uint16_t repl_id = 0;
    mapi::Guid repl_guid, per_user_guid;
    bool operator==(const LogonPublicFolders&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) {
        detail::u64_array(io, s.folder_ids);
        io.u16(s.repl_id); io.guid(s.repl_guid); io.guid(s.per_user_guid);
    }
};
// 2.2.3.1.4 redirect response (ecWrongServer).
struct LogonRedirect {
    std::string server_name;  // ServerNameSize (u8, terminator included) + ServerName
    bool operator==(const LogonRedirect&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) { io.sized_asciiz_u8(s.server_name); }
};

// 2.2.3.1 RopLogon. The request has no InputHandleIndex. Response variants:
// private mailbox (2.2.3.1.2, LogonFlags has Private) and public folders
// (2.2.3.1.3) on success; redirect (2.2.3.1.4) for ecWrongServer.
struct RopLogon {
    static constexpr uint8_t kId = 0xFE;
    static constexpr const char* kName = "RopLogon";
    static constexpr uint8_t kPrivate = 0x01;  // LogonFlags (MS-OXCSTOR 2.2.1.1.1)
    struct Request {
        uint8_t logon_id = 0, out_index = 0, logon_flags = 0;
        uint32_t open_flags = 0, store_state = 0;
        std::string essdn;  // EssdnSize (terminator included) + Essdn
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.out_index); io.u8(s.logon_flags);
            io.u32(s.open_flags); io.u32(s.store_state);
            io.sized_asciiz(s.essdn);
        }
    };
    using PrivateMailbox = LogonPrivateMailbox;
    using PublicFolders = LogonPublicFolders;
    using Redirect = LogonRedirect;
    struct Response {
        uint8_t logon_flags = 0;
        // Must agree with logon_flags (Private bit) and with the ReturnValue
        // (Redirect iff ecWrongServer).
        std::variant<PrivateMailbox, PublicFolders, Redirect> body;
        bool operator==(const Response&) const = default;
        static bool body_on(uint32_t rv) { return rv == kWrongServer; }
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_flags);
            size_t alt = 0;
            if constexpr (IO::decoding)
                alt = io.return_value() == kWrongServer ? 2 : (s.logon_flags & kPrivate) ? 0 : 1;
            detail::variant_fields(io, s.body, alt);
        }
    };
};

// 2.2.3.2 RopGetReceiveFolder.
struct RopGetReceiveFolder {
    static constexpr uint8_t kId = 0x27;
    static constexpr const char* kName = "RopGetReceiveFolder";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        std::string message_class;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); io.asciiz(s.message_class); }
    };
    struct Response {
        uint64_t folder_id = 0;
        std::string explicit_message_class;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u64(s.folder_id); io.asciiz(s.explicit_message_class); }
    };
};

// 2.2.3.3 RopSetReceiveFolder.
struct RopSetReceiveFolder {
    static constexpr uint8_t kId = 0x26;
    static constexpr const char* kName = "RopSetReceiveFolder";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        uint64_t folder_id = 0;
        std::string message_class;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u64(s.folder_id); io.asciiz(s.message_class);
        }
    };
    using Response = EmptyBody;
};

// 2.2.3.4 RopGetReceiveFolderTable. Rows: PropertyRows of PidTagFolderId,
// PidTagMessageClass (PtypString8), PidTagLastModificationTime (MS-OXCSTOR
// 2.2.1.4.2), opaque here.
struct RopGetReceiveFolderTable {
    static constexpr uint8_t kId = 0x68;
    static constexpr const char* kName = "RopGetReceiveFolderTable";
    using Request = InputOnly;
    struct Response {
        uint32_t row_count = 0;
        Bytes rows;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u32(s.row_count); io.rest(s.rows); }
    };
};

// 2.2.3.5 RopGetStoreState.
struct RopGetStoreState {
    static constexpr uint8_t kId = 0x7B;
    static constexpr const char* kName = "RopGetStoreState";
    using Request = InputOnly;
    struct Response {
        uint32_t store_state = 0;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u32(s.store_state); }
    };
};

// 2.2.3.6 RopGetOwningServers. Request: FolderId.
struct RopGetOwningServers {
    static constexpr uint8_t kId = 0x42;
    static constexpr const char* kName = "RopGetOwningServers";
    using Request = IdRequest;  // id = FolderId
    struct Response {
        uint16_t cheap_servers_count = 0;
        std::vector<std::string> owning_servers;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.servers(s.owning_servers, s.cheap_servers_count); }
    };
};

// 2.2.3.7 RopPublicFolderIsGhosted. Request: FolderId.
struct RopPublicFolderIsGhosted {
    static constexpr uint8_t kId = 0x45;
    static constexpr const char* kName = "RopPublicFolderIsGhosted";
    using Request = IdRequest;  // id = FolderId
    using Response = GhostInfo;
};

// 2.2.3.8 RopLongTermIdFromId. Request: ObjectId.
struct RopLongTermIdFromId {
    static constexpr uint8_t kId = 0x43;
    static constexpr const char* kName = "RopLongTermIdFromId";
    using Request = IdRequest;  // id = ObjectId
    using Response = LongTermId;
};

// 2.2.3.9 RopIdFromLongTermId.
struct RopIdFromLongTermId {
    static constexpr uint8_t kId = 0x44;
    static constexpr const char* kName = "RopIdFromLongTermId";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        LongTermId long_term_id;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); LongTermId::fields(s.long_term_id, io); }
    };
    struct Response {
        uint64_t object_id = 0;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u64(s.object_id); }
    };
};

// 2.2.3.10 RopGetPerUserLongTermIds.
struct RopGetPerUserLongTermIds {
    static constexpr uint8_t kId = 0x60;
    static constexpr const char* kName = "RopGetPerUserLongTermIds";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        mapi::Guid database_guid;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); io.guid(s.database_guid); }
    };
    struct Response {
        std::vector<LongTermId> long_term_ids;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { detail::list_u16(io, s.long_term_ids, LongTermId::kSize); }
    };
};

// 2.2.3.11 RopGetPerUserGuid.
struct RopGetPerUserGuid {
    static constexpr uint8_t kId = 0x61;
    static constexpr const char* kName = "RopGetPerUserGuid";
    using Request = RopIdFromLongTermId::Request;
    struct Response {
        mapi::Guid database_guid;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.guid(s.database_guid); }
    };
};

// 2.2.3.12 RopReadPerUserInformation.
struct RopReadPerUserInformation {
    static constexpr uint8_t kId = 0x63;
    static constexpr const char* kName = "RopReadPerUserInformation";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        LongTermId folder_id;
        uint8_t reserved = 0;
        uint32_t data_offset = 0;
        uint16_t max_data_size = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); LongTermId::fields(s.folder_id, io);
            io.u8(s.reserved); io.u32(s.data_offset); io.u16(s.max_data_size);
        }
    };
    struct Response {
        bool has_finished = false;
        Bytes data;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.boolean(s.has_finished); io.bytes_u16(s.data); }
    };
};

// 2.2.3.13 RopWritePerUserInformation. The spec search did not return
// section 2.2.3.13.1; the layout follows the MS-OXCROPS text as known:
// FolderId (LongTermID), HasFinished, DataOffset, DataSize, Data, then
// ReplGuid, present only when DataOffset is 0 and the logon was created with
// the Private flag. That last condition is not on the wire: `private_logon`
// is context the engine sets from the logon before decoding (default: the
// common case, a private mailbox logon).
struct RopWritePerUserInformation {
    static constexpr uint8_t kId = 0x64;
    static constexpr const char* kName = "RopWritePerUserInformation";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        LongTermId folder_id;
        bool has_finished = false;
        uint32_t data_offset = 0;
        Bytes data;
        mapi::Guid repl_guid;       // on the wire iff has_repl_guid()
        bool private_logon = true;  // context, not on the wire
        bool has_repl_guid() const { return data_offset == 0 && private_logon; }
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); LongTermId::fields(s.folder_id, io);
            io.boolean(s.has_finished); io.u32(s.data_offset); io.bytes_u16(s.data);
            if (s.has_repl_guid()) io.guid(s.repl_guid);
        }
    };
    using Response = EmptyBody;
};

// 2.2.15.3 RopRelease: no response.
struct RopRelease {
    static constexpr uint8_t kId = 0x01;
    static constexpr const char* kName = "RopRelease";
    static constexpr bool kHasResponse = false;
    using Request = InputOnly;
    using Response = EmptyBody;
};

// ===========================================================================
// 2.2.4 Folder ROPs

// 2.2.4.1 RopOpenFolder.
struct RopOpenFolder {
    static constexpr uint8_t kId = 0x02;
    static constexpr const char* kName = "RopOpenFolder";
    struct Request {
        uint8_t logon_id = 0, in_index = 0, out_index = 0;
        uint64_t folder_id = 0;
        uint8_t open_mode_flags = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u8(s.out_index);
            io.u64(s.folder_id); io.u8(s.open_mode_flags);
        }
    };
    struct Response {
        bool has_rules = false;
        GhostInfo ghost;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.boolean(s.has_rules); GhostInfo::fields(s.ghost, io); }
    };
};

// RopCreateFolder response part for an existing folder (namespace scope: it
// sits in a std::optional inside RopCreateFolder).
struct CreateFolderExisting {
    bool has_rules = false;
    GhostInfo ghost;
    bool operator==(const CreateFolderExisting&) const = default;
};

// 2.2.4.2 RopCreateFolder. DisplayName and Comment are UTF-16LE when
// UseUnicodeStrings is nonzero, 8-bit otherwise. The response carries
// HasRules and the ghost information only for an existing folder.
struct RopCreateFolder {
    static constexpr uint8_t kId = 0x1C;
    static constexpr const char* kName = "RopCreateFolder";
    struct Request {
        uint8_t logon_id = 0, in_index = 0, out_index = 0, folder_type = 0;
        bool use_unicode_strings = false, open_existing = false;
        uint8_t reserved = 0;
        std::string display_name, comment;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u8(s.out_index); io.u8(s.folder_type);
            io.boolean(s.use_unicode_strings); io.boolean(s.open_existing); io.u8(s.reserved);
            io.string(s.display_name, s.use_unicode_strings);
            io.string(s.comment, s.use_unicode_strings);
        }
    };
    using ExistingFolder = CreateFolderExisting;
    struct Response {
        uint64_t folder_id = 0;
        std::optional<ExistingFolder> existing;  // IsExistingFolder
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u64(s.folder_id);
            bool is_existing = s.existing.has_value();
            io.boolean(is_existing);
            if (detail::present<IO>(s.existing, is_existing)) {
                io.boolean(s.existing->has_rules);
                GhostInfo::fields(s.existing->ghost, io);
            }
        }
    };
};

// 2.2.4.3 RopDeleteFolder.
struct RopDeleteFolder {
    static constexpr uint8_t kId = 0x1D;
    static constexpr const char* kName = "RopDeleteFolder";
    struct Request {
        uint8_t logon_id = 0, in_index = 0, delete_folder_flags = 0;
        uint64_t folder_id = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u8(s.delete_folder_flags); io.u64(s.folder_id);
        }
    };
    using Response = PartialCompletionBody;
};

// 2.2.4.4 RopSetSearchCriteria. RestrictionDataSize 0 = no restriction (reuse).
struct RopSetSearchCriteria {
    static constexpr uint8_t kId = 0x30;
    static constexpr const char* kName = "RopSetSearchCriteria";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        std::optional<mapi::Restriction> restriction;
        std::vector<uint64_t> folder_ids;
        uint32_t search_flags = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index);
            io.restriction_sized(s.restriction); io.ids_u16(s.folder_ids); io.u32(s.search_flags);
        }
    };
    using Response = EmptyBody;
};

// 2.2.4.5 RopGetSearchCriteria. The response has a LogonId byte between
// RestrictionData and FolderIdCount (MS-OXCROPS 2.2.4.5.2; MS-OXCFOLD
// 2.2.1.5.2 does not list it).
struct RopGetSearchCriteria {
    static constexpr uint8_t kId = 0x31;
    static constexpr const char* kName = "RopGetSearchCriteria";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        bool use_unicode = false, include_restriction = false, include_folders = false;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index);
            io.boolean(s.use_unicode); io.boolean(s.include_restriction); io.boolean(s.include_folders);
        }
    };
    struct Response {
        std::optional<mapi::Restriction> restriction;
        uint8_t logon_id = 0;
        std::vector<uint64_t> folder_ids;
        uint32_t search_flags = 0;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.restriction_sized(s.restriction); io.u8(s.logon_id);
            io.ids_u16(s.folder_ids); io.u32(s.search_flags);
        }
    };
};

// 2.2.4.6 RopMoveCopyMessages.
struct RopMoveCopyMessages {
    static constexpr uint8_t kId = 0x33;
    static constexpr const char* kName = "RopMoveCopyMessages";
    struct Request {
        uint8_t logon_id = 0, src_index = 0, dst_index = 0;
        std::vector<uint64_t> message_ids;
        bool want_asynchronous = false, want_copy = false;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.src_index); io.u8(s.dst_index);
            io.ids_u16(s.message_ids); io.boolean(s.want_asynchronous); io.boolean(s.want_copy);
        }
    };
    using Response = MoveCopyBody;
};

// 2.2.4.7 RopMoveFolder.
struct RopMoveFolder {
    static constexpr uint8_t kId = 0x35;
    static constexpr const char* kName = "RopMoveFolder";
    using Request = MoveCopyFolderRequest<false>;
    using Response = MoveCopyBody;
};

// 2.2.4.8 RopCopyFolder.
struct RopCopyFolder {
    static constexpr uint8_t kId = 0x36;
    static constexpr const char* kName = "RopCopyFolder";
    using Request = MoveCopyFolderRequest<true>;
    using Response = MoveCopyBody;
};

// 2.2.4.9 RopEmptyFolder.
struct RopEmptyFolder {
    static constexpr uint8_t kId = 0x58;
    static constexpr const char* kName = "RopEmptyFolder";
    using Request = EmptyFolderRequest;
    using Response = PartialCompletionBody;
};

// 2.2.4.10 RopHardDeleteMessagesAndSubfolders.
struct RopHardDeleteMessagesAndSubfolders {
    static constexpr uint8_t kId = 0x92;
    static constexpr const char* kName = "RopHardDeleteMessagesAndSubfolders";
    using Request = EmptyFolderRequest;
    using Response = PartialCompletionBody;
};

// 2.2.4.11 RopDeleteMessages.
struct RopDeleteMessages {
    static constexpr uint8_t kId = 0x1E;
    static constexpr const char* kName = "RopDeleteMessages";
    using Request = DeleteMessagesRequest;
    using Response = PartialCompletionBody;
};

// 2.2.4.12 RopHardDeleteMessages.
struct RopHardDeleteMessages {
    static constexpr uint8_t kId = 0x91;
    static constexpr const char* kName = "RopHardDeleteMessages";
    using Request = DeleteMessagesRequest;
    using Response = PartialCompletionBody;
};

// 2.2.4.13 RopGetHierarchyTable.
struct RopGetHierarchyTable {
    static constexpr uint8_t kId = 0x04;
    static constexpr const char* kName = "RopGetHierarchyTable";
    using Request = GetTableRequest;
    using Response = RowCountBody;
};

// 2.2.4.14 RopGetContentsTable.
struct RopGetContentsTable {
    static constexpr uint8_t kId = 0x05;
    static constexpr const char* kName = "RopGetContentsTable";
    using Request = GetTableRequest;
    using Response = RowCountBody;
};

// ===========================================================================
// 2.2.5 Table ROPs

// 2.2.5.1 RopSetColumns.
struct RopSetColumns {
    static constexpr uint8_t kId = 0x12;
    static constexpr const char* kName = "RopSetColumns";
    struct Request {
        uint8_t logon_id = 0, in_index = 0, set_columns_flags = 0;
        std::vector<mapi::PropTag> tags;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u8(s.set_columns_flags); io.tags_u16(s.tags);
        }
    };
    using Response = TableStatusBody;
};

// 2.2.5.2 RopSortTable: SortTableFlags, then SortOrderCount, CategoryCount,
// ExpandedCount and SortOrders (a SortOrderSet, MS-OXCDATA 2.13.2).
struct RopSortTable {
    static constexpr uint8_t kId = 0x13;
    static constexpr const char* kName = "RopSortTable";
    struct Request {
        uint8_t logon_id = 0, in_index = 0, sort_table_flags = 0;
        mapi::SortOrderSet sort;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u8(s.sort_table_flags); io.sort_order_set(s.sort);
        }
    };
    using Response = TableStatusBody;
};

// 2.2.5.3 RopRestrict. RestrictionDataSize 0 = remove the restriction.
struct RopRestrict {
    static constexpr uint8_t kId = 0x14;
    static constexpr const char* kName = "RopRestrict";
    struct Request {
        uint8_t logon_id = 0, in_index = 0, restrict_flags = 0;
        std::optional<mapi::Restriction> restriction;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u8(s.restrict_flags); io.restriction_sized(s.restriction);
        }
    };
    using Response = TableStatusBody;
};

// 2.2.5.4 RopQueryRows. RowData: `row_count` PropertyRows, opaque.
struct RopQueryRows {
    static constexpr uint8_t kId = 0x15;
    static constexpr const char* kName = "RopQueryRows";
    static constexpr uint8_t kNoAdvance = 0x01, kEnablePackedBuffers = 0x02;
    struct Request {
        uint8_t logon_id = 0, in_index = 0, query_rows_flags = 0;
        bool forward_read = false;
        uint16_t row_count = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u8(s.query_rows_flags);
            io.boolean(s.forward_read); io.u16(s.row_count);
        }
    };
    // MS-OXCTABL 2.2.2.5.1: packed buffers only when the client asks, with
    // the Chain flag of EcDoRpcExt2 (MS-OXCRPC 3.1.4.2.1.2).
    static bool packable(const Request& rq) { return (rq.query_rows_flags & kEnablePackedBuffers) != 0; }
    struct Response {
        uint8_t origin = 0;
        uint16_t row_count = 0;
        Bytes rows;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u8(s.origin); io.u16(s.row_count); io.rest(s.rows); }
    };
};

// 2.2.5.5 RopAbort.
struct RopAbort {
    static constexpr uint8_t kId = 0x38;
    static constexpr const char* kName = "RopAbort";
    using Request = InputOnly;
    using Response = TableStatusBody;
};

// 2.2.5.6 RopGetStatus.
struct RopGetStatus {
    static constexpr uint8_t kId = 0x16;
    static constexpr const char* kName = "RopGetStatus";
    using Request = InputOnly;
    using Response = TableStatusBody;
};

// 2.2.5.7 RopQueryPosition.
struct RopQueryPosition {
    static constexpr uint8_t kId = 0x17;
    static constexpr const char* kName = "RopQueryPosition";
    using Request = InputOnly;
    struct Response {
        uint32_t numerator = 0, denominator = 0;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u32(s.numerator); io.u32(s.denominator); }
    };
};

// 2.2.5.8 RopSeekRow.
struct RopSeekRow {
    static constexpr uint8_t kId = 0x18;
    static constexpr const char* kName = "RopSeekRow";
    struct Request {
        uint8_t logon_id = 0, in_index = 0, origin = 0;
        int32_t row_count = 0;
        bool want_row_moved_count = false;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u8(s.origin);
            io.i32(s.row_count); io.boolean(s.want_row_moved_count);
        }
    };
    struct Response {
        bool has_sought_less = false;
        int32_t rows_sought = 0;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.boolean(s.has_sought_less); io.i32(s.rows_sought); }
    };
};

// 2.2.5.9 RopSeekRowBookmark.
struct RopSeekRowBookmark {
    static constexpr uint8_t kId = 0x19;
    static constexpr const char* kName = "RopSeekRowBookmark";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        Bytes bookmark;
        int32_t row_count = 0;
        bool want_row_moved_count = false;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.bytes_u16(s.bookmark);
            io.i32(s.row_count); io.boolean(s.want_row_moved_count);
        }
    };
    struct Response {
        bool row_no_longer_visible = false, has_sought_less = false;
        int32_t rows_sought = 0;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.boolean(s.row_no_longer_visible); io.boolean(s.has_sought_less); io.i32(s.rows_sought);
        }
    };
};

// 2.2.5.10 RopSeekRowFractional.
struct RopSeekRowFractional {
    static constexpr uint8_t kId = 0x1A;
    static constexpr const char* kName = "RopSeekRowFractional";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        uint32_t numerator = 0, denominator = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u32(s.numerator); io.u32(s.denominator);
        }
    };
    using Response = EmptyBody;
};

// 2.2.5.11 RopCreateBookmark.
struct RopCreateBookmark {
    static constexpr uint8_t kId = 0x1B;
    static constexpr const char* kName = "RopCreateBookmark";
    using Request = InputOnly;
    using Response = BookmarkBody;
};

// 2.2.5.12 RopQueryColumnsAll.
struct RopQueryColumnsAll {
    static constexpr uint8_t kId = 0x37;
    static constexpr const char* kName = "RopQueryColumnsAll";
    using Request = InputOnly;
    using Response = TagsBody;
};

// 2.2.5.13 RopFindRow. RowData (one PropertyRow, opaque) iff HasRowData.
struct RopFindRow {
    static constexpr uint8_t kId = 0x4F;
    static constexpr const char* kName = "RopFindRow";
    struct Request {
        uint8_t logon_id = 0, in_index = 0, find_row_flags = 0;
        std::optional<mapi::Restriction> restriction;
        uint8_t origin = 0;
        Bytes bookmark;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u8(s.find_row_flags);
            io.restriction_sized(s.restriction); io.u8(s.origin); io.bytes_u16(s.bookmark);
        }
    };
    struct Response {
        bool row_no_longer_visible = false;
        std::optional<Bytes> row;  // HasRowData + RowData
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.boolean(s.row_no_longer_visible);
            bool has_row_data = s.row.has_value();
            io.boolean(has_row_data);
            if (detail::present<IO>(s.row, has_row_data)) io.rest(*s.row);
        }
    };
};

// 2.2.5.14 RopFreeBookmark.
struct RopFreeBookmark {
    static constexpr uint8_t kId = 0x89;
    static constexpr const char* kName = "RopFreeBookmark";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        Bytes bookmark;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); io.bytes_u16(s.bookmark); }
    };
    using Response = EmptyBody;
};

// 2.2.5.15 RopResetTable.
struct RopResetTable {
    static constexpr uint8_t kId = 0x81;
    static constexpr const char* kName = "RopResetTable";
    using Request = InputOnly;
    using Response = EmptyBody;
};

// 2.2.5.16 RopExpandRow. RowData: `row_count` PropertyRows, opaque.
struct RopExpandRow {
    static constexpr uint8_t kId = 0x59;
    static constexpr const char* kName = "RopExpandRow";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        uint16_t max_row_count = 0;
        uint64_t category_id = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u16(s.max_row_count); io.u64(s.category_id);
        }
    };
    struct Response {
        uint32_t expanded_row_count = 0;
        uint16_t row_count = 0;
        Bytes rows;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u32(s.expanded_row_count); io.u16(s.row_count); io.rest(s.rows); }
    };
};

// 2.2.5.17 RopCollapseRow. Request: CategoryId.
struct RopCollapseRow {
    static constexpr uint8_t kId = 0x5A;
    static constexpr const char* kName = "RopCollapseRow";
    using Request = IdRequest;  // id = CategoryId
    struct Response {
        uint32_t collapsed_row_count = 0;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u32(s.collapsed_row_count); }
    };
};

// 2.2.5.18 RopGetCollapseState.
struct RopGetCollapseState {
    static constexpr uint8_t kId = 0x6B;
    static constexpr const char* kName = "RopGetCollapseState";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        uint64_t row_id = 0;
        uint32_t row_instance_number = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u64(s.row_id); io.u32(s.row_instance_number);
        }
    };
    struct Response {
        Bytes collapse_state;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.bytes_u16(s.collapse_state); }
    };
};

// 2.2.5.19 RopSetCollapseState.
struct RopSetCollapseState {
    static constexpr uint8_t kId = 0x6C;
    static constexpr const char* kName = "RopSetCollapseState";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        Bytes collapse_state;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); io.bytes_u16(s.collapse_state); }
    };
    using Response = BookmarkBody;
};

// ===========================================================================
// 2.2.8 Property ROPs

// 2.2.8.1 RopGetPropertyIdsFromNames. The ids are also returned with
// ecWarnWithErrors (some names could not be mapped, MS-OXCPRPT 3.2.5.8).
struct RopGetPropertyIdsFromNames {
    static constexpr uint8_t kId = 0x56;
    static constexpr const char* kName = "RopGetPropertyIdsFromNames";
    struct Request {
        uint8_t logon_id = 0, in_index = 0, flags = 0;
        std::vector<mapi::PropertyName> names;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u8(s.flags); io.property_names_u16(s.names);
        }
    };
    struct Response {
        std::vector<uint16_t> property_ids;
        bool operator==(const Response&) const = default;
        static bool body_on(uint32_t rv) { return rv == kWarnWithErrors; }
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u16s_u16(s.property_ids); }
    };
};

// 2.2.8.2 RopGetNamesFromPropertyIds.
struct RopGetNamesFromPropertyIds {
    static constexpr uint8_t kId = 0x55;
    static constexpr const char* kName = "RopGetNamesFromPropertyIds";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        std::vector<uint16_t> property_ids;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); io.u16s_u16(s.property_ids); }
    };
    struct Response {
        std::vector<mapi::PropertyName> names;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.property_names_u16(s.names); }
    };
};

// 2.2.8.3 RopGetPropertiesSpecific. RowData: one PropertyRow for the
// requested tags, opaque. Also sent with ecWarnWithErrors (as the brief of
// this codec requires; MS-OXCROPS 2.2.8.3.2 names only the success case).
struct RopGetPropertiesSpecific {
    static constexpr uint8_t kId = 0x07;
    static constexpr const char* kName = "RopGetPropertiesSpecific";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        uint16_t property_size_limit = 0, want_unicode = 0;
        std::vector<mapi::PropTag> tags;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index);
            io.u16(s.property_size_limit); io.u16(s.want_unicode); io.tags_u16(s.tags);
        }
    };
    struct Response {
        Bytes row;
        bool operator==(const Response&) const = default;
        static bool body_on(uint32_t rv) { return rv == kWarnWithErrors; }
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.rest(s.row); }
    };
};

// 2.2.8.4 RopGetPropertiesAll.
struct RopGetPropertiesAll {
    static constexpr uint8_t kId = 0x08;
    static constexpr const char* kName = "RopGetPropertiesAll";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        uint16_t property_size_limit = 0, want_unicode = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u16(s.property_size_limit); io.u16(s.want_unicode);
        }
    };
    struct Response {
        mapi::PropList values;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.tagged_values_u16(s.values); }
    };
};

// 2.2.8.5 RopGetPropertiesList.
struct RopGetPropertiesList {
    static constexpr uint8_t kId = 0x09;
    static constexpr const char* kName = "RopGetPropertiesList";
    using Request = InputOnly;
    using Response = TagsBody;
};

// 2.2.8.6 RopSetProperties.
struct RopSetProperties {
    static constexpr uint8_t kId = 0x0A;
    static constexpr const char* kName = "RopSetProperties";
    using Request = SetPropertiesRequest;
    using Response = ProblemsBody;
};

// 2.2.8.7 RopSetPropertiesNoReplicate.
struct RopSetPropertiesNoReplicate {
    static constexpr uint8_t kId = 0x79;
    static constexpr const char* kName = "RopSetPropertiesNoReplicate";
    using Request = SetPropertiesRequest;
    using Response = ProblemsBody;
};

// 2.2.8.8 RopDeleteProperties.
struct RopDeleteProperties {
    static constexpr uint8_t kId = 0x0B;
    static constexpr const char* kName = "RopDeleteProperties";
    using Request = TagsRequest;
    using Response = ProblemsBody;
};

// 2.2.8.9 RopDeletePropertiesNoReplicate.
struct RopDeletePropertiesNoReplicate {
    static constexpr uint8_t kId = 0x7A;
    static constexpr const char* kName = "RopDeletePropertiesNoReplicate";
    using Request = TagsRequest;
    using Response = ProblemsBody;
};

// 2.2.8.10 RopQueryNamedProperties: IdCount, PropertyIds, then IdCount PropertyNames.
struct RopQueryNamedProperties {
    static constexpr uint8_t kId = 0x5F;
    static constexpr const char* kName = "RopQueryNamedProperties";
    struct Request {
        uint8_t logon_id = 0, in_index = 0, query_flags = 0;
        std::optional<mapi::Guid> property_guid;  // HasGuid + PropertyGuid
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u8(s.query_flags);
            bool has_guid = s.property_guid.has_value();
            io.boolean(has_guid);
            if (detail::present<IO>(s.property_guid, has_guid)) io.guid(*s.property_guid);
        }
    };
    struct Response {
        std::vector<uint16_t> property_ids;
        std::vector<mapi::PropertyName> names;  // as many as property_ids
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u16s_u16(s.property_ids);
            io.property_names(s.names, s.property_ids.size());
        }
    };
};

// 2.2.8.11 RopCopyProperties.
struct RopCopyProperties {
    static constexpr uint8_t kId = 0x67;
    static constexpr const char* kName = "RopCopyProperties";
    struct Request {
        uint8_t logon_id = 0, src_index = 0, dst_index = 0;
        bool want_asynchronous = false;
        uint8_t copy_flags = 0;
        std::vector<mapi::PropTag> tags;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.src_index); io.u8(s.dst_index);
            io.boolean(s.want_asynchronous); io.u8(s.copy_flags); io.tags_u16(s.tags);
        }
    };
    using Response = CopyPropertiesBody;
};

// 2.2.8.12 RopCopyTo.
struct RopCopyTo {
    static constexpr uint8_t kId = 0x39;
    static constexpr const char* kName = "RopCopyTo";
    struct Request {
        uint8_t logon_id = 0, src_index = 0, dst_index = 0;
        bool want_asynchronous = false, want_sub_objects = false;
        uint8_t copy_flags = 0;
        std::vector<mapi::PropTag> excluded_tags;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.src_index); io.u8(s.dst_index);
            io.boolean(s.want_asynchronous); io.boolean(s.want_sub_objects); io.u8(s.copy_flags);
            io.tags_u16(s.excluded_tags);
        }
    };
    using Response = CopyPropertiesBody;
};

// ===========================================================================
// 2.2.9 Stream ROPs

// 2.2.9.1 RopOpenStream.
struct RopOpenStream {
    static constexpr uint8_t kId = 0x2B;
    static constexpr const char* kName = "RopOpenStream";
    struct Request {
        uint8_t logon_id = 0, in_index = 0, out_index = 0;
        mapi::PropTag property_tag = 0;
        uint8_t open_mode_flags = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u8(s.out_index);
            io.u32(s.property_tag); io.u8(s.open_mode_flags);
        }
    };
    struct Response {
        uint32_t stream_size = 0;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u32(s.stream_size); }
    };
};

// 2.2.9.2 RopReadStream. MaximumByteCount is present iff ByteCount is 0xBABE.
struct RopReadStream {
    static constexpr uint8_t kId = 0x2C;
    static constexpr const char* kName = "RopReadStream";
    static constexpr uint16_t kUseMaximumByteCount = 0xBABE;
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        uint16_t byte_count = 0;
        uint32_t maximum_byte_count = 0;  // on the wire iff byte_count == 0xBABE
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u16(s.byte_count);
            if (s.byte_count == kUseMaximumByteCount) io.u32(s.maximum_byte_count);
        }
        // The byte limit the client asked for.
        uint32_t limit() const { return byte_count == kUseMaximumByteCount ? maximum_byte_count : byte_count; }
    };
    // MS-OXCRPC 3.1.4.2.1.2: RopReadStream may fill chained buffers.
    static bool packable(const Request&) { return true; }
    struct Response {  // sent whatever the ReturnValue
        Bytes data;
        bool operator==(const Response&) const = default;
        static bool body_on(uint32_t) { return true; }
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.bytes_u16(s.data); }
    };
};

// 2.2.9.3 RopWriteStream.
struct RopWriteStream {
    static constexpr uint8_t kId = 0x2D;
    static constexpr const char* kName = "RopWriteStream";
    using Request = DataRequest;
    using Response = WrittenSizeBody<uint16_t>;
};

// 2.2.9.4 RopWriteStreamExtended (WrittenSize is 4 bytes).
struct RopWriteStreamExtended {
    static constexpr uint8_t kId = 0xA3;
    static constexpr const char* kName = "RopWriteStreamExtended";
    using Request = DataRequest;
    using Response = WrittenSizeBody<uint32_t>;
};

// 2.2.9.5 RopCommitStream.
struct RopCommitStream {
    static constexpr uint8_t kId = 0x5D;
    static constexpr const char* kName = "RopCommitStream";
    using Request = InputOnly;
    using Response = EmptyBody;
};

// 2.2.9.6 RopGetStreamSize.
struct RopGetStreamSize {
    static constexpr uint8_t kId = 0x5E;
    static constexpr const char* kName = "RopGetStreamSize";
    using Request = InputOnly;
    using Response = RopOpenStream::Response;  // StreamSize (4 bytes)
};

// 2.2.9.7 RopSetStreamSize.
struct RopSetStreamSize {
    static constexpr uint8_t kId = 0x2F;
    static constexpr const char* kName = "RopSetStreamSize";
    using Request = IdRequest;  // id = StreamSize (8 bytes)
    using Response = EmptyBody;
};

// 2.2.9.8 RopSeekStream.
struct RopSeekStream {
    static constexpr uint8_t kId = 0x2E;
    static constexpr const char* kName = "RopSeekStream";
    struct Request {
        uint8_t logon_id = 0, in_index = 0, origin = 0;
        uint64_t offset = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); io.u8(s.origin); io.u64(s.offset); }
    };
    struct Response {
        uint64_t new_position = 0;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u64(s.new_position); }
    };
};

// 2.2.9.9 RopCopyToStream.
struct RopCopyToStream {
    static constexpr uint8_t kId = 0x3A;
    static constexpr const char* kName = "RopCopyToStream";
    struct Request {
        uint8_t logon_id = 0, src_index = 0, dst_index = 0;
        uint64_t byte_count = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.src_index); io.u8(s.dst_index); io.u64(s.byte_count);
        }
    };
    struct Response {  // sent whatever the ReturnValue
        std::optional<uint32_t> dest_index;  // set iff ReturnValue is ecDstNullObject
        uint64_t read_byte_count = 0, written_byte_count = 0;
        bool operator==(const Response&) const = default;
        static bool body_on(uint32_t) { return true; }
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            detail::null_destination(io, s.dest_index);
            io.u64(s.read_byte_count); io.u64(s.written_byte_count);
        }
    };
};

// 2.2.9.10 RopLockRegionStream.
struct RopLockRegionStream {
    static constexpr uint8_t kId = 0x5B;
    static constexpr const char* kName = "RopLockRegionStream";
    using Request = RegionRequest;
    using Response = EmptyBody;
};

// 2.2.9.11 RopUnlockRegionStream.
struct RopUnlockRegionStream {
    static constexpr uint8_t kId = 0x5C;
    static constexpr const char* kName = "RopUnlockRegionStream";
    using Request = RegionRequest;
    using Response = EmptyBody;
};

// 2.2.9.12 RopWriteAndCommitStream.
struct RopWriteAndCommitStream {
    static constexpr uint8_t kId = 0x90;
    static constexpr const char* kName = "RopWriteAndCommitStream";
    using Request = DataRequest;
    using Response = WrittenSizeBody<uint16_t>;
};

// 2.2.9.13 RopCloneStream.
struct RopCloneStream {
    static constexpr uint8_t kId = 0x3B;
    static constexpr const char* kName = "RopCloneStream";
    using Request = OutputOnly;
    using Response = EmptyBody;
};

// ===========================================================================
// 2.2.15 Special responses: no request, no handle index, no ReturnValue.
// Response::fields covers what follows the RopId.

// 2.2.15.1 RopBufferTooSmall: SizeNeeded, then the unprocessed requests.
struct RopBufferTooSmall {
    static constexpr uint8_t kId = 0xFF;
    static constexpr const char* kName = "RopBufferTooSmall";
    struct Response {
        uint16_t size_needed = 0;
        Bytes request_buffers;  // rest of the RopsList
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u16(s.size_needed); io.rest(s.request_buffers); }
    };
};

// 2.2.15.2 RopBackoff.
struct RopBackoff {
    static constexpr uint8_t kId = 0xF9;
    static constexpr const char* kName = "RopBackoff";
    struct BackoffRop {  // 2.2.15.2.1.1
        uint8_t rop_id = 0;
        uint32_t duration = 0;
        bool operator==(const BackoffRop&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u8(s.rop_id); io.u32(s.duration); }
    };
    struct Response {
        uint8_t logon_id = 0;
        uint32_t duration = 0;
        std::vector<BackoffRop> rops;  // BackoffRopCount (1 byte) + BackoffRopData
        Bytes additional_data;         // AdditionalDataSize + AdditionalData
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u32(s.duration);
            if constexpr (!IO::decoding)
                if (s.rops.size() > 0xFF) throw std::invalid_argument("too many backoff ROPs");
            uint8_t n = uint8_t(s.rops.size());
            io.u8(n);
            if constexpr (IO::decoding) {
                io.reader().need(size_t(n) * 5, "BackoffRopData");
                s.rops.resize(n);
            }
            for (auto& r : s.rops) BackoffRop::fields(r, io);
            io.bytes_u16(s.additional_data);
        }
    };
};

// ---------------------------------------------------------------------------
// Every ROP with a request, for dispatch by RopId (fuzzing, tools, tests).
using CoreRops = std::tuple<
    RopLogon, RopGetReceiveFolder, RopSetReceiveFolder, RopGetReceiveFolderTable, RopGetStoreState,
    RopGetOwningServers, RopPublicFolderIsGhosted, RopLongTermIdFromId, RopIdFromLongTermId,
    RopGetPerUserLongTermIds, RopGetPerUserGuid, RopReadPerUserInformation, RopWritePerUserInformation,
    RopRelease,
    RopOpenFolder, RopCreateFolder, RopDeleteFolder, RopSetSearchCriteria, RopGetSearchCriteria,
    RopMoveCopyMessages, RopMoveFolder, RopCopyFolder, RopEmptyFolder, RopHardDeleteMessagesAndSubfolders,
    RopDeleteMessages, RopHardDeleteMessages, RopGetHierarchyTable, RopGetContentsTable,
    RopSetColumns, RopSortTable, RopRestrict, RopQueryRows, RopAbort, RopGetStatus, RopQueryPosition,
    RopSeekRow, RopSeekRowBookmark, RopSeekRowFractional, RopCreateBookmark, RopQueryColumnsAll, RopFindRow,
    RopFreeBookmark, RopResetTable, RopExpandRow, RopCollapseRow, RopGetCollapseState, RopSetCollapseState,
    RopGetPropertyIdsFromNames, RopGetNamesFromPropertyIds, RopGetPropertiesSpecific, RopGetPropertiesAll,
    RopGetPropertiesList, RopSetProperties, RopSetPropertiesNoReplicate, RopDeleteProperties,
    RopDeletePropertiesNoReplicate, RopQueryNamedProperties, RopCopyProperties, RopCopyTo,
    RopOpenStream, RopReadStream, RopWriteStream, RopWriteStreamExtended, RopCommitStream, RopGetStreamSize,
    RopSetStreamSize, RopSeekStream, RopCopyToStream, RopLockRegionStream, RopUnlockRegionStream,
    RopWriteAndCommitStream, RopCloneStream>;

// Calls f.template operator()<R>() for the ROP R of CoreRops with R::kId ==
// id; returns false when no such ROP is declared.
template <class F>
bool with_rop(uint8_t id, F&& f) {
    return std::apply([&](auto... r) { return ((decltype(r)::kId == id ? (f.template operator()<decltype(r)>(), true) : false) || ...); },
                      CoreRops{});
}

template <class R>
constexpr bool has_response() {
    if constexpr (requires { R::kHasResponse; }) return R::kHasResponse;
    else return true;
}

// Whether the response of R carries its body for ReturnValue `rv`.
template <class R>
bool body_on(uint32_t rv) {
    if (rv == 0) return true;
    if constexpr (requires { R::Response::body_on(rv); }) return R::Response::body_on(rv);
    else return false;
}

// Whole ROP buffers (RopId included), for clients, tools and tests. The
// server engine reads and writes the fields in place instead.
template <class R>
Bytes encode_request(const typename R::Request& rq, uint32_t codepage = 1252) {
    Push out(codepage);
    out.u8(R::kId);
    R::Request::fields(rq, out);
    return out.take();
}

// Decodes one request starting at its RopId; the bytes must hold exactly it.
template <class R>
typename R::Request decode_request(ByteView b, uint32_t codepage = 1252) {
    Pull in(b, codepage);
    uint8_t id = 0;
    in.u8(id);
    if (id != R::kId) throw DecodeError(std::string("not a ") + R::kName + " request");
    typename R::Request rq{};
    R::Request::fields(rq, in);
    if (in.remaining()) throw DecodeError(std::string("trailing bytes after ") + R::kName + " request");
    return rq;
}

// A response: the handle index echoed from the request, the ReturnValue and
// the body (meaningful when body_on<R>(return_value)).
template <class R>
struct Reply {
    uint8_t index = 0;
    uint32_t return_value = 0;
    typename R::Response body{};
    bool operator==(const Reply&) const = default;
};

template <class R>
Bytes encode_response(const Reply<R>& r, uint32_t codepage = 1252) {
    Push out(codepage);
    out.u8(R::kId);
    out.u8(r.index);
    out.u32(r.return_value);
    if (body_on<R>(r.return_value)) R::Response::fields(r.body, out);
    return out.take();
}

template <class R>
Reply<R> decode_response(ByteView b, uint32_t codepage = 1252) {
    Pull in(b, codepage);
    uint8_t id = 0;
    in.u8(id);
    if (id != R::kId) throw DecodeError(std::string("not a ") + R::kName + " response");
    Reply<R> r;
    in.u8(r.index);
    in.u32(r.return_value);
    in.set_return_value(r.return_value);
    if (body_on<R>(r.return_value)) R::Response::fields(r.body, in);
    if (in.remaining()) throw DecodeError(std::string("trailing bytes after ") + R::kName + " response");
    return r;
}

// RopBufferTooSmall / RopBackoff: RopId + fields.
template <class R>
Bytes encode_special(const typename R::Response& r, uint32_t codepage = 1252) {
    Push out(codepage);
    out.u8(R::kId);
    R::Response::fields(r, out);
    return out.take();
}

template <class R>
typename R::Response decode_special(ByteView b, uint32_t codepage = 1252) {
    Pull in(b, codepage);
    uint8_t id = 0;
    in.u8(id);
    if (id != R::kId) throw DecodeError(std::string("not a ") + R::kName);
    typename R::Response r{};
    R::Response::fields(r, in);
    if (in.remaining()) throw DecodeError(std::string("trailing bytes after ") + R::kName);
    return r;
}

}  // namespace mg::rop
