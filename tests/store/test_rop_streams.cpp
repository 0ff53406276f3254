// Stream ROPs, property copy ROPs and RopQueryNamedProperties through the
// real handlers over MariaDB (MS-OXCPRPT 3.2.5.6-3.2.5.24): ROP request
// buffers in, ROP response buffers out, as EcDoRpcExt2 hands them over.
#include "libmapi/propcodec.h"
#include "libmapi/proptags.h"
#include "libmapi/rops.h"
#include "mapiproxy/servers/rop_handlers.h"
#include "tests/store/rop_client.h"
#include "tests/store/store_test.h"

#include <CppUTest/TestHarness.h>

#include <algorithm>
#include <string>

using namespace mg;
using namespace mg::mapi;
namespace ec = mg::mapi::ec;

namespace {

const char* kDn = store::test::kAliceDn;

constexpr uint8_t kReadOnly = 0x00, kReadWrite = 0x01, kCreate = 0x02, kBestAccess = 0x03;
constexpr uint32_t kStreamAccessDenied = 0x80030005, kStreamSeekError = 0x80030019,
                   kStreamInvalidParam = 0x80030057;
constexpr PropTag kBlob = make_tag(0x6701, PT_BINARY);  // a property nobody else uses
constexpr PropTag kNumber = make_tag(0x6702, PT_LONG);

using StreamClient = store::test::RopClient;

Bytes pattern(size_t n) {
    Bytes b(n);
    uint32_t x = 0x12345678;
    for (auto& c : b) {
        x = x * 1103515245 + 12345;
        c = uint8_t(x >> 16);
    }
    return b;
}

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

}  // namespace

