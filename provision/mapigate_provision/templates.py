"""Address and display templates per locale (English, French, German).

Exchange keeps one container per LCID (hexadecimal: 409, 40c, 407) below
CN=Address-Templates and CN=Display-Templates. Display templates are named
after the MAPI display type they describe (0 = mailbox user, 1 = distribution
list, 6 = remote user / mail contact, [MS-OXOABK] PidTagDisplayType); the
address template describes the "SMTP" address type.

Only the names and types are provisioned: the binary dialog layouts
(addressEntryDisplayTable, perRecipDialogDisplayTable, [MS-OXOABKT]) are left
empty, which clients treat as "use the built-in layout".
"""

LOCALES = {
    0x409: {
        "tag": "en",
        "address": {"SMTP": {"displayName": "Internet Address", "addressType": "SMTP"}},
        "display": {
            "0": {"displayName": "User"},
            "1": {"displayName": "Distribution List"},
            "6": {"displayName": "Contact"},
        },
    },
    0x40c: {
        "tag": "fr",
        "address": {"SMTP": {"displayName": "Adresse Internet", "addressType": "SMTP"}},
        "display": {
            "0": {"displayName": "Utilisateur"},
            "1": {"displayName": "Liste de distribution"},
            "6": {"displayName": "Contact"},
        },
    },
    0x407: {
        "tag": "de",
        "address": {"SMTP": {"displayName": "Internetadresse", "addressType": "SMTP"}},
        "display": {
            "0": {"displayName": "Benutzer"},
            "1": {"displayName": "Verteilerliste"},
            "6": {"displayName": "Kontakt"},
        },
    },
}
