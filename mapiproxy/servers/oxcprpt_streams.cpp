// Stream ROPs (MS-OXCPRPT 2.2.14-2.2.27, server processing 3.2.5.11-3.2.5.24):
// large property values read and written in pieces.
//
// A Stream object holds the property's value in its wire form (PT_BINARY:
// the bytes; PT_UNICODE: UTF-16LE; PT_STRING8: the session's code page;
// strings with their terminator, as MS-OXCDATA 2.11.1 defines the types) and
// converts back to the store's value on commit. Memory: the whole value is
// held, at most kMaxStreamSize bytes; that is fine for property values, a
// spill-to-file buffer can replace Bytes when attachments need more.
#include "mapiproxy/servers/oxcprpt_streams.h"

#include "common/log.h"
#include "libmapi/propcodec.h"
#include "libmapi/rops.h"

#include <algorithm>
#include <cstring>

namespace mg::emsmdb {

std::optional<HostRef> property_host(const std::shared_ptr<ServerObject>& obj) {
    if (auto f = std::dynamic_pointer_cast<FolderObject>(obj)) {
        if (!f->folder) return std::nullopt;
        return HostRef{obj, f->folder.get(), HostKind::Folder, true, f->logon};
    }
    if (auto h = std::dynamic_pointer_cast<PropertyHost>(obj))
        return HostRef{obj, &h->host_properties(), h->host_kind(), h->host_writable(), h->host_logon()};
    return std::nullopt;
}

namespace {

namespace ec = mapi::ec;
using mapi::PropTag;
using mapi::PropValue;

// Stream error codes (MS-OXCDATA 2.4.1; MS-OXCPRPT 3.2.5.13, 3.2.5.18).
constexpr uint32_t kStreamAccessDenied = 0x80030005;  // StreamAccessDenied: write access is denied
constexpr uint32_t kStreamSeekError = 0x80030019;     // StreamSeekError: seek before 0 or past the maximum
constexpr uint32_t kStreamSizeError = 0x80030070;     // StreamSizeError: the maximum size would be exceeded
constexpr uint32_t kStreamInvalidParam = 0x80030057;  // StreamInvalidParam: invalid Origin

// OpenModeFlags (MS-OXCPRPT 2.2.14.1): values, not bits.
constexpr uint8_t kReadOnly = 0x00, kReadWrite = 0x01, kCreate = 0x02, kBestAccess = 0x03;
// SeekStream Origin (MS-OXCROPS 2.2.9.8.1).
constexpr uint8_t kSeekBeginning = 0x00, kSeekCurrent = 0x01, kSeekEnd = 0x02;

// The largest stream. MS-OXCROPS 2.2.9.7.1 lets the server configure its
// maximum (2^31 by default); the whole value is held in memory here.
constexpr uint64_t kMaxStreamSize = uint64_t(64) << 20;
// MS-OXCPRPT 3.2.5.18: seek pointers beyond 2^31 are refused.
constexpr int64_t kMaxSeek = int64_t(1) << 31;

// The type a stream's value is stored with: PtypObject (attachment data)
// is kept as binary.
uint16_t storage_type(PropTag tag) {
    uint16_t t = mapi::prop_type(tag);
    return t == mapi::PT_OBJECT ? uint16_t(mapi::PT_BINARY) : t;
}

// MS-OXCPRPT 2.2.14: PtypBinary, PtypString8 and PtypString on every host;
// PtypObject only where the spec allows it (attachment data).
bool streamable(uint16_t type, HostKind host) {
    switch (type) {
    case mapi::PT_BINARY: case mapi::PT_STRING8: case mapi::PT_UNICODE: return true;
    case mapi::PT_OBJECT: return host == HostKind::Attachment;
    default: return false;
    }
}

// The value as stream bytes (wire form, strings with their terminator).
Bytes to_stream(const PropValue& v, uint16_t type, uint32_t codepage) {
    switch (type) {
    case mapi::PT_UNICODE: {
        Bytes b = mapi::utf8_to_utf16le(v.as_str());
        b.push_back(0);
        b.push_back(0);
        return b;
    }
    case mapi::PT_STRING8: {
        // '?' for characters the code page lacks, as RopGetPropertiesSpecific
        // does for an 8-bit request (MS-OXCPRPT 3.2.5.1).
        std::string s = mapi::utf8_to_string8(v.as_str(), codepage, true);
        Bytes b(s.begin(), s.end());
        b.push_back(0);
        return b;
    }
    default: return v.as_bin();
    }
}

// Stream bytes back to a value. A string ends at its first terminator
// (clients write the terminator, or not).
PropValue from_stream(PropTag tag, ByteView data, uint32_t codepage) {
    uint16_t type = storage_type(tag);
    PropTag stored = mapi::change_type(tag, type);
    try {
        if (type == mapi::PT_UNICODE) {
            if (data.size() % 2) throw RopError(ec::BadValue, "a UTF-16 stream has an odd number of bytes");
            size_t n = 0;
            while (n < data.size() && (data[n] || data[n + 1])) n += 2;
            return PropValue::str(stored, mapi::utf16le_to_utf8(data.subspan(0, n), "stream"));
        }
        if (type == mapi::PT_STRING8) {
            size_t n = std::find(data.begin(), data.end(), uint8_t(0)) - data.begin();
            return PropValue::str(stored, mapi::string8_to_utf8(
                                              std::string_view(reinterpret_cast<const char*>(data.data()), n),
                                              codepage, "stream"));
        }
    } catch (const DecodeError& e) {
        throw RopError(ec::BadValue, std::string("stream content is not a valid string: ") + e.what());
    }
    return PropValue::bin(stored, Bytes(data.begin(), data.end()));
}

// The bytes of an open stream and what they belong to, shared by a Stream
// object and its clones (MS-OXCPRPT 3.2.5.24: changes through one are seen
// by the other, seek pointers are independent).
class StreamState {
public:
    StreamState(std::shared_ptr<void> store, HostRef host, PropTag tag, bool writable, uint32_t codepage)
        : store_(std::move(store)), host_(std::move(host)), tag_(tag), writable_(writable), codepage_(codepage) {}
    StreamState(const StreamState&) = delete;
    StreamState& operator=(const StreamState&) = delete;

