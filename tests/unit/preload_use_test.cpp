// Tests of PreloadUse: which programs stop getting the fast path's library.
#include "roar/seccomp/attribution/preload_use.hpp"

#include <doctest/doctest.h>

namespace roar::seccomp {
namespace {

constexpr FileId kTrue{1, 10};
constexpr FileId kCat{1, 11};

// A run in which one image of `program` was given the library and used nothing of it.
PreloadUse after_an_idle_image_of(FileId program) {
  PreloadUse use;
  use.exec(20, program, true);
  use.exited(20);
  return use;
}

}  // namespace

TEST_CASE("PreloadUse: a program whose image used nothing of the library goes without it") {
  PreloadUse use;
  use.exec(20, kTrue, true);
  CHECK_FALSE(use.skip(kTrue));  // nothing known until the image ends
  use.exited(20);
  CHECK(use.skip(kTrue));
  CHECK_FALSE(use.skip(kCat));
  CHECK(after_an_idle_image_of(kCat).skip(kCat));
}

TEST_CASE("PreloadUse: what keeps the library for a program") {
  PreloadUse use;
  SUBCASE("its image registered a table") {
    use.exec(20, kCat, true);
    use.registered(20);
    use.exited(20);
  }
  SUBCASE("its image started a process, which inherited the library") {
    use.exec(20, kCat, true);
    use.spawned(20);
    use.exited(20);
  }
  SUBCASE("its image made an exec, handing its environment on") {
    use.exec(20, kCat, true);
    use.exec(20, kTrue, true);
    use.exited(20);
    CHECK(use.skip(kTrue));
  }
  SUBCASE("one idle image, but another one of it registered") {
    use = after_an_idle_image_of(kCat);
    use.exec(21, kCat, false);
    use.exec(22, kCat, true);  // given it all the same (an environment the guard did not edit)
    use.registered(22);
  }
  CHECK_FALSE(use.skip(kCat));
}

TEST_CASE("PreloadUse: an image without the library gives it back to its program") {
  PreloadUse use = after_an_idle_image_of(kCat);
  SUBCASE("by many notified reads and writes") {
    use.exec(21, kCat, false);
    for (unsigned i = 1; i < PreloadUse::kNotifiedIoWorthTheLibrary; ++i) {
      use.notified_io(21);
    }
    CHECK(use.skip(kCat));
    use.notified_io(21);
    CHECK_FALSE(use.skip(kCat));
  }
  SUBCASE("by starting processes, which went without it too") {
    use.exec(21, kCat, false);
    use.spawned(21);
    CHECK_FALSE(use.skip(kCat));
  }
  SUBCASE("an image with the library counts no notified I/O: the library saw it") {
    use.exec(21, kCat, true);
    for (unsigned i = 0; i < 2 * PreloadUse::kNotifiedIoWorthTheLibrary; ++i) {
      use.notified_io(21);
    }
    CHECK(use.skip(kCat));
  }
}

TEST_CASE("PreloadUse: images it does not follow") {
  PreloadUse use;
  use.registered(5);  // no exec seen: nothing to decide for
  use.spawned(5);
  use.notified_io(5);
  use.exited(5);
  use.exec(20, kTrue, true);
  use.exec(20, std::nullopt, true);  // a program that could not be looked at
  use.exited(20);
  CHECK_FALSE(use.skip(kTrue));
}

}  // namespace roar::seccomp
