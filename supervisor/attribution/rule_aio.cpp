// The attribution rule of Linux AIO (io_submit): each iocb is a pread or pwrite of its own fd.
#include <linux/aio_abi.h>

#include <cstring>

#include "rule.hpp"

namespace roar::seccomp {
namespace detail {
namespace {

static_assert(sizeof(iocb) == 64, "struct iocb has one layout on every ABI");

// io_submit takes at most the context's event count (aio-max-nr, 65536 by default).
constexpr std::uint64_t kMaxIocbs = 65536;
constexpr std::size_t kBatch = 64;  // pointers read per memory read

}  // namespace

// io_submit submits the iocbs in order and stops at the first one it refuses; what a submitted
// one moves is decided like the matching pread or pwrite. A pointer or iocb that cannot be read
// stops the kernel too (EFAULT), unless nothing at all can be read: then memory is closed to us.
void Rule::aio_submit() {
  const std::uint64_t total = std::min(args.iocb_count, kMaxIocbs);
  const std::size_t width = abi.pointer_size;
  unsigned char pointers[kBatch * sizeof(std::uint64_t)];
  for (std::uint64_t first = 0; first < total; first += kBatch) {
    const std::size_t wanted =
        static_cast<std::size_t>(std::min<std::uint64_t>(kBatch, total - first));
    std::size_t n = wanted;
    if (!view.memory.read_memory(args.iocb_array + first * width, pointers, n * width)) {
      // The kernel reads one pointer at a time: the array may end on an unmapped page.
      std::size_t readable = 0;
      while (readable < n && view.memory.read_memory(args.iocb_array + (first + readable) * width,
                                                     pointers + readable * width, width)) {
        ++readable;
      }
      if (first == 0 && readable == 0) {
        out.unattributed = warning::kIocbsUnreadable;
        return;
      }
      n = readable;
    }
    for (std::size_t i = 0; i < n; ++i) {
      std::uint64_t address = 0;
      std::memcpy(&address, pointers + i * width, width);
      iocb cb{};
      if (!view.memory.read_memory(address, &cb, sizeof cb)) {
        if (first == 0 && i == 0) {
          out.unattributed = warning::kIocbsUnreadable;
        }
        return;
      }
      // Checked by io_submit_one before anything runs (EINVAL).
      if (cb.aio_reserved2 != 0 || static_cast<std::int64_t>(cb.aio_nbytes) < 0) {
        return;
      }
      const int fd = static_cast<int>(cb.aio_fildes);
      const ByteRequest plain{cb.aio_nbytes};
      const ByteRequest vectored{std::nullopt, cb.aio_buf, cb.aio_nbytes};
      switch (cb.aio_lio_opcode) {
        case IOCB_CMD_PREAD:
        case IOCB_CMD_PREADV:
          if (!readable(fd) || (cb.aio_lio_opcode == IOCB_CMD_PREADV && cb.aio_nbytes > kIovMax)) {
            return;  // EBADF, or EINVAL from the iovec import
          }
          read_from(fd, cb.aio_lio_opcode == IOCB_CMD_PREAD ? plain : vectored, cb.aio_offset);
          break;
        case IOCB_CMD_PWRITE:
        case IOCB_CMD_PWRITEV:
          if (!writable(fd) || (cb.aio_lio_opcode == IOCB_CMD_PWRITEV && cb.aio_nbytes > kIovMax)) {
            return;
          }
          write_to(fd, cb.aio_lio_opcode == IOCB_CMD_PWRITE ? plain : vectored);
          break;
        case IOCB_CMD_FSYNC:
        case IOCB_CMD_FDSYNC:
        case IOCB_CMD_POLL:
        case IOCB_CMD_NOOP: break;  // move no bytes
        default: return;            // EINVAL
      }
    }
    if (n < wanted) {
      return;  // the rest of the array cannot be read: EFAULT there
    }
  }
}

}  // namespace detail
}  // namespace roar::seccomp
