// A small MAPI client API over EmsmdbClient (the openchangeclient/libmapi
// role): a private-store logon, folders, hierarchy and contents tables,
// properties and named properties, each operation one ROP request buffer
// built and read with the layouts of libmapi/rops.h.
//
// Server objects (logon, folders, tables) live in the server's handle table
// across calls (MS-OXCROPS 1.3.1, 3.1.4.1): the session remembers each
// object's server handle, passes it in the ServerObjectHandleTable of the
// next request that uses it, and releases it (RopRelease) when the last C++
// owner drops it. Releases are queued and travel in front of the next
// request, so closing a table costs no round trip.
//
// A ROP answered with a non-zero ReturnValue throws MapiError whose method
// is the ROP's name ("RopOpenFolder"); transport problems throw RpcFault
// (client/emsmdb_client.h).
//
// The second half of this header is the text form the CLI and tests use:
// tag names, typed values, sort orders and a small restriction syntax.
#pragma once

#include "client/emsmdb_client.h"
#include "libmapi/propcodec.h"
#include "libmapi/property.h"
#include "libmapi/restriction.h"
#include "libmapi/rops.h"
#include "libmapi/rops_message.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace mg::client {

class MapiSession;

inline constexpr uint32_t kNoHandle = 0xFFFFFFFF;

// One object in the server's handle table. Move-only; the destructor queues
// a RopRelease in the owning session, which must outlive it.
class ServerObject {
public:
    ServerObject() = default;
    ServerObject(MapiSession& session, uint32_t handle) : session_(&session), handle_(handle) {}
    ~ServerObject() { reset(); }
    ServerObject(ServerObject&& o) noexcept : session_(o.session_), handle_(o.handle_) { o.session_ = nullptr; }
    ServerObject& operator=(ServerObject&& o) noexcept;
    ServerObject(const ServerObject&) = delete;
    ServerObject& operator=(const ServerObject&) = delete;

    uint32_t handle() const { return handle_; }
    bool valid() const { return session_ != nullptr; }
    void reset();  // releases now-ish (queued)

private:
    MapiSession* session_ = nullptr;
    uint32_t handle_ = kNoHandle;
};

struct Folder : ServerObject {
    Folder() = default;
    Folder(ServerObject obj, uint64_t id) : ServerObject(std::move(obj)), fid(id) {}
    uint64_t fid = 0;
};

struct Table : ServerObject {
    Table() = default;
    Table(ServerObject obj, uint32_t rows) : ServerObject(std::move(obj)), row_count(rows) {}
    uint32_t row_count = 0;                // as reported when opened
    std::vector<mapi::PropTag> columns;    // the last RopSetColumns
    bool at_end = false;                   // the last QueryRows reached the end
};

// One folder of the tree (MapiSession::folder_tree).
struct FolderEntry {
    uint64_t fid = 0, parent_fid = 0;
    uint32_t depth = 0;  // 1 = child of the root folder
    std::string name, container_class, path;  // path: "/Top of Information Store/Inbox"
    uint32_t content_count = 0, child_count = 0;
};

// Indexes into the FolderIds of a private-mailbox RopLogon (MS-OXCSTOR 2.2.1.1.3).
enum class SpecialFolder : uint8_t {
    Root = 0, DeferredAction, SpoolerQueue, IpmSubtree, Inbox, Outbox, SentItems, DeletedItems, CommonViews,
    Schedule, Finder, Views, Shortcuts,
};

// RopGetHierarchyTable / RopGetContentsTable TableFlags (MS-OXCFOLD 2.2.1.13.1, 2.2.1.14.1).
inline constexpr uint8_t kTableAssociated = 0x02, kTableDepth = 0x04;
// RopDeleteFolder DeleteFolderFlags (MS-OXCFOLD 2.2.1.3.1).
inline constexpr uint8_t kDelMessages = 0x01, kDelFolders = 0x04, kDelHardDelete = 0x10;

class MapiSession {
public:
    // `client` must be connected (EcDoConnectEx) and outlive the session.
    explicit MapiSession(EmsmdbClient& client, uint32_t codepage = 1252) : client_(client), codepage_(codepage) {}
    MapiSession(const MapiSession&) = delete;
    MapiSession& operator=(const MapiSession&) = delete;

