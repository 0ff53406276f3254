// MS-OXCRPC request and response stubs of the EMSMDB and AsyncEMSMDB
// interfaces, as NDR20 (see libmapi/ndr.h).
//
// Each struct is described once, in IDL order, by its ndr() template; the
// same description decodes (ndr::Pull) and encodes (ndr::Push). The
// comments quote the MS-OXCRPC section 6 (Appendix A) IDL. Top-level pointer
// parameters are [ref] (no wire representation, the pointee is marshalled
// in place); members are named after the pointee (pulFlags -> ulFlags).
// Request = the [in] parameters, response = the [out] parameters followed by
// the long return value.
#pragma once

#include "libmapi/ndr.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace mg::oxcrpc {

using ndr::ContextHandle;

// 2.2.1.3 BIG_RANGE_ULONG: [range(0x0, 0x40000)] unsigned long.
inline constexpr uint32_t kBigRange = 0x40000;
// 2.2.1.4 SMALL_RANGE_ULONG: [range(0x0, 0x1008)] unsigned long.
inline constexpr uint32_t kSmallRange = 0x1008;
// Our bound for the [string] DNs and display names (terminator included);
// the IDL leaves them unbounded.
inline constexpr uint32_t kMaxStringChars = 4096;

// Opnums (MS-OXCRPC 3.1.4 and 3.3.4).
enum class EmsmdbOpnum : uint16_t {
    EcDoDisconnect = 1,
    EcRRegisterPushNotification = 4,
    EcDummyRpc = 6,
    EcDoConnectEx = 10,
    EcDoRpcExt2 = 11,
    EcDoAsyncConnectEx = 14,
};
enum class AsyncEmsmdbOpnum : uint16_t { EcDoAsyncWaitEx = 0 };
const char* emsmdb_opnum_name(uint16_t opnum);  // "EcDoConnectEx", or "reserved opnum"

// 3.1.4.2 EcDoRpcExt2 pulFlags.
inline constexpr uint32_t kRpcExt2NoCompression = 0x00000001;
inline constexpr uint32_t kRpcExt2NoXorMagic = 0x00000002;
inline constexpr uint32_t kRpcExt2Chain = 0x00000004;
// 3.3.4.1 EcDoAsyncWaitEx pulFlagsOut.
inline constexpr uint32_t kNotificationPending = 0x00000001;

// ------------------------------------------------ 3.1.4.3 EcDoDisconnect (opnum 1)
// long EcDoDisconnect([in, out, ref] CXH* pcxh);
struct EcDoDisconnectRequest : ndr::Message<EcDoDisconnectRequest> {
    static constexpr const char* kName = "EcDoDisconnect request";
    ContextHandle cxh;
    template <class S, class IO> static void ndr(S& s, IO& io) { io.context_handle(s.cxh, "pcxh"); }
    bool operator==(const EcDoDisconnectRequest&) const = default;
};
struct EcDoDisconnectResponse : ndr::Message<EcDoDisconnectResponse> {
    static constexpr const char* kName = "EcDoDisconnect response";
    ContextHandle cxh;  // zeroed on success: the handle is destroyed
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io) {
        io.context_handle(s.cxh, "pcxh");
        io.u32(s.result, "return value");
    }
    bool operator==(const EcDoDisconnectResponse&) const = default;
};

