#include "engine/directory.h"

#include "common/log.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ldap.h>
#include <memory>
#include <vector>

namespace mg {

using emsmdb::DirectoryError;
using emsmdb::DirectoryUser;

namespace {

struct MessageFree {
    void operator()(LDAPMessage* m) const { if (m) ldap_msgfree(m); }
};
using MessagePtr = std::unique_ptr<LDAPMessage, MessageFree>;

struct ValuesFree {
    void operator()(berval** v) const { if (v) ldap_value_free_len(v); }
};

// First value of `attr` in `entry`, or "".
std::string first_value(LDAP* ld, LDAPMessage* entry, const char* attr) {
    std::unique_ptr<berval*, ValuesFree> vals(ldap_get_values_len(ld, entry, attr));
    if (!vals || !vals.get()[0]) return {};
    const berval* v = vals.get()[0];
    return std::string(v->bv_val, v->bv_len);
}

}  // namespace

std::string ldapi_uri_for(const std::string& socket_path) {
    std::string uri = "ldapi://";
    for (unsigned char ch : socket_path) {
        if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            uri.push_back(char(ch));
        } else {
            char buf[4];
            snprintf(buf, sizeof buf, "%%%02X", ch);
            uri += buf;
        }
    }
    return uri;
}

std::string sid_filter_value(const std::string& sid) {
    // MS-DTYP 2.4.2.1 string form -> 2.4.2.2 binary form.
    auto bad = [&] { return DirectoryError("malformed SID '" + sid + "'"); };
    if (sid.size() < 4 || (sid[0] != 'S' && sid[0] != 's') || sid[1] != '-') throw bad();
    std::vector<unsigned long long> parts;
    size_t pos = 2;
    while (pos <= sid.size()) {
        size_t end = sid.find('-', pos);
        if (end == std::string::npos) end = sid.size();
        if (end == pos) throw bad();
        unsigned long long v = 0;
        for (size_t i = pos; i < end; ++i) {
            if (sid[i] < '0' || sid[i] > '9') throw bad();
            v = v * 10 + unsigned(sid[i] - '0');
            if (v > 0xFFFFFFFFFFFFULL) throw bad();
        }
        parts.push_back(v);
        pos = end + 1;
    }
    // revision, authority, then 0..15 sub-authorities of 32 bits.
    if (parts.size() < 2 || parts.size() > 17 || parts[0] != 1) throw bad();
    std::vector<uint8_t> bin{uint8_t(parts[0]), uint8_t(parts.size() - 2)};
    for (int i = 5; i >= 0; --i) bin.push_back(uint8_t(parts[1] >> (8 * i)));
    for (size_t k = 2; k < parts.size(); ++k) {
        if (parts[k] > 0xFFFFFFFFULL) throw bad();
        for (int i = 0; i < 4; ++i) bin.push_back(uint8_t(parts[k] >> (8 * i)));
    }
    std::string out;
    for (uint8_t b : bin) {
        char buf[4];
        snprintf(buf, sizeof buf, "\\%02x", b);
        out += buf;
    }
    return out;
}

std::string LdapDirectory::uri_from(const SmbConf& conf) {
    if (auto u = conf.global("mapiproxy:directory_uri"); u && !u->empty()) return *u;
    std::string private_dir = conf.get_or("global", "private dir", "/var/lib/samba/private");
    return ldapi_uri_for(private_dir + "/ldap_priv/ldapi");
}

LdapDirectory::LdapDirectory(Options options) : opt_(std::move(options)) {}

LdapDirectory::~LdapDirectory() {
    std::lock_guard<std::mutex> lk(mu_);
    disconnect_locked();
}

void LdapDirectory::disconnect_locked() {
    if (ld_) ldap_unbind_ext_s(ld_, nullptr, nullptr);
    ld_ = nullptr;
    base_dn_.clear();
}

