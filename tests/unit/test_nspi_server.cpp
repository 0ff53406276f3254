// The NSPI and RFR servers over an in-memory directory.
#include "mapiproxy/servers/oxnspi.h"
#include "libmapi/oxoabkt.h"

#include "tests/unit/testutil.h"

#include <CppUTest/TestHarness.h>

using namespace mg;
using namespace mg::nspi;
namespace ox = mg::oxnspi;
using mg::mapi::PropValue;

namespace {

const std::string kSid = "S-1-5-21-1-2-3-1105";

DirEntry entry(const std::string& cn, const char* cls, const std::string& display, uint8_t guid_byte) {
    DirEntry d;
    d.dn = "CN=" + cn + ",CN=Users,DC=example,DC=com";
    d.attrs[A_cn] = {cn};
    d.attrs[A_displayName] = {display};
    d.attrs[A_objectClass] = {"top", cls};
    d.attrs[A_sAMAccountName] = {cn};
    d.attrs[A_mailNickname] = {cn};
    d.attrs[A_mail] = {cn + "@example.com"};
    d.attrs[A_proxyAddresses] = {"SMTP:" + cn + "@example.com", "smtp:" + cn + ".alias@example.com"};
    d.attrs[A_legacyExchangeDN] = {"/o=Example/ou=AG/cn=Recipients/cn=" + cn};
    d.attrs[A_objectGUID] = {std::string(16, char(guid_byte))};
    return d;
}

class FakeDir : public AddressDirectory {
public:
    std::vector<DirEntry> entries;
    std::map<std::string, std::vector<Bytes>> written;
    std::vector<DirEntry> list_entries() override { return entries; }
    std::vector<DirAddressList> lists;
    std::vector<DirAddressList> address_lists() override { return lists; }
    LargeAttrs large_attributes(const std::string& dn) override {
        LargeAttrs l;
        if (dn.find("alice") != std::string::npos) {
            l.photo = {Bytes{0xFF, 0xD8, 0xFF}};
            l.certs = {Bytes{0x30, 0x82, 1}, Bytes{0x30, 0x82, 2}};
        }
        return l;
    }
    std::string server_fqdn() override { return "dc1.example.com"; }
    std::string fqdn_of_server(const std::string& ldn) override {
        return ldn == "/o=Example/ou=AG/cn=Configuration/cn=Servers/cn=DC1" ? "dc1.example.com" : "";
    }
    void replace_binary(const std::string& dn, const char* attr, const std::vector<Bytes>& v) override {
        written[dn + "|" + attr] = v;
    }
    // Applies link changes to the entries, as the directory would.
    std::vector<std::string> link_calls;
    bool fail_links = false;
    void modify_links(const std::string& dn, const char* attr, const std::vector<std::string>& add,
                      const std::vector<std::string>& remove) override {
        if (fail_links) throw emsmdb::DirectoryError("constraint violation");
        link_calls.push_back(dn + "|" + attr + "|+" + std::to_string(add.size()) + "|-" + std::to_string(remove.size()));
        for (auto& e : entries) {
            if (e.dn != dn) continue;
            auto& v = e.attrs[A_publicDelegates];
            for (const auto& a : add) v.push_back(a);
            for (const auto& r : remove) v.erase(std::remove(v.begin(), v.end(), r), v.end());
        }
    }
};

class FakeUsers : public emsmdb::UserDirectory {
public:
    std::optional<emsmdb::DirectoryUser> find_by_sid(const std::string& sid) override {
        if (sid != kSid) return std::nullopt;
        emsmdb::DirectoryUser u;
        u.account = "alice";
        u.legacy_dn = "/o=Example/ou=AG/cn=Recipients/cn=alice";
        return u;
    }
};

struct Fixture {
    std::shared_ptr<FakeDir> dir = std::make_shared<FakeDir>();
    std::unique_ptr<NspiServer> server;
    ndr::ContextHandle h;
    mapi::Guid server_guid = mapi::Guid::parse("01234567-89ab-cdef-0123-456789abcdef");

    Fixture() {
        dir->entries.push_back(entry("alice", "user", "Alice Archer", 1));
        dir->entries.push_back(entry("albert", "user", "Albert Zed", 2));
        dir->entries.push_back(entry("bob", "user", "Bob Brown", 3));
        auto g = entry("staff", "group", "Staff", 4);
        g.attrs[A_member] = {dir->entries[0].dn, dir->entries[2].dn, "CN=hidden,CN=Users,DC=example,DC=com"};
        dir->entries.push_back(g);
        auto c = entry("carol", "contact", "Carol External", 5);
        c.attrs[A_legacyExchangeDN].clear();
        dir->entries.push_back(c);
        dir->entries[0].attrs[A_manager] = {dir->entries[2].dn};
        Options o;
        o.server_guid = server_guid;
        server = std::make_unique<NspiServer>(dir, std::make_shared<FakeUsers>(), o);
    }

