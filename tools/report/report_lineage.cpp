// Who read and wrote each file: the report's thread ids mapped to its processes (HTML and DOT
// views).
#include "report_lineage.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>

namespace roar::seccomp {
namespace {

std::vector<std::size_t> actors_of(const std::vector<int>& tids,
                                   const std::unordered_map<int, std::size_t>& by_id) {
  std::vector<std::size_t> out;
  out.reserve(tids.size());
  for (const int tid : tids) {
    out.push_back(by_id.at(tid));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

Lineage trace_lineage(const Report& report) {
  Lineage lineage;
  std::unordered_map<int, std::size_t> by_id;  // pid or thread id -> actor index
  for (std::size_t i = 0; i < report.processes.size(); ++i) {
    lineage.actors.push_back(Actor{report.processes[i].pid, i, std::nullopt});
    by_id.emplace(report.processes[i].pid, i);  // keeps the first of a reused pid
  }
  for (Actor& actor : lineage.actors) {
    const std::optional<int>& parent = report.processes[*actor.process].parent_pid;
    if (const auto it = parent ? by_id.find(*parent) : by_id.end(); it != by_id.end()) {
      if (it->second != *actor.process) {
        actor.parent = it->second;
      }
    }
  }
  std::set<int> threads;
  for (const ReportFile& f : report.files) {
    for (const auto* tids : {&f.read_threads, &f.written_threads}) {
      for (const int tid : *tids) {
        if (!by_id.contains(tid)) {
          threads.insert(tid);
        }
      }
    }
  }
  for (const int tid : threads) {
    by_id.emplace(tid, lineage.actors.size());
    lineage.actors.push_back(Actor{tid, std::nullopt, std::nullopt});
  }
  lineage.readers.reserve(report.files.size());
  lineage.writers.reserve(report.files.size());
  for (const ReportFile& f : report.files) {
    lineage.readers.push_back(actors_of(f.read_threads, by_id));
    lineage.writers.push_back(actors_of(f.written_threads, by_id));
  }
  return lineage;
}

}  // namespace roar::seccomp
