// The ROP engine (MS-OXCROPS 2.2.1, 3.1): parses a ROP request buffer,
// runs each ROP against the session's server objects, and builds the
// response buffer within the client's size limit.
//
// Each ROP is declared once in libmapi/rops.h (request, response, codec);
// each handler is a function registered once in a RopTable (oxcstor.cpp,
// oxcfold.cpp, oxctabl.cpp, oxcprpt.cpp, ...). The engine is generic: a ROP
// without a handler answers ecNotSupported in a well-formed response.
#pragma once

#include "common/bytes.h"
#include "libmapi/property.h"
#include "libmapi/rop_io.h"
#include "mapiproxy/servers/rop_processor.h"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace mg::emsmdb {

// A handler throws RopError to answer a ROP with a MAPI error code.
class RopError : public std::runtime_error {
public:
    explicit RopError(uint32_t ec, const std::string& why = "") : std::runtime_error(why), ec_(ec) {}
    uint32_t ec() const { return ec_; }

private:
    uint32_t ec_;
};

// A handler throws BufferFull, before it changes anything, when its
// response cannot fit the room left in the buffer (a row, a piece of a
// stream): the engine answers RopBufferTooSmall and the client resends the
// ROP with a larger buffer (MS-OXCROPS 2.2.15.1).
struct BufferFull {
    size_t needed = 0;  // bytes the response needs, when known
};

// Thrown through a handler when the store behind it is unavailable
// (ecServerBusy): the engine ends the buffer with RopBackoff
// (MS-OXCROPS 2.2.15.2) instead of this ROP's response, so the client
// retries later rather than treating the mailbox as broken.
struct StoreBusy {};

// How long clients are asked to wait when the store is unavailable.
inline constexpr uint32_t kBackoffMs = 5000;

// A server object (MS-OXCROPS 1.3.1): logon, folder, message, table,
// stream, attachment... referenced by a 32-bit handle.
class ServerObject {
public:
    virtual ~ServerObject() = default;
    virtual const char* kind() const = 0;
    uint8_t logon_id = 0;
};

class HandleTable {
public:
    static constexpr uint32_t kInvalid = 0xFFFFFFFF;
    // Limit per session: a client cannot make us hold unbounded objects.
    static constexpr size_t kMaxObjects = 16384;

    uint32_t add(std::shared_ptr<ServerObject> obj);
    std::shared_ptr<ServerObject> get(uint32_t handle) const;
    bool release(uint32_t handle);
    size_t size() const { return objects_.size(); }

private:
    std::unordered_map<uint32_t, std::shared_ptr<ServerObject>> objects_;
    uint32_t next_ = 1;
};

class Session;

// What a handler sees of the ROP it runs.
class RopContext {
public:
    RopContext(Session& s, std::vector<uint32_t>& handles, size_t budget)
        : session_(s), handles_(handles), budget_(budget) {}

    Session& session() { return session_; }
    uint8_t logon_id = 0;

    // The object at handle-table slot `index`, of type T; RopError
    // ecNullObject when the slot is empty, invalid or of another kind.
    template <class T>
    std::shared_ptr<T> input(uint8_t index) const {
        auto obj = std::dynamic_pointer_cast<T>(object_at(index));
        if (!obj) throw RopError(0x000004B9 /* ecNullObject */, "no suitable object at the input handle index");
        return obj;
    }
    std::shared_ptr<ServerObject> object_at(uint8_t index) const;
    // RopRelease: frees the object at slot `index` (an empty slot is ignored).
    void release(uint8_t index);
    // Registers a new object and stores its handle at slot `index`.
    void set_output(uint8_t index, std::shared_ptr<ServerObject> obj);
    // Bytes left for this ROP's response body (QueryRows, ReadStream and
    // friends size their output to fit).
    size_t budget() const { return budget_; }
    // A ROP that can fill chained response buffers (R::packable) says that
    // running it again would produce more output (rows after the cursor,
    // bytes after the stream position).
    void more_output() { more_output_ = true; }
    bool has_more_output() const { return more_output_; }
    // Set by the engine: this ROP may be repeated for a chained buffer.
    bool repeatable = false;

private:
    Session& session_;
    std::vector<uint32_t>& handles_;
    size_t budget_;
    bool more_output_ = false;
};

