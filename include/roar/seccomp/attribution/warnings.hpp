// Warnings: what the tracer could not observe, collected once per kind with a count.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace roar::seccomp {

class Warnings {
 public:
  void add(const std::string& message) { ++counts_[message]; }
  [[nodiscard]] bool empty() const noexcept { return counts_.empty(); }
  // One line per kind, "message (N times)" when it happened more than once.
  [[nodiscard]] std::vector<std::string> lines() const;

 private:
  std::map<std::string, std::uint64_t> counts_;
};

}  // namespace roar::seccomp
