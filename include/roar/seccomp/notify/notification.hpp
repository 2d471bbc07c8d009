// Notification: the parts of struct seccomp_notif the supervisor uses, independent of the kernel.
#pragma once

#include <array>
#include <cstdint>

namespace roar::seccomp {

struct Notification {
  std::uint64_t id = 0;
  int tid = 0;  // the calling thread, in the supervisor's pid namespace
  std::uint32_t arch = 0;
  std::int32_t nr = 0;
  std::uint64_t instruction_pointer = 0;
  std::array<std::uint64_t, 6> args{};
};

}  // namespace roar::seccomp
