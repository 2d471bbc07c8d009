// Listener: the seccomp user-notification file descriptor and the ioctls spoken over it.
#pragma once

#include <cstdint>
#include <memory>

#include "roar/seccomp/notify/notification.hpp"
#include "roar/seccomp/util/error.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {

class Listener {
 public:
  // Takes ownership of a listener descriptor; asks the kernel how large its structures are.
  static Result<Listener> adopt(UniqueFd fd);

  [[nodiscard]] int fd() const noexcept { return fd_.get(); }

  // Receives one notification. Error code ENOENT means the caller vanished (or was interrupted)
  // between being queued and being received: benign, nothing to answer.
  Result<Notification> receive();

  // True while the notification is still pending: its thread is alive and still in the call.
  [[nodiscard]] bool id_valid(std::uint64_t id) const noexcept;

  // Lets the call run (CONTINUE), or fails it with `error`. ENOENT (the thread is gone or was
  // interrupted by a signal; a restarted call notifies again) is reported as success.
  Status respond_continue(std::uint64_t id);
  Status respond_error(std::uint64_t id, int error);
  // Answers for the kernel: the call returns 0 without running (the fast path's registration).
  Status respond_success(std::uint64_t id);

  // Wakes the notifying thread on the supervisor's CPU (Linux 6.6+), which cuts the round trip
  // several-fold when they would otherwise sit on different CPUs. False on older kernels.
  bool enable_sync_wakeup() noexcept;

 private:
  Listener(UniqueFd fd, std::size_t notif_size, std::size_t resp_size);
  Status respond(std::uint64_t id, std::int32_t error, std::uint32_t flags);

  struct FreeDeleter {
    void operator()(void* p) const noexcept;
  };
  UniqueFd fd_;
  std::size_t notif_size_;
  std::size_t resp_size_;
  std::unique_ptr<void, FreeDeleter> notif_buf_;
  std::unique_ptr<void, FreeDeleter> resp_buf_;
};

}  // namespace roar::seccomp
