/* libroar-seccomp-fast.so: skips the notification of reads and writes the tracer already recorded.
 *
 * Loaded with LD_PRELOAD into dynamically linked programs of a traced run (never needed: without
 * it every call is notified and attributed exactly as before). It interposes the read and write
 * family of libc, and close. A call goes through the fixed-address syscall instruction that the
 * filter lets through (fast_path_abi.h) only when the calling thread's own table, which only the
 * supervisor writes, says that this descriptor and direction can record nothing new for this
 * thread (or, for a close, that the supervisor keeps nothing the close must update), and the
 * descriptor was not closed without a notification since; every other call takes libc's own,
 * notified, path. Calls libc makes internally (stdio) and calls of programs without the library
 * are not affected.
 *
 * Built without the C++ runtime and with -mno-red-zone: the stub is reached with a `call` from
 * inline assembly, which would overwrite a leaf function's red zone. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "roar/seccomp/filters/fast_path_abi.h"

#define EXPORT __attribute__((visibility("default")))
#define TLS __thread __attribute__((tls_model("initial-exec")))

/* ---- the state: per thread its table, per process whether the fast path can work at all ---- */

enum { kUnknown = 0, kRegistered = 1, kRefused = -1 };

static TLS struct roar_fast_path_table* t_table;
static TLS int t_state;
/* Set once the stub cannot be mapped or the supervisor refuses tables: never try again. */
static int g_disabled;
/* The process's counts of closes that skipped their notification (fast_path_abi.h). */
static struct roar_fast_path_closes* g_closes;
static pthread_key_t g_table_key;

/* libc's own functions, for every call that is not fast (cancellation points, errno, all). */
static ssize_t (*real_read)(int, void*, size_t);
static ssize_t (*real_write)(int, const void*, size_t);
static ssize_t (*real_pread)(int, void*, size_t, off_t);
static ssize_t (*real_pwrite)(int, const void*, size_t, off_t);
static ssize_t (*real_readv)(int, const struct iovec*, int);
static ssize_t (*real_writev)(int, const struct iovec*, int);
static ssize_t (*real_preadv)(int, const struct iovec*, int, off_t);
static ssize_t (*real_pwritev)(int, const struct iovec*, int, off_t);
static ssize_t (*real_preadv2)(int, const struct iovec*, int, off_t, int);
static ssize_t (*real_pwritev2)(int, const struct iovec*, int, off_t, int);
static ssize_t (*real_read_chk)(int, void*, size_t, size_t);
static ssize_t (*real_pread_chk)(int, void*, size_t, off_t, size_t);
static int (*real_close)(int);

/* ---- system calls: the plain ones, and the one through the stub ---- */

static long plain_syscall3(long nr, long a, long b, long c) {
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "0"(nr), "D"(a), "S"(b), "d"(c)
                   : "rcx", "r11", "memory");
  return ret;
}

