// The fast path's LD_PRELOAD entry: added to the command's environment, never shown in a report.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "roar/seccomp/report/report.hpp"

namespace roar::seccomp {

inline constexpr std::string_view kPreloadVariable = "LD_PRELOAD";

// The value of LD_PRELOAD that loads `library` first, keeping what the caller had (`existing`,
// nullopt when unset) after it, as ld.so reads it (entries separated by ':' or spaces).
std::string preload_value(std::string_view library, std::optional<std::string_view> existing);

// `value` without the entry the tracer put first; nullopt if nothing else was there (the variable
// was the tracer's alone). A value the tracer did not write is returned as it is.
std::optional<std::string> value_without_preload(std::string_view value, std::string_view library);

// An environment as the command's process had it, without the tracer's LD_PRELOAD entry: the
// report shows the environment the user gave.
void remove_preload(std::map<std::string, std::string>& env, std::string_view library);
// The same for every environment of a report (each process's, and the root's env_accessed);
// and the library itself, which ld.so maps into each program, is no file of the job's.
void remove_preload(Report& report, std::string_view library);

}  // namespace roar::seccomp
