// PreloadGuard: looking at the program an exec runs, and taking the preload out of its environment.
#include "roar/seccomp/notify/preload_guard.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <span>

#include "roar/seccomp/attribution/preload_environment.hpp"

namespace roar::seccomp {
namespace {

constexpr std::size_t kMaxEntries = 16384;  // an environment beyond that is left alone
constexpr std::uint64_t kPage = 4096;

// Bytes from `addr` to the end of its page: memory that is there if the byte at `addr` is.
std::size_t to_page_end(std::uint64_t addr) {
  return static_cast<std::size_t>(kPage - addr % kPage);
}

// Reads into slot i of `heads` what of the string at pointers[i] lies in its first page, up to
// `head_size` bytes: memory that is there, so that one unreadable string does not fail the
// others. The strings of an environment sit close together, so the read is one range per page
// that holds a string's start, not one per string: process_vm_readv pays for every range.
// Returns, per string, whether its slot was filled.
std::vector<bool> read_heads(std::span<const std::uint64_t> pointers, std::size_t head_size,
                             std::string& heads, MemoryView& memory) {
  std::vector<std::size_t> order(pointers.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return pointers[a] < pointers[b]; });
  struct Span {
    std::uint64_t from = 0;
    std::uint64_t to = 0;
    std::size_t at = 0;  // where it is in `buffer`
  };
  std::vector<Span> spans;
  std::vector<std::size_t> span_of(pointers.size());
  std::size_t total = 0;
  for (const std::size_t i : order) {
    const std::uint64_t start = pointers[i];
    const std::uint64_t end = start + std::min(head_size, to_page_end(start));
    if (spans.empty() || start / kPage != spans.back().from / kPage) {
      spans.push_back({start, end, 0});
    } else {
      spans.back().to = std::max(spans.back().to, end);
    }
    span_of[i] = spans.size() - 1;
  }
  for (Span& span : spans) {
    span.at = total;
    total += static_cast<std::size_t>(span.to - span.from);
  }
  std::string buffer(total, '\0');
  std::vector<MemoryRange> ranges;
  ranges.reserve(spans.size());
  for (const Span& span : spans) {
    ranges.push_back(
        {span.from, buffer.data() + span.at, static_cast<std::size_t>(span.to - span.from)});
  }
  const std::size_t read = memory.read_ranges(ranges);
  std::vector<bool> have(pointers.size(), false);
  for (std::size_t i = 0; i < pointers.size(); ++i) {
    const Span& span = spans[span_of[i]];
    const std::size_t len = std::min(head_size, to_page_end(pointers[i]));
    char* slot = heads.data() + i * head_size;
    if (span_of[i] < read) {
      std::memcpy(slot, buffer.data() + span.at + (pointers[i] - span.from), len);
      have[i] = true;
    } else {
      have[i] = memory.read_memory(pointers[i], slot, len);
    }
  }
  return have;
}

}  // namespace

PreloadGuard::PreloadGuard(std::string library)
    : library_(std::move(library)), entry_(std::string(kPreloadVariable) + "=" + library_) {}

std::optional<FileId> PreloadGuard::identify(const SyscallArgs& args, TraceeView& view) {
  if (args.path == 0) {
    return std::nullopt;
  }
  const std::optional<std::string> path = view.read_path(args.path);
  if (!path) {
    return std::nullopt;
  }
  // The exec will fail, or the tracer may not read the program: nothing to learn.
  const std::optional<FileId> id = view.file_id(args.path_dirfd, *path);
  if (!id || programs_.contains(*id)) {
    return id;  // a program seen before is not opened again
  }
  const UniqueFd program = view.open_file(args.path_dirfd, *path);
  struct stat st {};
  if (!program || fstat(program.get(), &st) != 0 || FileId{st.st_dev, st.st_ino} != *id) {
    return id;  // replaced meanwhile: looked at next time
  }
  if (const std::optional<PreloadFit> fit = preload_fit(program.get())) {
    programs_.emplace(*id, *fit);
  }
  return id;
}

