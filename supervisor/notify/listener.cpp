// Listener: raw ioctls on the notification fd (libseccomp's wrappers hide errno detail we need).
#include "roar/seccomp/notify/listener.hpp"

#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "roar/seccomp/util/seccomp_compat.hpp"

namespace roar::seccomp {

void Listener::FreeDeleter::operator()(void* p) const noexcept {
  std::free(p);
}

Listener::Channel::Channel(std::size_t notif_size, std::size_t resp_size)
    : notif_size_(notif_size),
      resp_size_(resp_size),
      notif_(std::calloc(1, notif_size)),
      resp_(std::calloc(1, resp_size)) {}

Result<Listener> Listener::adopt(UniqueFd fd) {
  // The structures may grow in later kernels; buffers must be as large as the kernel says.
  seccomp_notif_sizes sizes{};
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) {
    return Error::from_errno("seccomp(GET_NOTIF_SIZES)");
  }
  const std::size_t notif = std::max<std::size_t>(sizes.seccomp_notif, sizeof(seccomp_notif));
  const std::size_t resp =
      std::max<std::size_t>(sizes.seccomp_notif_resp, sizeof(seccomp_notif_resp));
  return Listener(std::move(fd), notif, resp);
}

Result<Notification> Listener::receive(Channel& channel) const {
  // The kernel rejects a receive buffer that is not zeroed (EINVAL since 5.5).
  std::memset(channel.notif_.get(), 0, channel.notif_size_);
  if (ioctl(fd_.get(), SECCOMP_IOCTL_NOTIF_RECV, channel.notif_.get()) != 0) {
    return Error::from_errno("ioctl(SECCOMP_IOCTL_NOTIF_RECV)");
  }
  const auto* raw = static_cast<const seccomp_notif*>(channel.notif_.get());
  Notification n;
  n.id = raw->id;
  n.tid = static_cast<int>(raw->pid);
  n.arch = raw->data.arch;
  n.nr = raw->data.nr;
  n.instruction_pointer = raw->data.instruction_pointer;
  for (std::size_t i = 0; i < n.args.size(); ++i) {
    n.args[i] = raw->data.args[i];
  }
  return n;
}

bool Listener::id_valid(std::uint64_t id) const noexcept {
  return ioctl(fd_.get(), SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

Status Listener::respond(Channel& channel, std::uint64_t id, std::int32_t error,
                         std::uint32_t flags) const {
  std::memset(channel.resp_.get(), 0, channel.resp_size_);
  auto* resp = static_cast<seccomp_notif_resp*>(channel.resp_.get());
  resp->id = id;
  resp->val = 0;
  resp->error = error;
  resp->flags = flags;
  if (ioctl(fd_.get(), SECCOMP_IOCTL_NOTIF_SEND, resp) != 0 && errno != ENOENT) {
    return Error::from_errno("ioctl(SECCOMP_IOCTL_NOTIF_SEND)");
  }
  return Ok{};
}

Status Listener::respond_continue(Channel& channel, std::uint64_t id) const {
  return respond(channel, id, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
}

Status Listener::respond_error(Channel& channel, std::uint64_t id, int error) const {
  return respond(channel, id, -error, 0);
}

Status Listener::respond_success(Channel& channel, std::uint64_t id) const {
  return respond(channel, id, 0, 0);
}

bool Listener::enable_sync_wakeup() noexcept {
  return ioctl(fd_.get(), SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0;
}

}  // namespace roar::seccomp
