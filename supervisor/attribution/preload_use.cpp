// PreloadUse: following each image's use of the fast path's library, and deciding from it.
#include "roar/seccomp/attribution/preload_use.hpp"

namespace roar::seccomp {

void PreloadUse::exec(int pid, std::optional<FileId> program, bool library) {
  if (program) {
    images_[pid] = Image{*program, library};
  } else {
    images_.erase(pid);
  }
}

void PreloadUse::registered(int pid) {
  const auto it = images_.find(pid);
  if (it != images_.end()) {
    it->second.registered = true;
    programs_[it->second.program].served = true;
  }
}

void PreloadUse::spawned(int parent) {
  const auto it = images_.find(parent);
  if (it == images_.end()) {
    return;
  }
  it->second.spawned = true;
  if (!it->second.library) {
    // Its descendants went without the library too: a program that starts others keeps it.
    programs_[it->second.program].served = true;
  }
}

void PreloadUse::notified_io(int pid) {
  const auto it = images_.find(pid);
  if (it == images_.end() || it->second.library) {
    return;
  }
  if (++it->second.notified_io >= kNotifiedIoWorthTheLibrary) {
    programs_[it->second.program].served = true;
  }
}

void PreloadUse::exited(int pid) {
  const auto it = images_.find(pid);
  if (it == images_.end()) {
    return;
  }
  const Image& image = it->second;
  if (image.library && !image.registered && !image.spawned) {
    ++programs_[image.program].idle_images;
  }
  images_.erase(it);
}

bool PreloadUse::skip(FileId program) const {
  const auto it = programs_.find(program);
  return it != programs_.end() && it->second.idle_images > 0 && !it->second.served;
}

}  // namespace roar::seccomp
