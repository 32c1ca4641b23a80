// A small, bounds-checked reader for FlatBuffers tables, vectors and strings (enough for the
// TFLite schema). Every access validates offsets and sizes against the buffer before reading, so a
// corrupt or truncated file yields an error message instead of an out-of-bounds read. Reads go
// through memcpy: no alignment assumptions, no recursion, no allocation except for strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "engine/status.h"

namespace pastiche::fb {

// Unaligned little-endian load (FlatBuffers are little-endian; so are the hosts we build for).
template <class T>
inline T load(const uint8_t* p) {
    static_assert(std::is_trivially_copyable_v<T>);
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

inline std::string hexOffset(uint64_t v) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    do {
        s.insert(s.begin(), digits[v & 15]);
        v >>= 4;
    } while (v);
    return "0x" + s;
}

class Table;

// A vector of scalars or of table offsets inside the buffer. count() elements of elemSize bytes
// starting at pos are known to lie inside the buffer.
class Vector {
public:
    Vector() = default;
    Vector(const uint8_t* data, size_t size, size_t pos, uint32_t count, size_t elemSize)
        : data_(data), size_(size), pos_(pos), count_(count), elemSize_(elemSize) {}
    uint32_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    size_t byteSize() const { return size_t(count_) * elemSize_; }
    const uint8_t* bytes() const { return data_ ? data_ + pos_ : nullptr; }

    // Scalar element i; i < size() must hold (callers loop over size()), checked anyway.
    template <class T>
    T at(uint32_t i) const {
        if (i >= count_ || sizeof(T) != elemSize_) return T{};
        return load<T>(data_ + pos_ + size_t(i) * sizeof(T));
    }
    // Table element i of a vector of tables (offsets relative to the element's own position).
    inline Result<Table> table(uint32_t i) const;

private:
    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
    size_t pos_ = 0;
    uint32_t count_ = 0;
    size_t elemSize_ = 1;
};

class Table {
public:
    Table() = default;

    // Opens the table at byte position pos, validating its vtable.
    static Result<Table> open(const uint8_t* data, size_t size, uint64_t pos) {
        if (pos > size || size - pos < 4) return Status::error("table at " + hexOffset(pos) + " is outside the file");
        const int64_t vt = int64_t(pos) - int64_t(load<int32_t>(data + pos));
        if (vt < 0 || uint64_t(vt) > size || size - uint64_t(vt) < 4)
            return Status::error("vtable of table at " + hexOffset(pos) + " is outside the file");
        const uint16_t vtSize = load<uint16_t>(data + vt);
        const uint16_t tableSize = load<uint16_t>(data + vt + 2);
        if (vtSize < 4 || (vtSize & 1) || size - uint64_t(vt) < vtSize)
            return Status::error("bad vtable size " + std::to_string(vtSize) + " at " + hexOffset(uint64_t(vt)));
        if (tableSize < 4 || size - pos < tableSize)
            return Status::error("table at " + hexOffset(pos) + " (" + std::to_string(tableSize) +
                                 " bytes) runs past the end of the file");
        Table t;
        t.data_ = data;
        t.size_ = size;
        t.pos_ = size_t(pos);
        t.vtable_ = size_t(vt);
        t.vtSize_ = vtSize;
        t.tableSize_ = tableSize;
        return t;
    }

    // The root table of a buffer (uoffset at byte 0).
    static Result<Table> root(const uint8_t* data, size_t size) {
        if (!data || size < 8) return Status::error("file too small (" + std::to_string(size) + " bytes)");
        return open(data, size, load<uint32_t>(data));
    }

    bool valid() const { return data_ != nullptr; }
    size_t position() const { return pos_; }
    const uint8_t* bufferData() const { return data_; }
    size_t bufferSize() const { return size_; }

    bool has(int field) const { return fieldOffset(field) != 0; }
    // Absolute byte position of a field's value in the buffer, 0 if absent (tests use it to corrupt
    // specific fields).
    size_t fieldPosition(int field) const {
        const uint16_t off = fieldOffset(field);
        return off ? pos_ + off : 0;
    }

    // Scalar field with a default for absent fields; an error if it would lie outside the table.
    template <class T>
    Result<T> scalar(int field, T defaultValue) const {
        const uint16_t off = fieldOffset(field);
        if (off == 0) return defaultValue;
        if (size_t(off) + sizeof(T) > tableSize_)
            return Status::error("field " + std::to_string(field) + " lies outside its table at " + hexOffset(pos_));
        return load<T>(data_ + pos_ + off);
    }

    // Sub-table; an absent field is an error (use has() for optional tables).
    Result<Table> table(int field) const {
        auto target = offsetTarget(field);
        if (!target) return target.status();
        return open(data_, size_, target.value());
    }

    // Vector of elemSize-byte elements; an absent field gives an empty vector.
    Result<Vector> vector(int field, size_t elemSize) const {
        if (!has(field)) return Vector{};
        auto target = offsetTarget(field);
        if (!target) return target.status();
        return vectorAt(data_, size_, target.value(), elemSize);
    }

    // String; an absent field gives "".
    Result<std::string> string(int field) const {
        auto v = vector(field, 1);
        if (!v) return v.status();
        if (v->empty()) return std::string();
        return std::string(reinterpret_cast<const char*>(v->bytes()), v->size());
    }

    static Result<Vector> vectorAt(const uint8_t* data, size_t size, uint64_t pos, size_t elemSize) {
        if (pos > size || size - pos < 4) return Status::error("vector at " + hexOffset(pos) + " is outside the file");
        const uint32_t count = load<uint32_t>(data + pos);
        const uint64_t room = size - pos - 4;
        if (elemSize == 0 || uint64_t(count) > room / elemSize)
            return Status::error("vector at " + hexOffset(pos) + " claims " + std::to_string(count) + " elements of " +
                                 std::to_string(elemSize) + " bytes; only " + std::to_string(room) + " bytes follow");
        return Vector(data, size, size_t(pos + 4), count, elemSize);
    }

private:
    uint16_t fieldOffset(int field) const {
        if (field < 0 || !data_) return 0;
        const size_t entry = 4 + size_t(field) * 2;
        if (entry + 2 > vtSize_) return 0;
        return load<uint16_t>(data_ + vtable_ + entry);
    }
    Result<uint64_t> offsetTarget(int field) const {
        const uint16_t off = fieldOffset(field);
        if (off == 0) return Status::error("required field " + std::to_string(field) + " is missing in table at " + hexOffset(pos_));
        if (size_t(off) + 4 > tableSize_)
            return Status::error("field " + std::to_string(field) + " lies outside its table at " + hexOffset(pos_));
        const uint64_t fieldPos = uint64_t(pos_) + off;
        return fieldPos + load<uint32_t>(data_ + fieldPos);
    }

    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
    size_t pos_ = 0;
    size_t vtable_ = 0;
    uint16_t vtSize_ = 0;
    uint16_t tableSize_ = 0;
};

inline Result<Table> Vector::table(uint32_t i) const {
    if (i >= count_ || elemSize_ != 4) return Status::error("vector index " + std::to_string(i) + " out of range");
    const uint64_t elemPos = uint64_t(pos_) + uint64_t(i) * 4;
    return Table::open(data_, size_, elemPos + load<uint32_t>(data_ + elemPos));
}

}  // namespace pastiche::fb
