// Parsing of /proc/<pid>/maps and /proc/<pid>/smaps text into Mappings (pure, unit-tested).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "roar/seccomp/attribution/tracee_view.hpp"

namespace roar::seccomp {

// The mappings of `text` (maps or smaps format) that overlap [start, end), in address order.
// With smaps text, each mapping's `may_write` comes from its VmFlags line ("mw"); with maps
// text, from whether it is private (a shared one's is unknown there and left false).
std::vector<Mapping> parse_maps(std::string_view text, std::uint64_t start, std::uint64_t end);

}  // namespace roar::seccomp
