#include "sensor/intel/intel_holder.h"

#include <utility>

namespace bw::intel {

IntelHolder::IntelHolder() : IntelHolder(IntelSet::empty()) {}

IntelHolder::IntelHolder(std::shared_ptr<const IntelSet> initial)
    : set_(initial ? std::move(initial) : IntelSet::empty()) {}

std::shared_ptr<const IntelSet> IntelHolder::current() const {
  return std::atomic_load_explicit(&set_, std::memory_order_acquire);
}

bool IntelHolder::reload(const std::vector<std::string>& feed_paths,
                         std::vector<std::string>& problems) {
  std::shared_ptr<const IntelSet> next = IntelSet::load(feed_paths, problems);
  if (!next) {
    problems.push_back("reload failed; keeping the current set (generation " +
                       std::to_string(generation()) + ")");
    return false;
  }
  return replace(std::move(next));
}

bool IntelHolder::replace(std::shared_ptr<const IntelSet> next) {
  if (!next) return false;
  const std::lock_guard lock(reload_mutex_);
  std::shared_ptr<const IntelSet> previous =
      std::atomic_exchange_explicit(&set_, std::move(next), std::memory_order_acq_rel);
  // The generation moves only after the new set is visible, so a reader that sees the new
  // generation is sure to fetch the new (or a newer) set.
  generation_.fetch_add(1, std::memory_order_acq_rel);
  retired_ = std::move(previous);  // frees the set retired one reload ago, here, off the data path
  return true;
}

IntelReader::IntelReader(const IntelHolder& holder)
    : holder_(&holder), generation_(holder.generation()), snapshot_(holder.current()) {}

const IntelSet& IntelReader::set() {
  const std::uint64_t now = holder_->generation();
  if (now != generation_) {
    snapshot_ = holder_->current();
    generation_ = now;
  }
  return *snapshot_;
}

}  // namespace bw::intel
