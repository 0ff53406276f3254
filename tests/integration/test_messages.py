#!/usr/bin/python3
"""Messages end to end (MS-OXCMSG): a message with a recipient and an
attachment is created in one ROP buffer and read back in another session,
through mapigate-client, Samba + the mapiproxy module and the engine over
MariaDB. The ROP buffers and the RecipientRow are built here byte by byte
from MS-OXCROPS / MS-OXCDATA, independently of the engine's codecs."""
import os
import struct
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mgtest  # noqa: E402
from test_rops import (Reader, call, header, logon_fids, read_logon, rop_buffer, rop_logon,  # noqa: E402
                       rop_open_folder, rops_of)

PID_TAG_SUBJECT = 0x0037001F
PID_TAG_DISPLAY_TO = 0x0E04001F
PID_TAG_HAS_ATTACHMENTS = 0x0E1B000B
PID_TAG_ATTACH_DATA_BINARY = 0x37010102
PID_TAG_ATTACH_METHOD = 0x37050003
PID_TAG_ATTACH_LONG_FILENAME = 0x3707001F
ATTACH_BY_VALUE = 1


def utf16z(s):
    return s.encode("utf-16-le") + b"\0\0"


def tagged_values(values):
    """PropertyValueSize, PropertyValueCount, TaggedPropertyValues (MS-OXCROPS 2.2.8.6.1)."""
    body = struct.pack("<H", len(values))
    for tag, v in values:
        body += struct.pack("<I", tag)
        kind = tag & 0xFFFF
        if kind == 0x001F:
            body += utf16z(v)
        elif kind == 0x0102:
            body += struct.pack("<H", len(v)) + v
        elif kind == 0x0003:
            body += struct.pack("<i", v)
        else:
            raise ValueError(hex(tag))
    return struct.pack("<H", len(body)) + body


def rop_set_properties(in_index, values):
    return bytes([0x0A, 0, in_index]) + tagged_values(values)


def rop_create_message(fid, in_index, out_index):
    return bytes([0x06, 0, in_index, out_index]) + struct.pack("<HQB", 0x0FFF, fid, 0)


def smtp_recipient_row(name, address):
    """RecipientRow (MS-OXCDATA 2.8.3): Type SMTP with E, D and U, no other columns."""
    flags = 0x0003 | 0x0008 | 0x0010 | 0x0200
    return struct.pack("<H", flags) + utf16z(address) + utf16z(name) + struct.pack("<H", 0) + b"\x00"


def rop_modify_recipients(in_index, rows):
    out = bytes([0x0E, 0, in_index]) + struct.pack("<HH", 0, len(rows))
    for row_id, rtype, row in rows:
        out += struct.pack("<IBH", row_id, rtype, len(row)) + row
    return out


def rop_create_attachment(in_index, out_index):
    return bytes([0x23, 0, in_index, out_index])


def rop_save_attachment(message_index, attachment_index):
    return bytes([0x25, 0, message_index, attachment_index, 0x02])


def rop_save_message(folder_index, message_index):
    return bytes([0x0C, 0, folder_index, message_index, 0x02])


def rop_open_message(fid, mid, in_index, out_index):
    return bytes([0x03, 0, in_index, out_index]) + struct.pack("<HQBQ", 0x0FFF, fid, 0, mid)


def rop_open_attachment(in_index, out_index, attach_num):
    return bytes([0x22, 0, in_index, out_index, 0]) + struct.pack("<I", attach_num)


def rop_get_props(in_index, tags):
    return bytes([0x07, 0, in_index]) + struct.pack("<HHH", 0, 1, len(tags)) + b"".join(
        struct.pack("<I", t) for t in tags)


def typed_string(r):
    """TypedString (MS-OXCDATA 2.11.7)."""
    kind = r.u8()
    if kind == 0:
        return None
    if kind == 1:
        return ""
    if kind in (2, 3):
        end = r.d.index(b"\0", r.o)
        s = r.d[r.o:end].decode("latin-1")
        r.o = end + 1
        return s
    return r.utf16z()


def value(r, tag):
    kind = tag & 0xFFFF
    if kind == 0x001F:
        return r.utf16z()
    if kind == 0x0102:
        return r.take(r.u16())
    if kind == 0x000B:
        return r.u8() != 0
    if kind == 0x0003:
        return r.u32()
    raise ValueError(hex(tag))


def property_row(r, tags):
    flag = r.u8()
    out = []
    for t in tags:
        if flag == 1:
            f = r.u8()
            if f != 0:
                r.u32()
                out.append(None)
                continue
        out.append(value(r, t))
    return out


