#include "mapiproxy/servers/oxnspi.h"

#include "common/log.h"
#include "mapiproxy/servers/oxoabkt_templates.h"
#include "libmapi/propcodec.h"
#include "libmapi/restriction.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <set>

namespace mg::nspi {

using namespace mg::mapi;
namespace ox = mg::oxnspi;
using Uuid = std::array<uint8_t, 16>;

// ------------------------------------------------------------------ directory attributes

const char* dir_attr_name(DirAttr a) {
    static const char* const names[kDirAttrCount] = {
        "displayName", "cn", "sAMAccountName", "mail", "legacyExchangeDN", "objectGUID", "objectClass",
        "givenName", "sn", "initials", "title", "department", "company", "physicalDeliveryOfficeName",
        "telephoneNumber", "homePhone", "mobile", "facsimileTelephoneNumber", "pager", "streetAddress", "l", "st",
        "postalCode", "co", "manager", "directReports", "member", "memberOf", "homeMDB", "msExchHomeServerName",
        "proxyAddresses", "mailNickname", "msExchRecipientDisplayType", "publicDelegates", "displayNamePrintable",
        "targetAddress"};
    return a < kDirAttrCount ? names[a] : "";
}

const std::string& DirEntry::first(DirAttr a) const {
    static const std::string none;
    return attrs[a].empty() ? none : attrs[a].front();
}

// ------------------------------------------------------------------ entry ids

namespace {
// MS-OXNSPI 2.2.9.2 / 2.2.9.3: GUID_NSPI {C840A7DC-42C0-1A10-B4B9-08002B2FE182}.
constexpr std::array<uint8_t, 16> kGuidNspi = {0xDC, 0xA7, 0x40, 0xC8, 0xC0, 0x42, 0x10, 0x1A,
                                               0xB4, 0xB9, 0x08, 0x00, 0x2B, 0x2F, 0xE1, 0x82};
}  // namespace

Bytes permanent_entry_id(uint32_t display_type, const std::string& dn) {
    ByteWriter w;
    w.u32(0);  // ID Type 0x00, R1, R2, R3
    w.raw(ByteView(kGuidNspi.data(), 16));
    w.u32(1);  // R4 (version)
    w.u32(display_type);
    w.raw(std::string_view(dn));
    w.u8(0);
    return w.take();
}

Bytes ephemeral_entry_id(const Guid& server, uint32_t display_type, uint32_t mid) {
    ByteWriter w;
    w.u8(kEphemeralIdType);
    w.u8(0);
    w.u8(0);
    w.u8(0);
    w.raw(ByteView(server.b.data(), 16));
    w.u32(1);
    w.u32(display_type);
    w.u32(mid);
    return w.take();
}

std::optional<ParsedEntryId> parse_entry_id(ByteView b) {
    if (b.size() < 28) return std::nullopt;
    ParsedEntryId p;
    std::copy(b.begin() + 4, b.begin() + 20, p.provider.b.begin());
    ByteReader r(b.subspan(20));
    if (r.u32() != 1) return std::nullopt;
    p.display_type = r.u32();
    if (b[0] == kEphemeralIdType) {
        if (b.size() != 32) return std::nullopt;
        p.ephemeral = true;
        p.mid = r.u32();
        return p;
    }
    if (b[0] != 0 || p.provider.b != kGuidNspi) return std::nullopt;
    ByteView rest = b.subspan(28);
    auto nul = std::find(rest.begin(), rest.end(), 0);
    if (nul == rest.end()) return std::nullopt;
    p.dn.assign(reinterpret_cast<const char*>(rest.data()), size_t(nul - rest.begin()));
    return p;
}

namespace {

// ------------------------------------------------------------------ property tags (MS-OXPROPS)
constexpr PropTag PR_ENTRYID = 0x0FFF0102, PR_INSTANCE_KEY = 0x0FF60102, PR_RECORD_KEY = 0x0FF90102,
                  PR_SEARCH_KEY = 0x300B0102, PR_OBJECT_TYPE = 0x0FFE0003, PR_DISPLAY_TYPE = 0x39000003,
                  PR_DISPLAY_TYPE_EX = 0x39050003, PR_DISPLAY_NAME = 0x3001001F,
                  PR_TRANSMITTABLE_DISPLAY_NAME = 0x3A20001F, PR_DISPLAY_NAME_PRINTABLE = 0x39FF001F,
                  PR_ACCOUNT = 0x3A00001F, PR_SMTP_ADDRESS = 0x39FE001F, PR_EMAIL_ADDRESS = 0x3003001F,
                  PR_ADDRTYPE = 0x3002001F, PR_PROXY_ADDRESSES = 0x800F101F, PR_GIVEN_NAME = 0x3A06001F,
                  PR_SURNAME = 0x3A11001F, PR_INITIALS = 0x3A0A001F, PR_TITLE = 0x3A17001F,
                  PR_DEPARTMENT_NAME = 0x3A18001F, PR_COMPANY_NAME = 0x3A16001F, PR_OFFICE_LOCATION = 0x3A19001F,
                  PR_BUSINESS_PHONE = 0x3A08001F, PR_PRIMARY_PHONE = 0x3A1A001F, PR_HOME_PHONE = 0x3A09001F,
                  PR_MOBILE_PHONE = 0x3A1C001F, PR_BUSINESS_FAX = 0x3A24001F, PR_PAGER = 0x3A21001F,
                  PR_STREET_ADDRESS = 0x3A29001F, PR_LOCALITY = 0x3A27001F, PR_STATE = 0x3A28001F,
                  PR_POSTAL_CODE = 0x3A2A001F, PR_COUNTRY = 0x3A26001F, PR_ALIAS = 0x3A00001F,
                  PR_EMS_AB_MANAGER = 0x8005001F, PR_EMS_AB_REPORTS = 0x800E101F, PR_EMS_AB_MEMBER = 0x8009101F,
                  PR_EMS_AB_IS_MEMBER_OF_DL = 0x8008101F, PR_EMS_AB_HOME_MDB = 0x8006001F,
                  PR_EMS_AB_HOME_MTA = 0x8007001F, PR_EMS_AB_PUBLIC_DELEGATES = 0x8015101F,
                  PR_EMS_AB_THUMBNAIL_PHOTO = 0x8C9E0102, PR_EMS_AB_X509_CERT = 0x8C6A1102,
                  PR_USER_X509_CERTIFICATE = 0x3A701102, PR_EMS_AB_OBJECT_GUID = 0x8C6D0102,
                  PR_CONTAINER_FLAGS = 0x36000003, PR_DEPTH = 0x30050003, PR_EMS_AB_CONTAINERID = 0xFFFD0003,
                  PR_EMS_AB_PARENT_ENTRYID = 0xFFFC0102, PR_EMS_AB_IS_MASTER = 0xFFFB000B, PR_ANR = 0x360C001F,
                  PR_SEND_RICH_INFO = 0x3A40000B, PR_SELECTABLE = 0x3609000B, PR_TEMPLATEID = 0x39020102,
                  PR_EMS_AB_TEMPLATE_BLOB = 0x00010102, PR_EMS_AB_SCRIPT_DATA = 0x00040102;

// Display types (MS-OXNSPI 2.2.1.7 / MS-OXOABK 2.2.3.11), object types (MS-OXCDATA).
constexpr uint32_t DT_MAILUSER = 0, DT_DISTLIST = 1, DT_REMOTE_MAILUSER = 6, DT_ROOM = 7, DT_CONTAINER = 0x100,
                   DT_ADDRESS_TEMPLATE = 0x102;
constexpr uint32_t MAPI_ABCONT = 4, MAPI_MAILUSER = 6, MAPI_DISTLIST = 8;
constexpr uint32_t AB_RECIPIENTS = 1, AB_SUBCONTAINERS = 2, AB_UNMODIFIABLE = 8;
// dwFlags bits (2.2.1.4 Retrieve Property Flags, 2.2.1.5 NspiGetSpecialTable Flags, 2.2.1.6 QueryColumns).
constexpr uint32_t fEphID = 0x2, NspiAddressCreationTemplates = 0x2, NspiUnicodeStrings = 0x4,
                   NspiUnicodeProptypes = 0x80000000, TI_TEMPLATE = 0x1, TI_SCRIPT = 0x4, TI_EMT = 0x10;

// Every column the address book serves (NspiQueryColumns, NspiGetPropList).
const std::vector<PropTag> kAllColumns = {
    PR_ENTRYID, PR_INSTANCE_KEY, PR_RECORD_KEY, PR_SEARCH_KEY, PR_OBJECT_TYPE, PR_DISPLAY_TYPE, PR_DISPLAY_TYPE_EX,
    PR_DISPLAY_NAME, PR_TRANSMITTABLE_DISPLAY_NAME, PR_DISPLAY_NAME_PRINTABLE, PR_ACCOUNT, PR_SMTP_ADDRESS,
    PR_EMAIL_ADDRESS, PR_ADDRTYPE, PR_PROXY_ADDRESSES, PR_GIVEN_NAME, PR_SURNAME, PR_INITIALS, PR_TITLE,
    PR_DEPARTMENT_NAME, PR_COMPANY_NAME, PR_OFFICE_LOCATION, PR_BUSINESS_PHONE, PR_PRIMARY_PHONE, PR_HOME_PHONE,
    PR_MOBILE_PHONE, PR_BUSINESS_FAX, PR_PAGER, PR_STREET_ADDRESS, PR_LOCALITY, PR_STATE, PR_POSTAL_CODE,
    PR_COUNTRY, PR_EMS_AB_MANAGER, PR_EMS_AB_REPORTS, PR_EMS_AB_MEMBER, PR_EMS_AB_IS_MEMBER_OF_DL,
    PR_EMS_AB_HOME_MDB, PR_EMS_AB_HOME_MTA, PR_EMS_AB_PUBLIC_DELEGATES, PR_EMS_AB_THUMBNAIL_PHOTO,
    PR_EMS_AB_X509_CERT, PR_USER_X509_CERTIFICATE, PR_EMS_AB_OBJECT_GUID, PR_EMS_AB_CONTAINERID,
    PR_SEND_RICH_INFO, PR_TEMPLATEID};

// 3.1.4.1.8: the columns of NspiQueryRows when pPropTags is NULL.
const std::vector<PropTag> kDefaultColumns = {PR_EMS_AB_CONTAINERID, PR_OBJECT_TYPE, PR_DISPLAY_TYPE,
                                              change_type(PR_DISPLAY_NAME, PT_STRING8),
                                              change_type(PR_PRIMARY_PHONE, PT_STRING8),
                                              change_type(PR_DEPARTMENT_NAME, PT_STRING8),
                                              change_type(PR_OFFICE_LOCATION, PT_STRING8)};

// The LDAP attribute of the simple string properties.
std::optional<DirAttr> string_attr(uint16_t id) {
    switch (id) {
    case 0x3A06: return A_givenName;
    case 0x3A11: return A_sn;
    case 0x3A0A: return A_initials;
    case 0x3A17: return A_title;
    case 0x3A18: return A_department;
    case 0x3A16: return A_company;
    case 0x3A19: return A_physicalDeliveryOfficeName;
    case 0x3A08: case 0x3A1A: return A_telephoneNumber;
    case 0x3A09: return A_homePhone;
    case 0x3A1C: return A_mobile;
    case 0x3A24: return A_facsimileTelephoneNumber;
    case 0x3A21: return A_pager;
    case 0x3A29: return A_streetAddress;
    case 0x3A27: return A_l;
    case 0x3A28: return A_st;
    case 0x3A2A: return A_postalCode;
    case 0x3A26: return A_co;
    case 0x3A00: return A_sAMAccountName;
    default: return std::nullopt;
    }
}
// The link attributes (values are LDAP DNs of other entries).
std::optional<DirAttr> link_attr(uint16_t id) {
    switch (id) {
    case 0x8005: return A_manager;
    case 0x800E: return A_directReports;
    case 0x8009: return A_member;
    case 0x8008: return A_memberOf;
    case 0x8015: return A_publicDelegates;
    default: return std::nullopt;
    }
}

std::string lower(std::string s) {
    for (auto& ch : s) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

std::string hex_upper(ByteView b) {
    static const char* d = "0123456789ABCDEF";
    std::string s;
    for (uint8_t x : b) { s += d[x >> 4]; s += d[x & 15]; }
    return s;
}

// A stable GUID for a synthesized object (FNV-1a over its name).
Guid name_guid(const std::string& name) {
    Guid g;
    uint64_t h1 = 1469598103934665603ULL, h2 = 1099511628211ULL ^ 0x5bd1e995;
    for (unsigned char ch : name) {
        h1 = (h1 ^ ch) * 1099511628211ULL;
        h2 = (h2 ^ ch) * 0x100000001b3ULL + 7;
    }
    for (int i = 0; i < 8; ++i) {
        g.b[size_t(i)] = uint8_t(h1 >> (8 * i));
        g.b[size_t(8 + i)] = uint8_t(h2 >> (8 * i));
    }
    return g;
}

// ------------------------------------------------------------------ snapshot

enum class Kind : uint8_t { User, Group, Contact, Room };

struct Entry {
    uint32_t mid = 0;
    Kind kind = Kind::User;
    DirEntry d;
    Guid guid;
    std::string ldn;       // legacyExchangeDN, or "/guid=<hex>" when the object has none
    std::string sort_key;  // folded display name
    // Folded ANR keys (3.1.4.7), computed once per snapshot: prefix keys
    // (given name, surname, office, account, alias, addresses) and the keys
    // an exact ("=text") match compares with (account, alias, addresses, legacy DN).
    std::vector<std::string> anr_keys, exact_keys;
    uint32_t display_type() const {
        return kind == Kind::Group ? DT_DISTLIST : kind == Kind::Contact ? DT_REMOTE_MAILUSER : DT_MAILUSER;
    }
    const std::string& display_name() const {
        const std::string& n = d.first(A_displayName);
        return n.empty() ? d.first(A_cn) : n;
    }
};

struct Container {
    uint32_t mid = 0;
    uint32_t id = 0;  // ContainerID in STAT (0 for the GAL)
    std::string name;
    Guid guid;
    uint32_t flags = 0;
    uint32_t depth = 0;
    int parent = -1;
    std::vector<uint32_t> rows;  // entry indices, ascending (= display name order)
    std::string dn() const { return "/guid=" + hex_upper(ByteView(guid.b.data(), 16)); }
};

struct Snapshot {
    std::vector<Entry> entries;  // sorted by display name
    std::vector<Container> containers;
    std::unordered_map<uint32_t, uint32_t> by_mid;
    std::unordered_map<std::string, uint32_t> by_ldn;  // lower-cased legacy DN
    std::unordered_map<std::string, uint32_t> by_dn;   // lower-cased LDAP DN
    std::chrono::steady_clock::time_point loaded;

    const Container* container(uint32_t id) const {
        for (const auto& c : containers)
            if (c.id == id) return &c;
        return nullptr;
    }
    const Entry* entry(uint32_t mid) const {
        auto it = by_mid.find(mid);
        return it == by_mid.end() ? nullptr : &entries[it->second];
    }
    const Container* container_by_mid(uint32_t mid) const {
        for (const auto& c : containers)
            if (c.mid == mid) return &c;
        return nullptr;
    }
};

constexpr uint32_t kFirstContainerMid = 0x100;
constexpr uint32_t kFirstEntryMid = 0x1000;

Kind kind_of(const DirEntry& d) {
    bool group = false, contact = false;
    for (const auto& oc : d.attrs[A_objectClass]) {
        std::string l = lower(oc);
        if (l == "group") group = true;
        if (l == "contact") contact = true;
    }
    if (group) return Kind::Group;
    if (contact) return Kind::Contact;
    if (d.first(A_msExchRecipientDisplayType) == "7") return Kind::Room;  // ConferenceRoomMailbox
    return Kind::User;
}

}  // namespace

class AddressBook {
public:
    AddressBook(std::shared_ptr<AddressDirectory> dir, Options o) : dir_(std::move(dir)), opt_(std::move(o)) {}

