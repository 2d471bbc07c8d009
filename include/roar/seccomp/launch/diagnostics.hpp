// The one-line messages that say why a run could not start or a command could not run, and
// what to do about it.
#pragma once

#include <optional>
#include <string>

#include "roar/seccomp/util/logger.hpp"

namespace roar::seccomp {

// Why seccomp user notification is unavailable, from the errno of installing the filter.
std::string explain_filter_error(int error);

// Why tracing cannot work on this machine before anything is tried, or nullopt: a kernel older
// than 5.5 (no SECCOMP_USER_NOTIF_FLAG_CONTINUE), or a /proc that belongs to another pid
// namespace (bwrap --unshare-pid without --proc: pids in notifications would name other
// processes).
std::optional<std::string> tracing_impossible_here(int proc_dir);

// Prints why `command` could not be executed (errno `error` of its exec).
void explain_exec_error(const Logger& log, const std::string& command, int error);

}  // namespace roar::seccomp
