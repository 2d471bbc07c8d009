// The attribution rules of calls that name files: truncating opens, rename, link, resize; and
// the checks that settle them once the calling thread has moved on.
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>  // RENAME_EXCHANGE, RENAME_NOREPLACE

#include "rule.hpp"

namespace roar::seccomp {
namespace detail {

std::optional<std::string> Rule::path_argument(std::uint64_t addr) {
  std::optional<std::string> path = view.memory.read_path(addr);
  if (!path) {
    out.memory_unreadable = true;
  }
  return path;
}

std::optional<std::string> Rule::published_path_argument(std::uint64_t addr) {
  std::optional<std::string> path = path_argument(addr);
  out.published_unknown = out.published_unknown || !path;
  return path;
}

bool Rule::was_looked_up(const ResolvedPath& resolved) {
  out.path_unresolved = out.path_unresolved || !resolved.looked_up;
  return resolved.looked_up;
}

void Rule::open() {
  std::uint64_t flags = args.open_flags.value_or(O_CREAT | O_WRONLY | O_TRUNC);  // creat(2)
  if (args.open_how != 0) {
    std::uint64_t how_flags = 0;  // struct open_how starts with __u64 flags
    if (!view.memory.read_memory(args.open_how, &how_flags, sizeof how_flags)) {
      out.memory_unreadable = true;
      return;
    }
    flags = how_flags;
  }
  if ((flags & O_TRUNC) == 0 || (flags & O_TMPFILE) == O_TMPFILE) {
    return;
  }
  const std::optional<std::string> path = path_argument(args.path);
  if (!path) {
    return;
  }
  const auto resolved = view.paths.resolve(args.path_dirfd, *path, (flags & O_NOFOLLOW) == 0);
  if (!resolved) {
    return;
  }
  // open(2) returns the lowest free number; a sibling thread opening at the same moment may
  // take it, and then the check finds another file there and records nothing.
  std::vector<int> fds = view.fds.open_fds();
  std::sort(fds.begin(), fds.end());
  int lowest_free = 0;
  for (const int fd : fds) {
    if (fd != lowest_free) {
      break;
    }
    ++lowest_free;
  }
  PendingCheck check;
  check.kind = PendingCheck::Kind::kTruncatingOpen;
  check.fd = lowest_free;
  check.path = resolved->path;
  out.pending = std::move(check);
}

void Rule::rename() {
  const std::optional<std::string> from = published_path_argument(args.path);
  const std::optional<std::string> to = published_path_argument(args.new_path);
  if (!from || !to) {
    return;
  }
  const auto source = view.paths.resolve(args.path_dirfd, *from, false);
  const auto target = view.paths.resolve(args.new_path_dirfd, *to, false);
  if (!source || !target || !was_looked_up(*source) || !source->stat) {
    return;  // nothing to move (the call fails), or not known what
  }
  PendingCheck check;
  check.path = target->path;
  check.expect = source->stat->id;
  check.dir = source->stat->type == S_IFDIR;
  check.path2 = source->path;
  if ((args.rename_flags & RENAME_EXCHANGE) != 0) {
    if (!was_looked_up(*target) || !target->stat) {
      return;  // exchanging with nothing fails
    }
    check.kind = PendingCheck::Kind::kExchanged;
    check.expect2 = target->stat->id;
    check.dir2 = target->stat->type == S_IFDIR;
  } else {
    // A target that was not looked up is left to the check: after a refused RENAME_NOREPLACE
    // it still names another file.
    if (target->looked_up && target->stat &&
        ((args.rename_flags & RENAME_NOREPLACE) != 0 || target->stat->id == source->stat->id)) {
      return;  // refused, or two names of one file: nothing changes
    }
    check.kind = PendingCheck::Kind::kRenamed;
  }
  out.pending = std::move(check);
}

void Rule::link() {
  const std::optional<std::string> to = published_path_argument(args.new_path);
  if (!to) {
    return;
  }
  std::optional<FileStat> source;
  std::string from;
  if (args.path != 0) {
    std::optional<std::string> p = published_path_argument(args.path);
    if (!p) {
      return;
    }
    from = std::move(*p);
  }
  if (from.empty() && (args.at_flags & AT_EMPTY_PATH) != 0) {
    source = view.fds.fd_stat(args.path_dirfd);  // linkat(fd, "", ..., AT_EMPTY_PATH)
  } else if (const auto resolved = view.paths.resolve(args.path_dirfd, from,
                                                      (args.at_flags & AT_SYMLINK_FOLLOW) != 0)) {
    if (!was_looked_up(*resolved)) {
      return;
    }
    source = resolved->stat;
  }
  const auto target = view.paths.resolve(args.new_path_dirfd, *to, false);
  // A target that was not looked up is left to the check (EEXIST leaves another file there).
  if (!source || !target || (target->looked_up && target->stat)) {
    return;  // no source, or the new name is taken (EEXIST)
  }
  PendingCheck check;
  check.kind = PendingCheck::Kind::kLinked;
  check.path = target->path;
  check.expect = source->id;
  out.pending = std::move(check);
}

void Rule::resize_path() {
  const std::optional<std::string> path = published_path_argument(args.path);
  if (!path || !args.length || *args.length < 0) {
    return;
  }
  const auto resolved = view.paths.resolve(args.path_dirfd, *path, true);
  if (!resolved || !was_looked_up(*resolved) || !resolved->stat ||
      resolved->stat->type != S_IFREG) {
    return;
  }
  const auto length = static_cast<std::uint64_t>(*args.length);
  if (resolved->stat->size == length) {
    add(resolved->path, Access::kWritten);  // nothing would change: success is unobservable
    return;
  }
  PendingCheck check;
  check.kind = PendingCheck::Kind::kResized;
  check.path = resolved->path;
  check.expect = resolved->stat->id;
  check.length = length;
  out.pending = std::move(check);
}

void Rule::resize_fd() {
  const std::optional<std::string> path = path_of(args.fd_out);
  if (!path || known.contains(*path, Access::kWritten, tid) || (args.length && *args.length < 0)) {
    return;
  }
  const std::optional<FileStat> st = view.fds.fd_stat(args.fd_out);
  if (st && st->type == S_IFREG && writable(args.fd_out)) {
    add(*path, Access::kWritten);
  }
}
}  // namespace detail

Settlement settle(const PendingCheck& check, const CallerView& view, const AccessTable& written) {
  Settlement out;
  const auto names = [&view](const std::string& path, FileId id) {
    const std::optional<FileStat> st = view.paths.lstat(path);
    return st && st->id == id;
  };
  // A moved file is written at its new name. A moved directory is never itself written, but
  // what the tree wrote below its old name, and is still there, is written below the new one.
  const auto moved = [&](const std::string& from, const std::string& to, bool dir) {
    if (!dir) {
      out.events.push_back({to, Access::kWritten});
      return;
    }
    for (const std::string& path : written.written_below(from)) {
      std::string now = to + path.substr(from.size());
      const std::optional<FileStat> st = view.paths.lstat(now);
      if (st && st->type != S_IFDIR) {
        out.events.push_back({std::move(now), Access::kWritten});
      }
    }
  };
  switch (check.kind) {
    case PendingCheck::Kind::kSinkAdvanced: {
      std::optional<std::uint64_t> now;
      if (check.offset_ptr != 0) {
        std::int64_t value = 0;
        if (view.memory.read_memory(check.offset_ptr, &value, sizeof value) && value >= 0) {
          now = static_cast<std::uint64_t>(value);
        }
      } else {
        now = view.fds.fd_position(check.fd);
      }
      if (now && *now > check.before) {
        out.events.push_back({check.path, Access::kWritten});
      }
      break;
    }
    case PendingCheck::Kind::kRenamed:
      if (names(check.path, check.expect)) {
        moved(check.path2, check.path, check.dir);
      }
      break;
    case PendingCheck::Kind::kExchanged:
      if (names(check.path, check.expect) && names(check.path2, check.expect2)) {
        moved(check.path2, check.path, check.dir);
        moved(check.path, check.path2, check.dir2);
      }
      break;
    case PendingCheck::Kind::kCloned: return detail::settle_clone(check, view);
    case PendingCheck::Kind::kLinked:
      if (names(check.path, check.expect)) {
        out.events.push_back({check.path, Access::kWritten});
        out.tmpfile_name.emplace(check.expect, check.path);
      }
      break;
    case PendingCheck::Kind::kResized: {
      const std::optional<FileStat> st = view.paths.lstat(check.path);
      if (st && st->id == check.expect && st->size == check.length) {
        out.events.push_back({check.path, Access::kWritten});
      }
      break;
    }
    case PendingCheck::Kind::kTruncatingOpen: {
      const std::optional<FileStat> named = view.paths.lstat(check.path);
      const std::optional<FileStat> opened = view.fds.fd_stat(check.fd);
      if (named && opened && named->type == S_IFREG && named->id == opened->id) {
        out.truncating_fd.emplace(check.fd, opened->id);
      }
      break;
    }
  }
  return out;
}

}  // namespace roar::seccomp
