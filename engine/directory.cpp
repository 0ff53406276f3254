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
    config_dn_.clear();
    dns_host_name_.clear();
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
    const char* attrs[] = {"defaultNamingContext", "configurationNamingContext", "dnsHostName", nullptr};
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
    config_dn_ = first_value(ld_, e, "configurationNamingContext");
    dns_host_name_ = first_value(ld_, e, "dnsHostName");
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

// ------------------------------------------------------------------ address book

std::string ldap_filter_escape(const std::string& v) {
    std::string out;
    for (unsigned char ch : v) {
        if (ch == '*' || ch == '(' || ch == ')' || ch == '\\' || ch == 0) {
            char buf[4];
            snprintf(buf, sizeof buf, "\\%02x", ch);
            out += buf;
        } else {
            out.push_back(char(ch));
        }
    }
    return out;
}

// MS-OXNSPI data: Exchange-enabled (mailNickname) users with a mailbox,
// contacts and groups; not hidden (msExchHideFromAddressLists), not disabled
// (userAccountControl ACCOUNTDISABLE, or a disabled mailbox).
const char* const LdapDirectory::kAddressBookFilter =
    "(&(mailNickname=*)(!(msExchHideFromAddressLists=TRUE))"
    "(!(userAccountControl:1.2.840.113556.1.4.803:=2))(!(msExchUserAccountControl=2))"
    "(|(&(objectCategory=person)(objectClass=user)(|(homeMDB=*)(msExchHomeServerName=*)))"
    "(&(objectCategory=person)(objectClass=contact))(objectCategory=group)))";

template <class F>
auto LdapDirectory::with_ldap(F&& fn) -> decltype(fn()) {
    std::lock_guard<std::mutex> lk(mu_);
    try {
        connect_locked();
        return fn();
    } catch (const DirectoryError&) {
        disconnect_locked();
        connect_locked();
        return fn();
    }
}

namespace {

void check_rc(LDAP* ld, int rc, const std::string& what) {
    (void)ld;
    if (rc != LDAP_SUCCESS) throw DirectoryError(what + ": " + ldap_err2string(rc));
}

std::vector<std::string> all_values(LDAP* ld, LDAPMessage* e, const char* attr) {
    std::vector<std::string> out;
    std::unique_ptr<berval*, ValuesFree> vals(ldap_get_values_len(ld, e, attr));
    if (!vals) return out;
    for (berval** v = vals.get(); *v; ++v) out.emplace_back((*v)->bv_val, (*v)->bv_len);
    return out;
}

}  // namespace

namespace {

// A subtree search with simple paged results (RFC 2696; Samba caps a page at
// MaxPageSize, 1000): `each` sees every entry. Returns the LDAP result code
// of a failed page (LDAP_SUCCESS when all pages came).
template <class F>
int paged_search(LDAP* ld, const std::string& base, const std::string& filter, const char* const* attrs,
                 timeval tv, F&& each) {
    berval* cookie = nullptr;
    do {
        LDAPControl* page = nullptr;
        int rc = ldap_create_page_control(ld, 1000, cookie, 0, &page);
        if (cookie) ber_bvfree(cookie);
        cookie = nullptr;
        if (rc != LDAP_SUCCESS) return rc;
        LDAPControl* sctrls[] = {page, nullptr};
        LDAPMessage* res = nullptr;
        rc = ldap_search_ext_s(ld, base.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(), const_cast<char**>(attrs), 0,
                               sctrls, nullptr, &tv, 0, &res);
        ldap_control_free(page);
        MessagePtr holder(res);
        if (rc != LDAP_SUCCESS) return rc;
        for (LDAPMessage* e = ldap_first_entry(ld, res); e; e = ldap_next_entry(ld, e)) each(e);
        LDAPControl** rctrls = nullptr;
        int err = 0;
        rc = ldap_parse_result(ld, res, &err, nullptr, nullptr, nullptr, &rctrls, 0);
        if (rc == LDAP_SUCCESS && rctrls) {
            LDAPControl* pr = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls, nullptr);
            ber_int_t count = 0;
            berval c{0, nullptr};
            if (pr && ldap_parse_pageresponse_control(ld, pr, &count, &c) == LDAP_SUCCESS && c.bv_len > 0)
                cookie = ber_bvdup(&c);
            if (c.bv_val) ber_memfree(c.bv_val);
        }
        if (rctrls) ldap_controls_free(rctrls);
    } while (cookie);
    return LDAP_SUCCESS;
}

std::string dn_of(LDAP* ld, LDAPMessage* e) {
    std::string out;
    if (char* dn = ldap_get_dn(ld, e)) {
        out = dn;
        ldap_memfree(dn);
    }
    return out;
}

}  // namespace

