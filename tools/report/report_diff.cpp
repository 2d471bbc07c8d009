// What changed between two runs of the same job: inputs, outputs, processes' commands, warnings.
#include "report_diff.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace roar::seccomp {
namespace {

using Paths = std::vector<std::string>;

Paths paths_where(const Report& r, bool ReportFile::*flag) {
  Paths out;
  for (const ReportFile& f : r.files) {
    if (f.*flag) {
      out.push_back(f.path);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Paths minus(const Paths& a, const Paths& b) {
  Paths out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// The process tree of one report: children of each process and the roots, in pid order.
struct Tree {
  explicit Tree(const Report& r) : report(r), children(r.processes.size()) {
    std::map<int, std::size_t> by_pid;
    for (std::size_t i = 0; i < r.processes.size(); ++i) {
      by_pid.emplace(r.processes[i].pid, i);  // the first of a reused pid
    }
    for (std::size_t i = 0; i < r.processes.size(); ++i) {
      const std::optional<int>& parent = r.processes[i].parent_pid;
      const auto it = parent ? by_pid.find(*parent) : by_pid.end();
      if (it == by_pid.end() || it->second == i) {
        roots.push_back(i);
      } else {
        children[it->second].push_back(i);
      }
    }
  }
  [[nodiscard]] DiffProcess process(std::size_t i) const {
    const ReportProcess& p = report.processes[i];
    return DiffProcess{p.pid, p.parent_pid, p.command};
  }

  const Report& report;
  std::vector<std::vector<std::size_t>> children;
  std::vector<std::size_t> roots;
};

std::string_view program(const std::vector<std::string>& argv) {
  return argv.empty() ? std::string_view() : std::string_view(argv.front());
}

class Matcher {
 public:
  Matcher(const Tree& old_tree, const Tree& new_tree, ReportDiff& diff)
      : old_(old_tree), new_(new_tree), diff_(diff) {}

  void siblings(std::vector<std::size_t> olds, std::vector<std::size_t> news) {
    pair_up(olds, news, [this](std::size_t o, std::size_t n) {
      return old_.report.processes[o].command == new_.report.processes[n].command;
    });
    pair_up(olds, news, [this](std::size_t o, std::size_t n) {
      return program(old_.report.processes[o].command) == program(new_.report.processes[n].command);
    });
    pair_up(olds, news, [](std::size_t, std::size_t) { return true; });
    for (const std::size_t o : olds) {
      subtree(old_, o, diff_.processes_removed);
    }
    for (const std::size_t n : news) {
      subtree(new_, n, diff_.processes_added);
    }
  }

 private:
  // Pairs each old process with the first unpaired new one `same` accepts, removing both.
  template <typename Same>
  void pair_up(std::vector<std::size_t>& olds, std::vector<std::size_t>& news, Same same) {
    std::vector<std::size_t> old_left;
    for (const std::size_t o : olds) {
      const auto it =
          std::find_if(news.begin(), news.end(), [&](std::size_t n) { return same(o, n); });
      if (it == news.end()) {
        old_left.push_back(o);
        continue;
      }
      const std::size_t n = *it;
      news.erase(it);
      if (old_.report.processes[o].command != new_.report.processes[n].command) {
        diff_.commands_changed.emplace_back(old_.process(o), new_.process(n));
      }
      siblings(old_.children[o], new_.children[n]);
    }
    olds = std::move(old_left);
  }

  static void subtree(const Tree& tree, std::size_t i, std::vector<DiffProcess>& out) {
    out.push_back(tree.process(i));
    for (const std::size_t child : tree.children[i]) {
      subtree(tree, child, out);
    }
  }

  const Tree& old_;
  const Tree& new_;
  ReportDiff& diff_;
};

std::vector<std::string> sorted_minus(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return minus(a, b);
}

}  // namespace

bool ReportDiff::same() const {
  return inputs_added.empty() && inputs_removed.empty() && outputs_added.empty() &&
         outputs_removed.empty() && commands_changed.empty() && processes_added.empty() &&
         processes_removed.empty() && warnings_added.empty() && warnings_removed.empty() &&
         old_complete == new_complete;
}

ReportDiff diff_reports(const Report& old_report, const Report& new_report) {
  ReportDiff diff;
  const Paths old_in = paths_where(old_report, &ReportFile::read);
  const Paths new_in = paths_where(new_report, &ReportFile::read);
  const Paths old_out = paths_where(old_report, &ReportFile::written);
  const Paths new_out = paths_where(new_report, &ReportFile::written);
  diff.inputs_added = minus(new_in, old_in);
  diff.inputs_removed = minus(old_in, new_in);
  diff.outputs_added = minus(new_out, old_out);
  diff.outputs_removed = minus(old_out, new_out);

  const Tree old_tree(old_report);
  const Tree new_tree(new_report);
  Matcher(old_tree, new_tree, diff).siblings(old_tree.roots, new_tree.roots);
  const auto by_pid = [](const DiffProcess& a, const DiffProcess& b) { return a.pid < b.pid; };
  std::stable_sort(diff.processes_added.begin(), diff.processes_added.end(), by_pid);
  std::stable_sort(diff.processes_removed.begin(), diff.processes_removed.end(), by_pid);
  std::stable_sort(diff.commands_changed.begin(), diff.commands_changed.end(),
                   [](const auto& a, const auto& b) { return a.first.pid < b.first.pid; });

  diff.warnings_added = sorted_minus(new_report.warnings, old_report.warnings);
  diff.warnings_removed = sorted_minus(old_report.warnings, new_report.warnings);
  diff.old_complete = old_report.complete;
  diff.new_complete = new_report.complete;
  return diff;
}

}  // namespace roar::seccomp
