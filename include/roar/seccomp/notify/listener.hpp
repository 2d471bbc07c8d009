// Listener: the seccomp user-notification file descriptor and the ioctls spoken over it.
#pragma once

#include <cstdint>
#include <memory>

#include "roar/seccomp/notify/notification.hpp"
#include "roar/seccomp/util/error.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {

class Listener {
  struct FreeDeleter {
    void operator()(void* p) const noexcept;
  };
  using Buffer = std::unique_ptr<void, FreeDeleter>;

 public:
  // One thread's buffers for receiving and answering, as large as the kernel says its structures
  // are: each thread that serves notifications has its own, so that none allocates per call.
  class Channel {
   public:
    [[nodiscard]] bool ok() const noexcept { return notif_ && resp_; }

   private:
    friend class Listener;
    Channel(std::size_t notif_size, std::size_t resp_size);
    std::size_t notif_size_;
    std::size_t resp_size_;
    Buffer notif_;
    Buffer resp_;
  };

  // Takes ownership of a listener descriptor; asks the kernel how large its structures are.
  static Result<Listener> adopt(UniqueFd fd);

  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  [[nodiscard]] Channel channel() const { return {notif_size_, resp_size_}; }

  // Receives one notification (several threads may wait at once, each with its own channel).
  // Error code ENOENT means the caller vanished (or was interrupted) between being queued and
  // being received: benign, nothing to answer. EINTR: a signal woke the receiving thread.
  Result<Notification> receive(Channel& channel) const;

  // True while the notification is still pending: its thread is alive and still in the call.
  [[nodiscard]] bool id_valid(std::uint64_t id) const noexcept;

  // Lets the call run (CONTINUE), or fails it with `error`. ENOENT (the thread is gone or was
  // interrupted by a signal; a restarted call notifies again) is reported as success.
  Status respond_continue(Channel& channel, std::uint64_t id) const;
  Status respond_error(Channel& channel, std::uint64_t id, int error) const;
  // Answers for the kernel: the call returns 0 without running (the fast path's registration).
  Status respond_success(Channel& channel, std::uint64_t id) const;

  // Wakes the notifying thread on the supervisor's CPU (Linux 6.6+), which cuts the round trip
  // several-fold when they would otherwise sit on different CPUs. False on older kernels.
  bool enable_sync_wakeup() noexcept;

 private:
  Listener(UniqueFd fd, std::size_t notif_size, std::size_t resp_size)
      : fd_(std::move(fd)), notif_size_(notif_size), resp_size_(resp_size) {}
  Status respond(Channel& channel, std::uint64_t id, std::int32_t error, std::uint32_t flags) const;

  UniqueFd fd_;
  std::size_t notif_size_;
  std::size_t resp_size_;
};

}  // namespace roar::seccomp