TEST_GROUP(RopStreams) {
    StreamClient c;
    std::shared_ptr<emsmdb::StoreBackend> backend;
    rop::RopLogon::PrivateMailbox logon_body;

    void setup() override {
        store::test::fresh_database();
        backend = std::make_shared<emsmdb::StoreBackend>(store::test::test_uri());
        logon(c);
    }
    // A new session of alice on `client`, logged on in slot 0.
    void logon(StreamClient& client) {
        logon_body = store::test::logon_alice(client, emsmdb::default_rop_factory(backend));
    }
    void teardown() override {
        c.proc.reset();
        backend.reset();
    }

    uint64_t inbox() const { return logon_body.folder_ids[4]; }
    // The Inbox opened in slot 1 and a new stream on its kBlob in `slot`,
    // filled with `n` bytes of pattern() and sought back to the start.
    Bytes filled_stream(uint8_t slot, size_t n) {
        open_folder(inbox(), 1);
        LONGS_EQUAL(0, open_stream(1, slot, kBlob, kCreate).return_value);
        Bytes data = pattern(n);
        write_all(slot, data, 30000);
        seek(slot, 0, 0);
        return data;
    }
    uint64_t ipm_subtree() const { return logon_body.folder_ids[3]; }

    void open_folder(uint64_t fid, uint8_t out) {
        rop::RopOpenFolder::Request rq;
        rq.in_index = 0;
        rq.out_index = out;
        rq.folder_id = fid;
        LONGS_EQUAL(0, c.run<rop::RopOpenFolder>(rq).return_value);
    }
    // A new folder under the folder in slot `parent`, opened into `out`.
    uint64_t create_folder(uint8_t parent, const std::string& name, uint8_t out) {
        rop::RopCreateFolder::Request rq;
        rq.in_index = parent;
        rq.out_index = out;
        rq.folder_type = 1;
        rq.use_unicode_strings = true;
        rq.display_name = name;
        auto r = c.run<rop::RopCreateFolder>(rq);
        LONGS_EQUAL(0, r.return_value);
        return r.body.folder_id;
    }
    rop::Reply<rop::RopOpenStream> open_stream(uint8_t in, uint8_t out, PropTag tag, uint8_t mode) {
        rop::RopOpenStream::Request rq;
        rq.in_index = in;
        rq.out_index = out;
        rq.property_tag = tag;
        rq.open_mode_flags = mode;
        return c.run<rop::RopOpenStream>(rq);
    }
    void release(uint8_t slot) {
        LONGS_EQUAL(0, c.raw(rop::encode_request<rop::RopRelease>(rop::InputOnly{0, slot})).size());
    }
    // Writes `data` in pieces of at most `piece` bytes, alternating
    // RopWriteStream and RopWriteStreamExtended.
    void write_all(uint8_t slot, ByteView data, size_t piece) {
        for (size_t off = 0, i = 0; off < data.size(); off += piece, ++i) {
            rop::DataRequest rq;
            rq.in_index = slot;
            rq.data.assign(data.begin() + off, data.begin() + std::min(data.size(), off + piece));
            if (i % 2 == 0) {
                auto r = c.run<rop::RopWriteStream>(rq);
                LONGS_EQUAL(0, r.return_value);
                LONGS_EQUAL(rq.data.size(), r.body.written_size);
            } else {
                auto r = c.run<rop::RopWriteStreamExtended>(rq);
                LONGS_EQUAL(0, r.return_value);
                LONGS_EQUAL(rq.data.size(), r.body.written_size);
            }
        }
    }
    rop::Reply<rop::RopReadStream> read(uint8_t slot, uint16_t byte_count, uint32_t maximum = 0) {
        rop::RopReadStream::Request rq;
        rq.in_index = slot;
        rq.byte_count = byte_count;
        rq.maximum_byte_count = maximum;
        return c.run<rop::RopReadStream>(rq);
    }
    // Reads to the end: 0xBABE reads (the response buffer decides), and
    // every third read an explicit ByteCount.
    Bytes read_all(uint8_t slot) {
        Bytes out;
        for (int i = 0;; ++i) {
            auto r = i % 3 == 2 ? read(slot, 4096) : read(slot, rop::RopReadStream::kUseMaximumByteCount, 0x10000);
            LONGS_EQUAL(0, r.return_value);
            if (r.body.data.empty()) break;
            CHECK(r.body.data.size() <= c.max_size);
            out.insert(out.end(), r.body.data.begin(), r.body.data.end());
        }
        return out;
    }
    uint32_t stream_size(uint8_t slot) {
        auto r = c.run<rop::RopGetStreamSize>(rop::InputOnly{0, slot});
        LONGS_EQUAL(0, r.return_value);
        return r.body.stream_size;
    }
    uint64_t seek(uint8_t slot, uint8_t origin, int64_t offset, uint32_t expect = 0) {
        rop::RopSeekStream::Request rq;
        rq.in_index = slot;
        rq.origin = origin;
        rq.offset = uint64_t(offset);
        auto r = c.run<rop::RopSeekStream>(rq);
        LONGS_EQUAL(expect, r.return_value);
        return r.body.new_position;
    }
    void commit(uint8_t slot) { LONGS_EQUAL(0, c.run<rop::RopCommitStream>(rop::InputOnly{0, slot}).return_value); }
    void set_props(uint8_t slot, const PropList& values) {
        rop::SetPropertiesRequest rq;
        rq.in_index = slot;
        rq.values = values;
        auto r = c.run<rop::RopSetProperties>(rq);
        LONGS_EQUAL(0, r.return_value);
        LONGS_EQUAL(0, r.body.problems.size());
    }
    PropList get_props(uint8_t slot, const std::vector<PropTag>& tags) { return c.get_props(slot, tags); }
    std::vector<std::string> subfolder_names(uint8_t folder_slot, uint8_t table_slot) {
        rop::GetTableRequest t;
        t.in_index = folder_slot;
        t.out_index = table_slot;
        LONGS_EQUAL(0, c.run<rop::RopGetHierarchyTable>(t).return_value);
        rop::RopSetColumns::Request sc;
        sc.in_index = table_slot;
        sc.tags = {PidTagDisplayName};
        LONGS_EQUAL(0, c.run<rop::RopSetColumns>(sc).return_value);
        rop::RopQueryRows::Request q;
        q.in_index = table_slot;
        q.forward_read = true;
        q.row_count = 100;
        auto qr = c.run<rop::RopQueryRows>(q);
        LONGS_EQUAL(0, qr.return_value);
        ByteReader r(qr.body.rows);
        std::vector<std::string> names;
        for (uint16_t i = 0; i < qr.body.row_count; ++i) names.push_back(read_property_row(r, sc.tags)[0].as_str());
        release(table_slot);
        return names;
    }
};

