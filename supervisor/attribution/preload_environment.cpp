// The fast path's LD_PRELOAD entry: composing it, and taking it out of reported environments.
#include "roar/seccomp/attribution/preload_environment.hpp"

namespace roar::seccomp {

std::string preload_value(std::string_view library, std::optional<std::string_view> existing) {
  // A run inside another one (with the same library) finds it first already.
  if (existing && !value_without_preload(*existing, library).has_value()) {
    return std::string(*existing);
  }
  if (existing && existing->starts_with(std::string(library) + ":")) {
    return std::string(*existing);
  }
  std::string out(library);
  if (existing && !existing->empty()) {
    out += ':';
    out += *existing;
  }
  return out;
}

std::optional<std::string> value_without_preload(std::string_view value, std::string_view library) {
  if (library.empty() || !value.starts_with(library)) {
    return std::string(value);
  }
  const std::string_view rest = value.substr(library.size());
  if (rest.empty()) {
    return std::nullopt;
  }
  if (rest.front() != ':') {
    return std::string(value);  // another library whose path starts like ours
  }
  return std::string(rest.substr(1));
}

void remove_preload(std::map<std::string, std::string>& env, std::string_view library) {
  const auto it = env.find(std::string(kPreloadVariable));
  if (it == env.end()) {
    return;
  }
  std::optional<std::string> kept = value_without_preload(it->second, library);
  if (kept) {
    it->second = std::move(*kept);
  } else {
    env.erase(it);
  }
}

void remove_preload(Report& report, std::string_view library) {
  for (ReportProcess& process : report.processes) {
    remove_preload(process.env, library);
  }
  remove_preload(report.env_accessed, library);
  std::erase_if(report.files, [library](const ReportFile& f) { return f.path == library; });
}

}  // namespace roar::seccomp
