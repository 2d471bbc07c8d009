// --preflight: kernel support, filter generation, and an end-to-end probe run of this binary.
#include "roar/seccomp/launch/preflight.hpp"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>

#include "roar/seccomp/filters/filter_builder.hpp"
#include "roar/seccomp/filters/syscall_table.hpp"
#include "roar/seccomp/launch/diagnostics.hpp"
#include "roar/seccomp/launch/executable_search.hpp"
#include "roar/seccomp/launch/fast_path_library.hpp"
#include "roar/seccomp/report/json.hpp"
#include "roar/seccomp/report/report.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {
namespace {

PreflightCheck check_kernel() {
  std::uint32_t action = SECCOMP_RET_USER_NOTIF;
  if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) != 0) {
    const int error = errno;
    return {"kernel", false,
            error == EOPNOTSUPP ? explain_filter_error(EINVAL) : explain_filter_error(error)};
  }
  const UniqueFd proc(open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!proc) {
    return {"kernel", false, "/proc is not mounted"};
  }
  if (const std::optional<std::string> impossible = tracing_impossible_here(proc.get())) {
    return {"kernel", false, *impossible};
  }
  return {"kernel", true, "seccomp user notification is available"};
}

PreflightCheck check_filter() {
  const Result<BpfProgram> program = build_filter(resolve_table(traced_syscalls()));
  if (!program) {
    return {"filter", false, program.error().message()};
  }
  return {"filter", true,
          std::to_string(program->instructions.size()) + " BPF instructions for " +
              std::to_string(traced_syscalls().size()) + " traced system calls"};
}

// Which mode runs would use (it never fails the preflight: without it every call is notified).
PreflightCheck check_fast_path(const Options& options) {
  if (options.fast_path != "on") {
    return {"fast_path", true, "off (--fast-path off): every traced call is notified"};
  }
  if (const std::optional<std::string> library = find_fast_path_library()) {
    return {"fast_path", true, "on: " + *library};
  }
  return {"fast_path", true,
          std::string("off: no ") + kFastPathLibraryName +
              " at ../lib/roar-seccomp/ beside this executable; every traced call is notified"};
}

std::string first_line(const std::string& text) {
  const std::size_t nl = text.find('\n');
  return text.substr(0, nl);
}

// Traces a shell that writes and reads a file, with this very binary, and checks the report.
PreflightCheck check_probe_run() {
  char dir_template[] = "/tmp/roar-seccomp-preflight-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) {
    return {"probe_run", false, std::string("mkdtemp: ") + std::strerror(errno)};
  }
  const std::string base = dir;
  const std::string report = base + "/report.msgpack";
  const std::string probe = base + "/probe";
  const std::string errors = base + "/stderr";
  const std::string script =
      "printf roar-seccomp-preflight > '" + probe + "' && cat '" + probe + "' > /dev/null";
  const pid_t pid = fork();
  if (pid == 0) {
    const UniqueFd err(open(errors.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    const UniqueFd null(open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!err || !null || dup2(null.get(), 0) < 0 || dup2(null.get(), 1) < 0 ||
        dup2(err.get(), 2) < 0) {
      _exit(125);
    }
    execl("/proc/self/exe", "roar-seccomp", "-q", report.c_str(), "/bin/sh", "-c", script.c_str(),
          static_cast<char*>(nullptr));
    _exit(125);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) {
    return {"probe_run", false, std::string("fork: ") + std::strerror(errno)};
  }
  std::ifstream report_in(report, std::ios::binary);
  std::stringstream bytes;
  bytes << report_in.rdbuf();
  std::ifstream errors_in(errors);
  std::stringstream error_text;
  error_text << errors_in.rdbuf();
  for (const std::string& file : {report, probe, errors}) {
    unlink(file.c_str());
  }
  rmdir(base.c_str());

  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string detail = first_line(error_text.str());
    return {"probe_run", false,
            detail.empty() ? "the probe command failed under the tracer" : detail};
  }
  const Result<Report> decoded = decode_report(bytes.str());
  if (!decoded) {
    return {"probe_run", false, "no readable report: " + decoded.error().message()};
  }
  for (const ReportFile& f : decoded->files) {
    if (f.path.ends_with("/probe") && f.read && f.written) {
      return {"probe_run", true, "a traced shell's write and read of a file were recorded"};
    }
  }
  return {"probe_run", false, "the probe's write and read of a file were not recorded"};
}

}  // namespace

std::string to_json(const PreflightResult& r) {
  JsonWriter w;
  w.begin_object();
  w.key("backend");
  w.string("seccomp");
  w.key("ok");
  w.boolean(r.ok);
  w.key("summary");
  w.string(r.summary);
  w.key("command_checked");
  if (r.command_checked.empty()) {
    w.null();
  } else {
    w.string(r.command_checked);
  }
  w.key("warnings");
  w.begin_array();
  for (const std::string& warning : r.warnings) {
    w.string(warning);
  }
  w.end_array();
  w.key("checks");
  w.begin_array();
  for (const PreflightCheck& c : r.checks) {
    w.begin_object();
    w.key("name");
    w.string(c.name);
    w.key("ok");
    w.boolean(c.ok);
    w.key("detail");
    w.string(c.detail);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return std::move(w).finish();
}

int run_preflight(const Options& options, const Logger& log) {
  static_cast<void>(log);
  PreflightResult result;
  result.checks.push_back(check_kernel());
  result.checks.push_back(check_filter());
  if (result.checks[0].ok && result.checks[1].ok) {
    result.checks.push_back(check_probe_run());
  }
  result.checks.push_back(check_fast_path(options));
  std::string missing_command;
  if (!options.preflight_command.empty()) {
    result.command_checked = options.preflight_command;
    const std::string resolved = resolve_command(options.preflight_command, std::getenv("PATH"));
    if (resolved.empty()) {
      missing_command = options.preflight_command;
      result.checks.push_back({"command", false, "not found on PATH: " + missing_command});
    } else {
      result.command_checked = resolved;
      result.checks.push_back({"command", true, resolved});
    }
  }
  result.ok = true;
  std::string failed;
  for (const PreflightCheck& c : result.checks) {
    if (!c.ok) {
      result.ok = false;
      failed = failed.empty() ? c.name + ": " + c.detail : failed;
    }
  }
  if (!missing_command.empty()) {
    result.summary = "command not found: " + missing_command;
  } else {
    result.summary =
        result.ok ? "seccomp preflight succeeded" : "seccomp preflight failed: " + failed;
  }
  if (options.json) {
    std::cout << to_json(result) << '\n';
  } else {
    std::cout << result.summary << '\n';
    for (const PreflightCheck& c : result.checks) {
      std::cout << "  " << (c.ok ? "ok  " : "FAIL") << ' ' << c.name << ": " << c.detail << '\n';
    }
  }
  return result.ok ? 0 : 1;
}

}  // namespace roar::seccomp
