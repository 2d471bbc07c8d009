// Tests of parse_command_line: roar's form, commands that look like options, --preflight.
#include "roar/seccomp/launch/cli.hpp"

#include <doctest/doctest.h>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "roar/seccomp/launch/exit_status.hpp"
#include "roar/seccomp/util/version.hpp"

namespace roar::seccomp {
namespace {

using Args = std::vector<std::string>;

// Captures what parsing prints, so that help and errors can be checked and stay off the console.
struct Parsed {
  ParsedCommandLine result;
  std::string out;
  std::string err;
};

Parsed parse(const Args& args) {
  std::ostringstream out;
  std::ostringstream err;
  std::streambuf* old_out = std::cout.rdbuf(out.rdbuf());
  std::streambuf* old_err = std::cerr.rdbuf(err.rdbuf());
  Parsed p{parse_command_line(args), {}, {}};
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  p.out = out.str();
  p.err = err.str();
  return p;
}

// Parses a command line that must be accepted.
Options accepted(const Args& args) {
  const Parsed p = parse(args);
  CAPTURE(p.err);
  REQUIRE_FALSE(p.result.exit_code.has_value());
  CHECK(p.out.empty());
  return p.result.options;
}

}  // namespace

TEST_CASE("parse_command_line: REPORT and the command") {
  SUBCASE("with --") {
    const Options o = accepted({"r.msgpack", "--", "cmd", "a"});
    CHECK(o.report == "r.msgpack");
    CHECK(o.command == Args{"cmd", "a"});
  }
  SUBCASE("roar's form, without --") {
    const Options o = accepted({"r.msgpack", "cmd", "a"});
    CHECK(o.report == "r.msgpack");
    CHECK(o.command == Args{"cmd", "a"});
  }
  SUBCASE("options before REPORT are ours") {
    const Options o = accepted({"-v", "r.msgpack", "cmd"});
    CHECK(o.verbose == 1);
    CHECK(o.report == "r.msgpack");
    CHECK(o.command == Args{"cmd"});
  }
  SUBCASE("-- before REPORT") {
    const Options o = accepted({"--", "r.msgpack", "cmd"});
    CHECK(o.report == "r.msgpack");
    CHECK(o.command == Args{"cmd"});
  }
  SUBCASE("options after the command's name belong to the command") {
    const Options o = accepted({"r.msgpack", "cmd", "--help", "-v", "--", "x"});
    CHECK(o.command == Args{"cmd", "--help", "-v", "--", "x"});
    CHECK(o.verbose == 0);
  }
  SUBCASE("a command that starts with '-'") {
    CHECK(accepted({"r.msgpack", "--", "-x"}).command == Args{"-x"});
    const Options o = accepted({"r.msgpack", "-v"});
    CHECK(o.command == Args{"-v"});
    CHECK(o.verbose == 0);
  }
  SUBCASE("a second -- after REPORT is the command's") {
    CHECK(accepted({"r.msgpack", "--", "--", "x"}).command == Args{"--", "x"});
  }
  SUBCASE("arguments are kept verbatim") {
    CHECK(accepted({"r", "sh", "-c", "echo \"$1\" > out", "", "a b"}).command ==
          Args{"sh", "-c", "echo \"$1\" > out", "", "a b"});
  }
}

TEST_CASE("parse_command_line: log levels and flags") {
  CHECK(accepted({"r", "cmd"}).log_level() == LogLevel::kWarn);
  CHECK(accepted({"-v", "r", "cmd"}).log_level() == LogLevel::kInfo);
  CHECK(accepted({"-vv", "r", "cmd"}).log_level() == LogLevel::kDebug);
  CHECK(accepted({"-v", "--verbose", "r", "cmd"}).log_level() == LogLevel::kDebug);
  CHECK(accepted({"-q", "r", "cmd"}).log_level() == LogLevel::kError);
  CHECK(accepted({"--quiet", "r", "cmd"}).quiet);
  CHECK_FALSE(accepted({"r", "cmd"}).allow_io_uring);
  CHECK(accepted({"--allow-io-uring", "r", "cmd"}).allow_io_uring);
}

TEST_CASE("parse_command_line: --wait-timeout") {
  CHECK_FALSE(accepted({"r", "cmd"}).wait_timeout.has_value());
  const Options o = accepted({"--wait-timeout", "2.5", "r", "cmd", "x"});
  CHECK(o.wait_timeout == std::optional<double>(2.5));
  // The value is the option's, not REPORT.
  CHECK(o.report == "r");
  CHECK(o.command == Args{"cmd", "x"});
  CHECK(accepted({"--wait-timeout=0", "r", "cmd"}).wait_timeout == std::optional<double>(0.0));
  for (const Args& args :
       {Args{"--wait-timeout", "-1", "r", "cmd"}, Args{"--wait-timeout", "soon", "r", "cmd"}}) {
    CAPTURE(args[1]);
    const Parsed p = parse(args);
    REQUIRE(p.result.exit_code.has_value());
    CHECK(*p.result.exit_code == kExitTracerFailed);
    CHECK_FALSE(p.err.empty());
  }
}

TEST_CASE("parse_command_line: --if-untraceable") {
  CHECK(accepted({"r", "cmd"}).if_untraceable == "fail");
  CHECK(accepted({"--if-untraceable", "run", "r", "cmd"}).if_untraceable == "run");
  const Options o = accepted({"--if-untraceable=fail", "r", "cmd"});
  CHECK(o.if_untraceable == "fail");
  CHECK(o.report == "r");
  const Parsed bad = parse({"--if-untraceable", "maybe", "r", "cmd"});
  REQUIRE(bad.result.exit_code.has_value());
  CHECK(*bad.result.exit_code == kExitTracerFailed);
  CHECK_FALSE(bad.err.empty());
}

TEST_CASE("parse_command_line: usage errors exit 125 with a message") {
  for (const Args& args : {Args{}, Args{"r.msgpack"}, Args{"r.msgpack", "--"}, Args{"--"},
                           Args{"-v"}, Args{"--bogus", "r", "cmd"}, Args{"--json", "r", "cmd"},
                           Args{"--command", "ls", "r", "cmd"}}) {
    CAPTURE(args.size());
    const Parsed p = parse(args);
    REQUIRE(p.result.exit_code.has_value());
    CHECK(*p.result.exit_code == kExitTracerFailed);
    CHECK_FALSE(p.err.empty());
    CHECK(p.out.empty());
  }
}

TEST_CASE("parse_command_line: --preflight") {
  SUBCASE("with --json and --command") {
    const Options o = accepted({"--preflight", "--json", "--command", "python3"});
    CHECK(o.preflight);
    CHECK(o.json);
    CHECK(o.preflight_command == "python3");
    CHECK(o.report.empty());
    CHECK(o.command.empty());
  }
  SUBCASE("--command=VALUE") {
    CHECK(accepted({"--preflight", "--command=ls"}).preflight_command == "ls");
  }
  SUBCASE("alone") {
    const Options o = accepted({"--preflight"});
    CHECK(o.preflight);
    CHECK_FALSE(o.json);
    CHECK(o.preflight_command.empty());
  }
  SUBCASE("bad flags exit 2, as roar's preflight protocol says") {
    for (const Args& args : {Args{"--preflight", "--bogus"}, Args{"--preflight", "r", "cmd"},
                             Args{"--preflight", "--command"}}) {
      CAPTURE(args.size());
      const Parsed p = parse(args);
      REQUIRE(p.result.exit_code.has_value());
      CHECK(*p.result.exit_code == 2);
      CHECK_FALSE(p.err.empty());
    }
  }
}

TEST_CASE("parse_command_line: --help and --version exit 0 on stdout") {
  SUBCASE("--version") {
    const Parsed p = parse({"--version"});
    REQUIRE(p.result.exit_code.has_value());
    CHECK(*p.result.exit_code == 0);
    CHECK(p.out.find(kVersion) != std::string::npos);
  }
  SUBCASE("--help lists every option") {
    const Parsed p = parse({"--help"});
    REQUIRE(p.result.exit_code.has_value());
    CHECK(*p.result.exit_code == 0);
    for (const char* option :
         {"--preflight", "--json", "--command", "--verbose", "--quiet", "--allow-io-uring",
          "--wait-timeout", "--if-untraceable", "--version", "--help", "REPORT"}) {
      const std::string captured = option;
      CAPTURE(captured);
      CHECK(p.out.find(option) != std::string::npos);
    }
    CHECK(p.err.empty());
  }
  SUBCASE("-h") {
    const Parsed p = parse({"-h"});
    REQUIRE(p.result.exit_code.has_value());
    CHECK(*p.result.exit_code == 0);
  }
}

}  // namespace roar::seccomp
