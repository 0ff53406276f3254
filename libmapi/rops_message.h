// The message ROPs of MS-OXCROPS 2.2.6 (semantics in MS-OXCMSG 2.2.3): the
// first slice — create, open, save, read flags and message status. Same
// conventions as libmapi/rops.h (read its header comment): Request::fields
// covers what follows the RopId, Response::fields what follows RopId, the
// handle index and ReturnValue.
//
// ResponseHandleIndex (RopSaveChangesMessage, RopSetMessageReadFlag) is held
// in `out_index`: it is the index the response header echoes, which is what
// the engine takes `out_index` for. It names the containing folder; no object
// is stored there.
//
// Layouts were checked with the specification text where the search found
// it (2.2.6.2.2, 2.2.6.3.2, 2.2.6.11.1, MS-OXCMSG 2.2.3.1.1, 2.2.3.3.1,
// 2.2.3.10.1); the rest follows MS-OXCROPS as known and says so.
#pragma once

#include "libmapi/rops.h"

namespace mg::rop {

// ---------------------------------------------------------------------------
// Shared pieces.

// TypedString (MS-OXCDATA 2.11.7) inside a ROP: nullopt is StringType 0x00.
namespace detail {
template <class IO, class O>
void typed_string(IO& io, O& s) {
    if constexpr (IO::decoding) {
        mapi::CodecOptions o;
        o.codepage = io.codepage();
        s = mapi::read_typed_string(io.reader(), o);
    } else {
        mapi::write_typed_string(io.writer(), s);
    }
}

// u8 count + structures of at least `min_size` bytes (RowCount of the
// recipient ROPs).
template <class IO, class V>
void list_u8(IO& io, V& v, size_t min_size, const char* what) {
    if constexpr (!IO::decoding)
        if (v.size() > 0xFF) throw std::invalid_argument(std::string("too many ") + what + " for a one-byte count");
    uint8_t n = uint8_t(v.size());
    io.u8(n);
    if constexpr (IO::decoding) {
        io.reader().need(size_t(n) * min_size, what);
        v.resize(n);
    }
    for (auto& e : v) std::remove_cvref_t<decltype(e)>::fields(e, io);
}
}  // namespace detail

// OpenRecipientRow (MS-OXCROPS 2.2.6.1.2, RopOpenMessage): RecipientType,
// CodePageId, Reserved, RecipientRowSize and the RecipientRow (MS-OXCDATA
// 2.8.3). The RecipientRow's layout depends on RecipientColumns, so it is
// kept as bytes (like the PropertyRows of rops.h).
struct OpenRecipientRow {
    uint8_t recipient_type = 0;
    uint16_t code_page_id = 0;
    uint16_t reserved = 0;
    Bytes recipient_row;  // RecipientRowSize + RecipientRow
    bool operator==(const OpenRecipientRow&) const = default;
    static constexpr size_t kMinSize = 7;
    template <class S, class IO>
    static void fields(S& s, IO& io) {
        io.u8(s.recipient_type); io.u16(s.code_page_id); io.u16(s.reserved);
        io.bytes_u16(s.recipient_row);
    }
};

// MessageStatusFlags (4 bytes): the response of RopGetMessageStatus (the
// status) and of RopSetMessageStatus (the status before the change).
struct MessageStatusBody {
    uint32_t message_status_flags = 0;
    bool operator==(const MessageStatusBody&) const = default;
    template <class S, class IO>
    static void fields(S& s, IO& io) { io.u32(s.message_status_flags); }
};

// ===========================================================================
// 2.2.6 Message ROPs

// 2.2.6.1 RopOpenMessage. Request (MS-OXCMSG 2.2.3.1.1): CodePageId (0x0FFF =
// the logon's code page), FolderId, OpenModeFlags, MessageId. Response:
// HasNamedProperties, SubjectPrefix and NormalizedSubject (TypedStrings),
// RecipientCount, ColumnCount + RecipientColumns, RowCount (1 byte) + the
// OpenRecipientRows (the search did not return 2.2.6.1.2; layout as known).
struct RopOpenMessage {
    static constexpr uint8_t kId = 0x03;
    static constexpr const char* kName = "RopOpenMessage";
    // OpenModeFlags (MS-OXCMSG 2.2.3.1.1): values, OpenSoftDeleted a bit.
    static constexpr uint8_t kReadOnly = 0x00, kReadWrite = 0x01, kBestAccess = 0x03, kOpenSoftDeleted = 0x04;
    struct Request {
        uint8_t logon_id = 0, in_index = 0, out_index = 0;
        uint16_t code_page_id = 0;
        uint64_t folder_id = 0;
        uint8_t open_mode_flags = 0;
        uint64_t message_id = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u8(s.out_index);
            io.u16(s.code_page_id); io.u64(s.folder_id); io.u8(s.open_mode_flags); io.u64(s.message_id);
        }
    };
    struct Response {
        bool has_named_properties = false;
        std::optional<std::string> subject_prefix, normalized_subject;
        uint16_t recipient_count = 0;
        std::vector<mapi::PropTag> recipient_columns;
        std::vector<OpenRecipientRow> rows;  // RowCount is one byte
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.boolean(s.has_named_properties);
            detail::typed_string(io, s.subject_prefix);
            detail::typed_string(io, s.normalized_subject);
            io.u16(s.recipient_count);
            io.tags_u16(s.recipient_columns);
            detail::list_u8(io, s.rows, OpenRecipientRow::kMinSize, "OpenRecipientRow");
        }
    };
};

