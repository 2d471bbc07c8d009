// Tests of finding FUSE file systems in mountinfo and telling those mounted during the run.
#include "roar/seccomp/proc/fuse_mounts.hpp"

#include <doctest/doctest.h>
#include <sys/sysmacros.h>

namespace roar::seccomp {

namespace {
// Real lines (proc_pid_mountinfo(5)), with optional fields and an escaped space in a path.
constexpr std::string_view kMountinfo =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "41 22 0:38 / /home/u/remote rw,nosuid,nodev shared:20 - fuse.sshfs host:/ rw,user_id=1000\n"
    "42 22 0:39 / /mnt/with\\040space rw - fuse fx_fuse rw,user_id=0,group_id=0\n"
    "43 22 8:17 / /media/usb rw master:3 - fuseblk /dev/sdb1 rw\n"
    "44 22 0:40 / /fused rw - tmpfs fuse rw\n"  // a tmpfs whose source is named "fuse"
    "45 22 0:41 / /odd - fusectl fusectl rw\n"
    "garbage without the separator\n"
    "46 22 notadevice / /x rw - fuse x rw";
}  // namespace

TEST_CASE("fuse_devices: fuse, fuseblk and fuse.* types, nothing else") {
  const std::vector<dev_t> devices = fuse_devices(kMountinfo);
  CHECK(devices == std::vector<dev_t>{makedev(0, 38), makedev(0, 39), makedev(8, 17)});
  CHECK(fuse_devices("").empty());
}

TEST_CASE("FuseMounts: only file systems mounted since the snapshot count") {
  const FuseMounts before(
      fuse_devices("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                   "41 22 0:38 / /home/u/remote rw - fuse.sshfs host:/ rw\n"));
  CHECK_FALSE(before.any_new("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"));
  // The same file system seen again from another mount namespace: not new.
  CHECK_FALSE(before.any_new("90 80 0:38 / /elsewhere rw - fuse.sshfs host:/ rw\n"));
  CHECK(before.any_new(kMountinfo));
  CHECK(FuseMounts().any_new("1 1 0:50 / /m rw - fuse f rw\n"));
}

}  // namespace roar::seccomp
