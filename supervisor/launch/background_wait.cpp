// BackgroundWait: the announcement and the --wait-timeout bound.
#include "roar/seccomp/launch/background_wait.hpp"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace roar::seccomp {
namespace {

double monotonic_now() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

int BackgroundWait::poll_timeout(const ProcessTree& tree) const {
  if (!tree.root_status() || done_) {
    return -1;
  }
  std::optional<double> next;
  if (!announced_) {
    next = since_ + kAnnounceAfter;
  }
  if (timeout_) {
    next = std::min(next.value_or(since_ + *timeout_), since_ + *timeout_);
  }
  if (!next) {
    return -1;
  }
  return static_cast<int>(std::max(0.0, (*next - monotonic_now()) * 1000.0)) + 1;
}

void BackgroundWait::step(const ProcessTree& tree, const Logger& log,
                          std::vector<std::string>& warnings) {
  if (!tree.root_status() || tree.empty() || done_) {
    return;
  }
  const double now = monotonic_now();
  if (since_ == 0) {
    since_ = now;
  }
  if (!announced_ && now - since_ >= kAnnounceAfter) {
    announced_ = true;
    log.warn("the command exited; waiting for %zu background processes it started%s",
             tree.descendants().size(),
             timeout_ ? "" : " (--wait-timeout SECONDS bounds the wait)");
  }
  if (timeout_ && now - since_ >= *timeout_) {
    done_ = true;
    const std::size_t n = tree.signal_all(SIGKILL);
    log.warn("killed %zu background processes still running after --wait-timeout %g", n, *timeout_);
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", *timeout_);
    warnings.push_back(std::string("background processes still running ") + seconds +
                       " s after the command exited were killed (--wait-timeout); what they "
                       "would have done later is not in this report");
  }
}

}  // namespace roar::seccomp
