// Property hosts and Stream objects (MS-OXCPRPT 2.2.14-2.2.27, 3.2.5.11-3.2.5.24).
//
// A property host is a server object whose properties the property ROPs
// work on: a Folder object today; Message and Attachment objects implement
// PropertyHost when they arrive. Stream objects and the copy ROPs
// (oxcprpt_copy.cpp) only see a HostRef: the store::PropertyObject, kept
// alive by a shared_ptr to the server object that owns it.
#pragma once

#include "mapiproxy/servers/rop_handlers.h"

#include <memory>
#include <optional>

namespace mg::emsmdb {

// What a commit of a stream (or a property copy) means for the host
// (MS-OXCPRPT 3.2.5.13): a Folder persists at once; a Message or an
// Attachment only holds the new value until RopSaveChangesMessage /
// RopSaveChangesAttachment.
enum class HostKind : uint8_t { Folder, Message, Attachment };

// Implemented by the server objects of later issues (MessageObject,
// AttachmentObject). FolderObject is recognised directly.
class PropertyHost {
public:
    virtual ~PropertyHost() = default;
    virtual store::PropertyObject& host_properties() = 0;
    virtual HostKind host_kind() const = 0;
    // False for objects opened read-only (a message opened without write
    // access, a public folder replica...).
    virtual bool host_writable() const { return true; }
    virtual std::shared_ptr<LogonObject> host_logon() const = 0;
};

struct HostRef {
    std::shared_ptr<ServerObject> keep;  // keeps `props` alive
    store::PropertyObject* props = nullptr;
    HostKind kind = HostKind::Folder;
    bool writable = true;
    // The logon the host belongs to (named properties, transactions).
    std::shared_ptr<LogonObject> logon;
};

// The host behind a server object, or nullopt when it has no streamable /
// copyable properties (a logon, a table, a stream...).
std::optional<HostRef> property_host(const std::shared_ptr<ServerObject>& obj);

}  // namespace mg::emsmdb
