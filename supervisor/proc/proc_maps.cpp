// Parsing of /proc/<pid>/maps and smaps: "start-end perms offset major:minor inode  path".
#include "roar/seccomp/proc/proc_maps.hpp"

#include <sys/sysmacros.h>

#include <charconv>
#include <optional>
#include <string>

namespace roar::seccomp {
namespace {

// Splits off the next space-separated field of `line`.
std::string_view next_field(std::string_view& line) {
  const std::size_t begin = line.find_first_not_of(' ');
  if (begin == std::string_view::npos) {
    line = {};
    return {};
  }
  line.remove_prefix(begin);
  const std::size_t end = line.find(' ');
  const std::string_view field = line.substr(0, end);
  line.remove_prefix(end == std::string_view::npos ? line.size() : end);
  return field;
}

template <typename T>
bool parse_number(std::string_view text, T& out, int base) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// The kernel prints a newline in a mapped file's name as "\012" (seq_file_path).
std::string unescape_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name.substr(i, 4) == "\\012") {
      out += '\n';
      i += 3;
    } else {
      out += name[i];
    }
  }
  return out;
}

// A mapping's header line; nullopt for smaps' "Key: value" lines.
std::optional<Mapping> parse_header(std::string_view line) {
  const std::string_view range = next_field(line);
  const std::string_view perms = next_field(line);
  const std::size_t dash = range.find('-');
  Mapping m;
  if (dash == std::string_view::npos || perms.size() != 4 ||
      !parse_number(range.substr(0, dash), m.start, 16) ||
      !parse_number(range.substr(dash + 1), m.end, 16)) {
    return std::nullopt;
  }
  next_field(line);  // offset
  const std::string_view dev = next_field(line);
  const std::string_view inode = next_field(line);
  const std::size_t colon = dev.find(':');
  unsigned major = 0;
  unsigned minor = 0;
  if (colon == std::string_view::npos || !parse_number(dev.substr(0, colon), major, 16) ||
      !parse_number(dev.substr(colon + 1), minor, 16) || !parse_number(inode, m.id.ino, 10)) {
    return std::nullopt;
  }
  m.id.dev = m.id.ino == 0 ? 0 : makedev(major, minor);
  m.shared = perms[3] == 's';
  m.may_write = !m.shared;
  const std::size_t name = line.find_first_not_of(' ');
  if (name != std::string_view::npos) {
    m.name = unescape_name(line.substr(name));
  }
  return m;
}

bool has_flag(std::string_view flags, std::string_view flag) {
  while (!flags.empty()) {
    if (next_field(flags) == flag) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<Mapping> parse_maps(std::string_view text, std::uint64_t start, std::uint64_t end) {
  std::vector<Mapping> out;
  bool current_kept = false;  // the last header overlapped the range
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.starts_with("VmFlags:")) {
      if (current_kept) {
        out.back().may_write = has_flag(line.substr(8), "mw");
      }
      continue;
    }
    std::optional<Mapping> m = parse_header(line);
    if (!m) {
      continue;
    }
    current_kept = m->start < end && m->end > start;
    if (current_kept) {
      out.push_back(std::move(*m));
    }
  }
  return out;
}

}  // namespace roar::seccomp
