// ByteTraceeView: a TraceeView whose every answer is read from fuzzer input bytes.
//
// Each query draws its answer from a small vocabulary (so that answers meet: the same paths,
// file identities and pids come back often) or, now and then, from raw input bytes. Answers are
// not kept consistent between queries on purpose: /proc can change between two reads, and the
// handler must then record less, never crash. Only what the kernel can never answer is left
// out: a canonical path from resolve() is always absolute, and no path contains a NUL byte.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "byte_reader.hpp"
#include "roar/seccomp/attribution/tracee_view.hpp"
#include "roar/seccomp/proc/proc_maps.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp::fuzz {

// The traced tree's pids: the root first. The tracer itself (getpid()) may show up as a parent.
inline constexpr int kRoot = 100;
inline constexpr std::array<int, 6> kPids = {kRoot, 101, 102, 103, 200, 201};
// Thread ids: the processes' main threads and a few more threads.
inline constexpr std::array<int, 8> kTids = {kRoot, 101, 102, 103, 200, 201, 104, 105};

inline int tracer_pid() {
  static const int pid = ::getpid();
  return pid;
}

// A pid from the tree, the tracer, or 1 (init, which adopts orphans outside a subreaper).
inline int pick_pid(ByteReader& in) {
  const std::size_t i = in.pick(kPids.size() + 2);
  if (i < kPids.size()) {
    return kPids[i];
  }
  return i == kPids.size() ? tracer_pid() : 1;
}

inline std::string without_nul(std::string s) {
  std::erase(s, '\0');
  return s;
}

// Every real descriptor handed out as a pidfd, so that a leak is caught: the handler owns what
// open_pidfd returns and must close it (or pass it to the watcher, which closes it).
class PidfdLedger {
 public:
  UniqueFd open() {
    static const int dev_null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (dev_null < 0) {
      return UniqueFd();
    }
    UniqueFd fd(::fcntl(dev_null, F_DUPFD_CLOEXEC, 0));
    if (fd) {
      handed_out_.push_back(fd.get());
    }
    return fd;
  }
  // Aborts if a descriptor handed out is still open; call once everything that may own one is
  // destroyed. (A number closed and handed out again is checked twice, harmlessly.)
  void expect_all_closed() {
    for (const int fd : handed_out_) {
      if (::fcntl(fd, F_GETFD) != -1) {
        std::fprintf(stderr, "fuzz: pidfd %d handed out by open_pidfd was never closed\n", fd);
        std::abort();
      }
    }
    handed_out_.clear();
  }

 private:
  std::vector<int> handed_out_;
};

class ByteTraceeView final : public TraceeView {
 public:
  // `tid` is the notifying thread (0 for a view without one, as at the end of a run); the view
  // answers that thread's status with its own tid as tgid most of the time.
  // The first input byte decides whether failed reads are ones /proc denied (a process that is
  // not dumpable) rather than ones of a thread that is gone.
  ByteTraceeView(ByteReader input, int tid, PidfdLedger& ledger) noexcept
      : in_(input), tid_(tid), ledger_(ledger), denies_(in_.u8() % 8 == 0) {}

  // ---- FdLinkView, FdView --------------------------------------------------------------------

  std::optional<std::string> fd_link(int fd) override {
    static_cast<void>(fd);
    static constexpr std::array<std::string_view, 10> kLinks = {
        "/tmp/a",
        "/tmp/b (deleted)",
        "pipe:[1]",
        "socket:[2]",
        "/memfd:x (deleted)",
        "/d/#123 (deleted)",
        "/tmp",
        "anon_inode:[eventfd]",
        "/tmp/a (deleted)",
        "/d/#2 (deleted)",
    };
    const std::size_t i = in_.pick(kLinks.size() + 3);
    if (i < kLinks.size()) {
      return std::string(kLinks[i]);
    }
    if (i == kLinks.size()) {
      return none();
    }
    // Raw bytes: a link the kernel could print for some object we do not know.
    return without_nul((i == kLinks.size() + 1 ? "/" : "") + in_.short_bytes());
  }

  std::optional<FdAccess> fd_access(int fd) override {
    static_cast<void>(fd);
    switch (in_.pick(5)) {
      case 0: return none();
      case 1: return FdAccess{true, false};
      case 2: return FdAccess{false, true};
      case 3: return FdAccess{true, true};
      default: return FdAccess{false, false};  // O_PATH
    }
  }

