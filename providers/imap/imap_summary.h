// A contents-table row of an IMAP message from FETCH data alone — FLAGS,
// RFC822.SIZE, INTERNALDATE, MODSEQ, ENVELOPE, and BODYSTRUCTURE or two
// header fields only when the columns need them — never from the body
// (MS-OXCMAIL 2.2.3 for the property meanings, RFC 3501 7.4.2 for ENVELOPE
// and BODYSTRUCTURE).
//
// The FETCH data is untrusted: odd shapes (missing items, wrong kinds)
// leave the affected properties out, nothing throws.
#pragma once

#include "libmapi/property.h"
#include "providers/imap/imap_client.h"

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace mg::imap {

// What the columns need beyond UID FLAGS RFC822.SIZE INTERNALDATE MODSEQ.
struct SummaryNeeds {
    bool envelope = false;
    bool bodystructure = false;  // HasAttachments, MessageFlags' MSGFLAG_HASATTACH
    bool importance = false;     // BODY.PEEK[HEADER.FIELDS (IMPORTANCE X-PRIORITY)]
};
SummaryNeeds summary_needs(std::span<const mapi::PropTag> columns);
// The inside of the FETCH item list for these needs (MODSEQ only when the
// server has CONDSTORE).
std::string fetch_items(const SummaryNeeds& n, bool modseq);

struct Address {
    std::string name;   // decoded display name, "" when none
    std::string email;  // mailbox@host
    std::string display() const { return name.empty() ? email : name; }
};

struct Summary {
    uint32_t uid = 0;
    uint64_t modseq = 0;
    std::vector<std::string> flags;
    uint64_t size = 0;
    std::optional<int64_t> delivery_time;  // INTERNALDATE, FILETIME
    std::optional<std::string> date;       // envelope Date, parsed when asked (submit_time())
    std::optional<std::string> subject;    // decoded
    std::vector<Address> from, sender, to, cc, bcc;
    std::optional<std::string> message_id, in_reply_to;
    std::optional<bool> has_attachments;   // from BODYSTRUCTURE
    std::optional<int32_t> importance;
};

Summary make_summary(const FetchItem& f);

// Whether a BODYSTRUCTURE shows attachments: a part with disposition
// "attachment" or a file name, an embedded message, or a non-text part
// that is not an inline part of multipart/related.
bool has_attachments(const Value& bodystructure);

// The value of a summary column, nullopt when `tag` is not one (identity
// columns are the provider's). A column the data lacks is ecNotFound.
std::optional<mapi::PropValue> summary_value(mapi::PropTag tag, const Summary& s);

// The tags summary_value answers (RopQueryColumnsAll).
std::span<const mapi::PropTag> summary_columns();

}  // namespace mg::imap
