// Exit codes of the tracer: the command's own, or env(1)'s conventions for our failures.
#pragma once

#include <optional>

namespace roar::seccomp {

inline constexpr int kExitTracerFailed = 125;   // nothing ran: bad arguments, no seccomp, ...
inline constexpr int kExitNotExecutable = 126;  // the command exists but cannot be executed
inline constexpr int kExitNotFound = 127;       // the command does not exist

// A waitpid(2) status as a shell reports it: the exit code, or 128+N for death by signal N.
int exit_code_of(int wait_status) noexcept;

// The exit code for a command whose exec failed with errno `error`: 127 when nothing was found,
// 126 otherwise. Async-signal-safe: the launched child exits with it.
int exit_code_of_exec_error(int error) noexcept;

// The tracer's exit code after a run: the exec's failure if there was one, else the root's
// wait status; 125 if neither is known.
int exit_code_of_run(const std::optional<int>& exec_error,
                     const std::optional<int>& root_wait_status) noexcept;

}  // namespace roar::seccomp
