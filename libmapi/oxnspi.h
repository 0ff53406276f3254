// MS-OXNSPI (address book, exchange_nsp f5cc5a18-4264-101a-8c59-08002b2f8426
// v56.0) and MS-OXABREF (referral, exchange_ds_rfr 1544f5e0-613c-11d1-93df-
// 00c04fd7bd09 v1.0) request and response stubs, as NDR20 (libmapi/ndr.h).
//
// Each message is described once by its ndr() template (IDL order, [in]
// parameters in the request, [out] parameters then the long return value in
// the response), so the same text decodes and encodes. The data types of
// MS-OXNSPI 2.2 carry embedded pointers: each type has a `scalars` part (its
// fixed fields and the referent ids of its pointers) and a `buffers` part (the
// deferred pointees, in field order), following [C706] 14.3.12.3. A top-level
// parameter is marshalled whole (scalars, then buffers) before the next one.
//
// Property values are mapi::PropValue. PT_STRING8 values are carried as the
// 8-bit bytes that travel (in the code page of the session's STAT: the server
// converts); PT_UNICODE values are UTF-8 in memory, UTF-16 on the wire.
#pragma once

#include "libmapi/ndr.h"
#include "libmapi/property.h"
#include "libmapi/restriction.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mg::oxnspi {

using ndr::ContextHandle;
using mapi::Guid;
using mapi::PropValue;

// Opnums (MS-OXNSPI 3.1.4.1, MS-NSPI 3.1.4; 15 is NspiDeleteEntries in MS-NSPI).
enum class Opnum : uint16_t {
    Bind = 0, Unbind = 1, UpdateStat = 2, QueryRows = 3, SeekEntries = 4, GetMatches = 5, ResortRestriction = 6,
    DNToMId = 7, GetPropList = 8, GetProps = 9, CompareMIds = 10, ModProps = 11, GetSpecialTable = 12,
    GetTemplateInfo = 13, ModLinkAtt = 14, DeleteEntries = 15, QueryColumns = 16, GetNamesFromIDs = 17,
    GetIDsOfNames = 18, ResolveNames = 19, ResolveNamesW = 20,
};
inline constexpr uint16_t kOpnumCount = 21;
const char* opnum_name(uint16_t opnum);

// IDL ranges: [range(0,100000)] counts, [range(0,2097152)] Binary_r.cb.
inline constexpr uint32_t kMaxCount = 100000;
inline constexpr uint32_t kMaxBinary = 2097152;
// Our bound for [string] values (characters, terminator included).
inline constexpr uint32_t kMaxString = 1u << 20;
// Nesting bound for Restriction_r (a deeper filter is refused, not recursed).
inline constexpr int kMaxRestrictionDepth = 32;

// 2.2.8 STAT.
struct Stat {
    uint32_t SortType = 0;
    uint32_t ContainerID = 0;
    uint32_t CurrentRec = 0;
    int32_t Delta = 0;
    uint32_t NumPos = 0;
    uint32_t TotalRecs = 0;
    uint32_t CodePage = 0;
    uint32_t TemplateLocale = 0;
    uint32_t SortLocale = 0;
    bool operator==(const Stat&) const = default;
};

// 2.2.2.1 PropertyTagArray_r; also the arrays of Minimal Entry IDs.
struct TagArray {
    std::vector<uint32_t> values;
    bool operator==(const TagArray&) const = default;
};

// 2.2.3 PropertyRow_r.
struct PropertyRow {
    uint32_t Reserved = 0;
    std::vector<PropValue> props;
    bool operator==(const PropertyRow&) const = default;
};

// 2.2.4 PropertyRowSet_r.
struct PropertyRowSet {
    std::vector<PropertyRow> rows;
    bool operator==(const PropertyRowSet&) const = default;
};

// 2.2.7 PropertyName_r.
struct PropertyName {
    std::optional<Guid> guid;
    uint32_t Reserved = 0;
    int32_t id = 0;
    bool operator==(const PropertyName&) const = default;
};

// 2.2.2.3 BinaryArray_r (entry ids of NspiModLinkAtt / NspiDeleteEntries).
using BinaryArray = std::vector<Bytes>;
// 2.2.6.1 StringsArray_r / 2.2.6.2 WStringsArray_r (unicode as UTF-8); a
// NULL element is nullopt.
using StringsArray = std::vector<std::optional<std::string>>;

