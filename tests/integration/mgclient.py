#!/usr/bin/python3
"""Third-party client helpers (impacket) for mapigate integration tests.

Resolves the gateway's interfaces through Samba's endpoint mapper, binds with
NTLM at packet privacy and sends raw calls. Also a small CLI:
    mgclient.py ping --host H --user U --password P --domain D
"""
import argparse
import sys

from impacket.dcerpc.v5 import epm, transport
from impacket.dcerpc.v5.rpcrt import (DCERPCException, RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
                                      RPC_C_AUTHN_WINNT)
from impacket.uuid import uuidtup_to_bin

IFACES = {
    "emsmdb": ("A4F1DB00-CA47-1067-B31F-00DD010662DA", "0.81"),
    "nspi": ("F5CC5A18-4264-101A-8C59-08002B2F8426", "56.0"),
    "rfr": ("1544F5E0-613C-11D1-93DF-00C04FD7BD09", "1.0"),
    "asyncemsmdb": ("5261574A-4572-206E-B268-6B199213B4E4", "0.1"),
}


def resolve(host, name):
    """Endpoint-mapper lookup: returns e.g. 'ncacn_ip_tcp:127.0.0.1[49153]'."""
    return epm.hept_map(host, uuidtup_to_bin(IFACES[name]), protocol="ncacn_ip_tcp")


def connect(host, name, user=None, password=None, domain="", binding=None):
    binding = binding or resolve(host, name)
    t = transport.DCERPCTransportFactory(binding)
    t.set_connect_timeout(10)
    if user is not None:
        t.set_credentials(user, password, domain)
    dce = t.get_dce_rpc()
    if user is not None:
        dce.set_auth_type(RPC_C_AUTHN_WINNT)
        dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    dce.connect()
    dce.bind(uuidtup_to_bin(IFACES[name]))
    return dce


def raw_call(dce, opnum, stub=b""):
    dce.call(opnum, stub)
    return dce.recv()


def ec_dummy_rpc(dce):
    """MS-OXCRPC EcDummyRpc (opnum 6): returns the 32-bit result."""
    resp = raw_call(dce, 6)
    if len(resp) != 4:
        raise ValueError(f"EcDummyRpc: expected a 4-byte response, got {len(resp)}")
    return int.from_bytes(resp, "little")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["ping", "resolve"])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--domain", default="")
    a = ap.parse_args()
    try:
        if a.command == "resolve":
            for name in IFACES:
                print(f"{name}: {resolve(a.host, name)}")
            return 0
        dce = connect(a.host, "emsmdb", a.user, a.password, a.domain)
        rc = ec_dummy_rpc(dce)
        dce.disconnect()
        print(f"EcDummyRpc -> 0x{rc:08x}")
        return 0 if rc == 0 else 1
    except (DCERPCException, OSError, ValueError) as e:
        print(f"{a.command} failed: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # impacket raises assorted types on connect errors
        print(f"{a.command} failed: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
