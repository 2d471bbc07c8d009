// The table of traced syscalls, from which the BPF filter and the decoding both derive.
#pragma once

#include <span>

#include "roar/seccomp/filters/syscall_spec.hpp"

namespace roar::seccomp {

// Every syscall the tracer is notified of, one row each (filters/syscall_table.cpp).
std::span<const SyscallSpec> traced_syscalls() noexcept;

}  // namespace roar::seccomp
