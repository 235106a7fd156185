// Test-only access to a Spool's internals, for faults that are hard to cause for real.
#pragma once

#include "sensor/stream/spool.h"

namespace bw::stream {

// Makes the next appends write through `fd` (e.g. /dev/full, to inject ENOSPC) instead of the
// open segment file; the spool owns `fd` from then on. False when no segment is open for appends.
bool replace_append_fd_for_testing(Spool& spool, int fd);

}  // namespace bw::stream
