// The warning catalogue: every line the tracer can put in a report's `warnings`, and why.
//
// A warning says what the tracer could not observe, so that nothing is lost silently
// ("Incomplete, never silent", README). Each kind is one fixed text (a parameter at most), so
// that Warnings counts repeats of it and roar can tell the kinds apart. Messages on stderr
// (Logger) are not listed: they are printf formats, which -Wformat checks only where they are
// written as literals.
#pragma once

#include <string>
#include <string_view>

namespace roar::seccomp::warning {

// ---- What a traced call did could not be seen (the notification handler) ---------------------

// /proc would not show the caller's descriptors (a process that is not dumpable, or ptrace
// access denied): every fd-based rule is blind for it. The report is incomplete.
inline constexpr const char* kDescriptorsDenied =
    "the descriptors of a traced process could not be inspected through /proc (it is not "
    "dumpable, or ptrace access to it is denied): reads and writes it made through them "
    "are missing from this report";

// A /proc read about a call failed because the tracer itself ran out of descriptors or memory
// (EMFILE, ENFILE, ENOMEM): what it was for is unknown. The report is incomplete.
inline constexpr const char* kTracerStarved =
    "the tracer ran out of descriptors or memory while it read /proc about a traced call: "
    "files that call read or wrote may be missing from this report";

// The caller's memory could not be read (ptrace_scope, a sandbox): path arguments are lost, and
// byte counts and offsets are guessed on the side of "bytes move". The calls whose paths were
// lost make the report incomplete on their own.
inline constexpr const char* kMemoryUnreadable =
    "could not read a traced process's memory (ptrace access denied?): path arguments of "
    "rename, link, truncate and truncating opens were not seen, and byte counts of "
    "vectored I/O or copy offsets were assumed";

// A walk that could have waited forever on a FUSE file system the traced tree serves itself was
// not made. The report is incomplete.
inline constexpr const char* kWalkRefused =
    "a path argument led into a FUSE file system mounted during the run, which the traced "
    "command may be serving itself: it was not resolved (that could have waited forever), so a "
    "rename, link, truncate or truncating open through it may be missing from this report";

// A call that may move file bytes in a way no rule decodes (or whose arguments could not be
// read): `call` names it, as the syscall table's label or one of the k...Unreadable texts below.
// The report is incomplete.
inline std::string unattributed(std::string_view call) {
  return "what a traced call moved could not be told: " + std::string(call) +
         "; files it read or wrote may be missing from this report";
}

// The tracer itself failed while it looked at a call or recorded it (out of memory, most
// likely): `what` is the failure. The report is incomplete.
inline std::string tracer_failed(std::string_view what) {
  return "the tracer failed while attributing a traced call (" + std::string(what) +
         "): what that call did may be missing from this report";
}

// What unattributed() names when a call's own arguments could not be read.
inline constexpr const char* kIa32MmapUnreadable = "mmap (ia32, arguments in memory)";
inline constexpr const char* kMappingsUnreadable =
    "mprotect (the process's mappings could not be read)";
inline constexpr const char* kCloneRangeUnreadable =
    "ioctl FICLONERANGE (its argument could not be read)";
inline constexpr const char* kIocbsUnreadable = "io_submit (its iocbs could not be read)";

// ---- Processes ----------------------------------------------------------------------------

// A process first seen after its parent died was re-parented to the tracer; /proc no longer
// names its real parent, so the report hangs it under the root, the closest ancestor it knows.
inline constexpr const char* kOrphanUnderRoot =
    "a process whose parent died before the tracer saw it is reported with the root as its "
    "parent";

// The kernel allows one seccomp listener per process and the tracer holds it, so a program
// asking for its own got EBUSY. Said at the end, since a nested roar-seccomp asks too and is no
// news.
inline constexpr const char* kOwnListener =
    "a traced program asked for a seccomp listener of its own; the kernel allows one per "
    "process and this tracer holds it, so the program got EBUSY";

// ---- io_uring -----------------------------------------------------------------------------

// io_uring moves bytes without system calls the filter sees: refused by default, so that the
// program falls back to calls that are seen. The report stays complete.
inline constexpr const char* kIoUringRefused =
    "io_uring_setup was refused with ENOSYS so that the program fell back to system "
    "calls the tracer sees";

// --allow-io-uring let it through: what goes through the ring is not seen. The report is
// incomplete.
inline constexpr const char* kIoUringAllowed =
    "io_uring was allowed (--allow-io-uring): file I/O through io_uring is not in this "
    "report, which is incomplete";

// ---- The run (launch/) ----------------------------------------------------------------------
// The launch code still spells these two itself (launch/run.cpp, launch/background_wait.cpp);
// the texts here are the same, for it to use.

// The command ran untraced (--if-untraceable run, or a nested run whose outer tracer sent no
// report): `cause` says why. The report is incomplete.
inline std::string not_traced(std::string_view cause) {
  return "not traced: " + std::string(cause) +
         "; this report lists the command but none of its processes or files";
}

// --wait-timeout ended background processes: what they would have done later is not seen.
// `seconds` is the timeout as printed with %g.
inline std::string background_killed(std::string_view seconds) {
  return "background processes still running " + std::string(seconds) +
         " s after the command exited were killed (--wait-timeout); what they would have done "
         "later is not in this report";
}

}  // namespace roar::seccomp::warning
