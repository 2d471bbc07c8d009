// The report page's stylesheet and script, embedded from tools/report_page.css and report_page.js.
#pragma once

#include <string_view>

namespace roar::seccomp {

extern const std::string_view kReportPageCss;
extern const std::string_view kReportPageJs;

}  // namespace roar::seccomp
