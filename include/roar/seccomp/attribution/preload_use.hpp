// PreloadUse: which programs the fast path's library serves, so that those it never does run
// without it.
#pragma once

#include <map>
#include <optional>
#include <unordered_map>

#include "roar/seccomp/attribution/file_facts.hpp"

namespace roar::seccomp {

// Loading the library costs a short process a few notifications and the loader's time, and it
// pays only in a process that reads or writes through it. Each image (a process from one exec
// to the next, or to its end) is followed: one given the library that never registered a table,
// never started a process and never made an exec used nothing of it (`true`, `mkdir`, `rm`), and
// later execs of its program go without, as if the fast path were off for them. Such an image
// that then makes many notified reads and writes, or starts other processes, gives its program
// the library back. The report is the same either way: only the speed depends on this.
class PreloadUse {
 public:
  // Notified reads and writes after which an image without the library would have been served
  // better with it.
  static constexpr unsigned kNotifiedIoWorthTheLibrary = 8;

  // `pid` makes an exec of `program` (nullopt: not known, the image is not followed);
  // `library`: the new image is given the library. The image before it ends having passed its
  // environment on, so it counts as neither use nor idleness.
  void exec(int pid, std::optional<FileId> program, bool library);
  // The image of `pid` registered a table: the library serves its program.
  void registered(int pid);
  // `parent` started a process, which inherits its environment and with it the library or not.
  void spawned(int parent);
  // A notified read or write of `pid`.
  void notified_io(int pid);
  // `pid` is gone: an image given the library that used none of it counts for its program.
  void exited(int pid);

  // Whether an exec of `program` is to run without the library.
  [[nodiscard]] bool skip(FileId program) const;

 private:
  struct Image {
    FileId program;
    bool library = false;
    bool registered = false;
    bool spawned = false;
    unsigned notified_io = 0;
  };
  struct Program {
    unsigned idle_images = 0;
    bool served = false;  // the library served, or would have served, an image of it
  };

  std::unordered_map<int, Image> images_;  // by pid, for images started by an exec we saw
  std::map<FileId, Program> programs_;
};

}  // namespace roar::seccomp
