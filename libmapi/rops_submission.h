// The transport ROPs of MS-OXCROPS 2.2.7 (semantics in MS-OXOMSG 2.2.3,
// 3.2.5): submission, spooler and address types. Same conventions as
// libmapi/rops.h. Layouts as MS-OXCROPS 2.2.7 gives them (the search did not
// return every section; those say so).
#pragma once

#include "libmapi/rops.h"

namespace mg::rop {

// 2.2.7.1 RopSubmitMessage: SubmitFlags (MS-OXOMSG 2.2.3.1.1: 0x01
// PreProcess, 0x02 NeedsSpooler).
struct RopSubmitMessage {
    static constexpr uint8_t kId = 0x32;
    static constexpr const char* kName = "RopSubmitMessage";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        uint8_t submit_flags = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); io.u8(s.submit_flags); }
    };
    using Response = EmptyBody;
};

// 2.2.7.2 RopAbortSubmit: FolderId, MessageId.
struct RopAbortSubmit {
    static constexpr uint8_t kId = 0x34;
    static constexpr const char* kName = "RopAbortSubmit";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        uint64_t folder_id = 0, message_id = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u64(s.folder_id); io.u64(s.message_id);
        }
    };
    using Response = EmptyBody;
};

// 2.2.7.3 RopGetAddressTypes. Response: AddressTypeCount, AddressTypeSize
// (bytes of the strings), AddressTypes (null-terminated 8-bit strings).
struct RopGetAddressTypes {
    static constexpr uint8_t kId = 0x49;
    static constexpr const char* kName = "RopGetAddressTypes";
    using Request = InputOnly;
    struct Response {
        std::vector<std::string> address_types;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            uint16_t count = uint16_t(s.address_types.size()), size = 0;
            if constexpr (!IO::decoding) {
                size_t total = 0;
                for (const auto& t : s.address_types) total += t.size() + 1;
                if (s.address_types.size() > 0xFFFF || total > 0xFFFF)
                    throw std::invalid_argument("too many address types");
                size = uint16_t(total);
            }
            io.u16(count);
            io.u16(size);
            if constexpr (IO::decoding) {
                io.reader().need(size, "AddressTypes");
                size_t end = io.offset() + size;
                io.reader().need(count, "AddressTypes");  // at least a terminator each
                s.address_types.resize(count);
                for (auto& t : s.address_types) io.asciiz(t);
                if (io.offset() != end) throw DecodeError("AddressTypeSize does not match the AddressTypes");
            } else {
                for (const auto& t : s.address_types) io.asciiz(t);
            }
        }
    };
};

// 2.2.7.4 RopSetSpooler.
struct RopSetSpooler {
    static constexpr uint8_t kId = 0x47;
    static constexpr const char* kName = "RopSetSpooler";
    using Request = InputOnly;
    using Response = EmptyBody;
};

// 2.2.7.5 RopSpoolerLockMessage: MessageId, LockState (0 unlock, 1 lock,
// 2 finished).
struct RopSpoolerLockMessage {
    static constexpr uint8_t kId = 0x48;
    static constexpr const char* kName = "RopSpoolerLockMessage";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        uint64_t message_id = 0;
        uint8_t lock_state = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u8(s.logon_id); io.u8(s.in_index); io.u64(s.message_id); io.u8(s.lock_state); }
    };
    using Response = EmptyBody;
};

// 2.2.7.6 RopTransportSend. Response: NoPropertiesReturned, then (when 0)
// PropertyValueCount + TaggedPropertyValues.
struct RopTransportSend {
    static constexpr uint8_t kId = 0x4A;
    static constexpr const char* kName = "RopTransportSend";
    using Request = InputOnly;
    struct Response {
        std::optional<mapi::PropList> values;  // nullopt: NoPropertiesReturned
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            bool none = !s.values.has_value();
            io.boolean(none);
            if (detail::present<IO>(s.values, !none)) io.tagged_values_u16(*s.values);
        }
    };
};

// 2.2.7.7 RopTransportNewMail: MessageId, FolderId, MessageClass (8-bit),
// MessageFlags.
struct RopTransportNewMail {
    static constexpr uint8_t kId = 0x51;
    static constexpr const char* kName = "RopTransportNewMail";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        uint64_t message_id = 0, folder_id = 0;
        std::string message_class;
        uint32_t message_flags = 0;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.u64(s.message_id); io.u64(s.folder_id);
            io.asciiz(s.message_class); io.u32(s.message_flags);
        }
    };
    using Response = EmptyBody;
};

// 2.2.7.8 RopGetTransportFolder. Response: FolderId.
struct RopGetTransportFolder {
    static constexpr uint8_t kId = 0x6D;
    static constexpr const char* kName = "RopGetTransportFolder";
    using Request = InputOnly;
    struct Response {
        uint64_t folder_id = 0;
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) { io.u64(s.folder_id); }
    };
};

// 2.2.7.9 RopOptionsData: AddressType (8-bit), WantWin32. Response:
// Reserved, OptionsInfoSize + OptionsInfo, HelpFileSize + HelpFile, and
// HelpFileName (8-bit) when HelpFileSize is nonzero.
struct RopOptionsData {
    static constexpr uint8_t kId = 0x6F;
    static constexpr const char* kName = "RopOptionsData";
    struct Request {
        uint8_t logon_id = 0, in_index = 0;
        std::string address_type;
        bool want_win32 = false;
        bool operator==(const Request&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.logon_id); io.u8(s.in_index); io.asciiz(s.address_type); io.boolean(s.want_win32);
        }
    };
    struct Response {
        uint8_t reserved = 1;
        Bytes options_info, help_file;
        std::string help_file_name;  // on the wire iff help_file is not empty
        bool operator==(const Response&) const = default;
        template <class S, class IO>
        static void fields(S& s, IO& io) {
            io.u8(s.reserved);
            io.bytes_u16(s.options_info);
            io.bytes_u16(s.help_file);
            if (!s.help_file.empty()) io.asciiz(s.help_file_name);
        }
    };
};

using SubmissionRops = std::tuple<RopSubmitMessage, RopAbortSubmit, RopGetAddressTypes, RopSetSpooler,
                                  RopSpoolerLockMessage, RopTransportSend, RopTransportNewMail,
                                  RopGetTransportFolder, RopOptionsData>;

}  // namespace mg::rop
