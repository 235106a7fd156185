// Inline, fixed-capacity strings and vectors for records built on the data path.
//
// Extractors run once per packet and must not touch the heap (allocator contention between worker
// threads, and fragmentation on a small appliance running for months). Records therefore hold
// their text inline; a value longer than its field is cut and flagged, never reallocated, so an
// analyst can tell a short value from a truncated one.
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
  FixedString() = default;
  explicit FixedString(std::string_view text) { assign(text); }

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
    if (n > 0) std::memcpy(data_.data() + size_, text.data(), n);
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
  std::array<char, Capacity> data_{};
  std::uint16_t size_ = 0;
  bool truncated_ = false;
};

template <typename T, std::size_t Capacity>
class FixedVector {
 public:
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
