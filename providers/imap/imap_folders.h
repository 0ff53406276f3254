// IMAP mailboxes <-> MAPI mail folders: which mailbox plays which special
// folder (INBOX, SPECIAL-USE flags of RFC 6154, or configured names), the
// folder hierarchy from the hierarchy delimiter, Unicode display names from
// modified UTF-7, and the mailbox name a new MAPI folder gets (refusing
// names the IMAP server cannot hold).
#pragma once

#include "mapistore/provider.h"
#include "providers/imap/imap_client.h"

#include <string>
#include <vector>

namespace mg::imap {

using store::FolderRole;

// Names that mark a role when no mailbox carries the SPECIAL-USE flag
// (servers without SPECIAL-USE, or mailboxes created before it was set).
// Compared case-insensitively against the whole (decoded) mailbox name.
struct RoleNames {
    std::vector<std::string> sent = {"Sent", "Sent Items", "Sent Messages", "Sent Mail"};
    std::vector<std::string> drafts = {"Drafts"};
    std::vector<std::string> trash = {"Trash", "Deleted Items", "Deleted Messages"};
    std::vector<std::string> junk = {"Junk", "Junk E-mail", "Junk Email", "Spam"};
    std::vector<std::string> outbox = {"Outbox"};
};

// One mailbox as a MAPI folder.
struct MailFolder {
    std::string mailbox;         // wire name (the provider URI's path)
    std::string parent_mailbox;  // "" for top-level folders (under the IPM subtree)
    std::string display_name;    // last hierarchy component, UTF-8
    FolderRole role = FolderRole::Generic;
    bool selectable = true;      // false for \Noselect / \NonExistent (and implied parents)
    bool synthesized = false;    // a parent the server did not list
    char delimiter = 0;
};

// Maps a LIST result. Every role is given to at most one mailbox:
// INBOX first, then SPECIAL-USE flags, then configured names. Parents that
// are missing from the list are added as non-selectable folders, so the
// hierarchy is complete. Names that are not valid modified UTF-7 are shown
// as sent (and logged). The order is parents before children.
std::vector<MailFolder> map_folders(const std::vector<MailboxInfo>& list, const RoleNames& names = {});

// The SPECIAL-USE flag of a role ("\\Sent" ...), or "" when it has none.
std::string special_use_flag(FolderRole role);

// The wire name for a new folder `display_name` (UTF-8) under
// `parent_mailbox` ("" for the top level). Throws store::StoreError
// (ecInvalidParam) with a clear reason when IMAP cannot hold it: empty,
// contains the hierarchy delimiter, control characters or the LIST
// wildcards '*' '%', is "." or "..", invalid UTF-8, or too long.
std::string child_mailbox_name(const std::string& parent_mailbox, const std::string& display_name, char delimiter);

}  // namespace mg::imap
