// Diagnostics for runs that cannot start and commands that cannot run.
#include "roar/seccomp/launch/diagnostics.hpp"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "roar/seccomp/proc/proc_pids.hpp"

namespace roar::seccomp {

std::string explain_filter_error(int error) {
  switch (error) {
    case EBUSY:
      return "another seccomp listener already supervises this process (a tracer such as "
             "roar-seccomp, a sandbox, or WSL2's mirrored networking); the kernel allows one "
             "per process";
    case EINVAL:
      return "this kernel does not offer seccomp user notification (Linux 5.5 or later is "
             "needed; gVisor does not implement it)";
    case EACCES:
    case EPERM:
      return "installing a seccomp filter is denied here (a sandbox or container policy); run "
             "outside it or allow seccomp(2)";
    default: return std::string("installing the seccomp filter failed: ") + std::strerror(error);
  }
}

std::optional<std::string> tracing_impossible_here(int proc_dir) {
  utsname u{};
  int major = 0;
  int minor = 0;
  if (uname(&u) == 0 && std::sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
      (major < 5 || (major == 5 && minor < 5))) {
    return std::string("Linux ") + u.release +
           " cannot let a notified call continue (SECCOMP_USER_NOTIF_FLAG_CONTINUE needs 5.5)";
  }
  if (!ProcPids::detect(proc_dir).usable()) {
    return "/proc belongs to another pid namespace than this process (a sandbox made a new one "
           "without mounting its /proc, e.g. bwrap --unshare-pid without --proc /proc) and pids "
           "cannot be translated on this kernel; mount a /proc for it";
  }
  return std::nullopt;
}

void explain_exec_error(const Logger& log, const std::string& command, int error) {
  struct stat st {};
  if (command.empty()) {
    log.error(
        "\"\": command not found (the command is an empty string); give the program to "
        "run after REPORT");
  } else if (error == ENOENT || error == ENOTDIR) {
    if (command.find('/') != std::string::npos) {
      log.error("%s: no such file; check the path", command.c_str());
    } else {
      log.error("%s: command not found; check the name and PATH", command.c_str());
    }
  } else if (error == EACCES && stat(command.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    log.error("%s: is a directory, not a program", command.c_str());
  } else if (error == EACCES) {
    log.error("%s: permission denied; make it executable (chmod +x) or run its interpreter",
              command.c_str());
  } else {
    log.error("%s: cannot execute: %s", command.c_str(), std::strerror(error));
  }
}

}  // namespace roar::seccomp
