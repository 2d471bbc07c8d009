// The one-line messages that say why a run could not start or a command could not run, and
// what to do about it.
#pragma once

#include <string>

#include "roar/seccomp/log.hpp"

namespace roar::seccomp {

// Why seccomp user notification is unavailable, from the errno of installing the filter.
std::string explain_filter_error(int error);

// Prints why `command` could not be executed (errno `error` of its exec).
void explain_exec_error(const Log& log, const std::string& command, int error);

}  // namespace roar::seccomp
