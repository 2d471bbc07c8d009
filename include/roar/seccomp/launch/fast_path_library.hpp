// Where the fast path's preload library is: beside the tracer, as the build and install lay out.
#pragma once

#include <optional>
#include <string>

namespace roar::seccomp {

inline constexpr const char* kFastPathLibraryName = "libroar-seccomp-fast.so";

// `<dir of the running executable>/../lib/roar-seccomp/libroar-seccomp-fast.so`, canonical, if it
// is there and readable: bin/ and lib/roar-seccomp/ sit side by side under /usr, /usr/local, a
// DESTDIR staging root and the build tree alike. nullopt where there is none (another platform,
// a copied binary): then every call is notified, as without the fast path.
std::optional<std::string> find_fast_path_library();

// The same below `executable_dir` (the pure part, for tests).
std::optional<std::string> fast_path_library_beside(const std::string& executable_dir);

}  // namespace roar::seccomp
