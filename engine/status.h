// Error handling for the engine: functions return Status or Result<T>; the app decides what
// the user sees. Messages carry context (file, layer, Vulkan call) so one line explains a failure;
// the code says what kind of failure it is, so callers can decide policy (the Stylizer falls back
// to the CPU only for device failures; the CLI maps codes to exit codes).
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace pastiche {

enum class StatusCode {
    Ok,
    InvalidArgument,  // the caller's request is wrong: option out of range, wrong frame size
    Unsupported,      // valid, but this backend/build/format cannot do it
    Corrupt,          // input data is damaged or truncated (image, video, model, vector file)
    Io,               // the file system failed: missing file, permission, disk full, locked output
    OutOfMemory,      // host or device memory exhausted, or a frame over the memory budget
    DeviceLost,       // the GPU went away or hung
    Cancelled,        // stopped on request
    Internal,         // a bug or an unclassified failure
};

// "invalid argument", "corrupt", ... for messages and tests.
inline const char* statusCodeName(StatusCode code) {
    switch (code) {
    case StatusCode::Ok: return "ok";
    case StatusCode::InvalidArgument: return "invalid argument";
    case StatusCode::Unsupported: return "unsupported";
    case StatusCode::Corrupt: return "corrupt";
    case StatusCode::Io: return "i/o";
    case StatusCode::OutOfMemory: return "out of memory";
    case StatusCode::DeviceLost: return "device lost";
    case StatusCode::Cancelled: return "cancelled";
    case StatusCode::Internal: return "internal";
    }
    return "internal";
}

class [[nodiscard]] Status {
public:
    Status() = default;  // ok
    static Status ok() { return {}; }
    // Unclassified failure (code Internal); prefer the coded overload or a named helper.
    static Status error(std::string message) { return error(StatusCode::Internal, std::move(message)); }
    static Status error(StatusCode code, std::string message) {
        Status s;
        s.code_ = code == StatusCode::Ok ? StatusCode::Internal : code;  // an error is never ok
        s.message_ = std::move(message);
        return s;
    }
    static Status invalidArgument(std::string m) { return error(StatusCode::InvalidArgument, std::move(m)); }
    static Status unsupported(std::string m) { return error(StatusCode::Unsupported, std::move(m)); }
    static Status corrupt(std::string m) { return error(StatusCode::Corrupt, std::move(m)); }
    static Status io(std::string m) { return error(StatusCode::Io, std::move(m)); }
    static Status outOfMemory(std::string m) { return error(StatusCode::OutOfMemory, std::move(m)); }
    static Status deviceLost(std::string m) { return error(StatusCode::DeviceLost, std::move(m)); }
    static Status cancelled(std::string m) { return error(StatusCode::Cancelled, std::move(m)); }
    static Status internal(std::string m) { return error(StatusCode::Internal, std::move(m)); }

    bool isOk() const { return code_ == StatusCode::Ok; }
    explicit operator bool() const { return isOk(); }
    StatusCode code() const { return code_; }
    const std::string& message() const { return message_; }
    // Failures another device might not have: memory, a lost device, a missing capability. The
    // only ones worth retrying on the CPU; a wrong argument would fail there too.
    bool isDeviceFailure() const {
        return code_ == StatusCode::OutOfMemory || code_ == StatusCode::DeviceLost || code_ == StatusCode::Unsupported;
    }
    // Prefixes context, e.g. status.withContext("loading model.tflite"); the code is kept.
    Status withContext(const std::string& context) const {
        return isOk() ? *this : error(code_, context + ": " + message_);
    }
    // Marks a status checked on purpose where its failure changes nothing (cleanup paths).
    void ignore() const {}

private:
    StatusCode code_ = StatusCode::Ok;
    std::string message_;
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
    // Must be an error: an OK status without a value is turned into an Internal error here, so
    // the caller sees a failure instead of reading an empty value.
    Result(Status status)  // NOLINT: implicit by design
        : status_(status.isOk() ? Status::internal("Result built from an OK status without a value")
                                : std::move(status)) {}
    bool isOk() const { return value_.has_value(); }
    explicit operator bool() const { return isOk(); }
    const Status& status() const { return status_; }
    T& value() & { return *value_; }
    const T& value() const& { return *value_; }
    T&& value() && { return std::move(*value_); }
    T* operator->() { return &*value_; }
    const T* operator->() const { return &*value_; }

private:
    std::optional<T> value_;
    Status status_;
};

}  // namespace pastiche

#define PASTICHE_RETURN_IF_ERROR(expr)            \
    do {                                          \
        ::pastiche::Status _st = (expr);          \
        if (!_st.isOk()) return _st;              \
    } while (0)

#define PASTICHE_STATUS_CONCAT_INNER(a, b) a##b
#define PASTICHE_STATUS_CONCAT(a, b) PASTICHE_STATUS_CONCAT_INNER(a, b)
// PASTICHE_ASSIGN_OR_RETURN(auto image, readImage(path)); declares or assigns lhs from a Result,
// returning its status on failure. NOLINT: tmp is a name, lhs a declaration; () would break them.
#define PASTICHE_ASSIGN_OR_RETURN(lhs, expr) \
    PASTICHE_ASSIGN_OR_RETURN_IMPL(PASTICHE_STATUS_CONCAT(_pastiche_result_, __LINE__), lhs, expr)
#define PASTICHE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)                             \
    auto tmp = (expr);                    /* NOLINT(bugprone-macro-parentheses) */ \
    if (!tmp.isOk()) return tmp.status(); /* NOLINT(bugprone-macro-parentheses) */ \
    lhs = std::move(tmp).value()          /* NOLINT(bugprone-macro-parentheses) */
