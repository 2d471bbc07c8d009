// Loading a report file for the report views, with errors that name the file and what is wrong.
#include "report_load.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "report_text.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {
namespace {

constexpr int kReportVersion = 1;  // the only report version there is

// A report is small enough to hold in memory, and decode_report wants it contiguous.
Result<std::string> read_whole_file(const std::string& path) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return Error::from_errno("cannot open " + path);
  }
  std::string bytes;
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return Error::from_errno("cannot read " + path);
    }
    if (n == 0) {
      return bytes;
    }
    bytes.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

Result<Report> load_report(const std::string& path) {
  const Result<std::string> bytes = read_whole_file(path);
  if (!bytes) {
    return bytes.error();
  }
  Result<Report> report = decode_report(*bytes);
  if (!report) {
    return Error{0, path + ": " + report.error().context};  // not an OS error
  }
  if (report->version != kReportVersion) {
    return Error{0, path + ": report version " + std::to_string(report->version) +
                        ", this tool reads version " + std::to_string(kReportVersion)};
  }
  return report;
}

void keep_files_under(Report& report, std::string_view dir) {
  std::erase_if(report.files, [dir](const ReportFile& f) { return !is_under(f.path, dir); });
}

}  // namespace roar::seccomp