    ipc::Reply call(ox::Opnum op, Bytes stub, const std::string& sid = kSid) {
        ipc::Call c;
        c.iface = ipc::Iface::Nsp;
        c.opnum = uint16_t(op);
        c.conn_id = 7;
        if (!sid.empty()) c.who.sids = {sid};
        c.who.auth_type = 10;
        c.stub = std::move(stub);
        return server->call(c);
    }
    template <class Resp>
    Resp ok(ox::Opnum op, Bytes stub) {
        auto r = call(op, std::move(stub));
        LONGS_EQUAL(0, r.fault);
        return Resp::decode(r.stub);
    }
    ox::Stat stat() const {
        ox::Stat s;
        s.CodePage = 1252;
        s.TemplateLocale = s.SortLocale = 0x409;
        return s;
    }
    void bind() {
        ox::BindRequest b;
        b.stat = stat();
        b.serverGuid = mapi::Guid{};
        auto r = ok<ox::BindResponse>(ox::Opnum::Bind, b.encode());
        LONGS_EQUAL(0, r.result);
        CHECK(r.serverGuid == server_guid);
        h = r.handle;
    }
    ox::QueryRowsResponse query(const ox::Stat& s, uint32_t count, std::vector<uint32_t> tags) {
        ox::QueryRowsRequest q;
        q.handle = h;
        q.stat = s;
        q.Count = count;
        q.propTags = ox::TagArray{std::move(tags)};
        return ok<ox::QueryRowsResponse>(ox::Opnum::QueryRows, q.encode());
    }
    ox::ResolveNamesResponse resolve(std::vector<std::string> names) {
        ox::ResolveNamesWRequest r;
        r.handle = h;
        r.stat = stat();
        r.propTags = ox::TagArray{{0x3001001f, 0x39fe001f}};
        for (auto& n : names) r.strings.push_back(n);
        return ok<ox::ResolveNamesResponse>(ox::Opnum::ResolveNamesW, r.encode());
    }
};

}  // namespace

TEST_GROUP(NspiServer){};

TEST(NspiServer, BindNeedsAnAuthenticatedCaller) {
    Fixture f;
    ox::BindRequest b;
    b.stat = f.stat();
    auto r = f.call(ox::Opnum::Bind, b.encode(), "");
    LONGS_EQUAL(nspi::ec::LogonFailed, ox::BindResponse::decode(r.stub).result);
    f.bind();
    LONGS_EQUAL(1, f.server->session_count());
    // Another caller cannot use the handle.
    ox::QueryColumnsRequest q;
    q.handle = f.h;
    LONGS_EQUAL(ipc::fault::kContextMismatch, f.call(ox::Opnum::QueryColumns, q.encode(), "S-1-5-21-9").fault);
    ox::UnbindRequest u;
    u.handle = f.h;
    LONGS_EQUAL(nspi::ec::UnbindSuccess, f.ok<ox::UnbindResponse>(ox::Opnum::Unbind, u.encode()).result);
    LONGS_EQUAL(0, f.server->session_count());
}

TEST(NspiServer, QueryRowsPagesInDisplayNameOrder) {
    Fixture f;
    f.bind();
    ox::Stat s = f.stat();
    std::vector<std::string> names;
    for (int guard = 0; guard < 10; ++guard) {
        auto r = f.query(s, 2, {0x3001001f, 0x3002001e});
        LONGS_EQUAL(0, r.result);
        for (auto& row : r.rows->rows) names.push_back(row.props[0].as_str());
        s = r.stat;
        LONGS_EQUAL(5, s.TotalRecs);
        if (s.CurrentRec == MID_END_OF_TABLE) break;
    }
    LONGS_EQUAL(5, names.size());
    STRCMP_EQUAL("Albert Zed", names[0].c_str());
    STRCMP_EQUAL("Alice Archer", names[1].c_str());
    STRCMP_EQUAL("Staff", names[4].c_str());
    // Count 0 is refused.
    auto bad = f.query(f.stat(), 0, {0x3001001f});
    LONGS_EQUAL(nspi::ec::InvalidParameter, bad.result);
}

