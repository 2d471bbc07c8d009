// PreloadGuard: looking at the program an exec runs, and taking the preload out of its environment.
#include "roar/seccomp/notify/preload_guard.hpp"

#include <sys/stat.h>

#include <cstring>

#include "roar/seccomp/attribution/preload_environment.hpp"

namespace roar::seccomp {
namespace {

constexpr std::size_t kMaxEntries = 16384;  // an environment beyond that is left alone

}  // namespace

PreloadGuard::PreloadGuard(std::string library)
    : library_(std::move(library)), entry_(std::string(kPreloadVariable) + "=" + library_) {}

bool PreloadGuard::may_load(const SyscallArgs& args, TraceeView& view) {
  // The library must be where the new program's loader looks: in the caller's root and mounts.
  const std::optional<ResolvedPath> library = view.resolve(kAtFdCwd, library_, true);
  if (!library || (library->looked_up && (!library->stat || library->stat->type != S_IFREG))) {
    return false;
  }
  if (args.path == 0) {
    return true;
  }
  const std::optional<std::string> path = view.read_path(args.path);
  if (!path) {
    return true;
  }
  const UniqueFd program = view.open_file(args.path_dirfd, *path);
  struct stat st {};
  if (!program || fstat(program.get(), &st) != 0) {
    return true;  // the exec will fail, or the tracer may not read it: nothing to learn
  }
  const FileId id{st.st_dev, st.st_ino};
  auto it = programs_.find(id);
  if (it == programs_.end()) {
    const std::optional<PreloadFit> fit = preload_fit(program.get());
    if (!fit) {
      return true;
    }
    it = programs_.emplace(id, *fit).first;
  }
  return it->second == PreloadFit::kCompatible;
}

std::vector<MemoryEdit> PreloadGuard::edits_for_exec(const SyscallArgs& args, const AbiInfo& abi,
                                                     TraceeView& view) {
  if (args.envp == 0 || may_load(args, view)) {
    return {};
  }
  return edits_without_entry(args.envp, abi, view);
}

std::vector<MemoryEdit> PreloadGuard::edits_without_entry(std::uint64_t envp, const AbiInfo& abi,
                                                          MemoryView& memory) const {
  const std::size_t width = abi.pointer_size;
  std::vector<std::uint64_t> pointers;
  std::optional<std::size_t> ours;
  for (std::size_t i = 0; i < kMaxEntries; ++i) {
    std::uint64_t pointer = 0;
    if (!memory.read_memory(envp + i * width, &pointer, width)) {
      return {};
    }
    pointers.push_back(pointer);
    if (pointer == 0) {
      break;
    }
    if (!ours) {
      std::string head(entry_.size() + 1, '\0');
      if (memory.read_memory(pointer, head.data(), head.size()) &&
          head.compare(0, entry_.size(), entry_) == 0 &&
          (head.back() == '\0' || head.back() == ':')) {
        ours = i;
      }
    }
  }
  if (!ours || pointers.back() != 0) {
    return {};
  }
  const std::uint64_t entry = pointers[*ours];
  const std::optional<std::string> whole = memory.read_path(entry);
  if (!whole) {
    return {};
  }
  const std::optional<std::string> kept =
      value_without_preload(std::string_view(*whole).substr(kPreloadVariable.size() + 1), library_);
  if (kept) {
    // The caller's own entries stay, in the same place (the new value is shorter).
    return {MemoryEdit{entry, std::string(kPreloadVariable) + "=" + *kept + '\0'}};
  }
  // The variable was ours alone: the entries after it move up one place.
  std::string tail;
  for (std::size_t i = *ours + 1; i < pointers.size(); ++i) {
    tail.append(reinterpret_cast<const char*>(&pointers[i]), width);
  }
  return {MemoryEdit{envp + *ours * width, tail}};
}

}  // namespace roar::seccomp