  std::optional<FileStat> fd_stat(int fd) override {
    static_cast<void>(fd);
    return maybe_stat();
  }
  std::optional<std::uint64_t> fd_position(int fd) override {
    static_cast<void>(fd);
    return maybe_number();
  }
  std::optional<std::uint64_t> pipe_bytes(int fd) override {
    static_cast<void>(fd);
    return maybe_number();
  }

  // Sorted and unique, as /proc/<tid>/fd lists them: a bit per descriptor 0..7, plus maybe a big
  // one.
  std::vector<int> open_fds() override {
    const std::uint8_t bits = in_.u8();
    std::vector<int> out;
    for (int fd = 0; fd < 8; ++fd) {
      if ((bits & (1U << static_cast<unsigned>(fd))) != 0) {
        out.push_back(fd);
      }
    }
    if (in_.pick(4) == 0) {
      out.push_back(1000 + static_cast<int>(in_.u8()));
    }
    return out;
  }

  // ---- MemoryView ----------------------------------------------------------------------------

  bool read_memory(std::uint64_t addr, void* out, std::size_t len) override {
    static_cast<void>(addr);
    if (in_.pick(4) == 0) {
      failed();
      return false;
    }
    in_.fill(out, len);
    return true;
  }

  std::optional<std::string> read_path(std::uint64_t addr) override {
    static_cast<void>(addr);
    static constexpr std::array<std::string_view, 10> kPaths = {
        "/tmp/a", "/tmp/b", "a", "../x", "", "/d/#123", "/tmp", "./a", "/tmp/a/", "b/c",
    };
    const std::size_t i = in_.pick(kPaths.size() + 2);
    if (i < kPaths.size()) {
      return std::string(kPaths[i]);
    }
    if (i == kPaths.size()) {
      return none();
    }
    return without_nul(in_.short_bytes());
  }

  // Text as /proc/<pid>/maps or smaps could show it, through the real parser.
  std::optional<std::vector<Mapping>> mappings(std::uint64_t start, std::uint64_t end) override {
    static constexpr std::array<std::string_view, 3> kMaps = {
        "7f0000000000-7f0000002000 rw-s 00000000 fd:01 123 /tmp/out\\012x\n",
        "7f0000000000-7f0000001000 r--s 00000000 fd:01 123 /tmp/a (deleted)\n"
        "VmFlags: rd sh mr mw me ms\n7f0000001000-7f0000003000 rw-p 00000000 00:00 0\n",
        "7f0000000000-7f0000001000 rw-s 00000000 00:01 7 /dev/zero (deleted)\n"};
    const std::optional<std::string> text = proc_text(kMaps);
    if (!text) {
      return none();
    }
    return parse_maps(*text, start, end);
  }

  // ---- PathView ------------------------------------------------------------------------------

  std::optional<ResolvedPath> resolve(int dirfd, std::string_view path, bool follow) override {
    static_cast<void>(dirfd);
    static_cast<void>(follow);
    static constexpr std::array<std::string_view, 6> kCanonical = {
        "/tmp/a", "/tmp/b", "/d/x", "/tmp", "/", "/tmp/a (deleted)",
    };
    const std::size_t i = in_.pick(kCanonical.size() + 3);
    std::string canonical;
    if (i < kCanonical.size()) {
      canonical = kCanonical[i];
    } else if (i == kCanonical.size()) {
      return none();
    } else if (i == kCanonical.size() + 1) {
      canonical = path.starts_with('/') ? std::string(path) : "/tmp/" + std::string(path);
    } else {
      canonical = "/" + in_.short_bytes();
    }
    return ResolvedPath{without_nul(std::move(canonical)), maybe_stat()};
  }

  UniqueFd open_file(int dirfd, std::string_view path) override {
    static_cast<void>(dirfd);
    static_cast<void>(path);
    return UniqueFd();
  }
  std::optional<FileId> file_id(int dirfd, std::string_view path) override {
    static_cast<void>(dirfd);
    static_cast<void>(path);
    return std::nullopt;
  }
  std::optional<FileStat> lstat(const std::string& path) override {
    static_cast<void>(path);
    return maybe_stat();
  }

  // ---- ProcessView ---------------------------------------------------------------------------

