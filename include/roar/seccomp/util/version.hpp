// The tracer's version, as printed by --version and recorded by tools.
#pragma once

namespace roar::seccomp {
inline constexpr const char* kVersion = "0.1.0";
}
