#include "providers/imap/imap_map.h"

#include "common/log.h"

namespace mg::imap {

using store::Params;

size_t ImapMap::bucket(size_t n) {
    size_t b = 8;
    while (b < n) b *= 2;
    return b;
}

std::optional<uint32_t> ImapMap::uidvalidity(Id fid) {
    auto r = db_.query_one("SELECT uidvalidity FROM imap_folders WHERE mailbox_id = ? AND fid = ?", {mailbox_, fid});
    if (!r) return std::nullopt;
    return uint32_t(r->u64(0));
}

bool ImapMap::check_uidvalidity(Id fid, const std::string& name, uint32_t uidvalidity) {
    auto known = this->uidvalidity(fid);
    if (known && *known == uidvalidity) return true;
    db_.transaction([&] {
        if (known) {
            // RFC 3501 2.3.1.1: the old UIDs mean nothing now.
            uint64_t n = db_.exec("DELETE FROM imap_messages WHERE mailbox_id = ? AND fid = ?", {mailbox_, fid});
            LOG_WARN("IMAP mailbox %s: UIDVALIDITY changed from %u to %u; %llu message id(s) re-mapped, the folder "
                     "is kept",
                     name.c_str(), *known, uidvalidity, (unsigned long long)n);
        }
        db_.exec("INSERT INTO imap_folders (mailbox_id, fid, uidvalidity) VALUES (?, ?, ?) "
                 "ON DUPLICATE KEY UPDATE uidvalidity = VALUES(uidvalidity), highest_modseq = 0",
                 {mailbox_, fid, uidvalidity});
    });
    return !known;
}

std::map<uint32_t, ImapMap::Entry> ImapMap::resolve(Id fid, uint32_t uidvalidity, std::span<const Seen> seen) {
    std::map<uint32_t, Entry> out;
    if (seen.empty()) return out;
    auto load = [&](std::map<uint32_t, uint64_t>* modseqs) {
        size_t n = bucket(seen.size());
        std::string sql = "SELECT uid, mid, change_number, modseq FROM imap_messages WHERE mailbox_id = ? AND fid = ? "
                          "AND uidvalidity = ? AND uid IN (";
        Params p = {mailbox_, fid, uidvalidity};
        for (size_t i = 0; i < n; ++i) {
            sql += i ? ",?" : "?";
            p.emplace_back(unsigned(seen[std::min(i, seen.size() - 1)].uid));
        }
        for (auto& r : db_.query(sql + ")", p)) {
            uint32_t uid = uint32_t(r.u64(0));
            out[uid] = {Id(r.u64(1)), Id(r.u64(2))};
            if (modseqs) (*modseqs)[uid] = r.u64(3);
        }
    };
    std::map<uint32_t, uint64_t> modseqs;
    load(&modseqs);

    // New messages: MIDs and change numbers in one reservation when many.
    std::vector<const Seen*> fresh;
    for (const Seen& s : seen)
        if (!out.count(s.uid)) fresh.push_back(&s);
    if (!fresh.empty()) {
        std::vector<Id> idv;
        if (fresh.size() * 2 <= 16) {
            for (size_t i = 0; i < fresh.size() * 2; ++i) idv.push_back(ids_.allocate(mailbox_));
        } else {
            uint64_t first = ids_.allocate_block(mailbox_, fresh.size() * 2);
            for (size_t i = 0; i < fresh.size() * 2; ++i) idv.push_back(store::make_id(store::kLocalReplId, first + i));
        }
        const size_t chunk = 256;
        for (size_t base = 0; base < fresh.size(); base += chunk) {
            size_t cnt = std::min(chunk, fresh.size() - base);
            size_t n = bucket(cnt);
            std::string sql = "INSERT IGNORE INTO imap_messages (mailbox_id, mid, fid, uidvalidity, uid, modseq, "
                              "change_number) VALUES ";
            Params p;
            for (size_t i = 0; i < n; ++i) {
                size_t k = base + std::min(i, cnt - 1);  // padding repeats the last row: ignored as a duplicate
                sql += i ? ",(?,?,?,?,?,?,?)" : "(?,?,?,?,?,?,?)";
                p.insert(p.end(), {mailbox_, idv[2 * k], fid, uidvalidity, unsigned(fresh[k]->uid),
                                   (unsigned long long)fresh[k]->modseq, idv[2 * k + 1]});
            }
            db_.exec(sql, p);
        }
        load(&modseqs);  // another session may have won a race: its ids count
    }
    // Changed messages (MODSEQ moved): a new change number each.
    for (const Seen& s : seen) {
        auto it = out.find(s.uid);
        if (it == out.end() || s.modseq == 0) continue;
        auto m = modseqs.find(s.uid);
        if (m == modseqs.end() || m->second == s.modseq) continue;
        Id cn = ids_.allocate(mailbox_);
        db_.exec("UPDATE imap_messages SET modseq = ?, change_number = ? WHERE mailbox_id = ? AND mid = ?",
                 {(unsigned long long)s.modseq, cn, mailbox_, it->second.mid});
        it->second.cn = cn;
    }
    return out;
}

std::optional<ImapMap::Where> ImapMap::find(Id fid, Id mid) {
    auto r = db_.query_one("SELECT uidvalidity, uid FROM imap_messages WHERE mailbox_id = ? AND mid = ? AND fid = ?",
                           {mailbox_, mid, fid});
    if (!r) return std::nullopt;
    return Where{uint32_t(r->u64(0)), uint32_t(r->u64(1))};
}

std::optional<ImapMap::Entry> ImapMap::entry(Id fid, Id mid) {
    auto r = db_.query_one("SELECT change_number FROM imap_messages WHERE mailbox_id = ? AND mid = ? AND fid = ?",
                           {mailbox_, mid, fid});
    if (!r) return std::nullopt;
    return Entry{mid, Id(r->u64(0))};
}

void ImapMap::forget(Id fid, std::span<const Id> mids) {
    for (Id mid : mids) db_.exec("DELETE FROM imap_messages WHERE mailbox_id = ? AND fid = ? AND mid = ?", {mailbox_, fid, mid});
}

void ImapMap::forget_folder(Id fid) {
    db_.exec("DELETE FROM imap_messages WHERE mailbox_id = ? AND fid = ?", {mailbox_, fid});
    db_.exec("DELETE FROM imap_folders WHERE mailbox_id = ? AND fid = ?", {mailbox_, fid});
}

}  // namespace mg::imap
