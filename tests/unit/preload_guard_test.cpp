// Tests of PreloadGuard (an exec's environment edited) and preload_fit (what an ELF program needs).
#include "roar/seccomp/notify/preload_guard.hpp"

#include <doctest/doctest.h>
#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "fake_tracee_view.hpp"
#include "roar/seccomp/proc/elf_dependencies.hpp"
#include "temp_dir.hpp"
#include "test_support.hpp"

namespace roar::seccomp {
namespace {

constexpr const char* kLib = "/opt/rs/lib/roar-seccomp/libroar-seccomp-fast.so";
constexpr std::uint64_t kEnvp = 0x8000;

// An environment array in the fake's memory: strings at 0x9000, 0xa000, ...
void put_environment(FakeTraceeView& view, const std::vector<std::string>& entries) {
  std::string array;
  std::uint64_t at = 0x9000;
  for (const std::string& e : entries) {
    view.put_string(at, e);
    array.append(reinterpret_cast<const char*>(&at), 8);
    at += 0x1000;
  }
  const std::uint64_t null = 0;
  array.append(reinterpret_cast<const char*>(&null), 8);
  view.put_memory(kEnvp, array);
}

SyscallArgs exec_args() {
  SyscallArgs a;
  a.envp = kEnvp;
  return a;
}

// A minimal x86-64 ELF program file: one loadable segment holding a dynamic section whose
// DT_NEEDED entries are `needed`, or of another class.
std::string elf_bytes(const std::vector<std::string>& needed, unsigned char elf_class = ELFCLASS64,
                      bool dynamic = true) {
  std::string strtab(1, '\0');
  std::vector<Elf64_Dyn> dyn;
  for (const std::string& n : needed) {
    dyn.push_back({DT_NEEDED, {strtab.size()}});
    strtab += n + '\0';
  }
  const std::uint64_t dyn_offset = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr);
  const std::uint64_t str_offset = dyn_offset + (dyn.size() + 2) * sizeof(Elf64_Dyn);
  dyn.push_back({DT_STRTAB, {0x400000 + str_offset}});
  dyn.push_back({DT_NULL, {0}});
  Elf64_Ehdr h{};
  std::memcpy(h.e_ident, ELFMAG, SELFMAG);
  h.e_ident[EI_CLASS] = elf_class;
  h.e_machine = EM_X86_64;
  h.e_phoff = sizeof h;
  h.e_phentsize = sizeof(Elf64_Phdr);
  h.e_phnum = 2;
  Elf64_Phdr load{};
  load.p_type = PT_LOAD;
  load.p_vaddr = 0x400000;
  load.p_filesz = str_offset + strtab.size();
  Elf64_Phdr dynamic_segment{};
  dynamic_segment.p_type = dynamic ? PT_DYNAMIC : PT_NOTE;
  dynamic_segment.p_offset = dyn_offset;
  dynamic_segment.p_filesz = dyn.size() * sizeof(Elf64_Dyn);
  std::string out(reinterpret_cast<const char*>(&h), sizeof h);
  out.append(reinterpret_cast<const char*>(&load), sizeof load);
  out.append(reinterpret_cast<const char*>(&dynamic_segment), sizeof dynamic_segment);
  out.append(reinterpret_cast<const char*>(dyn.data()), dyn.size() * sizeof(Elf64_Dyn));
  out += strtab;
  return out;
}

std::optional<PreloadFit> fit_of(const std::string& bytes) {
  TempDir dir;
  const std::string path = dir / "program";
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  const std::optional<PreloadFit> fit = preload_fit(fd);
  close(fd);
  return fit;
}

}  // namespace

