// Mailbox list -> MAPI mail folders.
#include "providers/imap/imap_folders.h"

#include "common/log.h"
#include "providers/imap/mutf7.h"

#include <algorithm>
#include <map>

namespace mg::imap {

namespace {

std::string display_of(const std::string& wire) {
    try {
        return mutf7_to_utf8(wire);
    } catch (const DecodeError& e) {
        LOG_WARN("IMAP mailbox name \"%s\" is not modified UTF-7 (%s); shown as sent", wire.c_str(), e.what());
        // Keep only what a MAPI string can carry.
        std::string out;
        for (char c : wire) out += (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E) ? '?' : c;
        return out;
    }
}

}  // namespace

std::string special_use_flag(FolderRole role) {
    switch (role) {
    case FolderRole::SentItems: return "\\Sent";
    case FolderRole::Drafts: return "\\Drafts";
    case FolderRole::DeletedItems: return "\\Trash";
    case FolderRole::Junk: return "\\Junk";
    default: return {};
    }
}

std::vector<MailFolder> map_folders(const std::vector<MailboxInfo>& list, const RoleNames& names) {
    std::map<std::string, MailFolder> by_name;  // ordered: a parent sorts before its children
    for (const MailboxInfo& m : list) {
        MailFolder f;
        f.mailbox = m.name;
        f.delimiter = m.delimiter;
        f.selectable = !m.has_flag("\\Noselect") && !m.has_flag("\\NonExistent");
        size_t cut = m.delimiter ? m.name.rfind(m.delimiter) : std::string::npos;
        f.parent_mailbox = cut == std::string::npos ? std::string() : m.name.substr(0, cut);
        f.display_name = display_of(cut == std::string::npos ? m.name : m.name.substr(cut + 1));
        // RFC 3501 5.1: INBOX is case-insensitive.
        if (upper(m.name) == "INBOX") {
            f.mailbox = "INBOX";
            f.display_name = "Inbox";
        }
        by_name[f.mailbox] = f;
    }
    // Parents the server did not list (LIST "*" normally lists them, but
    // e.g. a subscription list or a \NonExistent parent may not).
    std::vector<std::string> missing;
    for (auto& [name, f] : by_name) {
        std::string p = f.parent_mailbox;
        char d = f.delimiter;
        while (!p.empty() && !by_name.count(p)) {
            missing.push_back(p);
            size_t cut = p.rfind(d);
            p = cut == std::string::npos ? std::string() : p.substr(0, cut);
        }
    }
    for (const std::string& p : missing) {
        if (by_name.count(p)) continue;
        const MailFolder* child = nullptr;
        for (auto& [name, f] : by_name)
            if (name.size() > p.size() && name.compare(0, p.size(), p) == 0) {
                child = &f;
                break;
            }
        MailFolder f;
        f.mailbox = p;
        f.delimiter = child ? child->delimiter : '/';
        size_t cut = p.rfind(f.delimiter);
        f.parent_mailbox = cut == std::string::npos ? std::string() : p.substr(0, cut);
        f.display_name = display_of(cut == std::string::npos ? p : p.substr(cut + 1));
        f.selectable = false;
        f.synthesized = true;
        by_name[p] = f;
    }

    // Roles: INBOX, then SPECIAL-USE, then configured names; one mailbox each.
    std::map<FolderRole, std::string> taken;
    if (by_name.count("INBOX")) {
        by_name["INBOX"].role = FolderRole::Inbox;
        taken[FolderRole::Inbox] = "INBOX";
    }
    static const FolderRole kSpecial[] = {FolderRole::SentItems, FolderRole::Drafts, FolderRole::DeletedItems,
                                          FolderRole::Junk};
    for (FolderRole role : kSpecial) {
        for (const MailboxInfo& m : list) {
            std::string key = upper(m.name) == "INBOX" ? "INBOX" : m.name;
            MailFolder& f = by_name[key];
            if (f.role == FolderRole::Generic && f.selectable && m.has_flag(special_use_flag(role)) && !taken.count(role)) {
                f.role = role;
                taken[role] = key;
            }
        }
    }
    const std::pair<FolderRole, const std::vector<std::string>*> kNamed[] = {
        {FolderRole::SentItems, &names.sent},   {FolderRole::Drafts, &names.drafts},
        {FolderRole::DeletedItems, &names.trash}, {FolderRole::Junk, &names.junk},
        {FolderRole::Outbox, &names.outbox}};
    for (const auto& [role, candidates] : kNamed) {
        if (taken.count(role)) continue;
        // Top-level mailboxes only, in the order the names are configured.
        for (const std::string& want : *candidates) {
            for (auto& [name, f] : by_name) {
                if (f.role == FolderRole::Generic && f.selectable && f.parent_mailbox.empty() &&
                    upper(f.display_name) == upper(want) && !taken.count(role)) {
                    f.role = role;
                    taken[role] = name;
                }
            }
        }
    }

    std::vector<MailFolder> out;
    out.reserve(by_name.size());
    // Depth-first from the top so parents precede children whatever the
    // delimiter sorts like.
    std::map<std::string, std::vector<std::string>> children;
    for (auto& [name, f] : by_name) children[f.parent_mailbox].push_back(name);
    std::vector<std::string> stack(children[""].rbegin(), children[""].rend());
    while (!stack.empty()) {
        std::string n = stack.back();
        stack.pop_back();
        out.push_back(by_name[n]);
        auto it = children.find(n);
        if (it != children.end()) stack.insert(stack.end(), it->second.rbegin(), it->second.rend());
    }
    return out;
}

std::string child_mailbox_name(const std::string& parent, const std::string& display_name, char delimiter) {
    auto refuse = [&](const std::string& why) -> std::string {
        throw store::StoreError(mapi::ec::InvalidParam,
                                "folder name \"" + display_name + "\" cannot be an IMAP mailbox: " + why);
    };
    if (display_name.empty()) return refuse("empty name");
    if (display_name == "." || display_name == "..") return refuse("reserved name");
    if (!valid_utf8(display_name)) return refuse("not valid Unicode");
    for (char c : display_name) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) return refuse("control character");
        if (c == '*' || c == '%') return refuse("contains the IMAP wildcard '" + std::string(1, c) + "'");
        if (delimiter && c == delimiter)
            return refuse("contains the server's hierarchy separator '" + std::string(1, delimiter) + "'");
    }
    if (parent.empty() && upper(display_name) == "INBOX") return refuse("INBOX is reserved");
    std::string wire = utf8_to_mutf7(display_name);
    if (!parent.empty()) {
        if (!delimiter) return refuse("the server has no folder hierarchy");
        wire = parent + delimiter + wire;
    }
    if (wire.size() > 1000) return refuse("name too long");
    return wire;
}

}  // namespace mg::imap
