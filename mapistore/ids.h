// Identifiers of the store and their wire forms: FID/MID/CN (MS-OXCDATA
// 2.2.1), LongTermID (MS-OXCDATA 2.2.1.3.1), XID / SourceKey / ChangeKey /
// PredecessorChangeList (MS-OXCFXICS 2.2.2.2-2.2.2.4), Folder and Message
// EntryIDs (MS-OXCDATA 2.2.4.1-2.2.4.2) and FILETIME.
#pragma once

#include "common/bytes.h"
#include "mapistore/provider.h"

#include <chrono>
#include <optional>
#include <vector>

namespace mg::store {

using mapi::Guid;

// GLOBCNT: a 48-bit counter, big-endian on the wire (MS-OXCDATA 2.2.1.1).
inline constexpr uint64_t kGlobcntMax = (uint64_t(1) << 48) - 1;
Bytes globcnt_bytes(uint64_t globcnt);          // 6 bytes, big-endian
uint64_t globcnt_from_bytes(ByteView six);     // throws DecodeError unless 6 bytes

Guid random_guid();                            // RFC 4122 v4, from getrandom()

// XID (MS-OXCFXICS 2.2.2.2): namespace GUID + LocalId. The store always uses
// 6-byte LocalIds (a GLOBCNT), so an XID is 22 bytes.
struct Xid {
    Guid guid;
    uint64_t globcnt = 0;
    bool operator==(const Xid&) const = default;
};
Bytes encode_xid(const Xid& x);                // 22 bytes
Xid decode_xid(ByteView b);                    // throws DecodeError

// PidTagSourceKey of an object: replica GUID + GLOBCNT of its id.
inline Bytes source_key(const Guid& replica, Id id) { return encode_xid({replica, globcnt_of(id)}); }
// PidTagChangeKey: replica GUID + GLOBCNT of the change number (MS-OXCFXICS 2.2.2.7).
inline Bytes change_key(const Guid& replica, Id cn) { return encode_xid({replica, globcnt_of(cn)}); }

// PredecessorChangeList (MS-OXCFXICS 2.2.2.4): a sequence of SizedXid
// (1-byte XidSize + XID). Each namespace GUID appears once, with the highest
// LocalId seen. LocalIds of any length 1..8 are read; ours are written as 6.
std::vector<Xid> decode_pcl(ByteView pcl);     // throws DecodeError
Bytes encode_pcl(const std::vector<Xid>& xids);
// The PCL after a change: `pcl` with `change` merged in (replacing an older
// entry of the same namespace). `pcl` may be empty (a new object).
Bytes pcl_add(ByteView pcl, const Xid& change);

// LongTermID (MS-OXCDATA 2.2.1.3.1): DatabaseGuid + GLOBCNT + 2 pad bytes.
struct LongTermId {
    Guid guid;
    uint64_t globcnt = 0;
    bool operator==(const LongTermId&) const = default;
};
Bytes encode_long_term_id(const LongTermId& l);   // 24 bytes
LongTermId decode_long_term_id(ByteView b);       // throws DecodeError

// EntryIDs (MS-OXCDATA 2.2.4). ProviderUID is the store's mailbox GUID
// (MailboxGuid of the RopLogon response) for a private store.
enum class EntryType : uint16_t {
    PrivateFolder = 0x0001, PublicFolder = 0x0003, MappedPublicFolder = 0x0005,
    PrivateMessage = 0x0007, PublicMessage = 0x0009, MappedPublicMessage = 0x000B,
    PublicNewsgroupFolder = 0x000C,
};
struct FolderEntryId {
    Guid provider_uid;
    EntryType type = EntryType::PrivateFolder;
    Guid database_guid;  // the GUID the FID's ReplicaId stands for (replica GUID)
    uint64_t globcnt = 0;
};
struct MessageEntryId {
    Guid provider_uid;
    EntryType type = EntryType::PrivateMessage;
    Guid folder_database_guid;
    uint64_t folder_globcnt = 0;
    Guid message_database_guid;
    uint64_t message_globcnt = 0;
};
Bytes encode_folder_entry_id(const FolderEntryId& e);    // 46 bytes
Bytes encode_message_entry_id(const MessageEntryId& e);  // 70 bytes
// Return nullopt when the bytes are not a folder (message) EntryID of the
// expected length and type; never throw on client input.
std::optional<FolderEntryId> decode_folder_entry_id(ByteView b);
std::optional<MessageEntryId> decode_message_entry_id(ByteView b);

// What every change of an object sets (MS-OXCFXICS 2.2.1.2): the new change
// number, PidTagChangeKey = XID of it, PidTagPredecessorChangeList = the old
// PCL with that XID merged in, PidTagLastModificationTime.
struct ChangeStamp {
    Id cn = 0;
    Bytes change_key;
    Bytes pcl;
    int64_t time = 0;  // FILETIME
};
ChangeStamp make_change(const Guid& replica, Id cn, ByteView old_pcl);

// FILETIME (100 ns since 1601-01-01 UTC) of now, and conversions.
int64_t filetime_now();
int64_t filetime_from_unix(int64_t unix_seconds);

}  // namespace mg::store