TEST_CASE("preload_fit: who may load the x86-64 preload library first") {
  CHECK(fit_of(elf_bytes({"libc.so.6"})) == PreloadFit::kCompatible);
  CHECK(fit_of(elf_bytes({"libm.so.6", "libc.so.6"}, ELFCLASS64, false)) ==
        PreloadFit::kCompatible);  // static: no loader
  CHECK(fit_of("#!/bin/sh\necho hi\n") == PreloadFit::kCompatible);
  CHECK(fit_of(elf_bytes({"libasan.so.8", "libc.so.6"})) == PreloadFit::kIncompatible);
  CHECK(fit_of(elf_bytes({"libc.so.6", "libtsan.so.2"})) == PreloadFit::kIncompatible);
  CHECK(fit_of(elf_bytes({"libclang_rt.asan-x86_64.so"})) == PreloadFit::kIncompatible);
  CHECK(fit_of(elf_bytes({"libc.so.6"}, ELFCLASS32)) == PreloadFit::kIncompatible);
  CHECK(fit_of(std::string("\x7f"
                           "ELF",
                           4)) == std::nullopt);  // cut short: not a program
  CHECK(preload_fit(-1) == std::nullopt);
}

TEST_CASE("PreloadGuard: an exec that must not get the library loses the tracer's entry") {
  FakeTraceeView view;  // the library is not in its files: out of the caller's reach
  PreloadGuard guard(kLib);
  const AbiInfo& abi = host_abi(Abi::kX86_64);
  SUBCASE("the variable was the tracer's alone: later entries move up") {
    put_environment(view, {"A=1", std::string("LD_PRELOAD=") + kLib, "B=2"});
    const std::vector<MemoryEdit> edits = guard.for_exec(exec_args(), abi, view).edits;
    REQUIRE(edits.size() == 1);
    CHECK(edits[0].address == kEnvp + 8);
    std::uint64_t moved[2] = {};
    REQUIRE(edits[0].bytes.size() == sizeof moved);
    std::memcpy(moved, edits[0].bytes.data(), sizeof moved);
    CHECK(moved[0] == 0xb000);  // B=2
    CHECK(moved[1] == 0);
  }
  SUBCASE("the caller's own entries after it stay, in place") {
    put_environment(view, {std::string("LD_PRELOAD=") + kLib + ":/x/libfoo.so"});
    const std::vector<MemoryEdit> edits = guard.for_exec(exec_args(), abi, view).edits;
    REQUIRE(edits.size() == 1);
    CHECK(edits[0].address == 0x9000);
    CHECK(edits[0].bytes == std::string("LD_PRELOAD=/x/libfoo.so") + '\0');
  }
  SUBCASE("no entry of the tracer's, or another library: nothing to edit") {
    put_environment(view, {"LD_PRELOAD=/x/libfoo.so", "A=1"});
    CHECK(guard.for_exec(exec_args(), abi, view).edits.empty());
    put_environment(view, {std::string("LD_PRELOAD=") + kLib + ".old"});
    CHECK(guard.for_exec(exec_args(), abi, view).edits.empty());
  }
  SUBCASE("within reach, and no program to look at: the entry stays") {
    view.files[kLib] = FakeTraceeView::regular(4096);
    put_environment(view, {std::string("LD_PRELOAD=") + kLib});
    CHECK(guard.for_exec(exec_args(), abi, view).edits.empty());
  }
  SUBCASE("an environment that cannot be read is left alone") {
    CHECK(guard.for_exec(exec_args(), abi, view).edits.empty());
  }
}

TEST_CASE("PreloadGuard: the tracer's entry found among many, and across a page boundary") {
  FakeTraceeView view;
  PreloadGuard guard(kLib);
  const AbiInfo& abi = host_abi(Abi::kX86_64);
  const std::string ours = std::string("LD_PRELOAD=") + kLib;
  SUBCASE("the last of 300 entries") {
    std::vector<std::string> entries;
    for (int i = 0; i < 299; ++i) {
      entries.push_back("V" + std::to_string(i) + "=x");
    }
    entries.push_back(ours);
    put_environment(view, entries);
    const std::vector<MemoryEdit> edits = guard.for_exec(exec_args(), abi, view).edits;
    REQUIRE(edits.size() == 1);
    CHECK(edits[0].address == kEnvp + 299 * 8);
    CHECK(edits[0].bytes == std::string(8, '\0'));  // the terminating null moves up
  }
  SUBCASE("a string that starts 16 bytes before its page ends") {
    const std::uint64_t at = 0x9ff0;
    view.put_string(at, ours);
    const std::uint64_t array[3] = {0x5000, at, 0};
    view.put_string(0x5000, "A=1");
    view.put_memory(kEnvp, std::string(reinterpret_cast<const char*>(array), sizeof array));
    const std::vector<MemoryEdit> edits = guard.for_exec(exec_args(), abi, view).edits;
    REQUIRE(edits.size() == 1);
    CHECK(edits[0].address == kEnvp + 8);
  }
}