// ------------------------------------------------ 3.1.4.5 EcRRegisterPushNotification (opnum 4)
// long EcRRegisterPushNotification([in, out, ref] CXH* pcxh, [in] unsigned long iRpc,
//     [in, size_is(cbContext)] unsigned char rgbContext[], [in] unsigned short cbContext,
//     [in] unsigned long grbitAdviseBits,
//     [in, size_is(cbCallbackAddress)] unsigned char rgbCallbackAddress[],
//     [in] unsigned short cbCallbackAddress, [out] unsigned long* hNotification);
struct EcRRegisterPushNotificationRequest : ndr::Message<EcRRegisterPushNotificationRequest> {
    static constexpr const char* kName = "EcRRegisterPushNotification request";
    ContextHandle cxh;
    uint32_t iRpc = 0;
    Bytes rgbContext;
    uint32_t grbitAdviseBits = 0;
    Bytes rgbCallbackAddress;
    template <class S, class IO> static void ndr(S& s, IO& io) {
        io.context_handle(s.cxh, "pcxh");
        io.u32(s.iRpc, "iRpc");
        io.conformant_bytes(s.rgbContext, UINT16_MAX, "rgbContext");
        io.size_of_u16(s.rgbContext, "cbContext");
        io.u32(s.grbitAdviseBits, "grbitAdviseBits");
        io.conformant_bytes(s.rgbCallbackAddress, UINT16_MAX, "rgbCallbackAddress");
        io.size_of_u16(s.rgbCallbackAddress, "cbCallbackAddress");
    }
    bool operator==(const EcRRegisterPushNotificationRequest&) const = default;
};
struct EcRRegisterPushNotificationResponse : ndr::Message<EcRRegisterPushNotificationResponse> {
    static constexpr const char* kName = "EcRRegisterPushNotification response";
    ContextHandle cxh;
    uint32_t hNotification = 0;
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io) {
        io.context_handle(s.cxh, "pcxh");
        io.u32(s.hNotification, "hNotification");
        io.u32(s.result, "return value");
    }
    bool operator==(const EcRRegisterPushNotificationResponse&) const = default;
};

// ------------------------------------------------ 3.1.4.6 EcDummyRpc (opnum 6)
// long EcDummyRpc([in] handle_t hBinding);   (a binding handle is not marshalled)
struct EcDummyRpcRequest : ndr::Message<EcDummyRpcRequest> {
    static constexpr const char* kName = "EcDummyRpc request";
    template <class S, class IO> static void ndr(S&, IO&) {}
    bool operator==(const EcDummyRpcRequest&) const = default;
};
struct EcDummyRpcResponse : ndr::Message<EcDummyRpcResponse> {
    static constexpr const char* kName = "EcDummyRpc response";
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io) { io.u32(s.result, "return value"); }
    bool operator==(const EcDummyRpcResponse&) const = default;
};