bool PreloadGuard::library_within_reach(TraceeView& view) {
  // The library must be where the new program's loader looks: in the caller's root and mounts.
  const std::optional<ResolvedPath> library = view.resolve(kAtFdCwd, library_, true);
  return library && (!library->looked_up || (library->stat && library->stat->type == S_IFREG));
}

ExecPreload PreloadGuard::for_exec(const SyscallArgs& args, const AbiInfo& abi, TraceeView& view) {
  ExecPreload out;
  if (args.envp == 0) {
    return out;
  }
  out.program = identify(args, view);
  // A program not known (not an ELF file, or not readable) may load it: it runs as before.
  const auto it = out.program ? programs_.find(*out.program) : programs_.end();
  const bool fits = it == programs_.end() || it->second == PreloadFit::kCompatible;
  const bool serves = !out.program || !use_.skip(*out.program);
  if (fits && serves && library_within_reach(view)) {
    out.library = true;  // taken to be in the environment: only reading it would tell
    return out;
  }
  out.edits = edits_without_entry(args.envp, abi, view);
  return out;
}

// Few system calls whatever the environment's size: the pointer array is read a page at a time,
// and the heads of all its strings with one vectored read of the pages that hold them.
std::vector<MemoryEdit> PreloadGuard::edits_without_entry(std::uint64_t envp, const AbiInfo& abi,
                                                          MemoryView& memory) const {
  const std::size_t width = abi.pointer_size;
  std::vector<std::uint64_t> pointers;
  std::vector<unsigned char> chunk;
  for (std::uint64_t at = envp; pointers.size() < kMaxEntries;) {
    chunk.resize(to_page_end(at) / width * width);
    if (chunk.empty()) {  // a pointer across a page boundary (never, aligned): read alone
      chunk.resize(width);
    }
    if (!memory.read_memory(at, chunk.data(), chunk.size())) {
      // Memory is mapped by the page, so this is only for a view that reads less: a pointer at
      // a time, then.
      chunk.resize(width);
      if (!memory.read_memory(at, chunk.data(), chunk.size())) {
        return {};
      }
    }
    at += chunk.size();
    bool ended = false;
    for (std::size_t i = 0; i < chunk.size() && !ended; i += width) {
      std::uint64_t pointer = 0;
      std::memcpy(&pointer, chunk.data() + i, width);
      pointers.push_back(pointer);
      ended = pointer == 0;
    }
    if (ended) {
      break;
    }
  }
  if (pointers.empty() || pointers.back() != 0) {
    return {};
  }
  const std::size_t entries = pointers.size() - 1;
  const std::size_t head_size = entry_.size() + 1;
  std::string heads(entries * head_size, '\0');
  const std::vector<bool> have = read_heads(
      std::span<const std::uint64_t>(pointers.data(), entries), head_size, heads, memory);
  std::optional<std::size_t> ours;
  for (std::size_t i = 0; i < entries && !ours; ++i) {
    if (!have[i]) {
      continue;
    }
    std::string_view head(heads.data() + i * head_size, head_size);
    const std::size_t in_page = std::min(head_size, to_page_end(pointers[i]));
    if (in_page < head_size) {
      // The string goes on in the next page: the rest of the head is read only if it could be
      // the entry.
      if (head.substr(0, in_page) != std::string_view(entry_).substr(0, in_page) ||
          !memory.read_memory(pointers[i] + in_page, heads.data() + i * head_size + in_page,
                              head_size - in_page)) {
        continue;
      }
    }
    if (head.substr(0, entry_.size()) == entry_ && (head.back() == '\0' || head.back() == ':')) {
      ours = i;
    }
  }
  if (!ours) {
    return {};
  }
  // The variable was ours alone: the entries after it move up one place.
  const auto without_variable = [&] {
    std::string tail;
    for (std::size_t i = *ours + 1; i < pointers.size(); ++i) {
      tail.append(reinterpret_cast<const char*>(&pointers[i]), width);
    }
    return std::vector<MemoryEdit>{MemoryEdit{envp + *ours * width, tail}};
  };
  if (heads[*ours * head_size + entry_.size()] == '\0') {
    return without_variable();
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
  return without_variable();
}

}  // namespace roar::seccomp
