// The sensor's thread layout: one capture thread, N workers, one exporter.
//
//   capture --(SpscChannel<WorkItem> + PacketArena, one pair per worker)--> worker k
//   worker k --(SpscChannel<EventRecord>)--> exporter --> EventWriters
//
// The capture thread reads, decodes and shards packets by a symmetric flow hash, so both
// directions of a flow meet in one worker. Every item carries a capture sequence number; ticks
// (expiry points) go to all workers. The exporter merges the workers' event streams by order key
// and only releases an event once no worker can still produce an earlier one (per-worker
// watermarks), so output is identical whatever the number of workers.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sensor/capture/pcap_source.h"
#include "sensor/config/sensor_config.h"
#include "sensor/correlate/detection_resources.h"
#include "sensor/export/event_encoder.h"
#include "sensor/pipeline/run_summary.h"
#include "sensor/service/heartbeat.h"

namespace bw::pipeline {

struct ReplayResult {
  bool ok = true;
  std::string error;  // first problem that stopped the replay (bad file, truncation, write error)
  // A replay stopped by `stop` before the end of its inputs; summary.capture.packets_read says
  // how far it got.
  bool interrupted = false;
  RunSummary summary;
};

// Called once the live interfaces are open and the first-seen store is loaded, before any
// thread starts or any packet is read (bw-sensor --user drops root there). False with `error`
// ends the run with that error; nothing has been read.
using AfterOpen = std::function<bool(std::string& error)>;

// What the run tells a service manager (bw-sensor's sd_notify, sensor/service). Each hook may be
// empty; none is called on the packet path.
struct ServiceHooks {
  // The sources are open and every thread runs. Live: `stages` are the threads' heartbeats
  // (capture, each worker, exporter), valid until on_stopping has returned. Replay: none, as a
  // replay from a pipe may wait on its input for as long as the writer likes.
  std::function<void(const std::vector<service::StageHeartbeat>& stages)> on_running;
  // The capture has stopped and the drain starts (live: SIGINT/SIGTERM).
  std::function<void()> on_stopping;
  // Around a SIGHUP reload of the intel feeds, on the exporter thread.
  std::function<void()> on_reloading;
  std::function<void()> on_reloaded;
  // Test only (tests/live/service_notify_test.py): this worker wedges for good at its second
  // tick, to show that a wedged thread stops the watchdog. -1: none.
  int wedge_worker_for_testing = -1;
};

// Replays capture files in order through the full pipeline, writing every event to each writer.
// A failure stops reading further input but everything already produced is still written.
// `detection` may be null: events are then exported without beacon detection inputs (no feeds,
// no recipients, no watchlist), but detection itself still runs unless the config disables it.
// `stop` (SIGINT/SIGTERM), when given and set, ends the reading at the next packet; what was
// read is then processed and written as at the end of the inputs. `after_open` runs before the
// first input is opened, so the inputs are opened with whatever rights it leaves.
ReplayResult run_replay(const config::SensorConfig& config, const std::vector<std::string>& inputs,
                        std::vector<std::unique_ptr<exporter::EventWriter>>& writers,
                        correlate::DetectionResources* detection = nullptr,
                        const std::atomic<bool>* stop = nullptr, const AfterOpen& after_open = {},
                        const ServiceHooks* service = nullptr);

// Captures from live interfaces until `stop` is set (SIGINT/SIGTERM), then drains the queues,
// finishes every flow and flushes the writers. Unlike replay, a worker queue that stays full for
// `pipeline.live_queue_wait` drops the packet and counts it (capture.queue_full_drops).
ReplayResult run_live(const config::SensorConfig& config,
                      const std::vector<capture::LiveOptions>& interfaces,
                      std::vector<std::unique_ptr<exporter::EventWriter>>& writers,
                      correlate::DetectionResources* detection, const std::atomic<bool>& stop,
                      const AfterOpen& after_open = {}, const ServiceHooks* service = nullptr);

}  // namespace bw::pipeline
