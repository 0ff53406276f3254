#include "client/mapi_session.h"

#include "libmapi/proptags.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <functional>

namespace mg::client {

namespace {

// RopLogon OpenFlags (MS-OXCSTOR 2.2.1.1.1): USE_PER_MDB_REPLID_MAPPING, as Outlook sends.
constexpr uint32_t kUsePerMdbReplidMapping = 0x01000000;
// RopQueryRows Origin (MS-OXCTABL 2.2.2.1.1).
constexpr uint8_t kBookmarkEnd = 0x02;
// Releases carried in front of one request (the handle table has 255 usable slots).
constexpr size_t kMaxReleasesPerCall = 128;

}  // namespace

// ---------------------------------------------------------------------------
// ServerObject

ServerObject& ServerObject::operator=(ServerObject&& o) noexcept {
    if (this != &o) {
        reset();
        session_ = o.session_;
        handle_ = o.handle_;
        o.session_ = nullptr;
    }
    return *this;
}

void ServerObject::reset() {
    if (session_) session_->release_later(handle_);
    session_ = nullptr;
    handle_ = kNoHandle;
}

// ---------------------------------------------------------------------------
// MapiSession: plumbing

void MapiSession::release_later(uint32_t handle) {
    if (handle != kNoHandle) releases_.push_back(handle);
}

mapi::CodecOptions MapiSession::codec() const {
    mapi::CodecOptions o;
    o.codepage = codepage_;
    return o;
}

// MS-OXCROPS 2.2.1: RopSize (u16, itself + RopsList), RopsList, then the
// ServerObjectHandleTable. The queued RopReleases go first, each naming a
// slot after the caller's.
Bytes MapiSession::exchange(const Bytes& rop, std::vector<uint32_t>& handles, std::vector<Bytes>* chained) {
    size_t first_release = handles.size();
    size_t n_release = std::min({releases_.size(), kMaxReleasesPerCall, size_t(255) - std::min<size_t>(255, first_release)});
    ByteWriter rops;
    for (size_t i = 0; i < n_release; ++i) {
        rop::RopRelease::Request rr;
        rr.in_index = uint8_t(first_release + i);
        rops.raw(rop::encode_request<rop::RopRelease>(rr, codepage_));
    }
    rops.raw(rop);
    if (rops.size() + 2 > 0xFFFF) throw std::length_error("ROP request larger than 64 KiB");
    ByteWriter buf(2 + rops.size() + 4 * (handles.size() + n_release));
    buf.u16(uint16_t(2 + rops.size()));
    buf.raw(rops.bytes());
    for (uint32_t h : handles) buf.u32(h);
    for (size_t i = 0; i < n_release; ++i) buf.u32(releases_[i]);
    // Released or not, those handles are gone for us: a retry after a
    // transport failure must not release them twice.
    releases_.erase(releases_.begin(), releases_.begin() + ptrdiff_t(n_release));

    auto buffers = client_.rpc_all(buf.bytes(), chained != nullptr);
    ++round_trips_;
    if (buffers.empty()) throw DecodeError("EcDoRpcExt2: empty rgbOut");
    auto rops_list = [](const Bytes& resp) {
        ByteReader r(resp);
        uint16_t size = r.u16();
        if (size < 2 || size > resp.size()) throw DecodeError("ROP response: RopSize outside the buffer");
        return size;
    };
    const Bytes& resp = buffers.front();
    uint16_t size = rops_list(resp);
    size_t table = (resp.size() - size) / 4;
    ByteReader t(ByteView(resp).subspan(size));
    for (size_t i = 0; i < handles.size() && i < table; ++i) handles[i] = t.u32();
    for (size_t b = 1; chained && b < buffers.size(); ++b) {
        uint16_t n = rops_list(buffers[b]);
        chained->emplace_back(buffers[b].begin() + 2, buffers[b].begin() + n);
    }
    return Bytes(resp.begin() + 2, resp.begin() + size);
}

void MapiSession::flush_releases() {
    while (!releases_.empty()) {
        std::vector<uint32_t> none;
        Bytes rops = exchange({}, none);
        if (!rops.empty()) throw DecodeError("unexpected response to RopRelease");
    }
}

// ---------------------------------------------------------------------------
// Store

const rop::LogonPrivateMailbox& MapiSession::logon(const std::string& essdn) {
    rop::RopLogon::Request rq;
    rq.logon_id = 0;
    rq.out_index = 0;
    rq.logon_flags = rop::RopLogon::kPrivate;
    rq.open_flags = kUsePerMdbReplidMapping;
    rq.essdn = essdn;
    std::vector<uint32_t> handles = {kNoHandle};
    auto reply = call<rop::RopLogon>(rq, handles);
    auto* body = std::get_if<rop::LogonPrivateMailbox>(&reply.body.body);
    if (!body) throw DecodeError("RopLogon: not a private-mailbox response");
    logon_ = ServerObject(*this, handles[0]);
    logon_body_ = *body;
    return logon_body_;
}

uint64_t MapiSession::special_folder(SpecialFolder f) const {
    if (!logged_on()) throw std::logic_error("no logon");
    return logon_body_.folder_ids[size_t(f)];
}

uint32_t MapiSession::store_state() {
    rop::InputOnly rq;
    std::vector<uint32_t> handles = {logon_.handle()};
    return call<rop::RopGetStoreState>(rq, handles).body.store_state;
}

// ---------------------------------------------------------------------------
// Folders

Folder MapiSession::open_folder(uint64_t fid) {
    rop::RopOpenFolder::Request rq;
    rq.in_index = 0;
    rq.out_index = 1;
    rq.folder_id = fid;
    auto opened = open_object<rop::RopOpenFolder>(rq, logon_.handle());
    return Folder(std::move(opened.second), fid);
}

Folder MapiSession::create_folder(const Folder& parent, const std::string& name, const std::string& comment,
                                  bool open_existing, bool* existed) {
    rop::RopCreateFolder::Request rq;
    rq.in_index = 0;
    rq.out_index = 1;
    rq.folder_type = 1;  // generic (MS-OXCFOLD 2.2.1.2.1)
    rq.use_unicode_strings = true;
    rq.open_existing = open_existing;
    rq.display_name = name;
    rq.comment = comment;
    auto created = open_object<rop::RopCreateFolder>(rq, parent.handle());
    if (existed) *existed = created.first.body.existing.has_value();
    return Folder(std::move(created.second), created.first.body.folder_id);
}

bool MapiSession::delete_folder(const Folder& parent, uint64_t fid, uint8_t flags) {
    rop::RopDeleteFolder::Request rq;
    rq.in_index = 0;
    rq.delete_folder_flags = flags;
    rq.folder_id = fid;
    std::vector<uint32_t> handles = {parent.handle()};
    return call<rop::RopDeleteFolder>(rq, handles).body.partial_completion;
}

bool MapiSession::set_read_flags(const Folder& folder, const std::vector<uint64_t>& mids, uint8_t read_flags) {
    rop::RopSetReadFlags::Request rq;
    rq.in_index = 0;
    rq.read_flags = read_flags;
    rq.message_ids = mids;
    std::vector<uint32_t> handles = {folder.handle()};
    return call<rop::RopSetReadFlags>(rq, handles).body.partial_completion;
}

ServerObject MapiSession::open_message(uint64_t fid, uint64_t mid) {
    rop::RopOpenMessage::Request rq;
    rq.in_index = 0;
    rq.out_index = 1;
    rq.code_page_id = 0x0FFF;  // the logon's code page
    rq.folder_id = fid;
    rq.open_mode_flags = rop::RopOpenMessage::kReadOnly;
    rq.message_id = mid;
    return open_object<rop::RopOpenMessage>(rq, logon_.handle()).second;
}

bool MapiSession::delete_messages(const Folder& folder, const std::vector<uint64_t>& mids, bool hard) {
    rop::DeleteMessagesRequest rq;
    rq.in_index = 0;
    rq.message_ids = mids;
    std::vector<uint32_t> handles = {folder.handle()};
    if (hard) return call<rop::RopHardDeleteMessages>(rq, handles).body.partial_completion;
    return call<rop::RopDeleteMessages>(rq, handles).body.partial_completion;
}

namespace {

std::string string_of(const mapi::PropValue& v) {
    auto* s = std::get_if<std::string>(&v.value);
    return s ? *s : std::string();
}

template <class T>
T number_of(const mapi::PropValue& v) {
    if (v.is_missing()) return T{};
    return std::visit(
        [](const auto& x) -> T {
            using X = std::decay_t<decltype(x)>;
            if constexpr (std::is_arithmetic_v<X>) return T(x);
            else return T{};
        },
        v.value);
}

// Sort key putting a folder right after its parent: '/' sorts before every
// other character, and names compare case-insensitively.
std::string tree_key(const std::string& path) {
    std::string k = mapi::fold_text(path);
    std::replace(k.begin(), k.end(), '/', '\x01');
    return k;
}

}  // namespace

std::vector<FolderEntry> MapiSession::folder_tree() {
    Folder root = open_folder(special_folder(SpecialFolder::Root));
    Table t = hierarchy_table(root, kTableDepth);
    using namespace mapi;
    set_columns(t, {PidTagFolderId, PidTagParentFolderId, PidTagDepth, PidTagDisplayName, PidTagContainerClass,
                    PidTagContentCount, PidTagFolderChildCount});
    std::vector<FolderEntry> out;
    for (const auto& row : query_all(t)) {
        FolderEntry e;
        e.fid = number_of<uint64_t>(row[0]);
        e.parent_fid = number_of<uint64_t>(row[1]);
        e.depth = number_of<uint32_t>(row[2]);
        e.name = string_of(row[3]);
        e.container_class = string_of(row[4]);
        e.content_count = number_of<uint32_t>(row[5]);
        e.child_count = number_of<uint32_t>(row[6]);
        out.push_back(std::move(e));
    }
    // Paths from the parent links (whatever order the rows came in).
    std::map<uint64_t, size_t> by_fid;
    for (size_t i = 0; i < out.size(); ++i) by_fid[out[i].fid] = i;
    std::function<const std::string&(size_t, unsigned)> path_of = [&](size_t i, unsigned guard) -> const std::string& {
        FolderEntry& e = out[i];
        if (e.path.empty()) {
            auto p = by_fid.find(e.parent_fid);
            std::string prefix = (p == by_fid.end() || guard > out.size()) ? std::string() : path_of(p->second, guard + 1);
            e.path = prefix + "/" + e.name;
        }
        return e.path;
    };
    for (size_t i = 0; i < out.size(); ++i) path_of(i, 0);
    std::stable_sort(out.begin(), out.end(),
                     [](const FolderEntry& a, const FolderEntry& b) { return tree_key(a.path) < tree_key(b.path); });
    return out;
}

uint64_t MapiSession::resolve_folder(const std::string& spec) {
    if (spec.empty()) throw std::invalid_argument("empty folder name");
    if (std::isdigit(static_cast<unsigned char>(spec[0]))) {
        char* end = nullptr;
        errno = 0;
        unsigned long long v = strtoull(spec.c_str(), &end, 0);
        if (errno || *end) throw std::invalid_argument("bad folder id: " + spec);
        return v;
    }
    std::string want = spec;
    while (want.size() > 1 && want.back() == '/') want.pop_back();
    if (want == "/") return special_folder(SpecialFolder::Root);
    if (want[0] != '/') want = "/" + want;
    std::string key = mapi::fold_text(want);
    for (const auto& e : folder_tree())
        if (mapi::fold_text(e.path) == key) return e.fid;
    throw MapiError("folder lookup", mapi::ec::NotFound);
}

// ---------------------------------------------------------------------------
// Tables

Table MapiSession::hierarchy_table(const Folder& folder, uint8_t flags) {
    rop::GetTableRequest rq;
    rq.in_index = 0;
    rq.out_index = 1;
    rq.table_flags = flags;
    auto opened = open_object<rop::RopGetHierarchyTable>(rq, folder.handle());
    return Table(std::move(opened.second), opened.first.body.row_count);
}

Table MapiSession::contents_table(const Folder& folder, uint8_t flags) {
    rop::GetTableRequest rq;
    rq.in_index = 0;
    rq.out_index = 1;
    rq.table_flags = flags;
    auto opened = open_object<rop::RopGetContentsTable>(rq, folder.handle());
    return Table(std::move(opened.second), opened.first.body.row_count);
}

void MapiSession::set_columns(Table& t, std::vector<mapi::PropTag> columns) {
    rop::RopSetColumns::Request rq;
    rq.in_index = 0;
    rq.tags = columns;
    std::vector<uint32_t> handles = {t.handle()};
    call<rop::RopSetColumns>(rq, handles);
    t.columns = std::move(columns);
}

void MapiSession::sort_table(Table& t, const mapi::SortOrderSet& sort) {
    rop::RopSortTable::Request rq;
    rq.in_index = 0;
    rq.sort = sort;
    std::vector<uint32_t> handles = {t.handle()};
    call<rop::RopSortTable>(rq, handles);
    t.at_end = false;
}

void MapiSession::restrict_table(Table& t, const std::optional<mapi::Restriction>& r) {
    rop::RopRestrict::Request rq;
    rq.in_index = 0;
    rq.restriction = r;
    std::vector<uint32_t> handles = {t.handle()};
    call<rop::RopRestrict>(rq, handles);
    t.at_end = false;
}

std::vector<mapi::PropList> MapiSession::query_rows(Table& t, uint16_t count, bool packed) {
    if (t.columns.empty()) throw std::logic_error("query_rows before set_columns");
    rop::RopQueryRows::Request rq;
    rq.in_index = 0;
    rq.forward_read = true;
    rq.row_count = count;
    if (packed) rq.query_rows_flags = rop::RopQueryRows::kEnablePackedBuffers;
    std::vector<uint32_t> handles = {t.handle()};
    std::vector<Bytes> more;
    Bytes first = exchange(rop::encode_request<rop::RopQueryRows>(rq, codepage_), handles, packed ? &more : nullptr);
    more.insert(more.begin(), std::move(first));
    std::vector<mapi::PropList> rows;
    auto o = codec();
    for (const Bytes& rops : more) {
        if (!rops.empty() && rops[0] == rop::RopBufferTooSmall::kId)
            throw MapiError(rop::RopBufferTooSmall::kName, mapi::ec::BufferTooSmall);
        if (!rops.empty() && rops[0] == rop::RopBackoff::kId) throw MapiError(rop::RopBackoff::kName, mapi::ec::Backoff);
        auto reply = rop::decode_response<rop::RopQueryRows>(rops, codepage_);
        if (reply.return_value != 0) throw MapiError(rop::RopQueryRows::kName, reply.return_value);
        ByteReader r(reply.body.rows);
        for (uint16_t i = 0; i < reply.body.row_count; ++i) rows.push_back(mapi::read_property_row(r, t.columns, o));
        if (!r.empty()) throw DecodeError("RopQueryRows: bytes after the last row");
        t.at_end = reply.body.origin == kBookmarkEnd || reply.body.row_count == 0;
    }
    return rows;
}

std::vector<mapi::PropList> MapiSession::query_all(Table& t, size_t limit, uint16_t page, bool packed) {
    std::vector<mapi::PropList> out;
    t.at_end = false;
    while (!t.at_end && out.size() < limit) {
        auto rows = query_rows(t, uint16_t(std::min<size_t>(page, limit - out.size())), packed);
        for (auto& r : rows) out.push_back(std::move(r));
    }
    return out;
}

// ---------------------------------------------------------------------------
// Properties

mapi::PropList MapiSession::get_props(const ServerObject& obj, const std::vector<mapi::PropTag>& tags) {
    rop::RopGetPropertiesSpecific::Request rq;
    rq.in_index = 0;
    rq.want_unicode = 1;
    rq.tags = tags;
    std::vector<uint32_t> handles = {obj.handle()};
    auto reply = call<rop::RopGetPropertiesSpecific>(rq, handles, rop::kWarnWithErrors);
    ByteReader r(reply.body.row);
    auto row = mapi::read_property_row(r, tags, codec());
    if (!r.empty()) throw DecodeError("RopGetPropertiesSpecific: bytes after the row");
    return row;
}

mapi::PropList MapiSession::get_all_props(const ServerObject& obj) {
    rop::RopGetPropertiesAll::Request rq;
    rq.in_index = 0;
    rq.want_unicode = 1;
    std::vector<uint32_t> handles = {obj.handle()};
    return call<rop::RopGetPropertiesAll>(rq, handles).body.values;
}

std::vector<mapi::PropTag> MapiSession::get_prop_list(const ServerObject& obj) {
    rop::InputOnly rq;
    std::vector<uint32_t> handles = {obj.handle()};
    return call<rop::RopGetPropertiesList>(rq, handles).body.tags;
}

std::vector<mapi::PropertyProblem> MapiSession::set_props(const ServerObject& obj, const mapi::PropList& values) {
    rop::SetPropertiesRequest rq;
    rq.in_index = 0;
    rq.values = values;
    std::vector<uint32_t> handles = {obj.handle()};
    return call<rop::RopSetProperties>(rq, handles).body.problems;
}

std::vector<mapi::PropertyProblem> MapiSession::delete_props(const ServerObject& obj,
                                                             const std::vector<mapi::PropTag>& tags) {
    rop::TagsRequest rq;
    rq.in_index = 0;
    rq.tags = tags;
    std::vector<uint32_t> handles = {obj.handle()};
    return call<rop::RopDeleteProperties>(rq, handles).body.problems;
}

std::vector<uint16_t> MapiSession::ids_from_names(const std::vector<mapi::PropertyName>& names, bool create) {
    rop::RopGetPropertyIdsFromNames::Request rq;
    rq.in_index = 0;
    rq.flags = create ? 0x02 : 0x00;  // MS-OXCPRPT 2.2.12.1: Create
    rq.names = names;
    std::vector<uint32_t> handles = {logon_.handle()};
    return call<rop::RopGetPropertyIdsFromNames>(rq, handles, rop::kWarnWithErrors).body.property_ids;
}

std::vector<mapi::PropertyName> MapiSession::names_from_ids(const std::vector<uint16_t>& ids) {
    rop::RopGetNamesFromPropertyIds::Request rq;
    rq.in_index = 0;
    rq.property_ids = ids;
    std::vector<uint32_t> handles = {logon_.handle()};
    return call<rop::RopGetNamesFromPropertyIds>(rq, handles).body.names;
}

// ---------------------------------------------------------------------------
// Text forms

namespace {

struct NamedTag {
    const char* name;
    mapi::PropTag tag;
};
#define MG_NAMED_TAG(name, tag) {#name, tag},
constexpr NamedTag kNamedTags[] = {MG_PROPTAGS(MG_NAMED_TAG)};
#undef MG_NAMED_TAG

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument(what); }

std::string trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

int64_t parse_int(const std::string& text, int64_t lo, int64_t hi) {
    std::string s = trim(text);
    if (s.empty()) bad("empty number");
    bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    char* end = nullptr;
    errno = 0;
    int64_t v;
    if (s[0] == '-') {
        v = strtoll(s.c_str(), &end, 0);
    } else {
        unsigned long long u = strtoull(s.c_str(), &end, 0);
        if (hex && lo < 0 && u > uint64_t(hi) && u <= 2 * uint64_t(hi) + 1)
            v = int64_t(u - (uint64_t(hi) + 1)) + lo;  // a signed type's bit pattern: 0xFFFFFFFF is -1
        else if (u > uint64_t(INT64_MAX))
            v = hi, errno = ERANGE;
        else
            v = int64_t(u);
    }
    if (errno || end == s.c_str() || *end) bad("not a number (or out of range): " + s);
    if (v < lo || v > hi) bad("out of range: " + s);
    return v;
}

double parse_double(const std::string& s) {
    char* end = nullptr;
    errno = 0;
    double v = strtod(s.c_str(), &end);
    if (errno || end == s.c_str() || *end) bad("not a number: " + s);
    return v;
}

// FILETIME: 100 ns units since 1601-01-01 UTC.
constexpr int64_t kFiletimeUnixEpoch = 116444736000000000LL;

int64_t parse_time(const std::string& s) {
    tm t{};
    int n = 0;
    if (sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &t.tm_year, &t.tm_mon, &t.tm_mday, &t.tm_hour, &t.tm_min,
               &t.tm_sec, &n) == 6 && size_t(n) == s.size()) {
        t.tm_year -= 1900;
        t.tm_mon -= 1;
        return int64_t(timegm(&t)) * 10000000 + kFiletimeUnixEpoch;
    }
    return parse_int(s, INT64_MIN, INT64_MAX);
}

