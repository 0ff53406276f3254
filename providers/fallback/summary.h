// The summary image of a fallback message: every small stored property of the
// message in one blob on its fallback_messages row (column `summary`), plus
// its stored size. A contents-table page then reads one row per message
// instead of one row per (message, column) from fallback_props; values too
// big for the image (bodies, large binaries) are listed by tag only and read
// from fallback_props when a table asks for them.
//
// fallback_props stays the source of truth (restrictions and ORDER BY are
// pushed down there); the image is rewritten by every save and rebuilt on
// demand when missing (rows written before the column existed).
//
// Image layout (little-endian): u8 version (1), then entries until the end:
//   u16 prop_id, u16 stored type, u8 kind, u32 n, n bytes payload
// kind 0: large value, no payload (n = 0); 1: v_int (8 bytes); 2: v_double
// (8 bytes); 3: v_text (UTF-8); 4: v_blob; 5: no value columns (PT_NULL).
#pragma once

#include "mapistore/db.h"
#include "providers/fallback/propstore.h"

#include <map>
#include <optional>
#include <span>

namespace mg::store::fallback {

// Values whose payload exceeds this many bytes stay out of the image.
inline constexpr size_t kSummaryValueLimit = 1024;

struct Summary {
    Bytes image;
    int64_t size = 0;  // PidTagMessageSize of the stored properties
};

// The image and size of a message's stored properties (as PropStore::get_all
// returns them); `content_size`: what its recipients and attachments add.
Summary make_summary(const PropList& stored, int64_t content_size = 0);

// The values of `tags` (as PropStore::get does: as_requested conversions,
// ecNotFound when absent) from an image. Tags whose value is too large for
// the image are appended to `large` (their slot is left as ecNotFound).
// A damaged image throws DecodeError.
PropList read_summary(ByteView image, std::span<const PropTag> tags, std::vector<size_t>& large);

// Rewrites the images and sizes of messages from fallback_props and their
// recipients/attachments: every writer calls it after changing a message.
void refresh_summaries(Database& db, uint64_t mailbox, std::span<const Id> mids);
inline void refresh_summary(Database& db, uint64_t mailbox, Id mid) {
    Id one[] = {mid};
    refresh_summaries(db, mailbox, one);
}

// A page of messages: mid -> values of `tags` (computed tags excluded by the
// caller) and stored sizes. Reads the images, rebuilds missing ones, and
// reads large values from fallback_props in one query.
struct SummaryPage {
    std::map<Id, PropList> values;
    std::map<Id, int64_t> sizes;
};
SummaryPage read_page(Database& db, uint64_t mailbox, std::span<const Id> mids, std::span<const PropTag> tags);

}  // namespace mg::store::fallback