// ------------------------------------------------ 3.1.4.1 EcDoConnectEx (opnum 10)
// long EcDoConnectEx([in] handle_t hBinding, [out, ref] CXH* pcxh,
//     [in, string] unsigned char* szUserDN, [in] unsigned long ulFlags, [in] unsigned long ulConMod,
//     [in] unsigned long cbLimit, [in] unsigned long ulCpid, [in] unsigned long ulLcidString,
//     [in] unsigned long ulLcidSort, [in] unsigned long ulIcxrLink,
//     [in] unsigned short usFCanConvertCodePages, [out] unsigned long* pcmsPollsMax,
//     [out] unsigned long* pcRetry, [out] unsigned long* pcmsRetryDelay, [out] unsigned short* picxr,
//     [out, string] unsigned char** szDNPrefix, [out, string] unsigned char** szDisplayName,
//     [in] unsigned short rgwClientVersion[3], [out] unsigned short rgwServerVersion[3],
//     [out] unsigned short rgwBestVersion[3], [in, out] unsigned long* pulTimeStamp,
//     [in, size_is(cbAuxIn)] unsigned char rgbAuxIn[], [in] unsigned long cbAuxIn,
//     [out, length_is(*pcbAuxOut), size_is(*pcbAuxOut)] unsigned char rgbAuxOut[],
//     [in, out] SMALL_RANGE_ULONG* pcbAuxOut);
struct EcDoConnectExRequest : ndr::Message<EcDoConnectExRequest> {
    static constexpr const char* kName = "EcDoConnectEx request";
    std::string szUserDN;
    uint32_t ulFlags = 0;
    uint32_t ulConMod = 0;
    uint32_t cbLimit = 0;
    uint32_t ulCpid = 0;
    uint32_t ulLcidString = 0;
    uint32_t ulLcidSort = 0;
    uint32_t ulIcxrLink = 0;
    uint16_t usFCanConvertCodePages = 0;
    std::array<uint16_t, 3> rgwClientVersion{};
    uint32_t ulTimeStamp = 0;  // *pulTimeStamp
    Bytes rgbAuxIn;
    uint32_t cbAuxOut = 0;  // *pcbAuxOut: room the client offers for rgbAuxOut
    template <class S, class IO> static void ndr(S& s, IO& io) {
        io.string(s.szUserDN, kMaxStringChars, "szUserDN");  // [ref] pointer: no referent id
        io.u32(s.ulFlags, "ulFlags");
        io.u32(s.ulConMod, "ulConMod");
        io.u32(s.cbLimit, "cbLimit");
        io.u32(s.ulCpid, "ulCpid");
        io.u32(s.ulLcidString, "ulLcidString");
        io.u32(s.ulLcidSort, "ulLcidSort");
        io.u32(s.ulIcxrLink, "ulIcxrLink");
        io.u16(s.usFCanConvertCodePages, "usFCanConvertCodePages");
        io.u16_array(s.rgwClientVersion, "rgwClientVersion");
        io.u32(s.ulTimeStamp, "pulTimeStamp");
        // cbAuxIn has no range() in the IDL: bounded like pcbAuxOut (SMALL_RANGE_ULONG).
        io.conformant_bytes(s.rgbAuxIn, kSmallRange, "rgbAuxIn");
        io.size_of(s.rgbAuxIn, "cbAuxIn");
        io.u32_range(s.cbAuxOut, 0, kSmallRange, "pcbAuxOut");
    }
    bool operator==(const EcDoConnectExRequest&) const = default;
};
struct EcDoConnectExResponse : ndr::Message<EcDoConnectExResponse> {
    static constexpr const char* kName = "EcDoConnectEx response";
    ContextHandle cxh;
    uint32_t cmsPollsMax = 0;
    uint32_t cRetry = 0;
    uint32_t cmsRetryDelay = 0;
    uint16_t icxr = 0;
    std::optional<std::string> szDNPrefix;     // [ref] -> [unique] pointer: may be NULL
    std::optional<std::string> szDisplayName;  // likewise
    std::array<uint16_t, 3> rgwServerVersion{};
    std::array<uint16_t, 3> rgwBestVersion{};
    uint32_t ulTimeStamp = 0;
    Bytes rgbAuxOut;  // *pcbAuxOut on the wire is rgbAuxOut.size()
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io) {
        io.context_handle(s.cxh, "pcxh");
        io.u32(s.cmsPollsMax, "pcmsPollsMax");
        io.u32(s.cRetry, "pcRetry");
        io.u32(s.cmsRetryDelay, "pcmsRetryDelay");
        io.u16(s.icxr, "picxr");
        io.unique_string(s.szDNPrefix, kMaxStringChars, "szDNPrefix");
        io.unique_string(s.szDisplayName, kMaxStringChars, "szDisplayName");
        io.u16_array(s.rgwServerVersion, "rgwServerVersion");
        io.u16_array(s.rgwBestVersion, "rgwBestVersion");
        io.u32(s.ulTimeStamp, "pulTimeStamp");
        io.conformant_varying_bytes(s.rgbAuxOut, kSmallRange, "rgbAuxOut");
        io.length_of(s.rgbAuxOut, kSmallRange, "pcbAuxOut");
        io.u32(s.result, "return value");
    }
    bool operator==(const EcDoConnectExResponse&) const = default;
};

