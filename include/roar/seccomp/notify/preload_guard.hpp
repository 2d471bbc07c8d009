// PreloadGuard: keeps the fast path's LD_PRELOAD entry from programs it would change.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "roar/seccomp/attribution/file_facts.hpp"
#include "roar/seccomp/attribution/tracee_view.hpp"
#include "roar/seccomp/filters/abi.hpp"
#include "roar/seccomp/filters/syscall_args.hpp"
#include "roar/seccomp/proc/elf_dependencies.hpp"

namespace roar::seccomp {

// Bytes to write into a traced process's memory before its call runs.
struct MemoryEdit {
  std::uint64_t address = 0;
  std::string bytes;
};

// The tracer puts its library first in LD_PRELOAD of the command, and children inherit it. At
// each exec the program about to run is looked at: one that cannot load the library (not in the
// caller's root or mount namespace, another ELF class) would make ld.so print an error, one whose
// sanitizer runtime must be loaded first would refuse to start. For those, the entry is taken out
// of the environment the exec is given (the variable removed, or the caller's own entries after
// ours kept), so that the program runs as it would without the tracer, on the notified path.
class PreloadGuard {
 public:
  explicit PreloadGuard(std::string library);

  // The edits of an exec's environment array (execve, execveat) that leave the tracer's entry
  // out of it; empty when the program may load the library, or the entry is not there.
  std::vector<MemoryEdit> edits_for_exec(const SyscallArgs& args, const AbiInfo& abi,
                                         TraceeView& view);

 private:
  // Whether the new program may load the library (unknown: it may: it runs as before).
  bool may_load(const SyscallArgs& args, TraceeView& view);
  std::vector<MemoryEdit> edits_without_entry(std::uint64_t envp, const AbiInfo& abi,
                                              MemoryView& memory) const;

  std::string library_;
  std::string entry_;                      // "LD_PRELOAD=<library>"
  std::map<FileId, PreloadFit> programs_;  // what the programs exec'd so far are
};

}  // namespace roar::seccomp
