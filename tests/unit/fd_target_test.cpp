// Tests of classify_fd_link: every form of /proc/<tid>/fd link text the kernel prints.
#include "roar/seccomp/attribution/fd_target.hpp"

#include <doctest/doctest.h>

#include <string>

namespace roar::seccomp {

TEST_CASE("classify_fd_link: paths") {
  SUBCASE("an ordinary path is kept whole") {
    const FdTarget t = classify_fd_link("/a/b");
    CHECK(t.kind == TargetKind::kPath);
    CHECK(t.path == "/a/b");
  }
  SUBCASE("newlines and bytes that are not UTF-8 are path bytes like any other") {
    const std::string odd = std::string("/d/new\nline\xff\xfe") + '\x80';
    const FdTarget t = classify_fd_link(odd);
    CHECK(t.kind == TargetKind::kPath);
    CHECK(t.path == odd);
  }
  SUBCASE("an unlinked file loses the suffix") {
    const FdTarget t = classify_fd_link("/tmp/f (deleted)");
    CHECK(t.kind == TargetKind::kDeleted);
    CHECK(t.path == "/tmp/f");
  }
  SUBCASE("the suffix only counts at the very end") {
    const FdTarget t = classify_fd_link("/tmp/f (deleted)/g");
    CHECK(t.kind == TargetKind::kPath);
    CHECK(t.path == "/tmp/f (deleted)/g");
  }
  SUBCASE("a name that is only the suffix") {
    const FdTarget t = classify_fd_link("/ (deleted)");
    CHECK(t.kind == TargetKind::kDeleted);
    CHECK(t.path == "/");
  }
}

TEST_CASE("classify_fd_link: objects without a path") {
  CHECK(classify_fd_link("pipe:[12]").kind == TargetKind::kPipe);
  CHECK(classify_fd_link("socket:[3]").kind == TargetKind::kSocket);
  CHECK(classify_fd_link("anon_inode:[eventfd]").kind == TargetKind::kAnonymous);
  CHECK(classify_fd_link("anon_inode:inotify").kind == TargetKind::kAnonymous);
  CHECK(classify_fd_link("mnt:[4026531840]").kind == TargetKind::kAnonymous);
  CHECK(classify_fd_link("").kind == TargetKind::kAnonymous);
  CHECK(classify_fd_link("/memfd:x (deleted)").kind == TargetKind::kMemfd);
  CHECK(classify_fd_link("/memfd:with space (deleted)").kind == TargetKind::kMemfd);
  // Only paths carry one: a pipe's "path" must not leak into the report.
  CHECK(classify_fd_link("pipe:[12]").path.empty());
  CHECK(classify_fd_link("/memfd:x (deleted)").path.empty());
}

}  // namespace roar::seccomp
