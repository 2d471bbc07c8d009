// Error and Result<T>: failures carry errno captured at the call site plus what was attempted.
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

namespace roar::seccomp {

struct Error {
  int code = 0;         // errno value, or 0 when the failure is not an OS error
  std::string context;  // what was being done, e.g. "seccomp(SET_MODE_FILTER)"

  // Reads errno immediately; call it right after the failing system call.
  static Error from_errno(std::string context) { return Error{errno, std::move(context)}; }
  [[nodiscard]] std::string message() const;  // "context: strerror(code)"
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& value() const& { return std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  [[nodiscard]] const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

}  // namespace roar::seccomp
