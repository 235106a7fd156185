// Single-producer single-consumer plumbing between pipeline threads.
//
// boost::lockfree::spsc_queue does the hand-off. Around it, each side keeps its own counters on
// its own cache line: the producer and the consumer run on different cores, and counters sharing
// a line with the other side's would bounce that line between cores on every packet (false
// sharing), which costs more than the queue operation itself.
#pragma once

#include <atomic>
#include <boost/lockfree/spsc_queue.hpp>
#include <cstddef>
#include <cstdint>
#include <new>

namespace bw::pipeline {

// 64 bytes on the x86-64 and aarch64 cores we ship on; std::hardware_destructive_interference_size
// is not reliable across GCC versions (it warns when used in headers).
inline constexpr std::size_t kCacheLine = 64;

struct alignas(kCacheLine) ProducerCounters {
  std::uint64_t pushed = 0;
  std::uint64_t full_waits = 0;  // times the producer found the queue full and had to wait
  std::uint64_t dropped = 0;     // items dropped because the queue was full (live policy)
};

struct alignas(kCacheLine) ConsumerCounters {
  std::uint64_t popped = 0;
  std::uint64_t empty_polls = 0;
};

template <typename T>
class SpscChannel {
 public:
  explicit SpscChannel(std::size_t capacity) : queue_(capacity), capacity_(capacity) {}

  bool try_push(const T& item) {
    if (!queue_.push(item)) return false;
    ++producer_.pushed;
    return true;
  }
  // Up to `count` items from `items`, in order; how many went in.
  std::size_t try_push_batch(const T* items, std::size_t count) {
    const std::size_t pushed = queue_.push(items, count);
    producer_.pushed += pushed;
    return pushed;
  }
  bool try_pop(T& item) {
    if (!queue_.pop(item)) {
      ++consumer_.empty_polls;
      return false;
    }
    ++consumer_.popped;
    return true;
  }
  // Up to `max` items into `out`; how many.
  std::size_t try_pop_batch(T* out, std::size_t max) {
    const std::size_t n = queue_.pop(out, max);
    if (n == 0) {
      ++consumer_.empty_polls;
    } else {
      consumer_.popped += n;
    }
    return n;
  }
  // Consumer side: the oldest item without removing it, or nullptr.
  const T* peek() { return queue_.read_available() > 0 ? &queue_.front() : nullptr; }
  void drop_front() {
    queue_.pop();
    ++consumer_.popped;
  }
  bool empty() const { return queue_.read_available() == 0; }
  // Items waiting (consumer side) and free slots (producer side).
  std::size_t size() const { return queue_.read_available(); }
  std::size_t room() const { return queue_.write_available(); }
  std::size_t capacity() const { return capacity_; }

  ProducerCounters& producer() { return producer_; }
  ConsumerCounters& consumer() { return consumer_; }

 private:
  boost::lockfree::spsc_queue<T> queue_;
  std::size_t capacity_;
  ProducerCounters producer_;
  ConsumerCounters consumer_;
};

// Packet bytes for one worker, in one block allocated at start. The capture thread carves each
// packet's datagram off the head; the worker frees in the same order it receives them, so a ring
// with two monotonically increasing positions is all the bookkeeping a buffer pool needs here.
class PacketArena {
 public:
  explicit PacketArena(std::size_t bytes) : storage_(new std::uint8_t[bytes]), capacity_(bytes) {}
  ~PacketArena() { delete[] storage_; }
  PacketArena(const PacketArena&) = delete;
  PacketArena& operator=(const PacketArena&) = delete;

  // Producer: space for `size` contiguous bytes, or nullptr when the worker has not freed enough.
  // On success `end_position` is what the consumer passes to release() once done with the bytes.
  std::uint8_t* allocate(std::size_t size, std::uint64_t& end_position) {
    if (size > capacity_) return nullptr;
    std::uint64_t position = head_;
    const std::size_t offset = position % capacity_;
    if (offset + size > capacity_) position += capacity_ - offset;  // never split a datagram
    if (position + size - released_seen_ > capacity_) {
      // Only now look at the consumer's line: reading it on every packet would pull it across
      // cores each time the worker has just written it.
      released_seen_ = released_.load(std::memory_order_acquire);
      if (position + size - released_seen_ > capacity_) return nullptr;
    }
    head_ = position + size;
    end_position = head_;
    return storage_ + (position % capacity_);
  }
  // Consumer: everything before `end_position` may be reused.
  void release(std::uint64_t end_position) {
    released_.store(end_position, std::memory_order_release);
  }
  std::size_t capacity() const { return capacity_; }

 private:
  // Producer's line: its position, its last view of the consumer's, and the fixed fields it reads
  // on every allocation.
  alignas(kCacheLine) std::uint64_t head_ = 0;
  std::uint64_t released_seen_ = 0;
  std::uint8_t* storage_;
  std::size_t capacity_;
  alignas(kCacheLine) std::atomic<std::uint64_t> released_{0};  // written by the consumer
};

}  // namespace bw::pipeline
