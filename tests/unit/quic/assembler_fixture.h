// A QuicInitialAssembler fed whole datagrams, with the record and counters it writes: the
// fixture of the assembly tests.
#pragma once

#include <gtest/gtest.h>

#include "sensor/extract/quic/quic_initial.h"
#include "tests/unit/quic/quic_test_packets.h"

namespace bw::test {

class AssemblerTest : public ::testing::Test {
 protected:
  extract::quic::QuicStatus feed(const QuicBytes& datagram) {
    return assembler_.on_client_datagram(span_of(datagram), out_, counters_);
  }
  extract::quic::QuicInitialAssembler assembler_;
  extract::QuicInitial out_;
  extract::quic::QuicCounters counters_;
};

}  // namespace bw::test
