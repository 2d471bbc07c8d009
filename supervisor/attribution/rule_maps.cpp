// The attribution rules of memory mappings: mmap of a file, and mprotect making mappings writable.
#include <sys/mman.h>

#include "roar/seccomp/attribution/fd_target.hpp"
#include "rule.hpp"

namespace roar::seccomp {
namespace detail {
namespace {

constexpr std::uint64_t kPageSize = 4096;

}  // namespace

void Rule::map() {
  SyscallArgs decoded = args;
  if (args.map_args != 0) {
    // ia32's old mmap: addr, len, prot, flags, fd, offset as six 32-bit words in memory.
    std::uint32_t words[6] = {};
    if (!view.memory.read_memory(args.map_args, words, sizeof words)) {
      // Anonymous or not, a file mapping cannot be excluded.
      out.unattributed = warning::kIa32MmapUnreadable;
      return;
    }
    decoded.map_length = words[1];
    decoded.map_prot = words[2];
    decoded.map_flags = words[3];
    decoded.fd_mapped = static_cast<int>(words[4]);
    decoded.map_offset = words[5];
    if ((decoded.map_flags & MAP_ANONYMOUS) != 0) {
      return;
    }
  }
  const std::optional<std::string> path = path_of(decoded.fd_mapped);
  if (!path) {
    return;
  }
  const bool maps_readable = (decoded.map_prot & (PROT_READ | PROT_EXEC)) != 0;
  const std::uint64_t type = decoded.map_flags & MAP_TYPE;
  const bool shared = type == MAP_SHARED || type == MAP_SHARED_VALIDATE;
  const bool shared_writable = shared && (decoded.map_prot & PROT_WRITE) != 0;
  const bool need_read = maps_readable && !known.contains(*path, Access::kRead, tid);
  const bool need_write = shared_writable && !known.contains(*path, Access::kWritten, tid);
  const bool need_note = shared && facts != nullptr && !facts->writable_shared_mappings();
  if ((!need_read && !need_write && !need_note) || decoded.map_length == 0) {
    return;
  }
  // Every file mapping needs a readable descriptor; a shared writable one a writable one too.
  const std::optional<FdAccess> access = view.fds.fd_access(decoded.fd_mapped);
  if (!access || !access->readable) {
    return;
  }
  if (need_read &&
      source_bytes(decoded.fd_mapped, static_cast<std::int64_t>(decoded.map_offset), 0, 8) ==
          Bytes::kSome &&
      !own_truncated_file(decoded.fd_mapped)) {
    add(*path, Access::kRead);
  }
  if (need_write && access->writable) {
    add(*path, Access::kWritten);
  }
  out.writable_shared_mapping = need_note && access->writable;
}

// The kernel changes the mappings of the range in address order and stops, keeping what it
// changed, at a hole (ENOMEM) or at a mapping that may not become writable (EACCES).
void Rule::protect() {
  if (facts == nullptr || !facts->writable_shared_mappings()) {
    return;  // no mapping of this run could make a file writable
  }
  const std::uint64_t start = args.map_addr;
  const std::uint64_t length = (args.map_length + kPageSize - 1) & ~(kPageSize - 1);
  if ((start & (kPageSize - 1)) != 0 || length == 0 || start + length < start) {
    return;  // EINVAL, nothing to do, or ENOMEM
  }
  const std::uint64_t end = start + length;
  const std::optional<std::vector<Mapping>> mappings = view.memory.mappings(start, end);
  if (!mappings) {
    out.unattributed = warning::kMappingsUnreadable;
    return;
  }
  std::uint64_t reached = start;
  for (const Mapping& m : *mappings) {
    if (m.start > reached || !m.may_write) {
      break;
    }
    if (m.shared) {
      if (const std::optional<std::string> path = mapped_file_path(m, facts);
          path && !known.contains(*path, Access::kWritten, tid)) {
        add(*path, Access::kWritten);
      }
    }
    reached = m.end;
    if (reached >= end) {
      break;
    }
  }
}

}  // namespace detail

std::optional<std::string> mapped_file_path(const Mapping& mapping, const FileFacts* facts) {
  if (mapping.id.ino == 0) {
    return std::nullopt;  // anonymous memory, [heap], [stack], ...
  }
  FdTarget target = classify_fd_link(mapping.name);
  switch (target.kind) {
    case TargetKind::kPath: return std::move(target.path);
    case TargetKind::kDeleted: {
      if (detail::is_tmpfile_name(target.path, mapping.id.ino)) {
        const std::string* name = facts != nullptr ? facts->tmpfile_name(mapping.id) : nullptr;
        return name != nullptr ? std::optional<std::string>(*name) : std::nullopt;
      }
      // Shared anonymous memory and System V segments live in unnamed shmem files.
      if (target.path == "/dev/zero" || target.path.starts_with("/SYSV")) {
        return std::nullopt;
      }
      return std::move(target.path);  // an unlinked file keeps its original path
    }
    case TargetKind::kMemfd:
    case TargetKind::kPipe:
    case TargetKind::kSocket:
    case TargetKind::kAnonymous: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace roar::seccomp
