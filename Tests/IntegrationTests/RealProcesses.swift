import Testing

/// The suites that run whole sweeps of real processes, one suite at a time: their faults are
/// timed (a worker killed every 0.7 s, liveness, partitions), and other sweeps beside them on two
/// cores would stretch every trial past the faults' clock.
@Suite(.serialized) enum RealProcesses {}