// 2.2.6.2 RopCreateMessage. Request: CodePageId, FolderId, AssociatedFlag
// (FAI). Response (2.2.6.2.2): HasMessageId + MessageId when nonzero.
struct RopCreateMessage {
    static constexpr uint8_t kId = 0x06;
    static constexpr const char* kName = "RopCreateMessage";
    struct Request {
        uint8_t logon_id = 0, in_index = 0, out_index = 0;
        uint16_t code_page_id = 0;
        uint64_t folder_id = 0;
        bool associated = false;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u8(s.out_index);
            io.u16(s.code_page_id); io.u64(s.folder_id); io.boolean(s.associated);
        }
    };
    struct Response {
        std::optional<uint64_t> message_id;  // HasMessageId
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            bool has = s.message_id.has_value();
            io.boolean(has);
            if (detail::present<IO>(s.message_id, has)) io.u64(*s.message_id);
        }
    };
};

// 2.2.6.3 RopSaveChangesMessage. Request: ResponseHandleIndex, InputHandleIndex,
// SaveFlags (MS-OXCMSG 2.2.3.3.1). Response (2.2.6.3.2): InputHandleIndex
// echoed, then the MessageId of the saved message.
struct RopSaveChangesMessage {
    static constexpr uint8_t kId = 0x0C;
    static constexpr const char* kName = "RopSaveChangesMessage";
    // SaveFlags (MS-OXCMSG 2.2.3.3.1).
    static constexpr uint8_t kKeepOpenReadOnly = 0x01, kKeepOpenReadWrite = 0x02, kForceSave = 0x04;
    struct Request {
        uint8_t logon_id = 0, out_index = 0 /* ResponseHandleIndex */, in_index = 0;
        uint8_t save_flags = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.out_index); io.u8(s.in_index); io.u8(s.save_flags);
        }
    };
    struct Response {
        uint8_t in_index = 0;
        uint64_t message_id = 0;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u8(s.in_index); io.u64(s.message_id); }
    };
};

// 2.2.6.8 RopSetMessageStatus: MessageId, MessageStatusFlags,
// MessageStatusMask; the response holds the previous status (layout as
// known, the request section was not returned by the search).
struct RopSetMessageStatus {
    static constexpr uint8_t kId = 0x20;
    static constexpr const char* kName = "RopSetMessageStatus";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        uint64_t message_id = 0;
        uint32_t message_status_flags = 0, message_status_mask = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u64(s.message_id);
            io.u32(s.message_status_flags); io.u32(s.message_status_mask);
        }
    };
    using Response = MessageStatusBody;
};

// 2.2.6.9 RopGetMessageStatus: MessageId; the response holds the status.
struct RopGetMessageStatus {
    static constexpr uint8_t kId = 0x1F;
    static constexpr const char* kName = "RopGetMessageStatus";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        uint64_t message_id = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); io.u64(s.message_id); }
    };
    using Response = MessageStatusBody;
};