TEST(NspiServer, ResolveNamesWUniqueAmbiguousUnknown) {
    Fixture f;
    f.bind();
    auto r = f.resolve({"bob", "al", "nobody", "=alice", "alice.alias@"});
    LONGS_EQUAL(5, r.mids->values.size());
    CHECK(r.mids->values[0] >= 0x1000);
    LONGS_EQUAL(MID_AMBIGUOUS, r.mids->values[1]);
    LONGS_EQUAL(MID_UNRESOLVED, r.mids->values[2]);
    CHECK(r.mids->values[3] >= 0x1000);
    CHECK(r.mids->values[4] == r.mids->values[3]);
    LONGS_EQUAL(3, r.rows->rows.size());
    STRCMP_EQUAL("Bob Brown", r.rows->rows[0].props[0].as_str().c_str());
    STRCMP_EQUAL("alice@example.com", r.rows->rows[1].props[1].as_str().c_str());
}

TEST(NspiServer, GetMatchesAnrAndMembers) {
    Fixture f;
    f.bind();
    mapi::Restriction anr;
    anr.type = mapi::Restriction::Property;
    anr.relop = mapi::RELOP_EQ;
    anr.tag = 0x360c001e;
    anr.value = PropValue::str(0x360c001e, "Ar");  // "Archer" is a word of the display name
    ox::GetMatchesRequest g;
    g.handle = f.h;
    g.stat = f.stat();
    g.filter = anr;
    g.ulRequested = 10;
    g.propTags = ox::TagArray{{0x3001001e}};
    auto r = f.ok<ox::GetMatchesResponse>(ox::Opnum::GetMatches, g.encode());
    LONGS_EQUAL(0, r.result);
    LONGS_EQUAL(1, r.outMIds->values.size());
    STRCMP_EQUAL("Alice Archer", r.rows->rows[0].props[0].as_str().c_str());
    // A property restriction: PR_DISPLAY_TYPE == DT_DISTLIST.
    mapi::Restriction dl;
    dl.type = mapi::Restriction::Property;
    dl.relop = mapi::RELOP_EQ;
    dl.tag = 0x39000003;
    dl.value = PropValue::i32(0x39000003, 1);
    g.filter = dl;
    r = f.ok<ox::GetMatchesResponse>(ox::Opnum::GetMatches, g.encode());
    LONGS_EQUAL(1, r.outMIds->values.size());
    uint32_t group = r.outMIds->values[0];
    // Its members: ContainerID = PidTagAddressBookMember, CurrentRec = the group.
    g.filter.reset();
    g.stat.ContainerID = 0x8009000d;
    g.stat.CurrentRec = group;
    r = f.ok<ox::GetMatchesResponse>(ox::Opnum::GetMatches, g.encode());
    LONGS_EQUAL(0, r.result);
    LONGS_EQUAL(2, r.outMIds->values.size());  // the hidden member is not listed
    STRCMP_EQUAL("Alice Archer", r.rows->rows[0].props[0].as_str().c_str());
    // More matches than ulRequested.
    g.filter = anr;
    g.stat = f.stat();
    anr.value = PropValue::str(0x360c001e, "a");
    g.filter = anr;
    g.ulRequested = 1;
    LONGS_EQUAL(nspi::ec::TableTooBig, f.ok<ox::GetMatchesResponse>(ox::Opnum::GetMatches, g.encode()).result);
}

