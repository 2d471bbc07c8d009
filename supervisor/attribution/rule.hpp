// The rule evaluator shared by attribution.cpp (bytes: read, write, copy, map, release) and
// attribution_paths.cpp (names: truncating opens, rename, link, resize). Private to supervisor/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "roar/seccomp/attribution/attribution.hpp"
#include "roar/seccomp/attribution/warning_catalogue.hpp"

namespace roar::seccomp::detail {

constexpr std::uint64_t kIovMax = 1024;  // UIO_MAXIOV: readv(2) fails with EINVAL beyond it

// Whether `path` is the name the kernel prints for the O_TMPFILE file with inode `inode`.
bool is_tmpfile_name(std::string_view path, std::uint64_t inode);

// Whether the source of a read or transfer has bytes for the call to move.
enum class Bytes { kNone, kSome, kUnknown };

// What a read or write rule found about its descriptor, for the fast path: whether the calls
// that follow it on the same descriptor could still record anything for this thread.
enum class Later { kMayRecord, kNothingNew };

// How many bytes a read or write asks for: a count, or an iovec array to sum.
struct ByteRequest {
  std::optional<std::uint64_t> count;  // nullopt: sum the iovecs
  std::uint64_t iovec = 0;
  std::uint64_t iov_count = 0;
};

// One call being attributed: its arguments, what can be learned about its thread, and where the
// findings go. Each Effect has one method.
struct Rule {
  const SyscallArgs& args;
  const AbiInfo& abi;
  CallerView view;
  const AccessTable& known;
  int tid;
  std::optional<int> pid;
  const FileFacts* facts;
  Attribution& out;

  Timestamp now;

  std::optional<std::string> path_of(int fd) { return file_path_of(view, fd, facts); }
  void add(const std::string& path, Access access) { out.events.push_back({path, access}); }
  // Sum of the iovec lengths, or nullopt if the array cannot be read.
  std::optional<std::uint64_t> iovec_bytes(std::uint64_t iovec, std::uint64_t count);
  // False only when the call certainly moves zero bytes.
  bool requests_bytes(const ByteRequest& request);
  // The read and write rules for one descriptor (read, write, and each Linux AIO iocb).
  Later read_from(int fd, const ByteRequest& request, std::optional<std::int64_t> offset);
  Later write_to(int fd, const ByteRequest& request);
  // Whether `fd` refers to an object without a path (pipe, socket, memfd, anonymous inode).
  bool pathless(int fd);
  // The offset the call reads `fd` at: explicit, through a pointer, or the fd's position.
  std::optional<std::uint64_t> offset_of(int fd, std::optional<std::int64_t> explicit_offset,
                                         std::uint64_t ptr, unsigned ptr_size);
  // Does the readable descriptor `fd` have bytes at the offset the call will use?
  Bytes source_bytes(int fd, std::optional<std::int64_t> explicit_offset, std::uint64_t ptr,
                     unsigned ptr_size);
  bool readable(int fd);
  bool writable(int fd);
  void read();
  void write();
  void transfer();
  void map();
  void protect();
  void clone();
  void aio_submit();
  // A descriptor the process opened with O_TRUNC returns only what was written through it:
  // reading it back, by read, copy or mapping, takes in nothing from outside (the mmap
  // rule, applied to every way of reading; GNU as reads back each object file it writes).
  // Another descriptor of the same file reads it like any file.
  bool own_truncated_file(int fd);
  std::optional<std::string> path_argument(std::uint64_t addr);
  // A path argument of a call that publishes content (rename, link, truncate): unreadable, what
  // it published is unknown.
  std::optional<std::string> published_path_argument(std::uint64_t addr);
  // Whether what `resolved` names was looked up; notes the loss if it was not.
  bool was_looked_up(const ResolvedPath& resolved);
  void open();
  void rename();
  void link();
  void resize_path();
  void resize_fd();
  // A descriptor about to be released: its file was opened by the tree.
  void opened(int fd);
  void opened_all(std::uint32_t first, std::uint32_t last);
};

// Settles a kCloned check (attribution_clone.cpp).
Settlement settle_clone(const PendingCheck& check, const CallerView& view);

}  // namespace roar::seccomp::detail
