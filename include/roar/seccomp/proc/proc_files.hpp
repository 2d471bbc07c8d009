// The bounded system calls behind /proc reads: text files, magic links, statx, listings, opens.
//
// Each is a single bounded call (or a few) that cannot wait on the traced tree.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "roar/seccomp/attribution/tracee_view.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {

// Reads a whole small file below `dir` (a /proc text file); nullopt if it cannot be opened.
std::optional<std::string> read_small_file(int dir, const char* relative_path);
// The same for a /proc file that the kernel makes whole at each read (status, fdinfo, cmdline,
// environ; not maps, whose reads stop at a line that does not fit): a short read is its end,
// which spares the read that would return 0.
std::optional<std::string> read_proc_record(int dir, const char* relative_path);

// Opens `path` below the directory `base`; with `in_root`, `base` is the caller's root and the
// path may not leave it.
UniqueFd open_below(int base, const std::string& path, int flags, bool in_root);

// readlink(2) of `relative` below `dir`, whatever the link's length.
std::optional<std::string> read_link(int dir, const char* relative);

// statx of `name` relative to `dir` without syncing attributes with the file system (FUSE).
std::optional<FileStat> stat_at(int dir, const char* name, int flags);

// Lists the numeric entries of a /proc directory ("<tid>/fd", "<pid>/task").
std::vector<int> list_numeric_entries(int dir, const char* relative_path);

}  // namespace roar::seccomp