TEST(NspiServer, GetPropsDNToMIdAndCompare) {
    Fixture f;
    f.bind();
    auto r = f.resolve({"alice"});
    uint32_t alice = r.mids->values[0];
    ox::GetPropsRequest gp;
    gp.handle = f.h;
    gp.stat = f.stat();
    gp.stat.CurrentRec = alice;
    gp.propTags = ox::TagArray{{0x3003001e, 0x8c9e0102, 0x8c6a1102, 0x800f101f, 0x8005001f, 0x3a00001f,
                                0x0fff0102}};
    auto p = f.ok<ox::RowResponse>(ox::Opnum::GetProps, gp.encode());
    LONGS_EQUAL(0, p.result);
    STRCMP_EQUAL("/o=Example/ou=AG/cn=Recipients/cn=alice", p.row->props[0].as_str().c_str());
    LONGS_EQUAL(3, p.row->props[1].as_bin().size());
    LONGS_EQUAL(2, std::get<std::vector<Bytes>>(p.row->props[2].value).size());
    LONGS_EQUAL(2, std::get<std::vector<std::string>>(p.row->props[3].value).size());
    STRCMP_EQUAL("/o=Example/ou=AG/cn=Recipients/cn=bob", p.row->props[4].as_str().c_str());
    auto parsed = parse_entry_id(p.row->props[6].as_bin());
    CHECK(parsed && !parsed->ephemeral);
    STRCMP_EQUAL("/o=Example/ou=AG/cn=Recipients/cn=alice", parsed->dn.c_str());
    // The ephemeral form with fEphID.
    gp.dwFlags = 0x2;
    p = f.ok<ox::RowResponse>(ox::Opnum::GetProps, gp.encode());
    parsed = parse_entry_id(p.row->props[6].as_bin());
    CHECK(parsed && parsed->ephemeral && parsed->mid == alice && parsed->provider == f.server_guid);

    ox::DNToMIdRequest d;
    d.handle = f.h;
    d.names = {std::string("/O=EXAMPLE/ou=AG/cn=Recipients/cn=alice"), std::string("/o=nowhere"), std::nullopt};
    auto m = f.ok<ox::TagArrayResponse>(ox::Opnum::DNToMId, d.encode());
    LONGS_EQUAL(alice, m.tags->values[0]);
    LONGS_EQUAL(0, m.tags->values[1]);
    LONGS_EQUAL(0, m.tags->values[2]);

    gp.stat.CurrentRec = 0x7777;
    p = f.ok<ox::RowResponse>(ox::Opnum::GetProps, gp.encode());
    LONGS_EQUAL(nspi::ec::ErrorsReturned, p.result);

    ox::CompareMIdsRequest cm;
    cm.handle = f.h;
    cm.stat = f.stat();
    cm.MId1 = alice;
    cm.MId2 = f.resolve({"albert"}).mids->values[0];
    LONGS_EQUAL(1, f.ok<ox::CompareMIdsResponse>(ox::Opnum::CompareMIds, cm.encode()).lResult);
    cm.MId2 = 0x7777;
    LONGS_EQUAL(nspi::ec::GeneralFailure, f.ok<ox::CompareMIdsResponse>(ox::Opnum::CompareMIds, cm.encode()).result);
}

TEST(NspiServer, SpecialTableAndModProps) {
    Fixture f;
    f.bind();
    ox::GetSpecialTableRequest st;
    st.handle = f.h;
    st.dwFlags = 0x4;
    st.stat = f.stat();
    auto t = f.ok<ox::GetSpecialTableResponse>(ox::Opnum::GetSpecialTable, st.encode());
    LONGS_EQUAL(6, t.rows->rows.size());
    STRCMP_EQUAL("Default Global Address List", t.rows->rows[0].props[4].as_str().c_str());
    st.dwFlags = 0x2;
    t = f.ok<ox::GetSpecialTableResponse>(ox::Opnum::GetSpecialTable, st.encode());
    LONGS_EQUAL(1, t.rows->rows.size());

    // Own certificates: allowed; someone else's, or another property: AccessDenied.
    uint32_t alice = f.resolve({"alice"}).mids->values[0];
    ox::ModPropsRequest mp;
    mp.handle = f.h;
    mp.stat = f.stat();
    mp.stat.CurrentRec = alice;
    PropValue cert;
    cert.tag = 0x8c6a1102;
    cert.value = std::vector<Bytes>{Bytes{1, 2}};
    mp.row.props.push_back(cert);
    LONGS_EQUAL(0, f.ok<ox::ResultResponse>(ox::Opnum::ModProps, mp.encode()).result);
    LONGS_EQUAL(1, f.dir->written.size());
    mp.stat.CurrentRec = f.resolve({"bob"}).mids->values[0];
    LONGS_EQUAL(nspi::ec::AccessDenied, f.ok<ox::ResultResponse>(ox::Opnum::ModProps, mp.encode()).result);
    mp.stat.CurrentRec = alice;
    mp.row.props = {PropValue::str(0x3001001e, "renamed")};
    LONGS_EQUAL(nspi::ec::AccessDenied, f.ok<ox::ResultResponse>(ox::Opnum::ModProps, mp.encode()).result);
}

TEST(NspiServer, MalformedStubIsADecodeError) {
    Fixture f;
    f.bind();
    mg::test::expect_decode_error([&] { f.call(ox::Opnum::QueryRows, Bytes{1, 2, 3}); }, "truncated");
}

