import Foundation
import OrbitJournal
import Synchronization
import ZeroMQ

/// The coordinator's journal on a thread of its own, so the dispatch loop never waits on fsync.
///
/// Jobs queue while a commit is under way and go into the next transaction together: the longer
/// a commit takes, the larger the next group. Completed result batches come back through
/// `takeCompleted()`, and `wakeFD` becomes readable when there are some: only then are their
/// results acknowledged to workers.
final class JournalWriter: Sendable {
  private struct State {
    var queued: [JournalJob] = []
    var completed: [([JournalEntry], [Bool])] = []
    var failure: JournalError?
    var closing = false
  }

  private let state = Mutex(State())
  private let work = DispatchSemaphore(value: 0)
  private let stopped = DispatchSemaphore(value: 0)
  private let wake = WakeSignal()

  /// Readable when completed batches (or a failure) wait to be taken.
  var wakeFD: Int32 { wake.fileDescriptor }

  /// - Parameter onCommit: told each commit's duration in seconds (on the writer thread).
  init(journal: Journal, sweepID: String, onCommit: @escaping @Sendable (Double) -> Void = { _ in })
  {
    // The journal moves to the writer thread, which alone uses it until `close()` returns.
    nonisolated(unsafe) let journal = journal
    let thread = Thread { [self] in
      self.loop(journal: journal, sweepID: sweepID, onCommit: onCommit)
    }
    thread.name = "orbit-journal"
    thread.start()
  }

  func submit(_ job: JournalJob) {
    state.withLock { $0.queued.append(job) }
    work.signal()
  }

  /// Result batches now durable, with which entries were fresh; throws the writer's failure.
  func takeCompleted() throws(JournalError) -> [([JournalEntry], [Bool])] {
    wake.clear()
    let (done, failure) = state.withLock { s in
      defer { s.completed.removeAll() }
      return (s.completed, s.failure)
    }
    if let failure { throw failure }
    return done
  }

  /// Commits what is queued, then stops the thread.
  func close() {
    state.withLock { $0.closing = true }
    work.signal()
    stopped.wait()
  }

  private func loop(
    journal: Journal, sweepID: String, onCommit: @Sendable (Double) -> Void
  ) {
    while true {
      work.wait()
      let (jobs, closing) = state.withLock { s in
        defer { s.queued.removeAll() }
        return (s.queued, s.closing)
      }
      if !jobs.isEmpty {
        do {
          let start = ContinuousClock.now
          let inserted = try journal.apply(jobs, sweepID: sweepID)
          let took = ContinuousClock.now - start
          onCommit(
            Double(took.components.seconds) + Double(took.components.attoseconds) * 1e-18)
          var batches: [([JournalEntry], [Bool])] = []
          var i = 0
          for case .results(let entries, _) in jobs {
            batches.append((entries, inserted[i]))
            i += 1
          }
          state.withLock { $0.completed += batches }
        } catch {
          state.withLock { $0.failure = error }
        }
        wake.signal()
      }
      if closing && state.withLock({ $0.queued.isEmpty }) { break }
    }
    stopped.signal()
  }
}
