// The address book servers: NSPI (MS-OXNSPI, exchange_nsp) and the referral
// service RFR (MS-OXABREF, exchange_ds_rfr), over Samba's directory.
//
// Data: the directory's Exchange-enabled users, groups, contacts and rooms
// (engine/directory.h reads them over LDAP), held as an engine-wide snapshot
// sorted by display name and reloaded when older than a few seconds. Minimal
// Entry IDs are assigned per objectGUID for the engine's lifetime, so they
// are stable within (and across) sessions, and a session needs no state
// beyond its identity: the STAT block travels with every call.
//
// Address lists (MS-OXOABK 2.2.?/MS-OXNSPI 3.1.4.1.3): All Address Lists with
// All Users, All Groups, All Contacts, All Rooms, and the Default Global
// Address List (ContainerID 0).
#pragma once

#include "libmapi/oxnspi.h"
#include "mapiproxy/servers/dispatcher.h"
#include "mapiproxy/servers/emsmdb.h"

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace mg::nspi {

// MS-OXNSPI 2.2.1.2 return values.
namespace ec {
inline constexpr uint32_t Success = 0x00000000;
inline constexpr uint32_t UnbindSuccess = 0x00000001;
inline constexpr uint32_t ErrorsReturned = 0x00040380;
inline constexpr uint32_t GeneralFailure = 0x80004005;
inline constexpr uint32_t NotSupported = 0x80040102;
inline constexpr uint32_t InvalidObject = 0x80040108;
inline constexpr uint32_t NotFound = 0x8004010F;
inline constexpr uint32_t LogonFailed = 0x80040111;
inline constexpr uint32_t TooComplex = 0x80040117;
inline constexpr uint32_t InvalidCodepage = 0x8004011E;
inline constexpr uint32_t InvalidLocale = 0x8004011F;
inline constexpr uint32_t TableTooBig = 0x80040403;
inline constexpr uint32_t InvalidBookmark = 0x80040405;
inline constexpr uint32_t AccessDenied = 0x80070005;
inline constexpr uint32_t InvalidParameter = 0x80070057;
}  // namespace ec

// Special Minimal Entry IDs (MS-OXNSPI 2.2.1.8) and code pages (2.2.1.3).
inline constexpr uint32_t MID_BEGINNING_OF_TABLE = 0x0;
inline constexpr uint32_t MID_CURRENT = 0x1;
inline constexpr uint32_t MID_END_OF_TABLE = 0x2;
inline constexpr uint32_t MID_UNRESOLVED = 0x0;
inline constexpr uint32_t MID_AMBIGUOUS = 0x1;
inline constexpr uint32_t MID_RESOLVED = 0x2;
inline constexpr uint32_t CP_WINUNICODE = 1200;

// The LDAP attributes read for every address book entry (index = DirAttr).
enum DirAttr : uint8_t {
    A_displayName, A_cn, A_sAMAccountName, A_mail, A_legacyExchangeDN, A_objectGUID, A_objectClass,
    A_givenName, A_sn, A_initials, A_title, A_department, A_company, A_physicalDeliveryOfficeName,
    A_telephoneNumber, A_homePhone, A_mobile, A_facsimileTelephoneNumber, A_pager, A_streetAddress, A_l, A_st,
    A_postalCode, A_co, A_manager, A_directReports, A_member, A_memberOf, A_homeMDB, A_msExchHomeServerName,
    A_proxyAddresses, A_mailNickname, A_msExchRecipientDisplayType, A_publicDelegates, A_displayNamePrintable,
    A_targetAddress,
    kDirAttrCount
};
const char* dir_attr_name(DirAttr a);

struct DirEntry {
    std::string dn;  // LDAP DN
    std::array<std::vector<std::string>, kDirAttrCount> attrs;
    const std::string& first(DirAttr a) const;
};

// Big attributes, read per object when asked for.
struct LargeAttrs {
    std::vector<Bytes> photo;  // thumbnailPhoto
    std::vector<Bytes> certs;  // userCertificate + userSMIMECertificate
};

// An address list of the directory (an addressBookContainer of the
// Exchange organization, MS-OXOABK 2.2.1): its place in the hierarchy and
// its members as the directory evaluates its purportedSearch filter.
struct DirAddressList {
    std::string dn;              // LDAP DN
    std::string name;            // displayName, else cn
    std::string guid;            // objectGUID (16 bytes)
    int parent = -1;             // index of the parent list, -1 at the top
    bool global = false;         // the Global Address List (globalAddressList)
    bool has_filter = false;     // a purportedSearch, so recipients (else only sublists)
    std::vector<std::string> members;  // LDAP DNs
};

class AddressDirectory {
public:
    virtual ~AddressDirectory() = default;
    // Every entry the address book lists: Exchange-enabled (mailNickname)
    // users with a mailbox, groups, contacts; not msExchHideFromAddressLists,
    // not disabled accounts. Throws emsmdb::DirectoryError.
    virtual std::vector<DirEntry> list_entries() = 0;
    virtual LargeAttrs large_attributes(const std::string& dn) = 0;
    // The address lists provisioning created (globalAddressList and the
    // addressBookRoots trees of CN=Microsoft Exchange), parents before
    // children; empty when there are none (the server then generates its own).
    virtual std::vector<DirAddressList> address_lists() { return {}; }
    // The DC's DNS host name (rootDSE dnsHostName).
    virtual std::string server_fqdn() = 0;
    // The DNS name of the Exchange server object whose legacyExchangeDN is
    // `legacy_dn` (from its ncacn_ip_tcp networkAddress), "" when none.
    virtual std::string fqdn_of_server(const std::string& legacy_dn) = 0;
    // Replaces the values of one attribute of one object.
    virtual void replace_binary(const std::string& dn, const char* attr, const std::vector<Bytes>& values) = 0;
    // Adds and removes values (LDAP DNs of other objects) of one link
    // attribute of one object, in one modification: all or nothing.
    virtual void modify_links(const std::string& dn, const char* attr, const std::vector<std::string>& add,
                              const std::vector<std::string>& remove) = 0;
};

struct Options {
    mapi::Guid server_guid;                   // NspiBind pServerGuid, ephemeral entry ids
    std::string rfr_server;                   // RfrGetNewDSA answer; "" = the DC's FQDN
    std::chrono::milliseconds reload_after{10000};
    size_t max_sessions_per_user = 64;
};

class AddressBook;

// exchange_nsp: all 21 opnums.
class NspiServer : public RpcServer {
public:
    NspiServer(std::shared_ptr<AddressDirectory> dir, std::shared_ptr<emsmdb::UserDirectory> users, Options o);
    ~NspiServer() override;
    ipc::Reply call(const ipc::Call& c) override;
    void connection_closed(uint64_t conn_id) override;
    size_t session_count() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d_;
};

// exchange_ds_rfr: RfrGetNewDSA (0), RfrGetFQDNFromServerDN (1).
class RfrServer : public RpcServer {
public:
    RfrServer(std::shared_ptr<AddressDirectory> dir, std::string configured_server)
        : dir_(std::move(dir)), configured_(std::move(configured_server)) {}
    ipc::Reply call(const ipc::Call& c) override;

private:
    std::shared_ptr<AddressDirectory> dir_;
    std::string configured_;
};

// Entry ids (MS-OXNSPI 2.2.9): permanent (DN) and ephemeral (MId) forms.
inline constexpr uint8_t kEphemeralIdType = 0x87;
Bytes permanent_entry_id(uint32_t display_type, const std::string& dn);
Bytes ephemeral_entry_id(const mapi::Guid& server, uint32_t display_type, uint32_t mid);
struct ParsedEntryId {
    bool ephemeral = false;
    mapi::Guid provider;
    uint32_t display_type = 0;
    uint32_t mid = 0;     // ephemeral
    std::string dn;       // permanent
};
std::optional<ParsedEntryId> parse_entry_id(ByteView b);

}  // namespace mg::nspi
