// The mapistore identity of IMAP objects (mapistore/schema/004_imap_mapping.sql):
// a mail folder's UIDVALIDITY, and per message (folder, UIDVALIDITY, UID)
// <-> MID with a change number renewed when the message's MODSEQ moves
// (RFC 7162), so ICS sees a flag change as a change.
//
// MIDs are allocated when a message is first seen (a contents-table page, an
// open); they never change while the mailbox keeps its UIDVALIDITY. A
// UIDVALIDITY change (the mailbox was recreated, or the server lost its UID
// state) drops the folder's old rows deliberately, with a log line: the
// messages come back with new MIDs; the folder itself is never deleted.
#pragma once

#include "mapistore/db.h"
#include "mapistore/openchangedb.h"

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace mg::imap {

using store::Database;
using store::Id;
using store::IdAllocator;

class ImapMap {
public:
    ImapMap(Database& db, IdAllocator& ids, uint64_t mailbox_id) : db_(db), ids_(ids), mailbox_(mailbox_id) {}

    // Records the UIDVALIDITY `fid` (mailbox `name`, for the log) has now.
    // Returns false when it differs from the recorded one: the folder's old
    // message ids are dropped then.
    bool check_uidvalidity(Id fid, const std::string& name, uint32_t uidvalidity);
    std::optional<uint32_t> uidvalidity(Id fid);

    struct Entry {
        Id mid = 0;
        Id cn = 0;  // change number
    };
    struct Seen {
        uint32_t uid = 0;
        uint64_t modseq = 0;  // 0: unknown (no CONDSTORE)
    };
    // MIDs and change numbers of these messages, allocated for new ones; a
    // message whose MODSEQ differs from the recorded one gets a new change
    // number. Safe against concurrent sessions resolving the same UIDs.
    std::map<uint32_t, Entry> resolve(Id fid, uint32_t uidvalidity, std::span<const Seen> seen);

    // (UIDVALIDITY, UID) of a MID of `fid`, or nullopt.
    struct Where {
        uint32_t uidvalidity = 0;
        uint32_t uid = 0;
    };
    std::optional<Where> find(Id fid, Id mid);
    std::optional<Entry> entry(Id fid, Id mid);

    // Messages that left the folder (expunged, moved away).
    void forget(Id fid, std::span<const Id> mids);
    void forget_folder(Id fid);

private:
    // IN lists and multi-row inserts are padded to a few sizes so the
    // connection's statement cache stays small.
    static size_t bucket(size_t n);

    Database& db_;
    IdAllocator& ids_;
    uint64_t mailbox_;
};

}  // namespace mg::imap
