// BackgroundWait: once the command has exited, the tracer waits for the processes it left
// behind; it says so after a second, and gives up after --wait-timeout by killing them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "roar/seccomp/launch/process_tree.hpp"
#include "roar/seccomp/util/logger.hpp"

namespace roar::seccomp {

class BackgroundWait {
 public:
  explicit BackgroundWait(std::optional<double> timeout) : timeout_(timeout) {}

  // Milliseconds poll() may sleep before step() has something to do, or -1.
  [[nodiscard]] int poll_timeout(const ProcessTree& tree) const;
  // Called after every wake-up; `warnings` collects what the report must say.
  void step(const ProcessTree& tree, const Logger& log, std::vector<std::string>& warnings);

 private:
  static constexpr double kAnnounceAfter = 1.0;
  std::optional<double> timeout_;
  double since_ = 0;
  bool announced_ = false;
  bool done_ = false;
};

}  // namespace roar::seccomp