std::string format_time(int64_t ft) {
    time_t secs = time_t((ft - kFiletimeUnixEpoch) / 10000000);
    tm t{};
    if (!gmtime_r(&secs, &t)) return std::to_string(ft);
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &t);
    return buf;
}

std::string escaped(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '\t') out += "\\t";
        else if (c < 0x20) {
            char b[8];
            snprintf(b, sizeof b, "\\x%02x", c);
            out += b;
        } else {
            out.push_back(char(c));
        }
    }
    return out;
}

bool is_id_tag(mapi::PropTag tag) {
    std::string n = mapi::tag_name(tag);
    return n.size() > 2 && n.compare(n.size() - 2, 2, "Id") == 0;
}

template <class V>
std::string join_values(const std::vector<V>& v, const std::function<std::string(const V&)>& f) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + f(v[i]);
    return out + "]";
}

}  // namespace

mapi::PropTag parse_tag(const std::string& text) {
    std::string s = trim(text);
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        int64_t v = parse_int(s, 0, UINT32_MAX);
        return mapi::PropTag(v);
    }
    for (const auto& t : kNamedTags)
        if (s == t.name) return t.tag;
    bad("unknown property tag: " + s + " (use an MS-OXPROPS name such as PidTagDisplayName, or 0x3001001F)");
}

