// Report assembly: processes in pid order, files in byte order, the root's environment.
#include "roar/seccomp/attribution/run_report.hpp"

#include <unordered_set>

namespace roar::seccomp {

std::vector<std::string> split_nul(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nul = text.find('\0', start);
    if (nul == std::string_view::npos) {
      out.emplace_back(text.substr(start));  // unterminated (a program rewrote its argv)
      break;
    }
    out.emplace_back(text.substr(start, nul - start));
    start = nul + 1;
  }
  return out;
}

std::string join_nul(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    out += item;
    out += '\0';
  }
  return out;
}

std::map<std::string, std::string> parse_environ(std::string_view text) {
  std::map<std::string, std::string> env;
  for (const std::string& entry : split_nul(text)) {
    const std::size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      continue;
    }
    env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

Report build_report(const AccessTable& files, const std::vector<ProcessRecord>& processes,
                    int root_pid, const Warnings& warnings, double start_time, double end_time) {
  Report r;
  r.start_time = start_time;
  r.end_time = end_time;
  std::unordered_set<int> pids;
  for (const ProcessRecord& p : processes) {
    pids.insert(p.pid);
  }
  bool root_seen = false;
  for (const ProcessRecord& p : processes) {
    ReportProcess rp;
    rp.pid = p.pid;
    // The root has no parent in the report: the first record with its pid (a later process may
    // reuse the pid). A process whose parent is not in the report (an orphan adopted by a nested
    // run's tracer) descends from the root.
    const bool root = p.pid == root_pid && !root_seen;
    root_seen = root_seen || root;
    if (!root) {
      rp.parent_pid = p.parent_pid && pids.contains(*p.parent_pid) ? *p.parent_pid : root_pid;
    }
    rp.command = split_nul(p.cmdline);
    rp.env = parse_environ(p.environ);
    if (root) {
      r.env_accessed = rp.env;
    }
    r.processes.push_back(std::move(rp));
  }
  for (auto& [path, access] : files.sorted()) {
    r.files.push_back(
        ReportFile{path, access.read, access.written, access.read_threads, access.written_threads});
  }
  r.warnings = warnings.lines();
  return r;
}

Report build_report(const RunRecord& log, double start_time, double end_time) {
  return build_report(log.files, log.processes.sorted(), log.processes.root_pid(), log.warnings,
                      start_time, end_time);
}

}  // namespace roar::seccomp
