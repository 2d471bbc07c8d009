// roar-bench-pread: the notification-bound workload of tools/bench.py, one-byte preads of a file.
//
//   roar-bench-pread COUNT FILE...
//
// Starts one process per FILE, at once; each opens its file and makes COUNT one-byte pread64
// calls of it at offset 0, checking each. The parent only forks and waits, so one process making
// 2N calls and two making N each differ only in how the calls overlap: the pair's time over the
// single one's is how well a tracer serves two callers at the same time (0.5 is perfect on 2
// CPUs). The pair reads two files: preads of one file by two processes at once contend in the
// kernel, and on the CI machine even the untraced pair then took 0.85 to 1.03 of the single run
// (0.50 with two files).
// Exits 0 when every call returned one byte, 2 on bad usage, 3 when a call failed.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

long parse_count(const char* s, long max) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < 1 || v > max) {
    std::fprintf(stderr, "roar-bench-pread: not a count from 1 to %ld: %s\n", max, s);
    std::exit(2);
  }
  return v;
}

[[noreturn]] void preads(const char* path, long count) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::fprintf(stderr, "roar-bench-pread: %s: %s\n", path, std::strerror(errno));
    _exit(3);
  }
  char byte = 0;
  for (long i = 0; i < count; ++i) {
    const ssize_t got = pread(fd, &byte, 1, 0);
    if (got != 1) {
      std::fprintf(stderr, "roar-bench-pread: pread returned %zd: %s\n", got,
                   got < 0 ? std::strerror(errno) : "expected one byte");
      _exit(3);
    }
  }
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 66) {
    std::fprintf(stderr, "usage: roar-bench-pread COUNT FILE... (at most 64 files)\n");
    return 2;
  }
  const long count = parse_count(argv[1], 1000000000L);
  const int procs = argc - 2;
  for (int p = 0; p < procs; ++p) {
    const pid_t pid = fork();
    if (pid < 0) {
      std::perror("roar-bench-pread: fork");
      return 3;
    }
    if (pid == 0) {
      preads(argv[2 + p], count);
    }
  }
  int status = 0;
  int failed = 0;
  for (int p = 0; p < procs; ++p) {
    if (wait(&status) < 0) {
      std::perror("roar-bench-pread: wait");
      return 3;
    }
    failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  }
  return failed ? 3 : 0;
}
