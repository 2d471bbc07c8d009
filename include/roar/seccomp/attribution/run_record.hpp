// RunRecord: everything a traced run learns, owned by the run and filled by the handler.
#pragma once

#include <cstdint>
#include <map>
#include <string_view>

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
  std::map<std::string_view, std::uint64_t> notifications_by_call;  // for -vv
  bool io_uring_refused = false;
  bool incomplete = false;  // some file I/O was certainly not observed
};

}  // namespace roar::seccomp