  // A process is never its own parent.
  std::optional<ThreadStatus> status() override {
    const std::size_t sel = in_.pick(4);
    if (sel == 0) {
      return none();
    }
    const int tgid = sel == 1 || tid_ == 0 ? kPids[in_.pick(kPids.size())] : tid_;
    int ppid = pick_pid(in_);
    if (ppid == tgid) {
      ppid = tgid == kRoot ? tracer_pid() : kRoot;
    }
    return ThreadStatus{tgid, ppid};
  }

  std::optional<std::string> cmdline(int pid) override {
    static_cast<void>(pid);
    static constexpr std::array<std::string_view, 4> kArgvs = {
        std::string_view("sh\0-c\0true\0", 11),
        std::string_view("cat\0/tmp/a\0", 11),
        std::string_view("unterminated", 12),
        std::string_view("", 0),
    };
    return proc_text(kArgvs);
  }

  std::optional<std::string> environ(int pid) override {
    static_cast<void>(pid);
    static constexpr std::array<std::string_view, 4> kEnvirons = {
        std::string_view("A=1\0B=2\0A=3\0", 12),
        std::string_view("=x\0NOEQ\0C=\0", 11),
        std::string_view("HOME=/root\0", 11),
        std::string_view("", 0),
    };
    return proc_text(kEnvirons);
  }

  // A bit per pid of the tree, never `pid` itself.
  std::vector<int> children(int pid) override {
    const std::uint8_t bits = in_.u8();
    std::vector<int> out;
    for (std::size_t i = 0; i < kPids.size(); ++i) {
      if ((bits & (1U << i)) != 0 && kPids[i] != pid) {
        out.push_back(kPids[i]);
      }
    }
    return out;
  }

  // Mostly no pidfd (the kernel or a sandbox refused one); sometimes a real descriptor, so that
  // the watched-process paths (tid cache, fd path cache) are reached and leaks are caught.
  UniqueFd open_pidfd(int pid) override {
    static_cast<void>(pid);
    return in_.pick(4) == 0 ? ledger_.open() : UniqueFd();
  }

  std::optional<bool> same_fd_table(int a, int b) override {
    static_cast<void>(a);
    static_cast<void>(b);
    switch (in_.pick(3)) {
      case 0: return std::nullopt;
      case 1: return true;
      default: return false;
    }
  }

  // ---- TraceeView ----------------------------------------------------------------------------

  [[nodiscard]] bool denied() const override { return denied_; }

 private:
  std::optional<std::uint64_t> maybe_number() {
    switch (in_.pick(6)) {
      case 0: return none();
      case 1: return 0;
      case 2: return 1;
      case 3: return 4096;
      case 4: return in_.u8();
      default: return in_.u64();
    }
  }

  std::optional<FileStat> maybe_stat() {
    static constexpr std::array<mode_t, 7> kTypes = {S_IFREG, S_IFDIR, S_IFIFO, S_IFSOCK,
                                                     S_IFCHR, S_IFLNK, 0};
    static constexpr std::array<std::uint64_t, 4> kInodes = {1, 2, 3, 123};
    const std::uint8_t sel = in_.u8();
    if (sel % 5 == 0) {
      return none();
    }
    FileStat st;
    st.type = kTypes[(sel >> 3U) % kTypes.size()];
    st.size = maybe_number().value_or(0);
    st.nlink = in_.pick(3);
    st.id = FileId{1 + in_.pick(2), kInodes[in_.pick(kInodes.size())]};
    st.ctime = Timestamp{static_cast<std::int64_t>(in_.pick(3)), 0};
    return st;
  }

  template <std::size_t N>
  std::optional<std::string> proc_text(const std::array<std::string_view, N>& vocabulary) {
    const std::size_t i = in_.pick(N + 2);
    if (i < N) {
      return std::string(vocabulary[i]);
    }
    if (i == N) {
      return none();
    }
    return in_.short_bytes();  // any bytes, NULs included: a program may rewrite its argv
  }

  // Notes a failed read: denied, if this view denies.
  void failed() noexcept { denied_ = denied_ || denies_; }
  std::nullopt_t none() noexcept {
    failed();
    return std::nullopt;
  }

  ByteReader in_;
  int tid_;
  PidfdLedger& ledger_;
  bool denies_;
  bool denied_ = false;
};

}  // namespace roar::seccomp::fuzz
