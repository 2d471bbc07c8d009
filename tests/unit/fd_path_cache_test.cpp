// Tests of FdPathCache and CachingView: a cached link lives exactly until its fd may be released.
#include "roar/seccomp/attribution/fd_path_cache.hpp"

#include <doctest/doctest.h>

#include <string>

#include "fake_tracee_view.hpp"

namespace roar::seccomp {
namespace {

constexpr int kPid = 20;
constexpr int kTid = 21;

std::string cached(const FdPathCache& cache, int pid, int fd) {
  const std::string* link = cache.find(pid, fd);
  return link != nullptr ? *link : std::string("<none>");
}

}  // namespace

TEST_CASE("FdPathCache: entries per process and descriptor") {
  FdPathCache cache;
  CHECK(cache.enabled());
  CHECK(cache.find(kPid, 3) == nullptr);
  cache.insert(kPid, 3, "/a");
  cache.insert(kPid, 4, "/b");
  cache.insert(kPid + 1, 3, "/other");
  CHECK(cached(cache, kPid, 3) == "/a");
  CHECK(cached(cache, kPid, 4) == "/b");
  CHECK(cached(cache, kPid + 1, 3) == "/other");

  SUBCASE("a descriptor that may be closed unseen is forgotten, the others stay") {
    cache.forget_fd(kPid, 3);
    cache.forget_fd(kPid + 2, 3);  // a process with nothing cached
    CHECK(cache.find(kPid, 3) == nullptr);
    CHECK(cached(cache, kPid, 4) == "/b");
    CHECK(cached(cache, kPid + 1, 3) == "/other");
  }
  SUBCASE("a release forgets its range and stores nothing until the thread traps again") {
    cache.release_started(kPid, kTid, std::pair<std::uint32_t, std::uint32_t>{3, 3});
    CHECK(cache.find(kPid, 3) == nullptr);
    CHECK(cached(cache, kPid, 4) == "/b");
    CHECK(cached(cache, kPid + 1, 3) == "/other");
    // Read while the close may not have run yet: the link may be the old file's.
    cache.insert(kPid, 3, "/stale");
    CHECK(cache.find(kPid, 3) == nullptr);
    // Another process is not affected.
    cache.insert(kPid + 1, 5, "/c");
    CHECK(cached(cache, kPid + 1, 5) == "/c");
    cache.release_done(kTid + 5);  // some other thread: the release is still in flight
    cache.insert(kPid, 3, "/stale");
    CHECK(cache.find(kPid, 3) == nullptr);
    cache.release_done(kTid);
    cache.insert(kPid, 3, "/new");
    CHECK(cached(cache, kPid, 3) == "/new");
  }
  SUBCASE("close_range up to ~0U and exec forget every descriptor of the process") {
    cache.release_started(kPid, kTid, std::pair<std::uint32_t, std::uint32_t>{0, 0xffffffffU});
    CHECK(cache.find(kPid, 3) == nullptr);
    CHECK(cache.find(kPid, 4) == nullptr);
    cache.release_done(kTid);
    cache.insert(kPid, 4, "/b");
    cache.release_started(kPid, kTid, std::nullopt);
    CHECK(cache.find(kPid, 4) == nullptr);
    CHECK(cached(cache, kPid + 1, 3) == "/other");
  }
  SUBCASE("two threads releasing at once: stores resume when both are done") {
    cache.release_started(kPid, kTid, std::pair<std::uint32_t, std::uint32_t>{3, 3});
    cache.release_started(kPid, kTid + 1, std::pair<std::uint32_t, std::uint32_t>{4, 4});
    cache.release_done(kTid);
    cache.insert(kPid, 3, "/x");
    CHECK(cache.find(kPid, 3) == nullptr);
    cache.release_done(kTid + 1);
    cache.insert(kPid, 3, "/x");
    CHECK(cached(cache, kPid, 3) == "/x");
  }
  SUBCASE("a rename or link anywhere may change any path") {
    cache.paths_changing(kTid);
    CHECK(cache.find(kPid, 3) == nullptr);
    CHECK(cache.find(kPid + 1, 3) == nullptr);
    cache.insert(kPid + 1, 3, "/other");
    CHECK(cache.find(kPid + 1, 3) == nullptr);
    cache.release_done(kTid);
    cache.insert(kPid + 1, 3, "/other");
    CHECK(cached(cache, kPid + 1, 3) == "/other");
  }
  SUBCASE("a process that is gone takes its entries and its releases along") {
    cache.release_started(kPid, kTid, std::pair<std::uint32_t, std::uint32_t>{9, 9});
    cache.forget_process(kPid);
    CHECK(cache.find(kPid, 3) == nullptr);
    CHECK(cached(cache, kPid + 1, 3) == "/other");
    // A new process with the same pid starts afresh.
    cache.insert(kPid, 3, "/reused");
    CHECK(cached(cache, kPid, 3) == "/reused");
  }
  SUBCASE("disabled for good") {
    cache.disable();
    CHECK_FALSE(cache.enabled());
    CHECK(cache.find(kPid, 3) == nullptr);
    cache.insert(kPid, 3, "/a");
    CHECK(cache.find(kPid, 3) == nullptr);
  }
}

TEST_CASE("CachingView: answers from the cache and hands back what it had to read") {
  FakeTraceeView inner;
  inner.add_file(3, "/a", FdAccess{true, false}, 1);
  inner.add_file(4, "/b", FdAccess{true, false}, 1);
  FdPathCache cache;
  cache.insert(kPid, 3, "/cached-a");

  CachingView view(inner, cache, kPid);
  CHECK(view.fd_link(3) == std::optional<std::string>("/cached-a"));
  CHECK(inner.calls.fd_link == 0);
  CHECK(view.fd_link(4) == std::optional<std::string>("/b"));
  CHECK(inner.calls.fd_link == 1);
  CHECK_FALSE(view.fd_link(5).has_value());
  const auto reads = view.take_reads();
  REQUIRE(reads.size() == 1);
  CHECK(reads[0].first == 4);
  CHECK(reads[0].second == "/b");
  // Paired with the real view, everything else goes to it.
  const CallerView caller(view, inner);
  CHECK(caller.fds.fd_stat(3)->size == 1);
  CHECK(inner.calls.fd_stat == 1);
  const int links_read = inner.calls.fd_link;
  CHECK(caller.links.fd_link(3) == std::optional<std::string>("/cached-a"));
  CHECK(inner.calls.fd_link == links_read);

  SUBCASE("another process's entries are not this one's") {
    CachingView other(inner, cache, kPid + 1);
    CHECK(other.fd_link(3) == std::optional<std::string>("/a"));
  }
}

}  // namespace roar::seccomp
