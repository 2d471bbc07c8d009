// ReportWriter: the fallback name, the atomic write and the final info line.
#include "roar/seccomp/launch/report_writer.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

namespace roar::seccomp {

std::string choose_report_path(const Report& report, const std::string& path,
                               const std::optional<std::string>& canonical) {
  const auto written_by_command = [&report](const std::optional<std::string>& p) {
    return p && std::any_of(report.files.begin(), report.files.end(),
                            [&p](const ReportFile& f) { return f.written && f.path == *p; });
  };
  if (!written_by_command(canonical)) {
    return path;
  }
  for (int n = 0;; ++n) {
    const std::string suffix = n == 0 ? ".roar-seccomp" : ".roar-seccomp." + std::to_string(n);
    const std::string fresh = path + suffix;
    if (access(fresh.c_str(), F_OK) != 0 &&
        !written_by_command(canonical ? *canonical + suffix : fresh)) {
      return fresh;
    }
  }
}

Result<ReportWriter> ReportWriter::open(const std::string& path) {
  Result<ReportDestination> destination = ReportDestination::open(path);
  if (!destination) {
    return destination.error();
  }
  return ReportWriter(std::move(destination.value()));
}

void ReportWriter::write(const Report& report, const Logger& log) const {
  const std::string& given = destination_.path();
  const std::string path = choose_report_path(report, given, destination_.canonical_path());
  if (path != given) {
    log.error("the command wrote %s itself; the report is in %s so that nothing is lost",
              given.c_str(), path.c_str());
  }
  const std::string bytes = encode_report(report);
  Status written = path == given ? destination_.write(bytes) : [&]() -> Status {
    Result<ReportDestination> alt = ReportDestination::open(path);
    return alt ? alt->write(bytes) : alt.error();
  }();
  if (!written) {
    log.error("writing the report failed: %s", written.error().what());
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  // The tracer's own CPU time (its threads, not the command's) is what tracing cost it.
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  log.info("peak memory %ld KiB; %zu processes, %zu files; CPU %.3f s user, %.3f s system",
           usage.ru_maxrss, report.processes.size(), report.files.size(), seconds(usage.ru_utime),
           seconds(usage.ru_stime));
}

}  // namespace roar::seccomp
