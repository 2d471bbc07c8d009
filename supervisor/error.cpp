// Error: rendering for messages.
#include <cstring>

#include "roar/seccomp/error.hpp"

namespace roar::seccomp {

std::string Error::message() const {
  if (code == 0) {
    return context;
  }
  return context + ": " + std::strerror(code);
}

}  // namespace roar::seccomp
