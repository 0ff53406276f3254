#!/usr/bin/python3
"""Address book benchmark (docs/PERFORMANCE.md section "NSPI").

Run inside the sandbox's namespace:
    MG_ENV_FILE=<env> ip netns exec <ns> /usr/bin/python3 bench/nspi_bench.py [--entries 10000]

1. Makes the GAL hold --entries entries: mail contacts under OU=NspiBench
   (ldbadd, once; later runs reuse them).
2. NspiQueryRows over every GAL entry (8 columns) through Samba + the module +
   the engine, with impacket's transport (NTLM, packet privacy) and stubs
   marshalled here: the client does not decode the rows (only the STAT), so
   the time is the server's and the transport's.
3. The same attributes of the same entries with ldapsearch (OpenLDAP's
   client, simple paged results of 1000) against the same DC's LDAP socket.
4. NspiResolveNamesW of 100 names per call.
Best of 3 runs each."""
import argparse
import os
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
from mgtest import ENV  # noqa: E402

from impacket.dcerpc.v5 import epm, nspi, transport  # noqa: E402
from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_AUTHN_WINNT  # noqa: E402

SAM = os.path.join(ENV["DATA_DIR"], "samba", "private", "sam.ldb")
BASE = ENV["BASE_DN"]
OU = "OU=NspiBench," + BASE
LDAPI = "ldapi://" + os.path.join(ENV["DATA_DIR"], "samba", "private", "ldap_priv", "ldapi").replace("/", "%2F")
COLUMNS = [0x3001001F, 0x39FE001F, 0x3003001F, 0x3A17001F, 0x3A18001F, 0x3A08001F, 0x3A06001F, 0x3A11001F]
ATTRS = ["displayName", "mail", "legacyExchangeDN", "title", "department", "telephoneNumber", "givenName", "sn"]
GAL_FILTER = ("(&(mailNickname=*)(!(msExchHideFromAddressLists=TRUE))"
              "(!(userAccountControl:1.2.840.113556.1.4.803:=2))(!(msExchUserAccountControl=2))"
              "(|(&(objectCategory=person)(objectClass=user)(|(homeMDB=*)(msExchHomeServerName=*)))"
              "(&(objectCategory=person)(objectClass=contact))(objectCategory=group)))")


def count_bench():
    r = subprocess.run(["ldbsearch", "-H", SAM, "-b", OU, "-s", "one", "(objectClass=contact)", "dn"],
                       capture_output=True, text=True)
    return sum(1 for ln in r.stdout.splitlines() if ln.startswith("dn: "))


def ensure_entries(n):
    have = count_bench()
    if have >= n:
        return have
    chunks = [f"dn: {OU}\nobjectClass: organizationalUnit\n\n"] if have == 0 else []
    for i in range(have, n):
        chunks.append(
            f"dn: CN=Bench Contact {i:05d},{OU}\nobjectClass: contact\ndisplayName: Bench Contact {i:05d}\n"
            f"givenName: Bench\nsn: Contact{i:05d}\nmailNickname: bench{i:05d}\nmail: bench{i:05d}@bench.example\n"
            f"proxyAddresses: SMTP:bench{i:05d}@bench.example\ntitle: Tester\ndepartment: Dept {i % 50}\n"
            f"telephoneNumber: +1 555 {i:07d}\n\n")
    r = subprocess.run(["ldbadd", "-H", SAM], input="".join(chunks), capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"ldbadd failed: {r.stderr[-2000:]}")
    return count_bench()


def connect():
    binding = epm.hept_map(ENV["DC_IP"], nspi.MSRPC_UUID_NSPI, protocol="ncacn_ip_tcp")
    t = transport.DCERPCTransportFactory(binding)
    t.set_credentials(ENV["DEMO_USER"], ENV["DEMO_PASSWORD"], ENV["DOMAIN"])
    dce = t.get_dce_rpc()
    dce.set_auth_type(RPC_C_AUTHN_WINNT)
    dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    dce.connect()
    dce.bind(nspi.MSRPC_UUID_NSPI)
    return dce, nspi.hNspiBind(dce)["contextHandle"].getData()


def tag_array(tags):
    n = len(tags)
    return struct.pack("<IIII", n + 1, n, 0, n) + b"".join(struct.pack("<I", t) for t in tags)


def query_all(dce, h, count):
    stat = struct.pack("<IIIiIIIII", 0, 0, 0, 0, 0, 0, 1252, 0x409, 0x409)
    rows = calls = 0
    while True:
        stub = h + struct.pack("<I", 0) + stat + struct.pack("<III", 0, 0, count) + \
            struct.pack("<I", 0x20000) + tag_array(COLUMNS)
        dce.call(3, stub)
        resp = dce.recv()
        calls += 1
        stat = resp[:36]
        current, num_pos, total = struct.unpack_from("<I", stat, 8)[0], *struct.unpack_from("<II", stat, 16)
        rows = num_pos
        if current == 2 or calls > 100000:
            return rows, calls, total


def resolve_w(dce, h, names):
    b = h + struct.pack("<I", 0) + struct.pack("<IIIiIIIII", 0, 0, 0, 0, 0, 0, 1252, 0x409, 0x409)
    b += struct.pack("<I", 0x20000) + tag_array([0x3001001F, 0x39FE001F])
    b += struct.pack("<II", len(names), len(names)) + b"".join(struct.pack("<I", 0x20004 + 4 * i)
                                                               for i in range(len(names)))
    for name in names:
        text = (name + "\0").encode("utf-16-le")
        b += struct.pack("<III", len(text) // 2, 0, len(text) // 2) + text
        b += b"\0" * (-len(b) % 4)
    dce.call(20, b)
    return dce.recv()


def best(fn, runs=3):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=10000)
    a = ap.parse_args()
    t = time.perf_counter()
    n = ensure_entries(a.entries)
    print(f"bench contacts: {n} (setup {time.perf_counter() - t:.1f} s)")
    dce, h = connect()
    # Warm up: the engine's snapshot is refreshed when older than 10 s.
    time.sleep(11)
    t = time.perf_counter()
    rows, calls, total = query_all(dce, h, 1000)
    print(f"first QueryRows pass (includes the directory snapshot load): {time.perf_counter() - t:.2f} s")

    def ldap():
        r = subprocess.run(["ldapsearch", "-LLL", "-x", "-H", LDAPI, "-b", BASE, "-E", "pr=1000/noprompt",
                            GAL_FILTER, *ATTRS], capture_output=True, text=True)
        return r.stdout.count("\ndn: ") + r.stdout.startswith("dn: ")

    tl, ldap_rows = best(ldap)
    print(f"ldapsearch: {ldap_rows} entries in {tl:.3f} s ({ldap_rows / tl:.0f} entries/s)")
    for count in (100, 1000):
        tq, (rows, calls, total) = best(lambda: query_all(dce, h, count))
        print(f"NspiQueryRows Count={count}: {rows} rows of {total} in {calls} calls, {tq:.3f} s "
              f"({rows / tq:.0f} rows/s), {tq / tl:.2f} x ldapsearch")
    names = [f"bench{i:05d}" for i in range(0, min(n, 100))]
    tr, _ = best(lambda: [resolve_w(dce, h, names) for _ in range(10)])
    print(f"NspiResolveNamesW of {len(names)} names: {tr / 10 * 1000:.1f} ms per call "
          f"({len(names) * 10 / tr:.0f} names/s)")


if __name__ == "__main__":
    main()
