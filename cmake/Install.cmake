# Install rules (`cmake --install`, and the Debian packages: firmware/build-debs.sh). Two
# components, one per package: `sensor` (the sensor, the tools an operator runs next to it, the
# curated intel, the example config, the templated unit, its system user) and `collector`.
# Targets are named, not paths, so this file does not care where their sources live.
include(GNUInstallDirs)

# systemd's directories. Debian 12 (bookworm) keeps units in /lib/systemd/system and sysusers.d
# files in /usr/lib/sysusers.d; the package build passes BW_SYSTEMD_UNITDIR=/lib/systemd/system.
set(BW_SYSTEMD_UNITDIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system"
    CACHE PATH "Where the systemd units are installed")
set(BW_SYSUSERSDIR "${CMAKE_INSTALL_PREFIX}/lib/sysusers.d"
    CACHE PATH "Where the sysusers.d files are installed")
# Config: /etc/beaconwatch when the prefix is /usr (GNUInstallDirs maps etc to /etc there).
set(BW_CONFDIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/beaconwatch")
set(BW_DATADIR "${CMAKE_INSTALL_FULL_DATADIR}/beaconwatch")
set(BW_FIRMWARE "${PROJECT_SOURCE_DIR}/firmware")

# Sensor: bw-sensor, and what an operator runs beside it: bw-intel-convert (third-party lists
# to feeds), bw-mail-watchlist (URLs of journaled mail), bw-spool (inspect a spool). The test and
# benchmark tools (bw-gen, bw-eval, bw-pcap-reorder, bw-pcap-floor) stay out of the packages.
foreach(tool bw-sensor bw-intel-convert bw-mail-watchlist bw-spool)
  if(TARGET ${tool})
    install(TARGETS ${tool} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT sensor)
    if(EXISTS ${BW_FIRMWARE}/man/${tool}.1)
      install(FILES ${BW_FIRMWARE}/man/${tool}.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
              COMPONENT sensor)
    endif()
  endif()
endforeach()
install(FILES ${BW_FIRMWARE}/config/sensor-example.json DESTINATION ${BW_CONFDIR}
        COMPONENT sensor)
# The curated intel: the feeds only (their README is the project's documentation).
file(GLOB bw_intel_feeds ${PROJECT_SOURCE_DIR}/sensor/intel/data/*.feed)
install(FILES ${bw_intel_feeds} DESTINATION ${BW_DATADIR} COMPONENT sensor)
install(FILES ${BW_FIRMWARE}/systemd/beaconwatch-sensor@.service
        DESTINATION ${BW_SYSTEMD_UNITDIR} COMPONENT sensor)
install(FILES ${BW_FIRMWARE}/sysusers.d/beaconwatch-sensor.conf
        DESTINATION ${BW_SYSUSERSDIR} COMPONENT sensor)

# Collector.
if(TARGET bw-collector)
  install(TARGETS bw-collector RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT collector)
  install(FILES ${BW_FIRMWARE}/man/bw-collector.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
          COMPONENT collector)
endif()
install(FILES ${BW_FIRMWARE}/config/collector.env DESTINATION ${BW_CONFDIR} COMPONENT collector)
install(FILES ${BW_FIRMWARE}/systemd/beaconwatch-collector.service
        DESTINATION ${BW_SYSTEMD_UNITDIR} COMPONENT collector)
install(FILES ${BW_FIRMWARE}/sysusers.d/beaconwatch-collector.conf
        DESTINATION ${BW_SYSUSERSDIR} COMPONENT collector)
