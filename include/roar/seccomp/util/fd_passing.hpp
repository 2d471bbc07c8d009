// Passing one descriptor with a message over a unix socket (SCM_RIGHTS).
#pragma once

#include <sys/types.h>

#include <cstddef>

#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {

// sendmsg(2) of `size` bytes at `data`, with `fd` attached unless it is negative. Makes no
// allocation and no other call (the launcher's child uses it after installing the filter).
ssize_t send_with_fd(int socket, const void* data, std::size_t size, int fd);

// recvmsg(2) into `data`; a descriptor that came with it (close-on-exec) is put in `fd`.
ssize_t receive_with_fd(int socket, void* data, std::size_t size, UniqueFd& fd, int flags = 0);

}  // namespace roar::seccomp
