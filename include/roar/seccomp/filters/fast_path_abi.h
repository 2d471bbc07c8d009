/* The fast path's contract between the tracer and its preload library (C, for both sides).
 *
 * A traced thread that has loaded the library skips the notification of a read or write whose
 * outcome the supervisor has already recorded for it, and of the close of such a descriptor. The
 * library registers a table per thread (memory of its own that only the supervisor writes, through
 * /proc/PID/mem); it makes a call without a notification only where the supervisor set the flag
 * of that descriptor, and only through the one syscall instruction at ROAR_FAST_PATH_STUB, which
 * the filter lets through by its address. Everything else, and every program without the library,
 * is notified as before. */
#ifndef ROAR_SECCOMP_FAST_PATH_ABI_H
#define ROAR_SECCOMP_FAST_PATH_ABI_H

#include <stdint.h>

/* The page the library maps at a fixed address, holding `syscall; ret` at its start. The filter
 * allows the x86-64 calls named in ROAR_FAST_PATH_CALLS whose instruction pointer (the address
 * after the syscall instruction) is ROAR_FAST_PATH_STUB + 2. Far from the program (PIE loads near
 * 0x5555_5555_0000), the heap and the mappings (which grow down from below the stack near
 * 0x7fff_ffff_ffff). */
#define ROAR_FAST_PATH_STUB 0x600000000000ULL
#define ROAR_FAST_PATH_STUB_RETURN (ROAR_FAST_PATH_STUB + 2U)

/* The calls the library makes through the stub, by their x86-64 names: any other call made there
 * is notified as usual. */
#define ROAR_FAST_PATH_CALLS                                                                 \
  "read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev", "preadv2", \
      "pwritev2", "close"

/* Registration of a thread's table: ioctl(-1, ROAR_FAST_PATH_REGISTER, &registration). The filter
 * notifies it; the supervisor answers 0 (the table is in use) or fails it (ENOSYS: the fast path
 * is off; EBADF: no tracer, the kernel's own answer for descriptor -1). _IOW('r', 0xf5, 24 bytes).
 */
#define ROAR_FAST_PATH_REGISTER 0x401872f5U
#define ROAR_FAST_PATH_VERSION 2U

struct roar_fast_path_registration {
  uint32_t version;
  uint32_t descriptors; /* entries in the table's entries[] */
  uint64_t table;       /* address of the thread's struct roar_fast_path_table */
  uint64_t closes;      /* address of the process's struct roar_fast_path_closes */
};

/* Bits of an entry's flags: what the supervisor has recorded for this thread and descriptor. */
#define ROAR_FAST_PATH_READ 1U
#define ROAR_FAST_PATH_WRITE 2U
/* The supervisor keeps nothing about the descriptor that its release must update: a close by
 * this thread may skip its notification (the library counts it in closes[] instead). */
#define ROAR_FAST_PATH_CLOSE 4U

#define ROAR_FAST_PATH_DESCRIPTORS 1023U

/* What a grant stands for: the flags, valid only while the process's close count of the
 * descriptor is still `closes` (a close the supervisor did not see makes it stale). */
struct roar_fast_path_entry {
  uint32_t closes;
  uint32_t flags;
};

/* One thread's table: two pages of its own private memory (MADV_WIPEONFORK, so a child of fork
 * starts without one). `owner` is the thread's id: a process sharing the memory without being the
 * thread (vfork, posix_spawn, clone(CLONE_VM)) finds another id there and takes the notified
 * path. `enabled` is cleared by the supervisor while a call of the thread waits to be settled at
 * its next notification (a rename, a truncating open). */
struct roar_fast_path_table {
  int32_t owner;
  uint32_t enabled;
  struct roar_fast_path_entry entries[ROAR_FAST_PATH_DESCRIPTORS];
};

/* Per process, written by the library only: how many times each descriptor was closed without a
 * notification. The library adds one before such a close and one after it, so an odd count is a
 * close under way. The supervisor reads the count before it looks at the descriptor, and a grant
 * holds only while the count is unchanged: closing needs no write into the read-only tables, and
 * nothing the library writes can make a grant. MADV_WIPEONFORK, like the tables. */
struct roar_fast_path_closes {
  uint32_t count[ROAR_FAST_PATH_DESCRIPTORS + 1];
};

#endif