    std::shared_ptr<const Snapshot> current() {
        std::lock_guard<std::mutex> lk(load_mu_);
        auto now = std::chrono::steady_clock::now();
        if (snap_ && !stale_ && now - snap_->loaded < opt_.reload_after) return snap_;
        try {
            auto entries = dir_->list_entries();
            snap_ = build(std::move(entries), dir_->address_lists());
            stale_ = false;
        } catch (const std::exception& e) {
            if (!snap_) throw;
            LOG_WARN("nspi: directory reload failed, serving the previous snapshot: %s", e.what());
        }
        return snap_;
    }

    AddressDirectory& dir() { return *dir_; }
    const Options& opt() const { return opt_; }
    // After a change written to the directory: the next call reloads.
    void invalidate() {
        std::lock_guard<std::mutex> lk(load_mu_);
        stale_ = true;
    }

private:
    std::shared_ptr<const Snapshot> build(std::vector<DirEntry> list, std::vector<DirAddressList> lists) {
        auto s = std::make_shared<Snapshot>();
        s->entries.reserve(list.size());
        for (auto& d : list) {
            Entry e;
            e.kind = kind_of(d);
            const std::string& g = d.first(A_objectGUID);
            if (g.size() == 16) std::copy(g.begin(), g.end(), e.guid.b.begin());
            else e.guid = name_guid(d.dn);
            e.ldn = d.first(A_legacyExchangeDN);
            if (e.ldn.empty()) e.ldn = "/guid=" + hex_upper(ByteView(e.guid.b.data(), 16));
            e.d = std::move(d);
            e.sort_key = fold_text(e.display_name());
            for (DirAttr a : {A_sAMAccountName, A_mailNickname, A_mail})
                if (!e.d.first(a).empty()) e.exact_keys.push_back(fold_text(e.d.first(a)));
            for (const auto& p : e.d.attrs[A_proxyAddresses]) {
                size_t colon = p.find(':');
                e.exact_keys.push_back(fold_text(colon == std::string::npos ? p : p.substr(colon + 1)));
            }
            e.anr_keys = e.exact_keys;
            for (DirAttr a : {A_givenName, A_sn, A_physicalDeliveryOfficeName})
                if (!e.d.first(a).empty()) e.anr_keys.push_back(fold_text(e.d.first(a)));
            e.exact_keys.push_back(fold_text(e.ldn));
            std::string key(e.guid.b.begin(), e.guid.b.end());
            auto [it, fresh] = mids_.try_emplace(key, next_mid_);
            if (fresh) ++next_mid_;
            e.mid = it->second;
            s->entries.push_back(std::move(e));
        }
        std::sort(s->entries.begin(), s->entries.end(), [](const Entry& a, const Entry& b) {
            return a.sort_key != b.sort_key ? a.sort_key < b.sort_key : a.mid < b.mid;
        });
        for (uint32_t i = 0; i < s->entries.size(); ++i) {
            const Entry& e = s->entries[i];
            s->by_mid[e.mid] = i;
            s->by_ldn[lower(e.ldn)] = i;
            s->by_dn[lower(e.d.dn)] = i;
        }
        if (!lists.empty()) {
            add_directory_lists(*s, lists);
        } else {
            add_generated_lists(*s);
        }
        s->loaded = std::chrono::steady_clock::now();
        LOG_DEBUG("nspi: address book snapshot of %zu entries", s->entries.size());
        return s;
    }

