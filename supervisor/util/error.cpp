// Error: rendering for messages.
#include "roar/seccomp/util/error.hpp"

#include <cstring>

namespace roar::seccomp {

std::string Error::message() const {
  if (code == 0) {
    return context;
  }
  return context + ": " + std::strerror(code);
}

const char* Error::what() const {
  what_ = message();
  return what_.c_str();
}

}  // namespace roar::seccomp
