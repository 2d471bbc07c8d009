// Tests of the /proc/<pid>/maps and smaps parser.
#include "roar/seccomp/proc/proc_maps.hpp"

#include <doctest/doctest.h>
#include <sys/sysmacros.h>

namespace roar::seccomp {

namespace {

constexpr const char* kMaps =
    "55d0c0000000-55d0c0001000 r--p 00000000 fd:01 1234                       /usr/bin/prog\n"
    "7f0000000000-7f0000002000 r--s 00000000 fd:01 42                         /w/out\\012x\n"
    "7f0000002000-7f0000003000 rw-p 00000000 00:00 0 \n"
    "7f0000003000-7f0000004000 rw-s 00000000 00:01 7                          /dev/zero (deleted)\n"
    "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]\n";

constexpr const char* kSmaps =
    "7f0000000000-7f0000002000 r--s 00000000 fd:01 42                         /w/a\n"
    "Size:                  8 kB\n"
    "VmFlags: rd sh mr mw me ms sd\n"
    "7f0000002000-7f0000004000 r--s 00000000 fd:01 43                         /w/b\n"
    "Size:                  8 kB\n"
    "VmFlags: rd mr me ms sd\n"
    "7f0000004000-7f0000005000 r--p 00000000 fd:01 44                         /w/c\n"
    "VmFlags: rd mr mw me sd\n";

}  // namespace

TEST_CASE("parse_maps: fields of each mapping in the range") {
  const std::vector<Mapping> all = parse_maps(kMaps, 0, UINT64_MAX);
  REQUIRE(all.size() == 5);
  CHECK(all[0].start == 0x55d0c0000000);
  CHECK(all[0].end == 0x55d0c0001000);
  CHECK_FALSE(all[0].shared);
  CHECK(all[0].may_write);  // private mappings may always become writable
  CHECK(all[0].id == FileId{makedev(0xfd, 0x01), 1234});
  CHECK(all[0].name == "/usr/bin/prog");
  // A shared mapping: whether it may become writable is only in smaps.
  CHECK(all[1].shared);
  CHECK_FALSE(all[1].may_write);
  CHECK(all[1].name == "/w/out\nx");  // the kernel prints a newline as \012
  // Anonymous memory has no file: no identity, no name.
  CHECK(all[2].id == FileId{});
  CHECK(all[2].name.empty());
  CHECK(all[3].name == "/dev/zero (deleted)");
  CHECK(all[4].name == "[stack]");
}

TEST_CASE("parse_maps: only mappings that overlap the range, whose end is excluded") {
  const std::vector<Mapping> some = parse_maps(kMaps, 0x7f0000001000, 0x7f0000003000);
  REQUIRE(some.size() == 2);
  CHECK(some[0].start == 0x7f0000000000);
  CHECK(some[1].start == 0x7f0000002000);
  CHECK(parse_maps(kMaps, 0x7f0000004000, 0x7f0000005000).empty());  // end is exclusive
}

TEST_CASE("parse_maps: smaps VmFlags tell whether a shared mapping may become writable") {
  const std::vector<Mapping> m = parse_maps(kSmaps, 0, UINT64_MAX);
  REQUIRE(m.size() == 3);
  CHECK(m[0].may_write);        // "mw": its file was open for writing when mapped
  CHECK_FALSE(m[1].may_write);  // no "mw": a read-only descriptor
  CHECK(m[2].may_write);
  // The flags of a mapping outside the range do not land on another one.
  const std::vector<Mapping> second = parse_maps(kSmaps, 0x7f0000002000, 0x7f0000003000);
  REQUIRE(second.size() == 1);
  CHECK_FALSE(second[0].may_write);
}

TEST_CASE("parse_maps: garbage is skipped, never misread") {
  CHECK(parse_maps("", 0, UINT64_MAX).empty());
  CHECK(parse_maps("not a mapping\nSize: 4 kB\n", 0, UINT64_MAX).empty());
  CHECK(parse_maps("zzzz-1000 r--p 0 00:00 0\n", 0, UINT64_MAX).empty());
  CHECK(parse_maps("1000-2000 r--p 0 xx 0\n", 0, UINT64_MAX).empty());
  // No trailing newline: the last line still counts.
  CHECK(parse_maps("1000-2000 rw-s 0 08:01 9 /f", 0, UINT64_MAX).size() == 1);
}

}  // namespace roar::seccomp