std::vector<mapi::PropTag> parse_tag_list(const std::string& text) {
    std::vector<mapi::PropTag> out;
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        std::string item = trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (!item.empty()) out.push_back(parse_tag(item));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    if (out.empty()) bad("no property tags in '" + text + "'");
    return out;
}

std::string tag_label(mapi::PropTag tag) {
    std::string n = mapi::tag_name(tag);
    if (n != "unknown" && mapi::prop_id(tag) < 0x8000) return n;
    char buf[16];
    snprintf(buf, sizeof buf, "0x%08X", tag);
    return buf;
}

mapi::PropValue parse_value(mapi::PropTag tag, const std::string& text) {
    using namespace mapi;
    uint16_t type = value_type(prop_type(tag));
    switch (type) {
    case PT_SHORT: return PropValue::i16(tag, int16_t(parse_int(text, INT16_MIN, INT16_MAX)));
    case PT_LONG: return PropValue::i32(tag, int32_t(parse_int(text, INT32_MIN, INT32_MAX)));
    case PT_ERROR: return PropValue{tag, uint32_t(parse_int(text, 0, UINT32_MAX))};
    case PT_I8: case PT_CURRENCY: return PropValue::i64(tag, parse_int(text, INT64_MIN, INT64_MAX));
    case PT_SYSTIME: return PropValue::i64(tag, parse_time(trim(text)));
    case PT_FLOAT: return PropValue{tag, float(parse_double(trim(text)))};
    case PT_DOUBLE: case PT_APPTIME: return PropValue{tag, parse_double(trim(text))};
    case PT_BOOLEAN: {
        std::string s = fold_text(trim(text));
        if (s == "true" || s == "1" || s == "yes") return PropValue::boolean(tag, true);
        if (s == "false" || s == "0" || s == "no") return PropValue::boolean(tag, false);
        bad("not a boolean: " + text);
    }
    case PT_STRING8: case PT_UNICODE: return PropValue::str(tag, text);
    case PT_BINARY: case PT_SVREID: return PropValue::bin(tag, from_hex(text));
    case PT_CLSID: return PropValue::guid(tag, Guid::parse(trim(text)));
    default: bad(std::string("values of type ") + type_name(type) + " cannot be given as text");
    }
}

