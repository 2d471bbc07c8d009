// Exit codes of the tracer: the command's own, or env(1)'s conventions for our failures.
#pragma once

namespace roar::seccomp {

inline constexpr int kExitTracerFailed = 125;   // nothing ran: bad arguments, no seccomp, ...
inline constexpr int kExitNotExecutable = 126;  // the command exists but cannot be executed
inline constexpr int kExitNotFound = 127;       // the command does not exist

// A waitpid(2) status as a shell reports it: the exit code, or 128+N for death by signal N.
int exit_code_of(int wait_status) noexcept;

}  // namespace roar::seccomp
