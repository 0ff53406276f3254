#include "mapistore/ids.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mg::store {

// An Id is the 8 wire bytes of MS-OXCDATA 2.2.1.1 read as a little-endian
// u64: bytes 0-1 the ReplicaId (little-endian), bytes 2-7 the GLOBCNT
// (big-endian). So the GLOBCNT's most significant byte sits at bit 16.
Id make_id(uint16_t replid, uint64_t globcnt) {
    Id v = replid;
    for (int i = 0; i < 6; ++i) v |= Id((globcnt >> (8 * (5 - i))) & 0xFF) << (16 + 8 * i);
    return v;
}

uint64_t globcnt_of(Id id) {
    uint64_t g = 0;
    for (int i = 0; i < 6; ++i) g = (g << 8) | ((id >> (16 + 8 * i)) & 0xFF);
    return g;
}

uint16_t replid_of(Id id) { return uint16_t(id & 0xFFFF); }

Bytes globcnt_bytes(uint64_t globcnt) {
    Bytes b(6);
    for (int i = 0; i < 6; ++i) b[i] = uint8_t(globcnt >> (8 * (5 - i)));
    return b;
}

uint64_t globcnt_from_bytes(ByteView six) {
    if (six.size() != 6) throw DecodeError("GLOBCNT must be 6 bytes");
    uint64_t g = 0;
    for (uint8_t c : six) g = (g << 8) | c;
    return g;
}

Guid random_guid() {
    Guid g;
    size_t got = 0;
    while (got < g.b.size()) {
        ssize_t n = getrandom(g.b.data() + got, g.b.size() - got, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw StoreError(mapi::ec::RpcFailed, std::string("getrandom: ") + strerror(errno));
        }
        got += size_t(n);
    }
    // Version 4 / variant 1. Wire order is the MS-DTYP GUID layout: Data3 is
    // little-endian at bytes 6-7, so the version nibble is in byte 7.
    g.b[7] = uint8_t((g.b[7] & 0x0F) | 0x40);
    g.b[8] = uint8_t((g.b[8] & 0x3F) | 0x80);
    return g;
}

static void put_guid(ByteWriter& w, const Guid& g) { w.raw(ByteView(g.b.data(), g.b.size())); }
static Guid get_guid(ByteReader& r) {
    Guid g;
    ByteView v = r.view(16, "GUID");
    std::copy(v.begin(), v.end(), g.b.begin());
    return g;
}

Bytes encode_xid(const Xid& x) {
    ByteWriter w(22);
    put_guid(w, x.guid);
    w.raw(globcnt_bytes(x.globcnt));
    return w.take();
}

Xid decode_xid(ByteView b) {
    if (b.size() < 17 || b.size() > 24) throw DecodeError("XID must be 17 to 24 bytes");
    ByteReader r(b);
    Xid x;
    x.guid = get_guid(r);
    // LocalId: a big-endian counter of 1..8 bytes (MS-OXCFXICS 2.2.2.2).
    while (!r.empty()) x.globcnt = (x.globcnt << 8) | r.u8();
    return x;
}

std::vector<Xid> decode_pcl(ByteView pcl) {
    std::vector<Xid> out;
    ByteReader r(pcl);
    while (!r.empty()) {
        uint8_t size = r.u8();
        out.push_back(decode_xid(r.view(size, "SizedXid")));
    }
    return out;
}

Bytes encode_pcl(const std::vector<Xid>& xids) {
    ByteWriter w(xids.size() * 23);
    for (const auto& x : xids) {
        w.u8(22);
        w.raw(encode_xid(x));
    }
    return w.take();
}

Bytes pcl_add(ByteView pcl, const Xid& change) {
    std::vector<Xid> xids;
    try {
        xids = decode_pcl(pcl);
    } catch (const DecodeError&) {
        // A damaged stored PCL must not block a save: restart it from this
        // change (the next sync treats the object as changed, which is safe).
        xids.clear();
    }
    bool merged = false;
    for (auto& x : xids) {
        if (x.guid == change.guid) {
            x.globcnt = std::max(x.globcnt, change.globcnt);
            merged = true;
        }
    }
    if (!merged) xids.push_back(change);
    return encode_pcl(xids);
}

