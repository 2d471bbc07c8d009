// UntracedRun: the command runs without a listener of ours (--if-untraceable run, or an outer
// run that sent no report): the report names the command and why nothing else is in it.
#pragma once

#include <string>
#include <utility>

#include "roar/seccomp/launch/run_root.hpp"
#include "roar/seccomp/report/report.hpp"
#include "roar/seccomp/util/error.hpp"

namespace roar::seccomp {

class UntracedRun {
 public:
  UntracedRun(RunRoot root, std::string cause) : root_(std::move(root)), cause_(std::move(cause)) {}

  // Lets the launched child, waiting after its filter failed, exec the command untraced through
  // its control socket `control`.
  static Result<UntracedRun> start(int control, RunRoot root, std::string cause);

  // The root alone, complete: false, and a warning that says why nothing was traced.
  [[nodiscard]] Report report() const;

 private:
  RunRoot root_;
  std::string cause_;  // why the run is not traced
};

}  // namespace roar::seccomp