TEST(NspiServer, Rfr) {
    auto dir = std::make_shared<FakeDir>();
    RfrServer rfr(dir, "");
    ipc::Call c;
    c.iface = ipc::Iface::DsRfr;
    c.who.sids = {kSid};
    oxabref::GetNewDSARequest nd;
    nd.userDN = "/o=Example/ou=AG/cn=Recipients/cn=alice";
    nd.server = std::optional<std::string>(std::string());
    c.opnum = 0;
    c.stub = nd.encode();
    auto r = oxabref::GetNewDSAResponse::decode(rfr.call(c).stub);
    LONGS_EQUAL(0, r.result);
    STRCMP_EQUAL("dc1.example.com", (*r.server)->c_str());
    oxabref::GetFQDNFromServerDNRequest fq;
    fq.serverDN = "/o=Example/ou=AG/cn=Configuration/cn=Servers/cn=DC1/cn=Microsoft Private MDB";
    fq.cbMailboxServerDN = uint32_t(fq.serverDN.size() + 1);
    c.opnum = 1;
    c.stub = fq.encode();
    auto q = oxabref::GetFQDNFromServerDNResponse::decode(rfr.call(c).stub);
    LONGS_EQUAL(0, q.result);
    STRCMP_EQUAL("dc1.example.com", q.fqdn->c_str());
    fq.serverDN = "/o=Example/ou=AG/cn=Configuration/cn=Servers/cn=NOPE";
    fq.cbMailboxServerDN = uint32_t(fq.serverDN.size() + 1);
    c.stub = fq.encode();
    LONGS_EQUAL(nspi::ec::NotFound, oxabref::GetFQDNFromServerDNResponse::decode(rfr.call(c).stub).result);
}

namespace {

ox::RowResponse template_info(Fixture& f, uint32_t flags, uint32_t type, std::optional<std::string> dn,
                              uint32_t cp = 1252, uint32_t lcid = 0x409) {
    ox::GetTemplateInfoRequest r;
    r.handle = f.h;
    r.dwFlags = flags;
    r.ulType = type;
    r.dn = std::move(dn);
    r.dwCodePage = cp;
    r.dwLocaleID = lcid;
    return f.ok<ox::RowResponse>(ox::Opnum::GetTemplateInfo, r.encode());
}

const oxoabkt::Control* labelled(const oxoabkt::Template& t, const char* label) {
    for (size_t i = 0; i + 1 < t.controls.size(); ++i)
        if (t.controls[i].type == oxoabkt::ControlType::Label && t.controls[i].text == label) return &t.controls[i + 1];
    return nullptr;
}

}  // namespace

TEST(NspiServer, TemplateInfoDisplayTemplates) {
    Fixture f;
    f.bind();
    auto r = template_info(f, 0x1 | 0x4 | 0x10, 0 /* DT_MAILUSER */, std::nullopt);
    LONGS_EQUAL(0, r.result);
    LONGS_EQUAL(3, r.row->props.size());
    LONGS_EQUAL(0x00010102, r.row->props[0].tag);  // PidTagTemplateData
    LONGS_EQUAL(0x00040102, r.row->props[1].tag);  // PidTagScriptData
    LONGS_EQUAL(0x3002001E, r.row->props[2].tag);  // PidTagAddressType
    STRCMP_EQUAL("EX", r.row->props[2].as_str().c_str());
    auto t = oxoabkt::decode_template(r.row->props[0].as_bin(), 1252);
    CHECK(t.controls.size() > 20);
    CHECK(t.controls[0].type == oxoabkt::ControlType::Page);
    STRCMP_EQUAL("General", t.controls[0].text.c_str());
    const auto* display = labelled(t, "&Display:");
    CHECK(display && display->type == oxoabkt::ControlType::Edit);
    LONGS_EQUAL(0x3001001E, display->prop);
    // Every bound property is one the server serves (QueryColumns), and none
    // claims to be editable: the server refuses changes to directory entries.
    ox::QueryColumnsRequest qc;
    qc.handle = f.h;
    auto cols = f.ok<ox::TagArrayResponse>(ox::Opnum::QueryColumns, qc.encode()).tags->values;
    for (const auto& c : t.controls) {
        if (c.type == oxoabkt::ControlType::Label || c.type == oxoabkt::ControlType::Page) continue;
        LONGS_EQUAL(0, c.flags & oxoabkt::kEditable);
        bool served = false;
        for (uint32_t col : cols) served |= (col >> 16) == (c.prop >> 16);
        CHECK_TEXT(served, ("unserved property in the template: " + std::to_string(c.prop)).c_str());
    }
    // The script of a display template only halts.
    auto script = oxoabkt::decode_script(r.row->props[1].as_bin());
    LONGS_EQUAL(1, script.size());
    CHECK(script[0].op == oxoabkt::Op::Halt);

    // Only TI_SCRIPT: the script alone.
    r = template_info(f, 0x4, 0, std::nullopt);
    LONGS_EQUAL(1, r.row->props.size());
    LONGS_EQUAL(0x00040102, r.row->props[0].tag);

    // The distribution list shows its members, the contact its address.
    r = template_info(f, 0x1, 1 /* DT_DISTLIST */, std::nullopt);
    t = oxoabkt::decode_template(r.row->props[0].as_bin(), 1252);
    const auto* members = labelled(t, "Members");
    CHECK(members && members->type == oxoabkt::ControlType::ListBox);
    LONGS_EQUAL(0x8009000D, members->prop);
    r = template_info(f, 0x1, 6 /* DT_REMOTE_MAILUSER */, std::nullopt);
    t = oxoabkt::decode_template(r.row->props[0].as_bin(), 1252);
    CHECK(labelled(t, "&E-mail:") && labelled(t, "&E-mail:")->prop == 0x39FE001E);
}