// One ROP's entry in the dispatch table.
struct RopEntry {
    const char* name = nullptr;
    // Decodes the request from `in`, runs the handler, encodes the response
    // (header + body) into `out`. Returns false if the ROP has no response.
    std::function<bool(RopContext&, rop::Pull& in, rop::Push& out)> run;
};

class RopTable {
public:
    void add(uint8_t id, RopEntry e) { entries_[id] = std::move(e); }
    const RopEntry* find(uint8_t id) const { return entries_[id].run ? &entries_[id] : nullptr; }

private:
    std::array<RopEntry, 256> entries_{};
};

// Registers ROP R with handler `h`:
//     uint32_t h(RopContext&, const R::Request&, R::Response&)
// returning the ReturnValue (or throwing RopError / store::StoreError).
template <class R, class Fn>
void add_rop(RopTable& table, Fn h);
// Registers ROP R as declared but not implemented: answers ecNotSupported.
template <class R>
void add_unsupported_rop(RopTable& table);

// The engine's per-session state: handle table, logons and who the user is.
class Session : public RopProcessor {
public:
    Session(SessionInfo info, const RopTable& table) : info_(std::move(info)), table_(table) {}
    Bytes process(ByteView request, size_t max_size) override;
    std::optional<Bytes> next_chained(size_t max_size) override;

    const SessionInfo& info() const { return info_; }
    HandleTable& handles() { return handles_; }
    // Extension point for the layers above (store access): arbitrary
    // per-session state keyed by name.
    std::shared_ptr<void>& slot(const std::string& name) { return slots_[name]; }

private:
    SessionInfo info_;
    const RopTable& table_;
    HandleTable handles_;
    // The last ROP of the previous buffer when it may be repeated to fill a
    // chained response buffer: its request bytes and the handle table.
    struct Chain {
        Bytes rop;
        std::vector<uint32_t> handles;
    };
    std::optional<Chain> chain_;
    std::unordered_map<std::string, std::shared_ptr<void>> slots_;
};

// ---------------------------------------------------------------------------
// Template plumbing

namespace detail {
template <class Rq>
uint8_t response_index(const Rq& rq) {
    if constexpr (requires { rq.out_index; }) return rq.out_index;
    else if constexpr (requires { rq.src_index; }) return rq.src_index;
    else return rq.in_index;
}
template <class R>
constexpr bool has_response() {
    if constexpr (requires { R::kHasResponse; }) return R::kHasResponse;
    else return true;
}
template <class R>
bool body_on(uint32_t rv) {
    if (rv == 0) return true;
    if constexpr (requires { R::Response::body_on(rv); }) return R::Response::body_on(rv);
    else if constexpr (requires { R::body_on(rv); }) return R::body_on(rv);
    else return false;
}
uint32_t error_code_of_current_exception();
}  // namespace detail

template <class R, class Fn>
void add_rop(RopTable& table, Fn h) {
    table.add(R::kId, RopEntry{R::kName, [h](RopContext& ctx, rop::Pull& in, rop::Push& out) -> bool {
        typename R::Request rq;
        R::Request::fields(rq, in);
        ctx.logon_id = rq.logon_id;
        typename R::Response rs{};
        uint32_t rv;
        try {
            rv = h(ctx, rq, rs);
        } catch (const BufferFull&) {
            throw;
        } catch (...) {
            rv = detail::error_code_of_current_exception();
            if (rv == mapi::ec::Backoff) throw StoreBusy{};
        }
        if constexpr (requires { R::packable(rq); }) ctx.repeatable = rv == 0 && ctx.has_more_output() && R::packable(rq);
        if constexpr (!detail::has_response<R>()) {
            return false;
        } else {
            out.u8(R::kId);
            out.u8(detail::response_index(rq));
            out.u32(rv);
            if (detail::body_on<R>(rv)) R::Response::fields(rs, out);
            return true;
        }
    }});
}

template <class R>
void add_unsupported_rop(RopTable& table) {
    add_rop<R>(table, [](RopContext&, const typename R::Request&, typename R::Response&) -> uint32_t {
        return 0x80040102;  // ecNotSupported
    });
}

}  // namespace mg::emsmdb