Bytes encode_long_term_id(const LongTermId& l) {
    ByteWriter w(24);
    put_guid(w, l.guid);
    w.raw(globcnt_bytes(l.globcnt));
    w.zeros(2);
    return w.take();
}

LongTermId decode_long_term_id(ByteView b) {
    if (b.size() != 24) throw DecodeError("LongTermID must be 24 bytes");
    ByteReader r(b);
    LongTermId l;
    l.guid = get_guid(r);
    l.globcnt = globcnt_from_bytes(r.view(6));
    return l;
}

// Folder EntryID (MS-OXCDATA 2.2.4.1): Flags(4) ProviderUID(16)
// FolderType(2) DatabaseGuid(16) GlobalCounter(6) Pad(2).
Bytes encode_folder_entry_id(const FolderEntryId& e) {
    ByteWriter w(46);
    w.u32(0);
    put_guid(w, e.provider_uid);
    w.u16(uint16_t(e.type));
    put_guid(w, e.database_guid);
    w.raw(globcnt_bytes(e.globcnt));
    w.zeros(2);
    return w.take();
}

// Message EntryID (MS-OXCDATA 2.2.4.2): Flags(4) ProviderUID(16)
// MessageType(2) FolderDatabaseGuid(16) FolderGlobalCounter(6) Pad(2)
// MessageDatabaseGuid(16) MessageGlobalCounter(6) Pad(2).
Bytes encode_message_entry_id(const MessageEntryId& e) {
    ByteWriter w(70);
    w.u32(0);
    put_guid(w, e.provider_uid);
    w.u16(uint16_t(e.type));
    put_guid(w, e.folder_database_guid);
    w.raw(globcnt_bytes(e.folder_globcnt));
    w.zeros(2);
    put_guid(w, e.message_database_guid);
    w.raw(globcnt_bytes(e.message_globcnt));
    w.zeros(2);
    return w.take();
}

static bool is_folder_type(uint16_t t) {
    return t == 0x0001 || t == 0x0003 || t == 0x0005 || t == 0x000C;
}
static bool is_message_type(uint16_t t) { return t == 0x0007 || t == 0x0009 || t == 0x000B; }

std::optional<FolderEntryId> decode_folder_entry_id(ByteView b) {
    if (b.size() != 46) return std::nullopt;
    ByteReader r(b);
    if (r.u32() != 0) return std::nullopt;  // long-term EntryIDs only
    FolderEntryId e;
    e.provider_uid = get_guid(r);
    uint16_t t = r.u16();
    if (!is_folder_type(t)) return std::nullopt;
    e.type = EntryType(t);
    e.database_guid = get_guid(r);
    e.globcnt = globcnt_from_bytes(r.view(6));
    return e;
}

std::optional<MessageEntryId> decode_message_entry_id(ByteView b) {
    if (b.size() != 70) return std::nullopt;
    ByteReader r(b);
    if (r.u32() != 0) return std::nullopt;
    MessageEntryId e;
    e.provider_uid = get_guid(r);
    uint16_t t = r.u16();
    if (!is_message_type(t)) return std::nullopt;
    e.type = EntryType(t);
    e.folder_database_guid = get_guid(r);
    e.folder_globcnt = globcnt_from_bytes(r.view(6));
    r.skip(2);
    e.message_database_guid = get_guid(r);
    e.message_globcnt = globcnt_from_bytes(r.view(6));
    return e;
}

// 1601-01-01 to 1970-01-01 in seconds.
static constexpr int64_t kEpochDelta = 11644473600LL;

int64_t filetime_from_unix(int64_t unix_seconds) { return (unix_seconds + kEpochDelta) * 10000000LL; }

int64_t filetime_now() {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
    return (us + kEpochDelta * 1000000LL) * 10;
}

}  // namespace mg::store

namespace mg::store {

ChangeStamp make_change(const Guid& replica, Id cn, ByteView old_pcl) {
    ChangeStamp s;
    s.cn = cn;
    Xid x{replica, globcnt_of(cn)};
    s.change_key = encode_xid(x);
    s.pcl = pcl_add(old_pcl, x);
    s.time = filetime_now();
    return s;
}

}  // namespace mg::store
