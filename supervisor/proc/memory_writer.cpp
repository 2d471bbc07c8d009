// MemoryWriter: pwrite(2) on a traced process's /proc/<tid>/mem, one descriptor per process.
#include "roar/seccomp/proc/memory_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <string>

namespace roar::seccomp {

bool MemoryWriter::write(int pid, int tid, std::uint64_t address, const void* bytes,
                         std::size_t size) {
  UniqueFd once;
  auto it = open_.find(pid);
  int fd = it != open_.end() ? it->second.get() : -1;
  if (fd < 0) {
    const std::optional<int> proc_tid = proc_.pids().identity() ? tid : proc_.pids().to_proc(tid);
    if (!proc_tid || !proc_.caps().memory) {
      return false;
    }
    const std::string path = std::to_string(*proc_tid) + "/mem";
    UniqueFd mem(openat(proc_.proc_dir(), path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!mem) {
      return false;
    }
    fd = mem.get();
    if (fd < proc_.caps().keep_below) {
      open_.emplace(pid, std::move(mem));
    } else {
      once = std::move(mem);  // one too many to keep: opened again for the next write
    }
  }
  return pwrite(fd, bytes, size, static_cast<off_t>(address)) == static_cast<ssize_t>(size);
}

}  // namespace roar::seccomp
