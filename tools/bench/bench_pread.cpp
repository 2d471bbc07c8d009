// roar-bench-pread: the notification-bound workload of tools/bench.py, one-byte preads of a file.
//
//   roar-bench-pread FILE COUNT [PROCS]
//
// Starts PROCS processes (default 1) at once; each makes COUNT one-byte pread64 calls of FILE at
// offset 0, checking each. The parent only forks and waits, so one process making 2N calls and
// two making N each differ only in how the calls overlap: the pair's time over the single one's
// is how well a tracer serves two callers at the same time (0.5 is perfect on 2 CPUs).
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

[[noreturn]] void preads(int fd, long count) {
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
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: roar-bench-pread FILE COUNT [PROCS]\n");
    return 2;
  }
  const long count = parse_count(argv[2], 1000000000L);
  const long procs = argc == 4 ? parse_count(argv[3], 64) : 1;
  const int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::fprintf(stderr, "roar-bench-pread: %s: %s\n", argv[1], std::strerror(errno));
    return 3;
  }
  for (long p = 0; p < procs; ++p) {
    const pid_t pid = fork();
    if (pid < 0) {
      std::perror("roar-bench-pread: fork");
      return 3;
    }
    if (pid == 0) {
      preads(fd, count);
    }
  }
  int status = 0;
  int failed = 0;
  for (long p = 0; p < procs; ++p) {
    if (wait(&status) < 0) {
      std::perror("roar-bench-pread: wait");
      return 3;
    }
    failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  }
  return failed ? 3 : 0;
}
