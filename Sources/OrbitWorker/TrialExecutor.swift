import Foundation
import OrbitProtocol
import OrbitSpec
import Synchronization
import ZeroMQ

/// A fixed pool of slot threads running trials, one at a time each, off the cooperative pool.
///
/// Finished outcomes and progress points are queued for the I/O thread, which is woken through
/// a `WakeSignal` it polls beside its socket.
final class TrialExecutor: Sendable {
  private struct Queues {
    var tasks: [TaskAssignment] = []
    var completions: [TrialOutcome] = []
    var progress: [TrialProgress] = []
    var cancelled: Set<TrialID> = []
    var shuttingDown = false
    /// Replaced when the coordinator's spec changes (a resumed sweep that gained grid points):
    /// trials already running finish with the runner they started with.
    var runner: any TrialRunner
  }

  private let queues: Mutex<Queues>
  private let available = DispatchSemaphore(value: 0)
  private let finishedThreads = DispatchSemaphore(value: 0)
  let slots: Int
  private let wakeSignal = WakeSignal()
  /// Readable whenever outcomes or progress wait in the queue.
  var wakeFD: Int32 { wakeSignal.fileDescriptor }

  /// - Parameter gpus: each slot's devices (`GPUSlots.devices`), or empty for none.
  init(slots: Int, runner: any TrialRunner, gpus: [[String]] = []) {
    self.slots = slots
    self.queues = Mutex(Queues(runner: runner))
    for i in 0..<slots {
      let devices = i < gpus.count ? gpus[i] : []
      let thread = Thread { [self] in self.slotLoop(gpus: devices) }
      thread.name = "orbit-slot-\(i)"
      // Training keeps its buffers on the heap; a modest stack is enough.
      thread.stackSize = 8 << 20
      thread.start()
    }
  }

  /// Runs trials started from now on with `runner`.
  func replaceRunner(_ runner: any TrialRunner) {
    queues.withLock { $0.runner = runner }
  }

  func start(_ task: TaskAssignment) {
    queues.withLock { $0.tasks.append(task) }
    available.signal()
  }

  func cancel(_ trialID: TrialID) {
    queues.withLock { q in
      q.cancelled.insert(trialID)
      q.tasks.removeAll { task in
        guard task.trialID == trialID else { return false }
        q.completions.append(
          TrialOutcome(
            trialID: task.trialID, index: task.index, attempt: task.attempt, status: .cancelled))
        return true
      }
    }
    wake()
  }

  /// Takes every queued outcome and progress point; clears the wake-up signal.
  func drain() -> (outcomes: [TrialOutcome], progress: [TrialProgress]) {
    wakeSignal.clear()
    return queues.withLock { q in
      defer {
        q.completions.removeAll()
        q.progress.removeAll()
      }
      return (q.completions, q.progress)
    }
  }

  /// Stops the slot threads once they finish their current trial, and waits for them.
  func shutdown() {
    queues.withLock { $0.shuttingDown = true }
    for _ in 0..<slots { available.signal() }
    for _ in 0..<slots { finishedThreads.wait() }
  }

  private func wake() { wakeSignal.signal() }

  private func slotLoop(gpus: [String]) {
    while true {
      available.wait()
      let next: (TaskAssignment, any TrialRunner)? = queues.withLock { q in
        if q.shuttingDown { return nil }
        return q.tasks.isEmpty ? nil : (q.tasks.removeFirst(), q.runner)
      }
      guard let (task, runner) = next else {
        if queues.withLock({ $0.shuttingDown }) { break }
        continue
      }
      let id = task.trialID
      let context = TrialContext(
        isCancelled: { [self] in
          self.queues.withLock { $0.cancelled.contains(id) || $0.shuttingDown }
        },
        reportProgress: { [self] step, metrics in
          self.queues.withLock {
            $0.progress.append(
              TrialProgress(
                trialID: id, index: task.index, attempt: task.attempt, step: step,
                metricsJSON: metrics))
          }
          self.wake()
        }, gpus: gpus)
      let outcome = runner.run(task, context: context)
      queues.withLock { q in
        q.cancelled.remove(id)
        q.completions.append(outcome)
      }
      wake()
    }
    finishedThreads.signal()
  }
}
