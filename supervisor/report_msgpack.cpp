// msgpack encoding and decoding of the report, in the shape roar's rmp_serde tracers write.
#include <msgpack.hpp>

#include "roar/seccomp/report.hpp"

namespace roar::seccomp {
namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

void pack_str(Packer& pk, std::string_view s) {
  pk.pack_str(static_cast<std::uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

// A path is bytes: str when it is UTF-8, else bin (roar skips non-str paths instead of failing).
void pack_path(Packer& pk, std::string_view path) {
  if (is_valid_utf8(path)) {
    pack_str(pk, path);
  } else {
    pk.pack_bin(static_cast<std::uint32_t>(path.size()));
    pk.pack_bin_body(path.data(), static_cast<std::uint32_t>(path.size()));
  }
}

void pack_text(Packer& pk, std::string_view s) {
  pack_str(pk, to_valid_utf8(s));
}

void pack_env(Packer& pk, const std::map<std::string, std::string>& env) {
  pk.pack_map(static_cast<std::uint32_t>(env.size()));
  for (const auto& [key, value] : env) {
    pack_text(pk, key);
    pack_text(pk, value);
  }
}

void pack_ints(Packer& pk, const std::vector<int>& v) {
  pk.pack_array(static_cast<std::uint32_t>(v.size()));
  for (int x : v) {
    pk.pack(x);
  }
}

void pack_process(Packer& pk, const ReportProcess& p) {
  pk.pack_map(4);
  pack_str(pk, "pid");
  pk.pack(p.pid);
  pack_str(pk, "parent_pid");
  if (p.parent_pid) {
    pk.pack(*p.parent_pid);
  } else {
    pk.pack_nil();
  }
  pack_str(pk, "command");
  pk.pack_array(static_cast<std::uint32_t>(p.command.size()));
  for (const std::string& arg : p.command) {
    pack_text(pk, arg);
  }
  pack_str(pk, "env");
  pack_env(pk, p.env);
}

void pack_file(Packer& pk, const ReportFile& f) {
  const bool threads_r = !f.read_threads.empty();
  const bool threads_w = !f.written_threads.empty();
  pk.pack_map(3 + (threads_r ? 1U : 0U) + (threads_w ? 1U : 0U));
  pack_str(pk, "path");
  pack_path(pk, f.path);
  pack_str(pk, "read");
  pk.pack(f.read);
  pack_str(pk, "written");
  pk.pack(f.written);
  if (threads_r) {
    pack_str(pk, "read_threads");
    pack_ints(pk, f.read_threads);
  }
  if (threads_w) {
    pack_str(pk, "written_threads");
    pack_ints(pk, f.written_threads);
  }
}

template <typename Pred>
std::vector<const ReportFile*> select(const Report& r, Pred pred) {
  std::vector<const ReportFile*> out;
  for (const ReportFile& f : r.files) {
    if (pred(f)) {
      out.push_back(&f);
    }
  }
  return out;
}

void pack_path_list(Packer& pk, const char* key, const std::vector<const ReportFile*>& files) {
  pack_str(pk, key);
  pk.pack_array(static_cast<std::uint32_t>(files.size()));
  for (const ReportFile* f : files) {
    pack_path(pk, f->path);
  }
}

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
  const auto read = select(r, [](const ReportFile& f) { return f.read; });
  const auto written = select(r, [](const ReportFile& f) { return f.written; });
  const bool any_files = !r.files.empty();
  // version processes files start_time end_time tracer_mode events_dropped complete
  std::uint32_t keys = 8;
  keys += (any_files ? 1U : 0U) + (read.empty() ? 0U : 1U) + (written.empty() ? 0U : 1U);
  keys += (r.env_accessed.empty() ? 0U : 1U) + (r.warnings.empty() ? 0U : 1U);
  pk.pack_map(keys);

  pack_str(pk, "version");
  pk.pack(r.version);
  pack_str(pk, "processes");
  pk.pack_array(static_cast<std::uint32_t>(r.processes.size()));
  for (const ReportProcess& p : r.processes) {
    pack_process(pk, p);
  }
  pack_str(pk, "files");
  pk.pack_array(static_cast<std::uint32_t>(r.files.size()));
  for (const ReportFile& f : r.files) {
    pack_file(pk, f);
  }
  if (any_files) {
    pack_path_list(pk, "opened_files", select(r, [](const ReportFile&) { return true; }));
  }
  if (!read.empty()) {
    pack_path_list(pk, "read_files", read);
  }
  if (!written.empty()) {
    pack_path_list(pk, "written_files", written);
  }
  if (!r.env_accessed.empty()) {
    pack_str(pk, "env_accessed");
    pack_env(pk, r.env_accessed);
  }
  pack_str(pk, "start_time");
  pk.pack_double(r.start_time);
  pack_str(pk, "end_time");
  pk.pack_double(r.end_time);
  pack_str(pk, "tracer_mode");
  pack_text(pk, r.tracer_mode);
  pack_str(pk, "events_dropped");
  pk.pack(r.events_dropped);
  pack_str(pk, "complete");
  pk.pack(r.complete);
  if (!r.warnings.empty()) {
    pack_str(pk, "warnings");
    pk.pack_array(static_cast<std::uint32_t>(r.warnings.size()));
    for (const std::string& w : r.warnings) {
      pack_text(pk, w);
    }
  }
  return std::string(buffer.data(), buffer.size());
}

Result<Report> decode_report(std::string_view bytes) {
  // Bounds keep a corrupt length field from asking for gigabytes before failing.
  const msgpack::unpack_limit limits(1U << 21, 1U << 21, 1U << 20, 1U << 20, 1U << 20, 64);
  try {
    std::size_t offset = 0;
    const msgpack::object_handle handle =
        msgpack::unpack(bytes.data(), bytes.size(), offset, nullptr, nullptr, limits);
    if (offset != bytes.size()) {
      throw DecodeError("bytes after the report map");
    }
    return as_report(handle.get());
  } catch (const msgpack::type_error&) {
    return Error{EINVAL, "not a roar-seccomp report: a value has the wrong type"};
  } catch (const std::exception& e) {
    return Error{EINVAL, std::string("not a roar-seccomp report: ") + e.what()};
  }
}

}  // namespace roar::seccomp