// ------------------------------------------------ 3.1.4.2 EcDoRpcExt2 (opnum 11)
// long EcDoRpcExt2([in, out, ref] CXH* pcxh, [in, out] unsigned long* pulFlags,
//     [in, size_is(cbIn)] unsigned char rgbIn[], [in] unsigned long cbIn,
//     [out, length_is(*pcbOut), size_is(*pcbOut)] unsigned char rgbOut[],
//     [in, out] BIG_RANGE_ULONG* pcbOut,
//     [in, size_is(cbAuxIn)] unsigned char rgbAuxIn[], [in] unsigned long cbAuxIn,
//     [out, length_is(*pcbAuxOut), size_is(*pcbAuxOut)] unsigned char rgbAuxOut[],
//     [in, out] SMALL_RANGE_ULONG* pcbAuxOut, [out] unsigned long* pulTransTime);
struct EcDoRpcExt2Request : ndr::Message<EcDoRpcExt2Request> {
    static constexpr const char* kName = "EcDoRpcExt2 request";
    ContextHandle cxh;
    uint32_t ulFlags = 0;  // kRpcExt2*
    Bytes rgbIn;           // RPC_HEADER_EXT chain, see oxcrpc_compress.h
    uint32_t cbOut = 0;    // *pcbOut: room the client offers for rgbOut
    Bytes rgbAuxIn;
    uint32_t cbAuxOut = 0;
    template <class S, class IO> static void ndr(S& s, IO& io) {
        io.context_handle(s.cxh, "pcxh");
        io.u32(s.ulFlags, "pulFlags");
        // cbIn and cbAuxIn carry no range() in the IDL: we bound them by the
        // ranges of their output counterparts (a request larger than the
        // biggest response buffer is not something a client sends).
        io.conformant_bytes(s.rgbIn, kBigRange, "rgbIn");
        io.size_of(s.rgbIn, "cbIn");
        io.u32_range(s.cbOut, 0, kBigRange, "pcbOut");
        io.conformant_bytes(s.rgbAuxIn, kSmallRange, "rgbAuxIn");
        io.size_of(s.rgbAuxIn, "cbAuxIn");
        io.u32_range(s.cbAuxOut, 0, kSmallRange, "pcbAuxOut");
    }
    bool operator==(const EcDoRpcExt2Request&) const = default;
};
struct EcDoRpcExt2Response : ndr::Message<EcDoRpcExt2Response> {
    static constexpr const char* kName = "EcDoRpcExt2 response";
    ContextHandle cxh;
    uint32_t ulFlags = 0;  // the server returns 0 (3.1.4.2, example in 4.2)
    Bytes rgbOut;          // *pcbOut on the wire is rgbOut.size()
    Bytes rgbAuxOut;       // *pcbAuxOut on the wire is rgbAuxOut.size()
    uint32_t ulTransTime = 0;
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io) {
        io.context_handle(s.cxh, "pcxh");
        io.u32(s.ulFlags, "pulFlags");
        io.conformant_varying_bytes(s.rgbOut, kBigRange, "rgbOut");
        io.length_of(s.rgbOut, kBigRange, "pcbOut");
        io.conformant_varying_bytes(s.rgbAuxOut, kSmallRange, "rgbAuxOut");
        io.length_of(s.rgbAuxOut, kSmallRange, "pcbAuxOut");
        io.u32(s.ulTransTime, "pulTransTime");
        io.u32(s.result, "return value");
    }
    bool operator==(const EcDoRpcExt2Response&) const = default;
};

// ------------------------------------------------ 3.1.4.4 EcDoAsyncConnectEx (opnum 14)
// long EcDoAsyncConnectEx([in] CXH cxh, [out, ref] ACXH* pacxh);
struct EcDoAsyncConnectExRequest : ndr::Message<EcDoAsyncConnectExRequest> {
    static constexpr const char* kName = "EcDoAsyncConnectEx request";
    ContextHandle cxh;
    template <class S, class IO> static void ndr(S& s, IO& io) { io.context_handle(s.cxh, "cxh"); }
    bool operator==(const EcDoAsyncConnectExRequest&) const = default;
};
struct EcDoAsyncConnectExResponse : ndr::Message<EcDoAsyncConnectExResponse> {
    static constexpr const char* kName = "EcDoAsyncConnectEx response";
    ContextHandle acxh;
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io) {
        io.context_handle(s.acxh, "pacxh");
        io.u32(s.result, "return value");
    }
    bool operator==(const EcDoAsyncConnectExResponse&) const = default;
};

// ------------------------------------------------ 3.3.4.1 EcDoAsyncWaitEx (asyncemsmdb opnum 0)
// long EcDoAsyncWaitEx([in] ACXH acxh, [in] unsigned long ulFlagsIn,
//     [out] unsigned long* pulFlagsOut);
struct EcDoAsyncWaitExRequest : ndr::Message<EcDoAsyncWaitExRequest> {
    static constexpr const char* kName = "EcDoAsyncWaitEx request";
    ContextHandle acxh;
    uint32_t ulFlagsIn = 0;
    template <class S, class IO> static void ndr(S& s, IO& io) {
        io.context_handle(s.acxh, "acxh");
        io.u32(s.ulFlagsIn, "ulFlagsIn");
    }
    bool operator==(const EcDoAsyncWaitExRequest&) const = default;
};
struct EcDoAsyncWaitExResponse : ndr::Message<EcDoAsyncWaitExResponse> {
    static constexpr const char* kName = "EcDoAsyncWaitEx response";
    uint32_t ulFlagsOut = 0;  // kNotificationPending
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io) {
        io.u32(s.ulFlagsOut, "pulFlagsOut");
        io.u32(s.result, "return value");
    }
    bool operator==(const EcDoAsyncWaitExResponse&) const = default;
};

}  // namespace mg::oxcrpc
