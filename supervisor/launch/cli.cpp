// Command-line parsing with CLI11. Our options end at REPORT; CLI11 never sees the command's.
#include "roar/seccomp/launch/cli.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <thread>

#include "roar/seccomp/launch/exit_status.hpp"
#include "roar/seccomp/util/version.hpp"

namespace roar::seccomp {
namespace {

constexpr int kPreflightBadFlags = 2;  // roar's preflight protocol

struct Split {
  std::vector<std::string> ours;  // options and their values
  std::optional<std::string> report;
  std::vector<std::string> command;
};

// Finds REPORT: the first argument that is neither an option nor the value of one. Which options
// take a value is asked of the App itself, so there is one source of truth for options.
Split split_arguments(const CLI::App& app, const std::vector<std::string>& args) {
  Split s;
  std::size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.size() < 2 || a[0] != '-') {
      break;
    }
    s.ours.push_back(a);
    if (a.find('=') != std::string::npos || (a[1] != '-' && a.size() > 2)) {
      continue;  // --name=value, or a cluster of short flags
    }
    const CLI::Option* opt = app.get_option_no_throw(a);
    if (opt != nullptr && opt->get_type_size() > 0 && i + 1 < args.size()) {
      s.ours.push_back(args[++i]);
    }
  }
  if (i < args.size()) {
    s.report = args[i++];
    if (i < args.size() && args[i] == "--") {
      ++i;
    }
    s.command.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  }
  return s;
}

}  // namespace

LogLevel Options::log_level() const noexcept {
  if (quiet) {
    return LogLevel::kError;
  }
  if (verbose >= 2) {
    return LogLevel::kDebug;
  }
  return verbose == 1 ? LogLevel::kInfo : LogLevel::kWarn;
}

unsigned Options::supervisor_threads() const noexcept {
  if (threads != 0) {
    return threads;
  }
  // One CPU is left to the traced tree: a second thread receiving notifications on a 2-CPU
  // machine makes one traced thread's round trips ~10% slower (README, "Performance").
  const unsigned cpus = std::thread::hardware_concurrency();
  return std::clamp(cpus > 1 ? cpus - 1 : 1U, 1U, 8U);
}

void add_options(CLI::App& app, Options& o) {
  app.description(
      "Runs CMD and records which files it and every process it starts read and write, using "
      "seccomp user notification (no ptrace, no eBPF, no privileges; a preload library only "
      "makes it faster and is never needed). The report "
      "is a msgpack map that roar reads. Exits with CMD's status, 128+N if it was killed by "
      "signal N, 127 if CMD was not found, 126 if it could not be executed, 125 if tracing "
      "could not start.");
  app.add_option("report", o.report, "Where to write the msgpack report (atomically)")
      ->type_name("REPORT");
  app.add_option("command", o.command, "The command to run and its arguments, verbatim")
      ->type_name("CMD [ARGS...]");
  app.add_flag("--preflight", o.preflight,
               "Check that tracing works here (and that --command resolves) without running CMD");
  app.add_flag("--json", o.json, "With --preflight: print one JSON object on stdout");
  app.add_option("--command", o.preflight_command,
                 "With --preflight: the command to look up on PATH");
  app.add_flag("-v,--verbose", o.verbose, "More diagnostics on stderr (twice for debug)");
  app.add_flag("-q,--quiet", o.quiet, "Only errors on stderr");
  app.add_flag("--allow-io-uring", o.allow_io_uring,
               "Let io_uring_setup succeed; I/O done through io_uring is then not recorded and "
               "the report says it is incomplete (default: it fails with ENOSYS, and programs "
               "fall back to system calls the tracer sees)");
  app.add_option("--wait-timeout", o.wait_timeout,
                 "After CMD exits, wait at most SECONDS for the background processes it started, "
                 "then kill them (default: wait for all; after 1 s the wait is announced)")
      ->type_name("SECONDS")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--if-untraceable", o.if_untraceable,
                 "What to do where seccomp user notification is unavailable (no kernel support, "
                 "seccomp denied, another tracer's listener): fail (exit 125 before running CMD) "
                 "or run (run CMD untraced and write a report marked incomplete). Inside another "
                 "roar-seccomp the inner run asks the outer one for its report instead")
      ->type_name("fail|run")
      ->check(CLI::IsMember({"fail", "run"}));
  app.add_option("--threads", o.threads,
                 "Threads that receive notifications at once, besides one that watches exits "
                 "(default: one per online CPU but one, at least 1 and at most 8)")
      ->type_name("N")
      ->check(CLI::Range(1U, 64U));
  app.add_option("--fast-path", o.fast_path,
                 "on: dynamically linked programs load a small library that lets their reads and "
                 "writes skip the notification once the report can learn nothing new from them "
                 "(the report stays the same); off: every traced call is notified")
      ->type_name("on|off")
      ->check(CLI::IsMember({"on", "off"}));
  app.set_version_flag("--version", std::string("roar-seccomp ") + kVersion);
}

ParsedCommandLine parse_command_line(const std::vector<std::string>& args) {
  ParsedCommandLine out;
  CLI::App app("roar-seccomp", "roar-seccomp");
  add_options(app, out.options);
  const Split split = split_arguments(app, args);
  const bool preflight =
      std::find(split.ours.begin(), split.ours.end(), "--preflight") != split.ours.end();
  // CLI11 parses the reversed vector; REPORT and the command follow a `--` so that CLI11 treats
  // them as positionals whatever they look like.
  std::vector<std::string> reversed = split.ours;
  if (split.report) {
    reversed.push_back("--");
    reversed.push_back(*split.report);
    reversed.insert(reversed.end(), split.command.begin(), split.command.end());
  }
  std::reverse(reversed.begin(), reversed.end());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    if (e.get_exit_code() == 0) {
      out.exit_code = 0;  // --help, --version
    } else {
      out.exit_code = preflight ? kPreflightBadFlags : kExitTracerFailed;
    }
    static_cast<void>(code);
    return out;
  }
  Options& o = out.options;
  const auto usage_error = [&](const char* message) {
    std::cerr << "roar-seccomp: " << message << "\nRun with --help for more information.\n";
    out.exit_code = o.preflight ? kPreflightBadFlags : kExitTracerFailed;
  };
  if (o.preflight) {
    if (split.report) {
      usage_error("--preflight takes no REPORT or command (use --command CMD)");
    }
  } else if (o.json || !o.preflight_command.empty()) {
    usage_error("--json and --command only go with --preflight");
  } else if (!split.report) {
    usage_error("missing REPORT and command: roar-seccomp [OPTIONS] REPORT [--] CMD [ARGS...]");
  } else if (o.command.empty()) {
    usage_error("missing the command to run after REPORT");
  }
  return out;
}

}  // namespace roar::seccomp