TEST(RopStreams, OneMegabyteOfBinaryInPieces) {
    open_folder(inbox(), 1);
    auto o = open_stream(1, 2, kBlob, kCreate);
    LONGS_EQUAL(0, o.return_value);
    LONGS_EQUAL(0, o.body.stream_size);
    Bytes data = pattern(1 << 20);
    write_all(2, data, 0x8000 - 64);
    LONGS_EQUAL(data.size(), stream_size(2));
    commit(2);
    release(2);

    // A new session sees the committed value.
    logon(c);
    open_folder(inbox(), 1);
    o = open_stream(1, 3, kBlob, kReadOnly);
    LONGS_EQUAL(0, o.return_value);
    LONGS_EQUAL(data.size(), o.body.stream_size);
    Bytes back = read_all(3);
    LONGS_EQUAL(data.size(), back.size());
    CHECK(back == data);
}

// MS-OXCRPC 3.1.4.2.1.2: a final RopReadStream is repeated into chained
// buffers until the stream ends.
TEST(RopStreams, PackedReadStreamContinuesInChainedBuffers) {
    Bytes data = filled_stream(2, 100000);
    std::optional<rop::Reply<rop::RopReadStream>> r = read(2, rop::RopReadStream::kUseMaximumByteCount, 0x80000000);
    Bytes back;
    int buffers = 0;
    for (; r; r = c.next_chained<rop::RopReadStream>(0x8000)) {
        LONGS_EQUAL(0, r->return_value);
        back.insert(back.end(), r->body.data.begin(), r->body.data.end());
        CHECK(++buffers < 20);
    }
    CHECK(buffers >= 4);
    CHECK(back == data);
    // At the end: nothing more to chain.
    read(2, 100);
    CHECK_FALSE(c.proc->next_chained(0x8000));
}

TEST(RopStreams, ReadStreamHonoursCountsAndTheResponseBuffer) {
    Bytes data = filled_stream(2, 100000);
    auto r = read(2, 10);
    LONGS_EQUAL(10, r.body.data.size());
    r = read(2, rop::RopReadStream::kUseMaximumByteCount, 7);
    LONGS_EQUAL(7, r.body.data.size());
    r = read(2, rop::RopReadStream::kUseMaximumByteCount, 0x80000000);
    CHECK(r.body.data.size() > 1000 && r.body.data.size() < c.max_size);  // what fits
    CHECK(std::equal(r.body.data.begin(), r.body.data.end(), data.begin() + 17));
    // MS-OXCROPS 2.2.9.2.1: MaximumByteCount above 0x80000000 is refused.
    LONGS_EQUAL(ec::RpcFormat, read(2, rop::RopReadStream::kUseMaximumByteCount, 0x80000001).return_value);
    // The end of the stream: no byte.
    seek(2, 2, 0);
    r = read(2, 100);
    LONGS_EQUAL(0, r.return_value);
    LONGS_EQUAL(0, r.body.data.size());

    // Too large for this response buffer: RopGetPropertiesSpecific sends
    // the client to streams (MS-OXCDATA 2.4.2 NotEnoughMemory).
    rop::RopSetStreamSize::Request ss;
    ss.in_index = 2;
    ss.id = 40000;
    LONGS_EQUAL(0, c.run<rop::RopSetStreamSize>(ss).return_value);
    commit(2);
    auto v = get_props(1, {kBlob});
    CHECK(v[0].is_error());
    LONGS_EQUAL(ec::NotEnoughMemory, std::get<uint32_t>(v[0].value));
}

