// Who read and wrote each file: the report's thread ids mapped to its processes (HTML and DOT
// views).
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "roar/seccomp/report/report.hpp"

namespace roar::seccomp {

// A process of the report, or a thread id that is no process's pid (the report lists the threads
// that read and wrote a file, not which process each thread belonged to).
struct Actor {
  int id = 0;                          // the pid, or the thread id
  std::optional<std::size_t> process;  // index into Report::processes; none for a thread
  std::optional<std::size_t> parent;   // index into Lineage::actors
};

struct Lineage {
  // Report::processes in their order, then the unmatched thread ids in increasing order.
  std::vector<Actor> actors;
  std::vector<std::vector<std::size_t>> readers;  // per file of the report: actor indices, sorted
  std::vector<std::vector<std::size_t>> writers;
};

// When a pid appears twice (reused during the run), its threads and children are taken to be
// the first process's.
Lineage trace_lineage(const Report& report);

}  // namespace roar::seccomp
