// ByteReader: reads a fuzzer input front to back; past its end every read yields zeros.
// Reading front to back (unlike FuzzedDataProvider, which takes integers from the end) keeps the
// input format simple enough for tests/fuzz/make_corpus.py to write seeds by hand.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace roar::seccomp::fuzz {

class ByteReader {
 public:
  ByteReader() noexcept = default;
  ByteReader(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}

  [[nodiscard]] bool empty() const noexcept { return pos_ >= size_; }
  [[nodiscard]] std::size_t remaining() const noexcept { return empty() ? 0 : size_ - pos_; }

  std::uint8_t u8() noexcept { return empty() ? std::uint8_t{0} : data_[pos_++]; }
  // Little-endian integers of `n` bytes; missing bytes are zero.
  std::uint64_t le(unsigned n) noexcept {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i) {
      v |= static_cast<std::uint64_t>(u8()) << (8U * i);
    }
    return v;
  }
  std::uint16_t u16() noexcept { return static_cast<std::uint16_t>(le(2)); }
  std::uint32_t u32() noexcept { return static_cast<std::uint32_t>(le(4)); }
  std::uint64_t u64() noexcept { return le(8); }
  bool flag() noexcept { return (u8() & 1U) != 0; }
  // A number in [0, n); n must be positive.
  std::size_t pick(std::size_t n) noexcept { return u8() % n; }
  std::size_t pick16(std::size_t n) noexcept { return u16() % n; }

  // Up to `n` bytes (fewer at the end of the input).
  std::string bytes(std::size_t n) {
    const std::size_t take = n < remaining() ? n : remaining();
    std::string out(take, '\0');
    if (take > 0) {
      std::memcpy(out.data(), data_ + pos_, take);
    }
    pos_ += take;
    return out;
  }
  // A string prefixed by a one-byte length.
  std::string short_bytes() { return bytes(u8()); }
  // Fills `len` bytes: input bytes first, zeros once the input is used up.
  void fill(void* out, std::size_t len) noexcept {
    const std::size_t take = len < remaining() ? len : remaining();
    auto* dst = static_cast<unsigned char*>(out);
    if (take > 0) {
      std::memcpy(dst, data_ + pos_, take);
    }
    if (len > take) {
      std::memset(dst + take, 0, len - take);
    }
    pos_ += take;
  }
  // A sub-reader over the next length-prefixed chunk (two-byte length, at most `max` bytes), so
  // that changing what one part of the input answers does not shift everything after it.
  ByteReader chunk(std::size_t max) noexcept {
    std::size_t n = u16();
    if (n > max) {
      n = max;
    }
    if (n > remaining()) {
      n = remaining();
    }
    ByteReader sub(data_ + pos_, n);
    pos_ += n;
    return sub;
  }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t pos_ = 0;
};

}  // namespace roar::seccomp::fuzz