TEST(NspiServer, TemplateInfoLocaleAndCodePage) {
    Fixture f;
    f.bind();
    // German labels (LCID 0x0407) in code page 850: "Straße" carries ß as 0xE1.
    auto r = template_info(f, 0x1, 0, std::nullopt, 850, 0x407);
    LONGS_EQUAL(0, r.result);
    Bytes raw = r.row->props[0].as_bin();
    std::string s(raw.begin(), raw.end());
    CHECK(s.find("&Stra\xE1" "e:") != std::string::npos);
    auto t = oxoabkt::decode_template(raw, 850);
    STRCMP_EQUAL("Allgemein", t.controls[0].text.c_str());
    CHECK(labelled(t, "&Straße:") != nullptr);
    // The same template in 1252 carries 0xDF.
    raw = template_info(f, 0x1, 0, std::nullopt, 1252, 0x407).row->props[0].as_bin();
    s.assign(raw.begin(), raw.end());
    CHECK(s.find("&Stra\xDF" "e:") != std::string::npos);
    // CP_WINUNICODE and unknown code pages: InvalidCodepage, no row.
    r = template_info(f, 0x1, 0, std::nullopt, 1200);
    LONGS_EQUAL(nspi::ec::InvalidCodepage, r.result);
    CHECK(!r.row);
    LONGS_EQUAL(nspi::ec::InvalidCodepage, template_info(f, 0x1, 0, std::nullopt, 54321).result);
    // A display type without a template: InvalidLocale (3.1.4.1.18 constraint 5).
    r = template_info(f, 0x1, 2 /* DT_FORUM */, std::nullopt);
    LONGS_EQUAL(nspi::ec::InvalidLocale, r.result);
    CHECK(!r.row);
}

TEST(NspiServer, TemplateInfoAddressCreationTemplate) {
    Fixture f;
    f.bind();
    ox::GetSpecialTableRequest st;
    st.handle = f.h;
    st.dwFlags = 0x2;  // NspiAddressCreationTemplates
    st.stat = f.stat();
    auto table = f.ok<ox::GetSpecialTableResponse>(ox::Opnum::GetSpecialTable, st.encode());
    auto id = parse_entry_id(table.rows->rows[0].props[0].as_bin());
    CHECK(id && !id->ephemeral);
    LONGS_EQUAL(0x102, id->display_type);
    // With a DN, ulType and the locale are ignored.
    auto a = template_info(f, 0x1 | 0x4 | 0x10, 0, id->dn, 1252, 0x409);
    auto b = template_info(f, 0x1 | 0x4 | 0x10, 0x102, id->dn, 1252, 0x407);
    LONGS_EQUAL(0, a.result);
    CHECK(a.row == b.row);
    STRCMP_EQUAL("SMTP", a.row->props[2].as_str().c_str());
    auto t = oxoabkt::decode_template(a.row->props[0].as_bin(), 1252);
    const auto* email = labelled(t, "&E-mail address:");
    CHECK(email && email->type == oxoabkt::ControlType::Edit);
    LONGS_EQUAL(0x3003001E, email->prop);
    CHECK(email->flags & oxoabkt::kEditable);
    CHECK(email->flags & oxoabkt::kRequired);
    // The script emits the entered address.
    auto script = oxoabkt::decode_script(a.row->props[1].as_bin());
    LONGS_EQUAL(2, script.size());
    CHECK(script[0].op == oxoabkt::Op::EmitPropertyValue);
    LONGS_EQUAL(0x3003001E, script[0].tag);
    CHECK(script[1].op == oxoabkt::Op::Halt);
    // An unknown template DN: InvalidLocale.
    LONGS_EQUAL(nspi::ec::InvalidLocale, template_info(f, 0x1, 0, std::string("/o=nowhere/cn=X400")).result);
}

