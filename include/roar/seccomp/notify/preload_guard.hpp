// PreloadGuard: keeps the fast path's LD_PRELOAD entry from programs it would change or not serve.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "roar/seccomp/attribution/file_facts.hpp"
#include "roar/seccomp/attribution/preload_use.hpp"
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

// What an exec's program gets of the fast path: the edits of its environment that leave the
// tracer's entry out, and for the bookkeeping of PreloadUse, the program and whether it loads the
// library.
struct ExecPreload {
  std::vector<MemoryEdit> edits;
  std::optional<FileId> program;  // nullopt: it could not be looked at
  bool library = false;
};

// The tracer puts its library first in LD_PRELOAD of the command, and children inherit it. At
// each exec the program about to run is looked at: one that cannot load the library (not in the
// caller's root or mount namespace, another ELF class) would make ld.so print an error, one whose
// sanitizer runtime must be loaded first would refuse to start, and one whose earlier runs made
// no use of it (PreloadUse) would only pay for loading it. For those, the entry is taken out of
// the environment the exec is given (the variable removed, or the caller's own entries after
// ours kept), so that the program runs as it would without the tracer, on the notified path.
class PreloadGuard {
 public:
  explicit PreloadGuard(std::string library);

  // What an exec (execve, execveat) is to get; no edits when the program may load the library,
  // or the entry is not there.
  ExecPreload for_exec(const SyscallArgs& args, const AbiInfo& abi, TraceeView& view);

  // How the programs that ran used the library.
  PreloadUse& use() noexcept { return use_; }

 private:
  // The program an exec runs, looked at once (PreloadFit) and known by its identity after.
  std::optional<FileId> identify(const SyscallArgs& args, TraceeView& view);
  bool library_within_reach(TraceeView& view);
  // The edits that take the tracer's entry out of the environment array at `envp`.
  std::vector<MemoryEdit> edits_without_entry(std::uint64_t envp, const AbiInfo& abi,
                                              MemoryView& memory) const;

  std::string library_;
  std::string entry_;                      // "LD_PRELOAD=<library>"
  std::map<FileId, PreloadFit> programs_;  // what the programs exec'd so far are
  PreloadUse use_;
};

}  // namespace roar::seccomp
