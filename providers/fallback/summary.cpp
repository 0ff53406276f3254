#include "providers/fallback/summary.h"

#include "common/bytes.h"
#include "providers/fallback/content.h"

#include <bit>
#include <cstring>
#include <set>

namespace mg::store::fallback {

using namespace mapi;

namespace {

constexpr uint8_t kVersion = 1;
enum Kind : uint8_t { KLarge = 0, KInt = 1, KDouble = 2, KText = 3, KBlob = 4, KNone = 5 };

void put_entry(ByteWriter& w, uint16_t id, uint16_t type, Kind k, ByteView payload) {
    w.u16(id);
    w.u16(type);
    w.u8(k);
    w.u32(uint32_t(payload.size()));
    w.raw(payload);
}

ByteView as_view(const std::string& s) { return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

Bytes le64(uint64_t v) {
    Bytes b(8);
    for (int i = 0; i < 8; ++i) b[i] = uint8_t(v >> (8 * i));
    return b;
}
uint64_t read_le64(ByteView v) {
    if (v.size() != 8) throw DecodeError("summary: bad 8-byte payload");
    uint64_t x = 0;
    for (int i = 7; i >= 0; --i) x = (x << 8) | v[i];
    return x;
}

}  // namespace

Summary make_summary(const PropList& stored, int64_t content_size) {
    Summary s;
    s.size = content_size;
    ByteWriter w;
    w.u8(kVersion);
    for (const PropValue& v : stored) {
        if (v.is_error()) continue;
        StoredValue sv;
        try {
            sv = encode_value(v);
        } catch (const StoreError&) {
            continue;  // not storable: cannot be in fallback_props either
        }
        size_t payload = (sv.v_text ? sv.v_text->size() : 0) + (sv.v_blob ? sv.v_blob->size() : 0);
        s.size += int64_t(8 + payload);
        uint16_t id = prop_id(v.tag);
        if (payload > kSummaryValueLimit) put_entry(w, id, sv.type, KLarge, {});
        else if (sv.v_int) put_entry(w, id, sv.type, KInt, le64(uint64_t(*sv.v_int)));
        else if (sv.v_double) put_entry(w, id, sv.type, KDouble, le64(std::bit_cast<uint64_t>(*sv.v_double)));
        else if (sv.v_text) put_entry(w, id, sv.type, KText, as_view(*sv.v_text));
        else if (sv.v_blob) put_entry(w, id, sv.type, KBlob, *sv.v_blob);
        else put_entry(w, id, sv.type, KNone, {});
    }
    s.image = w.take();
    return s;
}

PropList read_summary(ByteView image, std::span<const PropTag> tags, std::vector<size_t>& large) {
    PropList out;
    out.reserve(tags.size());
    for (PropTag t : tags) out.push_back(PropValue::error(t, ec::NotFound));
    ByteReader r(image);
    if (r.u8() != kVersion) throw DecodeError("summary: unknown version");
    while (!r.empty()) {
        uint16_t id = r.u16(), type = r.u16();
        uint8_t kind = r.u8();
        ByteView payload = r.view(r.u32(), "summary payload");
        for (size_t i = 0; i < tags.size(); ++i) {
            if (prop_id(tags[i]) != id) continue;
            if (kind == KLarge) {
                large.push_back(i);
                continue;
            }
            StoredValue sv;
            sv.type = type;
            switch (kind) {
            case KInt: sv.v_int = int64_t(read_le64(payload)); break;
            case KDouble: sv.v_double = std::bit_cast<double>(read_le64(payload)); break;
            case KText: sv.v_text = std::string(reinterpret_cast<const char*>(payload.data()), payload.size()); break;
            case KBlob: sv.v_blob = Bytes(payload.begin(), payload.end()); break;
            case KNone: break;
            default: throw DecodeError("summary: unknown value kind");
            }
            out[i] = as_requested(tags[i], decode_value(id, sv));
        }
    }
    return out;
}

namespace {

// The summaries of `mids`, built from the source of truth and written.
std::map<Id, Summary> rebuild(Database& db, uint64_t mailbox, std::span<const Id> mids) {
    std::map<Id, Summary> out;
    if (mids.empty()) return out;
    auto all = PropStore(db, mailbox, ObjKind::Message).get_all_many(mids);
    auto content = ContentStore(db, mailbox).content_sizes(mids);
    for (Id mid : mids) {
        auto c = content.find(mid);
        Summary s = make_summary(all[mid], c == content.end() ? 0 : c->second);
        db.exec("UPDATE fallback_messages SET summary = ?, stored_size = ? WHERE mailbox_id = ? AND mid = ?",
                {s.image, s.size, mailbox, mid});
        out.emplace(mid, std::move(s));
    }
    return out;
}

}  // namespace

void refresh_summaries(Database& db, uint64_t mailbox, std::span<const Id> mids) { rebuild(db, mailbox, mids); }

SummaryPage read_page(Database& db, uint64_t mailbox, std::span<const Id> mids, std::span<const PropTag> tags) {
    SummaryPage page;
    if (mids.empty()) return page;
    std::map<Id, std::vector<size_t>> large;
    std::vector<Id> missing;
    for (auto& r : db.query("SELECT mid, summary, stored_size FROM fallback_messages WHERE mailbox_id = ? AND mid IN (" +
                                sql_placeholders(mids.size()) + ")",
                            id_list({mailbox}, mids))) {
        Id mid = r.u64(0);
        if (r.is_null(1)) {
            missing.push_back(mid);
            continue;
        }
        Bytes image = r.blob(1);
        std::vector<size_t> big;
        try {
            page.values[mid] = read_summary(image, tags, big);
        } catch (const DecodeError&) {
            missing.push_back(mid);  // damaged image: rebuild it from the source of truth
            continue;
        }
        page.sizes[mid] = r.i64(2);
        if (!big.empty()) large[mid] = std::move(big);
    }
    // Images written before the column existed (or damaged): rebuilt now from
    // one query for all of them, so the next read of these messages is cheap.
    if (!missing.empty()) {
        for (auto& [mid, s] : rebuild(db, mailbox, missing)) {
            std::vector<size_t> big;
            page.values[mid] = read_summary(s.image, tags, big);
            page.sizes[mid] = s.size;
            if (!big.empty()) large[mid] = std::move(big);
        }
    }
    // Large values: one query for the page.
    if (!large.empty()) {
        std::vector<Id> objs;
        std::set<PropTag> want;
        for (auto& [mid, idx] : large) {
            objs.push_back(mid);
            for (size_t i : idx) want.insert(tags[i]);
        }
        std::vector<PropTag> want_tags(want.begin(), want.end());
        auto got = PropStore(db, mailbox, ObjKind::Message).get_many(objs, want_tags);
        for (auto& [mid, idx] : large) {
            auto& src = got[mid];
            for (size_t i : idx)
                for (size_t j = 0; j < want_tags.size(); ++j)
                    if (want_tags[j] == tags[i]) page.values[mid][i] = src[j];
        }
    }
    return page;
}

}  // namespace mg::store::fallback