// 2.2.6.10 RopSetReadFlags (MS-OXCMSG 2.2.3.10.1): WantAsynchronous,
// ReadFlags, MessageIdCount + MessageIds. Response: PartialCompletion.
struct RopSetReadFlags {
    static constexpr uint8_t kId = 0x66;
    static constexpr const char* kName = "RopSetReadFlags";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        bool want_asynchronous = false;
        uint8_t read_flags = 0;
        std::vector<uint64_t> message_ids;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index);
            io.boolean(s.want_asynchronous); io.u8(s.read_flags);
            io.ids_u16(s.message_ids);
        }
    };
    using Response = PartialCompletionBody;
};

// ReadFlags of RopSetReadFlags and RopSetMessageReadFlag (MS-OXCMSG
// 2.2.3.10.1, 2.2.3.11.1).
inline constexpr uint8_t rfDefault = 0x00, rfSuppressReceipt = 0x01, rfClearReadFlag = 0x04,
                         rfGenerateReceiptOnly = 0x10, rfClearNotifyRead = 0x20, rfClearNotifyUnread = 0x40;

// ClientData of RopSetMessageReadFlag (24 bytes, public folder logons).
using ReadFlagClientData = std::array<uint8_t, 24>;

// LogonId and ClientData of a RopSetMessageReadFlag response whose
// ReadStatusChanged is nonzero (at namespace scope so that the optional
// holding it is default-constructible inside the ROP).
struct ReadStatusChanged {
    uint8_t logon_id = 0;
    ReadFlagClientData client_data{};
    bool operator==(const ReadStatusChanged&) const = default;
};

// 2.2.6.11 RopSetMessageReadFlag. Request (2.2.6.11.1): ResponseHandleIndex
// (the folder), InputHandleIndex (the message), ReadFlags, and ClientData
// when the logon was created without the Private flag. That condition is not
// on the wire: `private_logon` is context, set from the logon before
// decoding. Response (2.2.6.11.2, layout as known): ReadStatusChanged, then
// LogonId and ClientData when it is nonzero (public folder mode only).
struct RopSetMessageReadFlag {
    static constexpr uint8_t kId = 0x11;
    static constexpr const char* kName = "RopSetMessageReadFlag";
    struct Request {
        uint8_t logon_id = 0, out_index = 0 /* ResponseHandleIndex */, in_index = 0;
        uint8_t read_flags = 0;
        ReadFlagClientData client_data{};  // on the wire iff !private_logon
        bool private_logon = true;         // context, not on the wire
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.out_index); io.u8(s.in_index); io.u8(s.read_flags);
            if (!s.private_logon)
                for (auto& b : s.client_data) io.u8(b);
        }
    };
    using Changed = ReadStatusChanged;
    struct Response {
        std::optional<Changed> changed;  // ReadStatusChanged
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            bool changed = s.changed.has_value();
            io.boolean(changed);
            if (!detail::present<IO>(s.changed, changed)) return;
            io.u8(s.changed->logon_id);
            for (auto& b : s.changed->client_data) io.u8(b);
        }
    };
};

// ---------------------------------------------------------------------------
// Recipients (MS-OXCROPS 2.2.6.4-2.2.6.7, MS-OXCMSG 2.2.3.4-2.2.3.7). The
// RecipientRows are bytes here: their layout depends on RecipientColumns and
// is decoded by libmapi/recipient_row.h.

// RecipientType (MS-OXCMSG 2.2.3.5.1): To, Cc, Bcc, plus two flag bits.
inline constexpr uint8_t kRecipTo = 0x01, kRecipCc = 0x02, kRecipBcc = 0x03, kRecipTypeMask = 0x0F,
                         kRecipResend = 0x10, kRecipSent = 0x80;

// 2.2.6.4 RopRemoveAllRecipients: Reserved (4 bytes).
struct RopRemoveAllRecipients {
    static constexpr uint8_t kId = 0x0D;
    static constexpr const char* kName = "RopRemoveAllRecipients";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        uint32_t reserved = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); io.u32(s.reserved); }
    };
    using Response = EmptyBody;
};

