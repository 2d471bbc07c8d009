// Error and Result<T>: failures carry errno captured at the call site plus what was attempted.
//
// How the tracer fails (the policy the code follows):
//
// - Result<T> / Status: an operation that can fail for a reason outside the program (a system
//   call, a file, a peer, bytes read from somewhere) returns one; the Error says what was being
//   done and the errno. The caller decides how loud it is and adds what the user should do.
// - bool: a check with one meaning and nothing to explain (Listener::id_valid,
//   has_cap_sys_admin), and a step of the run that has already printed its one line and only
//   tells its caller to stop.
// - Exceptions are not used for failures the code expects. They come from the standard library
//   (allocation), CLI11 and msgpack, and are caught where those libraries are called
//   (parse_command_line, decode_report turns its own into a Result). The supervisor thread's
//   loop is noexcept: it catches around attribution and recording, because nothing may leave a
//   received notification unanswered (the traced thread would wait as long as the tracer
//   lives); an exception escaping it ends the tracer (std::terminate).
// - Messages: one line on stderr through Logger, saying what failed and what to do about it
//   ("...; choose a writable path", "...; run it with --if-untraceable run ...").
// - Exit status: 125 when the tracer fails before the command could run (arguments, report path,
//   filter, /proc, launch, seccomp unavailable), 126/127 when the command cannot be executed.
//   Once the command runs, the exit status is the command's whatever happens to the tracer:
//   what it could not observe goes into the report's warnings (complete: false), a report it
//   could not write is said on stderr.
// - Between fork and exec the child only calls async-signal-safe functions: it reports an errno
//   over its control socket and _exits 125, 126 or 127.
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

namespace roar::seccomp {

struct Error {
  Error() = default;
  Error(int error_code, std::string what_was_done)
      : code(error_code), context(std::move(what_was_done)) {}

  // Reads errno immediately; call it right after the failing system call.
  static Error from_errno(std::string context) { return Error{errno, std::move(context)}; }
  [[nodiscard]] std::string message() const;  // "context: strerror(code)"
  // message() for a printf-style "%s": valid until the next what() on this Error or its end,
  // which covers the full expression of a log call.
  [[nodiscard]] const char* what() const;

  int code = 0;         // errno value, or 0 when the failure is not an OS error
  std::string context;  // what was being done, e.g. "seccomp(SET_MODE_FILTER)"

 private:
  mutable std::string what_;  // storage for what(); an Error is a value, never shared by threads
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