def create_message(inbox, subject, data):
    """One buffer: create, subject, one To recipient, one attachment, save both. Returns the MID."""
    resp = call(rop_buffer([
        rop_logon(0), rop_open_folder(inbox, 0, 1), rop_create_message(inbox, 1, 2),
        rop_set_properties(2, [(PID_TAG_SUBJECT, subject)]),
        rop_modify_recipients(2, [(0, 1, smtp_recipient_row("Bob Example", "bob@example.org"))]),
        rop_create_attachment(2, 3),
        rop_set_properties(3, [(PID_TAG_ATTACH_LONG_FILENAME, "notes.txt"), (PID_TAG_ATTACH_METHOD, ATTACH_BY_VALUE),
                               (PID_TAG_ATTACH_DATA_BINARY, data)]),
        rop_save_attachment(2, 3), rop_save_message(1, 2)], 4))
    r = rops_of(resp)
    read_logon(r)
    assert header(r, 0x02) == 0
    r.take(2)
    assert header(r, 0x06) == 0, "RopCreateMessage"
    assert r.u8() == 1
    mid = r.u64()
    assert header(r, 0x0A) == 0 and r.u16() == 0, "RopSetProperties on the message"
    assert header(r, 0x0E) == 0, "RopModifyRecipients"
    assert header(r, 0x23) == 0, "RopCreateAttachment"
    assert r.u32() == 0, "first AttachmentID"
    assert header(r, 0x0A) == 0 and r.u16() == 0, "RopSetProperties on the attachment"
    assert header(r, 0x25) == 0, "RopSaveChangesAttachment"
    rv = header(r, 0x0C)
    assert rv == 0, f"RopSaveChangesMessage: 0x{rv:08x}"
    r.u8()
    assert r.u64() == mid
    return mid


class Messages(unittest.TestCase):
    def test_message_with_recipient_and_attachment_reads_back(self):
        # The Outbox lives in the fallback store: with the IMAP provider on, the
        # mail folders are on Dovecot, where saving MAPI messages is not possible yet.
        folder = logon_fids()[5]
        subject = "Quarterly report " + uuid.uuid4().hex[:8] + " \u20ac"
        data = bytes(range(256)) * 8
        mid = create_message(folder, subject, data)

        # Another session: open it, its recipient comes with RopOpenMessage.
        msg_tags = [PID_TAG_SUBJECT, PID_TAG_DISPLAY_TO, PID_TAG_HAS_ATTACHMENTS]
        att_tags = [PID_TAG_ATTACH_LONG_FILENAME, PID_TAG_ATTACH_DATA_BINARY]
        resp = call(rop_buffer([rop_logon(0), rop_open_message(folder, mid, 0, 1), rop_get_props(1, msg_tags),
                                rop_open_attachment(1, 2, 0), rop_get_props(2, att_tags)], 3))
        r = rops_of(resp)
        read_logon(r)
        self.assertEqual(header(r, 0x03), 0, "RopOpenMessage")
        r.u8()  # HasNamedProperties
        typed_string(r)  # SubjectPrefix
        self.assertEqual(typed_string(r), subject)
        self.assertEqual(r.u16(), 1, "RecipientCount")
        columns = [r.u32() for _ in range(r.u16())]
        self.assertEqual(r.u8(), 1, "RowCount")
        self.assertEqual(r.u8(), 1, "RecipientType To")
        r.u16()  # CodePageId
        r.u16()  # Reserved
        row = Reader(r.take(r.u16()))
        flags = row.u16()
        self.assertEqual(flags & 0x0007, 3, "Type SMTP")
        self.assertTrue(flags & 0x0200, "Unicode")
        self.assertEqual(row.utf16z(), "bob@example.org")
        self.assertEqual(row.utf16z(), "Bob Example")
        self.assertLessEqual(row.u16(), len(columns))

        self.assertEqual(header(r, 0x07), 0, "RopGetPropertiesSpecific on the message")
        got = property_row(r, msg_tags)
        self.assertEqual(got, [subject, "Bob Example", True])
        self.assertEqual(header(r, 0x22), 0, "RopOpenAttachment")
        self.assertEqual(header(r, 0x07), 0, "RopGetPropertiesSpecific on the attachment")
        self.assertEqual(property_row(r, att_tags), ["notes.txt", data])


if __name__ == "__main__":
    sys.exit(mgtest.run(__name__))
