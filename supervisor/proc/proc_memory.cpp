// ProcTraceeView's memory (MemoryView): process_vm_readv or /proc/<tid>/mem, and maps/smaps.
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "proc_path.hpp"
#include "roar/seccomp/proc/proc_maps.hpp"
#include "roar/seccomp/proc/proc_tracee_view.hpp"

namespace roar::seccomp {

using detail::ProcPath;

std::optional<std::vector<Mapping>> ProcTraceeView::mappings(std::uint64_t start,
                                                             std::uint64_t end) {
  const std::optional<std::string> maps =
      note(read_small_file(proc_dir_, ProcPath(proc_tid_, "maps").c_str()));
  if (!maps) {
    return std::nullopt;
  }
  std::vector<Mapping> out = parse_maps(*maps, start, end);
  // Whether a shared file mapping may become writable is only in smaps (VmFlags), which costs
  // a page-table walk per mapping: read it only when such a mapping is in the range.
  if (std::none_of(out.begin(), out.end(),
                   [](const Mapping& m) { return m.shared && m.id.ino != 0; })) {
    return out;
  }
  const std::optional<std::string> smaps =
      note(read_small_file(proc_dir_, ProcPath(proc_tid_, "smaps").c_str()));
  if (!smaps) {
    return std::nullopt;
  }
  return parse_maps(*smaps, start, end);
}

bool ProcTraceeView::read_memory(std::uint64_t addr, void* out, std::size_t len) {
  if (len == 0) {
    return true;
  }
  if (!caps_.memory) {
    return false;
  }
  iovec local{out, len};
  iovec remote{reinterpret_cast<void*>(addr), len};  // NOLINT(performance-no-int-to-ptr)
  const ssize_t n = process_vm_readv(tid_, &local, 1, &remote, 1, 0);
  if (n == static_cast<ssize_t>(len)) {
    return true;
  }
  // Some sandboxes deny process_vm_readv but not /proc/<tid>/mem; both need ptrace access.
  UniqueFd mem(openat(proc_dir_, ProcPath(proc_tid_, "mem").c_str(), O_RDONLY | O_CLOEXEC));
  if (!mem) {
    return false;
  }
  return pread(mem.get(), out, len, static_cast<off_t>(addr)) == static_cast<ssize_t>(len);
}

std::size_t ProcTraceeView::read_ranges(std::span<const MemoryRange> ranges) {
  if (!caps_.memory) {
    return 0;
  }
  // process_vm_readv stops at the first remote range it cannot read whole.
  constexpr std::size_t kBatch = 1024;  // IOV_MAX
  std::vector<iovec> local;
  std::vector<iovec> remote;
  std::size_t done = 0;
  while (done < ranges.size()) {
    const std::span<const MemoryRange> batch =
        ranges.subspan(done, std::min(kBatch, ranges.size() - done));
    local.clear();
    remote.clear();
    for (const MemoryRange& r : batch) {
      local.push_back({r.out, r.len});
      remote.push_back(
          {reinterpret_cast<void*>(r.addr), r.len});  // NOLINT(performance-no-int-to-ptr)
    }
    const ssize_t n =
        process_vm_readv(tid_, local.data(), local.size(), remote.data(), remote.size(), 0);
    auto left = static_cast<std::size_t>(std::max<ssize_t>(n, 0));
    for (const MemoryRange& r : batch) {
      if (left < r.len) {
        return done;
      }
      left -= r.len;
      ++done;
    }
  }
  return done;
}

std::optional<std::string> ProcTraceeView::read_path(std::uint64_t addr) {
  constexpr std::size_t kPage = 4096;
  constexpr std::size_t kPathMax = 4096;
  std::string out;
  char buf[kPage];
  // Page by page: a string that ends just before unmapped memory is still read.
  while (out.size() < kPathMax) {
    const std::size_t chunk = std::min(kPage - addr % kPage, kPathMax - out.size());
    if (!read_memory(addr, buf, chunk)) {
      return std::nullopt;
    }
    if (const void* nul = std::memchr(buf, '\0', chunk)) {
      out.append(buf, static_cast<std::size_t>(static_cast<const char*>(nul) - buf));
      return out;
    }
    out.append(buf, chunk);
    addr += chunk;
  }
  return std::nullopt;  // longer than PATH_MAX: the call fails with ENAMETOOLONG
}

}  // namespace roar::seccomp