    static int add_container(Snapshot& s, const std::string& name, uint32_t id, uint32_t flags, uint32_t depth,
                             int parent, const Guid& guid) {
        Container c;
        c.mid = kFirstContainerMid + uint32_t(s.containers.size());
        c.id = id == UINT32_MAX ? c.mid : id;
        c.name = name;
        c.guid = guid;
        c.flags = flags;
        c.depth = depth;
        c.parent = parent;
        s.containers.push_back(std::move(c));
        return int(s.containers.size() - 1);
    }

    // No address lists in the directory: the GAL first, then All Address
    // Lists and its children (MS-OXNSPI 3.1.4.1.3).
    static void add_generated_lists(Snapshot& s) {
        auto add = [&](const char* name, uint32_t id, uint32_t flags, uint32_t depth, int parent) {
            return add_container(s, name, id, flags, depth, parent,
                                 name_guid(std::string("mapigate address list ") + name));
        };
        int gal = add("Default Global Address List", 0, AB_RECIPIENTS | AB_UNMODIFIABLE, 0, -1);
        int all = add("All Address Lists", UINT32_MAX, AB_SUBCONTAINERS | AB_UNMODIFIABLE, 0, -1);
        int users = add("All Users", UINT32_MAX, AB_RECIPIENTS | AB_UNMODIFIABLE, 1, all);
        int groups = add("All Groups", UINT32_MAX, AB_RECIPIENTS | AB_UNMODIFIABLE, 1, all);
        int contacts = add("All Contacts", UINT32_MAX, AB_RECIPIENTS | AB_UNMODIFIABLE, 1, all);
        int rooms = add("All Rooms", UINT32_MAX, AB_RECIPIENTS | AB_UNMODIFIABLE, 1, all);
        for (uint32_t i = 0; i < s.entries.size(); ++i) {
            s.containers[size_t(gal)].rows.push_back(i);
            switch (s.entries[i].kind) {
            case Kind::User: s.containers[size_t(users)].rows.push_back(i); break;
            case Kind::Room:
                s.containers[size_t(users)].rows.push_back(i);
                s.containers[size_t(rooms)].rows.push_back(i);
                break;
            case Kind::Group: s.containers[size_t(groups)].rows.push_back(i); break;
            case Kind::Contact: s.containers[size_t(contacts)].rows.push_back(i); break;
            }
        }
    }

    // The directory's address lists (provisioned): the GAL is ContainerID 0,
    // the others keep the directory's hierarchy; a list's rows are the
    // entries the directory matched with its purportedSearch filter.
    static void add_directory_lists(Snapshot& s, const std::vector<DirAddressList>& lists) {
        std::vector<int> index(lists.size(), -1);
        bool have_gal = std::any_of(lists.begin(), lists.end(), [](const DirAddressList& l) { return l.global; });
        if (!have_gal) {  // a directory without a GAL object: the generated one, listing everybody
            int gal = add_container(s, "Default Global Address List", 0, AB_RECIPIENTS | AB_UNMODIFIABLE, 0, -1,
                                    name_guid("mapigate address list Default Global Address List"));
            for (uint32_t i = 0; i < s.entries.size(); ++i) s.containers[size_t(gal)].rows.push_back(i);
        }
        bool gal_done = false;
        for (size_t i = 0; i < lists.size(); ++i) {
            const auto& l = lists[i];
            bool gal = l.global && !gal_done;
            gal_done |= gal;
            int parent = l.parent >= 0 && size_t(l.parent) < i ? index[size_t(l.parent)] : -1;
            uint32_t depth = parent >= 0 ? s.containers[size_t(parent)].depth + 1 : 0;
            bool children = std::any_of(lists.begin(), lists.end(), [&](const DirAddressList& o) {
                return o.parent == int(i);
            });
            uint32_t flags = AB_UNMODIFIABLE | (l.has_filter ? AB_RECIPIENTS : 0) | (children ? AB_SUBCONTAINERS : 0);
            Guid g;
            if (l.guid.size() == 16) std::copy(l.guid.begin(), l.guid.end(), g.b.begin());
            else g = name_guid("mapigate address list " + l.dn);
            index[i] = add_container(s, l.name, gal ? 0 : UINT32_MAX, flags, depth, parent, g);
            auto& rows = s.containers[size_t(index[i])].rows;
            for (const auto& dn : l.members)
                if (auto it = s.by_dn.find(lower(dn)); it != s.by_dn.end()) rows.push_back(it->second);
            std::sort(rows.begin(), rows.end());
            rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
        }
    }

