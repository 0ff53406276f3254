#!/usr/bin/python3
"""The address book end to end: impacket's NSPI (MS-OXNSPI) and RFR
(MS-OXABREF) clients -> Samba + the mapiproxy module -> the engine's NSPI and
RFR servers, which read Samba's directory over LDAP.

The test creates its own entries: users (samba-tool + openchange_newuser, one
of them hidden, one disabled), a distribution group with members and a mail
contact (ldbadd), a photo and certificates on one user (ldbmodify).

impacket 0.10 marshals pStat of NspiGetProps as a [unique] pointer where the
IDL has a [ref] one; the test sends that call with the IDL's form. NspiGetMatches
is not in impacket: the test marshals its stub by hand (an independent
encoder of Restriction_r / PropertyValue_r)."""
import base64
import os
import struct
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mgtest  # noqa: E402
from mgtest import ENV, SRC, wait_until  # noqa: E402

from impacket.dcerpc.v5 import epm, nspi, oxabref, transport  # noqa: E402
from impacket.dcerpc.v5.ndr import NDRCALL  # noqa: E402
from impacket.dcerpc.v5.dtypes import DWORD, NULL  # noqa: E402
from impacket.dcerpc.v5.rpcrt import (RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_AUTHN_WINNT,  # noqa: E402
                                      DCERPCException)

HOST = ENV["DC_IP"]
USER, PASSWORD, DOMAIN = ENV["DEMO_USER"], ENV["DEMO_PASSWORD"], ENV["DOMAIN"]
SAM = os.path.join(ENV["DATA_DIR"], "samba", "private", "sam.ldb")
BASE = ENV["BASE_DN"]
REALM = ENV["REALM"].lower()
NEWUSER = os.path.join(SRC, "provision", "openchange_newuser")
PW = "Nspi-Passw0rd1"

PR_DISPLAY_NAME_W = 0x3001001F
PR_EMAIL_ADDRESS_W = 0x3003001F
PR_SMTP_ADDRESS_W = 0x39FE001F
PR_DISPLAY_TYPE = 0x39000003
PR_ENTRYID = 0x0FFF0102
PR_PROXY_ADDRESSES = 0x800F101F
PR_THUMBNAIL_PHOTO = 0x8C9E0102
PR_X509_CERT = 0x8C6A1102
PR_ANR_W = 0x360C001F
PR_MEMBER = 0x8009000D
PR_TEMPLATE_DATA = 0x00010102
PR_SCRIPT_DATA = 0x00040102
PR_PUBLIC_DELEGATES_O = 0x8015000D
PR_PUBLIC_DELEGATES_W = 0x8015101F
TI_TEMPLATE, TI_SCRIPT, TI_EMT = 0x1, 0x4, 0x10
INVALID_LOCALE = 0x8004011F
INVALID_CODEPAGE = 0x8004011E
ACCESS_DENIED = 0x80070005
ERRORS_RETURNED = 0x00040380
GENERAL_FAILURE = 0x80004005
NOT_FOUND = 0x8004010F
MID_UNRESOLVED, MID_AMBIGUOUS, MID_END_OF_TABLE = 0, 1, 2
PHOTO = b"\xff\xd8\xff\xe0" + b"nspi-photo" * 20
CERT = b"\x30\x82\x01\x0a" + b"nspi-cert" * 20


def ldb(tool, *args, stdin=None):
    return subprocess.run([tool, *args], input=stdin, capture_output=True, text=True, timeout=60)


def dn_of(filt, base=None):
    r = ldb("ldbsearch", "-H", SAM, *(["-b", base] if base else []), filt, "dn")
    for line in r.stdout.splitlines():
        if line.startswith("dn: "):
            return line[4:]
    return None


