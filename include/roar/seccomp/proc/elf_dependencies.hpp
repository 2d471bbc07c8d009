// What an executable asks of the dynamic loader, as far as the fast path's preload is concerned.
#pragma once

#include <optional>

namespace roar::seccomp {

// Whether ld.so would load the x86-64 preload library into the program in `fd` without changing
// how it runs (with an LD_PRELOAD entry put first):
//  - kCompatible: an x86-64 ELF program without a sanitizer runtime of its own, a static one
//    (no loader: the variable only reaches its children), or not ELF at all (a script: its
//    interpreter is a program of its own);
//  - kIncompatible: a program of another ELF class or machine (ld.so would print that it cannot
//    preload it), or one that needs a sanitizer runtime (AddressSanitizer and its kin refuse
//    to start unless their runtime is the first library loaded).
// nullopt when `fd` cannot be read.
enum class PreloadFit { kCompatible, kIncompatible };
std::optional<PreloadFit> preload_fit(int fd);

}  // namespace roar::seccomp
