// Reading an executable's ELF headers and DT_NEEDED entries with pread(2), bounded.
#include "roar/seccomp/proc/elf_dependencies.hpp"

#include <elf.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>
#include <vector>

namespace roar::seccomp {
namespace {

constexpr std::size_t kMaxHeaders = 64;
constexpr std::size_t kMaxDynamic = 1024;
constexpr std::size_t kMaxName = 128;

bool read_at(int fd, void* out, std::size_t size, std::uint64_t offset) {
  return pread(fd, out, size, static_cast<off_t>(offset)) == static_cast<ssize_t>(size);
}

// The runtimes that must come first in the initial library list.
bool is_sanitizer_runtime(std::string_view name) {
  static constexpr std::array<std::string_view, 5> kRuntimes = {
      "libasan.so", "libhwasan.so", "libtsan.so", "libmsan.so", "libclang_rt."};
  for (const std::string_view runtime : kRuntimes) {
    if (name.starts_with(runtime)) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<PreloadFit> preload_fit(int fd) {
  Elf64_Ehdr header{};
  const ssize_t got = pread(fd, &header, sizeof header, 0);
  if (got < 0) {
    return std::nullopt;
  }
  if (static_cast<std::size_t>(got) < SELFMAG ||
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) {
    return PreloadFit::kCompatible;  // a script: its interpreter is checked when it is exec'd
  }
  if (static_cast<std::size_t>(got) < sizeof header) {
    return std::nullopt;  // cut short: the kernel will not run it either
  }
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_machine != EM_X86_64) {
    return PreloadFit::kIncompatible;  // ia32 and x32 programs cannot load a 64-bit library
  }
  if (header.e_phentsize != sizeof(Elf64_Phdr) || header.e_phnum == 0 ||
      header.e_phnum > kMaxHeaders) {
    return std::nullopt;
  }
  std::vector<Elf64_Phdr> segments(header.e_phnum);
  if (!read_at(fd, segments.data(), segments.size() * sizeof(Elf64_Phdr), header.e_phoff)) {
    return std::nullopt;
  }
  const Elf64_Phdr* dynamic = nullptr;
  for (const Elf64_Phdr& s : segments) {
    if (s.p_type == PT_DYNAMIC) {
      dynamic = &s;
    }
  }
  if (dynamic == nullptr) {
    return PreloadFit::kCompatible;  // static: no loader
  }
  const std::size_t count =
      std::min<std::size_t>(dynamic->p_filesz / sizeof(Elf64_Dyn), kMaxDynamic);
  std::vector<Elf64_Dyn> entries(count);
  if (!read_at(fd, entries.data(), count * sizeof(Elf64_Dyn), dynamic->p_offset)) {
    return std::nullopt;
  }
  std::uint64_t strtab = 0;
  for (const Elf64_Dyn& d : entries) {
    if (d.d_tag == DT_STRTAB) {
      strtab = d.d_un.d_ptr;
    }
  }
  // The string table's address, as a file offset through the loadable segment holding it.
  std::optional<std::uint64_t> strtab_offset;
  for (const Elf64_Phdr& s : segments) {
    if (s.p_type == PT_LOAD && strtab >= s.p_vaddr && strtab < s.p_vaddr + s.p_filesz) {
      strtab_offset = strtab - s.p_vaddr + s.p_offset;
    }
  }
  if (!strtab_offset) {
    return std::nullopt;
  }
  for (const Elf64_Dyn& d : entries) {
    if (d.d_tag == DT_NULL) {
      break;
    }
    if (d.d_tag != DT_NEEDED) {
      continue;
    }
    char name[kMaxName + 1] = {};
    const ssize_t n = pread(fd, name, kMaxName, static_cast<off_t>(*strtab_offset + d.d_un.d_val));
    if (n <= 0) {
      return std::nullopt;
    }
    if (is_sanitizer_runtime(std::string_view(name, strnlen(name, static_cast<std::size_t>(n))))) {
      return PreloadFit::kIncompatible;
    }
  }
  return PreloadFit::kCompatible;
}

}  // namespace roar::seccomp
