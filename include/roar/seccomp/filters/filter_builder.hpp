// Generates the seccomp BPF program (and a readable listing of it) from the syscall table.
#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

#include "roar/seccomp/filters/syscall_index.hpp"
#include "roar/seccomp/util/error.hpp"

namespace roar::seccomp {

// A loadable classic-BPF program. Built before fork, because libseccomp allocates and the child
// of a fork may only call async-signal-safe functions.
struct BpfProgram {
  std::vector<sock_filter> instructions;
};

struct FilterOptions {
  // Allow every x86-64 call made from the fast path's stub (fast_path_abi.h) before anything
  // else: the preload library makes only the calls its thread's table allows there.
  bool fast_path_stub = false;
};

// Every resolved row returns SECCOMP_RET_USER_NOTIF when its argument conditions hold; all other
// calls, and every call of an ABI we do not know, are allowed (libseccomp would kill them).
Result<BpfProgram> build_filter(const std::vector<ResolvedSyscall>& resolved,
                                FilterOptions options = {});

// libseccomp's pseudo-filter-code listing of the same filter, for tools/ and tests.
Result<std::string> filter_listing(const std::vector<ResolvedSyscall>& resolved);

}  // namespace roar::seccomp
