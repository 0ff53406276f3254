// The engine's view of Samba's directory: who a caller is, by SID.
//
// The engine runs as root on the domain controller and talks LDAP to Samba's
// privileged socket <private dir>/ldap_priv/ldapi, which gives system access
// without a bind (no password or keytab to manage). smb.conf
// `mapiproxy:directory_uri` overrides the URI (e.g. an ldapi:// path of a
// relocated installation). Answers are cached briefly: a connecting Outlook
// makes several EcDoConnectEx calls within seconds.
#pragma once

#include "common/config.h"
#include "mapiproxy/servers/emsmdb.h"
#include "mapiproxy/servers/oxnspi.h"

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

typedef struct ldap LDAP;

namespace mg {

// Also the address book's source (nspi::AddressDirectory): LDAP rather than
// ldb, see docs/ARCHITECTURE.md "Directory access".
class LdapDirectory : public emsmdb::UserDirectory, public nspi::AddressDirectory {
public:
    struct Options {
        std::string uri;
        std::chrono::seconds positive_ttl{30};
        std::chrono::seconds negative_ttl{5};
        std::chrono::seconds timeout{10};  // network and search time limit
        size_t max_cache_entries = 4096;
    };

    explicit LdapDirectory(Options options);
    ~LdapDirectory() override;
    LdapDirectory(const LdapDirectory&) = delete;
    LdapDirectory& operator=(const LdapDirectory&) = delete;

    // The URI from smb.conf: `mapiproxy:directory_uri`, else
    // ldapi://<private dir>/ldap_priv/ldapi (private dir default
    // /var/lib/samba/private), percent-encoded as RFC 4516 requires.
    static std::string uri_from(const SmbConf& conf);

    std::optional<emsmdb::DirectoryUser> find_by_sid(const std::string& sid) override;

    // nspi::AddressDirectory
    std::vector<nspi::DirEntry> list_entries() override;
    nspi::LargeAttrs large_attributes(const std::string& dn) override;
    std::vector<nspi::DirAddressList> address_lists() override;
    std::string server_fqdn() override;
    std::string fqdn_of_server(const std::string& legacy_dn) override;
    void replace_binary(const std::string& dn, const char* attr, const std::vector<Bytes>& values) override;
    void modify_links(const std::string& dn, const char* attr, const std::vector<std::string>& add,
                      const std::vector<std::string>& remove) override;

    // The LDAP filter of the entries the address book lists.
    static const char* const kAddressBookFilter;

private:
    // Runs `fn` with a connected handle; on a failure reconnects once.
    template <class F> auto with_ldap(F&& fn) -> decltype(fn());

    void connect_locked();
    void disconnect_locked();
    std::optional<emsmdb::DirectoryUser> search_locked(const std::string& sid);
    // DNs of the address book entries that also match `filter` (paged).
    std::vector<std::string> member_dns_locked(const std::string& filter);

    struct Entry {
        std::optional<emsmdb::DirectoryUser> user;
        std::chrono::steady_clock::time_point expires;
    };

    Options opt_;
    std::mutex mu_;  // guards ld_, base_dn_ and cache_
    LDAP* ld_ = nullptr;
    std::string base_dn_;
    std::string config_dn_;
    std::string dns_host_name_;
    std::map<std::string, Entry> cache_;
};

// "S-1-5-21-..." -> the binary objectSid as an LDAP filter value
// (RFC 4515 \xx escapes). Throws emsmdb::DirectoryError on a malformed SID.
std::string sid_filter_value(const std::string& sid);
// RFC 4516 percent-encoding of a unix socket path for an ldapi:// URI.
std::string ldapi_uri_for(const std::string& socket_path);
// RFC 4515 escaping of an assertion value.
std::string ldap_filter_escape(const std::string& v);

}  // namespace mg