// ---------------------------------------------------------------- NspiBind (0)
// long NspiBind([in] handle_t hRpc, [in] DWORD dwFlags, [in] STAT* pStat,
//     [in, out, unique] FlatUID_r* pServerGuid, [out, ref] NSPI_HANDLE* contextHandle);
struct BindRequest : ndr::Message<BindRequest> {
    static constexpr const char* kName = "NspiBind request";
    uint32_t dwFlags = 0;
    Stat stat;
    std::optional<Guid> serverGuid;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const BindRequest&) const = default;
};
struct BindResponse : ndr::Message<BindResponse> {
    static constexpr const char* kName = "NspiBind response";
    std::optional<Guid> serverGuid;
    ContextHandle handle;
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const BindResponse&) const = default;
};

// ---------------------------------------------------------------- NspiUnbind (1)
// DWORD NspiUnbind([in, out] NSPI_HANDLE* contextHandle, [in] DWORD Reserved);
struct UnbindRequest : ndr::Message<UnbindRequest> {
    static constexpr const char* kName = "NspiUnbind request";
    ContextHandle handle;
    uint32_t Reserved = 0;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const UnbindRequest&) const = default;
};
struct UnbindResponse : ndr::Message<UnbindResponse> {
    static constexpr const char* kName = "NspiUnbind response";
    ContextHandle handle;
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const UnbindResponse&) const = default;
};

// ---------------------------------------------------------------- NspiUpdateStat (2)
// long NspiUpdateStat([in] NSPI_HANDLE hRpc, [in] DWORD Reserved, [in, out] STAT* pStat,
//     [in, out, unique] long* plDelta);
struct UpdateStatRequest : ndr::Message<UpdateStatRequest> {
    static constexpr const char* kName = "NspiUpdateStat request";
    ContextHandle handle;
    uint32_t Reserved = 0;
    Stat stat;
    std::optional<int32_t> delta;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const UpdateStatRequest&) const = default;
};
struct UpdateStatResponse : ndr::Message<UpdateStatResponse> {
    static constexpr const char* kName = "NspiUpdateStat response";
    Stat stat;
    std::optional<int32_t> delta;
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const UpdateStatResponse&) const = default;
};

// ---------------------------------------------------------------- NspiQueryRows (3)
// long NspiQueryRows([in] NSPI_HANDLE hRpc, [in] DWORD dwFlags, [in, out] STAT* pStat,
//     [in, range(0,100000)] DWORD dwETableCount,
//     [in, unique, size_is(dwETableCount)] DWORD* lpETable, [in] DWORD Count,
//     [in, unique] PropertyTagArray_r* pPropTags, [out] PropertyRowSet_r** ppRows);
struct QueryRowsRequest : ndr::Message<QueryRowsRequest> {
    static constexpr const char* kName = "NspiQueryRows request";
    ContextHandle handle;
    uint32_t dwFlags = 0;
    Stat stat;
    uint32_t dwETableCount = 0;                   // must equal lpETable's size when lpETable is present
    std::optional<std::vector<uint32_t>> eTable;  // lpETable
    uint32_t Count = 0;
    std::optional<TagArray> propTags;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const QueryRowsRequest&) const = default;
};
// The response of every method whose [out]s are STAT + PropertyRowSet_r**.
struct QueryRowsResponse : ndr::Message<QueryRowsResponse> {
    static constexpr const char* kName = "NspiQueryRows response";
    Stat stat;
    std::optional<PropertyRowSet> rows;
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const QueryRowsResponse&) const = default;
};

// ---------------------------------------------------------------- NspiSeekEntries (4)
// long NspiSeekEntries([in] NSPI_HANDLE hRpc, [in] DWORD Reserved, [in, out] STAT* pStat,
//     [in] PropertyValue_r* pTarget, [in, unique] PropertyTagArray_r* lpETable,
//     [in, unique] PropertyTagArray_r* pPropTags, [out] PropertyRowSet_r** ppRows);
struct SeekEntriesRequest : ndr::Message<SeekEntriesRequest> {
    static constexpr const char* kName = "NspiSeekEntries request";
    ContextHandle handle;
    uint32_t Reserved = 0;
    Stat stat;
    PropValue target;
    std::optional<TagArray> eTable;
    std::optional<TagArray> propTags;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const SeekEntriesRequest&) const = default;
};
struct SeekEntriesResponse : QueryRowsResponse {};