TEST(RopStreams, LongUnicodeCommentThroughStreams) {
    open_folder(inbox(), 1);
    std::string text;
    while (text.size() < 60000) text += "Gr\xC3\xBC\xC3\x9F" "e aus K\xC3\xB6ln \xE2\x82\xAC \xF0\x9F\x93\xA7 ";  // Grüße aus Köln € 📧
    Bytes wire = utf8_to_utf16le(text);
    wire.push_back(0);
    wire.push_back(0);
    auto o = open_stream(1, 2, PidTagComment, kCreate);
    LONGS_EQUAL(0, o.return_value);
    write_all(2, wire, 0x7000);
    commit(2);
    release(2);

    // Read back as UTF-16LE, terminator included (MS-OXCDATA 2.11.1).
    o = open_stream(1, 2, PidTagComment, kReadOnly);
    LONGS_EQUAL(wire.size(), o.body.stream_size);
    CHECK(read_all(2) == wire);
    release(2);
    // And as 8-bit in the session's code page (1252): the emoji is not in it.
    o = open_stream(1, 2, change_type(PidTagComment, PT_STRING8), kReadOnly);
    LONGS_EQUAL(0, o.return_value);
    std::string cp = utf8_to_string8(text, 1252, true);
    Bytes expect(cp.begin(), cp.end());
    expect.push_back(0);
    CHECK(read_all(2) == expect);
    release(2);

    // A short comment written and committed in one ROP, read as a property.
    o = open_stream(1, 2, PidTagComment, kReadWrite);
    LONGS_EQUAL(0, o.return_value);
    rop::RopSetStreamSize::Request ss;
    ss.in_index = 2;
    ss.id = 0;
    LONGS_EQUAL(0, c.run<rop::RopSetStreamSize>(ss).return_value);
    rop::DataRequest wc;
    wc.in_index = 2;
    wc.data = utf8_to_utf16le("kurz \xE2\x82\xAC");  // no terminator: accepted
    auto w = c.run<rop::RopWriteAndCommitStream>(wc);
    LONGS_EQUAL(0, w.return_value);
    LONGS_EQUAL(wc.data.size(), w.body.written_size);
    STRCMP_EQUAL("kurz \xE2\x82\xAC", get_props(1, {PidTagComment})[0].as_str().c_str());
}

TEST(RopStreams, SizeAndSeek) {
    open_folder(inbox(), 1);
    LONGS_EQUAL(0, open_stream(1, 2, kBlob, kCreate).return_value);
    write_all(2, bytes_of("0123456789"), 100);
    LONGS_EQUAL(10, stream_size(2));
    LONGS_EQUAL(2, seek(2, 0, 2));
    CHECK(read(2, 3).body.data == bytes_of("234"));
    LONGS_EQUAL(4, seek(2, 1, -1));
    LONGS_EQUAL(8, seek(2, 2, -2));
    CHECK(read(2, 50).body.data == bytes_of("89"));
    LONGS_EQUAL(10, seek(2, 1, 0));  // Origin Current + 0: where the pointer is
    // MS-OXCPRPT 3.2.5.18: seeking past the end zero-fills up to there.
    LONGS_EQUAL(15, seek(2, 2, 5));
    LONGS_EQUAL(15, stream_size(2));
    seek(2, 0, -1, kStreamSeekError);
    seek(2, 0, (int64_t(1) << 31) + 1, kStreamSeekError);
    seek(2, 3, 0, kStreamInvalidParam);
    // SetStreamSize truncates; the seek pointer stays.
    rop::RopSetStreamSize::Request ss;
    ss.in_index = 2;
    ss.id = 4;
    LONGS_EQUAL(0, c.run<rop::RopSetStreamSize>(ss).return_value);
    LONGS_EQUAL(4, stream_size(2));
    LONGS_EQUAL(15, seek(2, 1, 0));
    write_all(2, bytes_of("X"), 10);
    LONGS_EQUAL(16, stream_size(2));
    seek(2, 0, 0);
    Bytes expect = bytes_of("0123");
    expect.resize(15, 0);
    expect.push_back('X');
    CHECK(read_all(2) == expect);
    // Locks are accepted without effect (MS-OXCPRPT 3.2.5.21-3.2.5.22).
    rop::RegionRequest lock;
    lock.in_index = 2;
    lock.region_size = 4;
    LONGS_EQUAL(0, c.run<rop::RopLockRegionStream>(lock).return_value);
    LONGS_EQUAL(0, c.run<rop::RopUnlockRegionStream>(lock).return_value);
    // Not a stream.
    LONGS_EQUAL(ec::NullObject, c.run<rop::RopLockRegionStream>(rop::RegionRequest{0, 1, 0, 4, 0}).return_value);
}

