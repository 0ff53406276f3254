// Message and Attachment server objects (MS-OXCMSG), shared by the message
// ROPs (oxcmsg.cpp) and the submission ROPs (oxomsg.cpp).
#pragma once

#include "mapiproxy/servers/oxcprpt_streams.h"
#include "mapiproxy/servers/rop_handlers.h"

#include <memory>
#include <vector>

namespace mg::emsmdb {

class MessageObject : public ServerObject, public PropertyHost {
public:
    MessageObject(std::shared_ptr<LogonObject> l, std::unique_ptr<store::Message> m, bool writable, bool persisted)
        : logon(std::move(l)), message(std::move(m)), writable(writable), persisted(persisted) {}

    const char* kind() const override { return "message"; }
    store::PropertyObject& host_properties() override { return *message; }
    HostKind host_kind() const override { return HostKind::Message; }
    bool host_writable() const override { return writable; }
    std::shared_ptr<LogonObject> host_logon() const override { return logon; }

    std::shared_ptr<LogonObject> logon;
    std::unique_ptr<store::Message> message;
    bool writable;
    bool persisted;  // saved at least once (false between RopCreateMessage and the first save)
    // An embedded message keeps its attachment (and so its store objects) alive.
    std::shared_ptr<ServerObject> container;
    // The RecipientColumns last given to the client (RopOpenMessage,
    // RopReloadCachedInformation): RopReadRecipients rows use them.
    std::vector<mapi::PropTag> recipient_columns;
};

class AttachmentObject : public ServerObject, public PropertyHost {
public:
    AttachmentObject(std::shared_ptr<MessageObject> m, std::unique_ptr<store::Attachment> a, bool writable)
        : message(std::move(m)), attachment(std::move(a)), writable(writable) {}

    const char* kind() const override { return "attachment"; }
    store::PropertyObject& host_properties() override { return *attachment; }
    HostKind host_kind() const override { return HostKind::Attachment; }
    bool host_writable() const override { return writable; }
    std::shared_ptr<LogonObject> host_logon() const override { return message->logon; }

    std::shared_ptr<MessageObject> message;  // keeps the store::Message the attachment belongs to
    std::unique_ptr<store::Attachment> attachment;
    bool writable;
};

// What every save of a message sets (MS-OXCMSG 2.2.1): PidTagDisplayTo/Cc/Bcc,
// PidTagNormalizedSubject, PidTagHasAttachments and mfHasAttach.
void set_computed_on_save(store::Message& m);

}  // namespace mg::emsmdb