// ---------------------------------------------------------------- NspiGetMatches (5)
// long NspiGetMatches([in] NSPI_HANDLE hRpc, [in] DWORD Reserved1, [in, out] STAT* pStat,
//     [in, unique] PropertyTagArray_r* pReserved, [in] DWORD Reserved2,
//     [in, unique] Restriction_r* Filter, [in, unique] PropertyName_r* lpPropName,
//     [in] DWORD ulRequested, [out] PropertyTagArray_r** ppOutMIds,
//     [in, unique] PropertyTagArray_r* pPropTags, [out] PropertyRowSet_r** ppRows);
struct GetMatchesRequest : ndr::Message<GetMatchesRequest> {
    static constexpr const char* kName = "NspiGetMatches request";
    ContextHandle handle;
    uint32_t Reserved1 = 0;
    Stat stat;
    std::optional<TagArray> reserved;
    uint32_t Reserved2 = 0;
    std::optional<mapi::Restriction> filter;
    std::optional<PropertyName> propName;
    uint32_t ulRequested = 0;
    std::optional<TagArray> propTags;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const GetMatchesRequest&) const = default;
};
struct GetMatchesResponse : ndr::Message<GetMatchesResponse> {
    static constexpr const char* kName = "NspiGetMatches response";
    Stat stat;
    std::optional<TagArray> outMIds;
    std::optional<PropertyRowSet> rows;
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const GetMatchesResponse&) const = default;
};

// ---------------------------------------------------------------- NspiResortRestriction (6)
// long NspiResortRestriction([in] NSPI_HANDLE hRpc, [in] DWORD Reserved, [in, out] STAT* pStat,
//     [in] PropertyTagArray_r* pInMIds, [in, out] PropertyTagArray_r** ppOutMIds);
struct ResortRestrictionRequest : ndr::Message<ResortRestrictionRequest> {
    static constexpr const char* kName = "NspiResortRestriction request";
    ContextHandle handle;
    uint32_t Reserved = 0;
    Stat stat;
    TagArray inMIds;
    std::optional<TagArray> outMIds;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const ResortRestrictionRequest&) const = default;
};
struct ResortRestrictionResponse : ndr::Message<ResortRestrictionResponse> {
    static constexpr const char* kName = "NspiResortRestriction response";
    Stat stat;
    std::optional<TagArray> outMIds;
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const ResortRestrictionResponse&) const = default;
};

// ---------------------------------------------------------------- NspiDNToMId (7)
// long NspiDNToMId([in] NSPI_HANDLE hRpc, [in] DWORD Reserved, [in] StringsArray_r* pNames,
//     [out] PropertyTagArray_r** ppOutMIds);
struct DNToMIdRequest : ndr::Message<DNToMIdRequest> {
    static constexpr const char* kName = "NspiDNToMId request";
    ContextHandle handle;
    uint32_t Reserved = 0;
    StringsArray names;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const DNToMIdRequest&) const = default;
};
// The response of every method whose only [out] is PropertyTagArray_r**.
struct TagArrayResponse : ndr::Message<TagArrayResponse> {
    static constexpr const char* kName = "NSPI PropertyTagArray_r response";
    std::optional<TagArray> tags;
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const TagArrayResponse&) const = default;
};

// ---------------------------------------------------------------- NspiGetPropList (8)
// long NspiGetPropList([in] NSPI_HANDLE hRpc, [in] DWORD dwFlags, [in] DWORD dwMId,
//     [in] DWORD CodePage, [out] PropertyTagArray_r** ppPropTags);
struct GetPropListRequest : ndr::Message<GetPropListRequest> {
    static constexpr const char* kName = "NspiGetPropList request";
    ContextHandle handle;
    uint32_t dwFlags = 0;
    uint32_t dwMId = 0;
    uint32_t CodePage = 0;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const GetPropListRequest&) const = default;
};