/* The call the filter lets through: the stub's `syscall; ret`, reached with `call`. */
static long stub_syscall6(long nr, long a, long b, long c, long d, long e, long f) {
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long ret;
  __asm__ volatile("call *%[stub]"
                   : "=a"(ret)
                   : [stub] "r"((uintptr_t)ROAR_FAST_PATH_STUB), "0"(nr), "D"(a), "S"(b), "d"(c),
                     "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

static ssize_t result(long ret) {
  if (ret < 0 && ret > -4096) {
    errno = (int)-ret;
    return -1;
  }
  return ret;
}

/* ---- tables ---- */

static void forget_table(void* table) {
  munmap(table, sizeof(struct roar_fast_path_table));
}

/* Asks the supervisor to take this thread's table: `page`, or a new one. Only libc's notified
 * path is used here. The page is read-only to the process: only the supervisor writes it. */
static void register_thread(void* page) {
  if (g_disabled) {
    t_state = kRefused;
    return;
  }
  if (page == NULL) {
    page = mmap(NULL, sizeof(struct roar_fast_path_table), PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
      t_state = kRefused;
      return;
    }
    /* A child of fork gets this page zeroed: no owner, so it registers it again for itself. */
    if (madvise(page, sizeof(struct roar_fast_path_table), MADV_WIPEONFORK) != 0 ||
        mprotect(page, sizeof(struct roar_fast_path_table), PROT_READ) != 0) {
      munmap(page, sizeof(struct roar_fast_path_table));
      t_state = kRefused;
      return;
    }
  }
  struct roar_fast_path_registration registration = {
      ROAR_FAST_PATH_VERSION, ROAR_FAST_PATH_DESCRIPTORS, (uint64_t)(uintptr_t)page,
      (uint64_t)(uintptr_t)g_closes};
  if (syscall(SYS_ioctl, -1, ROAR_FAST_PATH_REGISTER, &registration) != 0) {
    munmap(page, sizeof(struct roar_fast_path_table));
    t_table = NULL;
    g_disabled = 1; /* no tracer, or it said no: the same for every thread */
    t_state = kRefused;
    return;
  }
  t_table = page;
  t_state = kRegistered;
  pthread_setspecific(g_table_key, page);
}

/* Whether descriptor `fd` may skip its notification for `direction` in this thread: granted,
 * and not closed unseen since (the grant's close count is still the process's). */
static int fast(int fd, unsigned direction) {
  volatile struct roar_fast_path_table* table = t_table;
  if (table == NULL || (unsigned)fd >= ROAR_FAST_PATH_DESCRIPTORS) {
    return 0;
  }
  volatile struct roar_fast_path_entry* entry = &table->entries[fd];
  if ((entry->flags & direction) == 0 || table->enabled == 0 ||
      entry->closes != __atomic_load_n(&g_closes->count[fd], __ATOMIC_ACQUIRE)) {
    return 0;
  }
  /* A process sharing this memory (vfork, posix_spawn, clone with CLONE_VM) sees the parent's
   * thread state: only the owner itself may use the table. */
  return table->owner == (int32_t)plain_syscall3(SYS_gettid, 0, 0, 0);
}

/* Called on the notified path: sets up the table of a thread that has none yet. */
static void slow(void) {
  if (t_state == kUnknown) {
    register_thread(NULL);
  } else if (t_state == kRegistered && t_table->owner == 0) {
    register_thread(t_table); /* a child of fork: its copy of the page was wiped */
  }
}

/* ---- set-up ---- */

__attribute__((constructor)) static void init(void) {
  real_read = dlsym(RTLD_NEXT, "read");
  real_write = dlsym(RTLD_NEXT, "write");
  real_pread = dlsym(RTLD_NEXT, "pread");
  real_pwrite = dlsym(RTLD_NEXT, "pwrite");
  real_readv = dlsym(RTLD_NEXT, "readv");
  real_writev = dlsym(RTLD_NEXT, "writev");
  real_preadv = dlsym(RTLD_NEXT, "preadv");
  real_pwritev = dlsym(RTLD_NEXT, "pwritev");
  real_preadv2 = dlsym(RTLD_NEXT, "preadv2");
  real_pwritev2 = dlsym(RTLD_NEXT, "pwritev2");
  real_read_chk = dlsym(RTLD_NEXT, "__read_chk");
  real_pread_chk = dlsym(RTLD_NEXT, "__pread64_chk");
  real_close = dlsym(RTLD_NEXT, "close");
  if (!real_read || !real_write || !real_pread || !real_pwrite || !real_readv || !real_writev ||
      !real_preadv || !real_pwritev || !real_preadv2 || !real_pwritev2 || !real_read_chk ||
      !real_pread_chk || !real_close || pthread_key_create(&g_table_key, forget_table) != 0) {
    g_disabled = 1;
    return;
  }
  void* closes = mmap(NULL, sizeof(struct roar_fast_path_closes), PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (closes == MAP_FAILED) {
    g_disabled = 1;
    return;
  }
  /* A child of fork starts with no grants, so its counts may start over too. */
  if (madvise(closes, sizeof(struct roar_fast_path_closes), MADV_WIPEONFORK) != 0) {
    munmap(closes, sizeof(struct roar_fast_path_closes));
    g_disabled = 1;
    return;
  }
  g_closes = closes;
  void* stub = mmap((void*)(uintptr_t)ROAR_FAST_PATH_STUB, 4096, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (stub != (void*)(uintptr_t)ROAR_FAST_PATH_STUB) {
    if (stub != MAP_FAILED) {
      munmap(stub, 4096); /* a kernel without MAP_FIXED_NOREPLACE put it elsewhere */
    }
    g_disabled = 1;
    return;
  }
  static const unsigned char kSyscallRet[] = {0x0f, 0x05, 0xc3}; /* syscall; ret */
  for (size_t i = 0; i < sizeof kSyscallRet; ++i) {
    ((unsigned char*)stub)[i] = kSyscallRet[i];
  }
  if (mprotect(stub, 4096, PROT_READ | PROT_EXEC) != 0) {
    g_disabled = 1;
  }
}

/* ---- the interposed functions ---- */

EXPORT ssize_t read(int fd, void* buf, size_t count) {
  if (fast(fd, ROAR_FAST_PATH_READ)) {
    return result(stub_syscall6(SYS_read, fd, (long)buf, (long)count, 0, 0, 0));
  }
  slow();
  return real_read(fd, buf, count);
}

EXPORT ssize_t __read_chk(int fd, void* buf, size_t count, size_t size) {
  if (count <= size && fast(fd, ROAR_FAST_PATH_READ)) {
    return result(stub_syscall6(SYS_read, fd, (long)buf, (long)count, 0, 0, 0));
  }
  slow();
  return real_read_chk(fd, buf, count, size);
}

EXPORT ssize_t write(int fd, const void* buf, size_t count) {
  if (fast(fd, ROAR_FAST_PATH_WRITE)) {
    return result(stub_syscall6(SYS_write, fd, (long)buf, (long)count, 0, 0, 0));
  }
  slow();
  return real_write(fd, buf, count);
}

EXPORT ssize_t pread(int fd, void* buf, size_t count, off_t offset) {
  if (fast(fd, ROAR_FAST_PATH_READ)) {
    return result(stub_syscall6(SYS_pread64, fd, (long)buf, (long)count, offset, 0, 0));
  }
  slow();
  return real_pread(fd, buf, count, offset);
}

EXPORT ssize_t __pread64_chk(int fd, void* buf, size_t count, off_t offset, size_t size) {
  if (count <= size && fast(fd, ROAR_FAST_PATH_READ)) {
    return result(stub_syscall6(SYS_pread64, fd, (long)buf, (long)count, offset, 0, 0));
  }
  slow();
  return real_pread_chk(fd, buf, count, offset, size);
}

EXPORT ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  if (fast(fd, ROAR_FAST_PATH_WRITE)) {
    return result(stub_syscall6(SYS_pwrite64, fd, (long)buf, (long)count, offset, 0, 0));
  }
  slow();
  return real_pwrite(fd, buf, count, offset);
}

EXPORT ssize_t readv(int fd, const struct iovec* iov, int iovcnt) {
  if (fast(fd, ROAR_FAST_PATH_READ)) {
    return result(stub_syscall6(SYS_readv, fd, (long)iov, iovcnt, 0, 0, 0));
  }
  slow();
  return real_readv(fd, iov, iovcnt);
}

EXPORT ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
  if (fast(fd, ROAR_FAST_PATH_WRITE)) {
    return result(stub_syscall6(SYS_writev, fd, (long)iov, iovcnt, 0, 0, 0));
  }
  slow();
  return real_writev(fd, iov, iovcnt);
}

/* preadv and friends take the offset as two registers (low, high); x86-64 uses the low one. */
EXPORT ssize_t preadv(int fd, const struct iovec* iov, int iovcnt, off_t offset) {
  if (fast(fd, ROAR_FAST_PATH_READ)) {
    return result(stub_syscall6(SYS_preadv, fd, (long)iov, iovcnt, offset, 0, 0));
  }
  slow();
  return real_preadv(fd, iov, iovcnt, offset);
}

EXPORT ssize_t pwritev(int fd, const struct iovec* iov, int iovcnt, off_t offset) {
  if (fast(fd, ROAR_FAST_PATH_WRITE)) {
    return result(stub_syscall6(SYS_pwritev, fd, (long)iov, iovcnt, offset, 0, 0));
  }
  slow();
  return real_pwritev(fd, iov, iovcnt, offset);
}

EXPORT ssize_t preadv2(int fd, const struct iovec* iov, int iovcnt, off_t offset, int flags) {
  if (fast(fd, ROAR_FAST_PATH_READ)) {
    return result(stub_syscall6(SYS_preadv2, fd, (long)iov, iovcnt, offset, 0, flags));
  }
  slow();
  return real_preadv2(fd, iov, iovcnt, offset, flags);
}

EXPORT ssize_t pwritev2(int fd, const struct iovec* iov, int iovcnt, off_t offset, int flags) {
  if (fast(fd, ROAR_FAST_PATH_WRITE)) {
    return result(stub_syscall6(SYS_pwritev2, fd, (long)iov, iovcnt, offset, 0, flags));
  }
  slow();
  return real_pwritev2(fd, iov, iovcnt, offset, flags);
}

/* A close the supervisor has nothing to update for skips its notification; the count goes odd
 * before it and even after it, so a grant read during or before it can never match again. */
EXPORT int close(int fd) {
  if (fast(fd, ROAR_FAST_PATH_CLOSE)) {
    uint32_t* count = &g_closes->count[fd];
    __atomic_fetch_add(count, 1, __ATOMIC_SEQ_CST);
    const long ret = stub_syscall6(SYS_close, fd, 0, 0, 0, 0, 0);
    __atomic_fetch_add(count, 1, __ATOMIC_SEQ_CST);
    return (int)result(ret);
  }
  if (real_close == NULL) { /* before init(): a close from another library's constructor */
    return (int)result(plain_syscall3(SYS_close, fd, 0, 0));
  }
  return real_close(fd);
}

/* glibc exports the 64-bit-offset names as aliases; interposing one name leaves the other. */
EXPORT ssize_t pread64(int fd, void* buf, size_t count, off_t offset)
    __attribute__((alias("pread")));
EXPORT ssize_t pwrite64(int fd, const void* buf, size_t count, off_t offset)
    __attribute__((alias("pwrite")));
EXPORT ssize_t preadv64(int fd, const struct iovec* iov, int iovcnt, off_t offset)
    __attribute__((alias("preadv")));
EXPORT ssize_t pwritev64(int fd, const struct iovec* iov, int iovcnt, off_t offset)
    __attribute__((alias("pwritev")));
EXPORT ssize_t preadv64v2(int fd, const struct iovec* iov, int iovcnt, off_t offset, int flags)
    __attribute__((alias("preadv2")));
EXPORT ssize_t pwritev64v2(int fd, const struct iovec* iov, int iovcnt, off_t offset, int flags)
    __attribute__((alias("pwritev2")));
EXPORT ssize_t __pread_chk(int fd, void* buf, size_t count, off_t offset, size_t size)
    __attribute__((alias("__pread64_chk")));