namespace {

ox::ResultResponse mod_link(Fixture& f, uint32_t flags, uint32_t tag, uint32_t mid, std::vector<Bytes> ids) {
    ox::ModLinkAttRequest r;
    r.handle = f.h;
    r.dwFlags = flags;
    r.ulPropTag = tag;
    r.dwMId = mid;
    r.entryIds = std::move(ids);
    return f.ok<ox::ResultResponse>(ox::Opnum::ModLinkAtt, r.encode());
}

std::vector<std::string> delegates_of(Fixture& f, uint32_t mid) {
    ox::GetPropsRequest gp;
    gp.handle = f.h;
    gp.stat = f.stat();
    gp.stat.CurrentRec = mid;
    gp.propTags = ox::TagArray{{0x8015101F}};
    auto p = f.ok<ox::RowResponse>(ox::Opnum::GetProps, gp.encode());
    if (p.row->props[0].tag != 0x8015101F) return {};
    return std::get<std::vector<std::string>>(p.row->props[0].value);
}

}  // namespace

TEST(NspiServer, ModLinkAttPublicDelegatesOfOwnEntry) {
    Fixture f;
    f.bind();
    auto mids = f.resolve({"=alice", "=bob", "=albert", "=staff"}).mids->values;
    uint32_t alice = mids[0], bob = mids[1], albert = mids[2], staff = mids[3];
    const uint32_t kDelegates = 0x8015000D;  // PidTagAddressBookPublicDelegates (PtypEmbeddedTable)
    Bytes bob_id = permanent_entry_id(0, "/o=Example/ou=AG/cn=Recipients/cn=bob");
    Bytes albert_eph = ephemeral_entry_id(f.server_guid, 0, albert);
    // Add bob (permanent id) and albert (ephemeral id) to my own delegates.
    LONGS_EQUAL(0, mod_link(f, 0, kDelegates, alice, {bob_id, albert_eph}).result);
    auto d = delegates_of(f, alice);
    LONGS_EQUAL(2, d.size());
    // Adding a value that is there already changes nothing (constraint 7).
    LONGS_EQUAL(0, mod_link(f, 0, kDelegates, alice, {bob_id}).result);
    STRCMP_EQUAL("CN=alice,CN=Users,DC=example,DC=com|publicDelegates|+0|-0", f.dir->link_calls.back().c_str());
    // fDelete removes bob; removing an absent value is ignored (constraint 6).
    LONGS_EQUAL(0, mod_link(f, 0x1, kDelegates, alice, {bob_id}).result);
    LONGS_EQUAL(0, mod_link(f, 0x1, kDelegates, alice, {bob_id}).result);
    d = delegates_of(f, alice);
    LONGS_EQUAL(1, d.size());
    STRCMP_EQUAL("/o=Example/ou=AG/cn=Recipients/cn=albert", d[0].c_str());

    size_t calls = f.dir->link_calls.size();
    // Somebody else's entry: AccessDenied, nothing written.
    LONGS_EQUAL(nspi::ec::AccessDenied, mod_link(f, 0, kDelegates, bob, {albert_eph}).result);
    // Group membership is not changed through the address book.
    LONGS_EQUAL(nspi::ec::AccessDenied, mod_link(f, 0, 0x8009000D, staff, {bob_id}).result);
    // An entry id that names nothing: AccessDenied (constraint 8), nothing written.
    Bytes nobody = permanent_entry_id(0, "/o=Example/cn=nobody");
    LONGS_EQUAL(nspi::ec::AccessDenied, mod_link(f, 0, kDelegates, alice, {bob_id, nobody}).result);
    LONGS_EQUAL(calls, f.dir->link_calls.size());
    // Unknown object (constraint 4), unknown property (constraint 3).
    LONGS_EQUAL(nspi::ec::InvalidParameter, mod_link(f, 0, kDelegates, 0x7777, {bob_id}).result);
    LONGS_EQUAL(nspi::ec::NotFound, mod_link(f, 0, 0x3001001F, alice, {bob_id}).result);
    // The directory refusing the change: AccessDenied.
    f.dir->fail_links = true;
    LONGS_EQUAL(nspi::ec::AccessDenied, mod_link(f, 0, kDelegates, alice, {bob_id}).result);
    LONGS_EQUAL(1, delegates_of(f, alice).size());

    // NspiDeleteEntries: refused, nothing deleted.
    ox::DeleteEntriesRequest de;
    de.handle = f.h;
    de.entryIds = {bob_id};
    LONGS_EQUAL(nspi::ec::AccessDenied, f.ok<ox::ResultResponse>(ox::Opnum::DeleteEntries, de.encode()).result);
    LONGS_EQUAL(5, f.dir->entries.size());
}

