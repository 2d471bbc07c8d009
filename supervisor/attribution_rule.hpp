// The rule evaluator shared by attribution.cpp (bytes: read, write, copy, map, release) and
// attribution_paths.cpp (names: truncating opens, rename, link, resize). Private to supervisor/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "roar/seccomp/attribution.hpp"

namespace roar::seccomp::detail {

constexpr std::uint64_t kIovMax = 1024;  // UIO_MAXIOV: readv(2) fails with EINVAL beyond it

// Whether the source of a read or transfer has bytes for the call to move.
enum class Bytes { kNone, kSome, kUnknown };

// One call being attributed: its arguments, what can be learned about its thread, and where the
// findings go. Each Effect has one method.
struct Rule {
  const SyscallArgs& args;
  const AbiInfo& abi;
  TraceeView& view;
  const AccessLog& known;
  int tid;
  std::optional<int> pid;
  const FileFacts* facts;
  Attribution& out;

  std::optional<std::string> path_of(int fd) { return file_path_of(view, fd, facts); }
  void add(const std::string& path, Access access) { out.events.push_back({path, access}); }
  // Sum of the iovec lengths, or nullopt if the array cannot be read.
  std::optional<std::uint64_t> iovec_bytes();
  // False only when the call certainly moves zero bytes.
  bool requests_bytes();
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
  // A descriptor the process opened with O_TRUNC returns only what was written through it:
  // reading it back, by read, copy or mapping, takes in nothing from outside (SPEC §4's mmap
  // rule, applied to every way of reading; GNU as reads back each object file it writes).
  // Another descriptor of the same file reads it like any file.
  bool own_truncated_file(int fd);
  std::optional<std::string> path_argument(std::uint64_t addr);
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

}  // namespace roar::seccomp::detail
