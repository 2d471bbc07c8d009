// Tests of ProcTraceeView against this very process: the /proc formats it parses are the kernel's.
#include "roar/seccomp/proc/proc_tracee_view.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "roar/seccomp/attribution/run_report.hpp"
#include "roar/seccomp/filters/syscall_args.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {
namespace {

namespace fs = std::filesystem;

int own_tid() {
  return static_cast<int>(syscall(SYS_gettid));
}

UniqueFd open_proc() {
  UniqueFd proc(open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(proc);
  return proc;
}

std::uint64_t address_of(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p);
}

struct TempFile {
  TempFile() {
    std::string pattern = (fs::temp_directory_path() / "roar-view-XXXXXX").string();
    const int fd = mkstemp(pattern.data());
    REQUIRE(fd >= 0);
    close(fd);
    path = fs::canonical(pattern).string();
  }
  ~TempFile() { unlink(path.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  std::string path;
};

}  // namespace

TEST_CASE("ProcTraceeView: descriptors of a regular file") {
  const UniqueFd proc = open_proc();
  ProcTraceeView view(proc.get(), own_tid());
  TempFile file;
  const UniqueFd rw(open(file.path.c_str(), O_RDWR | O_CLOEXEC));
  const UniqueFd ro(open(file.path.c_str(), O_RDONLY | O_CLOEXEC));
  const UniqueFd wo(open(file.path.c_str(), O_WRONLY | O_CLOEXEC));
  const UniqueFd opath(open(file.path.c_str(), O_PATH | O_CLOEXEC));
  REQUIRE(rw);
  REQUIRE(ro);
  REQUIRE(wo);
  REQUIRE(opath);
  REQUIRE(write(rw.get(), "hello", 5) == 5);

  CHECK(view.fd_link(rw.get()) == std::optional<std::string>(file.path));
  SUBCASE("access modes, O_PATH having neither") {
    const auto a = view.fd_access(rw.get());
    REQUIRE(a.has_value());
    CHECK(a->readable);
    CHECK(a->writable);
    CHECK(view.fd_access(ro.get())->readable);
    CHECK_FALSE(view.fd_access(ro.get())->writable);
    CHECK_FALSE(view.fd_access(wo.get())->readable);
    CHECK(view.fd_access(wo.get())->writable);
    CHECK_FALSE(view.fd_access(opath.get())->readable);
    CHECK_FALSE(view.fd_access(opath.get())->writable);
  }
  SUBCASE("stat and position") {
    const auto st = view.fd_stat(rw.get());
    REQUIRE(st.has_value());
    CHECK(st->type == S_IFREG);
    CHECK(st->size == 5);
    CHECK(st->nlink == 1);
    struct stat own {};
    REQUIRE(fstat(rw.get(), &own) == 0);
    CHECK(st->id.ino == own.st_ino);
    CHECK(view.fd_position(rw.get()) == std::optional<std::uint64_t>(5));
    CHECK(view.fd_position(ro.get()) == std::optional<std::uint64_t>(0));
  }
  SUBCASE("the position's fdinfo gives the same access mode as the link's mode") {
    for (int fd : {rw.get(), ro.get(), wo.get(), opath.get()}) {
      CAPTURE(fd);
      ProcTraceeView by_link(proc.get(), own_tid());
      ProcTraceeView by_info(proc.get(), own_tid());
      REQUIRE(by_info.fd_position(fd).has_value());
      const auto expected = by_link.fd_access(fd);
      const auto got = by_info.fd_access(fd);
      REQUIRE(expected.has_value());
      REQUIRE(got.has_value());
      CHECK(got->readable == expected->readable);
      CHECK(got->writable == expected->writable);
    }
  }
  SUBCASE("the fd table") {
    const std::vector<int> fds = view.open_fds();
    for (int fd : {rw.get(), ro.get(), wo.get(), opath.get()}) {
      CHECK(std::find(fds.begin(), fds.end(), fd) != fds.end());
    }
  }
  SUBCASE("an fd table longer than one read of the directory") {
    std::vector<UniqueFd> many;
    for (int i = 0; i < 600; ++i) {  // about 14 KiB of entries: more than one buffer
      many.emplace_back(open("/dev/null", O_RDONLY | O_CLOEXEC));
      REQUIRE(many.back());
    }
    const std::vector<int> fds = view.open_fds();
    for (const UniqueFd& fd : many) {
      CHECK(std::find(fds.begin(), fds.end(), fd.get()) != fds.end());
    }
  }
  SUBCASE("an unlinked file prints the suffix and has no links") {
    REQUIRE(unlink(file.path.c_str()) == 0);
    CHECK(view.fd_link(rw.get()) == std::optional<std::string>(file.path + " (deleted)"));
    CHECK(view.fd_stat(rw.get())->nlink == 0);
  }
  SUBCASE("a descriptor that is not open") {
    CHECK_FALSE(view.fd_link(9999).has_value());
    CHECK_FALSE(view.fd_access(9999).has_value());
    CHECK_FALSE(view.fd_stat(9999).has_value());
    CHECK_FALSE(view.fd_position(9999).has_value());
  }
}

TEST_CASE("ProcTraceeView: pipes") {
  const UniqueFd proc = open_proc();
  ProcTraceeView view(proc.get(), own_tid());
  int ends[2];
  REQUIRE(pipe2(ends, O_CLOEXEC) == 0);
  const UniqueFd reader(ends[0]);
  const UniqueFd writer(ends[1]);
  CHECK(view.fd_link(reader.get())->starts_with("pipe:["));
  CHECK(view.fd_stat(reader.get())->type == S_IFIFO);
  CHECK(view.pipe_bytes(reader.get()) == std::optional<std::uint64_t>(0));
  REQUIRE(write(writer.get(), "abc", 3) == 3);
  CHECK(view.pipe_bytes(reader.get()) == std::optional<std::uint64_t>(3));
  // Counting must not consume: the bytes are still there for their reader.
  char buf[8];
  CHECK(read(reader.get(), buf, sizeof buf) == 3);
}

TEST_CASE("ProcTraceeView: memory and path strings") {
  const UniqueFd proc = open_proc();
  ProcTraceeView view(proc.get(), own_tid());
  const std::string text = "some/relative/path";
  char copy[5] = {};
  CHECK(view.read_memory(address_of(text.c_str()), copy, 4));
  CHECK(std::string(copy) == "some");
  CHECK(view.read_path(address_of(text.c_str())) == std::optional<std::string>(text));
  CHECK_FALSE(view.read_path(0).has_value());
  CHECK_FALSE(view.read_memory(0, copy, 4));

  // Several pieces at once: the count ends at the first that cannot be read.
  const std::string other = "another";
  char a[5] = {};
  char b[4] = {};
  char c[4] = {};
  const MemoryRange ranges[] = {{address_of(text.c_str()) + 5, a, 4},
                                {address_of(other.c_str()), b, 3},
                                {0, c, 3},
                                {address_of(other.c_str()), c, 3}};
  CHECK(view.read_ranges(ranges) == 2);
  CHECK(std::string(a) == "rela");
  CHECK(std::string(b) == "ano");
  CHECK(view.read_ranges(std::span(ranges).subspan(3)) == 1);
  CHECK(std::string(c) == "ano");
  CHECK(view.read_ranges({}) == 0);
}

TEST_CASE("ProcTraceeView: resolving path arguments") {
  const UniqueFd proc = open_proc();
  ProcTraceeView view(proc.get(), own_tid());
  TempFile file;
  const fs::path dir = fs::path(file.path).parent_path();
  const std::string name = fs::path(file.path).filename().string();
  const UniqueFd dirfd(open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(dirfd);

  SUBCASE("absolute") {
    const auto r = view.resolve(kAtFdCwd, file.path, false);
    REQUIRE(r.has_value());
    CHECK(r->path == file.path);
    REQUIRE(r->stat.has_value());
    CHECK(r->stat->type == S_IFREG);
  }
  SUBCASE("relative to a directory descriptor") {
    const auto r = view.resolve(dirfd.get(), name, false);
    REQUIRE(r.has_value());
    CHECK(r->path == file.path);
  }
  SUBCASE("a name that does not exist yet") {
    const auto r = view.resolve(dirfd.get(), name + ".new", false);
    REQUIRE(r.has_value());
    CHECK(r->path == file.path + ".new");
    CHECK_FALSE(r->stat.has_value());
  }
  SUBCASE("a symlink, followed or not") {
    const std::string link = file.path + ".lnk";
    REQUIRE(symlink(file.path.c_str(), link.c_str()) == 0);
    const auto followed = view.resolve(kAtFdCwd, link, true);
    const auto not_followed = view.resolve(kAtFdCwd, link, false);
    unlink(link.c_str());
    REQUIRE(followed.has_value());
    REQUIRE(not_followed.has_value());
    CHECK(followed->path == file.path);
    CHECK(followed->stat->type == S_IFREG);
    CHECK(not_followed->path == link);
    CHECK(not_followed->stat->type == S_IFLNK);
  }
  SUBCASE("lstat of a canonical path") {
    CHECK(view.lstat(file.path)->type == S_IFREG);
    CHECK_FALSE(view.lstat(file.path + ".missing").has_value());
  }
}

TEST_CASE("ProcTraceeView: process facts") {
  const UniqueFd proc = open_proc();
  ProcTraceeView view(proc.get(), own_tid());
  const auto status = view.status();
  REQUIRE(status.has_value());
  CHECK(status->tgid == getpid());
  CHECK(status->ppid == getppid());
  const auto cmdline = view.cmdline(getpid());
  REQUIRE(cmdline.has_value());
  CHECK(split_nul(*cmdline).at(0) == program_invocation_name);  // glibc's copy of argv[0]
  CHECK(view.environ(getpid()).has_value());
  CHECK_FALSE(view.cmdline(-5).has_value());
}

TEST_CASE("ProcTraceeView: children") {
  const UniqueFd proc = open_proc();
  ProcTraceeView view(proc.get(), own_tid());
  int gate[2];
  REQUIRE(pipe2(gate, O_CLOEXEC) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(gate[1]);
    char c = 0;
    static_cast<void>(read(gate[0], &c, 1));  // returns when the parent closes its end
    _exit(0);
  }
  close(gate[0]);
  const std::vector<int> children = view.children(getpid());
  close(gate[1]);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(std::find(children.begin(), children.end(), child) != children.end());
}

}  // namespace roar::seccomp

namespace roar::seccomp {

TEST_CASE("ProcTraceeView: a read that fails for want of descriptors is told from a closed one") {
  // In a child, whose descriptor table may be filled up without harm to the test run.
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const rlimit few{64, 64};
    setrlimit(RLIMIT_NOFILE, &few);
    const UniqueFd proc(open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
    ProcTraceeView closed(proc.get(), own_tid());
    const bool closed_ok = !closed.fd_position(1000).has_value() && !closed.starved();
    while (open("/dev/null", O_RDONLY | O_CLOEXEC) >= 0) {
    }
    const bool full = errno == EMFILE;
    ProcTraceeView view(proc.get(), own_tid());
    const bool starved = !view.fd_position(0).has_value() && view.starved() && !view.denied();
    _exit(closed_ok && full && starved ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace roar::seccomp
