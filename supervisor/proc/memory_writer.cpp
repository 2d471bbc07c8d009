// MemoryWriter: pwrite(2) on a traced process's /proc/<tid>/mem, one descriptor per process.
#include "roar/seccomp/proc/memory_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <string>

namespace roar::seccomp {

bool MemoryWriter::write(int pid, int tid, std::uint64_t address, const void* bytes,
                         std::size_t size) {
  auto it = open_.find(pid);
  if (it == open_.end()) {
    const std::optional<int> proc_tid = proc_.pids().identity() ? tid : proc_.pids().to_proc(tid);
    if (!proc_tid || !proc_.caps().memory) {
      return false;
    }
    const std::string path = std::to_string(*proc_tid) + "/mem";
    UniqueFd mem(openat(proc_.proc_dir(), path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!mem || mem.get() >= proc_.caps().keep_below) {
      return false;  // one too many to keep: that process goes without a table
    }
    it = open_.emplace(pid, std::move(mem)).first;
  }
  return pwrite(it->second.get(), bytes, size, static_cast<off_t>(address)) ==
         static_cast<ssize_t>(size);
}

}  // namespace roar::seccomp