// ---------------------------------------------------------------- NspiGetProps (9)
// long NspiGetProps([in] NSPI_HANDLE hRpc, [in] DWORD dwFlags, [in] STAT* pStat,
//     [in, unique] PropertyTagArray_r* pPropTags, [out] PropertyRow_r** ppRows);
struct GetPropsRequest : ndr::Message<GetPropsRequest> {
    static constexpr const char* kName = "NspiGetProps request";
    ContextHandle handle;
    uint32_t dwFlags = 0;
    Stat stat;
    std::optional<TagArray> propTags;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const GetPropsRequest&) const = default;
};
// The response of every method whose only [out] is PropertyRow_r**.
struct RowResponse : ndr::Message<RowResponse> {
    static constexpr const char* kName = "NSPI PropertyRow_r response";
    std::optional<PropertyRow> row;
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const RowResponse&) const = default;
};

// ---------------------------------------------------------------- NspiCompareMIds (10)
// long NspiCompareMIds([in] NSPI_HANDLE hRpc, [in] DWORD Reserved, [in] STAT* pStat,
//     [in] DWORD MId1, [in] DWORD MId2, [out] long* plResult);
struct CompareMIdsRequest : ndr::Message<CompareMIdsRequest> {
    static constexpr const char* kName = "NspiCompareMIds request";
    ContextHandle handle;
    uint32_t Reserved = 0;
    Stat stat;
    uint32_t MId1 = 0;
    uint32_t MId2 = 0;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const CompareMIdsRequest&) const = default;
};
struct CompareMIdsResponse : ndr::Message<CompareMIdsResponse> {
    static constexpr const char* kName = "NspiCompareMIds response";
    int32_t lResult = 0;
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const CompareMIdsResponse&) const = default;
};

// ---------------------------------------------------------------- NspiModProps (11)
// long NspiModProps([in] NSPI_HANDLE hRpc, [in] DWORD Reserved, [in] STAT* pStat,
//     [in, unique] PropertyTagArray_r* pPropTags, [in] PropertyRow_r* pRow);
struct ModPropsRequest : ndr::Message<ModPropsRequest> {
    static constexpr const char* kName = "NspiModProps request";
    ContextHandle handle;
    uint32_t Reserved = 0;
    Stat stat;
    std::optional<TagArray> propTags;
    PropertyRow row;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const ModPropsRequest&) const = default;
};
// The response of every method whose only [out] is the return value.
struct ResultResponse : ndr::Message<ResultResponse> {
    static constexpr const char* kName = "NSPI response";
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io) { io.u32(s.result, "return value"); }
    bool operator==(const ResultResponse&) const = default;
};

// ---------------------------------------------------------------- NspiGetSpecialTable (12)
// long NspiGetSpecialTable([in] NSPI_HANDLE hRpc, [in] DWORD dwFlags, [in] STAT* pStat,
//     [in, out] DWORD* lpVersion, [out] PropertyRowSet_r** ppRows);
struct GetSpecialTableRequest : ndr::Message<GetSpecialTableRequest> {
    static constexpr const char* kName = "NspiGetSpecialTable request";
    ContextHandle handle;
    uint32_t dwFlags = 0;
    Stat stat;
    uint32_t version = 0;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const GetSpecialTableRequest&) const = default;
};
struct GetSpecialTableResponse : ndr::Message<GetSpecialTableResponse> {
    static constexpr const char* kName = "NspiGetSpecialTable response";
    uint32_t version = 0;
    std::optional<PropertyRowSet> rows;
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const GetSpecialTableResponse&) const = default;
};

// ---------------------------------------------------------------- NspiGetTemplateInfo (13)
// long NspiGetTemplateInfo([in] NSPI_HANDLE hRpc, [in] DWORD dwFlags, [in] DWORD ulType,
//     [in, unique, string] char* pDN, [in] DWORD dwCodePage, [in] DWORD dwLocaleID,
//     [out] PropertyRow_r** ppData);
struct GetTemplateInfoRequest : ndr::Message<GetTemplateInfoRequest> {
    static constexpr const char* kName = "NspiGetTemplateInfo request";
    ContextHandle handle;
    uint32_t dwFlags = 0;
    uint32_t ulType = 0;
    std::optional<std::string> dn;
    uint32_t dwCodePage = 0;
    uint32_t dwLocaleID = 0;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const GetTemplateInfoRequest&) const = default;
};