    std::shared_ptr<AddressDirectory> dir_;
    Options opt_;
    std::mutex load_mu_;
    std::shared_ptr<const Snapshot> snap_;
    bool stale_ = false;
    std::unordered_map<std::string, uint32_t> mids_;  // objectGUID -> MId, for the engine's lifetime
    uint32_t next_mid_ = kFirstEntryMid;
};

namespace {

// ------------------------------------------------------------------ property values

// One call's view: which object, in which code page, which entry id form.
struct Ctx {
    const Snapshot& s;
    AddressBook& book;
    uint32_t codepage = 1252;
    bool ephemeral = false;
    uint32_t container_id = 0;
};

// An object of the address book: an entry or a container.
struct Obj {
    const Entry* e = nullptr;
    const Container* c = nullptr;
    uint32_t mid() const { return e ? e->mid : c->mid; }
};

Obj find_obj(const Snapshot& s, uint32_t mid) {
    Obj o;
    o.e = s.entry(mid);
    if (!o.e) o.c = s.container_by_mid(mid);
    return o;
}

bool is_string(uint16_t t) { return t == PT_UNICODE || t == PT_STRING8; }
bool is_mv_string(uint16_t t) { return t == PT_MV_UNICODE || t == PT_MV_STRING8; }

// A string property in the requested type (PT_UNSPECIFIED = native Unicode).
std::optional<PropValue> str_value(PropTag tag, const std::string& v) {
    uint16_t t = prop_type(tag);
    if (v.empty()) return std::nullopt;
    if (t == PT_UNSPECIFIED) return PropValue::str(change_type(tag, PT_UNICODE), v);
    if (!is_string(t)) return std::nullopt;
    return PropValue::str(tag, v);
}
std::optional<PropValue> mv_str_value(PropTag tag, std::vector<std::string> v) {
    uint16_t t = prop_type(tag);
    if (v.empty()) return std::nullopt;
    if (t == PT_UNSPECIFIED) tag = change_type(tag, PT_MV_UNICODE);
    else if (!is_mv_string(t)) return std::nullopt;
    PropValue p;
    p.tag = tag;
    p.value = std::move(v);
    return p;
}
std::optional<PropValue> long_value(PropTag tag, uint32_t v) {
    uint16_t t = prop_type(tag);
    if (t != PT_LONG && t != PT_UNSPECIFIED) return std::nullopt;
    return PropValue::i32(change_type(tag, PT_LONG), int32_t(v));
}
std::optional<PropValue> bin_value(PropTag tag, Bytes v) {
    uint16_t t = prop_type(tag);
    if (t != PT_BINARY && t != PT_UNSPECIFIED) return std::nullopt;
    return PropValue::bin(change_type(tag, PT_BINARY), std::move(v));
}
std::optional<PropValue> bool_value(PropTag tag, bool v) {
    uint16_t t = prop_type(tag);
    if (t != PT_BOOLEAN && t != PT_UNSPECIFIED) return std::nullopt;
    return PropValue::boolean(change_type(tag, PT_BOOLEAN), v);
}

// The 7-bit display name (PidTagAddressBookDisplayNamePrintable).
std::string printable(const std::string& s) {
    std::string out;
    for (unsigned char ch : s)
        if (ch >= 0x20 && ch < 0x7F) out.push_back(char(ch));
        else if ((ch & 0xC0) != 0x80 && ch >= 0x80) out.push_back('?');
    return out;
}

std::optional<PropValue> container_prop(const Ctx& cx, const Container& c, PropTag tag) {
    switch (prop_id(tag)) {
    case 0x0FFF: return bin_value(tag, permanent_entry_id(DT_CONTAINER, c.dn()));
    case 0x0FF6: {
        ByteWriter w;
        w.u32(c.mid);
        return bin_value(tag, w.take());
    }
    case 0x0FFE: return long_value(tag, MAPI_ABCONT);
    case 0x3900: return long_value(tag, DT_CONTAINER);
    case 0x3001: return str_value(tag, c.name);
    case 0x3600: return long_value(tag, c.flags);
    case 0x3005: return long_value(tag, c.depth);
    case 0xFFFD: return long_value(tag, c.id);
    case 0xFFFB: return bool_value(tag, false);
    case 0xFFFC:
        if (c.parent < 0) return std::nullopt;
        return bin_value(tag, permanent_entry_id(DT_CONTAINER, cx.s.containers[size_t(c.parent)].dn()));
    default: return std::nullopt;
    }
}

std::vector<std::string> link_ldns(const Ctx& cx, const Entry& e, DirAttr a) {
    std::vector<std::string> out;
    for (const auto& dn : e.d.attrs[a]) {
        auto it = cx.s.by_dn.find(lower(dn));
        if (it != cx.s.by_dn.end()) out.push_back(cx.s.entries[it->second].ldn);  // hidden targets stay hidden
    }
    return out;
}

// The value of `tag` on entry `e` in the type the tag asks for, or nullopt.
// `large` is filled on first need (photo, certificates).
std::optional<PropValue> entry_prop(const Ctx& cx, const Entry& e, PropTag tag, std::optional<LargeAttrs>& large) {
    uint16_t id = prop_id(tag);
    bool ex = !e.d.first(A_legacyExchangeDN).empty();
    if (auto a = string_attr(id)) return str_value(tag, e.d.first(*a));
    if (auto a = link_attr(id)) {
        auto ldns = link_ldns(cx, e, *a);
        if (ldns.empty()) return std::nullopt;
        uint16_t t = prop_type(tag);
        if (t == PT_OBJECT) {  // the object exists: lReserved (3.1.4.1.7)
            PropValue p;
            p.tag = tag;
            return p;
        }
        if (is_string(t)) return str_value(tag, ldns.front());
        return mv_str_value(tag, std::move(ldns));
    }
    switch (id) {
    case 0x0FFF:  // PR_ENTRYID
        return bin_value(tag, cx.ephemeral ? ephemeral_entry_id(cx.book.opt().server_guid, e.display_type(), e.mid)
                                           : permanent_entry_id(e.display_type(), e.ldn));
    case 0x0FF9: return bin_value(tag, permanent_entry_id(e.display_type(), e.ldn));  // PR_RECORD_KEY
    case 0x0FF6: {  // PR_INSTANCE_KEY
        ByteWriter w;
        w.u32(e.mid);
        return bin_value(tag, w.take());
    }
    case 0x300B: {  // PR_SEARCH_KEY: "<addrtype>:<address>" upper-cased, NUL-terminated
        std::string k = ex ? "EX:" + e.ldn : "SMTP:" + e.d.first(A_mail);
        std::transform(k.begin(), k.end(), k.begin(), [](unsigned char ch) { return char(std::toupper(ch)); });
        Bytes b(k.begin(), k.end());
        b.push_back(0);
        return bin_value(tag, std::move(b));
    }
    case 0x0FFE: return long_value(tag, e.kind == Kind::Group ? MAPI_DISTLIST : MAPI_MAILUSER);
    case 0x3900: return long_value(tag, e.display_type());
    case 0x3905: return long_value(tag, e.kind == Kind::Room ? DT_ROOM : e.display_type());
    case 0x3001:
    case 0x3A20: return str_value(tag, e.display_name());
    case 0x39FF: {
        const std::string& p = e.d.first(A_displayNamePrintable);
        return str_value(tag, p.empty() ? printable(e.display_name()) : p);
    }
    case 0x39FE: return str_value(tag, e.d.first(A_mail));
    case 0x3003: return str_value(tag, ex ? e.ldn : e.d.first(A_mail));
    case 0x3002: return str_value(tag, ex ? "EX" : "SMTP");
    case 0x800F: return mv_str_value(tag, e.d.attrs[A_proxyAddresses]);
    case 0x8006: {  // home MDB: the server's legacy DN + the private MDB
        if (e.d.first(A_homeMDB).empty() || e.d.first(A_msExchHomeServerName).empty()) return std::nullopt;
        return str_value(tag, e.d.first(A_msExchHomeServerName) + "/cn=Microsoft Private MDB");
    }
    case 0x8007: return str_value(tag, e.d.first(A_msExchHomeServerName));
    case 0x8C6D: return bin_value(tag, Bytes(e.guid.b.begin(), e.guid.b.end()));
    case 0xFFFD: return long_value(tag, cx.container_id);
    case 0x3A40: return bool_value(tag, true);
    case 0x8C9E:
    case 0x8C6A:
    case 0x3A70: {
        if (!large) large = cx.book.dir().large_attributes(e.d.dn);
        if (id == 0x8C9E) {
            if (large->photo.empty()) return std::nullopt;
            return bin_value(tag, large->photo.front());
        }
        if (large->certs.empty()) return std::nullopt;
        uint16_t t = prop_type(tag);
        if (t != PT_MV_BINARY && t != PT_UNSPECIFIED) return std::nullopt;
        PropValue p;
        p.tag = change_type(tag, PT_MV_BINARY);
        p.value = large->certs;
        return p;
    }
    default: return std::nullopt;
    }
}

std::optional<PropValue> obj_prop(const Ctx& cx, const Obj& o, PropTag tag, std::optional<LargeAttrs>& large) {
    if (o.e) return entry_prop(cx, *o.e, tag, large);
    if (o.c) return container_prop(cx, *o.c, tag);
    return std::nullopt;
}

// 8-bit strings in a client's code page. Code page 0 (what some clients
// leave in STAT) and code pages iconv does not know read as Windows-1252.
std::string to_codepage(const std::string& utf8, uint32_t cp) {
    try {
        return utf8_to_string8(utf8, cp == 0 ? 1252 : cp, true);
    } catch (const std::exception&) {
        return utf8_to_string8(utf8, 1252, true);
    }
}
bool codepage_known(uint32_t cp) {
    try {
        utf8_to_string8("a", cp);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}
std::string from_codepage(const std::string& bytes, uint32_t cp) {
    try {
        return string8_to_utf8(bytes, cp == 0 ? 1252 : cp);
    } catch (const std::exception&) {
        return string8_to_utf8(bytes, 1252);
    }
}

// The wire form of a value: PT_STRING8 in the session's code page (or, for
// CP_WINUNICODE, PT_UNICODE as 3.1.4.1.7 requires).
PropValue to_wire(const Ctx& cx, PropValue v) {
    uint16_t t = prop_type(v.tag);
    if (t == PT_STRING8) {
        if (cx.codepage == CP_WINUNICODE) return PropValue::str(change_type(v.tag, PT_UNICODE), v.as_str());
        v.value = to_codepage(v.as_str(), cx.codepage);
    } else if (t == PT_MV_STRING8) {
        if (cx.codepage == CP_WINUNICODE) {
            v.tag = change_type(v.tag, PT_MV_UNICODE);
            return v;
        }
        for (auto& s : std::get<std::vector<std::string>>(v.value)) s = to_codepage(s, cx.codepage);
    }
    return v;
}

// One row of `tags` for `o`; missing values are PT_ERROR ecNotFound and set `errors`.
ox::PropertyRow make_row(const Ctx& cx, const Obj& o, const std::vector<PropTag>& tags, bool& errors) {
    ox::PropertyRow row;
    row.props.reserve(tags.size());
    std::optional<LargeAttrs> large;
    for (PropTag t : tags) {
        auto v = obj_prop(cx, o, t, large);
        if (v) {
            row.props.push_back(to_wire(cx, std::move(*v)));
        } else {
            row.props.push_back(PropValue::error(t, ec::NotFound));
            errors = true;
        }
    }
    return row;
}

// A Unicode string tag as its 8-bit form (other tags unchanged).
PropTag to_string8(PropTag t) {
    uint16_t ty = prop_type(t);
    return ty == PT_UNICODE ? change_type(t, PT_STRING8) : ty == PT_MV_UNICODE ? change_type(t, PT_MV_STRING8) : t;
}

// Tags of every property `o` has (NspiGetPropList; GetProps without pPropTags).
std::vector<PropTag> props_of(const Ctx& cx, const Obj& o, bool unicode) {
    std::vector<PropTag> out;
    std::optional<LargeAttrs> large;
    static const std::vector<PropTag> container_cols = {PR_ENTRYID, PR_INSTANCE_KEY, PR_OBJECT_TYPE, PR_DISPLAY_TYPE,
                                                        PR_DISPLAY_NAME, PR_CONTAINER_FLAGS, PR_DEPTH,
                                                        PR_EMS_AB_CONTAINERID, PR_EMS_AB_IS_MASTER,
                                                        PR_EMS_AB_PARENT_ENTRYID};
    for (PropTag t : o.c ? container_cols : kAllColumns) {
        if (t == PR_EMS_AB_CONTAINERID && o.e) continue;
        if (!obj_prop(cx, o, t, large)) continue;
        out.push_back(unicode ? t : to_string8(t));
    }
    return out;
}

// ------------------------------------------------------------------ ANR and restrictions

// Ambiguous name resolution (MS-OXNSPI 3.1.4.7): a case-insensitive prefix
// of the display name or of one of its words, the given name, surname,
// account, alias, office, or of an address (mail, proxy addresses without
// their "smtp:" prefix, legacy DN). A leading '=' asks for an exact match of
// the account, alias or an address.
// `q` folded; `exact` for the "=text" form.
bool anr_match_folded(const Entry& e, const std::string& q, bool exact) {
    if (q.empty()) return false;
    if (exact) return std::find(e.exact_keys.begin(), e.exact_keys.end(), q) != e.exact_keys.end();
    const std::string& dn = e.sort_key;
    for (size_t pos = 0; pos < dn.size();) {
        if (dn.compare(pos, q.size(), q) == 0) return true;
        size_t sp = dn.find(' ', pos);
        if (sp == std::string::npos) break;
        pos = sp + 1;
    }
    for (const auto& k : e.anr_keys)
        if (k.compare(0, q.size(), q) == 0) return true;
    return false;
}

bool anr_match(const Entry& e, const std::string& text) {
    if (text.empty()) return false;
    bool exact = text[0] == '=';
    std::string q = fold_text(exact ? text.substr(1) : text);
    return anr_match_folded(e, q, exact);
}

bool matches(const Ctx& cx, const Restriction& r, const Entry& e, int depth = 0) {
    if (depth > ox::kMaxRestrictionDepth) return false;
    switch (r.type) {
    case Restriction::And:
        return std::all_of(r.children.begin(), r.children.end(),
                           [&](const Restriction& c) { return matches(cx, c, e, depth + 1); });
    case Restriction::Or:
        return std::any_of(r.children.begin(), r.children.end(),
                           [&](const Restriction& c) { return matches(cx, c, e, depth + 1); });
    case Restriction::Not: return !r.children.empty() && !matches(cx, r.children[0], e, depth + 1);
    case Restriction::Property:
    case Restriction::Content:
        if (prop_id(r.tag) == prop_id(PR_ANR) && r.value && std::holds_alternative<std::string>(r.value->value)) {
            std::string text = r.value->as_str();
            if (prop_type(r.value->tag) == PT_STRING8) text = from_codepage(text, cx.codepage);
            return anr_match(e, text);
        }
        break;
    default: break;
    }
    std::optional<LargeAttrs> large;
    // PT_STRING8 comparands arrive in the session's code page: compare as UTF-8.
    Restriction copy;
    const Restriction* use = &r;
    if (r.value && prop_type(r.value->tag) == PT_STRING8) {
        copy = r;
        copy.value->value = from_codepage(r.value->as_str(), cx.codepage);
        use = &copy;
    }
    PropGetter get = [&](PropTag t) -> std::optional<PropValue> {
        if (prop_id(t) == 0x8C9E || prop_id(t) == 0x8C6A || prop_id(t) == 0x3A70) return std::nullopt;  // no LDAP reads per row
        return entry_prop(cx, e, t, large);
    };
    return evaluate(*use, get);
}

// ------------------------------------------------------------------ sessions

struct Session {
    std::string sid;
    uint64_t conn_id = 0;
    std::string user_ldn;  // the caller's legacyExchangeDN ("" when no mailbox)
};

ipc::Reply reply(Bytes b) { return ipc::Reply{0, std::move(b)}; }

}  // namespace

struct NspiServer::Impl {
    Impl(std::shared_ptr<AddressDirectory> dir, std::shared_ptr<emsmdb::UserDirectory> u, Options o)
        : book(std::move(dir), std::move(o)), users(std::move(u)) {}

