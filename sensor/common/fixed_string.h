// Inline, fixed-capacity strings and vectors for records built on the data path.
//
// Extractors run once per packet and must not touch the heap (allocator contention between worker
// threads, and fragmentation on a small appliance running for months). Records therefore hold
// their text inline; a value longer than its field is cut and flagged, never reallocated, so an
// analyst can tell a short value from a truncated one.
//
// Copies move only the bytes in use. Records pass through the pipeline's queues by copy, and a
// record's capacity (about 7 KB for an event) is mostly empty: copying the whole of it made every
// event cost two passes over 7 KB of cache instead of a few hundred bytes. So the bytes past
// size() are never read and need not be initialised.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace bw {

template <std::size_t Capacity>
class FixedString {
  static_assert(Capacity > 0 && Capacity < 65536);

 public:
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): bytes past size_ are never read
  FixedString() {}
  explicit FixedString(std::string_view text) { assign(text); }
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): bytes past size_ are never read
  FixedString(const FixedString& other) : size_(other.size_), truncated_(other.truncated_) {
    std::memcpy(data_.data(), other.data_.data(), size_);
  }
  FixedString& operator=(const FixedString& other) {
    if (this != &other) {
      size_ = other.size_;
      truncated_ = other.truncated_;
      std::memcpy(data_.data(), other.data_.data(), size_);
    }
    return *this;
  }
  ~FixedString() = default;

  void clear() {
    size_ = 0;
    truncated_ = false;
  }
  void assign(std::string_view text) {
    clear();
    append(text);
  }
  void append(std::string_view text) {
    const std::size_t room = Capacity - size_;
    const std::size_t n = std::min(room, text.size());
    // `size_ < Capacity` always holds when n > 0; said again for GCC 12's -Warray-bounds, which
    // cannot see it once data_ is left uninitialised.
    if (n > 0 && size_ < Capacity) std::memcpy(data_.data() + size_, text.data(), n);
    size_ = static_cast<std::uint16_t>(size_ + n);
    if (n < text.size()) truncated_ = true;
  }
  void push_back(char c) { append(std::string_view(&c, 1)); }

  std::string_view view() const { return {data_.data(), size_}; }
  operator std::string_view() const { return view(); }  // NOLINT(google-explicit-constructor)
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool truncated() const { return truncated_; }
  static constexpr std::size_t capacity() { return Capacity; }

  friend bool operator==(const FixedString& a, std::string_view b) { return a.view() == b; }

 private:
  std::array<char, Capacity> data_;
  std::uint16_t size_ = 0;
  bool truncated_ = false;
};

template <typename T, std::size_t Capacity>
class FixedVector {
 public:
  FixedVector() = default;
  // Only the items in use (see FixedString).
  FixedVector(const FixedVector& other) : size_(other.size_), truncated_(other.truncated_) {
    std::copy(other.begin(), other.end(), items_.begin());
  }
  FixedVector& operator=(const FixedVector& other) {
    if (this != &other) {
      size_ = other.size_;
      truncated_ = other.truncated_;
      std::copy(other.begin(), other.end(), items_.begin());
    }
    return *this;
  }
  ~FixedVector() = default;
  bool push_back(const T& value) {
    if (size_ == Capacity) {
      truncated_ = true;
      return false;
    }
    items_[size_++] = value;
    return true;
  }
  T* emplace_slot() {
    if (size_ == Capacity) {
      truncated_ = true;
      return nullptr;
    }
    items_[size_] = T{};
    return &items_[size_++];
  }
  void clear() {
    size_ = 0;
    truncated_ = false;
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool truncated() const { return truncated_; }
  const T& operator[](std::size_t i) const { return items_[i]; }
  T& operator[](std::size_t i) { return items_[i]; }
  const T* begin() const { return items_.data(); }
  const T* end() const { return items_.data() + size_; }
  T* begin() { return items_.data(); }
  T* end() { return items_.data() + size_; }
  static constexpr std::size_t capacity() { return Capacity; }

 private:
  std::array<T, Capacity> items_{};
  std::size_t size_ = 0;
  bool truncated_ = false;
};

}  // namespace bw
