#!/usr/bin/python3
"""ROPs end to end: ROP request buffers built here, byte by byte from
MS-OXCROPS, sent with mapigate-client (Samba's client library, NTLM, packet
privacy) through Samba + the mapiproxy module to the engine, which answers
from the mailbox in MariaDB. Checks logon, the special-folder tree, folder
creation, and that everything survives an engine restart."""
import os
import struct
import subprocess
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mgtest  # noqa: E402
from mgtest import ENV, stackctl, wait_until  # noqa: E402
from test_emsmdb import run_client  # noqa: E402

DN = ENV["DEMO_USER_DN"]
PID_TAG_DISPLAY_NAME_W = 0x3001001F
PID_TAG_FOLDER_ID = 0x67480014
NO_HANDLE = 0xFFFFFFFF


def rop_buffer(rops, handle_slots):
    body = b"".join(rops)
    return struct.pack("<H", 2 + len(body)) + body + struct.pack(f"<{handle_slots}I", *([NO_HANDLE] * handle_slots))


def rop_logon(out_index=0):
    essdn = DN.encode() + b"\0"
    return (bytes([0xFE, 0, out_index, 0x01]) + struct.pack("<II", 0x01000000, 0) +
            struct.pack("<H", len(essdn)) + essdn)


def rop_open_folder(fid, in_index, out_index):
    return bytes([0x02, 0, in_index, out_index]) + struct.pack("<QB", fid, 0)


def rop_hierarchy_table(in_index, out_index, flags=0):
    return bytes([0x04, 0, in_index, out_index, flags])


def rop_set_columns(in_index, tags):
    return bytes([0x12, 0, in_index, 0]) + struct.pack("<H", len(tags)) + b"".join(struct.pack("<I", t) for t in tags)


def rop_query_rows(in_index, count):
    return bytes([0x15, 0, in_index, 0, 1]) + struct.pack("<H", count)


def rop_create_folder(in_index, out_index, name):
    return (bytes([0x1C, 0, in_index, out_index, 1, 1, 0, 0]) + name.encode("utf-16-le") + b"\0\0" +
            "".encode("utf-16-le") + b"\0\0")


def call(buf):
    r = run_client("--dn", DN, "rop-hex", buf.hex())
    if r.returncode != 0:
        raise AssertionError(f"mapigate-client failed: {r.stderr.strip()}")
    for line in r.stdout.splitlines():
        if line.startswith("rop response:"):
            return bytes.fromhex(line.split(":", 1)[1].strip())
    raise AssertionError(f"no ROP response in: {r.stdout}")


class Reader:
    def __init__(self, data):
        self.d, self.o = data, 0

    def take(self, n):
        v = self.d[self.o:self.o + n]
        if len(v) != n:
            raise AssertionError("response truncated")
        self.o += n
        return v

    def u8(self): return self.take(1)[0]
    def u16(self): return struct.unpack("<H", self.take(2))[0]
    def u32(self): return struct.unpack("<I", self.take(4))[0]
    def u64(self): return struct.unpack("<Q", self.take(8))[0]

    def utf16z(self):
        end = self.o
        while self.d[end:end + 2] != b"\0\0":
            end += 2
        s = self.d[self.o:end].decode("utf-16-le")
        self.o = end + 2
        return s


def rops_of(resp):
    r = Reader(resp)
    size = r.u16()
    return Reader(resp[2:size])


def header(r, rop_id):
    got = r.u8()
    assert got == rop_id, f"expected ROP 0x{rop_id:02x}, got 0x{got:02x}"
    r.u8()
    return r.u32()


def read_logon(r):
    rv = header(r, 0xFE)
    assert rv == 0, f"RopLogon failed: 0x{rv:08x}"
    r.u8()  # LogonFlags
    fids = [r.u64() for _ in range(13)]
    r.take(1 + 16 + 2 + 16 + 8 + 8 + 4)
    return fids


def logon_fids():
    return read_logon(rops_of(call(rop_buffer([rop_logon()], 1))))


def subfolders(fid):
    """Names and ids of the subfolders of `fid`, via one ROP buffer."""
    resp = call(rop_buffer([rop_logon(0), rop_open_folder(fid, 0, 1), rop_hierarchy_table(1, 2),
                            rop_set_columns(2, [PID_TAG_DISPLAY_NAME_W, PID_TAG_FOLDER_ID]),
                            rop_query_rows(2, 500)], 3))
    r = rops_of(resp)
    read_logon(r)
    assert header(r, 0x02) == 0
    r.take(2)  # HasRules, IsGhosted
    assert header(r, 0x04) == 0
    count = r.u32()
    assert header(r, 0x12) == 0
    r.u8()
    assert header(r, 0x15) == 0
    r.u8()  # Origin
    n = r.u16()
    assert n == count, f"QueryRows returned {n} of {count} rows"
    rows = {}
    for _ in range(n):
        flag = r.u8()
        assert flag == 0, "a flagged row: a column had no value"
        name = r.utf16z()
        rows[name] = r.u64()
    return rows


class Rops(unittest.TestCase):
    def test_logon_returns_the_special_folders(self):
        fids = logon_fids()
        self.assertEqual(len(set(fids)), 13, "13 distinct special folder ids")
        self.assertNotIn(0, fids)

    def test_ipm_subtree_lists_outlooks_folders(self):
        names = subfolders(logon_fids()[3])
        for n in ("Inbox", "Outbox", "Sent Items", "Deleted Items", "Drafts", "Calendar", "Contacts", "Tasks",
                  "Notes", "Journal", "Junk E-mail", "Sync Issues", "RSS Feeds"):
            self.assertIn(n, names)
        self.assertEqual(names["Inbox"], logon_fids()[4])

    def test_created_folder_survives_an_engine_restart(self):
        ipm = logon_fids()[3]
        name = "Project " + uuid.uuid4().hex[:8] + " \u00e9\u20ac"
        resp = call(rop_buffer([rop_logon(0), rop_open_folder(ipm, 0, 1), rop_create_folder(1, 2, name)], 3))
        r = rops_of(resp)
        read_logon(r)
        self.assertEqual(header(r, 0x02), 0)
        r.take(2)
        self.assertEqual(header(r, 0x1C), 0)
        fid = r.u64()
        self.assertEqual(subfolders(ipm).get(name), fid)
        stackctl("stop_engine")
        stackctl("start_engine")
        wait_until(lambda: stackctl("ping", check=False).returncode == 0, 60)
        self.assertEqual(subfolders(ipm).get(name), fid)

    def test_duplicate_folder_name_is_refused(self):
        ipm = logon_fids()[3]
        resp = call(rop_buffer([rop_logon(0), rop_open_folder(ipm, 0, 1), rop_create_folder(1, 2, "Inbox")], 3))
        r = rops_of(resp)
        read_logon(r)
        header(r, 0x02)
        r.take(2)
        self.assertEqual(header(r, 0x1C), 0x80040604)  # ecDuplicateName


if __name__ == "__main__":
    sys.exit(mgtest.run(__name__))