    // MS-OXCPRPT 3.2.5.13: a folder's value is persisted on RopCommitStream
    // or when the Stream object is released; a message's or attachment's is
    // set on the open object, saved with it. Uncommitted changes are
    // therefore applied when the last handle goes (RopRelease, or the
    // session ending). Errors cannot reach the client any more: logged.
    ~StreamState() {
        if (!dirty) return;
        try {
            commit();
        } catch (const std::exception& e) {
            LOG_WARN("stream on property 0x%08x: changes lost on release: %s", tag_, e.what());
        }
    }

    bool writable() const { return writable_; }
    uint32_t codepage() const { return codepage_; }

    void load(const PropValue& v) { data = to_stream(v, storage_type(tag_), codepage_); }

    // RopCommitStream (3.2.5.15): sets the property from the stream.
    void commit() {
        if (!writable_ || !dirty) return;
        PropValue v = from_stream(tag_, data, codepage_);
        auto problems = host_.props->set_props({v});
        if (!problems.empty()) throw RopError(problems.front().error, "the host refused the stream's value");
        dirty = false;
    }

    Bytes data;
    bool dirty = false;

private:
    // Declared first, destroyed last: the session's store connection must
    // outlive a commit made while the session's handles are torn down.
    std::shared_ptr<void> store_;
    HostRef host_;
    PropTag tag_;
    bool writable_;
    uint32_t codepage_;
};

class StreamObject : public ServerObject {
public:
    const char* kind() const override { return "stream"; }
    std::shared_ptr<StreamState> state;
    uint64_t position = 0;  // the seek pointer (3.2.5.11: kept until RopRelease)