    // ---- generic ROP exchange
    // Sends R's request with the given ServerObjectHandleTable (slots the
    // request's handle indexes refer to; kNoHandle for output slots), plus
    // the queued releases. Returns the reply; `handles` receives the table
    // the server sent back (new objects at their output slots). Throws
    // MapiError(R::kName, rv) unless rv is 0 or `accept` (e.g.
    // ecWarnWithErrors).
    template <class R>
    rop::Reply<R> call(const typename R::Request& rq, std::vector<uint32_t>& handles, uint32_t accept = 0);
    // Sends the queued releases alone (nothing else to say).
    void flush_releases();
    size_t pending_releases() const { return releases_.size(); }
    // Round trips made so far (EcDoRpcExt2 calls).
    uint64_t round_trips() const { return round_trips_; }

    // ---- store
    // RopLogon to the private mailbox `essdn` (the user's legacyExchangeDN).
    const rop::LogonPrivateMailbox& logon(const std::string& essdn);
    bool logged_on() const { return logon_.valid(); }
    const ServerObject& logon_object() const { return logon_; }
    uint64_t special_folder(SpecialFolder f) const;
    uint32_t store_state();  // RopGetStoreState: the cheapest ROP there is

    // ---- folders
    Folder open_folder(uint64_t fid);
    Folder create_folder(const Folder& parent, const std::string& name, const std::string& comment = {},
                         bool open_existing = false, bool* existed = nullptr);
    // Returns PartialCompletion.
    bool delete_folder(const Folder& parent, uint64_t fid, uint8_t flags = kDelMessages | kDelFolders);
    // ---- messages of a folder (MS-OXCMSG 2.2.3.10, MS-OXCFOLD 2.2.1.11);
    // both return PartialCompletion.
    bool set_read_flags(const Folder& folder, const std::vector<uint64_t>& mids, uint8_t read_flags);
    bool delete_messages(const Folder& folder, const std::vector<uint64_t>& mids, bool hard);
    // RopOpenMessage, read-only (MS-OXCMSG 2.2.3.1).
    ServerObject open_message(uint64_t fid, uint64_t mid);
    // Every folder under the root, depth first in table order, with paths
    // (one deep hierarchy table).
    std::vector<FolderEntry> folder_tree();
    // "0x<hex>" / decimal folder id, or a path as folder_tree() prints it
    // (case-insensitive, a trailing '/' ignored; "/" is the root).
    uint64_t resolve_folder(const std::string& spec);

    // ---- tables
    Table hierarchy_table(const Folder& folder, uint8_t flags = 0);
    Table contents_table(const Folder& folder, uint8_t flags = 0);
    void set_columns(Table& t, std::vector<mapi::PropTag> columns);
    void sort_table(Table& t, const mapi::SortOrderSet& sort);
    void restrict_table(Table& t, const std::optional<mapi::Restriction>& r);
    // Up to `count` rows forward from the cursor (the server fills its
    // response buffer up to the client's limit, 32 KiB per ROP buffer).
    // `packed`: EnablePackedBuffers with the Chain flag, so that one round
    // trip returns up to 256 KiB of rows in chained buffers.
    std::vector<mapi::PropList> query_rows(Table& t, uint16_t count = 100, bool packed = false);
    // Every row from the cursor on, `page` rows per request, at most `limit`.
    std::vector<mapi::PropList> query_all(Table& t, size_t limit = std::numeric_limits<size_t>::max(),
                                          uint16_t page = 100, bool packed = false);

    // ---- properties (of a folder or the logon)
    mapi::PropList get_props(const ServerObject& obj, const std::vector<mapi::PropTag>& tags);
    mapi::PropList get_all_props(const ServerObject& obj);
    std::vector<mapi::PropTag> get_prop_list(const ServerObject& obj);
    std::vector<mapi::PropertyProblem> set_props(const ServerObject& obj, const mapi::PropList& values);
    std::vector<mapi::PropertyProblem> delete_props(const ServerObject& obj, const std::vector<mapi::PropTag>& tags);

