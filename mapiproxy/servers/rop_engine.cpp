#include "mapiproxy/servers/rop_engine.h"

#include "common/log.h"
#include "libmapi/property.h"
#include "libmapi/rops.h"
#include "mapistore/provider.h"

namespace mg::emsmdb {

namespace ec = mapi::ec;

uint32_t HandleTable::add(std::shared_ptr<ServerObject> obj) {
    if (objects_.size() >= kMaxObjects) throw RopError(ec::TooBig, "too many open objects in this session");
    while (next_ == kInvalid || next_ == 0 || objects_.count(next_)) ++next_;
    uint32_t h = next_++;
    objects_[h] = std::move(obj);
    return h;
}

std::shared_ptr<ServerObject> HandleTable::get(uint32_t handle) const {
    auto it = objects_.find(handle);
    return it == objects_.end() ? nullptr : it->second;
}

bool HandleTable::release(uint32_t handle) { return objects_.erase(handle) > 0; }

std::shared_ptr<ServerObject> RopContext::object_at(uint8_t index) const {
    if (index >= handles_.size()) return nullptr;
    return session_.handles().get(handles_[index]);
}

void RopContext::release(uint8_t index) {
    if (index >= handles_.size()) return;
    session_.handles().release(handles_[index]);
    handles_[index] = HandleTable::kInvalid;
}

void RopContext::set_output(uint8_t index, std::shared_ptr<ServerObject> obj) {
    if (index >= handles_.size()) throw RopError(ec::InvalidParam, "output handle index outside the handle table");
    obj->logon_id = logon_id;
    handles_[index] = session_.handles().add(std::move(obj));
}

namespace detail {
uint32_t error_code_of_current_exception() {
    try {
        throw;
    } catch (const RopError& e) {
        if (e.what()[0]) LOG_DEBUG("ROP error 0x%08x: %s", e.ec(), e.what());
        return e.ec();
    } catch (const store::StoreError& e) {
        LOG_INFO("store error 0x%08x: %s", e.ec(), e.what());
        return e.ec();
    } catch (const DecodeError& e) {
        LOG_WARN("malformed data while running a ROP: %s", e.what());
        return ec::RpcFormat;
    } catch (const std::exception& e) {
        LOG_ERROR("internal error while running a ROP: %s", e.what());
        return 0x80004005;  // ecError
    }
}
}  // namespace detail

// MS-OXCROPS 2.2.1: RopSize (u16, covers itself and the RopsList), the
// RopsList, then the ServerObjectHandleTable (u32 each) to the end.
Bytes Session::process(ByteView request, size_t max_size) {
    ByteReader r(request);
    uint16_t rop_size = r.u16();
    if (rop_size < 2 || rop_size > request.size())
        throw DecodeError("ROP buffer: RopSize outside the buffer");
    size_t table_bytes = request.size() - rop_size;
    if (table_bytes % 4 != 0) throw DecodeError("ROP buffer: handle table is not a whole number of handles");
    std::vector<uint32_t> handles(table_bytes / 4);
    {
        ByteReader t(request.subspan(rop_size));
        for (auto& h : handles) h = t.u32();
    }
    ByteView rops = request.subspan(2, rop_size - 2);
    rop::Pull in(rops, info_.codepage);
    rop::Push out(info_.codepage);
    out.u16(0);  // RopSize, patched below
    chain_.reset();

    while (in.remaining() > 0) {
        size_t start = in.offset();
        uint8_t id;
        in.u8(id);
        size_t used = out.size() + table_bytes;
        // Room needed to answer RopBufferTooSmall (MS-OXCROPS 2.2.15.1) or
        // RopBackoff with one ROP (2.2.15.2: 14 bytes) instead.
        size_t too_small_size = std::max<size_t>(3 + (rops.size() - start), 14);
        if (used + too_small_size > max_size) break;  // cannot even say so: stop here
        size_t budget = max_size - used > 16 ? max_size - used - 16 : 0;
        RopContext ctx(*this, handles, budget);

        const RopEntry* e = table_.find(id);
        rop::Push one(info_.codepage);
        if (e == nullptr) {
            // Unknown layout: answer this ROP and stop, since its length is unknown.
            uint8_t logon = 0, in_index = 0;
            if (in.remaining() >= 2) { in.u8(logon); in.u8(in_index); }
            LOG_INFO("ROP 0x%02x is not supported; answering ecNotSupported and stopping the buffer", id);
            one.u8(id);
            one.u8(in_index);
            one.u32(ec::NotSupported);
            out.writer().raw(one.take());
            break;
        }
        LOG_TRACE("ROP %s (0x%02x)", e->name, id);
        bool has_response;
        size_t needed = 0;
        try {
            has_response = e->run(ctx, in, one);
        } catch (const BufferFull& full) {
            has_response = true;
            needed = std::max<size_t>(full.needed, 1) + 16;  // the handler changed nothing
        } catch (const StoreBusy&) {
            // MS-OXCROPS 2.2.15.2: RopBackoff for the logon and this ROP; the
            // rest of the buffer is not processed (too_small_size above
            // keeps room for it).
            LOG_WARN("the store is unavailable: asking the client to back off %u ms (%s)", kBackoffMs, e->name);
            rop::RopBackoff::Response b;
            b.logon_id = ctx.logon_id;
            b.duration = kBackoffMs;
            b.rops = {{id, kBackoffMs}};
            out.writer().raw(rop::encode_special<rop::RopBackoff>(b));
            chain_.reset();
            break;
        }
        if (!has_response) continue;
        bool fits = !needed && used + one.size() <= max_size;
        if (fits && ctx.repeatable && in.remaining() == 0)
            chain_ = Chain{Bytes(rops.begin() + start, rops.begin() + in.offset()), handles};
        if (!fits) {
            // The response does not fit: MS-OXCROPS 2.2.15.1 RopBufferTooSmall,
            // echoing the unprocessed requests (this one included).
            needed = std::max(needed, one.size()) + 2 + table_bytes;
            out.u8(0xFF);
            out.u16(uint16_t(std::min<size_t>(needed, 0xFFFF)));
            out.writer().raw(rops.subspan(start));
            break;
        }
        out.writer().raw(one.take());
    }
    Bytes resp = out.take();
    if (resp.size() > 0xFFFF) throw std::length_error("ROP response larger than 64 KiB");
    resp[0] = uint8_t(resp.size());
    resp[1] = uint8_t(resp.size() >> 8);
    ByteWriter tail;
    for (uint32_t h : handles) tail.u32(h);
    resp.insert(resp.end(), tail.bytes().begin(), tail.bytes().end());
    return resp;
}

std::optional<Bytes> Session::next_chained(size_t max_size) {
    if (!chain_) return std::nullopt;
    Chain c = std::move(*chain_);
    chain_.reset();
    ByteWriter request;
    request.u16(uint16_t(2 + c.rop.size()));
    request.raw(c.rop);
    for (uint32_t h : c.handles) request.u32(h);
    Bytes resp = process(request.bytes(), max_size);
    // Only a response of the repeated ROP itself is worth a buffer: the ROP
    // answered RopBufferTooSmall (0xFF) or failed means the chain ends here.
    if (resp.size() < 3 || resp[2] != c.rop[0]) return std::nullopt;
    return resp;
}

}  // namespace mg::emsmdb