    AddressBook book;
    std::shared_ptr<emsmdb::UserDirectory> users;
    mutable std::mutex mu;
    std::map<Uuid, Session> sessions;

    std::optional<Session> session(const ndr::ContextHandle& h, const ipc::Call& c) {
        std::lock_guard<std::mutex> lk(mu);
        auto it = sessions.find(h.uuid);
        if (it == sessions.end() || it->second.sid != c.who.user_sid()) return std::nullopt;
        return it->second;
    }

    Ctx ctx(const Snapshot& s, const ox::Stat& st, uint32_t flags = 0) {
        Ctx cx{s, book};
        cx.codepage = st.CodePage;
        cx.ephemeral = (flags & fEphID) != 0;
        cx.container_id = st.ContainerID;
        return cx;
    }

    // The table position the STAT names (3.1.4.5.1? "Positioning"): -1 when
    // CurrentRec is an MId that is not in the table.
    static long position(const std::vector<uint32_t>& rows, const Snapshot& s, const ox::Stat& st) {
        long n = long(rows.size());
        switch (st.CurrentRec) {
        case MID_BEGINNING_OF_TABLE: return 0;
        case MID_END_OF_TABLE: return n;
        case MID_CURRENT: return std::min<long>(long(st.NumPos), n);
        default: {
            auto it = s.by_mid.find(st.CurrentRec);
            if (it == s.by_mid.end()) return -1;
            auto p = std::lower_bound(rows.begin(), rows.end(), it->second);
            if (p == rows.end() || *p != it->second) return -1;
            return long(p - rows.begin());
        }
        }
    }
    static void set_position(ox::Stat& st, const std::vector<uint32_t>& rows, const Snapshot& s, long pos) {
        long n = long(rows.size());
        pos = std::clamp<long>(pos, 0, n);
        st.CurrentRec = pos >= n ? MID_END_OF_TABLE : s.entries[rows[size_t(pos)]].mid;
        st.NumPos = uint32_t(pos);
        st.TotalRecs = uint32_t(n);
        st.Delta = 0;
    }

