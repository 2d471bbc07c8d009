// msgpack encoding and decoding of the report, in the shape roar's rmp_serde tracers write.
#include "roar/seccomp/report/report.hpp"

#include <msgpack.hpp>

#include "roar/seccomp/report/report_layout.hpp"

namespace roar::seccomp {
namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

void pack_str(Packer& pk, std::string_view s) {
  pk.pack_str(static_cast<std::uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

// write_report's output as msgpack: strings are made valid UTF-8 (Python's unpackb(raw=False)
// rejects a whole report over one bad str), a path is str when it is UTF-8, else bin (roar skips
// non-str paths instead of failing).
class MsgpackOut {
 public:
  explicit MsgpackOut(Packer& pk) : pk_(pk) {}
  void begin_map(std::size_t n) { pk_.pack_map(static_cast<std::uint32_t>(n)); }
  void end_map() {}
  void begin_array(std::size_t n) { pk_.pack_array(static_cast<std::uint32_t>(n)); }
  void end_array() {}
  void key(std::string_view name) { pack_str(pk_, name); }
  void entry(std::string_view name) { text(name); }
  void text(std::string_view s) { pack_str(pk_, to_valid_utf8(s)); }
  void path(std::string_view p) {
    if (is_valid_utf8(p)) {
      pack_str(pk_, p);
    } else {
      pk_.pack_bin(static_cast<std::uint32_t>(p.size()));
      pk_.pack_bin_body(p.data(), static_cast<std::uint32_t>(p.size()));
    }
  }
  template <typename T>
  void integer(T v) {
    pk_.pack(v);
  }
  void real(double v) { pk_.pack_double(v); }
  void boolean(bool v) { pk_.pack(v); }
  void nil() { pk_.pack_nil(); }

 private:
  Packer& pk_;
};

// ---- decoding ------------------------------------------------------------------------------

struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string as_bytes(const msgpack::object& o) {
  if (o.type == msgpack::type::STR) {
    return std::string(o.via.str.ptr, o.via.str.size);
  }
  if (o.type == msgpack::type::BIN) {
    return std::string(o.via.bin.ptr, o.via.bin.size);
  }
  throw DecodeError("expected str or bin");
}

const msgpack::object_kv* find(const msgpack::object& map, std::string_view key) {
  if (map.type != msgpack::type::MAP) {
    throw DecodeError("expected a map");
  }
  for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
    const msgpack::object_kv& kv = map.via.map.ptr[i];
    if (kv.key.type == msgpack::type::STR &&
        std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == key) {
      return &kv;
    }
  }
  return nullptr;
}

const msgpack::object_array& as_array(const msgpack::object& o, const char* what) {
  if (o.type != msgpack::type::ARRAY) {
    throw DecodeError(std::string(what) + ": expected an array");
  }
  return o.via.array;
}

std::vector<int> as_ints(const msgpack::object& o) {
  std::vector<int> out;
  const msgpack::object_array& a = as_array(o, "thread ids");
  for (std::uint32_t i = 0; i < a.size; ++i) {
    out.push_back(a.ptr[i].as<int>());
  }
  return out;
}

std::map<std::string, std::string> as_env(const msgpack::object& o) {
  std::map<std::string, std::string> env;
  if (o.type != msgpack::type::MAP) {
    throw DecodeError("env: expected a map");
  }
  for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
    env.emplace(as_bytes(o.via.map.ptr[i].key), as_bytes(o.via.map.ptr[i].val));
  }
  return env;
}

ReportProcess as_process(const msgpack::object& o) {
  ReportProcess p;
  if (const auto* kv = find(o, "pid"))
    p.pid = kv->val.as<int>();
  if (const auto* kv = find(o, "parent_pid"); kv && kv->val.type != msgpack::type::NIL) {
    p.parent_pid = kv->val.as<int>();
  }
  if (const auto* kv = find(o, "command")) {
    const msgpack::object_array& a = as_array(kv->val, "command");
    for (std::uint32_t i = 0; i < a.size; ++i) {
      p.command.push_back(as_bytes(a.ptr[i]));
    }
  }
  if (const auto* kv = find(o, "env"))
    p.env = as_env(kv->val);
  return p;
}

ReportFile as_file(const msgpack::object& o) {
  ReportFile f;
  if (const auto* kv = find(o, "path"))
    f.path = as_bytes(kv->val);
  if (const auto* kv = find(o, "read"))
    f.read = kv->val.as<bool>();
  if (const auto* kv = find(o, "written"))
    f.written = kv->val.as<bool>();
  if (const auto* kv = find(o, "read_threads"))
    f.read_threads = as_ints(kv->val);
  if (const auto* kv = find(o, "written_threads"))
    f.written_threads = as_ints(kv->val);
  return f;
}

Report as_report(const msgpack::object& root) {
  Report r;
  if (const auto* kv = find(root, "version"))
    r.version = kv->val.as<int>();
  if (const auto* kv = find(root, "processes")) {
    const msgpack::object_array& a = as_array(kv->val, "processes");
    for (std::uint32_t i = 0; i < a.size; ++i) {
      r.processes.push_back(as_process(a.ptr[i]));
    }
  }
  if (const auto* kv = find(root, "files")) {
    const msgpack::object_array& a = as_array(kv->val, "files");
    for (std::uint32_t i = 0; i < a.size; ++i) {
      r.files.push_back(as_file(a.ptr[i]));
    }
  }
  if (const auto* kv = find(root, "env_accessed"))
    r.env_accessed = as_env(kv->val);
  if (const auto* kv = find(root, "start_time"))
    r.start_time = kv->val.as<double>();
  if (const auto* kv = find(root, "end_time"))
    r.end_time = kv->val.as<double>();
  if (const auto* kv = find(root, "tracer_mode"))
    r.tracer_mode = as_bytes(kv->val);
  if (const auto* kv = find(root, "events_dropped"))
    r.events_dropped = kv->val.as<std::uint64_t>();
  if (const auto* kv = find(root, "complete"))
    r.complete = kv->val.as<bool>();
  if (const auto* kv = find(root, "warnings")) {
    const msgpack::object_array& a = as_array(kv->val, "warnings");
    for (std::uint32_t i = 0; i < a.size; ++i) {
      r.warnings.push_back(as_bytes(a.ptr[i]));
    }
  }
  return r;
}

}  // namespace

