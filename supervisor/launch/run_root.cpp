// RunRoot: the root's record and the clock.
#include "roar/seccomp/launch/run_root.hpp"

#include <chrono>

#include "roar/seccomp/attribution/run_report.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace roar::seccomp {
namespace {

std::string current_environ() {
  std::string out;
  for (char** e = environ; *e != nullptr; ++e) {
    out += *e;
    out += '\0';
  }
  return out;
}

}  // namespace

double unix_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

void RunRoot::add_to(ProcessTable& processes) const {
  processes.add_root(pid, join_nul(command), current_environ());
}

}  // namespace roar::seccomp