std::vector<nspi::DirEntry> LdapDirectory::list_entries() {
    return with_ldap([&] {
        std::vector<nspi::DirEntry> out;
        std::vector<const char*> attrs;
        for (int a = 0; a < nspi::kDirAttrCount; ++a) attrs.push_back(nspi::dir_attr_name(nspi::DirAttr(a)));
        attrs.push_back(nullptr);
        timeval tv{static_cast<time_t>(opt_.timeout.count()), 0};
        int rc = paged_search(ld_, base_dn_, kAddressBookFilter, attrs.data(), tv, [&](LDAPMessage* e) {
            nspi::DirEntry d;
            d.dn = dn_of(ld_, e);
            for (int a = 0; a < nspi::kDirAttrCount; ++a)
                d.attrs[size_t(a)] = all_values(ld_, e, nspi::dir_attr_name(nspi::DirAttr(a)));
            out.push_back(std::move(d));
        });
        check_rc(ld_, rc, opt_.uri + ": address book search");
        return out;
    });
}

std::vector<std::string> LdapDirectory::member_dns_locked(const std::string& filter) {
    std::vector<std::string> out;
    const char* attrs[] = {"1.1", nullptr};  // no attributes: the DNs only
    timeval tv{static_cast<time_t>(opt_.timeout.count()), 0};
    std::string f = std::string("(&") + kAddressBookFilter + filter + ")";
    int rc = paged_search(ld_, base_dn_, f, attrs, tv, [&](LDAPMessage* e) { out.push_back(dn_of(ld_, e)); });
    if (rc == LDAP_FILTER_ERROR) {
        LOG_WARN("directory: address list filter %s is not a valid LDAP filter: the list stays empty", filter.c_str());
        return {};
    }
    check_rc(ld_, rc, opt_.uri + ": address list search");
    return out;
}

// MS-OXOABK 2.2.1 / the layout provision/mapigate_provision/organization.py
// writes: CN=Microsoft Exchange,CN=Services,<config> names the Global Address
// List (globalAddressList) and the roots of the address list trees
// (addressBookRoots); the lists are addressBookContainer objects whose
// purportedSearch selects their recipients.
std::vector<nspi::DirAddressList> LdapDirectory::address_lists() {
    return with_ldap([&] {
        std::vector<nspi::DirAddressList> out;
        if (config_dn_.empty()) return out;
        timeval tv{static_cast<time_t>(opt_.timeout.count()), 0};
        auto search = [&](const std::string& base, int scope, const char* filter, const char* const* attrs,
                          auto&& each) {
            LDAPMessage* res = nullptr;
            int rc = ldap_search_ext_s(ld_, base.c_str(), scope, filter, const_cast<char**>(attrs), 0, nullptr,
                                       nullptr, &tv, 0, &res);
            MessagePtr holder(res);
            if (rc == LDAP_NO_SUCH_OBJECT) return;
            check_rc(ld_, rc, opt_.uri + ": " + base);
            for (LDAPMessage* e = ldap_first_entry(ld_, res); e; e = ldap_next_entry(ld_, e)) each(e);
        };
        std::vector<std::string> gals, roots;
        const char* root_attrs[] = {"globalAddressList", "addressBookRoots", nullptr};
        search("CN=Microsoft Exchange,CN=Services," + config_dn_, LDAP_SCOPE_BASE, "(objectClass=*)", root_attrs,
               [&](LDAPMessage* e) {
                   gals = all_values(ld_, e, "globalAddressList");
                   roots = all_values(ld_, e, "addressBookRoots");
               });
        const char* list_attrs[] = {"displayName", "cn", "objectGUID", "purportedSearch", nullptr};
        auto add = [&](LDAPMessage* e, int parent, bool global) {
            nspi::DirAddressList l;
            l.dn = dn_of(ld_, e);
            l.name = first_value(ld_, e, "displayName");
            if (l.name.empty()) l.name = first_value(ld_, e, "cn");
            l.guid = first_value(ld_, e, "objectGUID");
            l.parent = parent;
            l.global = global;
            std::string filter = first_value(ld_, e, "purportedSearch");
            l.has_filter = !filter.empty();
            if (l.has_filter) l.members = member_dns_locked(filter);
            out.push_back(std::move(l));
        };
        const char* kList = "(objectClass=addressBookContainer)";
        for (const auto& g : gals)
            search(g, LDAP_SCOPE_BASE, kList, list_attrs, [&](LDAPMessage* e) { add(e, -1, true); });
        for (const auto& r : roots) {
            size_t first = out.size();
            search(r, LDAP_SCOPE_BASE, kList, list_attrs, [&](LDAPMessage* e) { add(e, -1, false); });
            // Breadth first, so a parent always precedes its children.
            for (size_t i = first; i < out.size() && out.size() < 1000; ++i) {
                std::string base = out[i].dn;
                search(base, LDAP_SCOPE_ONELEVEL, kList, list_attrs, [&](LDAPMessage* e) { add(e, int(i), false); });
            }
        }
        return out;
    });
}