    uint64_t size() const { return state->data.size(); }
    ByteView remaining() const {
        return position < size() ? ByteView(state->data).subspan(position) : ByteView();
    }
    // RopWriteStream (3.2.5.13): writes at the seek pointer and moves it,
    // up to the maximum stream size (then TooBig, with what fitted written).
    uint32_t write(ByteView in, uint64_t& written) {
        written = 0;
        if (!state->writable()) return kStreamAccessDenied;
        uint64_t room = position < kMaxStreamSize ? kMaxStreamSize - position : 0;
        size_t n = size_t(std::min<uint64_t>(in.size(), room));
        if (n > 0) {
            Bytes& d = state->data;
            if (position + n > d.size()) d.resize(position + n);  // zero-fills a gap left by a seek
            std::memcpy(d.data() + position, in.data(), n);
            position += n;
            state->dirty = true;
        }
        written = n;
        return n < in.size() ? ec::TooBig : ec::Success;
    }
};

std::shared_ptr<StreamObject> stream_at(RopContext& ctx, uint8_t index) { return ctx.input<StreamObject>(index); }

uint32_t open_stream(RopContext& ctx, const rop::RopOpenStream::Request& rq, rop::RopOpenStream::Response& rs) {
    auto obj = ctx.object_at(rq.in_index);
    if (!obj) return ec::NullObject;
    auto host = property_host(obj);
    // 3.2.5.11: NotSupported when a stream cannot be opened on the object.
    if (!host) return ec::NotSupported;
    if (!streamable(mapi::prop_type(rq.property_tag), host->kind)) return ec::NotSupported;

    bool want_write;
    switch (rq.open_mode_flags) {
    case kReadOnly: want_write = false; break;
    case kReadWrite: case kCreate: want_write = true; break;
    case kBestAccess: want_write = host->writable && (!host->logon || host->logon->is_private); break;
    default: return ec::InvalidParam;
    }
    if (want_write) {
        // 3.2.5.11: streams on public folders are read-only (NotSupported).
        if (host->logon && !host->logon->is_private) return ec::NotSupported;
        if (!host->writable) return ec::AccessDenied;
    }

    auto state = std::make_shared<StreamState>(ctx.session().slot("store"), *host, rq.property_tag, want_write,
                                               ctx.session().info().codepage);
    if (rq.open_mode_flags == kCreate) {
        // 2.2.14.1: Create discards the current value; the empty stream
        // replaces it on commit even if nothing is written.
        state->dirty = true;
    } else {
        PropTag ask = mapi::change_type(rq.property_tag, storage_type(rq.property_tag));
        auto values = host->props->get_props(std::span<const PropTag>(&ask, 1));
        // 3.2.5.11: NotFound when the property is missing and Create was not asked.
        if (values.size() != 1 || values[0].is_missing()) return ec::NotFound;
        state->load(values[0]);
    }
    auto stream = std::make_shared<StreamObject>();
    stream->state = std::move(state);
    rs.stream_size = uint32_t(stream->size());
    ctx.set_output(rq.out_index, stream);
    return ec::Success;
}

// 3.2.5.12 / MS-OXCROPS 2.2.9.2: at most ByteCount bytes, or with 0xBABE at
// most MaximumByteCount; never more than the response buffer has room for
// (DataSize is 16 bits). A short read is not the end of the stream unless
// it returns no byte.
uint32_t read_stream(RopContext& ctx, const rop::RopReadStream::Request& rq, rop::RopReadStream::Response& rs) {
    // MS-OXCROPS 2.2.9.2.1: MaximumByteCount above 0x80000000 is a malformed request.
    if (rq.byte_count == rop::RopReadStream::kUseMaximumByteCount && rq.maximum_byte_count > 0x80000000)
        return ec::RpcFormat;
    auto s = stream_at(ctx, rq.in_index);
    ByteView rest = s->remaining();
    size_t n = std::min<size_t>({rq.limit(), rest.size(), 0xFFFF, ctx.budget()});
    // No room for a single byte while data remains: answering 0 bytes would
    // read as the end of the stream.
    if (n == 0 && !rest.empty() && rq.limit() > 0) throw BufferFull{std::min<size_t>(rest.size(), rq.limit())};
    rs.data.assign(rest.begin(), rest.begin() + n);
    s->position += n;
    if (n > 0 && n < rest.size()) ctx.more_output();
    return ec::Success;
}

template <class Size>
uint32_t write_stream(RopContext& ctx, const rop::DataRequest& rq, rop::WrittenSizeBody<Size>& rs) {
    auto s = stream_at(ctx, rq.in_index);
    uint64_t written = 0;
    uint32_t rv = s->write(rq.data, written);
    rs.written_size = Size(written);
    return rv;
}

uint32_t commit_stream(RopContext& ctx, const rop::InputOnly& rq, rop::EmptyBody&) {
    stream_at(ctx, rq.in_index)->state->commit();
    return ec::Success;
}

// 3.2.5.23: RopWriteStream, then RopCommitStream. (2.2.26 forbids clients
// to use it on folder streams; a folder stream commits at once anyway, so
// it is accepted.)
uint32_t write_and_commit_stream(RopContext& ctx, const rop::DataRequest& rq, rop::WrittenSizeBody<uint16_t>& rs) {
    uint32_t rv = write_stream(ctx, rq, rs);
    if (rv != ec::Success) return rv;
    stream_at(ctx, rq.in_index)->state->commit();
    return ec::Success;
}

uint32_t get_stream_size(RopContext& ctx, const rop::InputOnly& rq, rop::RopOpenStream::Response& rs) {
    rs.stream_size = uint32_t(stream_at(ctx, rq.in_index)->size());
    return ec::Success;
}

// 2.2.20: truncates or zero-extends; the seek pointer does not move.
uint32_t set_stream_size(RopContext& ctx, const rop::IdRequest& rq, rop::EmptyBody&) {
    auto s = stream_at(ctx, rq.in_index);
    if (!s->state->writable()) return kStreamAccessDenied;
    if (rq.id > kMaxStreamSize) return kStreamSizeError;
    if (rq.id != s->size()) {
        s->state->data.resize(size_t(rq.id));
        s->state->dirty = true;
    }
    return ec::Success;
}

// 3.2.5.18: Offset is signed (MS-OXCROPS 2.2.9.8.1). Seeking past the end
// extends the stream with zeros.
uint32_t seek_stream(RopContext& ctx, const rop::RopSeekStream::Request& rq, rop::RopSeekStream::Response& rs) {
    auto s = stream_at(ctx, rq.in_index);
    int64_t base;
    switch (rq.origin) {
    case kSeekBeginning: base = 0; break;
    case kSeekCurrent: base = int64_t(s->position); break;
    case kSeekEnd: base = int64_t(s->size()); break;
    default: return kStreamInvalidParam;
    }
    int64_t offset = int64_t(rq.offset);
    if ((offset > 0 && base > kMaxSeek - offset) || base + offset < 0 || base + offset > kMaxSeek)
        return kStreamSeekError;
    uint64_t target = uint64_t(base + offset);
    if (target > s->size()) {
        if (target > kMaxStreamSize) return kStreamSeekError;  // beyond this server's maximum size
        s->state->data.resize(size_t(target));
        if (s->state->writable()) s->state->dirty = true;
    }
    s->position = target;
    rs.new_position = target;
    return ec::Success;
}

// 3.2.5.19: copies ByteCount bytes (or up to the end) from the source's
// seek pointer to the destination's; both pointers move by what was copied.
uint32_t copy_to_stream(RopContext& ctx, const rop::RopCopyToStream::Request& rq,
                        rop::RopCopyToStream::Response& rs) {
    auto src = stream_at(ctx, rq.src_index);
    auto dst = std::dynamic_pointer_cast<StreamObject>(ctx.object_at(rq.dst_index));
    if (!dst) {
        rs.dest_index = rq.dst_index;  // MS-OXCROPS 2.2.9.9.3, counts 0
        return rop::kDstNullObject;
    }
    ByteView rest = src->remaining();
    // A copy: source and destination may share their bytes (a clone).
    Bytes chunk(rest.begin(), rest.begin() + size_t(std::min<uint64_t>(rq.byte_count, rest.size())));
    uint64_t written = 0;
    uint32_t rv = dst->write(chunk, written);
    src->position += written;
    rs.read_byte_count = written;
    rs.written_byte_count = written;
    return rv;
}

// 3.2.5.21 / 3.2.5.22: region locks are optional ("Servers MAY implement")
// and, per the product notes, Exchange does not implement them; accepted
// without effect. Each Stream object holds its own copy of the value, so
// no other session can see or change the bytes a lock would protect.
uint32_t lock_region(RopContext& ctx, const rop::RegionRequest& rq, rop::EmptyBody&) {
    stream_at(ctx, rq.in_index);
    return ec::Success;
}

// 3.2.5.24: a second Stream object on the same bytes, with the source's
// seek pointer as its starting point.
uint32_t clone_stream(RopContext& ctx, const rop::OutputOnly& rq, rop::EmptyBody&) {
    auto src = stream_at(ctx, rq.in_index);
    auto clone = std::make_shared<StreamObject>();
    clone->state = src->state;
    clone->position = src->position;
    ctx.set_output(rq.out_index, clone);
    return ec::Success;
}

}  // namespace

void register_stream_rops(RopTable& t) {
    add_rop<rop::RopOpenStream>(t, open_stream);
    add_rop<rop::RopReadStream>(t, read_stream);
    add_rop<rop::RopWriteStream>(t, write_stream<uint16_t>);
    add_rop<rop::RopWriteStreamExtended>(t, write_stream<uint32_t>);
    add_rop<rop::RopCommitStream>(t, commit_stream);
    add_rop<rop::RopGetStreamSize>(t, get_stream_size);
    add_rop<rop::RopSetStreamSize>(t, set_stream_size);
    add_rop<rop::RopSeekStream>(t, seek_stream);
    add_rop<rop::RopCopyToStream>(t, copy_to_stream);
    add_rop<rop::RopLockRegionStream>(t, lock_region);
    add_rop<rop::RopUnlockRegionStream>(t, lock_region);
    add_rop<rop::RopWriteAndCommitStream>(t, write_and_commit_stream);
    add_rop<rop::RopCloneStream>(t, clone_stream);
}

}  // namespace mg::emsmdb