TEST(RopStreams, ReadOnlyStreamRefusesWrites) {
    open_folder(inbox(), 1);
    set_props(1, {PropValue::bin(kBlob, bytes_of("original"))});
    auto o = open_stream(1, 2, kBlob, kReadOnly);
    LONGS_EQUAL(0, o.return_value);
    LONGS_EQUAL(8, o.body.stream_size);
    rop::DataRequest w;
    w.in_index = 2;
    w.data = bytes_of("changed");
    auto r = c.run<rop::RopWriteStream>(w);
    LONGS_EQUAL(kStreamAccessDenied, r.return_value);  // MS-OXCPRPT 3.2.5.13
    LONGS_EQUAL(0, r.body.written_size);
    LONGS_EQUAL(kStreamAccessDenied, c.run<rop::RopWriteStreamExtended>(w).return_value);
    LONGS_EQUAL(kStreamAccessDenied, c.run<rop::RopWriteAndCommitStream>(w).return_value);
    rop::RopSetStreamSize::Request ss;
    ss.in_index = 2;
    ss.id = 1;
    LONGS_EQUAL(kStreamAccessDenied, c.run<rop::RopSetStreamSize>(ss).return_value);
    commit(2);  // nothing to commit
    release(2);
    CHECK(get_props(1, {kBlob})[0].as_bin() == bytes_of("original"));
    // BestAccess on a private folder: read/write.
    LONGS_EQUAL(0, open_stream(1, 2, kBlob, kBestAccess).return_value);
    write_all(2, bytes_of("best"), 10);
    commit(2);
    CHECK(get_props(1, {kBlob})[0].as_bin() == bytes_of("bestinal"));
}

TEST(RopStreams, MissingPropertyNeedsCreate) {
    open_folder(inbox(), 1);
    for (uint8_t mode : {kReadOnly, kReadWrite, kBestAccess})
        LONGS_EQUAL(ec::NotFound, open_stream(1, 2, kBlob, mode).return_value);  // MS-OXCPRPT 3.2.5.11
    LONGS_EQUAL(ec::InvalidParam, open_stream(1, 2, kBlob, 0x04).return_value);
    LONGS_EQUAL(ec::NotSupported, open_stream(1, 2, kNumber, kCreate).return_value);  // not a stream type
    LONGS_EQUAL(ec::NotSupported, open_stream(1, 2, make_tag(0x6703, PT_OBJECT), kCreate).return_value);
    LONGS_EQUAL(ec::NotSupported, open_stream(0, 2, kBlob, kCreate).return_value);  // a logon

    // Create; written but released without RopCommitStream: a folder
    // stream is committed on release (MS-OXCPRPT 3.2.5.13).
    auto o = open_stream(1, 2, kBlob, kCreate);
    LONGS_EQUAL(0, o.return_value);
    write_all(2, bytes_of("abc"), 10);
    release(2);
    CHECK(get_props(1, {kBlob})[0].as_bin() == bytes_of("abc"));
    // Create on an existing value starts empty and replaces it.
    LONGS_EQUAL(0, open_stream(1, 2, kBlob, kCreate).body.stream_size);
    release(2);
    auto v = get_props(1, {kBlob})[0];
    CHECK(!v.is_error());
    LONGS_EQUAL(0, v.as_bin().size());
}

