import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A process's descendants, read from /proc: what a trial's kill reaches beyond its process
/// group, for programs that start children in sessions of their own (`setsid`, daemons).
///
/// Where it stops: a descendant whose parent chain to the trial was broken before the kill (its
/// parent exited first, so it was re-parented) is not found; only a cgroup would hold it, and
/// Orbit does not require one (docs/PROGRAMS.md).
enum ProcessTree {
  /// Every living descendant of `root` (not `root` itself).
  static func descendants(of root: pid_t) -> Set<pid_t> {
    var children: [pid_t: [pid_t]] = [:]
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
      guard let pid = pid_t(entry), let parent = parentOf(pid) else { continue }
      children[parent, default: []].append(pid)
    }
    var found: Set<pid_t> = []
    var stack = children[root] ?? []
    while let pid = stack.popLast() {
      guard found.insert(pid).inserted else { continue }
      stack += children[pid] ?? []
    }
    return found
  }

  /// The parent pid from /proc/PID/stat (the field after the command's closing parenthesis).
  static func parentOf(_ pid: pid_t) -> pid_t? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    return fields.count > 1 ? pid_t(fields[1]) : nil
  }
}
