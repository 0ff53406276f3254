// Property ROPs (MS-OXCPRPT) on logons (store properties), folders and,
// later, messages and attachments.
#include "libmapi/propcodec.h"
#include "libmapi/rops.h"
#include "mapiproxy/servers/oxcprpt_streams.h"
#include "mapiproxy/servers/rop_handlers.h"

namespace mg::emsmdb {
namespace {

namespace ec = mapi::ec;
using mapi::PropTag;

// Size of a value as it would travel (for PropertySizeLimit and the
// response budget).
size_t value_size(const mapi::PropValue& v, const mapi::CodecOptions& o) {
    ByteWriter w;
    try {
        mapi::write_value(w, mapi::prop_type(v.tag), v.value, o);
    } catch (const std::exception&) {
        return SIZE_MAX;  // not representable in a response: the client must use a stream
    }
    return w.size();
}

mapi::CodecOptions codec(RopContext& ctx) {
    mapi::CodecOptions o;
    o.codepage = ctx.session().info().codepage;
    o.string8_replace = true;  // the client asked for 8-bit strings (MS-OXCPRPT 3.2.5.1)
    return o;
}

// The property object behind an input handle: a folder (provider + openchangedb)
// or a logon (the store's own properties).
struct Target {
    store::PropertyObject* object = nullptr;
    std::shared_ptr<LogonObject> logon;
    std::shared_ptr<ServerObject> keep;
    bool writable = true;  // false for messages/attachments opened (or kept open) read-only
};

Target target(RopContext& ctx, uint8_t index) {
    auto obj = ctx.object_at(index);
    Target t;
    t.keep = obj;
    if (auto f = std::dynamic_pointer_cast<FolderObject>(obj)) {
        t.object = f->folder.get();
        return t;
    }
    if (auto l = std::dynamic_pointer_cast<LogonObject>(obj)) {
        t.logon = l;
        return t;
    }
    if (auto h = std::dynamic_pointer_cast<PropertyHost>(obj)) {  // messages (oxcmsg.cpp)
        t.object = &h->host_properties();
        t.logon = h->host_logon();
        t.writable = h->host_writable();
        return t;
    }
    throw RopError(ec::NullObject, "the input object has no properties");
}

mapi::PropList get_values(Target& t, std::span<const PropTag> tags) {
    if (t.object) return t.object->get_props(tags);
    return t.logon->mailbox->store_props(tags);
}

// MS-OXCPRPT 3.2.5.1: values larger than PropertySizeLimit (or than what
// a response can carry) come back as PT_ERROR ecMAPIOOM; a client then uses
// RopOpenStream. A missing value is PT_ERROR ecNotFound.
void limit_sizes(mapi::PropList& values, uint16_t size_limit, size_t budget, const mapi::CodecOptions& o) {
    size_t cap = size_limit ? size_limit : budget;
    for (auto& v : values) {
        if (v.is_error()) continue;
        if (value_size(v, o) > cap) v = mapi::PropValue::error(v.tag, ec::NotEnoughMemory);
    }
}

uint32_t get_properties_specific(RopContext& ctx, const rop::RopGetPropertiesSpecific::Request& rq,
                                 rop::RopGetPropertiesSpecific::Response& rs) {
    Target t = target(ctx, rq.in_index);
    auto o = codec(ctx);
    std::vector<PropTag> columns = rq.tags;
    // WantUnicode (MS-OXCPRPT 2.2.2.1.1): PT_UNSPECIFIED string columns in
    // UTF-16 or 8-bit.
    mapi::PropList values = get_values(t, columns);
    if (values.size() != columns.size()) throw RopError(0x80004005, "provider returned a wrong value count");
    for (size_t i = 0; i < values.size(); ++i) {
        if (mapi::prop_type(columns[i]) == mapi::PT_UNSPECIFIED && !values[i].is_error()) {
            uint16_t vt = mapi::prop_type(values[i].tag);
            if (vt == mapi::PT_UNICODE || vt == mapi::PT_STRING8)
                values[i].tag = mapi::change_type(values[i].tag, rq.want_unicode ? mapi::PT_UNICODE : mapi::PT_STRING8);
        }
    }
    limit_sizes(values, rq.property_size_limit, ctx.budget() > 64 ? ctx.budget() - 64 : 0, o);
    ByteWriter w;
    mapi::write_property_row(w, columns, values, o);
    rs.row = w.take();
    bool any_error = std::any_of(values.begin(), values.end(), [](const mapi::PropValue& v) { return v.is_error(); });
    return any_error ? rop::kWarnWithErrors : ec::Success;
}

uint32_t get_properties_all(RopContext& ctx, const rop::RopGetPropertiesAll::Request& rq,
                            rop::RopGetPropertiesAll::Response& rs) {
    Target t = target(ctx, rq.in_index);
    auto o = codec(ctx);
    if (t.object) {
        rs.values = t.object->get_all_props();
    } else {
        return ec::NotSupported;  // the store's property list is computed per tag
    }
    for (auto& v : rs.values) {
        uint16_t vt = mapi::prop_type(v.tag);
        if (vt == mapi::PT_UNICODE && !rq.want_unicode) v.tag = mapi::change_type(v.tag, mapi::PT_STRING8);
    }
    limit_sizes(rs.values, rq.property_size_limit, ctx.budget() > 64 ? ctx.budget() / 2 : 0, o);
    return ec::Success;
}

uint32_t get_properties_list(RopContext& ctx, const rop::InputOnly& rq, rop::TagsBody& rs) {
    Target t = target(ctx, rq.in_index);
    if (!t.object) return ec::NotSupported;
    rs.tags = t.object->prop_tags();
    return ec::Success;
}

uint32_t set_properties(RopContext& ctx, const rop::SetPropertiesRequest& rq, rop::ProblemsBody& rs) {
    Target t = target(ctx, rq.in_index);
    if (!t.object || !t.writable) return ec::NoAccess;  // store properties are computed
    for (const auto& v : rq.values)
        if (!v.well_formed()) return ec::InvalidParam;
    for (const auto& p : t.object->set_props(rq.values)) rs.problems.push_back({p.index, p.tag, p.error});
    return ec::Success;
}

uint32_t delete_properties(RopContext& ctx, const rop::TagsRequest& rq, rop::ProblemsBody& rs) {
    Target t = target(ctx, rq.in_index);
    if (!t.object || !t.writable) return ec::NoAccess;
    for (const auto& p : t.object->delete_props(rq.tags)) rs.problems.push_back({p.index, p.tag, p.error});
    return ec::Success;
}

std::shared_ptr<LogonObject> logon_for_names(RopContext& ctx, uint8_t index) {
    auto obj = ctx.object_at(index);
    if (auto l = std::dynamic_pointer_cast<LogonObject>(obj)) return l;
    if (auto f = std::dynamic_pointer_cast<FolderObject>(obj)) return f->logon;
    if (auto h = std::dynamic_pointer_cast<PropertyHost>(obj)) return h->host_logon();
    throw RopError(ec::NullObject, "the input object has no named-property map");
}

// MS-OXCPRPT 3.2.5.9: ids for names, created when Flags has 0x02 (Create).
uint32_t get_ids_from_names(RopContext& ctx, const rop::RopGetPropertyIdsFromNames::Request& rq,
                            rop::RopGetPropertyIdsFromNames::Response& rs) {
    auto l = logon_for_names(ctx, rq.in_index);
    bool create = rq.flags & 0x02;
    if (rq.names.empty()) return ec::InvalidParam;  // listing all names: RopQueryNamedProperties
    bool missing = false;
    for (const auto& n : rq.names) {
        auto id = l->mailbox->named_to_id(n, create);
        rs.property_ids.push_back(id ? *id : 0);
        if (!id) missing = true;
    }
    return missing ? rop::kWarnWithErrors : ec::Success;
}

uint32_t get_names_from_ids(RopContext& ctx, const rop::RopGetNamesFromPropertyIds::Request& rq,
                            rop::RopGetNamesFromPropertyIds::Response& rs) {
    auto l = logon_for_names(ctx, rq.in_index);
    for (uint16_t id : rq.property_ids) {
        if (id < 0x8000) {
            // MS-OXCPRPT 3.2.5.8: ids below 0x8000 name themselves (PS_MAPI).
            mapi::PropertyName n;
            n.guid = mapi::Guid::parse("00020328-0000-0000-c000-000000000046");
            n.kind = mapi::PropertyName::Id;
            n.lid = id;
            rs.names.push_back(n);
            continue;
        }
        auto n = l->mailbox->id_to_named(id);
        if (!n) return ec::NotFound;
        rs.names.push_back(*n);
    }
    return ec::Success;
}

}  // namespace

void register_property_rops(RopTable& t) {
    add_rop<rop::RopGetPropertiesSpecific>(t, get_properties_specific);
    add_rop<rop::RopGetPropertiesAll>(t, get_properties_all);
    add_rop<rop::RopGetPropertiesList>(t, get_properties_list);
    add_rop<rop::RopSetProperties>(t, set_properties);
    add_rop<rop::RopSetPropertiesNoReplicate>(t, set_properties);
    add_rop<rop::RopDeleteProperties>(t, delete_properties);
    add_rop<rop::RopDeletePropertiesNoReplicate>(t, delete_properties);
    add_rop<rop::RopGetPropertyIdsFromNames>(t, get_ids_from_names);
    add_rop<rop::RopGetNamesFromPropertyIds>(t, get_names_from_ids);
}

}  // namespace mg::emsmdb
