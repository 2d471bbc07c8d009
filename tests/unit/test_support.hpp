// Helpers shared by the tests: a table row by name, a host ABI, a ProcessSighting by field name.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "roar/seccomp/attribution/process_table.hpp"
#include "roar/seccomp/filters/abi.hpp"
#include "roar/seccomp/filters/syscall_spec.hpp"
#include "roar/seccomp/filters/syscall_table.hpp"

namespace roar::seccomp {

// The row that describes `name` on `abi` (a name may have one row per argument layout). Throws
// rather than returning a dummy so that a renamed row fails the test that needs it.
// With `request`, the row of that ioctl request (or other selecting argument value).
inline const SyscallSpec& spec_named(std::string_view name, Abi abi = Abi::kX86_64,
                                     std::optional<std::uint32_t> request = std::nullopt) {
  for (const SyscallSpec& spec : traced_syscalls()) {
    if (name == spec.name && (spec.abis & abi_bit(abi)) != 0 &&
        (!request || spec.when.value == *request)) {
      return spec;
    }
  }
  throw std::runtime_error("no table row named " + std::string(name) + " for " + to_string(abi));
}

inline const AbiInfo& host_abi(Abi abi) {
  for (const AbiInfo& info : host_abis()) {
    if (info.abi == abi) {
      return info;
    }
  }
  throw std::runtime_error(std::string("not a host ABI: ") + to_string(abi));
}

// A ProcessSighting by field name, so that tests keep compiling when the struct grows.
inline ProcessSighting sighting(int pid, std::optional<int> parent,
                                std::optional<std::string> cmdline,
                                std::optional<std::string> environ = std::string(),
                                bool image_may_have_changed = false) {
  ProcessSighting s;
  s.pid = pid;
  s.parent_pid = parent;
  s.cmdline = std::move(cmdline);
  s.environ = std::move(environ);
  s.image_may_have_changed = image_may_have_changed;
  return s;
}

}  // namespace roar::seccomp
