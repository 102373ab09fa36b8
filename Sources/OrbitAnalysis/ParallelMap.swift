import Dispatch

/// Slots that concurrent workers fill by index; each index is written by exactly one worker,
/// which is why unchecked Sendable is sound here.
private final class Slots<T>: @unchecked Sendable {
  var buffer: UnsafeMutableBufferPointer<T?>
  init(count: Int) {
    buffer = .allocate(capacity: count)
    buffer.initialize(repeating: nil)
  }
  deinit {
    buffer.deinitialize()
    buffer.deallocate()
  }
}

/// Maps `body` over 0..<count on up to `threads` OS threads (Dispatch, not the cooperative
/// pool, because fits are long CPU work). The result is in index order whatever the thread
/// count, so fits are deterministic.
/// - Parameters:
///   - count: number of independent jobs.
///   - threads: worker threads; 1 runs inline.
///   - body: the job for one index.
func parallelMap<T>(count: Int, threads: Int, _ body: @Sendable (Int) -> T) -> [T] {
  if threads <= 1 || count <= 1 { return (0..<count).map(body) }
  let slots = Slots<T>(count: count)
  let workers = min(threads, count)
  // Interleaved assignment keeps slow and fast starts spread over the threads.
  DispatchQueue.concurrentPerform(iterations: workers) { worker in
    var index = worker
    while index < count {
      slots.buffer[index] = body(index)
      index += workers
    }
  }
  return slots.buffer.map { $0! }
}
