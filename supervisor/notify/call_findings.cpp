// CallFindings: the decision that a notification needs nothing recorded.
#include "roar/seccomp/notify/call_findings.hpp"

namespace roar::seccomp {
namespace {

// The calls that may need nothing recorded: those that move bytes through descriptors or
// mappings, the frequent ones. Every other call is committed, whether it found something or not:
// most do something by themselves (release descriptors, exec, exit, rename), the rest are rare.
bool moves_bytes(Effect effect) {
  switch (effect) {
    case Effect::kRead:
    case Effect::kWrite:
    case Effect::kTransfer:
    case Effect::kMap:
    case Effect::kProtect:
    case Effect::kClone:
    case Effect::kAioSubmit:
    case Effect::kResizeFd: return true;
    default: return false;
  }
}

}  // namespace

bool CallFindings::nothing_to_record() const noexcept {
  return spec == nullptr || (moves_bytes(spec->effect) && to_record.empty());
}

}  // namespace roar::seccomp