// ModifyRecipientRow (MS-OXCROPS 2.2.6.5.1.1): RowId, RecipientType,
// RecipientRowSize + RecipientRow; a size of zero removes the recipient.
struct ModifyRecipientRow {
    uint32_t row_id = 0;
    uint8_t recipient_type = 0;
    Bytes recipient_row;
    bool operator==(const ModifyRecipientRow&) const = default;
    static constexpr size_t kMinSize = 7;
    template <class S, class IO>
    static void fields(S& s, IO& io) { io.u32(s.row_id); io.u8(s.recipient_type); io.bytes_u16(s.recipient_row); }
};

// 2.2.6.5 RopModifyRecipients: ColumnCount + RecipientColumns, RowCount +
// ModifyRecipientRows. No response body.
struct RopModifyRecipients {
    static constexpr uint8_t kId = 0x0E;
    static constexpr const char* kName = "RopModifyRecipients";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        std::vector<mapi::PropTag> columns;
        std::vector<ModifyRecipientRow> rows;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index);
            io.tags_u16(s.columns);
            detail::list_u16(io, s.rows, ModifyRecipientRow::kMinSize);
        }
    };
    using Response = EmptyBody;
};

// ReadRecipientRow (MS-OXCROPS 2.2.6.6.2.1): RowId, RecipientType,
// CodePageId, Reserved, RecipientRowSize + RecipientRow.
struct ReadRecipientRow {
    uint32_t row_id = 0;
    uint8_t recipient_type = 0;
    uint16_t code_page_id = 0;
    uint16_t reserved = 0;
    Bytes recipient_row;
    bool operator==(const ReadRecipientRow&) const = default;
    static constexpr size_t kMinSize = 11;
    template <class S, class IO>
    static void fields(S& s, IO& io) {
        io.u32(s.row_id); io.u8(s.recipient_type); io.u16(s.code_page_id); io.u16(s.reserved);
        io.bytes_u16(s.recipient_row);
    }
};

// 2.2.6.6 RopReadRecipients: RowId (the first row wanted), Reserved (2).
// Response: RowCount (1 byte) + ReadRecipientRows, whose RecipientProperties
// use the message's recipient columns (those RopOpenMessage gave).
struct RopReadRecipients {
    static constexpr uint8_t kId = 0x0F;
    static constexpr const char* kName = "RopReadRecipients";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        uint32_t row_id = 0;
        uint16_t reserved = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); io.u32(s.row_id); io.u16(s.reserved); }
    };
    struct Response {
        std::vector<ReadRecipientRow> rows;  // RowCount is one byte
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { detail::list_u8(io, s.rows, ReadRecipientRow::kMinSize, "ReadRecipientRow"); }
    };
};

// 2.2.6.7 RopReloadCachedInformation: Reserved (2). The response is
// RopOpenMessage's (MS-OXCMSG 2.2.3.7.2).
struct RopReloadCachedInformation {
    static constexpr uint8_t kId = 0x10;
    static constexpr const char* kName = "RopReloadCachedInformation";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        uint16_t reserved = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); io.u16(s.reserved); }
    };
    using Response = RopOpenMessage::Response;
};

// ---------------------------------------------------------------------------
// Attachments (MS-OXCROPS 2.2.6.12-2.2.6.17, MS-OXCMSG 2.2.3.12-2.2.3.18).

// 2.2.6.17 RopGetAttachmentTable: TableFlags (0x40 Unicode). No response body.
struct RopGetAttachmentTable {
    static constexpr uint8_t kId = 0x21;
    static constexpr const char* kName = "RopGetAttachmentTable";
    using Request = GetTableRequest;
    using Response = EmptyBody;
};

// 2.2.6.12 RopOpenAttachment: OpenAttachmentFlags (0 ReadOnly, 1 ReadWrite,
// 3 BestAccess), AttachmentID.
struct RopOpenAttachment {
    static constexpr uint8_t kId = 0x22;
    static constexpr const char* kName = "RopOpenAttachment";
    static constexpr uint8_t kReadOnly = 0x00, kReadWrite = 0x01, kBestAccess = 0x03;
    struct Request {
        uint8_t logon_id = 0, in_index = 0, out_index = 0;
        uint8_t open_attachment_flags = 0;
        uint32_t attachment_id = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u8(s.out_index);
            io.u8(s.open_attachment_flags); io.u32(s.attachment_id);
        }
    };
    using Response = EmptyBody;
};

