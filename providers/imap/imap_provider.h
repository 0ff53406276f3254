// The IMAP mail provider: the mapistore Provider (mapistore/provider.h)
// whose mail folders are the user's IMAP mailboxes on Dovecot, IMAP being
// the source of truth.
//
// - Hierarchy: every mailbox is a folder (LIST); INBOX and the SPECIAL-USE /
//   configured Sent, Drafts, Trash, Junk (and Outbox when configured) play
//   the special folders; others are IPF.Note folders under the IPM subtree
//   (Mailbox::sync_folders). Create/rename/move/delete go to IMAP
//   CREATE/RENAME/DELETE; a name IMAP cannot hold is refused.
// - Contents tables: UID SORT (or UID SEARCH) for the ordered UIDs, then a
//   UID FETCH of FLAGS RFC822.SIZE INTERNALDATE MODSEQ ENVELOPE (and
//   BODYSTRUCTURE / two header fields when the columns need them) per page
//   (imap_summary.h); sort and restriction are pushed to SORT/SEARCH where
//   IMAP answers exactly, the rest is finished by mapistore/tables.h. No
//   table ever fetches a body.
// - Messages: BODY.PEEK[] -> mime_to_mapi when a property outside the
//   summary is asked; the read state and follow-up/answered flags are saved
//   as IMAP flags (UID STORE); deletion moves to Trash (soft) or expunges.
// - Ids: imap_map.h (MIDs per UIDVALIDITY, change numbers from MODSEQ).
// - What IMAP cannot hold lives in the fallback provider by FID: folder
//   properties and FAI (associated) messages.
//
// IMAP unreachable: every call that needs it throws StoreError ecServerBusy
// (the client backs off); nothing is deleted or recreated because of it.
#pragma once

#include "common/config.h"
#include "mapistore/mailbox.h"
#include "providers/imap/imap_folders.h"
#include "providers/imap/imap_pool.h"

#include <functional>
#include <memory>

namespace mg::imap {

// Process-wide settings of the provider.
struct ImapSettings {
    std::shared_ptr<Pool> pool;
    RoleNames names;           // configured names first
    bool outbox = false;       // the Outbox is an IMAP folder (configured)
    std::string server;        // "host:port", for messages
};

// The settings for a configuration (pool with the master-user connector).
std::shared_ptr<ImapSettings> make_settings(const ImapConfig& cfg, const std::string& master_password);

class ImapProvider;

// Adds the IMAP provider of a mailbox to a provider map (the engine's
// StoreBackend hook).
void add_imap_provider(const std::shared_ptr<ImapSettings>& settings, store::ProviderMap& providers,
                       store::Database& db, store::IdAllocator& ids, const store::MailboxContext& ctx);

}  // namespace mg::imap