TEST(RopStreams, CopyToStreamAndClone) {
    open_folder(inbox(), 1);
    set_props(1, {PropValue::bin(kBlob, bytes_of("hello world"))});
    LONGS_EQUAL(0, open_stream(1, 2, kBlob, kReadOnly).return_value);
    LONGS_EQUAL(0, open_stream(1, 3, make_tag(0x6704, PT_BINARY), kCreate).return_value);
    seek(2, 0, 6);
    rop::RopCopyToStream::Request cp;
    cp.src_index = 2;
    cp.dst_index = 3;
    cp.byte_count = 100;
    auto r = c.run<rop::RopCopyToStream>(cp);
    LONGS_EQUAL(0, r.return_value);
    LONGS_EQUAL(5, r.body.read_byte_count);
    LONGS_EQUAL(5, r.body.written_byte_count);
    LONGS_EQUAL(11, seek(2, 1, 0));
    LONGS_EQUAL(5, seek(3, 1, 0));
    // Empty destination slot: ecDstNullObject with DestHandleIndex.
    cp.dst_index = 9;
    r = c.run<rop::RopCopyToStream>(cp);
    LONGS_EQUAL(rop::kDstNullObject, r.return_value);
    CHECK(r.body.dest_index && *r.body.dest_index == 9);
    // Into a read-only stream: refused.
    cp.src_index = 3;
    cp.dst_index = 2;
    seek(3, 0, 0);
    LONGS_EQUAL(kStreamAccessDenied, c.run<rop::RopCopyToStream>(cp).return_value);

    // A clone shares the bytes, not the seek pointer (MS-OXCPRPT 3.2.5.24).
    LONGS_EQUAL(0, c.run<rop::RopCloneStream>(rop::OutputOnly{0, 3, 4}).return_value);
    LONGS_EQUAL(0, seek(4, 1, 0));
    seek(4, 2, 0);
    write_all(4, bytes_of("!"), 10);
    LONGS_EQUAL(6, stream_size(3));
    LONGS_EQUAL(0, seek(3, 1, 0));
    CHECK(read_all(3) == bytes_of("world!"));
    commit(3);
    CHECK(get_props(1, {make_tag(0x6704, PT_BINARY)})[0].as_bin() == bytes_of("world!"));
}

TEST(RopStreams, CopyPropertiesBetweenFolders) {
    open_folder(ipm_subtree(), 1);
    create_folder(1, "copy source", 2);
    create_folder(1, "copy target", 3);
    set_props(2, {PropValue::str(PidTagComment, "from source"), PropValue::bin(kBlob, bytes_of("blob")),
                  PropValue::i32(kNumber, 7)});
    set_props(3, {PropValue::str(PidTagComment, "target's own")});

    rop::RopCopyProperties::Request rq;
    rq.src_index = 2;
    rq.dst_index = 3;
    rq.tags = {PidTagComment, kBlob, make_tag(0x6705, PT_LONG) /* missing */};
    auto r = c.run<rop::RopCopyProperties>(rq);
    LONGS_EQUAL(0, r.return_value);
    LONGS_EQUAL(1, r.body.problems.size());
    LONGS_EQUAL(2, r.body.problems[0].index);
    LONGS_EQUAL(ec::NotFound, r.body.problems[0].error);
    auto v = get_props(3, {PidTagComment, kBlob, kNumber});
    STRCMP_EQUAL("from source", v[0].as_str().c_str());
    CHECK(v[1].as_bin() == bytes_of("blob"));
    CHECK(v[2].is_error());

    // NoOverwrite keeps what the target has.
    set_props(3, {PropValue::str(PidTagComment, "target's own")});
    rq.copy_flags = 0x02;
    rq.tags = {PidTagComment, kNumber};
    r = c.run<rop::RopCopyProperties>(rq);
    LONGS_EQUAL(0, r.return_value);
    LONGS_EQUAL(0, r.body.problems.size());
    v = get_props(3, {PidTagComment, kNumber});
    STRCMP_EQUAL("target's own", v[0].as_str().c_str());
    LONGS_EQUAL(7, v[1].as_i32());

    // Move between folders SHOULD be refused (MS-OXCPRPT 3.2.5.7); unknown
    // flags are InvalidParameter; an empty destination is ecDstNullObject.
    rq.copy_flags = 0x01;
    LONGS_EQUAL(ec::NotSupported, c.run<rop::RopCopyProperties>(rq).return_value);
    rq.copy_flags = 0x04;
    LONGS_EQUAL(ec::InvalidParam, c.run<rop::RopCopyProperties>(rq).return_value);
    rq.copy_flags = 0;
    rq.dst_index = 9;
    r = c.run<rop::RopCopyProperties>(rq);
    LONGS_EQUAL(rop::kDstNullObject, r.return_value);
    CHECK(r.body.dest_index && *r.body.dest_index == 9);
    // Source and destination of different kinds.
    rq.dst_index = 0;
    LONGS_EQUAL(ec::NotSupported, c.run<rop::RopCopyProperties>(rq).return_value);
}