std::string format_value(const mapi::PropValue& v) {
    using namespace mapi;
    uint16_t type = value_type(prop_type(v.tag));
    char buf[64];
    if (type == PT_ERROR) {
        snprintf(buf, sizeof buf, "error 0x%08x", std::get_if<uint32_t>(&v.value) ? std::get<uint32_t>(v.value) : 0u);
        return buf;
    }
    if (type == PT_NULL) return "(no value)";
    if ((type == PT_I8 || type == PT_CURRENCY) && std::holds_alternative<int64_t>(v.value) && is_id_tag(v.tag)) {
        snprintf(buf, sizeof buf, "0x%016" PRIx64, uint64_t(std::get<int64_t>(v.value)));
        return buf;
    }
    if (type == PT_SYSTIME && std::holds_alternative<int64_t>(v.value)) return format_time(std::get<int64_t>(v.value));
    if (type == PT_MV_SYSTIME && std::holds_alternative<std::vector<int64_t>>(v.value))
        return join_values<int64_t>(std::get<std::vector<int64_t>>(v.value), format_time);
    return std::visit(
        [](const auto& x) -> std::string {
            using X = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<X, std::monostate>) return "(no value)";
            else if constexpr (std::is_same_v<X, bool>) return x ? "true" : "false";
            else if constexpr (std::is_same_v<X, float> || std::is_same_v<X, double>) {
                char b[32];
                snprintf(b, sizeof b, "%.17g", double(x));
                return b;
            } else if constexpr (std::is_integral_v<X>) return std::to_string(x);
            else if constexpr (std::is_same_v<X, std::string>) return escaped(x);
            else if constexpr (std::is_same_v<X, Guid>) return x.str();
            else if constexpr (std::is_same_v<X, Bytes>) return to_hex(x);
            else if constexpr (std::is_same_v<X, std::shared_ptr<const Restriction>>) return "(restriction)";
            else {
                using E = typename X::value_type;
                return join_values<E>(x, [](const E& e) -> std::string {
                    if constexpr (std::is_same_v<E, std::string>) return escaped(e);
                    else if constexpr (std::is_same_v<E, Guid>) return e.str();
                    else if constexpr (std::is_same_v<E, Bytes>) return to_hex(e);
                    else if constexpr (std::is_floating_point_v<E>) return std::to_string(e);
                    else return std::to_string(e);
                });
            }
        },
        v.value);
}

