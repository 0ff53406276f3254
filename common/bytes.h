// Bounds-checked little-endian byte reader and writer.
//
// Every decoder of untrusted bytes in mapigate reads through ByteReader: a
// read past the end throws DecodeError, never touches memory it does not own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mg {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

class DecodeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class ByteReader {
public:
    explicit ByteReader(ByteView data) : data_(data) {}
    ByteReader(const uint8_t* p, size_t n) : data_(p, n) {}

    size_t offset() const { return pos_; }
    size_t size() const { return data_.size(); }
    size_t remaining() const { return data_.size() - pos_; }
    bool empty() const { return pos_ == data_.size(); }
    ByteView data() const { return data_; }

    void need(size_t n, const char* what = "value") const {
        if (n > remaining())
            throw DecodeError(std::string("truncated input reading ") + what);
    }
    void seek(size_t off) {
        if (off > data_.size()) throw DecodeError("seek past end of input");
        pos_ = off;
    }
    void skip(size_t n) { need(n, "padding"); pos_ += n; }
    void align(size_t a) {
        size_t pad = (a - (pos_ % a)) % a;
        skip(pad);
    }

    uint8_t u8() { need(1, "u8"); return data_[pos_++]; }
    uint16_t u16() { need(2, "u16"); uint16_t v = uint16_t(data_[pos_] | (data_[pos_ + 1] << 8)); pos_ += 2; return v; }
    uint32_t u32() {
        need(4, "u32");
        uint32_t v = uint32_t(data_[pos_]) | (uint32_t(data_[pos_ + 1]) << 8) |
                     (uint32_t(data_[pos_ + 2]) << 16) | (uint32_t(data_[pos_ + 3]) << 24);
        pos_ += 4;
        return v;
    }
    uint64_t u64() { uint64_t lo = u32(); uint64_t hi = u32(); return lo | (hi << 32); }
    int32_t i32() { return int32_t(u32()); }

    ByteView view(size_t n, const char* what = "bytes") {
        need(n, what);
        ByteView v = data_.subspan(pos_, n);
        pos_ += n;
        return v;
    }
    Bytes bytes(size_t n, const char* what = "bytes") {
        ByteView v = view(n, what);
        return Bytes(v.begin(), v.end());
    }
    std::string str(size_t n, const char* what = "string") {
        ByteView v = view(n, what);
        return std::string(reinterpret_cast<const char*>(v.data()), v.size());
    }

private:
    ByteView data_;
    size_t pos_ = 0;
};

class ByteWriter {
public:
    ByteWriter() = default;
    explicit ByteWriter(size_t reserve) { buf_.reserve(reserve); }

    size_t size() const { return buf_.size(); }
    const Bytes& bytes() const { return buf_; }
    Bytes take() { return std::move(buf_); }

    void u8(uint8_t v) { buf_.push_back(v); }
    void u16(uint16_t v) { buf_.push_back(uint8_t(v)); buf_.push_back(uint8_t(v >> 8)); }
    void u32(uint32_t v) {
        for (int i = 0; i < 4; ++i) buf_.push_back(uint8_t(v >> (8 * i)));
    }
    void u64(uint64_t v) { u32(uint32_t(v)); u32(uint32_t(v >> 32)); }
    void raw(ByteView v) { buf_.insert(buf_.end(), v.begin(), v.end()); }
    void raw(std::string_view s) { buf_.insert(buf_.end(), s.begin(), s.end()); }
    void zeros(size_t n) { buf_.insert(buf_.end(), n, 0); }
    void align(size_t a) { zeros((a - (buf_.size() % a)) % a); }

    // Overwrite a previously written u16/u32 (for length fields known later).
    void put_u16_at(size_t off, uint16_t v) {
        if (off + 2 > buf_.size()) throw std::out_of_range("put_u16_at");
        buf_[off] = uint8_t(v); buf_[off + 1] = uint8_t(v >> 8);
    }
    void put_u32_at(size_t off, uint32_t v) {
        if (off + 4 > buf_.size()) throw std::out_of_range("put_u32_at");
        for (int i = 0; i < 4; ++i) buf_[off + i] = uint8_t(v >> (8 * i));
    }

private:
    Bytes buf_;
};

}  // namespace mg