TEST(RopStreams, CopyToBetweenFolders) {
    open_folder(ipm_subtree(), 1);
    uint64_t src_fid = create_folder(1, "copyto source", 2);
    create_folder(1, "copyto target", 3);
    create_folder(2, "kid", 4);
    set_props(2, {PropValue::str(PidTagComment, "from source"), PropValue::bin(kBlob, bytes_of("blob")),
                  PropValue::i32(kNumber, 7)});
    set_props(3, {PropValue::str(PidTagComment, "target's own")});

    rop::RopCopyTo::Request rq;
    rq.src_index = 2;
    rq.dst_index = 3;
    rq.copy_flags = 0x02;  // NoOverwrite
    rq.excluded_tags = {PidTagDisplayName, kNumber};
    auto r = c.run<rop::RopCopyTo>(rq);
    LONGS_EQUAL(0, r.return_value);
    LONGS_EQUAL(0, r.body.problems.size());  // computed properties are not copied, not reported
    auto v = get_props(3, {PidTagComment, kBlob, kNumber, PidTagDisplayName, PidTagFolderId});
    STRCMP_EQUAL("target's own", v[0].as_str().c_str());
    CHECK(v[1].as_bin() == bytes_of("blob"));
    CHECK(v[2].is_error());
    STRCMP_EQUAL("copyto target", v[3].as_str().c_str());
    CHECK(uint64_t(v[4].as_i64()) != src_fid);
    CHECK(subfolder_names(3, 5).empty());  // no WantSubObjects

    // Move with subobjects: the properties and the subfolder change folders.
    rq.copy_flags = 0x01;
    rq.want_sub_objects = true;
    rq.excluded_tags = {PidTagDisplayName};
    r = c.run<rop::RopCopyTo>(rq);
    LONGS_EQUAL(0, r.return_value);
    LONGS_EQUAL(0, r.body.problems.size());
    v = get_props(3, {PidTagComment, kNumber});
    STRCMP_EQUAL("from source", v[0].as_str().c_str());
    LONGS_EQUAL(7, v[1].as_i32());
    v = get_props(2, {PidTagComment, kBlob, kNumber, PidTagDisplayName});
    CHECK(v[0].is_error());
    CHECK(v[1].is_error());
    CHECK(v[2].is_error());
    STRCMP_EQUAL("copyto source", v[3].as_str().c_str());
    auto kids = subfolder_names(3, 5);
    LONGS_EQUAL(1, kids.size());
    STRCMP_EQUAL("kid", kids[0].c_str());
    CHECK(subfolder_names(2, 5).empty());

    // A copy (not a move) of the subfolders into a third folder; the source keeps them.
    create_folder(1, "copyto third", 6);
    rq.src_index = 3;
    rq.dst_index = 6;
    rq.copy_flags = 0;
    r = c.run<rop::RopCopyTo>(rq);
    LONGS_EQUAL(0, r.return_value);
    LONGS_EQUAL(1, subfolder_names(3, 5).size());
    LONGS_EQUAL(1, subfolder_names(6, 5).size());
    STRCMP_EQUAL("from source", get_props(6, {PidTagComment})[0].as_str().c_str());

    // Into itself: MAPI_E_FOLDER_CYCLE, and nothing changed.
    rq.src_index = 3;
    rq.dst_index = 3;
    LONGS_EQUAL(store::kEcFolderCycle, c.run<rop::RopCopyTo>(rq).return_value);
    LONGS_EQUAL(1, subfolder_names(3, 5).size());
    // Without subobjects, the display name would rename the target: a
    // sibling has it, so it is a problem for that property only.
    rq.src_index = 2;
    rq.dst_index = 3;
    rq.want_sub_objects = false;
    rq.excluded_tags = {};
    r = c.run<rop::RopCopyTo>(rq);
    LONGS_EQUAL(0, r.return_value);
    LONGS_EQUAL(1, r.body.problems.size());
    LONGS_EQUAL(PidTagDisplayName, r.body.problems[0].tag);
    LONGS_EQUAL(ec::Collision, r.body.problems[0].error);
}