    // ---- named properties (MS-OXCPRPT 3.2.5.8/9), on the logon
    std::vector<uint16_t> ids_from_names(const std::vector<mapi::PropertyName>& names, bool create);
    std::vector<mapi::PropertyName> names_from_ids(const std::vector<uint16_t>& ids);

private:
    friend class ServerObject;
    void release_later(uint32_t handle);
    // One request buffer (the ROP after the queued releases) -> the RopsList of the response.
    // With `chained`, asks for packed response buffers and appends the
    // RopsList of every buffer after the first to it.
    Bytes exchange(const Bytes& rop, std::vector<uint32_t>& handles, std::vector<Bytes>* chained = nullptr);
    // Opens an object on slot 1 from the object at slot 0.
    template <class R>
    std::pair<rop::Reply<R>, ServerObject> open_object(const typename R::Request& rq, uint32_t input);
    mapi::CodecOptions codec() const;

    EmsmdbClient& client_;
    uint32_t codepage_;
    std::vector<uint32_t> releases_;  // before logon_: its destructor queues into it
    uint64_t round_trips_ = 0;
    ServerObject logon_;
    rop::LogonPrivateMailbox logon_body_;
};

// ---------------------------------------------------------------------------
// Text forms (CLI, tests, benchmarks).

// "PidTagDisplayName" (MS-OXPROPS names of libmapi/proptags.h, case
// sensitive), optionally ":PT_STRING8"-style type override, or a hex tag
// "0x3001001F". Throws std::invalid_argument.
mapi::PropTag parse_tag(const std::string& text);
std::vector<mapi::PropTag> parse_tag_list(const std::string& comma_separated);
// The tag's name, or "0x3001001F" when it has none.
std::string tag_label(mapi::PropTag tag);

// A value of the tag's type from text: strings as given; integers decimal or
// 0x hex; booleans true/false/1/0; PT_SYSTIME "YYYY-MM-DDTHH:MM:SSZ" or a
// FILETIME number; PT_BINARY hex; PT_CLSID a GUID. Throws std::invalid_argument.
mapi::PropValue parse_value(mapi::PropTag tag, const std::string& text);
// One line: strings as is (control characters escaped), ids (PT_I8 tags
// named "...Id") as 0x%016x, times ISO 8601 UTC, binaries hex, errors
// "error 0x8004010f", multivalued "[a, b]".
std::string format_value(const mapi::PropValue& v);

// "TAG[:asc|:desc],..." -> a SortOrderSet.
mapi::SortOrderSet parse_sort(const std::string& text);

// The restriction syntax (documented in mapigate-client --help):
//   and(E, E, ...)  or(E, E, ...)  not(E)  exists(TAG)
//   TAG OP VALUE    OP: = != < <= > >=  (property comparison, MS-OXCDATA 2.12.5)
//                       ~  substring, ignoring case;  ^  prefix, ignoring case;
//                       == exact string (content restrictions, 2.12.4)
//   TAG & MASK      bitmask != 0;  TAG !& MASK: bitmask == 0 (2.12.7)
// VALUE: "double quoted" (\" and \\ escapes) or a bare word/number, typed
// from TAG as parse_value does. Throws std::invalid_argument with the offset.
mapi::Restriction parse_restriction_text(const std::string& text);

// ---------------------------------------------------------------------------
// Template implementations.

template <class R>
rop::Reply<R> MapiSession::call(const typename R::Request& rq, std::vector<uint32_t>& handles, uint32_t accept) {
    Bytes rops = exchange(rop::encode_request<R>(rq, codepage_), handles);
    if (!rops.empty() && rops[0] == rop::RopBufferTooSmall::kId)
        throw MapiError(rop::RopBufferTooSmall::kName, mapi::ec::BufferTooSmall);
    if (!rops.empty() && rops[0] == rop::RopBackoff::kId) throw MapiError(rop::RopBackoff::kName, mapi::ec::Backoff);
    if (rops.empty()) throw DecodeError(std::string("no response to ") + R::kName);
    auto reply = rop::decode_response<R>(rops, codepage_);
    if (reply.return_value != 0 && reply.return_value != accept) throw MapiError(R::kName, reply.return_value);
    return reply;
}

template <class R>
std::pair<rop::Reply<R>, ServerObject> MapiSession::open_object(const typename R::Request& rq, uint32_t input) {
    std::vector<uint32_t> handles = {input, kNoHandle};
    auto reply = call<R>(rq, handles);
    if (handles.size() < 2 || handles[1] == kNoHandle) throw DecodeError(std::string(R::kName) + ": no handle returned");
    return {std::move(reply), ServerObject(*this, handles[1])};
}

}  // namespace mg::client
