// RunRecord: everything a traced run learns, owned by the run and filled by the handler.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "roar/seccomp/attribution/access_table.hpp"
#include "roar/seccomp/attribution/file_facts.hpp"
#include "roar/seccomp/attribution/process_table.hpp"
#include "roar/seccomp/attribution/warnings.hpp"

namespace roar::seccomp {

struct RunRecord {
  AccessTable files;
  FileFacts facts;
  ProcessTable processes;
  Warnings warnings;
  std::uint64_t notifications = 0;
  // For -vv: by the table row's name (a pointer into the table, cheap to count by).
  std::unordered_map<const char*, std::uint64_t> notifications_by_call;
  bool io_uring_refused = false;
  bool incomplete = false;  // some file I/O was certainly not observed
};

}  // namespace roar::seccomp