TEST(RopStreams, QueryNamedProperties) {
    Guid g1 = Guid::parse("4d1a6b58-3c1f-4b8e-9a57-2f0c1b7d9e01");
    Guid g2 = Guid::parse("4d1a6b58-3c1f-4b8e-9a57-2f0c1b7d9e02");
    PropertyName a{g1, PropertyName::Name, 0, "x-mapigate-a"};
    PropertyName b{g1, PropertyName::Id, 0x8101, ""};
    PropertyName d{g2, PropertyName::Name, 0, "x-mapigate-d"};
    rop::RopGetPropertyIdsFromNames::Request ids;
    ids.in_index = 0;
    ids.flags = 0x02;
    ids.names = {a, b, d};
    auto created = c.run<rop::RopGetPropertyIdsFromNames>(ids);
    LONGS_EQUAL(0, created.return_value);

    auto query = [&](uint8_t in, uint8_t flags, std::optional<Guid> guid) {
        rop::RopQueryNamedProperties::Request rq;
        rq.in_index = in;
        rq.query_flags = flags;
        rq.property_guid = guid;
        auto r = c.run<rop::RopQueryNamedProperties>(rq);
        LONGS_EQUAL(0, r.return_value);
        LONGS_EQUAL(r.body.property_ids.size(), r.body.names.size());
        return r.body;
    };
    auto has = [](const rop::RopQueryNamedProperties::Response& r, const PropertyName& n, uint16_t id) {
        for (size_t i = 0; i < r.names.size(); ++i)
            if (r.names[i] == n) return r.property_ids[i] == id;
        return false;
    };
    auto all = query(0, 0, std::nullopt);
    CHECK(has(all, a, created.body.property_ids[0]));
    CHECK(has(all, b, created.body.property_ids[1]));
    CHECK(has(all, d, created.body.property_ids[2]));

    auto only_g1 = query(0, 0, g1);
    LONGS_EQUAL(2, only_g1.names.size());
    CHECK(has(only_g1, a, created.body.property_ids[0]));
    CHECK(has(only_g1, b, created.body.property_ids[1]));

    open_folder(inbox(), 1);  // valid on folders too
    auto no_strings = query(1, 0x01, g1);
    LONGS_EQUAL(1, no_strings.names.size());
    CHECK(no_strings.names[0] == b);
    auto no_ids = query(1, 0x02 | 0x80 /* unknown bits are ignored */, std::nullopt);
    for (const auto& n : no_ids.names) CHECK(n.kind == PropertyName::Name);
    CHECK(has(no_ids, d, created.body.property_ids[2]));
    LONGS_EQUAL(0, query(1, 0x01 | 0x02, std::nullopt).names.size());
}

TEST(RopStreams, SessionEndCommitsFolderStreams) {
    open_folder(inbox(), 1);
    LONGS_EQUAL(0, open_stream(1, 2, kBlob, kCreate).return_value);
    write_all(2, bytes_of("left open"), 100);
    LONGS_EQUAL(0, c.run<rop::RopCloneStream>(rop::OutputOnly{0, 2, 3}).return_value);
    // The client goes away without RopRelease: the session's objects are
    // released, the stream last, after the store connection it needs.
    c.proc.reset();
    logon(c);
    open_folder(inbox(), 1);
    CHECK(get_props(1, {kBlob})[0].as_bin() == bytes_of("left open"));
}