mapi::SortOrderSet parse_sort(const std::string& text) {
    mapi::SortOrderSet set;
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        std::string item = trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (!item.empty()) {
            mapi::SortOrder so;
            size_t colon = item.find(':');
            std::string dir = colon == std::string::npos ? "asc" : mapi::fold_text(item.substr(colon + 1));
            so.tag = parse_tag(item.substr(0, colon));
            if (dir == "desc") so.order = mapi::SortOrder::Descending;
            else if (dir != "asc") bad("sort direction must be asc or desc: " + item);
            set.sorts.push_back(so);
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    if (set.sorts.empty()) bad("empty sort order");
    return set;
}

namespace {

// Recursive descent over the syntax of parse_restriction_text.
class RestrictionParser {
public:
    explicit RestrictionParser(const std::string& s) : s_(s) {}

    mapi::Restriction parse() {
        mapi::Restriction r = expr(0);
        skip();
        if (p_ != s_.size()) fail("unexpected text");
        return r;
    }

private:
    static constexpr unsigned kMaxDepth = 64;

    [[noreturn]] void fail(const std::string& what) const {
        bad("restriction: " + what + " at offset " + std::to_string(p_) + " in '" + s_ + "'");
    }
    void skip() {
        while (p_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[p_]))) ++p_;
    }
    bool eat(const char* tok) {
        skip();
        size_t n = strlen(tok);
        if (s_.compare(p_, n, tok) != 0) return false;
        p_ += n;
        return true;
    }
    void expect(const char* tok) {
        if (!eat(tok)) fail(std::string("expected '") + tok + "'");
    }
    std::string word() {
        skip();
        size_t b = p_;
        while (p_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[p_])) || s_[p_] == '_')) ++p_;
        if (b == p_) fail("expected a name");
        return s_.substr(b, p_ - b);
    }
    std::string value() {
        skip();
        if (p_ < s_.size() && s_[p_] == '"') {
            std::string out;
            for (++p_; p_ < s_.size() && s_[p_] != '"'; ++p_) {
                if (s_[p_] == '\\' && p_ + 1 < s_.size()) ++p_;
                out.push_back(s_[p_]);
            }
            if (p_ >= s_.size()) fail("unterminated string");
            ++p_;
            return out;
        }
        size_t b = p_;
        while (p_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[p_])) && s_[p_] != ',' && s_[p_] != ')')
            ++p_;
        if (b == p_) fail("expected a value");
        return s_.substr(b, p_ - b);
    }
    mapi::PropTag tag_here() {
        size_t at = p_;
        std::string w = word();
        try {
            return parse_tag(w);
        } catch (const std::invalid_argument& e) {
            p_ = at;
            fail(e.what());
        }
    }

    mapi::Restriction expr(unsigned depth) {
        if (depth > kMaxDepth) fail("nested too deeply");
        using R = mapi::Restriction;
        skip();
        size_t at = p_;
        std::string w = word();
        std::string kw = mapi::fold_text(w);
        skip();
        if (p_ < s_.size() && s_[p_] == '(') {
            ++p_;
            R r;
            if (kw == "and" || kw == "or") {
                r.type = kw == "and" ? R::And : R::Or;
                if (!eat(")")) {
                    do r.children.push_back(expr(depth + 1));
                    while (eat(","));
                    expect(")");
                }
            } else if (kw == "not") {
                r.type = R::Not;
                r.children.push_back(expr(depth + 1));
                expect(")");
            } else if (kw == "exists") {
                r.type = R::Exist;
                r.tag = tag_here();
                expect(")");
            } else {
                p_ = at;
                fail("unknown function '" + w + "' (and, or, not, exists)");
            }
            return r;
        }
        p_ = at;
        mapi::PropTag tag = tag_here();
        R r;
        r.tag = tag;
        // Longest operators first.
        struct Op { const char* text; int kind; mapi::RelOp relop; };
        static const Op ops[] = {
            {"==", 1, mapi::RELOP_EQ}, {"!=", 0, mapi::RELOP_NE}, {"<=", 0, mapi::RELOP_LE},
            {">=", 0, mapi::RELOP_GE}, {"!&", 2, mapi::RELOP_EQ}, {"=", 0, mapi::RELOP_EQ},
            {"<", 0, mapi::RELOP_LT},  {">", 0, mapi::RELOP_GT},  {"~", 3, mapi::RELOP_EQ},
            {"^", 4, mapi::RELOP_EQ},  {"&", 5, mapi::RELOP_EQ},
        };
        const Op* op = nullptr;
        for (const auto& o : ops)
            if (eat(o.text)) { op = &o; break; }
        if (!op) fail("expected an operator (= != < <= > >= ~ ^ == & !&)");
        size_t vat = p_;
        std::string text = value();
        try {
            switch (op->kind) {
            case 0:
                r.type = R::Property;
                r.relop = op->relop;
                r.value = parse_value(tag, text);
                break;
            case 1: case 3: case 4: {
                uint16_t t = mapi::prop_type(tag);
                if (t != mapi::PT_UNICODE && t != mapi::PT_STRING8 && t != mapi::PT_BINARY)
                    bad("~, ^ and == need a string or binary property");
                r.type = R::Content;
                uint32_t low = op->kind == 1 ? mapi::FL_FULLSTRING : op->kind == 3 ? mapi::FL_SUBSTRING : mapi::FL_PREFIX;
                uint32_t high = op->kind == 1 ? 0 : mapi::FL_IGNORECASE;
                r.fuzzy = low | high << 16;
                r.value = parse_value(tag, text);
                break;
            }
            case 2: case 5:
                r.type = R::Bitmask;
                r.bitmap_op = op->kind == 5 ? mapi::BMR_NEZ : mapi::BMR_EQZ;
                r.mask = uint32_t(parse_int(text, 0, UINT32_MAX));
                break;
            }
        } catch (const std::invalid_argument& e) {
            p_ = vat;
            fail(e.what());
        }
        return r;
    }

    const std::string& s_;
    size_t p_ = 0;
};

}  // namespace

mapi::Restriction parse_restriction_text(const std::string& text) { return RestrictionParser(text).parse(); }

}  // namespace mg::client