TEST(NspiServer, GetMatchesOnAnObjectByPropName) {
    Fixture f;
    f.bind();
    uint32_t staff = f.resolve({"=staff"}).mids->values[0];
    ox::GetMatchesRequest g;
    g.handle = f.h;
    g.stat = f.stat();
    g.stat.CurrentRec = staff;
    g.ulRequested = 10;
    g.propTags = ox::TagArray{{0x3001001e}};
    // lpPropName in PS_MAPI with the property id of PidTagAddressBookMember.
    g.propName = ox::PropertyName{mapi::Guid::parse("00020328-0000-0000-c000-000000000046"), 0, 0x8009};
    auto r = f.ok<ox::GetMatchesResponse>(ox::Opnum::GetMatches, g.encode());
    LONGS_EQUAL(0, r.result);
    LONGS_EQUAL(2, r.outMIds->values.size());
    STRCMP_EQUAL("Alice Archer", r.rows->rows[0].props[0].as_str().c_str());
    STRCMP_EQUAL("Bob Brown", r.rows->rows[1].props[0].as_str().c_str());
    // Constraint 15: ContainerID becomes the object, nothing else changes.
    LONGS_EQUAL(staff, r.stat.ContainerID);
    LONGS_EQUAL(staff, r.stat.CurrentRec);
    // A named property of another set: NotSupported; an unknown object: GeneralFailure.
    g.propName = ox::PropertyName{mapi::Guid::parse("00062004-0000-0000-c000-000000000046"), 0, 0x8009};
    r = f.ok<ox::GetMatchesResponse>(ox::Opnum::GetMatches, g.encode());
    LONGS_EQUAL(nspi::ec::NotSupported, r.result);
    CHECK(!r.outMIds);
    g.propName.reset();
    g.stat.ContainerID = 0x3001001F;  // not a link property
    LONGS_EQUAL(nspi::ec::NotSupported, f.ok<ox::GetMatchesResponse>(ox::Opnum::GetMatches, g.encode()).result);
    g.stat.ContainerID = 0x8009000D;
    g.stat.CurrentRec = 0x7777;
    LONGS_EQUAL(nspi::ec::GeneralFailure, f.ok<ox::GetMatchesResponse>(ox::Opnum::GetMatches, g.encode()).result);
}

TEST(NspiServer, AddressListsFromTheDirectory) {
    Fixture f;
    auto dn = [&](size_t i) { return f.dir->entries[i].dn; };
    f.dir->lists = {
        DirAddressList{"CN=Default Global Address List,CN=All Global Address Lists", "Default Global Address List",
                       std::string(16, '\x11'), -1, true, true, {dn(0), dn(1), dn(2), dn(3)}},
        DirAddressList{"CN=All Address Lists", "All Address Lists", std::string(16, '\x12'), -1, false, false, {}},
        DirAddressList{"CN=Sales,CN=All Address Lists", "Sales", std::string(16, '\x13'), 1, false, true,
                       {dn(2), "CN=gone,DC=example,DC=com"}},
    };
    f.bind();
    ox::GetSpecialTableRequest st;
    st.handle = f.h;
    st.dwFlags = 0x4;
    st.stat = f.stat();
    auto t = f.ok<ox::GetSpecialTableResponse>(ox::Opnum::GetSpecialTable, st.encode());
    LONGS_EQUAL(3, t.rows->rows.size());  // the directory's lists, not the generated six
    // Columns: entry id, container flags, depth, container id, display name, is master.
    STRCMP_EQUAL("Sales", t.rows->rows[2].props[4].as_str().c_str());
    LONGS_EQUAL(1, t.rows->rows[2].props[2].as_i32());                      // depth below All Address Lists
    LONGS_EQUAL(0x1 | 0x8, t.rows->rows[2].props[1].as_i32());              // AB_RECIPIENTS | AB_UNMODIFIABLE
    LONGS_EQUAL(0x2 | 0x8, t.rows->rows[1].props[1].as_i32());              // AB_SUBCONTAINERS | AB_UNMODIFIABLE
    LONGS_EQUAL(0, t.rows->rows[0].props[3].as_i32());                      // the GAL is container 0
    ox::Stat s = f.stat();
    s.ContainerID = uint32_t(t.rows->rows[2].props[3].as_i32());
    auto r = f.query(s, 10, {0x3001001f});
    LONGS_EQUAL(1, r.rows->rows.size());
    STRCMP_EQUAL("Bob Brown", r.rows->rows[0].props[0].as_str().c_str());
    // The GAL lists its members only (the contact is not one here).
    r = f.query(f.stat(), 10, {0x3001001f});
    LONGS_EQUAL(4, r.stat.TotalRecs);
}