nspi::LargeAttrs LdapDirectory::large_attributes(const std::string& dn) {
    return with_ldap([&] {
        nspi::LargeAttrs l;
        const char* attrs[] = {"thumbnailPhoto", "userCertificate", "userSMIMECertificate", nullptr};
        timeval tv{static_cast<time_t>(opt_.timeout.count()), 0};
        LDAPMessage* res = nullptr;
        int rc = ldap_search_ext_s(ld_, dn.c_str(), LDAP_SCOPE_BASE, "(objectClass=*)", const_cast<char**>(attrs), 0,
                                   nullptr, nullptr, &tv, 1, &res);
        MessagePtr holder(res);
        if (rc == LDAP_NO_SUCH_OBJECT) return l;
        check_rc(ld_, rc, opt_.uri + ": " + dn);
        if (LDAPMessage* e = ldap_first_entry(ld_, res)) {
            for (auto& v : all_values(ld_, e, "thumbnailPhoto")) l.photo.emplace_back(v.begin(), v.end());
            for (const char* a : {"userCertificate", "userSMIMECertificate"})
                for (auto& v : all_values(ld_, e, a)) l.certs.emplace_back(v.begin(), v.end());
        }
        return l;
    });
}

std::string LdapDirectory::server_fqdn() {
    return with_ldap([&] { return dns_host_name_; });
}

std::string LdapDirectory::fqdn_of_server(const std::string& legacy_dn) {
    return with_ldap([&]() -> std::string {
        if (config_dn_.empty() || legacy_dn.empty()) return {};
        std::string filter = "(&(objectClass=msExchExchangeServer)(legacyExchangeDN=" +
                             ldap_filter_escape(legacy_dn) + "))";
        const char* attrs[] = {"networkAddress", nullptr};
        timeval tv{static_cast<time_t>(opt_.timeout.count()), 0};
        LDAPMessage* res = nullptr;
        int rc = ldap_search_ext_s(ld_, config_dn_.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(),
                                   const_cast<char**>(attrs), 0, nullptr, nullptr, &tv, 2, &res);
        MessagePtr holder(res);
        check_rc(ld_, rc, opt_.uri + ": server search");
        LDAPMessage* e = ldap_first_entry(ld_, res);
        if (!e) return {};
        for (const auto& a : all_values(ld_, e, "networkAddress"))
            if (a.rfind("ncacn_ip_tcp:", 0) == 0) return a.substr(13);
        return dns_host_name_;  // the server object exists but names no TCP address: this DC
    });
}

void LdapDirectory::replace_binary(const std::string& dn, const char* attr, const std::vector<Bytes>& values) {
    with_ldap([&] {
        std::vector<berval> bvs(values.size());
        std::vector<berval*> ptrs;
        for (size_t i = 0; i < values.size(); ++i) {
            bvs[i].bv_len = ber_len_t(values[i].size());
            bvs[i].bv_val = reinterpret_cast<char*>(const_cast<uint8_t*>(values[i].data()));
            ptrs.push_back(&bvs[i]);
        }
        ptrs.push_back(nullptr);
        LDAPMod mod{};
        mod.mod_op = LDAP_MOD_REPLACE | LDAP_MOD_BVALUES;
        mod.mod_type = const_cast<char*>(attr);
        mod.mod_bvalues = ptrs.data();
        LDAPMod* mods[] = {&mod, nullptr};
        int rc = ldap_modify_ext_s(ld_, dn.c_str(), mods, nullptr, nullptr);
        if (rc == LDAP_NO_SUCH_ATTRIBUTE && values.empty()) return;
        check_rc(ld_, rc, opt_.uri + ": modify " + dn);
    });
}

void LdapDirectory::modify_links(const std::string& dn, const char* attr, const std::vector<std::string>& add,
                                 const std::vector<std::string>& remove) {
    if (add.empty() && remove.empty()) return;
    with_ldap([&] {
        auto values = [](const std::vector<std::string>& v) {
            std::vector<char*> p;
            for (const auto& x : v) p.push_back(const_cast<char*>(x.c_str()));
            p.push_back(nullptr);
            return p;
        };
        std::vector<char*> av = values(add), rv = values(remove);
        LDAPMod madd{}, mdel{};
        madd.mod_op = LDAP_MOD_ADD;
        madd.mod_type = const_cast<char*>(attr);
        madd.mod_values = av.data();
        mdel.mod_op = LDAP_MOD_DELETE;
        mdel.mod_type = const_cast<char*>(attr);
        mdel.mod_values = rv.data();
        std::vector<LDAPMod*> mods;
        if (!add.empty()) mods.push_back(&madd);
        if (!remove.empty()) mods.push_back(&mdel);
        mods.push_back(nullptr);
        int rc = ldap_modify_ext_s(ld_, dn.c_str(), mods.data(), nullptr, nullptr);
        check_rc(ld_, rc, opt_.uri + ": modify " + attr + " of " + dn);
    });
}

}  // namespace mg
