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

// How a slot's object is prepared when the slot is taken.
enum class SlotReuse : std::uint8_t {
  kFresh,  // a fresh T is constructed on every acquire and destroyed on release
  // T is constructed the first time its slot is taken and kept across releases: the caller resets
  // it after acquire(). For large parsers whose reset() touches only their bookkeeping, this
  // avoids clearing kilobytes of inline buffers that the next user overwrites anyway.
  kCallerResets,
};

// Slots are raw storage until taken: the pool reserves address space at start, but a page is only
// committed once a flow uses a slot on it, so a pool sized for the worst case costs memory only
// for what the traffic actually needs.
template <typename T, SlotReuse Reuse = SlotReuse::kFresh>
class SlotPool {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffu;

  explicit SlotPool(std::uint32_t capacity)
      : storage_(
            static_cast<T*>(::operator new[](sizeof(T) * capacity, std::align_val_t{alignof(T)}))),
        capacity_(capacity),
        constructed_(capacity, false) {
    free_.reserve(capacity);
    for (std::uint32_t i = capacity; i > 0; --i)
      free_.push_back(i - 1);
  }
  ~SlotPool() {
    for (std::uint32_t i = 0; i < capacity_; ++i) {
      if (constructed_[i]) storage_[i].~T();
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
    if (Reuse == SlotReuse::kFresh || !constructed_[index]) {
      new (&storage_[index]) T();
      constructed_[index] = true;
    }
    return index;
  }
  void release(std::uint32_t index) {
    if (Reuse == SlotReuse::kFresh) {
      storage_[index].~T();
      constructed_[index] = false;
    }
    free_.push_back(index);
  }
  T& operator[](std::uint32_t index) { return storage_[index]; }
  std::uint32_t capacity() const { return capacity_; }
  std::uint32_t in_use() const { return capacity_ - static_cast<std::uint32_t>(free_.size()); }

 private:
  T* storage_;
  std::uint32_t capacity_;
  std::vector<bool> constructed_;
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