TEST_CASE("PreloadGuard: the strings of an environment are read a page at a time") {
  FakeTraceeView view;
  PreloadGuard guard(kLib);
  const AbiInfo& abi = host_abi(Abi::kX86_64);
  // 40 strings side by side in one page, as a shell's exported variables are, ours the last.
  std::string block;
  std::vector<std::uint64_t> array;
  for (int i = 0; i < 40; ++i) {
    array.push_back(0x9000 + block.size());
    block += "VARIABLE_" + std::to_string(i) + "=value" + '\0';
  }
  array.push_back(0x9000 + block.size());
  block += std::string("LD_PRELOAD=") + kLib + '\0';
  array.push_back(0);
  // Memory is there by the page, as in a process.
  block.resize(0x1000, 'x');
  std::string pointers(reinterpret_cast<const char*>(array.data()), array.size() * 8);
  pointers.resize(0x1000, '\0');
  view.put_memory(0x9000, block);
  view.put_memory(kEnvp, pointers);
  const std::vector<MemoryEdit> edits = guard.for_exec(exec_args(), abi, view).edits;
  REQUIRE(edits.size() == 1);
  CHECK(edits[0].address == kEnvp + 40 * 8);
  CHECK(edits[0].bytes == std::string(8, '\0'));
  CHECK(view.calls.read_memory == 2);  // the pointer array, then the one page of strings
}

TEST_CASE("PreloadGuard: a program that made no use of the library runs without it") {
  TempDir dir;
  const std::string program = dir / "tool";
  {
    const std::string bytes = elf_bytes({"libc.so.6"});
    const int fd = open(program.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    close(fd);
  }
  FakeTraceeView view;
  view.files[kLib] = FakeTraceeView::regular(4096);
  view.programs["/usr/bin/tool"] = program;
  view.put_string(0x4000, "/usr/bin/tool");
  put_environment(view, {"A=1", std::string("LD_PRELOAD=") + kLib});
  SyscallArgs args = exec_args();
  args.path = 0x4000;
  args.path_dirfd = kAtFdCwd;
  PreloadGuard guard(kLib);
  const AbiInfo& abi = host_abi(Abi::kX86_64);

  const ExecPreload first = guard.for_exec(args, abi, view);
  CHECK(first.edits.empty());
  CHECK(first.library);
  REQUIRE(first.program.has_value());
  CHECK(view.calls.open_file == 1);
  guard.use().exec(20, first.program, first.library);
  guard.use().exited(20);  // no table registered, nothing started

  const int resolves = view.calls.resolve;
  const ExecPreload second = guard.for_exec(args, abi, view);
  CHECK_FALSE(second.library);
  CHECK(second.program == first.program);
  REQUIRE(second.edits.size() == 1);
  CHECK(second.edits[0].address == kEnvp + 8);
  CHECK(view.calls.open_file == 1);       // a program seen before is not opened again
  CHECK(view.calls.resolve == resolves);  // nor is the library looked for

  // An image of it that started a process gives it the library back.
  guard.use().exec(21, second.program, second.library);
  guard.use().spawned(21);
  const ExecPreload third = guard.for_exec(args, abi, view);
  CHECK(third.library);
  CHECK(third.edits.empty());
}

}  // namespace roar::seccomp