// ---------------------------------------------------------------- NspiModLinkAtt (14)
// long NspiModLinkAtt([in] NSPI_HANDLE hRpc, [in] DWORD dwFlags, [in] DWORD ulPropTag,
//     [in] DWORD dwMId, [in] BinaryArray_r* lpEntryIds);
struct ModLinkAttRequest : ndr::Message<ModLinkAttRequest> {
    static constexpr const char* kName = "NspiModLinkAtt request";
    ContextHandle handle;
    uint32_t dwFlags = 0;
    uint32_t ulPropTag = 0;
    uint32_t dwMId = 0;
    BinaryArray entryIds;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const ModLinkAttRequest&) const = default;
};

// ---------------------------------------------------------------- NspiDeleteEntries (15)
// long NspiDeleteEntries([in] NSPI_HANDLE hRpc, [in] DWORD Reserved1, [in] DWORD Reserved2,
//     [in] BinaryArray_r* lpEntryIds);   (MS-NSPI 3.1.4.1.?; not in MS-OXNSPI)
struct DeleteEntriesRequest : ndr::Message<DeleteEntriesRequest> {
    static constexpr const char* kName = "NspiDeleteEntries request";
    ContextHandle handle;
    uint32_t Reserved1 = 0;
    uint32_t Reserved2 = 0;
    BinaryArray entryIds;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const DeleteEntriesRequest&) const = default;
};

// ---------------------------------------------------------------- NspiQueryColumns (16)
// long NspiQueryColumns([in] NSPI_HANDLE hRpc, [in] DWORD Reserved, [in] DWORD dwFlags,
//     [out] PropertyTagArray_r** ppColumns);
struct QueryColumnsRequest : ndr::Message<QueryColumnsRequest> {
    static constexpr const char* kName = "NspiQueryColumns request";
    ContextHandle handle;
    uint32_t Reserved = 0;
    uint32_t dwFlags = 0;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const QueryColumnsRequest&) const = default;
};

// ---------------------------------------------------------------- NspiGetNamesFromIDs (17)
// long NspiGetNamesFromIDs([in] NSPI_HANDLE hRpc, [in] DWORD Reserved,
//     [in, unique] FlatUID_r* lpguid, [in, unique] PropertyTagArray_r* pPropTags,
//     [out] PropertyTagArray_r** ppReturnedPropTags, [out] PropertyNameSet_r** ppNames);
struct GetNamesFromIDsRequest : ndr::Message<GetNamesFromIDsRequest> {
    static constexpr const char* kName = "NspiGetNamesFromIDs request";
    ContextHandle handle;
    uint32_t Reserved = 0;
    std::optional<Guid> guid;
    std::optional<TagArray> propTags;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const GetNamesFromIDsRequest&) const = default;
};
struct GetNamesFromIDsResponse : ndr::Message<GetNamesFromIDsResponse> {
    static constexpr const char* kName = "NspiGetNamesFromIDs response";
    std::optional<TagArray> returnedTags;
    std::optional<std::vector<PropertyName>> names;  // PropertyNameSet_r
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const GetNamesFromIDsResponse&) const = default;
};

// ---------------------------------------------------------------- NspiGetIDsFromNames (18)
// long NspiGetIDsFromNames([in] NSPI_HANDLE hRpc, [in] DWORD Reserved, [in] DWORD dwFlags,
//     [in, range(0,100000)] DWORD cPropNames, [in, size_is(cPropNames)] PropertyName_r** pNames,
//     [out] PropertyTagArray_r** ppPropTags);
struct GetIDsFromNamesRequest : ndr::Message<GetIDsFromNamesRequest> {
    static constexpr const char* kName = "NspiGetIDsFromNames request";
    ContextHandle handle;
    uint32_t Reserved = 0;
    uint32_t dwFlags = 0;
    std::vector<std::optional<PropertyName>> names;  // cPropNames on the wire is names.size()
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const GetIDsFromNamesRequest&) const = default;
};

