// MemoryWriter: writes the fast path's tables into traced processes through /proc/PID/mem.
#pragma once

#include <unordered_map>

#include "roar/seccomp/attribution/fast_path.hpp"
#include "roar/seccomp/proc/proc_context.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {

// /proc/PID/mem writes where the process itself may not (its table pages are read-only to it),
// and works where a container profile denies process_vm_writev; it needs the same access as
// ptrace, which the tracer has over its descendants unless Yama forbids it (then no table is
// taken). One descriptor is kept per process, opened through the thread that registered: it
// stays valid for the process's memory whichever of its threads ends.
class MemoryWriter final : public TableWriter {
 public:
  explicit MemoryWriter(ProcContext& proc) noexcept : proc_(proc) {}

  bool write(int pid, int tid, std::uint64_t address, const void* bytes, std::size_t size) override;
  void forget(int pid) override { open_.erase(pid); }

 private:
  ProcContext& proc_;
  std::unordered_map<int, UniqueFd> open_;  // pid -> /proc/<tid>/mem
};

}  // namespace roar::seccomp
