// Feeds arbitrary bytes to the spool as the content of one segment file: opening it must count,
// skip or (at the end) cut back whatever is damaged, and what it then reads, acknowledges and
// appends must stay consistent (sequences increasing, pending counts matching what reads return).
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "sensor/stream/spool.h"

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

// A plain buffer rather than a std::string, so the exit handler that removes the directory never
// runs after the name's destructor.
char scratch[64];

const char* scratch_directory() {
  if (scratch[0] == '\0') {
    const char* base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    std::snprintf(scratch, sizeof scratch, "%s/bw_fuzz_spool_XXXXXX", base);
    require(::mkdtemp(scratch) != nullptr);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch, ec);
    });
  }
  return scratch;
}

void write_segment(const std::string& directory, const std::uint8_t* data, std::size_t size) {
  std::error_code ec;
  std::filesystem::remove_all(directory, ec);
  std::filesystem::create_directories(directory, ec);
  const std::string path = directory + "/00000000000000000001.seg";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  require(fd >= 0);
  require(::write(fd, data, size) == static_cast<ssize_t>(size));
  ::close(fd);
}

// Reads everything pending in small batches; returns the sequences seen.
std::vector<std::uint64_t> read_everything(bw::stream::Spool& spool) {
  std::vector<std::uint64_t> sequences;
  std::vector<bw::stream::SpooledEvent> batch;
  std::uint64_t after = 0;
  while (true) {
    batch.clear();
    if (spool.read_after(after, 7, 256, batch) == 0) break;
    for (const auto& event : batch) {
      require(event.sequence > after);
      after = event.sequence;
      sequences.push_back(after);
    }
  }
  return sequences;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string directory = std::string(scratch_directory()) + "/spool";
  write_segment(directory, data, size);
  bw::stream::SpoolOptions options;
  options.directory = directory;
  options.segment_bytes = 4096;
  options.fsync_interval_ms = 60 * 1000;
  std::string error;
  auto spool = bw::stream::Spool::open(options, error);
  require(spool != nullptr);
  const std::vector<std::uint64_t> sequences = read_everything(*spool);
  require(sequences.size() == spool->pending_events());
  require(sequences.empty() || sequences.front() == spool->oldest_pending_sequence());
  require(sequences.empty() || sequences.back() == spool->last_sequence());
  const bw::stream::SpoolCounters counters = spool->counters();
  require(counters.torn_tails <= 1);

  const std::uint64_t next = spool->last_sequence() + 1;
  if (!sequences.empty()) spool->acknowledge(sequences[sequences.size() / 2]);
  if (next != 0) {
    require(spool->append(next, "fuzz"));
    const std::vector<std::uint64_t> after_append = read_everything(*spool);
    require(!after_append.empty() && after_append.back() == next);
  }
  spool.reset();

  // What the first open left behind reads back without a torn tail; damage it skipped in the
  // middle of the segment is still on disk and skipped again, never more of it.
  spool = bw::stream::Spool::open(options, error);
  require(spool != nullptr);
  require(spool->counters().torn_tails == 0);
  require(spool->counters().corrupt_records <= counters.corrupt_records);
  require(next == 0 || spool->last_sequence() == next);
  return 0;
}
