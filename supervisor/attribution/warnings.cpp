// Warnings: rendering of counted warning kinds.
#include "roar/seccomp/attribution/warnings.hpp"

namespace roar::seccomp {

std::vector<std::string> Warnings::lines() const {
  std::vector<std::string> out;
  out.reserve(counts_.size());
  for (const auto& [message, count] : counts_) {
    out.push_back(count == 1 ? message : message + " (" + std::to_string(count) + " times)");
  }
  return out;
}

}  // namespace roar::seccomp
