// Error handling for the engine: functions return Status or Result<T>; the app decides what
// the user sees. Messages carry context (file, layer, Vulkan call) so one line explains a failure.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace pastiche {

class Status {
public:
    Status() = default;  // ok
    static Status ok() { return {}; }
    static Status error(std::string message) {
        Status s;
        s.message_ = std::move(message);
        s.failed_ = true;
        return s;
    }
    bool isOk() const { return !failed_; }
    explicit operator bool() const { return !failed_; }
    const std::string& message() const { return message_; }
    // Prefixes context, e.g. status.withContext("loading model.tflite").
    Status withContext(const std::string& context) const {
        return failed_ ? error(context + ": " + message_) : *this;
    }

private:
    std::string message_;
    bool failed_ = false;
};

template <class T>
class Result {
public:
    Result(T value) : value_(std::move(value)) {}            // NOLINT: implicit by design
    Result(Status status) : status_(std::move(status)) {}    // NOLINT: must be an error
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