std::string encode_report(const Report& r) {
  msgpack::sbuffer buffer;
  Packer pk(&buffer);
  MsgpackOut out(pk);
  write_report(r, out);
  return std::string(buffer.data(), buffer.size());
}

Result<Report> decode_report(std::string_view bytes) {
  if (bytes.empty()) {
    return Error{EINVAL, "empty file, not a report"};
  }
  // Bounds keep a corrupt length field from asking for gigabytes before failing.
  const msgpack::unpack_limit limits(1U << 21, 1U << 21, 1U << 20, 1U << 20, 1U << 20, 64);
  try {
    std::size_t offset = 0;
    const msgpack::object_handle handle =
        msgpack::unpack(bytes.data(), bytes.size(), offset, nullptr, nullptr, limits);
    if (handle.get().type != msgpack::type::MAP) {
      throw DecodeError("the file holds one msgpack value that is not a map");
    }
    if (offset != bytes.size()) {
      throw DecodeError("bytes after the report map");
    }
    return as_report(handle.get());
  } catch (const msgpack::insufficient_bytes&) {
    return Error{EINVAL, "truncated: the file ends inside the msgpack data"};
  } catch (const msgpack::parse_error&) {
    return Error{EINVAL, "not msgpack: the file holds bytes that no msgpack value starts with"};
  } catch (const msgpack::size_overflow&) {
    return Error{EINVAL, "not a roar-seccomp report: a list or string is larger than any report's"};
  } catch (const msgpack::type_error&) {
    return Error{EINVAL, "not a roar-seccomp report: a value has the wrong type"};
  } catch (const std::exception& e) {
    return Error{EINVAL, std::string("not a roar-seccomp report: ") + e.what()};
  }
}

}  // namespace roar::seccomp