    ipc::Reply call(const ipc::Call& c);
    ipc::Reply bind(const ipc::Call& c);
    ipc::Reply unbind(const ipc::Call& c);
    ipc::Reply update_stat(const ipc::Call& c);
    ipc::Reply query_rows(const ipc::Call& c);
    ipc::Reply seek_entries(const ipc::Call& c);
    ipc::Reply get_matches(const ipc::Call& c);
    ipc::Reply resort(const ipc::Call& c);
    ipc::Reply dn_to_mid(const ipc::Call& c);
    ipc::Reply get_prop_list(const ipc::Call& c);
    ipc::Reply get_props(const ipc::Call& c);
    ipc::Reply compare_mids(const ipc::Call& c);
    ipc::Reply mod_props(const ipc::Call& c);
    ipc::Reply special_table(const ipc::Call& c);
    ipc::Reply template_info(const ipc::Call& c);
    ipc::Reply mod_link_att(const ipc::Call& c);
    ipc::Reply delete_entries(const ipc::Call& c);
    ipc::Reply query_columns(const ipc::Call& c);
    ipc::Reply names_from_ids(const ipc::Call& c);
    ipc::Reply ids_from_names(const ipc::Call& c);
    template <class Req> ipc::Reply resolve_names(const ipc::Call& c);
};

#define MG_NSPI_SESSION(req)                                                      \
    auto sess = session((req).handle, c);                                         \
    if (!sess) return ipc::Reply{ipc::fault::kContextMismatch, {}};               \
    (void)sess

ipc::Reply NspiServer::Impl::call(const ipc::Call& c) {
    using O = ox::Opnum;
    switch (O(c.opnum)) {
    case O::Bind: return bind(c);
    case O::Unbind: return unbind(c);
    case O::UpdateStat: return update_stat(c);
    case O::QueryRows: return query_rows(c);
    case O::SeekEntries: return seek_entries(c);
    case O::GetMatches: return get_matches(c);
    case O::ResortRestriction: return resort(c);
    case O::DNToMId: return dn_to_mid(c);
    case O::GetPropList: return get_prop_list(c);
    case O::GetProps: return get_props(c);
    case O::CompareMIds: return compare_mids(c);
    case O::ModProps: return mod_props(c);
    case O::GetSpecialTable: return special_table(c);
    case O::GetTemplateInfo: return template_info(c);
    case O::ModLinkAtt: return mod_link_att(c);
    case O::DeleteEntries: return delete_entries(c);
    case O::QueryColumns: return query_columns(c);
    case O::GetNamesFromIDs: return names_from_ids(c);
    case O::GetIDsOfNames: return ids_from_names(c);
    case O::ResolveNames: return resolve_names<ox::ResolveNamesRequest>(c);
    case O::ResolveNamesW: return resolve_names<ox::ResolveNamesWRequest>(c);
    }
    return ipc::Reply{ipc::fault::kOpRangeError, {}};
}

// 3.1.4.1.1 NspiBind
ipc::Reply NspiServer::Impl::bind(const ipc::Call& c) {
    auto rq = ox::BindRequest::decode(c.stub);
    ox::BindResponse rs;
    rs.serverGuid = rq.serverGuid;
    // Authenticated callers only: Samba gives the engine the caller's SIDs.
    if (c.who.user_sid().empty() || c.who.auth_type == 0) {
        rs.result = ec::LogonFailed;
        return reply(rs.encode());
    }
    if (rq.stat.CodePage == CP_WINUNICODE) {  // 3.1.4.1.1: CP_WINUNICODE is not a bind code page
        rs.result = ec::InvalidCodepage;
        return reply(rs.encode());
    }
    Session s;
    s.sid = c.who.user_sid();
    s.conn_id = c.conn_id;
    if (users) {
        try {
            if (auto u = users->find_by_sid(s.sid)) s.user_ldn = u->legacy_dn;
        } catch (const std::exception& e) {
            LOG_WARN("nspi: caller lookup failed: %s", e.what());
        }
    }
    book.current();  // fail the bind, not a later call, when the directory is unreachable
    Uuid id{};
    {
        std::lock_guard<std::mutex> lk(mu);
        size_t mine = 0;
        for (const auto& [k, v] : sessions) mine += v.sid == s.sid;
        if (mine >= book.opt().max_sessions_per_user) {
            rs.result = ec::GeneralFailure;
            return reply(rs.encode());
        }
        std::random_device rd;
        do {
            for (auto& b : id) b = uint8_t(rd());
        } while (sessions.count(id) || std::all_of(id.begin(), id.end(), [](uint8_t b) { return b == 0; }));
        sessions[id] = s;
    }
    if (rs.serverGuid) rs.serverGuid = book.opt().server_guid;
    rs.handle.uuid = id;
    return reply(rs.encode());
}

// 3.1.4.1.2 NspiUnbind
ipc::Reply NspiServer::Impl::unbind(const ipc::Call& c) {
    auto rq = ox::UnbindRequest::decode(c.stub);
    ox::UnbindResponse rs;
    {
        std::lock_guard<std::mutex> lk(mu);
        auto it = sessions.find(rq.handle.uuid);
        if (it == sessions.end() || it->second.sid != c.who.user_sid())
            return ipc::Reply{ipc::fault::kContextMismatch, {}};
        sessions.erase(it);
    }
    rs.result = ec::UnbindSuccess;
    return reply(rs.encode());
}

// 3.1.4.1.4 NspiUpdateStat
ipc::Reply NspiServer::Impl::update_stat(const ipc::Call& c) {
    auto rq = ox::UpdateStatRequest::decode(c.stub);
    MG_NSPI_SESSION(rq);
    ox::UpdateStatResponse rs;
    rs.stat = rq.stat;
    auto s = book.current();
    const Container* ct = s->container(rq.stat.ContainerID);
    long pos = ct ? position(ct->rows, *s, rq.stat) : -1;
    if (!ct || pos < 0) {
        rs.result = ct ? ec::NotFound : ec::InvalidBookmark;
        return reply(rs.encode());
    }
    long to = std::clamp<long>(pos + rq.stat.Delta, 0, long(ct->rows.size()));
    set_position(rs.stat, ct->rows, *s, to);
    if (rq.delta) rs.delta = int32_t(to - pos);
    return reply(rs.encode());
}

// 3.1.4.1.8 NspiQueryRows
ipc::Reply NspiServer::Impl::query_rows(const ipc::Call& c) {
    auto rq = ox::QueryRowsRequest::decode(c.stub);
    MG_NSPI_SESSION(rq);
    ox::QueryRowsResponse rs;
    rs.stat = rq.stat;
    if (rq.Count == 0 || rq.stat.CodePage == CP_WINUNICODE) {
        rs.result = rq.Count == 0 ? ec::InvalidParameter : ec::InvalidCodepage;
        return reply(rs.encode());
    }
    auto s = book.current();
    Ctx cx = ctx(*s, rq.stat, rq.dwFlags);
    const std::vector<PropTag>& tags = rq.propTags ? rq.propTags->values : kDefaultColumns;
    ox::PropertyRowSet set;
    bool errors = false;
    if (rq.eTable) {
        // An Explicit Table (3.1.4.4.2): the rows are the given MIds in order;
        // the position is NumPos within it.
        long n = long(rq.eTable->size());
        long pos = std::clamp<long>(long(rq.stat.NumPos) + rq.stat.Delta, 0, n);
        long end = std::min<long>(n, pos + long(rq.Count));
        for (long i = pos; i < end; ++i) set.rows.push_back(make_row(cx, find_obj(*s, (*rq.eTable)[size_t(i)]), tags, errors));
        rs.stat.NumPos = uint32_t(end);
        rs.stat.CurrentRec = end >= n ? MID_END_OF_TABLE : (*rq.eTable)[size_t(end)];
        rs.stat.TotalRecs = uint32_t(n);
        rs.stat.Delta = 0;
    } else {
        const Container* ct = s->container(rq.stat.ContainerID);
        long pos = ct ? position(ct->rows, *s, rq.stat) : -1;
        if (!ct || pos < 0) {
            rs.result = ct ? ec::NotFound : ec::InvalidBookmark;
            return reply(rs.encode());
        }
        long n = long(ct->rows.size());
        pos = std::clamp<long>(pos + rq.stat.Delta, 0, n);
        long end = std::min<long>(n, pos + long(rq.Count));
        set.rows.reserve(size_t(end - pos));
        for (long i = pos; i < end; ++i) {
            Obj o;
            o.e = &s->entries[ct->rows[size_t(i)]];
            set.rows.push_back(make_row(cx, o, tags, errors));
        }
        set_position(rs.stat, ct->rows, *s, end);
    }
    rs.rows = std::move(set);
    return reply(rs.encode());
}

// 3.1.4.1.9 NspiSeekEntries
ipc::Reply NspiServer::Impl::seek_entries(const ipc::Call& c) {
    auto rq = ox::SeekEntriesRequest::decode(c.stub);
    MG_NSPI_SESSION(rq);
    ox::QueryRowsResponse rs;
    rs.stat = rq.stat;
    if (rq.stat.SortType != 0 /* SortTypeDisplayName */ || prop_id(rq.target.tag) != prop_id(PR_DISPLAY_NAME) ||
        !std::holds_alternative<std::string>(rq.target.value)) {
        rs.result = ec::GeneralFailure;  // 3.1.4.1.9 constraints 9 and 10
        return reply(rs.encode());
    }
    auto s = book.current();
    Ctx cx = ctx(*s, rq.stat);
    std::string target = rq.target.as_str();
    if (prop_type(rq.target.tag) == PT_STRING8) target = from_codepage(target, cx.codepage);
    std::string key = fold_text(target);
    std::vector<uint32_t> rows;
    if (rq.eTable) {
        for (uint32_t mid : rq.eTable->values)
            if (auto it = s->by_mid.find(mid); it != s->by_mid.end()) rows.push_back(it->second);
        std::sort(rows.begin(), rows.end());
    } else {
        const Container* ct = s->container(rq.stat.ContainerID);
        if (!ct) {
            rs.result = ec::InvalidBookmark;
            return reply(rs.encode());
        }
        rows = ct->rows;
    }
    auto it = std::lower_bound(rows.begin(), rows.end(), key,
                               [&](uint32_t i, const std::string& k) { return s->entries[i].sort_key < k; });
    if (it == rows.end()) {
        rs.result = ec::NotFound;
        return reply(rs.encode());
    }
    long pos = long(it - rows.begin());
    set_position(rs.stat, rows, *s, pos);
    if (rq.propTags) {
        ox::PropertyRowSet set;
        bool errors = false;
        for (auto r = it; r != rows.end(); ++r) {
            Obj o;
            o.e = &s->entries[*r];
            set.rows.push_back(make_row(cx, o, rq.propTags->values, errors));
        }
        rs.rows = std::move(set);
    }
    return reply(rs.encode());
}

// 3.1.4.1.10 NspiGetMatches
ipc::Reply NspiServer::Impl::get_matches(const ipc::Call& c) {
    auto rq = ox::GetMatchesRequest::decode(c.stub);
    MG_NSPI_SESSION(rq);
    ox::GetMatchesResponse rs;
    rs.stat = rq.stat;
    auto fail = [&](uint32_t e) { rs.result = e; return reply(rs.encode()); };
    if (rq.stat.SortType != 0 && rq.stat.SortType != 2 /* SortTypePhoneticDisplayName? unsupported */)
        return fail(ec::GeneralFailure);
    auto s = book.current();
    Ctx cx = ctx(*s, rq.stat);
    std::vector<uint32_t> mids;
    if (rq.filter) {
        const Container* ct = s->container(rq.stat.ContainerID);
        if (!ct) return fail(ec::InvalidBookmark);
        for (uint32_t i : ct->rows) {
            if (matches(cx, *rq.filter, s->entries[i])) {
                mids.push_back(s->entries[i].mid);
                if (mids.size() > rq.ulRequested) return fail(ec::TableTooBig);
            }
        }
    } else {
        // "Matches on an object" (constraints 9 - 15): no Filter; CurrentRec
        // names the object, and the property whose values (links to other
        // objects) make the table is lpPropName when given, else the proptag
        // in ContainerID. The address book has no named properties: a name
        // is meaningful only in the PS_MAPI set, where its lID is the
        // property id (MS-OXCDATA 2.6.1).
        std::optional<DirAttr> attr;
        if (rq.propName) {
            static const Guid kPsMapi = Guid::parse("00020328-0000-0000-c000-000000000046");
            bool mapi = !rq.propName->guid || *rq.propName->guid == kPsMapi;
            uint32_t id = uint32_t(rq.propName->id);
            if (mapi) attr = link_attr(uint16_t(id > 0xFFFF ? id >> 16 : id));
        } else {
            attr = link_attr(prop_id(rq.stat.ContainerID));
        }
        const Entry* e = s->entry(rq.stat.CurrentRec);
        if (!e) return fail(ec::GeneralFailure);  // constraint 10
        if (!attr) return fail(ec::NotSupported);  // constraint 12
        std::vector<uint32_t> idx;
        for (const auto& dn : e->d.attrs[*attr])
            if (auto it = s->by_dn.find(lower(dn)); it != s->by_dn.end()) idx.push_back(it->second);
        std::sort(idx.begin(), idx.end());  // constraint 14: display name order
        idx.erase(std::unique(idx.begin(), idx.end()), idx.end());
        if (idx.size() > rq.ulRequested) return fail(ec::TableTooBig);
        for (uint32_t i : idx) mids.push_back(s->entries[i].mid);
        cx.container_id = 0;
        rs.stat.ContainerID = rq.stat.CurrentRec;  // constraint 15: nothing else changes
    }
    if (rq.filter) {
        rs.stat.CurrentRec = MID_BEGINNING_OF_TABLE;
        rs.stat.NumPos = 0;
        rs.stat.TotalRecs = uint32_t(mids.size());
        rs.stat.Delta = 0;
    }
    if (rq.propTags) {
        ox::PropertyRowSet set;
        bool errors = false;
        for (uint32_t m : mids) set.rows.push_back(make_row(cx, find_obj(*s, m), rq.propTags->values, errors));
        rs.rows = std::move(set);
    }
    rs.outMIds = ox::TagArray{std::move(mids)};
    return reply(rs.encode());
}

// 3.1.4.1.11 NspiResortRestriction
ipc::Reply NspiServer::Impl::resort(const ipc::Call& c) {
    auto rq = ox::ResortRestrictionRequest::decode(c.stub);
    MG_NSPI_SESSION(rq);
    ox::ResortRestrictionResponse rs;
    rs.stat = rq.stat;
    if (rq.stat.SortType != 0) {
        rs.result = ec::GeneralFailure;
        return reply(rs.encode());
    }
    auto s = book.current();
    std::vector<uint32_t> idx;
    std::set<uint32_t> seen;
    for (uint32_t m : rq.inMIds.values)
        if (auto it = s->by_mid.find(m); it != s->by_mid.end() && seen.insert(m).second) idx.push_back(it->second);
    std::sort(idx.begin(), idx.end());
    ox::TagArray out;
    for (uint32_t i : idx) out.values.push_back(s->entries[i].mid);
    long pos = 0;
    if (rq.stat.CurrentRec > MID_END_OF_TABLE) {
        auto it = std::find(out.values.begin(), out.values.end(), rq.stat.CurrentRec);
        pos = it == out.values.end() ? 0 : long(it - out.values.begin());
    }
    rs.stat.CurrentRec = out.values.empty() ? MID_END_OF_TABLE : out.values[size_t(pos)];
    rs.stat.NumPos = uint32_t(pos);
    rs.stat.TotalRecs = uint32_t(out.values.size());
    rs.outMIds = std::move(out);
    return reply(rs.encode());
}

// 3.1.4.1.13 NspiDNToMId: legacy DNs (and "/guid=" container DNs) to MIds; 0 when unknown.
ipc::Reply NspiServer::Impl::dn_to_mid(const ipc::Call& c) {
    auto rq = ox::DNToMIdRequest::decode(c.stub);
    MG_NSPI_SESSION(rq);
    auto s = book.current();
    ox::TagArrayResponse rs;
    ox::TagArray out;
    for (const auto& n : rq.names) {
        uint32_t mid = 0;
        if (n) {
            std::string l = lower(*n);
            if (auto it = s->by_ldn.find(l); it != s->by_ldn.end()) mid = s->entries[it->second].mid;
            else
                for (const auto& ct : s->containers)
                    if (lower(ct.dn()) == l) mid = ct.mid;
        }
        out.values.push_back(mid);
    }
    rs.tags = std::move(out);
    return reply(rs.encode());
}

// 3.1.4.1.6 NspiGetPropList
ipc::Reply NspiServer::Impl::get_prop_list(const ipc::Call& c) {
    auto rq = ox::GetPropListRequest::decode(c.stub);
    MG_NSPI_SESSION(rq);
    ox::TagArrayResponse rs;
    auto s = book.current();
    Obj o = find_obj(*s, rq.dwMId);
    if (!o.e && !o.c) {
        rs.result = ec::InvalidObject;
        return reply(rs.encode());
    }
    ox::Stat st;
    st.CodePage = rq.CodePage;
    Ctx cx = ctx(*s, st);
    rs.tags = ox::TagArray{props_of(cx, o, rq.CodePage == CP_WINUNICODE)};
    return reply(rs.encode());
}

// 3.1.4.1.7 NspiGetProps
ipc::Reply NspiServer::Impl::get_props(const ipc::Call& c) {
    auto rq = ox::GetPropsRequest::decode(c.stub);
    MG_NSPI_SESSION(rq);
    ox::RowResponse rs;
    auto s = book.current();
    Ctx cx = ctx(*s, rq.stat, rq.dwFlags);
    Obj o = find_obj(*s, rq.stat.CurrentRec);
    if (!o.e && !o.c) {
        rs.result = ec::ErrorsReturned;
        ox::PropertyRow row;
        if (rq.propTags)
            for (PropTag t : rq.propTags->values) row.props.push_back(PropValue::error(t, ec::NotFound));
        rs.row = std::move(row);
        return reply(rs.encode());
    }
    std::vector<PropTag> tags = rq.propTags ? rq.propTags->values : props_of(cx, o, rq.stat.CodePage == CP_WINUNICODE);
    bool errors = false;
    rs.row = make_row(cx, o, tags, errors);
    rs.result = errors ? ec::ErrorsReturned : ec::Success;
    return reply(rs.encode());
}

// 3.1.4.1.14 NspiCompareMIds: positions of both MIds in the STAT's container.
ipc::Reply NspiServer::Impl::compare_mids(const ipc::Call& c) {
    auto rq = ox::CompareMIdsRequest::decode(c.stub);
    MG_NSPI_SESSION(rq);
    ox::CompareMIdsResponse rs;
    auto s = book.current();
    const Container* ct = s->container(rq.stat.ContainerID);
    auto pos = [&](uint32_t mid) -> long {
        if (!ct) return -1;
        ox::Stat st = rq.stat;
        st.CurrentRec = mid;
        return mid <= MID_END_OF_TABLE ? -1 : position(ct->rows, *s, st);
    };
    long a = pos(rq.MId1), b = pos(rq.MId2);
    if (a < 0 || b < 0) {
        rs.result = ec::GeneralFailure;  // 3.1.4.1.14: an MId that is not in the table
        return reply(rs.encode());
    }
    rs.lResult = a < b ? -1 : a > b ? 1 : 0;
    return reply(rs.encode());
}

// 3.1.4.1.15 NspiModProps: a user may change the certificates of their own
// entry (PidTagUserX509Certificate / PidTagAddressBookX509Certificate);
// anything else is AccessDenied.
ipc::Reply NspiServer::Impl::mod_props(const ipc::Call& c) {
    auto rq = ox::ModPropsRequest::decode(c.stub);
    MG_NSPI_SESSION(rq);
    ox::ResultResponse rs;
    auto s = book.current();
    const Entry* e = s->entry(rq.stat.CurrentRec);
    if (!e) {
        rs.result = ec::InvalidObject;
        return reply(rs.encode());
    }
    if (sess->user_ldn.empty() || lower(sess->user_ldn) != lower(e->ldn)) {
        rs.result = ec::AccessDenied;
        return reply(rs.encode());
    }
    for (const auto& p : rq.row.props) {
        uint16_t id = prop_id(p.tag);
        if ((id != 0x3A70 && id != 0x8C6A) || prop_type(p.tag) != PT_MV_BINARY) {
            rs.result = ec::AccessDenied;
            return reply(rs.encode());
        }
    }
    // pPropTags lists properties to remove: only the certificate ones are ours to remove.
    if (rq.propTags)
        for (PropTag t : rq.propTags->values)
            if (prop_id(t) != 0x3A70 && prop_id(t) != 0x8C6A) {
                rs.result = ec::AccessDenied;
                return reply(rs.encode());
            }
    try {
        if (rq.propTags)
            for (PropTag t : rq.propTags->values)
                book.dir().replace_binary(e->d.dn, prop_id(t) == 0x3A70 ? "userSMIMECertificate" : "userCertificate", {});
        for (const auto& p : rq.row.props) {
            const char* attr = prop_id(p.tag) == 0x3A70 ? "userSMIMECertificate" : "userCertificate";
            book.dir().replace_binary(e->d.dn, attr, std::get<std::vector<Bytes>>(p.value));
        }
    } catch (const std::exception& ex) {
        LOG_WARN("nspi: NspiModProps on %s failed: %s", e->d.dn.c_str(), ex.what());
        rs.result = ec::GeneralFailure;
    }
    return reply(rs.encode());
}

// 3.1.4.1.3 NspiGetSpecialTable: the hierarchy table, or with
// NspiAddressCreationTemplates the address-creation templates (one: SMTP).
ipc::Reply NspiServer::Impl::special_table(const ipc::Call& c) {
    auto rq = ox::GetSpecialTableRequest::decode(c.stub);
    MG_NSPI_SESSION(rq);
    ox::GetSpecialTableResponse rs;
    rs.version = rq.version;
    auto s = book.current();
    ox::Stat st = rq.stat;
    if (rq.dwFlags & NspiUnicodeStrings) st.CodePage = 65001;  // strings stay Unicode below
    bool unicode = (rq.dwFlags & NspiUnicodeStrings) != 0;
    Ctx cx = ctx(*s, st);
    auto str_tag = [&](PropTag t) { return unicode ? t : change_type(t, PT_STRING8); };
    ox::PropertyRowSet set;
    bool errors = false;
    if (rq.dwFlags & NspiAddressCreationTemplates) {
        for (const auto& t : creation_templates()) {
            ox::PropertyRow row;
            row.props.push_back(PropValue::bin(PR_ENTRYID, permanent_entry_id(DT_ADDRESS_TEMPLATE, t.dn)));
            row.props.push_back(PropValue::i32(PR_DISPLAY_TYPE, int32_t(DT_ADDRESS_TEMPLATE)));
            row.props.push_back(to_wire(cx, PropValue::str(str_tag(PR_DISPLAY_NAME), t.display_name)));
            row.props.push_back(to_wire(cx, PropValue::str(str_tag(PR_ADDRTYPE), t.address_type)));
            row.props.push_back(PropValue::i32(PR_DEPTH, 0));
            row.props.push_back(PropValue::boolean(PR_SELECTABLE, true));
            ByteWriter w;
            w.u32(0x3FF + uint32_t(set.rows.size()));
            row.props.push_back(PropValue::bin(PR_INSTANCE_KEY, w.take()));
            set.rows.push_back(std::move(row));
        }
        rs.version = 1;
    } else {
        const std::vector<PropTag> cols = {PR_ENTRYID, PR_CONTAINER_FLAGS, PR_DEPTH, PR_EMS_AB_CONTAINERID,
                                           str_tag(PR_DISPLAY_NAME), PR_EMS_AB_IS_MASTER};
        for (const auto& ct : s->containers) {
            Obj o;
            o.c = &ct;
            auto row = make_row(cx, o, cols, errors);
            if (ct.parent >= 0) {
                row.props.push_back(*container_prop(cx, ct, PR_EMS_AB_PARENT_ENTRYID));
            }
            set.rows.push_back(std::move(row));
        }
        rs.version = 1;
    }
    rs.rows = std::move(set);
    return reply(rs.encode());
}

// 3.1.4.1.18 NspiGetTemplateInfo: a display template chosen by display
// type and locale, or (pDN set: type and locale ignored) the template of
// that DN; the row holds what dwFlags asks for, in its order: template
// (TI_TEMPLATE), script (TI_SCRIPT), address type (TI_EMT).
ipc::Reply NspiServer::Impl::template_info(const ipc::Call& c) {
    auto rq = ox::GetTemplateInfoRequest::decode(c.stub);
    MG_NSPI_SESSION(rq);
    ox::RowResponse rs;
    uint32_t cp = rq.dwCodePage == 0 ? 1252 : rq.dwCodePage;
    if (cp == CP_WINUNICODE || !codepage_known(cp)) {
        rs.result = ec::InvalidCodepage;  // constraints 3 and 4
        return reply(rs.encode());
    }
    auto ti = rq.dn ? creation_template(*rq.dn) : display_template(rq.ulType, rq.dwLocaleID);
    if (!ti) {
        rs.result = ec::InvalidLocale;  // constraint 5: no such template
        return reply(rs.encode());
    }
    ox::PropertyRow row;
    if (rq.dwFlags & TI_TEMPLATE)
        row.props.push_back(PropValue::bin(PR_EMS_AB_TEMPLATE_BLOB, oxoabkt::encode_template(ti->dialog, cp)));
    if (rq.dwFlags & TI_SCRIPT)
        row.props.push_back(PropValue::bin(PR_EMS_AB_SCRIPT_DATA, oxoabkt::encode_script(ti->script)));
    if (rq.dwFlags & TI_EMT)
        row.props.push_back(PropValue::str(change_type(PR_ADDRTYPE, PT_STRING8), to_codepage(ti->address_type, cp)));
    rs.row = std::move(row);
    return reply(rs.encode());
}

// 3.1.4.1.16 NspiModLinkAtt: a user may add and remove the delegates of
// their own entry (PidTagAddressBookPublicDelegates, the directory's
// publicDelegates). Group membership and anybody else's entry are
// AccessDenied (constraint 5 and the validations of section 5); entry ids
// that name no address book object make the change impossible
// (constraint 8: AccessDenied). Nothing is written unless everything is.
ipc::Reply NspiServer::Impl::mod_link_att(const ipc::Call& c) {
    auto rq = ox::ModLinkAttRequest::decode(c.stub);
    MG_NSPI_SESSION(rq);
    ox::ResultResponse rs;
    auto fail = [&](uint32_t e) { rs.result = e; return reply(rs.encode()); };
    auto attr = link_attr(prop_id(rq.ulPropTag));
    if (!attr || (*attr != A_publicDelegates && *attr != A_member)) return fail(ec::NotFound);  // constraint 3
    auto s = book.current();
    const Entry* e = s->entry(rq.dwMId);
    if (!e) return fail(ec::InvalidParameter);  // constraint 4
    if (*attr != A_publicDelegates || (e->kind != Kind::User && e->kind != Kind::Room)) return fail(ec::AccessDenied);
    if (sess->user_ldn.empty() || lower(sess->user_ldn) != lower(e->ldn)) return fail(ec::AccessDenied);
    std::set<std::string> present;
    for (const auto& dn : e->d.attrs[A_publicDelegates]) present.insert(lower(dn));
    std::vector<std::string> add, remove;
    std::set<std::string> seen;
    bool del = (rq.dwFlags & 0x1) != 0;  // fDelete
    for (const auto& id : rq.entryIds) {
        auto p = parse_entry_id(id);
        const Entry* target = nullptr;
        if (p && p->ephemeral && p->provider == book.opt().server_guid) target = s->entry(p->mid);
        else if (p && !p->ephemeral)
            if (auto it = s->by_ldn.find(lower(p->dn)); it != s->by_ldn.end()) target = &s->entries[it->second];
        if (!target) return fail(ec::AccessDenied);  // constraint 8: cannot apply
        std::string key = lower(target->d.dn);
        if (!seen.insert(key).second) continue;
        // Constraints 6 and 7: values already there (or already absent) are ignored.
        if (del && present.count(key)) remove.push_back(target->d.dn);
        if (!del && !present.count(key)) add.push_back(target->d.dn);
    }
    try {
        book.dir().modify_links(e->d.dn, dir_attr_name(A_publicDelegates), add, remove);
    } catch (const std::exception& ex) {
        LOG_WARN("nspi: NspiModLinkAtt on %s failed: %s", e->d.dn.c_str(), ex.what());
        return fail(ec::AccessDenied);  // constraint 8
    }
    if (!add.empty() || !remove.empty()) book.invalidate();
    return reply(rs.encode());
}

// NspiDeleteEntries (opnum 15; MS-OXNSPI 3.1.4 reserves the opnum, MS-NSPI
// names it): clients never delete directory objects through the address
// book. The request is checked, then refused as every modification this
// server does not allow is (AccessDenied), and nothing is deleted.
ipc::Reply NspiServer::Impl::delete_entries(const ipc::Call& c) {
    auto rq = ox::DeleteEntriesRequest::decode(c.stub);
    MG_NSPI_SESSION(rq);
    ox::ResultResponse rs;
    rs.result = ec::AccessDenied;
    return reply(rs.encode());
}

// 3.1.4.1.5 NspiQueryColumns
ipc::Reply NspiServer::Impl::query_columns(const ipc::Call& c) {
    auto rq = ox::QueryColumnsRequest::decode(c.stub);
    MG_NSPI_SESSION(rq);
    ox::TagArrayResponse rs;
    ox::TagArray out;
    bool unicode = (rq.dwFlags & NspiUnicodeProptypes) != 0;
    for (PropTag t : kAllColumns) out.values.push_back(unicode ? t : to_string8(t));
    rs.tags = std::move(out);
    return reply(rs.encode());
}

// 3.1.4.1.12 NspiGetNamesFromIDs: the address book defines no named
// properties. Every asked tag comes back with type PT_ERROR and a name
// without a GUID; with lpguid and no tags the list is empty.
ipc::Reply NspiServer::Impl::names_from_ids(const ipc::Call& c) {
    auto rq = ox::GetNamesFromIDsRequest::decode(c.stub);
    MG_NSPI_SESSION(rq);
    ox::GetNamesFromIDsResponse rs;
    ox::TagArray tags;
    std::vector<ox::PropertyName> names;
    if (rq.propTags)
        for (PropTag t : rq.propTags->values) {
            tags.values.push_back(change_type(t, PT_ERROR));
            names.push_back(ox::PropertyName{});
        }
    rs.returnedTags = std::move(tags);
    rs.names = std::move(names);
    rs.result = rq.propTags && !rq.propTags->values.empty() ? ec::ErrorsReturned : ec::Success;
    return reply(rs.encode());
}

// 3.1.4.1.11 NspiGetIDsFromNames: no named properties: each name maps to
// PT_ERROR (id 0); creating ids (MAPI_CREATE) is refused.
ipc::Reply NspiServer::Impl::ids_from_names(const ipc::Call& c) {
    auto rq = ox::GetIDsFromNamesRequest::decode(c.stub);
    MG_NSPI_SESSION(rq);
    ox::TagArrayResponse rs;
    if (rq.dwFlags & 0x2 /* NSPI_CREATE */) {
        rs.result = ec::NotSupported;
        return reply(rs.encode());
    }
    ox::TagArray tags;
    for (size_t i = 0; i < rq.names.size(); ++i) tags.values.push_back(PT_ERROR);
    rs.tags = std::move(tags);
    rs.result = rq.names.empty() ? ec::Success : ec::ErrorsReturned;
    return reply(rs.encode());
}

// 3.1.4.1.17 / 3.1.4.1.18 NspiResolveNames(W)
template <class Req>
ipc::Reply NspiServer::Impl::resolve_names(const ipc::Call& c) {
    auto rq = Req::decode(c.stub);
    MG_NSPI_SESSION(rq);
    ox::ResolveNamesResponse rs;
    auto s = book.current();
    Ctx cx = ctx(*s, rq.stat);
    const Container* ct = s->container(rq.stat.ContainerID);
    if (!ct) {
        rs.result = ec::InvalidBookmark;
        return reply(rs.encode());
    }
    const std::vector<PropTag>& tags = rq.propTags ? rq.propTags->values : kDefaultColumns;
    ox::TagArray mids;
    ox::PropertyRowSet set;
    bool errors = false;
    for (const auto& str : rq.strings) {
        std::string text = str ? *str : std::string();
        if (!Req::kWide) text = from_codepage(text, cx.codepage);
        uint32_t found = MID_UNRESOLVED;
        int n = 0;
        bool exact = !text.empty() && text[0] == '=';
        std::string q = fold_text(exact ? text.substr(1) : text);
        for (uint32_t i : ct->rows) {
            if (anr_match_folded(s->entries[i], q, exact)) {
                found = s->entries[i].mid;
                if (++n > 1) break;
            }
        }
        if (n > 1) found = MID_AMBIGUOUS;
        mids.values.push_back(found);
        if (n == 1) set.rows.push_back(make_row(cx, find_obj(*s, found), tags, errors));
    }
    rs.mids = std::move(mids);
    rs.rows = std::move(set);
    return reply(rs.encode());
}

#undef MG_NSPI_SESSION

NspiServer::NspiServer(std::shared_ptr<AddressDirectory> dir, std::shared_ptr<emsmdb::UserDirectory> users, Options o)
    : d_(std::make_unique<Impl>(std::move(dir), std::move(users), std::move(o))) {}
NspiServer::~NspiServer() = default;

ipc::Reply NspiServer::call(const ipc::Call& c) {
    if (c.opnum >= ox::kOpnumCount) return ipc::Reply{ipc::fault::kOpRangeError, {}};
    return d_->call(c);
}

void NspiServer::connection_closed(uint64_t conn_id) {
    std::lock_guard<std::mutex> lk(d_->mu);
    for (auto it = d_->sessions.begin(); it != d_->sessions.end();)
        it = it->second.conn_id == conn_id ? d_->sessions.erase(it) : std::next(it);
}

size_t NspiServer::session_count() const {
    std::lock_guard<std::mutex> lk(d_->mu);
    return d_->sessions.size();
}

// ------------------------------------------------------------------ RFR (MS-OXABREF)

ipc::Reply RfrServer::call(const ipc::Call& c) {
    namespace ab = mg::oxabref;
    if (c.who.user_sid().empty()) return ipc::Reply{ipc::fault::kAccessDenied, {}};
    switch (ab::Opnum(c.opnum)) {
    case ab::Opnum::RfrGetNewDSA: {
        // 3.1.4.1: the NSPI server for this user: ours (the DC) or the configured name.
        auto rq = ab::GetNewDSARequest::decode(c.stub);
        ab::GetNewDSAResponse rs;
        std::string name = configured_.empty() ? dir_->server_fqdn() : configured_;
        if (name.empty()) {
            rs.result = ec::GeneralFailure;
        } else {
            rs.server = std::optional<std::string>(name);
            if (rq.unused) rs.unused = std::optional<std::string>();
        }
        return reply(rs.encode());
    }
    case ab::Opnum::RfrGetFQDNFromServerDN: {
        // 3.1.4.2: the server's legacy DN (possibly with a store suffix) -> its FQDN.
        auto rq = ab::GetFQDNFromServerDNRequest::decode(c.stub);
        ab::GetFQDNFromServerDNResponse rs;
        std::string dn = rq.serverDN;
        std::string l = lower(dn);
        for (const char* suffix : {"/cn=microsoft private mdb", "/cn=microsoft public mdb"}) {
            size_t n = strlen(suffix);
            if (l.size() > n && l.compare(l.size() - n, n, suffix) == 0) dn.resize(dn.size() - n);
        }
        std::string fqdn = dir_->fqdn_of_server(dn);
        if (fqdn.empty()) rs.result = ec::NotFound;
        else rs.fqdn = fqdn;
        return reply(rs.encode());
    }
    }
    return ipc::Reply{ipc::fault::kOpRangeError, {}};
}

}  // namespace mg::nspi