// 2.2.6.13 RopCreateAttachment. Response: AttachmentID.
struct RopCreateAttachment {
    static constexpr uint8_t kId = 0x23;
    static constexpr const char* kName = "RopCreateAttachment";
    using Request = OutputOnly;
    struct Response {
        uint32_t attachment_id = 0;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u32(s.attachment_id); }
    };
};

// 2.2.6.14 RopDeleteAttachment: AttachmentID.
struct RopDeleteAttachment {
    static constexpr uint8_t kId = 0x24;
    static constexpr const char* kName = "RopDeleteAttachment";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        uint32_t attachment_id = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); io.u32(s.attachment_id); }
    };
    using Response = EmptyBody;
};

// 2.2.6.15 RopSaveChangesAttachment: ResponseHandleIndex (the message;
// echoed, held in out_index), InputHandleIndex (the attachment), SaveFlags.
struct RopSaveChangesAttachment {
    static constexpr uint8_t kId = 0x25;
    static constexpr const char* kName = "RopSaveChangesAttachment";
    struct Request {
        uint8_t logon_id = 0, out_index = 0 /* ResponseHandleIndex */, in_index = 0;
        uint8_t save_flags = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.out_index); io.u8(s.in_index); io.u8(s.save_flags); }
    };
    using Response = EmptyBody;
};

// 2.2.6.16 RopOpenEmbeddedMessage: CodePageId, OpenModeFlags (0 ReadOnly,
// 1 ReadWrite, 2 Create). Response: Reserved, MessageId, then RopOpenMessage's
// response fields.
struct RopOpenEmbeddedMessage {
    static constexpr uint8_t kId = 0x46;
    static constexpr const char* kName = "RopOpenEmbeddedMessage";
    static constexpr uint8_t kReadOnly = 0x00, kReadWrite = 0x01, kCreate = 0x02;
    struct Request {
        uint8_t logon_id = 0, in_index = 0, out_index = 0;
        uint16_t code_page_id = 0;
        uint8_t open_mode_flags = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u8(s.out_index); io.u16(s.code_page_id); io.u8(s.open_mode_flags);
        }
    };
    struct Response {
        uint8_t reserved = 0;
        uint64_t message_id = 0;
        RopOpenMessage::Response message;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.reserved); io.u64(s.message_id);
            RopOpenMessage::Response::fields(s.message, io);
        }
    };
};

// 2.2.6.18 RopGetValidAttachments. Response: AttachmentIdCount (2) +
// AttachmentIds (4 bytes each).
struct RopGetValidAttachments {
    static constexpr uint8_t kId = 0x52;
    static constexpr const char* kName = "RopGetValidAttachments";
    using Request = InputOnly;
    struct Response {
        std::vector<uint32_t> attachment_ids;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            if constexpr (!IO::decoding)
                if (s.attachment_ids.size() > 0xFFFF) throw std::invalid_argument("too many attachment ids");
            uint16_t n = uint16_t(s.attachment_ids.size());
            io.u16(n);
            if constexpr (IO::decoding) {
                io.reader().need(size_t(n) * 4, "AttachmentIdArray");
                s.attachment_ids.resize(n);
            }
            for (auto& id : s.attachment_ids) io.u32(id);
        }
    };
};

// Every ROP of this header, for dispatch and tests (see CoreRops).
using MessageRops = std::tuple<RopOpenMessage, RopCreateMessage, RopSaveChangesMessage, RopSetMessageStatus,
                               RopGetMessageStatus, RopSetReadFlags, RopSetMessageReadFlag, RopRemoveAllRecipients,
                               RopModifyRecipients, RopReadRecipients, RopReloadCachedInformation,
                               RopGetAttachmentTable, RopOpenAttachment, RopCreateAttachment, RopDeleteAttachment,
                               RopSaveChangesAttachment, RopOpenEmbeddedMessage, RopGetValidAttachments>;

}  // namespace mg::rop