void LdapDirectory::connect_locked() {
    if (ld_) return;
    LDAP* ld = nullptr;
    int rc = ldap_initialize(&ld, opt_.uri.c_str());
    if (rc != LDAP_SUCCESS) throw DirectoryError(opt_.uri + ": " + ldap_err2string(rc));
    int version = LDAP_VERSION3;
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    timeval tv{static_cast<time_t>(opt_.timeout.count()), 0};
    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
    ld_ = ld;

    // The domain partition, from the root DSE. No bind: on Samba's
    // privileged ldapi socket the connection already has system access.
    const char* attrs[] = {"defaultNamingContext", nullptr};
    LDAPMessage* res = nullptr;
    rc = ldap_search_ext_s(ld_, "", LDAP_SCOPE_BASE, "(objectClass=*)", const_cast<char**>(attrs), 0, nullptr,
                           nullptr, &tv, 1, &res);
    MessagePtr holder(res);
    LDAPMessage* e = rc == LDAP_SUCCESS ? ldap_first_entry(ld_, res) : nullptr;
    std::string base = e ? first_value(ld_, e, "defaultNamingContext") : std::string();
    if (base.empty()) {
        std::string why = rc == LDAP_SUCCESS ? "no defaultNamingContext in the root DSE" : ldap_err2string(rc);
        disconnect_locked();
        throw DirectoryError(opt_.uri + ": " + why);
    }
    base_dn_ = base;
    LOG_INFO("directory: connected to %s (base %s)", opt_.uri.c_str(), base_dn_.c_str());
}

std::optional<DirectoryUser> LdapDirectory::search_locked(const std::string& sid) {
    connect_locked();
    std::string filter = "(&(objectClass=user)(objectSid=" + sid_filter_value(sid) + "))";
    const char* attrs[] = {"sAMAccountName", "legacyExchangeDN", "displayName", "mail", "msExchUserAccountControl",
                           nullptr};
    timeval tv{static_cast<time_t>(opt_.timeout.count()), 0};
    LDAPMessage* res = nullptr;
    int rc = ldap_search_ext_s(ld_, base_dn_.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(), const_cast<char**>(attrs),
                               0, nullptr, nullptr, &tv, 2, &res);
    MessagePtr holder(res);
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
        std::string why = ldap_err2string(rc);
        disconnect_locked();  // reconnect next time (server restarted, socket gone, ...)
        throw DirectoryError(opt_.uri + ": search failed: " + why);
    }
    if (ldap_count_entries(ld_, res) != 1) return std::nullopt;  // none, or an ambiguous SID
    LDAPMessage* e = ldap_first_entry(ld_, res);
    DirectoryUser u;
    u.account = first_value(ld_, e, "sAMAccountName");
    u.legacy_dn = first_value(ld_, e, "legacyExchangeDN");
    u.display_name = first_value(ld_, e, "displayName");
    u.mail = first_value(ld_, e, "mail");
    u.mailbox_disabled = first_value(ld_, e, "msExchUserAccountControl") == "2";
    return u;
}

std::optional<DirectoryUser> LdapDirectory::find_by_sid(const std::string& sid) {
    auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lk(mu_);
    if (auto it = cache_.find(sid); it != cache_.end()) {
        if (it->second.expires > now) return it->second.user;
        cache_.erase(it);
    }
    std::optional<DirectoryUser> user;
    try {
        user = search_locked(sid);
    } catch (const DirectoryError&) {
        // One retry on a fresh connection: the previous one may have died
        // with a Samba restart.
        disconnect_locked();
        user = search_locked(sid);
    }
    if (cache_.size() >= opt_.max_cache_entries) cache_.clear();
    // Only a complete mailbox entry is kept long: a user who just got a
    // mailbox (openchange_newuser) can connect within negative_ttl.
    bool mailbox = user && !user->legacy_dn.empty();
    cache_[sid] = Entry{user, now + (mailbox ? opt_.positive_ttl : opt_.negative_ttl)};
    return user;
}

}  // namespace mg