// ---------------------------------------------------------------- NspiResolveNames(W) (19, 20)
// long NspiResolveNames[W]([in] NSPI_HANDLE hRpc, [in] DWORD Reserved, [in] STAT* pStat,
//     [in, unique] PropertyTagArray_r* pPropTags, [in] [W]StringsArray_r* pa[W]Str,
//     [out] PropertyTagArray_r** ppMIds, [out] PropertyRowSet_r** ppRows);
struct ResolveNamesRequest : ndr::Message<ResolveNamesRequest> {
    static constexpr const char* kName = "NspiResolveNames request";
    static constexpr bool kWide = false;
    ContextHandle handle;
    uint32_t Reserved = 0;
    Stat stat;
    std::optional<TagArray> propTags;
    StringsArray strings;  // 8-bit, in stat.CodePage
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const ResolveNamesRequest&) const = default;
};
struct ResolveNamesWRequest : ndr::Message<ResolveNamesWRequest> {
    static constexpr const char* kName = "NspiResolveNamesW request";
    static constexpr bool kWide = true;
    ContextHandle handle;
    uint32_t Reserved = 0;
    Stat stat;
    std::optional<TagArray> propTags;
    StringsArray strings;  // UTF-8
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const ResolveNamesWRequest&) const = default;
};
struct ResolveNamesResponse : ndr::Message<ResolveNamesResponse> {
    static constexpr const char* kName = "NspiResolveNames response";
    std::optional<TagArray> mids;
    std::optional<PropertyRowSet> rows;
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const ResolveNamesResponse&) const = default;
};

}  // namespace mg::oxnspi

// ==================================================================== MS-OXABREF
namespace mg::oxabref {

enum class Opnum : uint16_t { RfrGetNewDSA = 0, RfrGetFQDNFromServerDN = 1 };

// 3.1.4.1 long RfrGetNewDSA([in] handle_t hRpc, [in] unsigned long ulFlags,
//     [in, string] unsigned char* pUserDN, [in, out, unique, string] unsigned char** ppszUnused,
//     [in, out, unique, string] unsigned char** ppszServer);
// The [in, out, unique] double pointers: the outer pointer has a referent id,
// then the inner (string) pointer its own.
struct GetNewDSARequest : ndr::Message<GetNewDSARequest> {
    static constexpr const char* kName = "RfrGetNewDSA request";
    uint32_t ulFlags = 0;
    std::string userDN;
    std::optional<std::optional<std::string>> unused;
    std::optional<std::optional<std::string>> server;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const GetNewDSARequest&) const = default;
};
struct GetNewDSAResponse : ndr::Message<GetNewDSAResponse> {
    static constexpr const char* kName = "RfrGetNewDSA response";
    std::optional<std::optional<std::string>> unused;
    std::optional<std::optional<std::string>> server;
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const GetNewDSAResponse&) const = default;
};

// 3.1.4.2 long RfrGetFQDNFromServerDN([in] handle_t hRpc, [in] unsigned long ulFlags,
//     [in, range(10,1024)] unsigned long cbMailboxServerDN,
//     [in, string, size_is(cbMailboxServerDN)] unsigned char* szMailboxServerDN,
//     [out, ref, string] unsigned char** ppszServerFQDN);
struct GetFQDNFromServerDNRequest : ndr::Message<GetFQDNFromServerDNRequest> {
    static constexpr const char* kName = "RfrGetFQDNFromServerDN request";
    uint32_t ulFlags = 0;
    uint32_t cbMailboxServerDN = 0;
    std::string serverDN;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const GetFQDNFromServerDNRequest&) const = default;
};
struct GetFQDNFromServerDNResponse : ndr::Message<GetFQDNFromServerDNResponse> {
    static constexpr const char* kName = "RfrGetFQDNFromServerDN response";
    std::optional<std::string> fqdn;  // the [ref] outer pointer carries a [unique] string pointer
    uint32_t result = 0;
    template <class S, class IO> static void ndr(S& s, IO& io);
    bool operator==(const GetFQDNFromServerDNResponse&) const = default;
};

}  // namespace mg::oxabref

#include "libmapi/oxnspi_ndr.h"  // the ndr() definitions