def ensure_user(name, given, surname, *newuser_args):
    if not dn_of(f"(sAMAccountName={name})"):
        r = subprocess.run(["samba-tool", "user", "create", name, PW, "-s", ENV["SMB_CONF"],
                            f"--given-name={given}", f"--surname={surname}"],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise AssertionError(f"samba-tool user create {name}: {r.stderr}")
    r = subprocess.run(["/usr/bin/python3", NEWUSER, "-s", ENV["SMB_CONF"], "--create", name, *newuser_args],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise AssertionError(f"openchange_newuser --create {name}: {r.stdout}{r.stderr}")
    return dn_of(f"(sAMAccountName={name})")


def ldif_apply(tool, text):
    r = ldb(tool, "-H", SAM, stdin=text)
    if r.returncode != 0 and "already exists" not in (r.stdout + r.stderr):
        raise AssertionError(f"{tool} failed: {r.stdout}{r.stderr}")


def setUpModule():
    alice = ensure_user("nspialice", "Nspialice", "Archer")
    ensure_user("nspialbert", "Nspialbert", "Zed")
    bob = ensure_user("nspibob", "Nspibob", "Brown")
    ensure_user("nspihidden", "Nspihidden", "Person", "--hide")
    ensure_user("nspioff", "Nspioff", "Disabled")
    subprocess.run(["samba-tool", "user", "disable", "nspioff", "-s", ENV["SMB_CONF"]], capture_output=True,
                   timeout=60, check=True)
    hidden = dn_of("(sAMAccountName=nspihidden)")
    ldn = "/o=First Organization/ou=First Administrative Group/cn=Recipients/cn=nspistaff"
    ldif_apply("ldbadd", f"""dn: CN=Nspi Staff,CN=Users,{BASE}
objectClass: group
sAMAccountName: nspistaff
mailNickname: nspistaff
displayName: Nspi Staff
mail: nspistaff@{REALM}
proxyAddresses: SMTP:nspistaff@{REALM}
legacyExchangeDN: {ldn}
member: {alice}
member: {bob}
member: {hidden}

dn: CN=Nspi Carol External,CN=Users,{BASE}
objectClass: contact
displayName: Nspi Carol External
mailNickname: nspicarol
mail: carol@external.example
proxyAddresses: SMTP:carol@external.example
""")
    ldif_apply("ldbmodify", f"""dn: {alice}
changetype: modify
replace: thumbnailPhoto
thumbnailPhoto:: {base64.b64encode(PHOTO).decode()}
-
replace: userCertificate
userCertificate:: {base64.b64encode(CERT).decode()}
-
replace: title
title: Chief Tester
-
replace: manager
manager: {bob}
""")


def connect(iface):
    binding = epm.hept_map(HOST, iface, protocol="ncacn_ip_tcp")
    t = transport.DCERPCTransportFactory(binding)
    t.set_credentials(USER, PASSWORD, DOMAIN)
    dce = t.get_dce_rpc()
    dce.set_auth_type(RPC_C_AUTHN_WINNT)
    dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    dce.connect()
    dce.bind(iface)
    return dce


# NspiGetProps with pStat as the IDL's [ref] STAT* (see the module docstring).
class NspiGetPropsRef(NDRCALL):
    opnum = 9
    structure = (("hRpc", nspi.handle_t), ("dwFlags", DWORD), ("pStat", nspi.STAT),
                 ("pPropTags", nspi.PPropertyTagArray_r))


NspiGetPropsRefResponse = nspi.NspiGetPropsResponse
DCERPCSessionError = nspi.DCERPCSessionError  # impacket looks it up in the request class's module


def tag_array(tags):
    n = len(tags)
    return struct.pack("<IIII", n + 1, n, 0, n) + b"".join(struct.pack("<I", t) for t in tags)


def stat_bytes(container=0, current=0, codepage=1252):
    return struct.pack("<IIIiIIIII", 0, container, current, 0, 0, 0, codepage, 0x409, 0x409)


def get_matches_stub(handle, filt, tags, requested=100, container=0, current=0):
    """NspiGetMatches stub; filt is None or ("anr", text)."""
    b = handle + struct.pack("<I", 0) + stat_bytes(container, current)
    b += struct.pack("<II", 0, 0)            # pReserved NULL, Reserved2
    if filt is None:
        b += struct.pack("<I", 0)
    else:
        text = (filt[1] + "\0").encode("utf-16-le")
        n = len(text) // 2
        # Filter -> Restriction_r{rt=4, union disc 4, relop RELOP_EQ, tag, lpProp ->}
        b += struct.pack("<IIIIII", 0x20000, 4, 4, 4, PR_ANR_W, 0x20004)
        # PropertyValue_r{tag, reserved, disc 0x1f, lpszW ->} then the string
        b += struct.pack("<IIII", PR_ANR_W, 0, 0x1F, 0x20008)
        b += struct.pack("<III", n, 0, n) + text
        b += b"\0" * (-len(b) % 4)
    b += struct.pack("<II", 0, requested)   # lpPropName NULL, ulRequested
    b += struct.pack("<I", 0x2000C) + tag_array(tags)
    return b


def parse_get_matches(resp):
    """(stat tuple, [mids], result) of an NspiGetMatches response (rows skipped)."""
    stat = struct.unpack_from("<IIIiIIIII", resp, 0)
    off = 36
    ref, = struct.unpack_from("<I", resp, off)
    off += 4
    mids = []
    if ref:
        _max, n, _o, actual = struct.unpack_from("<IIII", resp, off)
        off += 16
        mids = list(struct.unpack_from("<%dI" % actual, resp, off))
    result, = struct.unpack_from("<I", resp, len(resp) - 4)
    return stat, mids, result


def parse_trowset(data, codepage):
    """[(x, dx, y, dy, type, flags, prop, size, text)] of an MS-OXOABKT
    TRowSet (an independent reading of 2.2.2.1)."""
    kind, n = struct.unpack_from("<II", data, 0)
    assert kind == 1, kind
    rows = []
    for i in range(n):
        f = struct.unpack_from("<9I", data, 8 + 36 * i)
        off = f[8]
        assert 8 + 36 * n <= off < len(data)
        end = data.index(b"\0", off)
        rows.append(f[:8] + (data[off:end].decode(codepage),))
    return rows


def labelled(rows, label):
    """The control after the label `label`."""
    for i, r in enumerate(rows[:-1]):
        if r[4] == 0 and r[8] == label:
            return rows[i + 1]
    return None


def raw_call(dce, opnum, stub):
    dce.call(opnum, stub)
    return dce.recv()


class AddressBook(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dce = connect(nspi.MSRPC_UUID_NSPI)
        cls.h = nspi.hNspiBind(cls.dce)["contextHandle"]
        # The engine reloads its snapshot of the directory every few seconds.
        wait_until(lambda: cls.resolve(["nspibob"])[0][0] > MID_AMBIGUOUS, timeout=30)

    @classmethod
    def tearDownClass(cls):
        nspi.hNspiUnbind(cls.dce, cls.h)
        cls.dce.disconnect()

    @classmethod
    def resolve(cls, names, tags=(PR_DISPLAY_NAME_W,)):
        r = nspi.hNspiResolveNamesW(cls.dce, cls.h, pPropTags=list(tags), paStr=names)
        mids = [m["Data"] if hasattr(m, "fields") else m for m in r["ppMIds"]["aulPropTag"]]
        rows = nspi.simplifyPropertyRowSet(r["ppRows"]) if r["ppRows"] else []
        return mids, rows

    def get_props(self, mid, tags, flags=0):
        req = NspiGetPropsRef()
        req["hRpc"] = self.h
        req["dwFlags"] = flags
        req["pStat"]["CurrentRec"] = mid
        req["pStat"]["CodePage"] = 1252
        for t in tags:
            d = DWORD()
            d["Data"] = t
            req["pPropTags"]["aulPropTag"].append(d)
        req["pPropTags"]["cValues"] = len(tags)
        req.fields["pPropTags"].fields["Data"].fields["aulPropTag"].fields["MaximumCount"] = len(tags) + 1
        try:
            r = self.dce.request(req)
            return 0, nspi.simplifyPropertyRow(r["ppRows"])
        except DCERPCException as e:
            return e.get_error_code(), None

    def test_special_table(self):
        r = nspi.hNspiGetSpecialTable(self.dce, self.h)
        rows = nspi.simplifyPropertyRowSet(r["ppRows"])
        names = [row[PR_DISPLAY_NAME_W] for row in rows]
        for want in ("Default Global Address List", "All Address Lists", "All Users", "All Groups",
                     "All Contacts"):
            self.assertIn(want, names)
        r = nspi.hNspiGetSpecialTable(self.dce, self.h, dwFlags=nspi.NspiAddressCreationTemplates)
        self.assertGreaterEqual(len(r["ppRows"]["aRow"]), 1)

    def test_query_rows_paging_over_all_entries(self):
        stat = nspi.STAT()
        stat["CodePage"] = 1252
        names, total, pages = [], None, 0
        while pages < 10000:
            r = nspi.hNspiQueryRows(self.dce, self.h, pStat=stat, Count=50,
                                    pPropTags=[PR_DISPLAY_NAME_W, PR_DISPLAY_TYPE])
            pages += 1
            names += [row[PR_DISPLAY_NAME_W] for row in nspi.simplifyPropertyRowSet(r["ppRows"])]
            stat = r["pStat"]
            total = stat["TotalRecs"]
            if stat["CurrentRec"] == MID_END_OF_TABLE:
                break
        self.assertEqual(len(names), total)
        self.assertEqual(names, sorted(names, key=str.casefold))
        for want in ("Nspialice Archer", "Nspibob Brown", "Nspi Staff", "Nspi Carol External", "Demo User"):
            self.assertIn(want, names)
        self.assertNotIn("Nspihidden Person", names)
        self.assertNotIn("Nspioff Disabled", names)

    def test_resolve_names_w(self):
        mids, rows = self.resolve(["nspibob", "Nspial", "no-such-person", "carol@external.example"],
                                  tags=(PR_DISPLAY_NAME_W, PR_SMTP_ADDRESS_W))
        self.assertGreater(mids[0], MID_AMBIGUOUS)
        self.assertEqual(mids[1], MID_AMBIGUOUS)
        self.assertEqual(mids[2], MID_UNRESOLVED)
        self.assertGreater(mids[3], MID_AMBIGUOUS)
        self.assertEqual([r[PR_DISPLAY_NAME_W] for r in rows], ["Nspibob Brown", "Nspi Carol External"])
        self.assertEqual(rows[0][PR_SMTP_ADDRESS_W], f"nspibob@{REALM}")
        # The hidden user does not resolve.
        self.assertEqual(self.resolve(["nspihidden"])[0], [MID_UNRESOLVED])
        # The 8-bit form.
        r = nspi.hNspiResolveNames(self.dce, self.h, pPropTags=[0x3001001E], paStr=["nspibob"])
        self.assertGreater(r["ppMIds"]["aulPropTag"][0]["Data"], MID_AMBIGUOUS)

    def test_get_matches_anr_and_members(self):
        resp = raw_call(self.dce, 5, get_matches_stub(self.h.getData(), ("anr", "Archer"), [PR_DISPLAY_NAME_W]))
        stat, mids, result = parse_get_matches(resp)
        self.assertEqual(result, 0)
        alice = self.resolve(["nspialice"])[0][0]
        self.assertEqual(mids, [alice])
        self.assertEqual(stat[5], 1)  # TotalRecs
        # Partial name, more matches than requested: TableTooBig.
        resp = raw_call(self.dce, 5, get_matches_stub(self.h.getData(), ("anr", "nspi"), [PR_DISPLAY_NAME_W],
                                                      requested=1))
        self.assertEqual(parse_get_matches(resp)[2], 0x80040403)
        # The members of the group (the hidden member is not listed).
        staff = self.resolve(["nspistaff"])[0][0]
        resp = raw_call(self.dce, 5, get_matches_stub(self.h.getData(), None, [PR_DISPLAY_NAME_W],
                                                      container=PR_MEMBER, current=staff))
        _, mids, result = parse_get_matches(resp)
        self.assertEqual(result, 0)
        self.assertEqual(sorted(mids), sorted([alice, self.resolve(["nspibob"])[0][0]]))

    def test_get_props_with_certificate_and_photo(self):
        alice = self.resolve(["nspialice"])[0][0]
        rc, row = self.get_props(alice, [PR_DISPLAY_NAME_W, PR_EMAIL_ADDRESS_W, PR_THUMBNAIL_PHOTO, PR_X509_CERT,
                                         PR_PROXY_ADDRESSES, 0x3A17001F, 0x8005001F, 0x3002001F])
        self.assertEqual(rc, 0)
        self.assertEqual(row[PR_DISPLAY_NAME_W], "Nspialice Archer")
        self.assertEqual(row[PR_EMAIL_ADDRESS_W],
                         "/o=First Organization/ou=First Administrative Group/cn=Recipients/cn=nspialice")
        self.assertEqual(row[PR_THUMBNAIL_PHOTO], PHOTO)
        self.assertEqual(row[PR_X509_CERT], [CERT])
        self.assertIn(f"SMTP:nspialice@{REALM}", row[PR_PROXY_ADDRESSES])
        self.assertEqual(row[0x3A17001F], "Chief Tester")
        self.assertTrue(row[0x8005001F].endswith("/cn=nspibob"))
        self.assertEqual(row[0x3002001F], "EX")

    def test_dn_to_mid_round_trip_and_invalid_mids(self):
        alice, bob = self.resolve(["nspialice", "nspibob"])[0]
        rc, row = self.get_props(bob, [PR_EMAIL_ADDRESS_W])
        r = nspi.hNspiDNToMId(self.dce, self.h, [row[PR_EMAIL_ADDRESS_W], "/o=nowhere/cn=nobody"])
        self.assertEqual([m["Data"] for m in r["ppOutMIds"]["aulPropTag"]], [bob, 0])
        rc, _ = self.get_props(0x7FFFFFF0, [PR_DISPLAY_NAME_W])
        self.assertEqual(rc, ERRORS_RETURNED)
        # CompareMIds: alice sorts before bob; an unknown MId is a failure.
        req = nspi.NspiCompareMIds()
        req["hRpc"] = self.h
        req["pStat"]["CodePage"] = 1252
        req["MId1"], req["MId2"] = alice, bob
        self.assertLess(self.dce.request(req)["plResult"], 0)
        req["MId2"] = 0x7FFFFFF0
        with self.assertRaises(DCERPCException) as cm:
            self.dce.request(req)
        self.assertEqual(cm.exception.get_error_code(), GENERAL_FAILURE)

    def template_info(self, flags, ul_type=0, dn=None, codepage=1252, lcid=0x409):
        try:
            r = nspi.hNspiGetTemplateInfo(self.dce, self.h, pDN=NULL if dn is None else dn, dwLocaleID=lcid,
                                          ulType=ul_type,
                                          dwCodePage=codepage, dwFlags=flags)
            return 0, nspi.simplifyPropertyRow(r["ppData"])
        except DCERPCException as e:
            return e.get_error_code(), None

    def test_display_templates(self):
        rc, row = self.template_info(TI_TEMPLATE | TI_SCRIPT)
        self.assertEqual(rc, 0)
        rows = parse_trowset(row[PR_TEMPLATE_DATA], "cp1252")
        self.assertEqual(rows[0][4], 8)            # a tabbed page first
        self.assertEqual(rows[0][8], "General")
        display = labelled(rows, "&Display:")
        self.assertEqual((display[4], display[6]), (1, 0x3001001E))  # an edit bound to PR_DISPLAY_NAME
        self.assertTrue(all(r[5] & 0x2 == 0 for r in rows))           # nothing claims to be editable
        # Every bound property is served: GetProps of the demo user answers the name fields.
        demo = self.resolve(["=" + USER])[0][0]
        rc, props = self.get_props(demo, [display[6], labelled(rows, "Alia&s:")[6]])
        self.assertEqual(rc, 0)
        self.assertTrue(props[0x3001001E])
        self.assertEqual(props[0x3A00001E].lower(), USER.lower())
        self.assertEqual(struct.unpack_from("<II", row[PR_SCRIPT_DATA]), (1, 0))  # one instruction: Halt
        # German labels in code page 850; the distribution list template lists members.
        rc, row = self.template_info(TI_TEMPLATE, codepage=850, lcid=0x407)
        self.assertEqual(rc, 0)
        rows = parse_trowset(row[PR_TEMPLATE_DATA], "cp850")
        self.assertIsNotNone(labelled(rows, "&Straße:"))
        self.assertIn(b"&Stra\xe1e:", row[PR_TEMPLATE_DATA])
        rc, row = self.template_info(TI_TEMPLATE, ul_type=1)
        self.assertEqual(labelled(parse_trowset(row[PR_TEMPLATE_DATA], "cp1252"), "Members")[6], PR_MEMBER)
        # No template for the display type: InvalidLocale; CP_WINUNICODE: InvalidCodepage.
        self.assertEqual(self.template_info(TI_TEMPLATE, ul_type=2)[0], INVALID_LOCALE)
        self.assertEqual(self.template_info(TI_TEMPLATE, codepage=1200)[0], INVALID_CODEPAGE)

    def test_address_creation_template(self):
        r = nspi.hNspiGetSpecialTable(self.dce, self.h, dwFlags=nspi.NspiAddressCreationTemplates)
        row = nspi.simplifyPropertyRowSet(r["ppRows"])[0]
        eid = row[PR_ENTRYID]  # impacket parses permanent entry ids itself
        dn = eid["DistinguishedName"]
        dn = dn.decode() if isinstance(dn, bytes) else dn
        rc, data = self.template_info(TI_TEMPLATE | TI_SCRIPT | TI_EMT, ul_type=0x102, dn=dn)
        self.assertEqual(rc, 0)
        self.assertEqual(data[0x3002001E], "SMTP")
        rows = parse_trowset(data[PR_TEMPLATE_DATA], "cp1252")
        email = labelled(rows, "&E-mail address:")
        self.assertEqual((email[4], email[6]), (1, 0x3003001E))
        self.assertEqual(email[5] & 0x6, 0x6)  # editable and required
        # The script: Emit Property Value PR_EMAIL_ADDRESS_A, Halt.
        self.assertEqual(struct.unpack("<4I", data[PR_SCRIPT_DATA]), (3, 2, 0x3003001E, 0))
        self.assertEqual(self.template_info(TI_TEMPLATE, dn="/o=nowhere/cn=X400")[0], INVALID_LOCALE)

    def test_mod_link_att_public_delegates(self):
        demo, bob, alice = self.resolve(["=" + USER, "nspibob", "nspialice"])[0]
        bob_ldn = self.get_props(bob, [PR_EMAIL_ADDRESS_W])[1][PR_EMAIL_ADDRESS_W]
        bob_id = nspi.PermanentEntryID()
        bob_id["ProviderUID"] = nspi.GUID_NSPI
        bob_id["DisplayType"] = 0
        bob_id["DistinguishedName"] = bob_ldn.encode()
        nspi.hNspiModLinkAtt(self.dce, self.h, 0, PR_PUBLIC_DELEGATES_O, demo, [bob_id])
        bob_dn = dn_of("(sAMAccountName=nspibob)")
        r = ldb("ldbsearch", "-H", SAM, f"(sAMAccountName={USER})", "publicDelegates")
        self.assertIn(f"publicDelegates: {bob_dn}", r.stdout)
        rc, row = self.get_props(demo, [PR_PUBLIC_DELEGATES_W])
        self.assertEqual(rc, 0)
        self.assertEqual(row[PR_PUBLIC_DELEGATES_W], [bob_ldn])
        # Somebody else's entry: AccessDenied, and the directory is unchanged.
        with self.assertRaises(DCERPCException) as cm:
            nspi.hNspiModLinkAtt(self.dce, self.h, 0, PR_PUBLIC_DELEGATES_O, alice, [bob_id])
        self.assertEqual(cm.exception.get_error_code(), ACCESS_DENIED)
        r = ldb("ldbsearch", "-H", SAM, "(sAMAccountName=nspialice)", "publicDelegates")
        self.assertNotIn("publicDelegates:", r.stdout)
        # fDelete takes bob out again.
        nspi.hNspiModLinkAtt(self.dce, self.h, 1, PR_PUBLIC_DELEGATES_O, demo, [bob_id])
        r = ldb("ldbsearch", "-H", SAM, f"(sAMAccountName={USER})", "publicDelegates")
        self.assertNotIn("publicDelegates:", r.stdout)

    def test_query_columns_and_names(self):
        r = nspi.hNspiQueryColumns(self.dce, self.h)
        cols = [c["Data"] for c in r["ppColumns"]["aulPropTag"]]
        for t in (PR_DISPLAY_NAME_W, PR_SMTP_ADDRESS_W, PR_X509_CERT, PR_THUMBNAIL_PHOTO):
            self.assertIn(t, cols)
        try:
            r = nspi.hNspiGetNamesFromIDs(self.dce, self.h, pPropTags=[0x80050003])
            code = 0
        except DCERPCException as e:
            code = e.get_error_code()
        self.assertIn(code, (0, ERRORS_RETURNED))



class Provisioning(unittest.TestCase):
    """What openchange_newuser and openchange_user_cleanup do to the GAL."""

    NAME = "nspiprov"

    @classmethod
    def setUpClass(cls):
        cls.dce = connect(nspi.MSRPC_UUID_NSPI)
        cls.h = nspi.hNspiBind(cls.dce)["contextHandle"]

    @classmethod
    def tearDownClass(cls):
        nspi.hNspiUnbind(cls.dce, cls.h)
        cls.dce.disconnect()

    def newuser(self, *args):
        r = subprocess.run(["/usr/bin/python3", NEWUSER, "-s", ENV["SMB_CONF"], *args, self.NAME],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def gal_names(self):
        stat = nspi.STAT()
        stat["CodePage"] = 1252
        names = []
        for _ in range(1000):
            r = nspi.hNspiQueryRows(self.dce, self.h, pStat=stat, Count=100, pPropTags=[PR_DISPLAY_NAME_W])
            names += [row[PR_DISPLAY_NAME_W] for row in nspi.simplifyPropertyRowSet(r["ppRows"])]
            stat = r["pStat"]
            if stat["CurrentRec"] == MID_END_OF_TABLE:
                break
        return names

    def resolves(self):
        r = nspi.hNspiResolveNamesW(self.dce, self.h, pPropTags=[PR_SMTP_ADDRESS_W], paStr=["=" + self.NAME])
        mid = r["ppMIds"]["aulPropTag"][0]
        mid = mid["Data"] if hasattr(mid, "fields") else mid
        return mid > MID_AMBIGUOUS

    def wait_listed(self, listed):
        # The engine rereads the directory every few seconds.
        wait_until(lambda: (("Nspiprov Person" in self.gal_names()) == listed) and self.resolves() == listed,
                   timeout=40)

    def test_lifecycle(self):
        if not dn_of(f"(sAMAccountName={self.NAME})"):
            r = subprocess.run(["samba-tool", "user", "create", self.NAME, PW, "-s", ENV["SMB_CONF"],
                                "--given-name=Nspiprov", "--surname=Person"],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
        # A plain AD user is not in the GAL; openchange_newuser --create puts it there.
        self.wait_listed(False)
        self.newuser("--create")
        self.wait_listed(True)
        r = nspi.hNspiResolveNamesW(self.dce, self.h, pPropTags=[PR_SMTP_ADDRESS_W], paStr=["=" + self.NAME])
        self.assertEqual(nspi.simplifyPropertyRowSet(r["ppRows"])[0][PR_SMTP_ADDRESS_W], f"{self.NAME}@{REALM}")
        # Hidden, disabled: gone; shown, enabled: back.
        self.newuser("--hide")
        self.wait_listed(False)
        self.newuser("--unhide")
        self.wait_listed(True)
        self.newuser("--disable")
        self.wait_listed(False)
        self.newuser("--enable")
        self.wait_listed(True)
        # --delete takes the Exchange attributes away; openchange_user_cleanup
        # then removes the gateway-side state and leaves the GAL as it is.
        self.newuser("--delete")
        self.wait_listed(False)
        r = subprocess.run(["/usr/bin/python3", os.path.join(SRC, "provision", "openchange_user_cleanup"),
                            "-s", ENV["SMB_CONF"], self.NAME], capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertFalse(self.resolves())
        self.assertIsNotNone(dn_of(f"(sAMAccountName={self.NAME})"))  # the AD account itself stays

    def test_address_lists_come_from_the_directory(self):
        """The provisioned address lists (CN=Address Lists Container) are the
        hierarchy, with their purportedSearch membership."""
        r = nspi.hNspiGetSpecialTable(self.dce, self.h)
        rows = nspi.simplifyPropertyRowSet(r["ppRows"])
        names = [row[PR_DISPLAY_NAME_W] for row in rows]
        self.assertEqual(names[0], "Default Global Address List")
        self.assertNotIn("All Rooms", names)   # generated only when the directory has no lists
        # A list an administrator adds below All Address Lists appears, with its members.
        alc = dn_of("(&(objectClass=addressBookContainer)(cn=All Address Lists))", base="CN=Configuration," + BASE)
        self.assertIsNotNone(alc)
        ldif_apply("ldbadd", f"""dn: CN=Nspi Browns,{alc}
objectClass: addressBookContainer
displayName: Nspi Browns
purportedSearch: (sn=Brown)
""")
        def browns():
            rows = nspi.simplifyPropertyRowSet(nspi.hNspiGetSpecialTable(self.dce, self.h)["ppRows"])
            for row in rows:
                if row[PR_DISPLAY_NAME_W] == "Nspi Browns":
                    return row
            return None
        wait_until(lambda: browns() is not None, timeout=40)
        row = browns()
        self.assertEqual(row[0x30050003], 1)  # depth: below All Address Lists
        stat = nspi.STAT()
        stat["CodePage"] = 1252
        stat["ContainerID"] = row[0xFFFD0003]
        r = nspi.hNspiQueryRows(self.dce, self.h, pStat=stat, Count=50, pPropTags=[PR_DISPLAY_NAME_W])
        self.assertEqual([x[PR_DISPLAY_NAME_W] for x in nspi.simplifyPropertyRowSet(r["ppRows"])],
                         ["Nspibob Brown"])

class Referral(unittest.TestCase):
    def test_rfr(self):
        dce = connect(oxabref.MSRPC_UUID_OXABREF)
        r = oxabref.hRfrGetNewDSA(dce, ENV["DEMO_USER_DN"])
        self.assertEqual(r["ppszServer"].lower(), ENV["DC_HOSTNAME"].lower())
        server = "/o=First Organization/ou=First Administrative Group/cn=Configuration/cn=Servers/cn=" + \
                 ENV["NETBIOS"]
        r = oxabref.hRfrGetFQDNFromServerDN(dce, server + "/cn=Microsoft Private MDB")
        self.assertEqual(r["ppszServerFQDN"].lower(), ENV["DC_HOSTNAME"].lower())
        with self.assertRaises(DCERPCException) as cm:
            oxabref.hRfrGetFQDNFromServerDN(dce, "/o=First Organization/cn=nowhere")
        self.assertEqual(cm.exception.get_error_code(), NOT_FOUND)
        dce.disconnect()


if __name__ == "__main__":
    sys.exit(mgtest.run(__name__))
