// The fast path's LD_PRELOAD entry: composing it, and taking it out of reported environments.
#include "roar/seccomp/attribution/preload_environment.hpp"

namespace roar::seccomp {

std::string preload_value(std::string_view library, std::optional<std::string_view> existing) {
  std::string out(library);
  if (existing && !existing->empty()) {
    out += ':';
    out += *existing;
  }
  return out;
}

std::optional<std::string> value_without_preload(std::string_view value,
                                                 std::string_view library) {
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

}  // namespace roar::seccomp
