// The tracer's own descriptor limit: raised for its per-process descriptors, the caller's kept
// for the command.
#pragma once

#include <sys/resource.h>

#include <optional>

namespace roar::seccomp {

// The tracer keeps descriptors for each live traced process (a pidfd; /proc/PID/mem for one with
// a fast-path table), so it raises its soft RLIMIT_NOFILE to the hard limit. Returns the limit
// it was started with, which the command is given back before its exec so that it runs as it
// would untraced; nullopt when nothing was changed.
std::optional<rlimit> raise_own_descriptor_limit() noexcept;

}  // namespace roar::seccomp
