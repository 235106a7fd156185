// Preallocated storage for per-flow state that only some flows need (stream bytes, protocol
// parsers). Everything is allocated when the worker starts; taking and returning a slot is a
// push or pop on a free list, so no flow ever touches the heap.
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <vector>

namespace bw::flow {

// Slots are raw storage until taken: the pool reserves address space at start, but a page is only
// committed once a flow uses a slot on it, so a pool sized for the worst case costs memory only
// for what the traffic actually needs. Taking a slot constructs a fresh T in it.
template <typename T>
class SlotPool {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffu;

  explicit SlotPool(std::uint32_t capacity)
      : storage_(
            static_cast<T*>(::operator new[](sizeof(T) * capacity, std::align_val_t{alignof(T)}))),
        capacity_(capacity) {
    free_.reserve(capacity);
    for (std::uint32_t i = capacity; i > 0; --i)
      free_.push_back(i - 1);
  }
  ~SlotPool() {
    std::vector<bool> is_free(capacity_, false);
    for (const std::uint32_t i : free_)
      is_free[i] = true;
    for (std::uint32_t i = 0; i < capacity_; ++i) {
      if (!is_free[i]) storage_[i].~T();
    }
    ::operator delete[](storage_, std::align_val_t{alignof(T)});
  }
  SlotPool(const SlotPool&) = delete;
  SlotPool& operator=(const SlotPool&) = delete;

  // kNone when exhausted.
  std::uint32_t acquire() {
    if (free_.empty()) return kNone;
    const std::uint32_t index = free_.back();
    free_.pop_back();
    new (&storage_[index]) T();
    return index;
  }
  void release(std::uint32_t index) {
    storage_[index].~T();
    free_.push_back(index);
  }
  T& operator[](std::uint32_t index) { return storage_[index]; }
  std::uint32_t capacity() const { return capacity_; }
  std::uint32_t in_use() const { return capacity_ - static_cast<std::uint32_t>(free_.size()); }

 private:
  T* storage_;
  std::uint32_t capacity_;
  std::vector<std::uint32_t> free_;
};

// Fixed-size byte buffers holding the not-yet-parsed tail of a TCP direction (a header block cut
// by a segment boundary, a ClientHello spread over several segments).
class StreamBufferPool {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffu;

  StreamBufferPool(std::uint32_t count, std::uint32_t buffer_bytes)
      : buffer_bytes_(buffer_bytes),
        // Default-initialised: pages are committed only when a buffer is first used.
        storage_(new std::uint8_t[std::size_t{count} * buffer_bytes]),
        sizes_(count) {
    free_.reserve(count);
    for (std::uint32_t i = count; i > 0; --i)
      free_.push_back(i - 1);
  }
  std::uint32_t acquire() {
    if (free_.empty()) return kNone;
    const std::uint32_t index = free_.back();
    free_.pop_back();
    sizes_[index] = 0;
    return index;
  }
  void release(std::uint32_t index) { free_.push_back(index); }
  std::span<std::uint8_t> buffer(std::uint32_t index) {
    return {storage_.get() + std::size_t{index} * buffer_bytes_, buffer_bytes_};
  }
  std::uint32_t& size(std::uint32_t index) { return sizes_[index]; }
  std::uint32_t buffer_bytes() const { return buffer_bytes_; }
  std::uint32_t in_use() const { return static_cast<std::uint32_t>(sizes_.size() - free_.size()); }

 private:
  std::uint32_t buffer_bytes_;
  std::unique_ptr<std::uint8_t[]> storage_;
  std::vector<std::uint32_t> sizes_;
  std::vector<std::uint32_t> free_;
};

}  // namespace bw::flow
