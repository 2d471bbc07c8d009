// roar-seccomp-filter: prints the seccomp filter generated from the syscall table, three ways.
#include <linux/seccomp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "roar/seccomp/filters/abi.hpp"
#include "roar/seccomp/filters/filter_builder.hpp"
#include "roar/seccomp/filters/syscall_index.hpp"
#include "roar/seccomp/filters/syscall_spec.hpp"
#include "roar/seccomp/filters/syscall_table.hpp"
#include "roar/seccomp/util/version.hpp"
#include "tool_cli.hpp"

namespace roar::seccomp {
namespace {

constexpr const char* kProgram = "roar-seccomp-filter";
constexpr int kExitFailure = 1;  // libseccomp could not build the filter, or output failed

enum class View { kTable, kPfc, kBpf };

// ---- --table -----------------------------------------------------------------------------------

// Trailing unused registers are left out: "fd_in,-,count" rather than "fd_in,-,count,-,-,-".
std::string roles_text(const SyscallSpec& spec) {
  const auto last_used = std::find_if(spec.args.rbegin(), spec.args.rend(),
                                      [](ArgRole r) { return r != ArgRole::kNone; });
  if (last_used == spec.args.rend()) {
    return "-";
  }
  std::string out;
  for (auto it = spec.args.begin(); it != last_used.base(); ++it) {
    if (!out.empty()) {
      out += ',';  // appends only: `"," + std::string` trips g++ 12's false -Wrestrict at -O3
    }
    out += to_string(*it);
  }
  return out;
}

// The number of `spec` on `abi` without the ABI's flag bit, or "-" where the row does not apply
// or the call does not exist.
std::string number_text(const std::vector<ResolvedSyscall>& resolved, const SyscallSpec& spec,
                        const AbiInfo& abi) {
  const auto it = std::find_if(resolved.begin(), resolved.end(), [&](const ResolvedSyscall& r) {
    return r.spec == &spec && r.abi == &abi;
  });
  if (it == resolved.end()) {
    return "-";
  }
  return std::to_string(static_cast<unsigned>(it->nr) & ~abi.nr_flag);
}

using Row = std::vector<std::string>;

// Columns padded to their widest cell; the last column is not padded.
void print_columns(std::ostream& out, const std::vector<Row>& rows) {
  std::vector<std::size_t> widths;
  for (const Row& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (const Row& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line.append(widths[i] - row[i].size() + 2, ' ');
      }
    }
    out << line << '\n';
  }
}

std::vector<Row> table_rows(const std::vector<ResolvedSyscall>& resolved) {
  Row header = {"NAME", "EFFECT", "ARGS"};
  for (const AbiInfo& abi : host_abis()) {
    header.emplace_back(to_string(abi.abi));
  }
  std::vector<Row> rows = {header};
  for (const SyscallSpec& spec : traced_syscalls()) {
    // A row that applies to one value of an argument (an ioctl request) is named with it.
    std::string name = spec.name;
    if (spec.when.arg >= 0) {
      name += std::string(":") + spec.when.label;
    }
    Row row = {std::move(name), to_string(spec.effect), roles_text(spec)};
    for (const AbiInfo& abi : host_abis()) {
      row.push_back(number_text(resolved, spec, abi));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

void print_table(std::ostream& out, const std::vector<ResolvedSyscall>& resolved) {
  out << "# " << traced_syscalls().size()
      << " traced syscalls (filters/syscall_table.cpp); each notifies the supervisor "
         "(SECCOMP_RET_USER_NOTIF) on every host ABI where it has a number\n";
  for (const AbiInfo& abi : host_abis()) {
    if (abi.nr_flag != 0) {
      char flag[16];
      std::snprintf(flag, sizeof flag, "0x%x", abi.nr_flag);
      out << "# " << to_string(abi.abi) << " numbers are shown without the ABI's flag bit " << flag
          << "\n";
    }
  }
  out << "# '-' in an ABI column: the call does not exist there or the row does not apply\n";
  print_columns(out, table_rows(resolved));
}

// ---- --bpf -------------------------------------------------------------------------------------

void print_bpf(std::ostream& out, const BpfProgram& program) {
  out << "# " << program.instructions.size()
      << " instructions (struct sock_filter: code jt jf k, hex)\n";
  for (const sock_filter& insn : program.instructions) {
    char line[48];
    std::snprintf(line, sizeof line, "0x%04x 0x%02x 0x%02x 0x%08x\n",
                  static_cast<unsigned>(insn.code), static_cast<unsigned>(insn.jt),
                  static_cast<unsigned>(insn.jf), static_cast<unsigned>(insn.k));
    out << line;
  }
}

// ---- command line ------------------------------------------------------------------------------

void add_options(CLI::App& app, View& view) {
  app.description(
      "Prints the seccomp filter roar-seccomp installs, generated from its single syscall "
      "table: the table with each call's per-ABI numbers (default), libseccomp's pseudo-filter "
      "code listing, or the raw BPF program.");
  CLI::Option* table = app.add_flag_callback(
      "--table", [&view] { view = View::kTable; },
      "One line per table row: name, effect, argument roles, number on each host ABI");
  CLI::Option* pfc = app.add_flag_callback(
      "--pfc", [&view] { view = View::kPfc; },
      "libseccomp's pseudo-filter-code listing of the filter");
  CLI::Option* bpf = app.add_flag_callback(
      "--bpf", [&view] { view = View::kBpf; },
      "The instruction count, then one 'code jt jf k' line (hex) per BPF instruction");
  table->excludes(pfc)->excludes(bpf);
  pfc->excludes(bpf);
  app.set_version_flag("--version", std::string(kProgram) + " " + kVersion);
  app.footer(
      "Examples:\n"
      "  roar-seccomp-filter\n"
      "  roar-seccomp-filter --table | grep -w read\n"
      "  roar-seccomp-filter --pfc\n"
      "  roar-seccomp-filter --bpf | head\n"
      "  roar-seccomp-filter --version\n"
      "  roar-seccomp-filter --help\n"
      "Exit status: 0 on success, 1 if libseccomp cannot build the filter, 2 on bad usage.");
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string(kProgram) + ": " + e.what() + "\nRun with --help for more information.\n";
  });
}

int fail(const Error& error) {
  std::cerr << kProgram << ": " << error.message() << '\n';
  return kExitFailure;
}

int run(View view) {
  const std::vector<ResolvedSyscall> resolved = resolve_table(traced_syscalls());
  switch (view) {
    case View::kTable: print_table(std::cout, resolved); break;
    case View::kPfc: {
      const Result<std::string> listing = filter_listing(resolved);
      if (!listing) {
        return fail(listing.error());
      }
      std::cout << *listing;
      break;
    }
    case View::kBpf: {
      const Result<BpfProgram> program = build_filter(resolved);
      if (!program) {
        return fail(program.error());
      }
      print_bpf(std::cout, *program);
      break;
    }
  }
  if (!std::cout.flush()) {
    return fail(Error{0, "writing to stdout failed"});
  }
  return 0;
}

}  // namespace
}  // namespace roar::seccomp

int main(int argc, char** argv) {
  using namespace roar::seccomp;
  View view = View::kTable;
  CLI::App app("", kProgram);
  add_options(app, view);
  if (const std::optional<int> status = parse_tool_args(app, argc, argv)) {
    return *status;
  }
  return run(view);
}
